// Elementwise operations on Variables and their backward passes.
//
// Broadcasting binary operations send each input the gradient summed back to its own shape
// (sum_to): if a of shape (3, 1) met b of shape (1, 4), each a_i was used four times. The
// smooth unary functions take their derivatives from nabla/core/rules.hpp, the table every mode
// shares, evaluated on Variables (see RuleOperand); the rest say below why they do not.
#include <cmath>
#include <cstdint>
#include <string>

#include "autograd_internal.hpp"
#include "nabla/core/rules.hpp"

namespace nabla {

namespace {

using detail::record;
using detail::save_all;
using detail::save_none;
using detail::scalar_tensor;

// The gradient for input i of a broadcasting operation, or none if nobody wants it.
Variable reduce_to_input(const Function& f, std::size_t i, const Variable& g) {
  if (!f.needs_input_grad(i)) return Variable();
  return sum_to(g, f.input_shape(i));
}

// ---- Binary arithmetic -----------------------------------------------------------------------

struct Add final : Function {
  std::string_view name() const override { return "add"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {reduce_to_input(*this, 0, gy[0]), reduce_to_input(*this, 1, gy[0])};
  }
};

struct Sub final : Function {
  std::string_view name() const override { return "sub"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    Variable gb = needs_input_grad(1) ? sum_to(-gy[0], input_shape(1)) : Variable();
    return {reduce_to_input(*this, 0, gy[0]), gb};
  }
};

struct Mul final : Function {
  std::string_view name() const override { return "mul"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    Variable ga, gb;
    if (needs_input_grad(0)) ga = sum_to(gy[0] * input(1), input_shape(0));
    if (needs_input_grad(1)) gb = sum_to(gy[0] * input(0), input_shape(1));
    return {ga, gb};
  }
};

struct Div final : Function {
  std::string_view name() const override { return "div"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    // d(a/b)/da = 1/b, d(a/b)/db = -a/b^2.
    const Variable b = input(1);
    const Variable ga = gy[0] / b;
    Variable gb;
    if (needs_input_grad(1)) gb = sum_to(-(ga * input(0)) / b, input_shape(1));
    return {needs_input_grad(0) ? sum_to(ga, input_shape(0)) : Variable(), gb};
  }
};

// rules::Pow states pow's partials and their conventions (d/da = 0 where b = 0, d/db = 0 where
// a = 0 < b) with branches on single numbers; here each branch is a where() over the tensors.
struct Pow final : Function {
  std::string_view name() const override { return "pow"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable a = input(0);
    const Variable b = input(1);
    const Variable zero(scalar_tensor(0, gy[0].dtype()));
    Variable ga, gb;
    if (needs_input_grad(0)) {
      const Tensor b_is_zero = equal(b.data(), scalar_tensor(0, b.dtype()));
      ga = sum_to(gy[0] * where(b_is_zero, zero, b * pow(a, b - 1.0)), input_shape(0));
    }
    if (needs_input_grad(1)) {
      const Tensor constant_zero = equal(a.data(), scalar_tensor(0, a.dtype())) *
                                   greater(b.data(), scalar_tensor(0, b.dtype()));
      gb = sum_to(gy[0] * where(constant_zero, zero, output(0) * log(a)), input_shape(1));
    }
    return {ga, gb};
  }
};

struct Neg final : Function {
  std::string_view name() const override { return "neg"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override { return {-gy[0]}; }
};

// ---- With a plain number ---------------------------------------------------------------------

struct AddNumber final : Function {
  std::string_view name() const override { return "add"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override { return {gy[0]}; }
};

struct SubtractFromNumber final : Function {
  std::string_view name() const override { return "sub"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override { return {-gy[0]}; }
};

struct MultiplyNumber final : Function {
  explicit MultiplyNumber(double c) : c(c) {}
  double c;
  std::string_view name() const override { return "mul"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override { return {gy[0] * c}; }
};

struct DivideByNumber final : Function {
  explicit DivideByNumber(double c) : c(c) {}
  double c;
  std::string_view name() const override { return "div"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override { return {gy[0] / c}; }
};

struct DivideNumber final : Function {  // c / x
  explicit DivideNumber(double c) : c(c) {}
  double c;
  std::string_view name() const override { return "div"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {gy[0] * (-c) / square(input(0))};  // d(c/x)/dx = -c/x^2
  }
};

// c ^ x. rules::PowConstantBase branches on x > 0 (a single number); here that is a where().
struct NumberPow final : Function {
  explicit NumberPow(double c) : c(c) {}
  double c;
  std::string_view name() const override { return "pow"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    Variable derivative = output(0) * std::log(c);
    if (c == 0) {  // 0^x is the constant 0 for x > 0
      const Variable x = input(0);
      derivative = where(greater(x.data(), scalar_tensor(0, x.dtype())),
                         Variable(scalar_tensor(0, x.dtype())), derivative);
    }
    return {gy[0] * derivative};
  }
};

// ---- The shared derivative rules, on Variables -----------------------------------------------

// What rules.hpp computes with when T = a Variable: the rules write constants as T(1), T(2),
// which must stay plain numbers (a 0-d float64 Variable would promote float32 gradients to
// float64), so a RuleOperand is a number until it meets a Variable. An operand the rule was
// not given (exp's rule reads only y) throws if the rule reads it.
struct RuleOperand {
  enum class Kind { number, variable, missing };
  Kind kind = Kind::missing;
  double number = 0;
  Variable variable;

  RuleOperand() = default;
  RuleOperand(int c) : kind(Kind::number), number(c) {}     // NOLINT: the rules' T(1)
  RuleOperand(double c) : kind(Kind::number), number(c) {}  // NOLINT
  explicit RuleOperand(Variable v) : kind(Kind::variable), variable(std::move(v)) {}

  bool is_number() const { return kind == Kind::number; }
  const Variable& get() const {
    if (kind == Kind::missing) throw AutogradError("derivative rule read an operand not saved");
    return variable;
  }
};

[[maybe_unused]] RuleOperand operator+(const RuleOperand& a, const RuleOperand& b) {
  if (a.is_number() && b.is_number()) return a.number + b.number;
  if (a.is_number()) return RuleOperand(b.get() + a.number);
  if (b.is_number()) return RuleOperand(a.get() + b.number);
  return RuleOperand(a.get() + b.get());
}
[[maybe_unused]] RuleOperand operator-(const RuleOperand& a, const RuleOperand& b) {
  if (a.is_number() && b.is_number()) return a.number - b.number;
  if (a.is_number()) return RuleOperand(a.number - b.get());
  if (b.is_number()) return RuleOperand(a.get() - b.number);
  return RuleOperand(a.get() - b.get());
}
[[maybe_unused]] RuleOperand operator*(const RuleOperand& a, const RuleOperand& b) {
  if (a.is_number() && b.is_number()) return a.number * b.number;
  if (a.is_number()) return RuleOperand(b.get() * a.number);
  if (b.is_number()) return RuleOperand(a.get() * b.number);
  return RuleOperand(a.get() * b.get());
}
[[maybe_unused]] RuleOperand operator/(const RuleOperand& a, const RuleOperand& b) {
  if (a.is_number() && b.is_number()) return a.number / b.number;
  if (a.is_number()) return RuleOperand(a.number / b.get());
  if (b.is_number()) return RuleOperand(a.get() / b.number);
  return RuleOperand(a.get() / b.get());
}
[[maybe_unused]] RuleOperand operator-(const RuleOperand& a) {
  if (a.is_number()) return -a.number;
  return RuleOperand(-a.get());
}
#define NABLA_RULE_OPERAND_FUNCTION(function)                   \
  [[maybe_unused]] RuleOperand function(const RuleOperand& a) { \
    if (a.is_number()) return std::function(a.number);          \
    return RuleOperand(nabla::function(a.get()));               \
  }
NABLA_RULE_OPERAND_FUNCTION(exp)
NABLA_RULE_OPERAND_FUNCTION(log)
NABLA_RULE_OPERAND_FUNCTION(sin)
NABLA_RULE_OPERAND_FUNCTION(cos)
NABLA_RULE_OPERAND_FUNCTION(sqrt)
#undef NABLA_RULE_OPERAND_FUNCTION
[[maybe_unused]] RuleOperand pow(const RuleOperand& a, const RuleOperand& b) {
  if (a.is_number() && b.is_number()) return std::pow(a.number, b.number);
  if (a.is_number()) return RuleOperand(pow(a.number, b.get()));
  if (b.is_number()) return RuleOperand(pow(a.get(), b.number));
  return RuleOperand(pow(a.get(), b.get()));
}

// gy · f'(x), with f' from the rule: a reciprocal rule (f' = 1 / d) becomes one division.
template <class Rule>
Variable times_derivative(const Rule& rule, const Variable& gy, const RuleOperand& x,
                          const RuleOperand& y) {
  if constexpr (requires { rule.derivative_denominator(x, y); }) {
    const RuleOperand d = rule.derivative_denominator(x, y);
    return d.is_number() ? gy / d.number : gy / d.get();
  } else {
    const RuleOperand d = rule.derivative(x, y);
    return d.is_number() ? gy * d.number : gy * d.get();
  }
}

enum class Reads { input, output };

// y = f(x) with f one entry of rules.hpp; backward reads x or y, whichever the rule needs.
template <class Rule, Reads reads>
struct Elementary final : Function {
  std::string_view name() const override { return Rule::name; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const RuleOperand x = reads == Reads::input ? RuleOperand(input(0)) : RuleOperand();
    const RuleOperand y = reads == Reads::output ? RuleOperand(output(0)) : RuleOperand();
    return {times_derivative(Rule{}, gy[0], x, y)};
  }
};

template <class Rule, Reads reads>
Variable elementary(const Variable& x) {
  Tensor y = Rule::value(x.data());
  return record<Elementary<Rule, reads>>(std::move(y), {&x}, reads == Reads::input ? 1 : save_none);
}

// x^c: rules::PowConstantExponent, whose derivative c x^(c-1) (0 when c = 0) fits Variables.
struct PowNumber final : Function {
  explicit PowNumber(double c) : rule{c} {}
  rules::PowConstantExponent<double> rule;
  std::string_view name() const override { return "pow"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {times_derivative(rule, gy[0], RuleOperand(input(0)), RuleOperand())};
  }
};

// ---- Other unary functions -------------------------------------------------------------------

struct Square final : Function {
  std::string_view name() const override { return "square"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {gy[0] * (input(0) * 2.0)};
  }
};

// rules::Abs's sign(x) branches on one number; on tensors it is sign(), a constant here: its
// own derivative is 0 wherever it exists.
struct Abs final : Function {
  std::string_view name() const override { return "abs"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {gy[0] * Variable(sign(input(0).data()))};
  }
};

// sigmoid' = y (1 - y): not in rules.hpp (no <cmath> name); written with Variables so that it
// differentiates again.
struct Sigmoid final : Function {
  std::string_view name() const override { return "sigmoid"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable y = output(0);
    return {gy[0] * (y * (1.0 - y))};
  }
};

// relu' = [x > 0] and clip' = [low <= x <= high]: masks, constants of the backward graph.
struct Relu final : Function {
  std::string_view name() const override { return "relu"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable input_variable = input(0);
    const Tensor& x = input_variable.data();
    return {gy[0] * Variable(greater(x, scalar_tensor(0, x.dtype())))};
  }
};

struct Clip final : Function {
  Clip(double low, double high) : low(low), high(high) {}
  double low, high;
  std::string_view name() const override { return "clip"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable input_variable = input(0);
    const Tensor& x = input_variable.data();
    const Tensor inside = greater_equal(x, scalar_tensor(low, x.dtype())) *
                          less_equal(x, scalar_tensor(high, x.dtype()));
    return {gy[0] * Variable(inside)};
  }
};

// The condition is a Tensor the caller still holds: like a saved input, its version is checked,
// so that changing it in place before backward is an error, not gradients sent elsewhere.
struct Where final : Function {
  explicit Where(Tensor condition)
      : condition(std::move(condition)), version(this->condition.version()) {}
  Tensor condition;
  std::uint64_t version;
  std::string_view name() const override { return "where"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    if (const std::uint64_t now = condition.version(); now != version) {
      throw AutogradError(
          "where: the condition saved for backward was modified in place (version " +
          std::to_string(version) + ", now " + std::to_string(now) + ")");
    }
    const Variable zero(scalar_tensor(0, gy[0].dtype()));
    Variable ga, gb;
    if (needs_input_grad(0)) ga = sum_to(where(condition, gy[0], zero), input_shape(0));
    if (needs_input_grad(1)) gb = sum_to(where(condition, zero, gy[0]), input_shape(1));
    return {ga, gb};
  }
};

struct Astype final : Function {
  explicit Astype(DType from) : from(from) {}
  DType from;
  std::string_view name() const override { return "astype"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {astype(gy[0], from)};
  }
};

}  // namespace

Variable add(const Variable& a, const Variable& b) {
  return record<Add>(add(a.data(), b.data()), {&a, &b}, save_none);
}
Variable sub(const Variable& a, const Variable& b) {
  return record<Sub>(sub(a.data(), b.data()), {&a, &b}, save_none);
}
Variable mul(const Variable& a, const Variable& b) {
  return record<Mul>(mul(a.data(), b.data()), {&a, &b}, save_all);
}
Variable div(const Variable& a, const Variable& b) {
  return record<Div>(div(a.data(), b.data()), {&a, &b}, save_all);
}
Variable pow(const Variable& a, const Variable& b) {
  return record<Pow>(pow(a.data(), b.data()), {&a, &b}, save_all);
}
Variable neg(const Variable& x) { return record<Neg>(neg(x.data()), {&x}, save_none); }

namespace detail {
Variable add_number(const Variable& x, double c) {
  return record<AddNumber>(x.data() + c, {&x}, save_none);
}
Variable subtract_from_number(double c, const Variable& x) {
  return record<SubtractFromNumber>(c - x.data(), {&x}, save_none);
}
Variable multiply_number(const Variable& x, double c) {
  return record<MultiplyNumber>(x.data() * c, {&x}, save_none, c);
}
Variable divide_by_number(const Variable& x, double c) {
  return record<DivideByNumber>(x.data() / c, {&x}, save_none, c);
}
Variable divide_number(double c, const Variable& x) {
  return record<DivideNumber>(c / x.data(), {&x}, save_all, c);
}
Variable pow_number(const Variable& x, double c) {
  return record<PowNumber>(pow(x.data(), c), {&x}, save_all, c);
}
Variable number_pow(double c, const Variable& x) {
  return record<NumberPow>(pow(scalar_tensor(c, x.dtype()), x.data()), {&x}, save_all, c);
}
}  // namespace detail

Variable square(const Variable& x) { return record<Square>(square(x.data()), {&x}, save_all); }
Variable exp(const Variable& x) { return elementary<rules::Exp, Reads::output>(x); }
Variable log(const Variable& x) { return elementary<rules::Log, Reads::input>(x); }
Variable sin(const Variable& x) { return elementary<rules::Sin, Reads::input>(x); }
Variable cos(const Variable& x) { return elementary<rules::Cos, Reads::input>(x); }
Variable tanh(const Variable& x) { return elementary<rules::Tanh, Reads::output>(x); }
Variable sqrt(const Variable& x) { return elementary<rules::Sqrt, Reads::output>(x); }
Variable abs(const Variable& x) { return record<Abs>(abs(x.data()), {&x}, save_all); }
Variable sigmoid(const Variable& x) { return record<Sigmoid>(sigmoid(x.data()), {&x}, save_none); }
Variable relu(const Variable& x) { return record<Relu>(relu(x.data()), {&x}, save_all); }
Variable clip(const Variable& x, double low, double high) {
  return record<Clip>(clip(x.data(), low, high), {&x}, save_all, low, high);
}
Variable where(const Tensor& condition, const Variable& a, const Variable& b) {
  return record<Where>(where(condition, a.data(), b.data()), {&a, &b}, save_none, condition);
}
Variable astype(const Variable& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  return record<Astype>(x.data().to(dtype), {&x}, save_none, x.dtype());
}

}  // namespace nabla
