// Scalar concepts shared by every mode.
//
// nabla's modes are scalar types that nest: Dual<Dual<double>> holds doubles two levels down.
// Code that must look through the nesting -- comparisons, IEEE checks, printing -- asks for the
// *passive value*: the plain number at the bottom. Each active type provides an overload of
// `passive_value` found by argument-dependent lookup; this header provides the base case.
#pragma once

#include <concepts>
#include <type_traits>

namespace nabla {

// A built-in number: what `2`, `2.0f` and `2.0` are in user code.
template <class T>
concept Arithmetic = std::is_arithmetic_v<T>;

template <Arithmetic T>
constexpr T passive_value(T x) noexcept {
  return x;
}

// Exactly zero in every component. Active types overload it (a Dual is zero when its value and
// every tangent are), so that "this tangent or adjoint moves nothing" is a question every mode
// can ask without comparing values alone.
template <Arithmetic T>
constexpr bool is_zero(T x) noexcept {
  return x == 0;
}

// The plain number type at the bottom of a nest of active scalars (double for Dual<Dual<double>>).
template <class T>
struct passive_type {
  using type = T;
};
template <class T>
using passive_type_t = typename passive_type<T>::type;

}  // namespace nabla
