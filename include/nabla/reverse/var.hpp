// BasicVar<T>: the active number of reverse mode. Var is BasicVar<double>.
//
//     Var a = 3;
//     Var b = a * 4;
//     Var c = b + 3;
//     c.backward();          // one sweep: every partial of c
//     a.grad();              // 4
//     b.grad();              // 1
//
// A BasicVar is a value, its index on the thread's active tape (nabla/reverse/tape.hpp) and the
// tape's generation: 16 bytes for T = double, copied freely. Each operation computes its value
// and, from nabla/core/rules.hpp, its partial derivatives, and records them as one statement.
// BasicVar<Dual<double>> runs forward over reverse: its gradients carry directional second
// derivatives (Hessian-vector products).
//
// Comparisons and IEEE classification look at the value, as for Dual.
#pragma once

#include <cmath>
#include <compare>
#include <concepts>
#include <cstdint>
#include <ostream>
#include <type_traits>
#include <vector>

#include "nabla/core/rules.hpp"
#include "nabla/core/scalar.hpp"
#include "nabla/reverse/tape.hpp"

namespace nabla {

template <class T>
class BasicVar;

using Var = BasicVar<double>;
using Recording = reverse::BasicRecording<double>;

template <class T>
struct is_var : std::false_type {};
template <class T>
struct is_var<BasicVar<T>> : std::true_type {};
template <class T>
inline constexpr bool is_var_v = is_var<T>::value;

template <class T>
struct passive_type<BasicVar<T>> {
  using type = passive_type_t<T>;
};

// What may meet a BasicVar<T> without being one: a built-in number or a T.
template <class U, class T>
concept VarOperand = Arithmetic<U> || std::same_as<U, T>;

template <class T>
class BasicVar {
 public:
  using value_type = T;
  using Tape = reverse::Tape<T>;

  // A new variable (an input, or a constant) on the active tape: one statement, no operands.
  BasicVar() : BasicVar(T(0)) {}
  template <VarOperand<T> U>
  NABLA_HOT BasicVar(const U& value) : value_(static_cast<T>(value)) {
    Tape& tape = reverse::active_tape<T>();
    index_ = tape.record_input();
    generation_ = tape.generation();
  }
  template <VarOperand<T> U>
  BasicVar& operator=(const U& value) {
    return *this = BasicVar(value);
  }

  // New inputs with the values of x (any indexable vector), recorded in one step: their
  // indices are consecutive, from the returned vector's front().index().
  template <class X>
  static std::vector<BasicVar> inputs(const X& x) {
    const auto n = static_cast<std::size_t>(x.size());
    Tape& tape = reverse::active_tape<T>();
    const reverse::Index first = tape.record_inputs(n);
    std::vector<BasicVar> result;
    result.reserve(n);
    for (std::size_t i = 0; i < n; ++i) {
      result.push_back(BasicVar(static_cast<T>(x[i]), first + static_cast<reverse::Index>(i),
                                tape.generation()));
    }
    return result;
  }

  const T& value() const { return value_; }
  reverse::Index index() const { return index_; }
  std::uint32_t generation() const { return generation_; }

  // Runs the backward sweep from this variable: afterwards v.grad() is ∂this/∂v for every v
  // recorded before it. Each call starts from zero adjoints.
  void backward() const {
    Tape& tape = reverse::active_tape<T>();
    tape.check(generation_);
    tape.backward(index_);
  }
  // ∂y/∂this from the last backward() (of y); 0 if this was recorded after y.
  T grad() const {
    const Tape& tape = reverse::active_tape<T>();
    tape.check(generation_);
    return tape.adjoint(index_);
  }

  // --- recording ---------------------------------------------------------------------------------

  // y = f(this) with ∂y/∂this = d.
  NABLA_HOT static BasicVar unary(const BasicVar& a, const T& value, const T& d) {
    Tape& tape = reverse::active_tape<T>();
    tape.check(a.generation_);
    return BasicVar(value, tape.record(a.index_, d), tape.generation());
  }
  // y = f(a, b) with partials da, db.
  NABLA_HOT static BasicVar binary(const BasicVar& a, const BasicVar& b, const T& value,
                                   const T& da, const T& db) {
    Tape& tape = reverse::active_tape<T>();
    tape.check(a.generation_);
    tape.check(b.generation_);
    return BasicVar(value, tape.record(a.index_, da, b.index_, db), tape.generation());
  }

  // --- arithmetic -----------------------------------------------------------------------------

  BasicVar operator+() const { return *this; }
  BasicVar operator-() const { return unary(*this, -value_, T(-1)); }

  friend BasicVar operator+(const BasicVar& a, const BasicVar& b) {
    return binary(a, b, a.value_ + b.value_, T(1), T(1));
  }
  friend BasicVar operator-(const BasicVar& a, const BasicVar& b) {
    return binary(a, b, a.value_ - b.value_, T(1), T(-1));
  }
  friend BasicVar operator*(const BasicVar& a, const BasicVar& b) {
    return binary(a, b, a.value_ * b.value_, b.value_, a.value_);
  }
  // a / b: ∂/∂a = 1/b, ∂/∂b = -(a/b)/b
  friend BasicVar operator/(const BasicVar& a, const BasicVar& b) {
    const T inverse = T(1) / b.value_;
    const T quotient = a.value_ * inverse;
    return binary(a, b, quotient, inverse, -quotient * inverse);
  }
  template <VarOperand<T> U>
  friend BasicVar operator+(const BasicVar& a, const U& b) {
    return unary(a, a.value_ + static_cast<T>(b), T(1));
  }
  template <VarOperand<T> U>
  friend BasicVar operator+(const U& a, const BasicVar& b) {
    return unary(b, static_cast<T>(a) + b.value_, T(1));
  }
  template <VarOperand<T> U>
  friend BasicVar operator-(const BasicVar& a, const U& b) {
    return unary(a, a.value_ - static_cast<T>(b), T(1));
  }
  template <VarOperand<T> U>
  friend BasicVar operator-(const U& a, const BasicVar& b) {
    return unary(b, static_cast<T>(a) - b.value_, T(-1));
  }
  template <VarOperand<T> U>
  friend BasicVar operator*(const BasicVar& a, const U& b) {
    const T s = static_cast<T>(b);
    return unary(a, a.value_ * s, s);
  }
  template <VarOperand<T> U>
  friend BasicVar operator*(const U& a, const BasicVar& b) {
    const T s = static_cast<T>(a);
    return unary(b, s * b.value_, s);
  }
  template <VarOperand<T> U>
  friend BasicVar operator/(const BasicVar& a, const U& b) {
    const T inverse = T(1) / static_cast<T>(b);
    return unary(a, a.value_ * inverse, inverse);
  }
  // c / b: ∂/∂b = -(c/b)/b
  template <VarOperand<T> U>
  friend BasicVar operator/(const U& a, const BasicVar& b) {
    const T inverse = T(1) / b.value_;
    const T quotient = static_cast<T>(a) * inverse;
    return unary(b, quotient, -quotient * inverse);
  }

  template <class B>
  BasicVar& operator+=(const B& b) {
    return *this = *this + b;
  }
  template <class B>
  BasicVar& operator-=(const B& b) {
    return *this = *this - b;
  }
  template <class B>
  BasicVar& operator*=(const B& b) {
    return *this = *this * b;
  }
  template <class B>
  BasicVar& operator/=(const B& b) {
    return *this = *this / b;
  }

  // --- comparisons: on the value, so branches match the double evaluation --------------------

  friend bool operator==(const BasicVar& a, const BasicVar& b) { return a.value_ == b.value_; }
  friend auto operator<=>(const BasicVar& a, const BasicVar& b) { return a.value_ <=> b.value_; }
  template <VarOperand<T> U>
  friend bool operator==(const BasicVar& a, const U& b) {
    return a.value_ == static_cast<T>(b);
  }
  template <VarOperand<T> U>
  friend auto operator<=>(const BasicVar& a, const U& b) {
    return a.value_ <=> static_cast<T>(b);
  }

 private:
  BasicVar(const T& value, reverse::Index index, std::uint32_t generation)
      : value_(value), index_(index), generation_(generation) {}

  T value_;
  reverse::Index index_;
  std::uint32_t generation_;
};

static_assert(sizeof(Var) == 16, "a Var is a double, an index and a generation");

template <class T>
passive_type_t<T> passive_value(const BasicVar<T>& x) {
  return passive_value(x.value());
}

// f(x) recorded with ∂f/∂x from a rule of nabla/core/rules.hpp.
template <class Rule, class T>
BasicVar<T> apply_rule(const Rule& rule, const BasicVar<T>& x) {
  const T y = rule.value(x.value());
  return BasicVar<T>::unary(x, y, rule.derivative(x.value(), y));
}
template <class Rule, class T>
BasicVar<T> apply_rule(const Rule& rule, const BasicVar<T>& a, const BasicVar<T>& b) {
  const T y = rule.value(a.value(), b.value());
  const auto partials = rule.partials(a.value(), b.value(), y);
  return BasicVar<T>::binary(a, b, y, partials.first, partials.second);
}

#define NABLA_VAR_UNARY(function, Rule)        \
  template <class T>                           \
  BasicVar<T> function(const BasicVar<T>& x) { \
    return apply_rule(rules::Rule{}, x);       \
  }
NABLA_UNARY_RULES(NABLA_VAR_UNARY)
#undef NABLA_VAR_UNARY

#define NABLA_VAR_BINARY(function, Rule)                                             \
  template <class T>                                                                 \
  BasicVar<T> function(const BasicVar<T>& a, const BasicVar<T>& b) {                 \
    return apply_rule(rules::Rule{}, a, b);                                          \
  }                                                                                  \
  template <class T, VarOperand<T> U>                                                \
  BasicVar<T> function(const BasicVar<T>& a, const U& b) {                           \
    const T bv = static_cast<T>(b);                                                  \
    const T y = rules::Rule::value(a.value(), bv);                                   \
    return BasicVar<T>::unary(a, y, rules::Rule::partials(a.value(), bv, y).first);  \
  }                                                                                  \
  template <class T, VarOperand<T> U>                                                \
  BasicVar<T> function(const U& a, const BasicVar<T>& b) {                           \
    const T av = static_cast<T>(a);                                                  \
    const T y = rules::Rule::value(av, b.value());                                   \
    return BasicVar<T>::unary(b, y, rules::Rule::partials(av, b.value(), y).second); \
  }
NABLA_VAR_BINARY(atan2, Atan2)
NABLA_VAR_BINARY(hypot, Hypot)
#undef NABLA_VAR_BINARY

template <class T>
BasicVar<T> pow(const BasicVar<T>& a, const BasicVar<T>& b) {
  return apply_rule(rules::Pow{}, a, b);
}
template <class T, VarOperand<T> U>
BasicVar<T> pow(const BasicVar<T>& x, const U& exponent) {
  return apply_rule(rules::PowConstantExponent<T>{static_cast<T>(exponent)}, x);
}
template <class T, VarOperand<T> U>
BasicVar<T> pow(const U& base, const BasicVar<T>& x) {
  return apply_rule(rules::PowConstantBase<T>{static_cast<T>(base)}, x);
}
template <class T>
BasicVar<T> polygamma(int n, const BasicVar<T>& x) {
  return apply_rule(rules::Polygamma{n}, x);
}

// min and max choose one argument (ties: the first); fmin and fmax skip a nan argument.
template <class T>
const BasicVar<T>& min(const BasicVar<T>& a, const BasicVar<T>& b) {
  return (b < a) ? b : a;
}
template <class T>
const BasicVar<T>& max(const BasicVar<T>& a, const BasicVar<T>& b) {
  return (a < b) ? b : a;
}
template <class T>
BasicVar<T> fmin(const BasicVar<T>& a, const BasicVar<T>& b) {
  if (std::isnan(passive_value(a))) return b;
  if (std::isnan(passive_value(b))) return a;
  return min(a, b);
}
template <class T>
BasicVar<T> fmax(const BasicVar<T>& a, const BasicVar<T>& b) {
  if (std::isnan(passive_value(a))) return b;
  if (std::isnan(passive_value(b))) return a;
  return max(a, b);
}
#define NABLA_VAR_SELECT_MIXED(function)                   \
  template <class T, VarOperand<T> U>                      \
  BasicVar<T> function(const BasicVar<T>& a, const U& b) { \
    return function(a, BasicVar<T>(b));                    \
  }                                                        \
  template <class T, VarOperand<T> U>                      \
  BasicVar<T> function(const U& a, const BasicVar<T>& b) { \
    return function(BasicVar<T>(a), b);                    \
  }
NABLA_VAR_SELECT_MIXED(min)
NABLA_VAR_SELECT_MIXED(max)
NABLA_VAR_SELECT_MIXED(fmin)
NABLA_VAR_SELECT_MIXED(fmax)
#undef NABLA_VAR_SELECT_MIXED

template <class T>
bool isfinite(const BasicVar<T>& x) {
  return std::isfinite(passive_value(x));
}
template <class T>
bool isnan(const BasicVar<T>& x) {
  return std::isnan(passive_value(x));
}
template <class T>
bool isinf(const BasicVar<T>& x) {
  return std::isinf(passive_value(x));
}

// Real-number helpers Eigen's algorithms call on a scalar type.
template <class T>
const BasicVar<T>& real(const BasicVar<T>& x) {
  return x;
}
template <class T>
BasicVar<T> imag(const BasicVar<T>&) {
  return BasicVar<T>(T(0));
}
template <class T>
const BasicVar<T>& conj(const BasicVar<T>& x) {
  return x;
}
template <class T>
BasicVar<T> abs2(const BasicVar<T>& x) {
  return x * x;
}

template <class T>
std::ostream& operator<<(std::ostream& os, const BasicVar<T>& x) {
  return os << x.value();
}

}  // namespace nabla
