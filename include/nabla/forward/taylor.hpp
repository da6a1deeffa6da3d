// Truncated Taylor arithmetic: every derivative up to order K along one direction, in one pass.
//
// A Taylor<T, K> holds the coefficients of x(t) = x_0 + x_1 t + ... + x_K t^K, truncated after
// t^K. Seeding x(t) = a + t and evaluating f gives f(a + t), whose coefficients are
// f^(k)(a) / k!: the k-th derivative is k! times coefficient k. Dual<T> is the case K = 1.
//
// Products are Cauchy products, and each function has a recurrence obtained by differentiating
// y = f(x): for y = exp(x), y' = y x' gives k y_k = sum_{j=1..k} j x_j y_{k-j}. Every operation
// is therefore O(K^2). Functions whose derivative is a function of x alone (log, atan, erf, ...)
// take that derivative from nabla/core/rules.hpp, evaluate it on the series, and integrate:
//     y_k = (1/k) sum_{j=1..k} j x_j u_{k-j},   u = f'(x(t)).
// lgamma, tgamma and polygamma use the Taylor series of f at x_0 (their derivatives are
// polygammas) composed with x(t): O(K^3), for K small anyway.
//
// Comparisons look at x_0, as for Dual. At points without a derivative the recurrences divide by
// zero and give inf or nan (sqrt at 0), except abs and hypot, which follow the rules' subgradient
// convention (their higher coefficients are 0 at 0). Every product that forms a coefficient of
// order k >= 1 is a chain_product (nabla/core/chain.hpp): a coefficient that is exactly zero
// stays out of it even against an infinite one, so a series that does not move (a constant
// input) contributes nothing, as for Dual. Unlike Dual's, these products test both factors
// every time: Taylor's cost is its O(K^2) recurrences, and it has no benchmark to keep.
#pragma once

#include <array>
#include <cmath>
#include <compare>
#include <cstdint>
#include <ostream>
#include <type_traits>

#include "nabla/core/chain.hpp"
#include "nabla/core/rules.hpp"
#include "nabla/core/scalar.hpp"
#include "nabla/core/special_functions.hpp"

namespace nabla {

template <class T, int K>
class Taylor;

template <class T, int K>
struct passive_type<Taylor<T, K>> {
  using type = passive_type_t<T>;
};

template <class U, class T>
concept TaylorOperand = Arithmetic<U> || std::same_as<U, T>;

template <class T, int K>
class Taylor {
  static_assert(K >= 0, "a Taylor series needs at least its constant term");

 public:
  using value_type = T;
  static constexpr int order = K;
  using Coefficients = std::array<T, K + 1>;

  constexpr Taylor() : c_{} {}
  template <TaylorOperand<T> U>
  constexpr Taylor(const U& value) : c_{} {
    c_[0] = static_cast<T>(value);
  }
  constexpr explicit Taylor(const Coefficients& c) : c_(c) {}

  // x(t) = value + t: evaluating f on it gives the derivatives of f at value.
  static constexpr Taylor variable(const T& value) {
    Taylor x(value);
    if constexpr (K >= 1) x.c_[1] = T(1);
    return x;
  }

  constexpr const T& value() const { return c_[0]; }
  constexpr const T& operator[](int k) const { return c_[k]; }
  constexpr T& operator[](int k) { return c_[k]; }
  constexpr const Coefficients& coefficients() const { return c_; }
  // d^k/dt^k of x(t) at t = 0: k! x_k.
  constexpr T derivative(int k) const {
    T factorial(1);
    for (int i = 2; i <= k; ++i) factorial *= T(i);
    return c_[k] * factorial;
  }

  constexpr Taylor operator+() const { return *this; }
  constexpr Taylor operator-() const {
    Taylor r;
    for (int k = 0; k <= K; ++k) r.c_[k] = -c_[k];
    return r;
  }
  constexpr Taylor& operator+=(const Taylor& b) {
    for (int k = 0; k <= K; ++k) c_[k] += b.c_[k];
    return *this;
  }
  constexpr Taylor& operator-=(const Taylor& b) {
    for (int k = 0; k <= K; ++k) c_[k] -= b.c_[k];
    return *this;
  }
  // (xy)_k = sum_{j=0..k} x_j y_{k-j}; from the top down so the update can be in place.
  constexpr Taylor& operator*=(const Taylor& b) {
    for (int k = K; k >= 1; --k) {
      T sum = chain_product(c_[k], b.c_[0]);
      for (int j = 0; j < k; ++j) sum += chain_product(c_[j], b.c_[k - j]);
      c_[k] = sum;
    }
    c_[0] *= b.c_[0];
    return *this;
  }
  // q = x / y  <=>  q y = x:  q_k = (x_k - sum_{j=1..k} y_j q_{k-j}) / y_0, multiplied out as
  // x_k (1/y_0) - sum_j y_j (q_{k-j}/y_0) so that the first order is Dual's quotient rule, with
  // its partials 1/y_0 and -q_0/y_0 (nan where q_0 is: inf/inf), term by term.
  constexpr Taylor& operator/=(const Taylor& b) {
    const T inverse = T(1) / b.c_[0];
    c_[0] *= inverse;
    Coefficients scaled;  // q_m / y_0
    scaled[0] = c_[0] * inverse;
    for (int k = 1; k <= K; ++k) {
      T sum = chain_product(c_[k], inverse);
      for (int j = 1; j <= k; ++j) sum -= chain_product(b.c_[j], scaled[k - j]);
      c_[k] = sum;
      scaled[k] = chain_product(sum, inverse);
    }
    return *this;
  }
  template <TaylorOperand<T> U>
  constexpr Taylor& operator+=(const U& b) {
    c_[0] += static_cast<T>(b);
    return *this;
  }
  template <TaylorOperand<T> U>
  constexpr Taylor& operator-=(const U& b) {
    c_[0] -= static_cast<T>(b);
    return *this;
  }
  template <TaylorOperand<T> U>
  constexpr Taylor& operator*=(const U& b) {
    const T s = static_cast<T>(b);
    c_[0] *= s;
    for (int k = 1; k <= K; ++k) c_[k] = chain_product(c_[k], s);
    return *this;
  }
  template <TaylorOperand<T> U>
  constexpr Taylor& operator/=(const U& b) {
    const T s = static_cast<T>(b);
    c_[0] /= s;
    for (int k = 1; k <= K; ++k) c_[k] = chain_quotient(c_[k], s);
    return *this;
  }

  friend constexpr Taylor operator+(Taylor a, const Taylor& b) { return a += b; }
  friend constexpr Taylor operator-(Taylor a, const Taylor& b) { return a -= b; }
  friend constexpr Taylor operator*(Taylor a, const Taylor& b) { return a *= b; }
  friend constexpr Taylor operator/(Taylor a, const Taylor& b) { return a /= b; }
  template <TaylorOperand<T> U>
  friend constexpr Taylor operator+(Taylor a, const U& b) {
    return a += b;
  }
  template <TaylorOperand<T> U>
  friend constexpr Taylor operator+(const U& a, Taylor b) {
    return b += a;
  }
  template <TaylorOperand<T> U>
  friend constexpr Taylor operator-(Taylor a, const U& b) {
    return a -= b;
  }
  template <TaylorOperand<T> U>
  friend constexpr Taylor operator-(const U& a, const Taylor& b) {
    return (-b) += a;
  }
  template <TaylorOperand<T> U>
  friend constexpr Taylor operator*(Taylor a, const U& b) {
    return a *= b;
  }
  template <TaylorOperand<T> U>
  friend constexpr Taylor operator*(const U& a, Taylor b) {
    return b *= a;
  }
  template <TaylorOperand<T> U>
  friend constexpr Taylor operator/(Taylor a, const U& b) {
    return a /= b;
  }
  template <TaylorOperand<T> U>
  friend constexpr Taylor operator/(const U& a, const Taylor& b) {
    return Taylor(a) /= b;
  }

  friend constexpr bool operator==(const Taylor& a, const Taylor& b) { return a.c_[0] == b.c_[0]; }
  friend constexpr auto operator<=>(const Taylor& a, const Taylor& b) {
    return a.c_[0] <=> b.c_[0];
  }
  template <TaylorOperand<T> U>
  friend constexpr bool operator==(const Taylor& a, const U& b) {
    return a.c_[0] == static_cast<T>(b);
  }
  template <TaylorOperand<T> U>
  friend constexpr auto operator<=>(const Taylor& a, const U& b) {
    return a.c_[0] <=> static_cast<T>(b);
  }

 private:
  Coefficients c_;
};

template <class T, int K>
constexpr passive_type_t<T> passive_value(const Taylor<T, K>& x) {
  return passive_value(x.value());
}

namespace detail {

// y with y_0 given and y' = u x':  y_k = (1/k) sum_{j=1..k} j x_j u_{k-j}.
template <class T, int K>
constexpr Taylor<T, K> integrate(const T& y0, const Taylor<T, K>& x, const Taylor<T, K>& u) {
  Taylor<T, K> y(y0);
  for (int k = 1; k <= K; ++k) {
    T sum(0);
    for (int j = 1; j <= k; ++j) sum += T(j) * chain_product(x[j], u[k - j]);
    y[k] = sum / T(k);
  }
  return y;
}

// A unary function whose derivative depends on x only: the rule's derivative, integrated.
template <class Rule, class T, int K>
constexpr Taylor<T, K> from_rule(const Taylor<T, K>& x) {
  if constexpr (K == 0) {
    return Taylor<T, K>(Rule::value(x.value()));
  } else {
    // u = f'(x(t)) is needed to order K-1 only.
    const Taylor<T, K - 1> x_lower([&] {
      typename Taylor<T, K - 1>::Coefficients c{};
      for (int k = 0; k < K; ++k) c[k] = x[k];
      return c;
    }());
    const Taylor<T, K - 1> u = Rule::derivative(x_lower, Taylor<T, K - 1>());
    Taylor<T, K> u_full;
    for (int k = 0; k < K; ++k) u_full[k] = u[k];
    return integrate(Rule::value(x.value()), x, u_full);
  }
}

// exp-like recurrence y' = y x' with y_0 given.
template <class T, int K>
constexpr Taylor<T, K> exp_with(const T& y0, const Taylor<T, K>& x) {
  Taylor<T, K> y(y0);
  for (int k = 1; k <= K; ++k) {
    T sum(0);
    for (int j = 1; j <= k; ++j) sum += T(j) * chain_product(x[j], y[k - j]);
    y[k] = sum / T(k);
  }
  return y;
}

// The pair (sin, cos) or, with sign = +1, (sinh, cosh):
//   s' = c x',  c' = -s x'  (sign -1)      s' = c x',  c' = s x'  (sign +1)
template <class T, int K>
constexpr void sine_pair(const Taylor<T, K>& x, Taylor<T, K>& s, Taylor<T, K>& c, const T& sign) {
  for (int k = 1; k <= K; ++k) {
    T ss(0), cc(0);
    for (int j = 1; j <= k; ++j) {
      ss += T(j) * chain_product(x[j], c[k - j]);
      cc += T(j) * chain_product(x[j], s[k - j]);
    }
    s[k] = ss / T(k);
    c[k] = sign * cc / T(k);
  }
}

// y' = (a + b y^2) x', the recurrence of tan (a = b = 1) and tanh (a = 1, b = -1).
template <class T, int K>
constexpr Taylor<T, K> riccati(const T& y0, const Taylor<T, K>& x, const T& a, const T& b) {
  Taylor<T, K> y(y0), u;
  u[0] = a + b * y0 * y0;
  for (int k = 1; k <= K; ++k) {
    T sum(0);
    for (int j = 1; j <= k; ++j) sum += T(j) * chain_product(x[j], u[k - j]);
    y[k] = sum / T(k);
    T square(0);
    for (int i = 0; i <= k; ++i) square += chain_product(y[i], y[k - i]);
    u[k] = b * square;
  }
  return y;
}

// f(x(t)) = sum_k f^(k)(x_0)/k! (x(t) - x_0)^k, given derivatives[k] = f^(k)(x_0).
template <class T, int K>
constexpr Taylor<T, K> compose(const Taylor<T, K>& x, const std::array<T, K + 1>& derivatives) {
  Taylor<T, K> delta = x;
  delta[0] = T(0);
  Taylor<T, K> power(T(1)), y(derivatives[0]);
  T factorial(1);
  for (int k = 1; k <= K; ++k) {
    power *= delta;
    factorial *= T(k);
    for (int i = k; i <= K; ++i) y[i] += chain_product(T(derivatives[k] / factorial), power[i]);
  }
  return y;
}

template <class T, int K>
constexpr Taylor<T, K> constant_series(const T& value) {
  return Taylor<T, K>(value);
}

}  // namespace detail

// --- functions with a recurrence in y ------------------------------------------------------------

template <class T, int K>
constexpr Taylor<T, K> exp(const Taylor<T, K>& x) {
  using std::exp;
  return detail::exp_with(exp(x.value()), x);
}
template <class T, int K>
constexpr Taylor<T, K> exp2(const Taylor<T, K>& x) {
  using std::exp2;
  return detail::exp_with(exp2(x.value()), x * T(std::numbers::ln2));
}
template <class T, int K>
constexpr Taylor<T, K> expm1(const Taylor<T, K>& x) {
  using std::exp, std::expm1;
  Taylor<T, K> y = detail::exp_with(exp(x.value()), x);
  y[0] = expm1(x.value());  // keeps its accuracy near 0; the recurrence used exp(x_0)
  return y;
}

namespace detail {
// y = x^r:  x y' = r y x'  gives  y_k = (1/(k x_0)) sum_{j=1..k} ((r+1) j - k) x_j y_{k-j}.
template <class T, int K>
constexpr Taylor<T, K> power_with(const T& y0, const Taylor<T, K>& x, const T& r) {
  Taylor<T, K> y(y0);
  int first = 1;
  if constexpr (K >= 1) {
    if (x.value() == 0) {
      // At x_0 = 0 the recurrence reads 0 = 0 for y_1: take it from the rule, r x_0^(r-1) x_1
      // (inf for r < 1, as Dual's, and 0 when x does not move).
      using std::pow;
      y[1] = chain_product(T(r * pow(x.value(), r - T(1))), x[1]);
      first = 2;
    }
  }
  for (int k = first; k <= K; ++k) {
    T sum(0);
    for (int j = 1; j <= k; ++j) {
      sum += chain_product(chain_product(T((r + T(1)) * T(j) - T(k)), x[j]), y[k - j]);
    }
    y[k] = chain_quotient(sum, T(T(k) * x.value()));
  }
  return y;
}
}  // namespace detail

template <class T, int K, TaylorOperand<T> U>
constexpr Taylor<T, K> pow(const Taylor<T, K>& x, const U& exponent) {
  using std::pow;
  const T r = static_cast<T>(exponent);
  const auto passive = passive_value(r);
  // Non-negative integer powers by squaring: exact products, O(K^2 log r), and defined at
  // x_0 = 0, where the recurrence below would divide by zero.
  if (passive >= 0 && passive == std::floor(passive) && passive < 4294967296.0) {
    auto n = static_cast<std::uint64_t>(passive);
    Taylor<T, K> result(T(1)), square = x;
    while (n > 0) {
      if (n & 1) result *= square;
      n >>= 1;
      if (n > 0) square *= square;
    }
    return result;
  }
  return detail::power_with(pow(x.value(), r), x, r);
}

template <class T, int K>
constexpr Taylor<T, K> sqrt(const Taylor<T, K>& x) {
  using std::sqrt;
  // y^2 = x:  y_k = (x_k - sum_{j=1..k-1} y_j y_{k-j}) / (2 y_0)
  Taylor<T, K> y(sqrt(x.value()));
  for (int k = 1; k <= K; ++k) {
    T sum = x[k];
    for (int j = 1; j < k; ++j) sum -= chain_product(y[j], y[k - j]);
    y[k] = chain_quotient(sum, T(T(2) * y[0]));
  }
  return y;
}

// The real cube root, defined for negative x_0 too (where pow(x_0, 1/3) is nan).
template <class T, int K>
constexpr Taylor<T, K> cbrt(const Taylor<T, K>& x) {
  using std::cbrt;
  return detail::power_with(cbrt(x.value()), x, T(1) / T(3));
}
// x^y = exp(y log x) for x_0 > 0. A constant exponent takes the x^c path above, so integer
// powers of negative numbers keep their derivatives; with both varying, x_0 <= 0 gives nan, as
// log does.
template <class T, int K>
constexpr Taylor<T, K> pow(const Taylor<T, K>& x, const Taylor<T, K>& y) {
  using std::pow;
  bool constant_exponent = true;
  for (int k = 1; k <= K; ++k) constant_exponent = constant_exponent && is_zero(y[k]);
  if (constant_exponent) return pow(x, y.value());
  // exp's recurrence seeded with x_0^y_0 itself: y log x may have no value (0 · log 0 at
  // (0, 0)) where x^y has, 1.
  return detail::exp_with(pow(x.value(), y.value()), y * log(x));
}
// c^x = exp(x log c); 0^x is 0 near any x_0 > 0 (rules::PowConstantBase's convention).
template <class T, int K, TaylorOperand<T> U>
constexpr Taylor<T, K> pow(const U& base, const Taylor<T, K>& x) {
  using std::log, std::pow;
  const T c = static_cast<T>(base);
  if (c == 0 && x.value() > 0) return Taylor<T, K>(T(0));
  return detail::exp_with(pow(c, x.value()), x * log(c));
}

template <class T, int K>
constexpr Taylor<T, K> sin(const Taylor<T, K>& x) {
  using std::sin, std::cos;
  Taylor<T, K> s(sin(x.value())), c(cos(x.value()));
  detail::sine_pair(x, s, c, T(-1));
  return s;
}
template <class T, int K>
constexpr Taylor<T, K> cos(const Taylor<T, K>& x) {
  using std::sin, std::cos;
  Taylor<T, K> s(sin(x.value())), c(cos(x.value()));
  detail::sine_pair(x, s, c, T(-1));
  return c;
}
template <class T, int K>
constexpr Taylor<T, K> sinh(const Taylor<T, K>& x) {
  using std::sinh, std::cosh;
  Taylor<T, K> s(sinh(x.value())), c(cosh(x.value()));
  detail::sine_pair(x, s, c, T(1));
  return s;
}
template <class T, int K>
constexpr Taylor<T, K> cosh(const Taylor<T, K>& x) {
  using std::sinh, std::cosh;
  Taylor<T, K> s(sinh(x.value())), c(cosh(x.value()));
  detail::sine_pair(x, s, c, T(1));
  return c;
}
template <class T, int K>
constexpr Taylor<T, K> tan(const Taylor<T, K>& x) {
  using std::tan;
  return detail::riccati(tan(x.value()), x, T(1), T(1));
}
template <class T, int K>
constexpr Taylor<T, K> tanh(const Taylor<T, K>& x) {
  using std::tanh;
  return detail::riccati(tanh(x.value()), x, T(1), T(-1));
}

// --- functions whose derivative depends on x only: the shared rule, integrated ---------------

#define NABLA_TAYLOR_FROM_RULE(function, Rule)             \
  template <class T, int K>                                \
  constexpr Taylor<T, K> function(const Taylor<T, K>& x) { \
    return detail::from_rule<rules::Rule>(x);              \
  }
NABLA_TAYLOR_FROM_RULE(log, Log)
NABLA_TAYLOR_FROM_RULE(log2, Log2)
NABLA_TAYLOR_FROM_RULE(log10, Log10)
NABLA_TAYLOR_FROM_RULE(log1p, Log1p)
NABLA_TAYLOR_FROM_RULE(asin, Asin)
NABLA_TAYLOR_FROM_RULE(acos, Acos)
NABLA_TAYLOR_FROM_RULE(atan, Atan)
NABLA_TAYLOR_FROM_RULE(asinh, Asinh)
NABLA_TAYLOR_FROM_RULE(acosh, Acosh)
NABLA_TAYLOR_FROM_RULE(atanh, Atanh)
NABLA_TAYLOR_FROM_RULE(erf, Erf)
NABLA_TAYLOR_FROM_RULE(erfc, Erfc)
#undef NABLA_TAYLOR_FROM_RULE

// --- composition with known derivatives at x_0 -------------------------------------------------

template <class T, int K>
constexpr Taylor<T, K> polygamma(int n, const Taylor<T, K>& x) {
  std::array<T, K + 1> derivatives;
  for (int k = 0; k <= K; ++k) derivatives[k] = polygamma(n + k, x.value());
  return detail::compose(x, derivatives);
}
template <class T, int K>
constexpr Taylor<T, K> lgamma(const Taylor<T, K>& x) {
  using std::lgamma;
  std::array<T, K + 1> derivatives;
  derivatives[0] = lgamma(x.value());
  for (int k = 1; k <= K; ++k) derivatives[k] = polygamma(k - 1, x.value());
  return detail::compose(x, derivatives);
}
// Γ(x) = ±exp(lgamma(x)), the sign fixed near x_0.
template <class T, int K>
constexpr Taylor<T, K> tgamma(const Taylor<T, K>& x) {
  using std::tgamma;
  return detail::exp_with(tgamma(x.value()), lgamma(x));
}

// --- piecewise functions
// --------------------------------------------------------------------------

template <class T, int K>
constexpr Taylor<T, K> abs(const Taylor<T, K>& x) {
  return x * rules::sign(x.value());
}
template <class T, int K>
constexpr Taylor<T, K> fabs(const Taylor<T, K>& x) {
  return abs(x);
}
#define NABLA_TAYLOR_STEP(function)                        \
  template <class T, int K>                                \
  constexpr Taylor<T, K> function(const Taylor<T, K>& x) { \
    using std::function;                                   \
    return Taylor<T, K>(function(x.value()));              \
  }
NABLA_TAYLOR_STEP(floor)
NABLA_TAYLOR_STEP(ceil)
NABLA_TAYLOR_STEP(round)
NABLA_TAYLOR_STEP(trunc)
#undef NABLA_TAYLOR_STEP

template <class T, int K>
constexpr Taylor<T, K> hypot(const Taylor<T, K>& a, const Taylor<T, K>& b) {
  using std::hypot;
  const T h = hypot(a.value(), b.value());
  if (h == 0) return Taylor<T, K>(h);  // the subgradient convention of rules::Hypot
  Taylor<T, K> y = sqrt(a * a + b * b);
  y[0] = h;
  return y;
}
// atan2(a, b)' = (b a' - a b') / (a^2 + b^2), integrated.
template <class T, int K>
constexpr Taylor<T, K> atan2(const Taylor<T, K>& a, const Taylor<T, K>& b) {
  using std::atan2;
  // Neither argument moves: a constant, which the series below, whose constant terms are
  // derivatives multiplied as values (b_0 a'_0 with b_0 infinite), need not find.
  bool constant = true;
  for (int k = 1; k <= K; ++k) constant = constant && is_zero(a[k]) && is_zero(b[k]);
  if (constant) return Taylor<T, K>(atan2(a.value(), b.value()));
  Taylor<T, K> da, db;  // the series of a'(t) and b'(t)
  for (int k = 0; k < K; ++k) {
    da[k] = T(k + 1) * a[k + 1];
    db[k] = T(k + 1) * b[k + 1];
  }
  const Taylor<T, K> w = (b * da - a * db) / (a * a + b * b);
  Taylor<T, K> y(atan2(a.value(), b.value()));
  for (int k = 1; k <= K; ++k) y[k] = w[k - 1] / T(k);
  return y;
}
#define NABLA_TAYLOR_MIXED(function)                                   \
  template <class T, int K, TaylorOperand<T> U>                        \
  constexpr Taylor<T, K> function(const Taylor<T, K>& a, const U& b) { \
    return function(a, Taylor<T, K>(b));                               \
  }                                                                    \
  template <class T, int K, TaylorOperand<T> U>                        \
  constexpr Taylor<T, K> function(const U& a, const Taylor<T, K>& b) { \
    return function(Taylor<T, K>(a), b);                               \
  }
NABLA_TAYLOR_MIXED(hypot)
NABLA_TAYLOR_MIXED(atan2)

template <class T, int K>
constexpr Taylor<T, K> min(const Taylor<T, K>& a, const Taylor<T, K>& b) {
  return (b < a) ? b : a;
}
template <class T, int K>
constexpr Taylor<T, K> max(const Taylor<T, K>& a, const Taylor<T, K>& b) {
  return (a < b) ? b : a;
}
template <class T, int K>
constexpr Taylor<T, K> fmin(const Taylor<T, K>& a, const Taylor<T, K>& b) {
  if (std::isnan(passive_value(a))) return b;
  if (std::isnan(passive_value(b))) return a;
  return min(a, b);
}
template <class T, int K>
constexpr Taylor<T, K> fmax(const Taylor<T, K>& a, const Taylor<T, K>& b) {
  if (std::isnan(passive_value(a))) return b;
  if (std::isnan(passive_value(b))) return a;
  return max(a, b);
}
NABLA_TAYLOR_MIXED(min)
NABLA_TAYLOR_MIXED(max)
NABLA_TAYLOR_MIXED(fmin)
NABLA_TAYLOR_MIXED(fmax)
#undef NABLA_TAYLOR_MIXED

template <class T, int K>
constexpr bool isfinite(const Taylor<T, K>& x) {
  return std::isfinite(passive_value(x));
}
template <class T, int K>
constexpr bool isnan(const Taylor<T, K>& x) {
  return std::isnan(passive_value(x));
}
template <class T, int K>
constexpr bool isinf(const Taylor<T, K>& x) {
  return std::isinf(passive_value(x));
}

// x_0 + x_1 t + x_2 t^2 + ...
template <class T, int K>
std::ostream& operator<<(std::ostream& os, const Taylor<T, K>& x) {
  os << x[0];
  for (int k = 1; k <= K; ++k) {
    const T& c = x[k];
    os << (c < 0 ? " - " : " + ") << (c < 0 ? -c : c) << " t";
    if (k > 1) os << '^' << k;
  }
  return os;
}

}  // namespace nabla
