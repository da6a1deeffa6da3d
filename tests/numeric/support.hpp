// Helpers shared by the numeric tests.
#pragma once

#include <gtest/gtest.h>

#include <string>

#include "nabla/core/arguments.hpp"

namespace nabla::testing {

// The message of the nabla::ArgumentError that `call` throws; a test failure if it throws none.
template <class Call>
std::string argument_error_message(Call&& call) {
  try {
    call();
  } catch (const nabla::ArgumentError& error) {
    return error.what();
  }
  ADD_FAILURE() << "expected a nabla::ArgumentError";
  return {};
}

inline bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

}  // namespace nabla::testing
