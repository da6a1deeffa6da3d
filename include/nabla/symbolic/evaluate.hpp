// Evaluating expressions: interpreted over any scalar type, or compiled once and run fast.
//
// An expression is flattened into an instruction array: the DAG in topological order, one
// instruction per node, each reading earlier instructions' results by index (static single
// assignment, so a shared subexpression is computed once). Flattening also picks cheaper
// instructions for the simplifier's canonical forms: a * b^-1 runs as a / b, a + (-1)*b as
// a - b (and (-1)*a + b as b - a), x^2 as x*x, x^c as pow(x, c) with a plain c. Products are
// taken apart into their factors and multiplied in an order that lets products with common
// factors share their partial products (see src/symbolic/evaluate.cpp).
//
// evaluate<S> interprets that array with S = double, Dual, Var, or Expr itself (substitution).
// Every function is called unqualified after `using std::f`, so argument-dependent lookup picks
// the mode's overload: evaluating a parsed formula with Dual arguments runs it in forward mode,
// with Var arguments records it on the reverse-mode tape.
//
// Program is the compiled form for doubles: flatten once, then run() is a loop over the array.
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <initializer_list>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

#include "nabla/core/rules.hpp"
#include "nabla/symbolic/expr.hpp"

namespace nabla::sym {

// An expression uses a variable that was not given a value.
class MissingVariable : public std::invalid_argument {
 public:
  explicit MissingVariable(const std::string& name)
      : std::invalid_argument("sym::evaluate: no value for the variable '" + name + "'"),
        name_(name) {}
  const std::string& variable() const noexcept { return name_; }

 private:
  std::string name_;
};

namespace detail {

enum class Op : std::uint8_t {
  input,           // inputs[a]
  number,          // number
  add,             // [a] + [b]
  subtract,        // [a] - [b]
  multiply,        // [a] * [b]
  divide,          // [a] / [b]
  negate,          // -[a]
  reciprocal,      // 1 / [a]
  square,          // [a] * [a]
  power_constant,  // pow([a], number)
  power,           // pow([a], [b])
  function,        // function([a])
  polygamma,       // polygamma(order, [a])
  atan2,           // atan2([a], [b])
  hypot,           // hypot([a], [b])
  min,             // min([a], [b])
  max,             // max([a], [b])
};

struct Instruction {
  Op op;
  Function function = Function::exp;
  std::int32_t order = 0;
  std::uint32_t a = 0, b = 0;
  double number = 0;
};

struct Flat {
  std::vector<Instruction> code;
  std::vector<std::uint32_t> outputs;  // the instruction computing each output
  std::size_t input_count = 0;
};

// Throws MissingVariable if an output uses a variable not in `variables`, std::invalid_argument
// if an entry of `variables` is not a variable.
// share_products: also try products taken apart and reordered so that products with common
// factors share partial products, and keep whichever program is shorter (twice the work: for
// code that runs many times, Program and codegen_c).
Flat flatten(const std::vector<Expr>& outputs, const std::vector<Expr>& variables,
             bool share_products = false);

template <class S>
S apply_function(Function f, const S& x) {
  switch (f) {
#define NABLA_SYM_APPLY(function, Rule) \
  case Function::function:              \
    return rules::Rule::value(x);
    NABLA_UNARY_RULES(NABLA_SYM_APPLY)
#undef NABLA_SYM_APPLY
    case Function::sign: {
      using rules::sign;
      return sign(x);
    }
  }
  return x;
}

template <class S>
S run_instruction(const Instruction& in, const std::vector<S>& r, std::span<const S> inputs) {
  using std::pow, std::min, std::max;
  switch (in.op) {
    case Op::input:
      return inputs[in.a];
    case Op::number:
      return S(in.number);
    case Op::add:
      return r[in.a] + r[in.b];
    case Op::subtract:
      return r[in.a] - r[in.b];
    case Op::multiply:
      return r[in.a] * r[in.b];
    case Op::divide:
      return r[in.a] / r[in.b];
    case Op::negate:
      return -r[in.a];
    case Op::reciprocal:
      return 1.0 / r[in.a];
    case Op::square:
      return r[in.a] * r[in.a];
    case Op::power_constant:
      return pow(r[in.a], in.number);
    case Op::power:
      return rules::Pow::value(r[in.a], r[in.b]);
    case Op::function:
      return apply_function(in.function, r[in.a]);
    case Op::polygamma:
      return rules::Polygamma{in.order}.value(r[in.a]);
    case Op::atan2:
      return rules::Atan2::value(r[in.a], r[in.b]);
    case Op::hypot:
      return rules::Hypot::value(r[in.a], r[in.b]);
    case Op::min:
      return S(min(r[in.a], r[in.b]));
    case Op::max:
      return S(max(r[in.a], r[in.b]));
  }
  return r[in.a];
}

template <class S>
std::vector<S> run(const Flat& flat, std::span<const S> inputs) {
  if (inputs.size() != flat.input_count) {
    throw std::invalid_argument("sym::evaluate: " + std::to_string(flat.input_count) +
                                " variables but " + std::to_string(inputs.size()) + " values");
  }
  std::vector<S> r;
  r.reserve(flat.code.size());
  for (const Instruction& in : flat.code) r.push_back(run_instruction(in, r, inputs));
  std::vector<S> out;
  out.reserve(flat.outputs.size());
  for (std::uint32_t k : flat.outputs) out.push_back(r[k]);
  return out;
}

}  // namespace detail

// The value of e with variables[i] = values[i]. S may be double, Dual, Var, Expr or any scalar
// with the <cmath> functions. Throws MissingVariable if e has a variable not in `variables`.
template <class S>
S evaluate(const Expr& e, const std::vector<Expr>& variables, std::span<const S> values) {
  return detail::run<S>(detail::flatten({e}, variables), values)[0];
}
template <class S>
S evaluate(const Expr& e, const std::vector<Expr>& variables, const std::vector<S>& values) {
  return evaluate<S>(e, variables, std::span<const S>(values));
}
template <class S>
S evaluate(const Expr& e, const std::vector<Expr>& variables, std::initializer_list<S> values) {
  return evaluate<S>(e, variables, std::span<const S>(values.begin(), values.size()));
}
// Several outputs at once, sharing their common subexpressions.
template <class S>
std::vector<S> evaluate(const std::vector<Expr>& outputs, const std::vector<Expr>& variables,
                        std::span<const S> values) {
  return detail::run<S>(detail::flatten(outputs, variables), values);
}

// The compiled form: outputs flattened once over fixed variables; run() is a loop over an
// instruction array, without hashing, allocation (after the first call on a thread) or
// recursion.
class Program {
 public:
  Program() = default;
  explicit Program(detail::Flat flat) : flat_(std::move(flat)) {}

  std::size_t input_count() const noexcept { return flat_.input_count; }
  std::size_t output_count() const noexcept { return flat_.outputs.size(); }
  std::size_t instruction_count() const noexcept { return flat_.code.size(); }
  const detail::Flat& flat() const noexcept { return flat_; }

  // outputs[k] = the k-th output at `inputs`. Sizes must match (std::invalid_argument).
  void run(std::span<const double> inputs, std::span<double> outputs) const;
  std::vector<double> operator()(std::span<const double> inputs) const {
    std::vector<double> out(output_count());
    run(inputs, out);
    return out;
  }
  // The same instructions over any scalar type (Dual, Var, ...).
  template <class S>
  std::vector<S> evaluate(std::span<const S> inputs) const {
    return detail::run<S>(flat_, inputs);
  }

 private:
  detail::Flat flat_;
};

Program compile(const std::vector<Expr>& outputs, const std::vector<Expr>& variables);

}  // namespace nabla::sym
