// The derivative rules: one entry per elementary function, used by every mode.
//
// A unary rule states the function's value y = f(x) and its derivative f'(x), given both x and y
// (several derivatives are cheapest in terms of y: exp' = exp, tan' = 1 + tan^2). A binary rule
// states its value and both partial derivatives. The rules are templates over the scalar type, so
// the same formula serves
//   - forward mode, where T = double or, nested, T = Dual<double> (second derivatives),
//   - reverse mode, which records the partials on its tape,
//   - symbolic mode, where T = sym::Expr and the formula *is* the derivative expression.
// Adding a function is one rule here and one line in NABLA_UNARY_RULES; each mode expands that
// list into its overloads.
//
// Points without a derivative follow fixed conventions (tested in tests/forward/rules_test.cpp):
//   abs'(0) = 0                      the subgradient of least magnitude
//   hypot partials at (0, 0) = 0     likewise
//   sqrt'(0) = cbrt'(0) = +inf       IEEE 1/0; a mode multiplies an infinite partial only into
//                                    non-zero tangents, so directions that do not move x stay 0
//   pow(a, b): d/da = 0 when b == 0 (a^0 is constant), d/db = 0 when a == 0 and b > 0
//   floor, ceil, round, trunc: 0 everywhere (the derivative almost everywhere)
//   atan2 at (0, 0), log of a negative, asin outside [-1, 1]: nan, as IEEE computes it
// These conventions are for first derivatives. Second and higher derivatives at such a point
// (nested duals, a Hessian at sqrt(0)) are not covered by them: they may be inf or nan, and
// with vector-mode chunks an entry that is 0 one chunk at a time can come out nan.
// Nothing here throws: arithmetic on active scalars behaves like arithmetic on doubles.
#pragma once

#include <cmath>
#include <numbers>

#include "nabla/core/special_functions.hpp"

namespace nabla::rules {

template <class T>
struct Partials {
  T first;   // d f / d a
  T second;  // d f / d b
};

// sign(x) in {-1, 0, 1}, nan for nan: the derivative of |x| with abs'(0) = 0.
template <class T>
T sign(const T& x) {
  if (x > 0) return T(1);
  if (x < 0) return T(-1);
  if (x == 0) return T(0);
  return x;  // nan propagates
}

// `singular`: f' is infinite somewhere f is finite (sqrt at 0, asin at ±1, ...). Modes then
// multiply that partial only into non-zero tangents (see forward/dual.hpp); elsewhere they skip
// the check.
#define NABLA_RULE_VALUE(function) \
  template <class T>               \
  static T value(const T& x) {     \
    using std::function;           \
    return function(x);            \
  }
#define NABLA_RULE_MATH using std::sqrt, std::sin, std::cos, std::sinh, std::cosh, std::exp;

// f'(x) = expression.
#define NABLA_UNARY_RULE(Rule, function, derivative_expression, is_singular)        \
  struct Rule {                                                                     \
    static constexpr const char* name = #function;                                  \
    static constexpr bool singular = is_singular;                                   \
    NABLA_RULE_VALUE(function)                                                      \
    template <class T>                                                              \
    static T derivative([[maybe_unused]] const T& x, [[maybe_unused]] const T& y) { \
      NABLA_RULE_MATH                                                               \
      return derivative_expression;                                                 \
    }                                                                               \
  };

// f'(x) = 1 / expression. The denominator is available on its own, so a mode with a single
// tangent t can form t / expression: one division instead of a division and a multiplication.
#define NABLA_UNARY_RECIPROCAL_RULE(Rule, function, denominator_expression, is_singular)        \
  struct Rule {                                                                                 \
    static constexpr const char* name = #function;                                              \
    static constexpr bool singular = is_singular;                                               \
    NABLA_RULE_VALUE(function)                                                                  \
    template <class T>                                                                          \
    static T derivative_denominator([[maybe_unused]] const T& x, [[maybe_unused]] const T& y) { \
      NABLA_RULE_MATH                                                                           \
      return denominator_expression;                                                            \
    }                                                                                           \
    template <class T>                                                                          \
    static T derivative(const T& x, const T& y) {                                               \
      return T(1) / derivative_denominator(x, y);                                               \
    }                                                                                           \
  };

// clang-format off
// f'(x) is written with x and y = f(x); RECIPROCAL rules give the denominator of f'(x) = 1 / ...
//                          Rule    <cmath>  f'(x)                                       singular
NABLA_UNARY_RULE(           Exp,    exp,     y,                                          false)
NABLA_UNARY_RULE(           Exp2,   exp2,    y * T(std::numbers::ln2),                   false)
NABLA_UNARY_RULE(           Expm1,  expm1,   y + T(1),                                   false)
NABLA_UNARY_RECIPROCAL_RULE(Log,    log,     x,                                          true)
NABLA_UNARY_RECIPROCAL_RULE(Log2,   log2,    x * T(std::numbers::ln2),                   true)
NABLA_UNARY_RECIPROCAL_RULE(Log10,  log10,   x * T(std::numbers::ln10),                  true)
NABLA_UNARY_RECIPROCAL_RULE(Log1p,  log1p,   T(1) + x,                                   true)
NABLA_UNARY_RECIPROCAL_RULE(Sqrt,   sqrt,    T(2) * y,                                   true)
NABLA_UNARY_RECIPROCAL_RULE(Cbrt,   cbrt,    T(3) * y * y,                               true)
NABLA_UNARY_RULE(           Sin,    sin,     cos(x),                                     false)
NABLA_UNARY_RULE(           Cos,    cos,     -sin(x),                                    false)
NABLA_UNARY_RULE(           Tan,    tan,     T(1) + y * y,                               false)
NABLA_UNARY_RECIPROCAL_RULE(Asin,   asin,    sqrt(T(1) - x * x),                         true)
NABLA_UNARY_RECIPROCAL_RULE(Acos,   acos,    -sqrt(T(1) - x * x),                        true)
NABLA_UNARY_RECIPROCAL_RULE(Atan,   atan,    T(1) + x * x,                               false)
NABLA_UNARY_RULE(           Sinh,   sinh,    cosh(x),                                    false)
NABLA_UNARY_RULE(           Cosh,   cosh,    sinh(x),                                    false)
NABLA_UNARY_RULE(           Tanh,   tanh,    T(1) - y * y,                               false)
NABLA_UNARY_RECIPROCAL_RULE(Asinh,  asinh,   sqrt(x * x + T(1)),                         false)
NABLA_UNARY_RECIPROCAL_RULE(Acosh,  acosh,   sqrt(x - T(1)) * sqrt(x + T(1)),            true)
NABLA_UNARY_RECIPROCAL_RULE(Atanh,  atanh,   T(1) - x * x,                               true)
NABLA_UNARY_RULE(           Abs,    abs,     sign(x),                                    false)
NABLA_UNARY_RULE(           Erf,    erf,     T(2 * std::numbers::inv_sqrtpi) * exp(-(x * x)),  false)
NABLA_UNARY_RULE(           Erfc,   erfc,    T(-2 * std::numbers::inv_sqrtpi) * exp(-(x * x)), false)
NABLA_UNARY_RULE(           Tgamma, tgamma,  y * polygamma(0, x),                        false)
NABLA_UNARY_RULE(           Lgamma, lgamma,  polygamma(0, x),                            false)
NABLA_UNARY_RULE(           Floor,  floor,   T(0),                                       false)
NABLA_UNARY_RULE(           Ceil,   ceil,    T(0),                                       false)
NABLA_UNARY_RULE(           Round,  round,   T(0),                                       false)
NABLA_UNARY_RULE(           Trunc,  trunc,   T(0),                                       false)
// clang-format on
#undef NABLA_UNARY_RULE
#undef NABLA_UNARY_RECIPROCAL_RULE
#undef NABLA_RULE_VALUE
#undef NABLA_RULE_MATH

// Every unary function, as (name, Rule). A mode defines X(name, Rule) and expands this list.
// clang-format off
#define NABLA_UNARY_RULES(X) \
  X(exp, Exp)            \
  X(exp2, Exp2)          \
  X(expm1, Expm1)        \
  X(log, Log)            \
  X(log2, Log2)          \
  X(log10, Log10)        \
  X(log1p, Log1p)        \
  X(sqrt, Sqrt)          \
  X(cbrt, Cbrt)          \
  X(sin, Sin)            \
  X(cos, Cos)            \
  X(tan, Tan)            \
  X(asin, Asin)          \
  X(acos, Acos)          \
  X(atan, Atan)          \
  X(sinh, Sinh)          \
  X(cosh, Cosh)          \
  X(tanh, Tanh)          \
  X(asinh, Asinh)        \
  X(acosh, Acosh)        \
  X(atanh, Atanh)        \
  X(abs, Abs)            \
  X(fabs, Abs)           \
  X(erf, Erf)            \
  X(erfc, Erfc)          \
  X(tgamma, Tgamma)      \
  X(lgamma, Lgamma)      \
  X(floor, Floor)        \
  X(ceil, Ceil)          \
  X(round, Round)        \
  X(trunc, Trunc)
// clang-format on

// polygamma(n, x), n fixed: its derivative is polygamma(n + 1, x), so lgamma differentiates to
// any order.
struct Polygamma {
  static constexpr const char* name = "polygamma";
  static constexpr bool singular = false;  // infinite only at poles, where the value is too
  int order;
  template <class T>
  T value(const T& x) const {
    return polygamma(order, x);
  }
  template <class T>
  T derivative(const T& x, const T&) const {
    return polygamma(order + 1, x);
  }
};

// x^c with c a plain number.
template <class C>
struct PowConstantExponent {
  static constexpr const char* name = "pow";
  static constexpr bool singular = true;  // x^0.5 at 0
  C exponent;
  template <class T>
  T value(const T& x) const {
    using std::pow;
    return pow(x, T(exponent));
  }
  template <class T>
  T derivative(const T& x, const T&) const {
    using std::pow;
    if (exponent == 0) return T(0);
    return T(exponent) * pow(x, T(exponent - 1));
  }
};

// c^x with c a plain number.
template <class C>
struct PowConstantBase {
  static constexpr const char* name = "pow";
  static constexpr bool singular = true;  // 0^x for x <= 0
  C base;
  template <class T>
  T value(const T& x) const {
    using std::pow;
    return pow(T(base), x);
  }
  template <class T>
  T derivative(const T& x, const T& y) const {
    using std::log;
    if (base == 0 && x > 0) return T(0);
    return y * log(T(base));
  }
};

struct Pow {
  static constexpr const char* name = "pow";
  static constexpr bool singular = true;
  template <class T>
  static T value(const T& a, const T& b) {
    using std::pow;
    return pow(a, b);
  }
  template <class T>
  static Partials<T> partials(const T& a, const T& b, const T& y) {
    using std::pow, std::log;
    T da = (b == 0) ? T(0) : b * pow(a, b - T(1));
    T db = (a == 0 && b > 0) ? T(0) : y * log(a);
    return {da, db};
  }
};

// atan2(a, b): the angle of the point (b, a).
struct Atan2 {
  static constexpr const char* name = "atan2";
  static constexpr bool singular = false;  // nan at the origin, as documented
  template <class T>
  static T value(const T& a, const T& b) {
    using std::atan2;
    return atan2(a, b);
  }
  template <class T>
  static Partials<T> partials(const T& a, const T& b, const T&) {
    T r2 = a * a + b * b;
    return {b / r2, -a / r2};
  }
};

struct Hypot {
  static constexpr const char* name = "hypot";
  static constexpr bool singular = false;  // partials are bounded by 1
  template <class T>
  static T value(const T& a, const T& b) {
    using std::hypot;
    return hypot(a, b);
  }
  template <class T>
  static Partials<T> partials(const T& a, const T& b, const T& y) {
    if (y == 0) return {T(0), T(0)};
    return {a / y, b / y};
  }
};

#define NABLA_BINARY_RULES(X) X(pow, Pow) X(atan2, Atan2) X(hypot, Hypot)

}  // namespace nabla::rules
