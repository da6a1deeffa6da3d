// libFuzzer target: sym::parse on arbitrary bytes (nabla/symbolic/formula.hpp).
//
// Every input must end in one of what parse.hpp and formula.hpp document, never a crash, a hang
// or unbounded memory:
//   - an expression, which then prints and reads back as the same node (expr.hpp, "Canonical
//     nodes"), prints as LaTeX and DOT, and evaluates at a point without throwing;
//   - sym::ParseError, whose position lies inside the formula (or just after it) and whose
//     what() is safe to print: no byte below 0x20 but its newlines, no DEL, the caret last;
//   - std::invalid_argument from the builder for a polygamma order that is not a whole number
//     from 0 to 1000.
// Anything else escapes and libFuzzer reports it: an uncaught exception aborts.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "nabla/symbolic/evaluate.hpp"
#include "nabla/symbolic/expr.hpp"
#include "nabla/symbolic/formula.hpp"

namespace {

namespace sym = nabla::sym;

[[noreturn]] void fail(const char* what, std::string_view detail) {
  std::fprintf(stderr, "parse_fuzz: %s\n%.*s\n", what, static_cast<int>(detail.size()),
               detail.data());
  std::abort();
}

void check_error(const sym::ParseError& error, std::string_view formula) {
  if (error.position() > formula.size()) fail("ParseError position past the end", error.what());
  if (error.reason().empty()) fail("ParseError without a reason", error.what());
  const std::string_view what = error.what();
  for (const char c : what) {
    const auto byte = static_cast<unsigned char>(c);
    if ((byte < 0x20 && c != '\n') || byte == 0x7F) fail("raw control byte in what()", what);
  }
  if (what.empty() || what.back() != '^') fail("what() does not end with its caret", what);
}

bool is_polygamma_order_error(const std::invalid_argument& error) {
  return std::string_view(error.what()).starts_with("nabla: the order of polygamma");
}

// Printing round-trips. A printed expression may nest deeper than the text it came from (a
// sign, once printed inside parentheses, is two levels), so the reparse may hit the documented
// depth limit; nothing else may go wrong.
void check_round_trip(const sym::Expr& e) {
  const std::string text = sym::to_string(e);
  sym::Expr back;
  try {
    back = sym::parse(text);
  } catch (const sym::ParseError& error) {
    if (error.reason().starts_with("nesting deeper than")) return;
    fail("a printed expression does not parse", std::string(error.what()) + "\n" + text);
  }
  if (!back.same(e)) fail("a printed expression reads back as another node", text);
}

void check_evaluation(const sym::Expr& e) {
  const std::vector<sym::Expr> variables = sym::variables(e);
  const std::vector<double> point(variables.size(), 0.75);
  (void)sym::evaluate<double>(e, variables, std::span<const double>(point));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view formula(reinterpret_cast<const char*>(data), size);
  sym::Expr e;
  try {
    e = sym::parse(formula);
  } catch (const sym::ParseError& error) {
    check_error(error, formula);
    return 0;
  } catch (const std::invalid_argument& error) {
    if (is_polygamma_order_error(error)) return 0;
    throw;
  }
  check_round_trip(e);
  (void)sym::to_latex(e);
  (void)sym::to_dot(e);
  check_evaluation(e);
  return 0;
}
