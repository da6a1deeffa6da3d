// Forward-mode derivatives of a generic function: derivative, jvp, gradient, jacobian, hessian.
//
// Each driver runs f on dual numbers. One pass with Dual<double, N> yields N directional
// derivatives, so
//   derivative, jvp          1 pass
//   gradient, jacobian       ceil(n / N) passes (chunks of N inputs seeded at once)
//   hessian                  ceil(n / N) (ceil(n / N) + 1) / 2 passes of Dual<Dual<double, N>, N>
//                            (forward over forward, one pass per pair of chunks i <= j)
//   derivative<K>            1 pass of Taylor<double, K>
// N is the chunk size, a template argument (default kDefaultChunk): gradient<16>(f, x).
// Forward mode costs O(n) passes for a gradient; for many inputs and one output reverse mode
// is the better choice.
//
// f is any callable generic over its scalar type, in the forms of nabla/core/arguments.hpp
// (separate scalars, std::vector, std::span, Eigen vector). Gradients come back shaped like the
// point (std::vector<double> or an Eigen vector); Jacobians and Hessians as Eigen::MatrixXd.
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <array>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/arguments.hpp"
#include "nabla/forward/dual.hpp"
#include "nabla/forward/taylor.hpp"

namespace nabla::forward {

inline constexpr int kDefaultChunk = 8;

namespace detail {

inline void require_same_size(const char* what, std::size_t expected, std::size_t actual) {
  if (expected != actual) {
    throw ArgumentError(std::string(what) + " has " + std::to_string(actual) +
                        " entries but the point has " + std::to_string(expected));
  }
}

}  // namespace detail

// f^(K)(x), the K-th derivative of a function of one variable (K = 1 by default).
// K = 1 runs on Dual<double>, higher K on Taylor<double, K>.
template <int K = 1, class F>
double derivative(F&& f, double x) {
  static_assert(K >= 0, "nabla: the derivative order K must be non-negative");
  if constexpr (K == 1) {
    using S = Dual<double>;
    return nabla::scalar_result<S>(f(S::variable(x))).tangent();
  } else {
    using S = Taylor<double, K>;
    return nabla::scalar_result<S>(f(S::variable(x))).derivative(K);
  }
}

// f(x), f'(x), ..., f^(K)(x) from one Taylor pass.
template <int K, class F>
std::array<double, K + 1> derivatives(F&& f, double x) {
  using S = Taylor<double, K>;
  const S y = nabla::scalar_result<S>(f(S::variable(x)));
  std::array<double, K + 1> result;
  for (int k = 0; k <= K; ++k) result[k] = y.derivative(k);
  return result;
}

// J(x) v, the directional derivative of f at x along v, in one pass. A double for a scalar f,
// a vector (shaped like f's result) for a vector-valued f.
template <class F, class X, class V>
auto jvp(F&& f, const X& x, const V& v) {
  using S = Dual<double>;
  const auto values = to_values(x);
  const auto direction = to_values(v);
  detail::require_same_size("the direction", values.size(), direction.size());
  std::vector<S> args(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) args[i] = S(values[i], direction[i]);
  const auto result = invoke_at<X, S>(f, args);
  using R = std::remove_cvref_t<decltype(result)>;
  if constexpr (std::is_convertible_v<const R&, const S&>) {
    return static_cast<const S&>(result).tangent();
  } else {
    std::vector<double> tangent(output_count<S>(result));
    for (std::size_t i = 0; i < tangent.size(); ++i) tangent[i] = output_at<S>(result, i).tangent();
    return shaped_like(result, std::move(tangent));
  }
}

// f(x) and ∇f(x), from ceil(n / N) passes.
template <int N = kDefaultChunk, class F, class X>
auto value_and_gradient(F&& f, const X& x) {
  using S = Dual<double, N>;
  const auto values = to_values(x);
  const std::size_t n = values.size();
  std::vector<S> args(values.begin(), values.end());
  std::vector<double> gradient(n);
  double value = 0;
  for (std::size_t start = 0; start == 0 || start < n; start += N) {
    const std::size_t width = std::min<std::size_t>(N, n - start);
    for (std::size_t a = 0; a < width; ++a) args[start + a].tangent(static_cast<int>(a)) = 1;
    const S y = nabla::scalar_result<S>(invoke_at<X, S>(f, args));
    value = y.value();
    for (std::size_t a = 0; a < width; ++a) {
      gradient[start + a] = y.tangent(static_cast<int>(a));
      args[start + a].tangent(static_cast<int>(a)) = 0;
    }
    if (n == 0) break;
  }
  return std::pair{value, shaped_like(x, std::move(gradient))};
}

template <int N = kDefaultChunk, class F, class X>
auto gradient(F&& f, const X& x) {
  return value_and_gradient<N>(f, x).second;
}

// The m x n Jacobian of f: R^n -> R^m, from ceil(n / N) passes.
template <int N = kDefaultChunk, class F, class X>
Eigen::MatrixXd jacobian(F&& f, const X& x) {
  using S = Dual<double, N>;
  const auto values = to_values(x);
  const std::size_t n = values.size();
  std::vector<S> args(values.begin(), values.end());
  std::size_t m = 0;
  std::vector<double> entries;  // column-major m x n, sized once the first pass tells m
  for (std::size_t start = 0; start == 0 || start < n; start += N) {
    const std::size_t width = std::min<std::size_t>(N, n - start);
    for (std::size_t a = 0; a < width; ++a) args[start + a].tangent(static_cast<int>(a)) = 1;
    const auto result = invoke_at<X, S>(f, args);
    if (start == 0) {
      m = output_count<S>(result);
      entries.assign(m * n, 0.0);
    } else if (output_count<S>(result) != m) {
      throw ArgumentError("the function returned " + std::to_string(output_count<S>(result)) +
                          " outputs, after " + std::to_string(m) + " on its first call");
    }
    for (std::size_t i = 0; i < m; ++i) {
      const S y = output_at<S>(result, i);
      for (std::size_t a = 0; a < width; ++a) {
        entries[(start + a) * m + i] = y.tangent(static_cast<int>(a));
      }
    }
    for (std::size_t a = 0; a < width; ++a) args[start + a].tangent(static_cast<int>(a)) = 0;
    if (n == 0) break;
  }
  return Eigen::Map<const Eigen::MatrixXd>(entries.data(), static_cast<Eigen::Index>(m),
                                           static_cast<Eigen::Index>(n));
}

// The n x n Hessian of a scalar f, forward over forward. Chunk pairs (i, j) with i <= j only:
// the Hessian is symmetric, and the lower triangle is copied from the upper.
template <int N = kDefaultChunk, class F, class X>
Eigen::MatrixXd hessian(F&& f, const X& x) {
  using Inner = Dual<double, N>;
  using S = Dual<Inner, N>;
  const auto values = to_values(x);
  const std::size_t n = values.size();
  std::vector<S> args(n);
  Eigen::MatrixXd H(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  for (std::size_t row = 0; row < n; row += N) {
    const std::size_t rows = std::min<std::size_t>(N, n - row);
    for (std::size_t column = row; column < n; column += N) {
      const std::size_t columns = std::min<std::size_t>(N, n - column);
      for (std::size_t k = 0; k < n; ++k) args[k] = S(Inner(values[k]));
      // Inner tangents select the row block, outer tangents the column block:
      // f(x + ε₁ e_r + ε₂ e_c) has ∂²f/∂x_r∂x_c as its ε₁ε₂ coefficient.
      for (std::size_t a = 0; a < rows; ++a) args[row + a].value().tangent(static_cast<int>(a)) = 1;
      for (std::size_t b = 0; b < columns; ++b)
        args[column + b].tangent(static_cast<int>(b)) = Inner(1);
      const S y = nabla::scalar_result<S>(invoke_at<X, S>(f, args));
      for (std::size_t a = 0; a < rows; ++a) {
        for (std::size_t b = 0; b < columns; ++b) {
          const double h = y.tangent(static_cast<int>(b)).tangent(static_cast<int>(a));
          const auto r = static_cast<Eigen::Index>(row + a);
          const auto c = static_cast<Eigen::Index>(column + b);
          H(r, c) = h;
          H(c, r) = h;
        }
      }
    }
  }
  return H;
}

// Braced points: gradient(f, {3.0, 4.0}).
template <int N = kDefaultChunk, class F>
auto gradient(F&& f, std::initializer_list<double> x) {
  return gradient<N>(f, std::vector<double>(x));
}
template <int N = kDefaultChunk, class F>
auto value_and_gradient(F&& f, std::initializer_list<double> x) {
  return value_and_gradient<N>(f, std::vector<double>(x));
}
template <int N = kDefaultChunk, class F>
Eigen::MatrixXd jacobian(F&& f, std::initializer_list<double> x) {
  return jacobian<N>(f, std::vector<double>(x));
}
template <int N = kDefaultChunk, class F>
Eigen::MatrixXd hessian(F&& f, std::initializer_list<double> x) {
  return hessian<N>(f, std::vector<double>(x));
}
template <class F>
auto jvp(F&& f, std::initializer_list<double> x, std::initializer_list<double> v) {
  return jvp(f, std::vector<double>(x), std::vector<double>(v));
}

}  // namespace nabla::forward
