// Eigen interop for reverse mode: Eigen::Matrix<Var, ...> is an ordinary Eigen matrix, and every
// operation Eigen performs on its entries is recorded, so solves and decompositions
// differentiate like any other code.
#pragma once

#include <Eigen/Core>

#include "nabla/reverse/var.hpp"

namespace Eigen {

template <class T>
struct NumTraits<nabla::BasicVar<T>> : NumTraits<T> {
  using Real = nabla::BasicVar<T>;
  using NonInteger = nabla::BasicVar<T>;
  using Nested = nabla::BasicVar<T>;
  using Literal = nabla::BasicVar<T>;

  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    // Each operation is a value operation plus a recorded statement.
    ReadCost = 2 * NumTraits<T>::ReadCost,
    AddCost = 4 * NumTraits<T>::AddCost,
    MulCost = 4 * NumTraits<T>::MulCost,
  };

  static Real epsilon() { return Real(NumTraits<T>::epsilon()); }
  static Real dummy_precision() { return Real(NumTraits<T>::dummy_precision()); }
  static Real highest() { return Real(NumTraits<T>::highest()); }
  static Real lowest() { return Real(NumTraits<T>::lowest()); }
  static Real infinity() { return Real(NumTraits<T>::infinity()); }
  static Real quiet_NaN() { return Real(NumTraits<T>::quiet_NaN()); }
};

template <class T, typename BinaryOp>
struct ScalarBinaryOpTraits<nabla::BasicVar<T>, T, BinaryOp> {
  using ReturnType = nabla::BasicVar<T>;
};
template <class T, typename BinaryOp>
struct ScalarBinaryOpTraits<T, nabla::BasicVar<T>, BinaryOp> {
  using ReturnType = nabla::BasicVar<T>;
};

}  // namespace Eigen
