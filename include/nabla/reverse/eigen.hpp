// Eigen interop for reverse mode: Eigen::Matrix<Var, ...> is an ordinary Eigen matrix, and every
// operation Eigen performs on its entries is recorded, so solves and decompositions
// differentiate like any other code.
#pragma once

#include <Eigen/Core>

#include "nabla/forward/eigen.hpp"  // ActiveNumTraits
#include "nabla/reverse/sparsity.hpp"
#include "nabla/reverse/var.hpp"

namespace Eigen {

// Each operation is a value operation plus a recorded statement, about four times its cost.
template <class T>
struct NumTraits<nabla::BasicVar<T>>
    : nabla::detail::ActiveNumTraits<nabla::BasicVar<T>, T, 2, 4, 4> {};

template <class T, typename BinaryOp>
struct ScalarBinaryOpTraits<nabla::BasicVar<T>, T, BinaryOp> {
  using ReturnType = nabla::BasicVar<T>;
};
template <class T, typename BinaryOp>
struct ScalarBinaryOpTraits<T, nabla::BasicVar<T>, BinaryOp> {
  using ReturnType = nabla::BasicVar<T>;
};

// Hessian sparsity detection traces f on SparsityTracer, so Eigen code in f meets it too.
template <>
struct NumTraits<nabla::SparsityTracer>
    : nabla::detail::ActiveNumTraits<nabla::SparsityTracer, double, 2, 2, 2> {};
template <typename BinaryOp>
struct ScalarBinaryOpTraits<nabla::SparsityTracer, double, BinaryOp> {
  using ReturnType = nabla::SparsityTracer;
};
template <typename BinaryOp>
struct ScalarBinaryOpTraits<double, nabla::SparsityTracer, BinaryOp> {
  using ReturnType = nabla::SparsityTracer;
};

}  // namespace Eigen
