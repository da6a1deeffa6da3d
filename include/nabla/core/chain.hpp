// The product of the chain rule, and the one convention for points without a derivative.
//
// Every mode builds derivatives from products of a partial derivative and a tangent (forward
// mode: ∂f/∂a · a') or an adjoint (reverse mode: ∂f/∂a · f̄), and a product's "partial" may be a
// value (the tangent of a·b is a'·b + a·b'). Where a partial or a value is infinite (sqrt'(0),
// 1/x at 0, log(0)), IEEE arithmetic gives 0 · ∞ = nan, so a direction that does not move x
// would get nan from it: forward::gradient of 1/x + y at (0, 1) came out (-inf, nan).
//
// The convention: in these products an exactly zero factor wins, 0 · ∞ = 0 · nan = 0. A
// direction that does not move an input has derivative 0 through it, whatever the partial is:
// that is the true directional derivative, and what the symbolic derivative gives.
//
// Why either factor, not only the tangent: the derivative along a path of the computation is
// the product of the partials on it, and forward mode multiplies them from the input end,
// reverse mode from the output end. The zero of a path (a constant input, abs'(0), ∂(x·y)/∂y
// at x = 0) therefore meets the infinity of the same path (sqrt'(0)) as a tangent in one mode
// and as a partial in the other (0 · sqrt(x) at x = 0: forward multiplies the partial 0 into
// the tangent ∞, reverse the partial ∞ into the adjoint 0). Only a rule symmetric in its two
// factors gives every mode the same answer: a path with a zero on it contributes 0.
//
// What it costs: chain_product tests both factors, so modes call it only when a partial is not
// plain_factor (finite and non-zero). A plain partial times any tangent already follows the
// convention (p · 0 = 0, p · ±∞ = ±∞, p · nan = nan), so an operation tests each of its partials
// once, a branch that goes the same way at every ordinary point, and tests its tangents one by
// one only where a partial is 0, infinite or nan.
//
// Active types (Dual) overload both functions, found by argument-dependent lookup, so that
// nested modes apply the convention at every level.
#pragma once

#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "nabla/core/scalar.hpp"

namespace nabla {

// Finite and not zero: d · t is then chain_product(d, t) for every t.
template <Arithmetic T>
constexpr bool plain_factor(T d) noexcept {
  if constexpr (std::is_same_v<T, double> || std::is_same_v<T, float>) {
    // One integer comparison: shifted left, the sign is gone, zero is 0, and inf and nan are at
    // or above the all-ones exponent; 0 - 1 wraps to the top, so both ends fail one test.
    using Bits = std::conditional_t<std::is_same_v<T, double>, std::uint64_t, std::uint32_t>;
    constexpr int kMantissa = std::numeric_limits<T>::digits - 1;  // 52 or 23
    constexpr Bits kInfinity = (Bits(1) << (8 * sizeof(T) - 1)) - (Bits(1) << kMantissa);
    const Bits magnitude = static_cast<Bits>(std::bit_cast<Bits>(d) << 1);
    return static_cast<Bits>(magnitude - 1) < static_cast<Bits>((kInfinity << 1) - 1);
  } else if constexpr (std::is_floating_point_v<T>) {
    return d != 0 && d - d == 0;  // inf - inf and nan - nan are nan
  } else {
    return d != 0;
  }
}

// Both plain, tested without a branch between the two (one branch for both at the call site).
template <class T>
constexpr bool both_plain(const T& a, const T& b) noexcept {
  return (static_cast<unsigned>(plain_factor(a)) & static_cast<unsigned>(plain_factor(b))) != 0;
}

// d · t, except that an exactly zero factor makes the product exactly zero (see above).
template <Arithmetic T>
constexpr T chain_product(T d, T t) noexcept {
  return (d == 0 || t == 0) ? T(0) : d * t;
}

// t / q, the tangent t times the partial 1 / q, with the same care: zero when t is zero or q is
// infinite (the partial is then 0).
template <Arithmetic T>
constexpr T chain_quotient(T t, T q) noexcept {
  if constexpr (std::is_floating_point_v<T>) {
    if (t == 0 || q == std::numeric_limits<T>::infinity() ||
        q == -std::numeric_limits<T>::infinity()) {
      return T(0);
    }
  }
  return t / q;
}

}  // namespace nabla
