// Reverse-mode derivatives of a generic function: gradient, jacobian, hvp, hessian.
//
// Each driver opens its own Recording (nabla/reverse/tape.hpp), so it never disturbs variables
// the caller has on the thread's tape, and reuses the thread's tape memory from call to call.
//   gradient, value_and_gradient   one recording, one backward sweep, whatever n is
//   jacobian                       one recording, one sweep per output (m sweeps)
//   hvp                            one recording of BasicVar<Dual<double>>: ∇f and H v together
//   hessian                        forward over reverse: recordings of BasicVar<Dual<double, N>>,
//                                  each giving N columns of H, or N colours of columns that
//                                  share no row when f's Hessian pattern is sparse
//   sparse_hessian                 the same, as an Eigen::SparseMatrix, for large sparse H
// f is the same generic callable that runs on double and Dual (nabla/core/arguments.hpp).
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <algorithm>
#include <cstddef>
#include <initializer_list>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/arguments.hpp"
#include "nabla/forward/dual.hpp"
#include "nabla/reverse/sparsity.hpp"
#include "nabla/reverse/var.hpp"

namespace nabla::reverse {

inline constexpr int kDefaultHessianChunk = 8;

namespace detail {

template <class X>
void require_vector() {
  static_assert(nabla::detail::IndexableVector<X>,
                "nabla: a point must be a vector of numbers: std::vector, std::array, std::span "
                "or an Eigen vector");
}

}  // namespace detail

// f(x) and ∇f(x) from one recording and one backward sweep.
template <class F, class X>
auto value_and_gradient(F&& f, const X& x) {
  detail::require_vector<X>();
  Recording recording;
  const std::vector<Var> args = Var::inputs(x);
  const Var y = nabla::scalar_result<Var>(invoke_at<X, Var>(f, args));
  y.backward();
  // The inputs are statements first, first + 1, ...: their adjoints are read straight off the
  // tape.
  const Index first = args.empty() ? 0 : args.front().index();
  std::vector<double> gradient(args.size());
  recording.tape().copy_adjoints(first, args.size(), gradient.data());
  return std::pair{y.value(), shaped_like(x, std::move(gradient))};
}

template <class F, class X>
auto gradient(F&& f, const X& x) {
  return value_and_gradient(f, x).second;
}

// The m x n Jacobian: one recording, then one backward sweep per output.
template <class F, class X>
Eigen::MatrixXd jacobian(F&& f, const X& x) {
  detail::require_vector<X>();
  Recording recording;
  const std::vector<Var> args = Var::inputs(x);
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

namespace detail {

// f's Hessian pattern at `values`, traced once (see nabla/reverse/sparsity.hpp).
template <class X, class F>
std::optional<SparsityPattern> trace_hessian_pattern(F& f, const std::vector<double>& values,
                                                     std::optional<std::size_t> max_pairs) {
  PatternRecording recording;
  std::vector<SparsityTracer> args;
  args.reserve(values.size());
  for (double v : values) args.push_back(SparsityTracer::input(v));
  const SparsityTracer y =
      nabla::scalar_result<SparsityTracer>(invoke_at<X, SparsityTracer>(f, args));
  return hessian_pattern(recording.tape(), values.size(), y.index(), max_pairs);
}

// One recording of forward over reverse in which input i carries the unit tangent
// e_{direction(i)} (none where direction(i) is outside [0, N)): the adjoint of input i then
// holds row i of H S, where S's columns are those directions. Calls read(i, adjoint) for each i.
template <int N, class X, class F, class Direction, class Read>
void hessian_pass(F& f, const std::vector<double>& values, Direction direction, Read read) {
  using Inner = Dual<double, N>;
  using S = BasicVar<Inner>;
  BasicRecording<Inner> recording;
  std::vector<S> args;
  args.reserve(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    Inner seeded(values[i]);
    const std::ptrdiff_t k = direction(i);
    if (k >= 0 && k < N) seeded.tangent(static_cast<int>(k)) = 1;
    args.emplace_back(seeded);
  }
  const S y = nabla::scalar_result<S>(invoke_at<X, S>(f, args));
  y.backward();
  for (std::size_t i = 0; i < values.size(); ++i) read(i, args[i].grad());
}

// The entries of H in `pattern`, one pass per N colours: calls store(i, j, H_ij).
template <int N, class X, class F, class Store>
void compressed_hessian(F& f, const std::vector<double>& values, const SparsityPattern& pattern,
                        const Colouring& colouring, Store store) {
  for (Index first = 0; first < colouring.count; first += N) {
    const auto local = [&](std::size_t j) {
      return static_cast<std::ptrdiff_t>(colouring.colour[j]) - static_cast<std::ptrdiff_t>(first);
    };
    hessian_pass<N, X>(f, values, local, [&](std::size_t i, const Dual<double, N>& adjoint) {
      for (std::size_t p = pattern.row_start[i]; p < pattern.row_start[i + 1]; ++p) {
        const std::size_t j = pattern.columns[p];
        const std::ptrdiff_t k = local(j);
        if (k >= 0 && k < N) store(i, j, adjoint.tangent(static_cast<int>(k)));
      }
    });
  }
}

// compressed_hessian with N lanes, or 4 when that is enough (a banded Hessian's few colours
// would otherwise pay for N - 4 idle lanes in every operation).
template <int N, class X, class F, class Store>
void coloured_hessian(F& f, const std::vector<double>& values, const SparsityPattern& pattern,
                      const Colouring& colouring, Store store) {
  if constexpr (N > 4) {
    if (colouring.count <= 4) return compressed_hessian<4, X>(f, values, pattern, colouring, store);
  }
  compressed_hessian<N, X>(f, values, pattern, colouring, store);
}

inline void require_pattern_size(const SparsityPattern& pattern, std::size_t n) {
  if (pattern.n != n) {
    throw ArgumentError("the sparsity pattern is " + std::to_string(pattern.n) + " x " +
                        std::to_string(pattern.n) + " but the point has " + std::to_string(n) +
                        " entries");
  }
}

}  // namespace detail

// Which entries of f's Hessian at x can be non-zero (the path f takes at x; see
// nabla/reverse/sparsity.hpp). Symmetric, both triangles stored.
template <class F, class X>
SparsityPattern hessian_sparsity(F&& f, const X& x) {
  return *detail::trace_hessian_pattern<X>(f, to_values(x), std::nullopt);
}

// The Hessian as a sparse matrix: its pattern traced, its columns coloured, then one
// Hessian-vector product per colour (N colours per recording; 4 when there are no more). For a
// banded or block-diagonal Hessian the cost grows with n only as a gradient's does.
template <int N = kDefaultHessianChunk, class F, class X>
Eigen::SparseMatrix<double> sparse_hessian(F&& f, const X& x, const SparsityPattern& pattern) {
  const auto values = to_values(x);
  detail::require_pattern_size(pattern, values.size());
  const Colouring colouring = colour_columns(pattern);
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(pattern.nonzeros());
  detail::coloured_hessian<N, X>(
      f, values, pattern, colouring, [&](std::size_t i, std::size_t j, double value) {
        entries.emplace_back(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j), value);
      });
  const auto n = static_cast<Eigen::Index>(values.size());
  Eigen::SparseMatrix<double> H(n, n);
  H.setFromTriplets(entries.begin(), entries.end());
  return H;
}
template <int N = kDefaultHessianChunk, class F, class X>
Eigen::SparseMatrix<double> sparse_hessian(F&& f, const X& x) {
  return sparse_hessian<N>(f, x, hessian_sparsity(f, x));
}

// The dense n x n Hessian by forward over reverse, N columns of H per recording. When n > N,
// f's Hessian pattern is traced first and columns that share no row are computed together
// (sparse_hessian); a pattern more than about half full is abandoned for the plain dense way.
template <int N = kDefaultHessianChunk, class F, class X>
Eigen::MatrixXd hessian(F&& f, const X& x) {
  const auto values = to_values(x);
  const std::size_t n = values.size();
  const auto size = static_cast<Eigen::Index>(n);
  if (n > static_cast<std::size_t>(N)) {
    const auto pattern = detail::trace_hessian_pattern<X>(f, values, n * n / 4);
    if (pattern) {
      Eigen::MatrixXd H = Eigen::MatrixXd::Zero(size, size);
      detail::coloured_hessian<N, X>(f, values, *pattern, colour_columns(*pattern),
                                     [&](std::size_t i, std::size_t j, double value) {
                                       H(static_cast<Eigen::Index>(i),
                                         static_cast<Eigen::Index>(j)) = value;
                                     });
      return H;
    }
  }
  Eigen::MatrixXd H(size, size);
  for (std::size_t column = 0; column < n; column += N) {
    detail::hessian_pass<N, X>(
        f, values,
        [&](std::size_t i) {
          return static_cast<std::ptrdiff_t>(i) - static_cast<std::ptrdiff_t>(column);
        },
        [&](std::size_t i, const Dual<double, N>& adjoint) {
          const std::size_t width = std::min<std::size_t>(N, n - column);
          for (std::size_t k = 0; k < width; ++k) {
            H(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(column + k)) =
                adjoint.tangent(static_cast<int>(k));
          }
        });
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
template <class F>
SparsityPattern hessian_sparsity(F&& f, std::initializer_list<double> x) {
  return hessian_sparsity(f, std::vector<double>(x));
}
template <int N = kDefaultHessianChunk, class F>
Eigen::SparseMatrix<double> sparse_hessian(F&& f, std::initializer_list<double> x) {
  return sparse_hessian<N>(f, std::vector<double>(x));
}

}  // namespace nabla::reverse
