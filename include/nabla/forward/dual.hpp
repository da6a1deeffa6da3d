// Dual numbers: forward-mode automatic differentiation.
//
// A dual number a + b ε carries a value a and a tangent b, with ε² = 0. For any smooth f,
//
//     f(a + b ε) = f(a) + f'(a) b ε,
//
// so evaluating f on a dual number computes f(a) and the directional derivative f'(a)·b together,
// exactly (no truncation error), in one pass. Dual<T, N> keeps N tangents at once (vector mode):
// seeding them with the unit vectors e_1..e_N gives N partial derivatives from one evaluation.
// T may itself be a Dual, so Dual<Dual<double>> carries second derivatives.
//
// Cost: each operation does the work of the value plus N multiply-adds; no heap, no tape.
// The derivative of every function comes from nabla/core/rules.hpp, shared with the other modes.
// Every partial times a tangent goes through detail::scale_tangents or combine_tangents below,
// which keep a tangent that is exactly zero zero even where the partial is infinite
// (nabla/core/chain.hpp), at the cost of one test of each partial per operation.
//
// Comparisons, isfinite/isnan/isinf and the choices of min/max look at the value only, so a
// generic function takes the same branches on a Dual as on a double.
#pragma once

#include <array>
#include <cmath>
#include <compare>
#include <concepts>
#include <cstddef>
#include <ostream>
#include <string_view>
#include <type_traits>

#include "nabla/core/chain.hpp"
#include "nabla/core/rules.hpp"
#include "nabla/core/scalar.hpp"

namespace nabla {

template <class T, int N = 1>
class Dual;

namespace detail {

// out[i] = d · in[i] by the chain rule's convention (nabla/core/chain.hpp). A plain d (finite,
// non-zero) already follows it, so the tangents are looked at one by one only when d is 0,
// infinite or nan: one test per operation on the fast path, not one per tangent.
template <class T, std::size_t N>
constexpr void scale_tangents(std::array<T, N>& out, const T& d, const std::array<T, N>& in) {
  if (plain_factor(d)) [[likely]] {
    for (std::size_t i = 0; i < N; ++i) out[i] = d * in[i];
  } else {
    for (std::size_t i = 0; i < N; ++i) out[i] = chain_product(d, in[i]);
  }
}

// out[i] = da · a[i] + db · b[i], likewise.
template <class T, std::size_t N>
constexpr void combine_tangents(std::array<T, N>& out, const T& da, const std::array<T, N>& a,
                                const T& db, const std::array<T, N>& b) {
  if (both_plain(da, db)) [[likely]] {
    for (std::size_t i = 0; i < N; ++i) out[i] = da * a[i] + db * b[i];
  } else {
    for (std::size_t i = 0; i < N; ++i) out[i] = chain_product(da, a[i]) + chain_product(db, b[i]);
  }
}

}  // namespace detail

template <class T>
struct is_dual : std::false_type {};
template <class T, int N>
struct is_dual<Dual<T, N>> : std::true_type {};
template <class T>
inline constexpr bool is_dual_v = is_dual<T>::value;

template <class T, int N>
struct passive_type<Dual<T, N>> {
  using type = passive_type_t<T>;
};

// What may meet a Dual<T, N> in arithmetic without being a Dual<T, N> itself: a built-in number,
// or the value type T (a Dual<double> inside a Dual<Dual<double>>).
template <class U, class T>
concept DualOperand = Arithmetic<U> || std::same_as<U, T>;

template <class T, int N>
class Dual {
  static_assert(N >= 1, "a Dual needs at least one tangent");

 public:
  using value_type = T;
  using Tangents = std::array<T, N>;
  static constexpr int tangent_count = N;

  constexpr Dual() : value_(0), tangents_{} {}
  // Implicit, so that `Dual<double> x = 3;` and `f(x, 2.0)` read as they do with doubles.
  template <DualOperand<T> U>
  constexpr Dual(const U& value) : value_(static_cast<T>(value)), tangents_{} {}
  constexpr Dual(const T& value, const Tangents& tangents) : value_(value), tangents_(tangents) {}
  // a + b ε, for the common one-tangent case: Dual<double>(3, 4) is 3 + 4ε.
  template <DualOperand<T> U, DualOperand<T> V>
  requires(N == 1) constexpr Dual(const U& value, const V& tangent)
      : value_(static_cast<T>(value)), tangents_{static_cast<T>(tangent)} {}

  // The independent variable number `index` of N: value `value`, tangent the unit vector e_index.
  static constexpr Dual variable(const T& value, int index = 0) {
    Dual x(value);
    x.tangents_[index] = T(1);
    return x;
  }

  constexpr const T& value() const { return value_; }
  constexpr T& value() { return value_; }
  constexpr const T& tangent(int i = 0) const { return tangents_[i]; }
  constexpr T& tangent(int i = 0) { return tangents_[i]; }
  constexpr const Tangents& tangents() const { return tangents_; }
  constexpr Tangents& tangents() { return tangents_; }

  // --- arithmetic: the product and quotient rules --------------------------------------------

  constexpr Dual operator+() const { return *this; }
  constexpr Dual operator-() const {
    Dual r;
    r.value_ = -value_;
    for (int i = 0; i < N; ++i) r.tangents_[i] = -tangents_[i];
    return r;
  }

  constexpr Dual& operator+=(const Dual& b) {
    value_ += b.value_;
    for (int i = 0; i < N; ++i) tangents_[i] += b.tangents_[i];
    return *this;
  }
  constexpr Dual& operator-=(const Dual& b) {
    value_ -= b.value_;
    for (int i = 0; i < N; ++i) tangents_[i] -= b.tangents_[i];
    return *this;
  }
  // (a + a'ε)(b + b'ε) = ab + (a'b + ab')ε
  constexpr Dual& operator*=(const Dual& b) {
    detail::combine_tangents(tangents_, b.value_, tangents_, value_, b.tangents_);
    value_ *= b.value_;
    return *this;
  }
  // (a + a'ε)/(b + b'ε) = a/b + (a' - (a/b) b')/b ε: partials 1/b and -(a/b)/b
  constexpr Dual& operator/=(const Dual& b) {
    const T inverse = T(1) / b.value_;
    // A nested value divides as one operation, so that its own tangents come from the quotient
    // rule as a Dual<double>'s do, not from a · (1/b), whose path through 1/b at b = inf has the
    // partial 0 and would meet a = inf differently.
    if constexpr (is_dual_v<T>) {
      value_ /= b.value_;
    } else {
      value_ *= inverse;
    }
    if (both_plain(inverse, value_)) [[likely]] {
      // Both partials plain: the factored form, one multiplication fewer per tangent.
      for (int i = 0; i < N; ++i) tangents_[i] = (tangents_[i] - value_ * b.tangents_[i]) * inverse;
    } else {
      detail::combine_tangents(tangents_, inverse, tangents_, T(-(value_ * inverse)), b.tangents_);
    }
    return *this;
  }
  template <DualOperand<T> U>
  constexpr Dual& operator+=(const U& b) {
    value_ += static_cast<T>(b);
    return *this;
  }
  template <DualOperand<T> U>
  constexpr Dual& operator-=(const U& b) {
    value_ -= static_cast<T>(b);
    return *this;
  }
  template <DualOperand<T> U>
  constexpr Dual& operator*=(const U& b) {
    const T s = static_cast<T>(b);
    value_ *= s;
    detail::scale_tangents(tangents_, s, tangents_);
    return *this;
  }
  template <DualOperand<T> U>
  constexpr Dual& operator/=(const U& b) {
    const T s = static_cast<T>(b);
    value_ /= s;
    if (plain_factor(s)) [[likely]] {
      for (int i = 0; i < N; ++i) tangents_[i] /= s;
    } else {
      for (int i = 0; i < N; ++i) tangents_[i] = chain_quotient(tangents_[i], s);
    }
    return *this;
  }

  friend constexpr Dual operator+(Dual a, const Dual& b) { return a += b; }
  friend constexpr Dual operator-(Dual a, const Dual& b) { return a -= b; }
  friend constexpr Dual operator*(Dual a, const Dual& b) { return a *= b; }
  friend constexpr Dual operator/(Dual a, const Dual& b) { return a /= b; }

  template <DualOperand<T> U>
  friend constexpr Dual operator+(Dual a, const U& b) {
    return a += b;
  }
  template <DualOperand<T> U>
  friend constexpr Dual operator+(const U& a, Dual b) {
    return b += a;
  }
  template <DualOperand<T> U>
  friend constexpr Dual operator-(Dual a, const U& b) {
    return a -= b;
  }
  template <DualOperand<T> U>
  friend constexpr Dual operator-(const U& a, const Dual& b) {
    return (-b) += a;
  }
  template <DualOperand<T> U>
  friend constexpr Dual operator*(Dual a, const U& b) {
    return a *= b;
  }
  template <DualOperand<T> U>
  friend constexpr Dual operator*(const U& a, Dual b) {
    return b *= a;
  }
  template <DualOperand<T> U>
  friend constexpr Dual operator/(Dual a, const U& b) {
    return a /= b;
  }
  // c / (b + b'ε) = c/b - (c/b) b'/b ε
  template <DualOperand<T> U>
  friend constexpr Dual operator/(const U& a, const Dual& b) {
    const T inverse = T(1) / b.value_;
    Dual r;
    if constexpr (is_dual_v<T>) {
      r.value_ = static_cast<T>(a) / b.value_;  // one operation, as in operator/= above
    } else {
      r.value_ = static_cast<T>(a) * inverse;
    }
    detail::scale_tangents(r.tangents_, T(-r.value_ * inverse), b.tangents_);
    return r;
  }

  // --- comparisons: on the value, so branches match the double evaluation --------------------

  friend constexpr bool operator==(const Dual& a, const Dual& b) { return a.value_ == b.value_; }
  friend constexpr auto operator<=>(const Dual& a, const Dual& b) { return a.value_ <=> b.value_; }
  template <DualOperand<T> U>
  friend constexpr bool operator==(const Dual& a, const U& b) {
    return a.value_ == static_cast<T>(b);
  }
  template <DualOperand<T> U>
  friend constexpr auto operator<=>(const Dual& a, const U& b) {
    return a.value_ <=> static_cast<T>(b);
  }

 private:
  T value_;
  Tangents tangents_;
};

template <class T, int N>
constexpr passive_type_t<T> passive_value(const Dual<T, N>& x) {
  return passive_value(x.value());
}

// Zero value and zero tangents: a tangent (or an adjoint) that moves nothing.
template <class T, int N>
constexpr bool is_zero(const Dual<T, N>& x) {
  if (!is_zero(x.value())) return false;
  for (const T& t : x.tangents()) {
    if (!is_zero(t)) return false;
  }
  return true;
}

// The chain rule's convention (nabla/core/chain.hpp) one level down, for nested duals: a
// Dual<Dual<double>>'s tangents are Dual<double>s, and the product of two of them is a sum of
// products of doubles, each of which must follow the convention. When either value is plain,
// the ordinary product does (its value product then does, and its tangents go through
// detail::combine_tangents); otherwise each term is a chain product of the level below.
template <class T, int N>
constexpr bool plain_factor(const Dual<T, N>& d) {
  return plain_factor(d.value());
}
template <class T, int N>
constexpr Dual<T, N> chain_product(const Dual<T, N>& d, const Dual<T, N>& t) {
  if (plain_factor(d.value()) || plain_factor(t.value())) return d * t;
  Dual<T, N> r(chain_product(d.value(), t.value()));
  for (int i = 0; i < N; ++i) {
    r.tangent(i) = chain_product(d.tangent(i), t.value()) + chain_product(d.value(), t.tangent(i));
  }
  return r;
}
template <class T, int N>
constexpr Dual<T, N> chain_quotient(const Dual<T, N>& t, const Dual<T, N>& q) {
  if (plain_factor(q.value())) return t / q;
  return chain_product(T(1) / q, t);
}

// f(x + x'ε) = f(x) + f'(x) x' ε, with f and f' from a rule of nabla/core/rules.hpp.
template <class Rule, class T, int N>
constexpr Dual<T, N> apply_rule(const Rule& rule, const Dual<T, N>& x) {
  Dual<T, N> r(rule.value(x.value()));
  if constexpr (N == 1 && requires { rule.derivative_denominator(x.value(), r.value()); }) {
    // f' = 1 / q and one tangent: t / q, one division where 1 / q then · t takes two steps.
    const T q = rule.derivative_denominator(x.value(), r.value());
    if (plain_factor(q)) [[likely]] {
      r.tangent() = x.tangent() / q;
    } else {
      r.tangent() = chain_quotient(x.tangent(), q);
    }
  } else {
    detail::scale_tangents(r.tangents(), rule.derivative(x.value(), r.value()), x.tangents());
  }
  return r;
}

// f(a + a'ε, b + b'ε) = f(a, b) + (∂f/∂a a' + ∂f/∂b b') ε
template <class Rule, class T, int N>
constexpr Dual<T, N> apply_rule(const Rule& rule, const Dual<T, N>& a, const Dual<T, N>& b) {
  Dual<T, N> r(rule.value(a.value(), b.value()));
  const auto partials = rule.partials(a.value(), b.value(), r.value());
  detail::combine_tangents(r.tangents(), partials.first, a.tangents(), partials.second,
                           b.tangents());
  return r;
}

// --- the <cmath> functions, one overload per rule ---------------------------------------------

#define NABLA_DUAL_UNARY(function, Rule)               \
  template <class T, int N>                            \
  constexpr Dual<T, N> function(const Dual<T, N>& x) { \
    return apply_rule(rules::Rule{}, x);               \
  }
NABLA_UNARY_RULES(NABLA_DUAL_UNARY)
#undef NABLA_DUAL_UNARY

#define NABLA_DUAL_BINARY(function, Rule)                                   \
  template <class T, int N>                                                 \
  constexpr Dual<T, N> function(const Dual<T, N>& a, const Dual<T, N>& b) { \
    return apply_rule(rules::Rule{}, a, b);                                 \
  }                                                                         \
  template <class T, int N, DualOperand<T> U>                               \
  constexpr Dual<T, N> function(const Dual<T, N>& a, const U& b) {          \
    return apply_rule(rules::Rule{}, a, Dual<T, N>(b));                     \
  }                                                                         \
  template <class T, int N, DualOperand<T> U>                               \
  constexpr Dual<T, N> function(const U& a, const Dual<T, N>& b) {          \
    return apply_rule(rules::Rule{}, Dual<T, N>(a), b);                     \
  }
NABLA_DUAL_BINARY(atan2, Atan2)
NABLA_DUAL_BINARY(hypot, Hypot)
#undef NABLA_DUAL_BINARY

template <class T, int N>
constexpr Dual<T, N> pow(const Dual<T, N>& a, const Dual<T, N>& b) {
  return apply_rule(rules::Pow{}, a, b);
}
// x^c and c^x with c a plain number: one partial instead of two, and no log(x) for x^c,
// which keeps integer powers of negative numbers differentiable.
template <class T, int N, DualOperand<T> U>
constexpr Dual<T, N> pow(const Dual<T, N>& x, const U& exponent) {
  return apply_rule(rules::PowConstantExponent<T>{static_cast<T>(exponent)}, x);
}
template <class T, int N, DualOperand<T> U>
constexpr Dual<T, N> pow(const U& base, const Dual<T, N>& x) {
  return apply_rule(rules::PowConstantBase<T>{static_cast<T>(base)}, x);
}

template <class T, int N>
constexpr Dual<T, N> polygamma(int n, const Dual<T, N>& x) {
  return apply_rule(rules::Polygamma{n}, x);
}

// min and max choose one argument, value and tangents together; on a tie they choose the first,
// as std::min and std::max do. fmin and fmax also skip a nan argument, as their <cmath> namesakes.
template <class T, int N>
constexpr const Dual<T, N>& min(const Dual<T, N>& a, const Dual<T, N>& b) {
  return (b < a) ? b : a;
}
template <class T, int N>
constexpr const Dual<T, N>& max(const Dual<T, N>& a, const Dual<T, N>& b) {
  return (a < b) ? b : a;
}
template <class T, int N>
constexpr Dual<T, N> fmin(const Dual<T, N>& a, const Dual<T, N>& b) {
  if (std::isnan(passive_value(a))) return b;
  if (std::isnan(passive_value(b))) return a;
  return min(a, b);
}
template <class T, int N>
constexpr Dual<T, N> fmax(const Dual<T, N>& a, const Dual<T, N>& b) {
  if (std::isnan(passive_value(a))) return b;
  if (std::isnan(passive_value(b))) return a;
  return max(a, b);
}
#define NABLA_DUAL_SELECT_MIXED(function)                          \
  template <class T, int N, DualOperand<T> U>                      \
  constexpr Dual<T, N> function(const Dual<T, N>& a, const U& b) { \
    return function(a, Dual<T, N>(b));                             \
  }                                                                \
  template <class T, int N, DualOperand<T> U>                      \
  constexpr Dual<T, N> function(const U& a, const Dual<T, N>& b) { \
    return function(Dual<T, N>(a), b);                             \
  }
NABLA_DUAL_SELECT_MIXED(min)
NABLA_DUAL_SELECT_MIXED(max)
NABLA_DUAL_SELECT_MIXED(fmin)
NABLA_DUAL_SELECT_MIXED(fmax)
#undef NABLA_DUAL_SELECT_MIXED

// IEEE classification of the value, consistent with the comparisons above.
template <class T, int N>
constexpr bool isfinite(const Dual<T, N>& x) {
  return std::isfinite(passive_value(x));
}
template <class T, int N>
constexpr bool isnan(const Dual<T, N>& x) {
  return std::isnan(passive_value(x));
}
template <class T, int N>
constexpr bool isinf(const Dual<T, N>& x) {
  return std::isinf(passive_value(x));
}

// Real-number helpers Eigen's algorithms call on a scalar type.
template <class T, int N>
constexpr const Dual<T, N>& real(const Dual<T, N>& x) {
  return x;
}
template <class T, int N>
constexpr Dual<T, N> imag(const Dual<T, N>&) {
  return Dual<T, N>();
}
template <class T, int N>
constexpr const Dual<T, N>& conj(const Dual<T, N>& x) {
  return x;
}
template <class T, int N>
constexpr Dual<T, N> abs2(const Dual<T, N>& x) {
  return x * x;
}

namespace detail {
inline constexpr std::string_view kSubscripts[] = {"₀", "₁", "₂", "₃", "₄",
                                                   "₅", "₆", "₇", "₈", "₉"};
inline void write_subscript(std::ostream& os, int i) {
  if (i >= 10) write_subscript(os, i / 10);
  os << kSubscripts[i % 10];
}
}  // namespace detail

// Written as in the seeds: (3 + 4ε)(5 + 7ε) prints `15 + 41ε`; zero tangents are left out, and
// with N > 1 each ε carries its index: `1 + 2ε₀ - 3ε₁`.
template <class T, int N>
std::ostream& operator<<(std::ostream& os, const Dual<T, N>& x) {
  if constexpr (is_dual_v<T>) {
    os << '(' << x.value() << ')';
  } else {
    os << x.value();
  }
  for (int i = 0; i < N; ++i) {
    const T& t = x.tangent(i);
    if (is_zero(t)) continue;
    if constexpr (is_dual_v<T>) {
      os << " + (" << t << ")ε";
    } else {
      os << (t < 0 ? " - " : " + ") << (t < 0 ? -t : t) << "ε";
    }
    if constexpr (N > 1) detail::write_subscript(os, i);
  }
  return os;
}

}  // namespace nabla
