# Writes every ```cpp block of README.md into one C++ program, so that a README that stops
# compiling (or a block that throws) fails the tests. Run as
#   cmake -DREADME=README.md -DOUTPUT=readme_blocks.cpp -P extract_blocks.cmake
#
# Each block becomes a function of its own, run by main in README order; #line directives make a
# compiler error name README.md and the block's own line. #include lines move to the top. A block
# preceded by the comment <!-- readme-test: namespace scope --> is written at namespace scope
# instead, so that its declarations (seed 004's f) serve every later block, as they do a reader.
# The lines as a CMake list: ';' and brackets (which a list would read) are swapped for
# placeholders first and swapped back when the program is written.
file(READ "${README}" text)
string(REPLACE ";" "@SEMICOLON@" text "${text}")
string(REPLACE "[" "@OPEN@" text "${text}")
string(REPLACE "]" "@CLOSE@" text "${text}")
string(REPLACE "\n" ";" lines "${text}")
set(includes "#include <cstdlib>\n#include <exception>\n#include <iostream>\n")
set(globals "")
set(functions "")
set(calls "")
set(in_block FALSE)
set(next_global FALSE)
set(number 0)
foreach(line IN LISTS lines)
  math(EXPR number "${number} + 1")
  if(in_block)
    if(line MATCHES "^```")
      set(in_block FALSE)
      if(global)
        string(APPEND globals "${body}")
      else()
        string(APPEND functions "void readme_block_${start}() {\n${body}}\n\n")
        string(APPEND calls "  run(${start}, readme_block_${start});\n")
      endif()
    elseif(line MATCHES "^#include")
      string(APPEND includes "${line}\n")
    else()
      string(APPEND body "${line}\n")
    endif()
  elseif(line MATCHES "^```cpp")
    set(in_block TRUE)
    set(global ${next_global})
    set(next_global FALSE)
    math(EXPR start "${number} + 1")
    set(body "#line ${start} \"README.md\"\n")
  elseif(line MATCHES "<!-- readme-test: namespace scope -->")
    set(next_global TRUE)
  endif()
endforeach()
if(in_block)
  message(FATAL_ERROR "${README}: a ```cpp block is never closed")
endif()

set(program "// Generated from README.md by tests/readme/extract_blocks.cmake. Do not edit.
${includes}
${globals}
namespace {

int failures = 0;

void run(int line, void (*block)()) {
  try {
    block();
  } catch (const std::exception& e) {
    std::cerr << \"README.md:\" << line << \": the block threw: \" << e.what() << '\\n';
    ++failures;
  }
}

${functions}}  // namespace

int main() {
${calls}  std::cout << '\\n' << (failures == 0 ? \"every README block ran\" : \"README blocks failed\")
            << '\\n';
  return failures == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
")
string(REPLACE "@SEMICOLON@" ";" program "${program}")
string(REPLACE "@OPEN@" "[" program "${program}")
string(REPLACE "@CLOSE@" "]" program "${program}")
file(WRITE "${OUTPUT}.new" "${program}")
# Only a changed program is rebuilt.
file(COPY_FILE "${OUTPUT}.new" "${OUTPUT}" ONLY_IF_DIFFERENT)
file(REMOVE "${OUTPUT}.new")
