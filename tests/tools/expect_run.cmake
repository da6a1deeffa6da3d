# Runs PROGRAM with ARGS (a ;-list) and checks both its exit status (EXIT) and that its standard
# output matches every regular expression in MATCH (joined by "@@"). ctest's PASS_REGULAR_EXPRESSION
# alone would ignore the exit status.
execute_process(COMMAND ${PROGRAM} ${ARGS} RESULT_VARIABLE status OUTPUT_VARIABLE out
                ERROR_VARIABLE err)
if(NOT status EQUAL EXIT)
  message(FATAL_ERROR "exit status ${status}, expected ${EXIT}\nstdout:\n${out}\nstderr:\n${err}")
endif()
string(REPLACE "@@" ";" patterns "${MATCH}")
foreach(pattern IN LISTS patterns)
  if(NOT out MATCHES "${pattern}")
    message(FATAL_ERROR "stdout does not match '${pattern}':\n${out}")
  endif()
endforeach()
