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
// Points without a derivative follow fixed conventions (tested in tests/forward/rules_test.cpp
// and, across every mode, tests/reverse/singular_points_test.cpp):
//   zero stays zero                  every mode forms a derivative from products of a partial
//                                    (or a value) and a tangent or adjoint; in those products an
//                                    exactly zero factor gives exactly 0, even against inf or
//                                    nan (nabla/core/chain.hpp). So a direction that does not
//                                    move an input gets 0 through it whatever the rule's partial
//                                    is there: 1/x + y at (0, 1) has gradient (-inf, 1), x / y
//                                    and x * log(y) at (1, 0) have (inf, -inf) and (-inf, inf).
//                                    This holds for every rule, so a rule need not say where its
//                                    partials can be infinite.
//   abs'(0) = 0                      the subgradient of least magnitude
//   hypot partials at (0, 0) = 0     likewise
//   sqrt'(0) = cbrt'(0) = +inf       IEEE 1/0, as log'(0), 1/x at 0 and every other pole
//   pow(a, b): d/da = 0 when b == 0 (a^0 is constant), d/db = 0 when a == 0 and b > 0
//   floor, ceil, round, trunc: 0 everywhere (the derivative almost everywhere)
//   atan2 at (0, 0), log of a negative, asin outside [-1, 1]: nan, as IEEE computes it
// These conventions are for first derivatives. A second derivative at such a point (a nested
// dual, a Hessian at sqrt(0)) gets the same zero rule, so entries along directions that do not
// move the singular input are exact, but the others may be inf or nan.
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

#define NABLA_RULE_VALUE(function) \
  template <class T>               \
  static T value(const T& x) {     \
    using std::function;           \
    return function(x);            \
  }
#define NABLA_RULE_MATH using std::sqrt, std::sin, std::cos, std::sinh, std::cosh, std::exp;

// f'(x) = expression.
#define NABLA_UNARY_RULE(Rule, function, derivative_expression)                     \
  struct Rule {                                                                     \
    static constexpr const char* name = #function;                                  \
    NABLA_RULE_VALUE(function)                                                      \
    template <class T>                                                              \
    static T derivative([[maybe_unused]] const T& x, [[maybe_unused]] const T& y) { \
      NABLA_RULE_MATH                                                               \
      return derivative_expression;                                                 \
    }                                                                               \
  };

// f'(x) = 1 / expression. The denominator is available on its own, so a mode with a single
// tangent t can form t / expression: one division instead of a division and a multiplication.
#define NABLA_UNARY_RECIPROCAL_RULE(Rule, function, denominator_expression)                     \
  struct Rule {                                                                                 \
    static constexpr const char* name = #function;                                              \
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
//                          Rule    <cmath>  f'(x)
NABLA_UNARY_RULE(           Exp,    exp,     y)
NABLA_UNARY_RULE(           Exp2,   exp2,    y * T(std::numbers::ln2))
NABLA_UNARY_RULE(           Expm1,  expm1,   y + T(1))
NABLA_UNARY_RECIPROCAL_RULE(Log,    log,     x)
NABLA_UNARY_RECIPROCAL_RULE(Log2,   log2,    x * T(std::numbers::ln2))
NABLA_UNARY_RECIPROCAL_RULE(Log10,  log10,   x * T(std::numbers::ln10))
NABLA_UNARY_RECIPROCAL_RULE(Log1p,  log1p,   T(1) + x)
NABLA_UNARY_RECIPROCAL_RULE(Sqrt,   sqrt,    T(2) * y)
NABLA_UNARY_RECIPROCAL_RULE(Cbrt,   cbrt,    T(3) * y * y)
NABLA_UNARY_RULE(           Sin,    sin,     cos(x))
NABLA_UNARY_RULE(           Cos,    cos,     -sin(x))
NABLA_UNARY_RULE(           Tan,    tan,     T(1) + y * y)
NABLA_UNARY_RECIPROCAL_RULE(Asin,   asin,    sqrt(T(1) - x * x))
NABLA_UNARY_RECIPROCAL_RULE(Acos,   acos,    -sqrt(T(1) - x * x))
NABLA_UNARY_RECIPROCAL_RULE(Atan,   atan,    T(1) + x * x)
NABLA_UNARY_RULE(           Sinh,   sinh,    cosh(x))
NABLA_UNARY_RULE(           Cosh,   cosh,    sinh(x))
NABLA_UNARY_RULE(           Tanh,   tanh,    T(1) - y * y)
NABLA_UNARY_RECIPROCAL_RULE(Asinh,  asinh,   sqrt(x * x + T(1)))
NABLA_UNARY_RECIPROCAL_RULE(Acosh,  acosh,   sqrt(x - T(1)) * sqrt(x + T(1)))
NABLA_UNARY_RECIPROCAL_RULE(Atanh,  atanh,   T(1) - x * x)
NABLA_UNARY_RULE(           Abs,    abs,     sign(x))
NABLA_UNARY_RULE(           Erf,    erf,     T(2 * std::numbers::inv_sqrtpi) * exp(-(x * x)))
NABLA_UNARY_RULE(           Erfc,   erfc,    T(-2 * std::numbers::inv_sqrtpi) * exp(-(x * x)))
NABLA_UNARY_RULE(           Tgamma, tgamma,  y * polygamma(0, x))
NABLA_UNARY_RULE(           Lgamma, lgamma,  polygamma(0, x))
NABLA_UNARY_RULE(           Floor,  floor,   T(0))
NABLA_UNARY_RULE(           Ceil,   ceil,    T(0))
NABLA_UNARY_RULE(           Round,  round,   T(0))
NABLA_UNARY_RULE(           Trunc,  trunc,   T(0))
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
