#include "nabla/symbolic/formula.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "nabla/core/rules.hpp"

namespace nabla::sym {
namespace {

// The order n of polygamma(n, x): a whole number (bounded, so that it fits an int). The error
// is the builder's, not a ParseError: it has no position.
int order(const Expr& n) {
  const double v = n.number();  // nan unless n is a number
  if (!n.is_number() || !(v >= 0 && v <= 1000) || v != std::trunc(v)) {
    const std::string what = "nabla: the order of polygamma(n, x) is a whole number from 0 to 1000";
    throw std::invalid_argument(what + ", not " + to_string(n));
  }
  return static_cast<int>(v);
}

// The parser's callbacks, building expressions. The parser has already checked each function's
// name and argument count against the same rules table.
struct ExprBuilder {
  using Node = Expr;

  // A long formula names the same few variables and numbers over and over: each is looked up in
  // the node table once per parse and kept here, which spares the table's lock and reference
  // counts for most leaves (parsing the 41 KB polynomial of bench/ spent a fifth of its time
  // finding x, y, z and small integers again).
  Expr number(double value) {
    if (value != value) return Expr(value);  // nan keys would never match
    const auto [it, added] = numbers.try_emplace(value);
    if (added) it->second = Expr(value);
    return it->second;
  }
  Expr constant(std::string_view name) { return sym::constant(name); }
  Expr variable(std::string_view name) {
    const auto [it, added] = variables.try_emplace(std::string(name));
    if (added) it->second = sym::variable(name);
    return it->second;
  }
  std::unordered_map<double, Expr> numbers;
  std::unordered_map<std::string, Expr> variables;
  Expr negate(const Expr& x) { return -x; }
  Expr binary(char op, const Expr& a, const Expr& b) {
    switch (op) {
      case '+':
        return a + b;
      case '-':
        return a - b;
      case '*':
        return a * b;
      case '/':
        return a / b;
      default:
        return pow(a, b);
    }
  }
  Expr call(std::string_view function, const std::vector<Expr>& arguments) {
    using Unary = Expr (*)(const Expr&);
    using Binary = Expr (*)(const Expr&, const Expr&);
#define NABLA_FORMULA_UNARY(name, Rule) {#name, [](const Expr& x) { return name(x); }},
    static const std::unordered_map<std::string_view, Unary> unary{
        NABLA_UNARY_RULES(NABLA_FORMULA_UNARY){"sign", [](const Expr& x) { return sign(x); }}};
#undef NABLA_FORMULA_UNARY
    static const std::unordered_map<std::string_view, Binary> binary{
        {"pow", [](const Expr& a, const Expr& b) { return pow(a, b); }},
        {"atan2", [](const Expr& a, const Expr& b) { return atan2(a, b); }},
        {"hypot", [](const Expr& a, const Expr& b) { return hypot(a, b); }},
        {"min", [](const Expr& a, const Expr& b) { return min(a, b); }},
        {"max", [](const Expr& a, const Expr& b) { return max(a, b); }},
        {"fmin", [](const Expr& a, const Expr& b) { return fmin(a, b); }},
        {"fmax", [](const Expr& a, const Expr& b) { return fmax(a, b); }},
        {"polygamma", [](const Expr& n, const Expr& x) { return polygamma(order(n), x); }}};
    if (arguments.size() == 1) {
      if (const auto found = unary.find(function); found != unary.end()) {
        return found->second(arguments[0]);
      }
    } else if (arguments.size() == 2) {
      if (const auto found = binary.find(function); found != binary.end()) {
        return found->second(arguments[0], arguments[1]);
      }
    }
    // Unreachable: the parser refuses unknown functions and wrong counts with a position.
    throw std::logic_error("nabla: no expression for function '" + std::string(function) + "'");
  }
};

}  // namespace

Expr parse(std::string_view formula) {
  ExprBuilder builder;
  return parse_formula(formula, builder);
}

}  // namespace nabla::sym
