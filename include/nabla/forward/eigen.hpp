// Eigen interop: Eigen::Matrix<Dual<double>, ...> is an ordinary Eigen matrix.
//
// Eigen learns about a scalar type through NumTraits (precision, cost model) and
// ScalarBinaryOpTraits (which mixed products are allowed). With these, products, LU, QR and LLT
// decompositions run on dual numbers, and differentiating through a linear solve is ordinary
// Eigen code. Mixed expressions with plain doubles (MatrixXd * Matrix<Dual>) are allowed.
#pragma once

#include <Eigen/Core>

#include "nabla/forward/dual.hpp"

namespace Eigen {

template <class T, int N>
struct NumTraits<nabla::Dual<T, N>> : NumTraits<T> {
  using Real = nabla::Dual<T, N>;
  using NonInteger = nabla::Dual<T, N>;
  using Nested = nabla::Dual<T, N>;
  using Literal = nabla::Dual<T, N>;

  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    // A dual operation costs the value's operation plus N more on the tangents.
    ReadCost = (N + 1) * NumTraits<T>::ReadCost,
    AddCost = (N + 1) * NumTraits<T>::AddCost,
    MulCost = (2 * N + 1) * NumTraits<T>::MulCost + N * NumTraits<T>::AddCost,
  };

  static Real epsilon() { return Real(NumTraits<T>::epsilon()); }
  static Real dummy_precision() { return Real(NumTraits<T>::dummy_precision()); }
  static Real highest() { return Real(NumTraits<T>::highest()); }
  static Real lowest() { return Real(NumTraits<T>::lowest()); }
  static Real infinity() { return Real(NumTraits<T>::infinity()); }
  static Real quiet_NaN() { return Real(NumTraits<T>::quiet_NaN()); }
};

template <class T, int N, typename BinaryOp>
struct ScalarBinaryOpTraits<nabla::Dual<T, N>, T, BinaryOp> {
  using ReturnType = nabla::Dual<T, N>;
};
template <class T, int N, typename BinaryOp>
struct ScalarBinaryOpTraits<T, nabla::Dual<T, N>, BinaryOp> {
  using ReturnType = nabla::Dual<T, N>;
};

}  // namespace Eigen
