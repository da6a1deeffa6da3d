// How a user's function takes its inputs, and how its outputs are read.
//
// Every driver (numeric::gradient, forward::jacobian, ...) receives a callable f and a point x,
// and must call f with x converted to its own scalar type S (double, Dual, ...). The same f
// should work unchanged in every mode, in any of these forms:
//
//   [](auto x, auto y) { ... }                       separate scalars (2 to 16 of them)
//   [](const auto& v) { ... v[0] ... v.size() ... }  a container: receives std::vector<S>
//   template <class T> T f(std::span<const T> v)     a span
//   template <class T> T f(const Eigen::Matrix<T, Eigen::Dynamic, 1>& v)   an Eigen vector
//                                                  (of the point's compile-time size)
//
// The point x may be a std::vector, std::array, std::span or an Eigen column vector; with an
// Eigen x, f receives an Eigen vector of S of the same compile-time size. f may return one
// scalar or a container of them (std::vector, std::array, Eigen vector).
//
// The forms are tried in that order. Separate scalars come first because asking whether a
// two-parameter generic lambda accepts one argument never instantiates its body; asking
// whether `[](auto x) { return sin(x); }` accepts a vector would, and fail to compile. So a
// single-variable f written for scalars belongs with derivative(), not gradient().
//
// This header is std-only: an Eigen vector is recognised by its shape (Scalar,
// RowsAtCompileTime, the Matrix template's six parameters), not by including Eigen.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace nabla {

// Thrown when a point and a function disagree on the number of inputs, or arguments are
// otherwise malformed; the message names both sizes.
class ArgumentError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

namespace detail {

// Eigen::Matrix<Scalar, Rows, Cols, Options, MaxRows, MaxCols> with another Scalar.
template <class X, class S>
struct rebind_eigen {};
template <template <class, int, int, int, int, int> class M, class T, int R, int C, int O, int MR,
          int MC, class S>
struct rebind_eigen<M<T, R, C, O, MR, MC>, S> {
  using type = M<S, R, C, O, MR, MC>;
};

template <class X>
concept EigenVector = requires {
  typename X::Scalar;
  X::RowsAtCompileTime;
  X::ColsAtCompileTime;
  requires X::ColsAtCompileTime == 1;
  typename rebind_eigen<X, double>::type;
};

// f accepts an Eigen vector of S shaped like X (a conjunction, so nothing is rebound for a
// non-Eigen X).
template <class F, class X, class S>
concept InvocableWithEigenVector =
    EigenVector<X> && std::is_invocable_v<F&, const typename rebind_eigen<X, S>::type&>;

template <class X>
concept IndexableVector = requires(const X& x, std::size_t i) {
  { x.size() } -> std::convertible_to<std::size_t>;
  x[i];
};

template <class F, class S, std::size_t... I>
constexpr bool invocable_with_scalars(std::index_sequence<I...>) {
  return std::is_invocable_v<F&, decltype((void)I, std::declval<const S&>())...>;
}

// The number of separate scalar parameters f takes, 2..16, or 0 if none of those.
template <class F, class S, std::size_t K = 2>
constexpr std::size_t scalar_arity() {
  if constexpr (K > 16) {
    return 0;
  } else if constexpr (invocable_with_scalars<F, S>(std::make_index_sequence<K>{})) {
    return K;
  } else {
    return scalar_arity<F, S, K + 1>();
  }
}

inline void require_size(std::size_t expected, std::size_t actual) {
  if (expected != actual) {
    throw ArgumentError("the function takes " + std::to_string(expected) +
                        " scalar arguments but the point has " + std::to_string(actual) +
                        " entries");
  }
}

template <class F, class S, std::size_t... I>
decltype(auto) call_with_scalars(F& f, const std::vector<S>& args, std::index_sequence<I...>) {
  return f(args[I]...);
}

}  // namespace detail

// Calls f with `args` (the point converted to scalar type S), in the form f accepts. X is the
// type of the user's point, which decides between an Eigen vector and a std::vector.
template <class X, class S, class F>
decltype(auto) invoke_at(F& f, const std::vector<S>& args) {
  constexpr std::size_t arity = detail::scalar_arity<F, S>();
  if constexpr (arity != 0) {
    detail::require_size(arity, args.size());
    return detail::call_with_scalars(f, args, std::make_index_sequence<arity>{});
  } else if constexpr (detail::InvocableWithEigenVector<F, X, S>) {
    using Vector = typename detail::rebind_eigen<X, S>::type;
    Vector v;
    if constexpr (Vector::RowsAtCompileTime < 0) {
      v.resize(static_cast<typename Vector::Index>(args.size()));
    } else {
      detail::require_size(Vector::RowsAtCompileTime, args.size());
    }
    for (std::size_t i = 0; i < args.size(); ++i)
      v[static_cast<typename Vector::Index>(i)] = args[i];
    // v dies here, so the result must not refer to it: an Eigen expression such as 2.0 * v is
    // evaluated into a matrix, and anything else is copied out.
    // (A plain matrix's eval() is a reference to itself, hence the copy into its own type.)
    if constexpr (requires { f(static_cast<const Vector&>(v)).eval(); }) {
      using Evaluated = std::remove_cvref_t<decltype(f(static_cast<const Vector&>(v)).eval())>;
      return Evaluated(f(static_cast<const Vector&>(v)).eval());
    } else {
      return std::remove_cvref_t<decltype(f(static_cast<const Vector&>(v)))>(
          f(static_cast<const Vector&>(v)));
    }
  } else if constexpr (std::is_invocable_v<F&, const std::vector<S>&>) {
    return f(args);
  } else if constexpr (std::is_invocable_v<F&, std::span<const S>>) {
    return f(std::span<const S>(args));
  } else if constexpr (std::is_invocable_v<F&, const S&>) {
    detail::require_size(1, args.size());
    return f(args[0]);
  } else {
    static_assert(arity != 0,
                  "nabla: cannot call this function with the point: it must take separate scalars "
                  "(2 to 16), a std::vector, a std::span or an Eigen vector of a generic scalar "
                  "type (see nabla/core/arguments.hpp)");
  }
}

// The entries of a point (or of any vector of numbers) as doubles, the drivers' working type.
template <class X>
std::vector<double> to_values(const X& x) {
  static_assert(detail::IndexableVector<X>,
                "nabla: a point must be a vector of numbers: std::vector, std::array, std::span "
                "or an Eigen vector");
  std::vector<double> values(static_cast<std::size_t>(x.size()));
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = static_cast<double>(x[i]);
  return values;
}

template <class X>
struct is_std_array : std::false_type {};
template <class T, std::size_t N>
struct is_std_array<std::array<T, N>> : std::true_type {};

// A vector of results shaped like the point x: an Eigen vector of T for an Eigen x (same
// compile-time size), a std::array<T, N> for a std::array x (no allocation), a std::vector<T>
// otherwise. Gradients are returned this way.
template <class X, class T>
auto shaped_like(const X&, std::vector<T> values) {
  if constexpr (detail::EigenVector<X>) {
    using Vector = typename detail::rebind_eigen<X, T>::type;
    Vector v;
    if constexpr (Vector::RowsAtCompileTime < 0) {
      v = Vector::Zero(static_cast<typename Vector::Index>(values.size()));
    } else {
      detail::require_size(Vector::RowsAtCompileTime, values.size());
      v = Vector::Zero();
    }
    for (std::size_t i = 0; i < values.size(); ++i)
      v[static_cast<typename Vector::Index>(i)] = values[i];
    return v;
  } else if constexpr (is_std_array<X>::value) {
    std::array<T, std::tuple_size_v<X>> array{};
    detail::require_size(array.size(), values.size());
    std::copy(values.begin(), values.end(), array.begin());
    return array;
  } else {
    return values;
  }
}

// A scalar-valued function's result, as S; a clear compile error for a vector-valued one.
template <class S, class R>
S scalar_result(const R& result) {
  static_assert(std::is_convertible_v<const R&, const S&>,
                "nabla: this driver needs a scalar-valued function; use jacobian for a "
                "vector-valued one");
  return result;
}

// Reading a function's result: one scalar, or a container of them.
template <class S, class R>
std::size_t output_count(const R& result) {
  if constexpr (std::is_convertible_v<const R&, const S&>) {
    return 1;
  } else {
    static_assert(detail::IndexableVector<R>,
                  "nabla: the function must return a scalar or a vector of scalars");
    return static_cast<std::size_t>(result.size());
  }
}

template <class S, class R>
S output_at(const R& result, std::size_t i) {
  if constexpr (std::is_convertible_v<const R&, const S&>) {
    (void)i;
    return result;
  } else {
    return result[i];
  }
}

}  // namespace nabla
