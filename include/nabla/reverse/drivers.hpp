// Reverse-mode derivatives of a generic function: gradient, jacobian, hvp, hessian.
//
// Each driver opens its own Recording (nabla/reverse/tape.hpp), so it never disturbs variables
// the caller has on the thread's tape, and reuses the thread's tape memory from call to call.
//   gradient, value_and_gradient   one recording, one backward sweep, whatever n is
//   jacobian                       one recording, one sweep per output (m sweeps)
//   hvp                            one recording of BasicVar<Dual<double>>: ∇f and H v together
//   hessian                        forward over reverse: ceil(n / N) recordings of
//                                  BasicVar<Dual<double, N>>, each giving N columns of H
// f is the same generic callable that runs on double and Dual (nabla/core/arguments.hpp).
#pragma once

#include <Eigen/Core>
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/arguments.hpp"
#include "nabla/forward/dual.hpp"
#include "nabla/reverse/var.hpp"

namespace nabla::reverse {

inline constexpr int kDefaultHessianChunk = 8;

namespace detail {

// The point's entries as new variables on the active tape (no intermediate copy: the fixed cost
// of a small gradient is a few allocations).
template <class S, class X>
std::vector<S> inputs(const X& x) {
  static_assert(nabla::detail::IndexableVector<X>,
                "nabla: a point must be a vector of numbers: std::vector, std::array, std::span "
                "or an Eigen vector");
  std::vector<S> args;
  args.reserve(static_cast<std::size_t>(x.size()));
  for (std::size_t i = 0; i < static_cast<std::size_t>(x.size()); ++i) {
    args.emplace_back(static_cast<double>(x[i]));
  }
  return args;
}

}  // namespace detail

// f(x) and ∇f(x) from one recording and one backward sweep.
template <class F, class X>
auto value_and_gradient(F&& f, const X& x) {
  Recording recording;
  const std::vector<Var> args = detail::inputs<Var>(x);
  const Var y = nabla::scalar_result<Var>(invoke_at<X, Var>(f, args));
  y.backward();
  std::vector<double> gradient(args.size());
  for (std::size_t i = 0; i < args.size(); ++i) gradient[i] = args[i].grad();
  return std::pair{y.value(), shaped_like(x, std::move(gradient))};
}

template <class F, class X>
auto gradient(F&& f, const X& x) {
  return value_and_gradient(f, x).second;
}

// The m x n Jacobian: one recording, then one backward sweep per output.
template <class F, class X>
Eigen::MatrixXd jacobian(F&& f, const X& x) {
  Recording recording;
  const std::vector<Var> args = detail::inputs<Var>(x);
  const auto result = invoke_at<X, Var>(f, args);
  const std::size_t m = output_count<Var>(result);
  Eigen::MatrixXd J(static_cast<Eigen::Index>(m), static_cast<Eigen::Index>(args.size()));
  for (std::size_t i = 0; i < m; ++i) {
    output_at<Var>(result, i).backward();
    for (std::size_t j = 0; j < args.size(); ++j) {
      J(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = args[j].grad();
    }
  }
  return J;
}

// H(x) v, the Hessian times a vector, forward over reverse: the inputs carry v as their tangent,
// so the backward sweep's adjoints carry ∇f (values) and H v (tangents).
template <class F, class X, class V>
auto hvp(F&& f, const X& x, const V& v) {
  using S = BasicVar<Dual<double>>;
  const auto values = to_values(x);
  const auto direction = to_values(v);
  if (direction.size() != values.size()) {
    throw ArgumentError("the direction has " + std::to_string(direction.size()) +
                        " entries but the point has " + std::to_string(values.size()));
  }
  BasicRecording<Dual<double>> recording;
  std::vector<S> args;
  args.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i)
    args.emplace_back(Dual<double>(values[i], direction[i]));
  const S y = nabla::scalar_result<S>(invoke_at<X, S>(f, args));
  y.backward();
  std::vector<double> product(args.size());
  for (std::size_t i = 0; i < args.size(); ++i) product[i] = args[i].grad().tangent();
  return shaped_like(x, std::move(product));
}

// The dense n x n Hessian, forward over reverse, N columns per recording.
template <int N = kDefaultHessianChunk, class F, class X>
Eigen::MatrixXd hessian(F&& f, const X& x) {
  using Inner = Dual<double, N>;
  using S = BasicVar<Inner>;
  const auto values = to_values(x);
  const std::size_t n = values.size();
  Eigen::MatrixXd H(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
  std::vector<S> args;
  args.reserve(n);
  for (std::size_t column = 0; column < n; column += N) {
    const std::size_t width = std::min<std::size_t>(N, n - column);
    BasicRecording<Inner> recording;
    args.clear();
    for (std::size_t i = 0; i < n; ++i) {
      Inner seeded(values[i]);
      if (i >= column && i < column + width) seeded.tangent(static_cast<int>(i - column)) = 1;
      args.emplace_back(seeded);
    }
    const S y = nabla::scalar_result<S>(invoke_at<X, S>(f, args));
    y.backward();
    for (std::size_t i = 0; i < n; ++i) {
      const Inner adjoint = args[i].grad();
      for (std::size_t k = 0; k < width; ++k) {
        H(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(column + k)) =
            adjoint.tangent(static_cast<int>(k));
      }
    }
  }
  return H;
}

// Braced points: gradient(f, {3.0, 4.0}).
template <class F>
auto value_and_gradient(F&& f, std::initializer_list<double> x) {
  return value_and_gradient(f, std::vector<double>(x));
}
template <class F>
auto gradient(F&& f, std::initializer_list<double> x) {
  return gradient(f, std::vector<double>(x));
}
template <class F>
Eigen::MatrixXd jacobian(F&& f, std::initializer_list<double> x) {
  return jacobian(f, std::vector<double>(x));
}
template <class F>
auto hvp(F&& f, std::initializer_list<double> x, std::initializer_list<double> v) {
  return hvp(f, std::vector<double>(x), std::vector<double>(v));
}
template <int N = kDefaultHessianChunk, class F>
Eigen::MatrixXd hessian(F&& f, std::initializer_list<double> x) {
  return hessian<N>(f, std::vector<double>(x));
}

}  // namespace nabla::reverse
