// The derivatives of a generic scalar function, each by the mode that suits the question:
//
//   nabla::derivative(f, x)        f: R -> R                 forward mode, one Dual pass
//   nabla::gradient(f, x)          f: R^n -> R               reverse mode, one sweep for any n
//   nabla::value_and_gradient      the same, with f(x)
//   nabla::jacobian(f, x)          f: R^n -> R^m             forward when n <= m, else reverse
//   nabla::jvp(f, x, v)            J v                       forward mode, one pass
//   nabla::hvp(f, x, v)            H v                       forward over reverse, one sweep
//   nabla::hessian(f, x)           H, dense                  forward over reverse, sparse
//                                                            colouring when H's pattern allows
//   nabla::sparse_hessian(f, x)    H, as Eigen::SparseMatrix forward over reverse, coloured
//
// These forward to nabla::forward:: and nabla::reverse::, which remain for control (a chunk size,
// a mode chosen on purpose); nabla::numeric:: and nabla::sym:: are never chosen by default. The
// point may be a braced list, std::vector, std::array, std::span or an Eigen vector, as in every
// driver (nabla/core/arguments.hpp). A Tensor point is the tensor engine's question instead:
// nabla::hessian(f, tensor) and nabla::hvp(f, tensor, v) are declared in
// nabla/tensor/variable.hpp, and the overloads here step aside for it.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <concepts>
#include <initializer_list>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/arguments.hpp"
#include "nabla/forward/drivers.hpp"
#include "nabla/reverse/drivers.hpp"

namespace nabla {

class Tensor;

namespace detail {
// A point of the scalar modes: anything but a Tensor (which the tensor engine's overloads take).
template <class X>
concept ScalarPoint = !std::same_as<std::remove_cvref_t<X>, Tensor>;
}  // namespace detail

template <class F>
double derivative(F&& f, double x) {
  return forward::derivative(f, x);
}

template <class F, detail::ScalarPoint X>
auto gradient(F&& f, const X& x) {
  return reverse::gradient(f, x);
}
template <class F>
auto gradient(F&& f, std::initializer_list<double> x) {
  return reverse::gradient(f, std::vector<double>(x));
}

template <class F, detail::ScalarPoint X>
auto value_and_gradient(F&& f, const X& x) {
  return reverse::value_and_gradient(f, x);
}
template <class F>
auto value_and_gradient(F&& f, std::initializer_list<double> x) {
  return reverse::value_and_gradient(f, std::vector<double>(x));
}

// One evaluation on doubles tells m; then forward mode costs ceil(n / 8) passes of 8 tangents
// and reverse mode one recording and m sweeps, so forward wins while n <= m.
template <class F, detail::ScalarPoint X>
Eigen::MatrixXd jacobian(F&& f, const X& x) {
  const std::vector<double> values = to_values(x);
  const std::size_t m = output_count<double>(invoke_at<X, double>(f, values));
  if (values.size() <= m) return forward::jacobian(f, x);
  return reverse::jacobian(f, x);
}
template <class F>
Eigen::MatrixXd jacobian(F&& f, std::initializer_list<double> x) {
  return jacobian(f, std::vector<double>(x));
}

template <class F, detail::ScalarPoint X, class V>
auto jvp(F&& f, const X& x, const V& v) {
  return forward::jvp(f, x, v);
}
template <class F>
auto jvp(F&& f, std::initializer_list<double> x, std::initializer_list<double> v) {
  return forward::jvp(f, std::vector<double>(x), std::vector<double>(v));
}

template <class F, detail::ScalarPoint X, class V>
auto hvp(F&& f, const X& x, const V& v) {
  return reverse::hvp(f, x, v);
}
template <class F>
auto hvp(F&& f, std::initializer_list<double> x, std::initializer_list<double> v) {
  return reverse::hvp(f, std::vector<double>(x), std::vector<double>(v));
}

template <class F, detail::ScalarPoint X>
Eigen::MatrixXd hessian(F&& f, const X& x) {
  return reverse::hessian(f, x);
}
template <class F>
Eigen::MatrixXd hessian(F&& f, std::initializer_list<double> x) {
  return reverse::hessian(f, std::vector<double>(x));
}

template <class F, detail::ScalarPoint X>
Eigen::SparseMatrix<double> sparse_hessian(F&& f, const X& x) {
  return reverse::sparse_hessian(f, x);
}
template <class F>
Eigen::SparseMatrix<double> sparse_hessian(F&& f, std::initializer_list<double> x) {
  return reverse::sparse_hessian(f, std::vector<double>(x));
}

}  // namespace nabla
