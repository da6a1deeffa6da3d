// Eigen interop: Eigen::Matrix<Dual<double>, ...> is an ordinary Eigen matrix.
//
// Eigen learns about a scalar type through NumTraits (precision, cost model) and
// ScalarBinaryOpTraits (which mixed products are allowed). With these, products, LU, QR and LLT
// decompositions run on dual numbers, and differentiating through a linear solve is ordinary
// Eigen code. Mixed expressions with plain doubles (MatrixXd * Matrix<Dual>) are allowed.
// <Eigen/Dense> comes with this header (and so with nabla/nabla.hpp): the decompositions are
// what the interop is for, and a solve should not need an include the reader has to guess.
#pragma once

#include <Eigen/Dense>

#include "nabla/forward/dual.hpp"

namespace nabla::detail {

// NumTraits of an active scalar A over value type T: the limits are T's, as A values; the costs
// are T's times what one operation on A does (`read`, `add`, `multiply` T operations).
template <class A, class T, int read, int add, int multiply>
struct ActiveNumTraits : Eigen::NumTraits<T> {
  using Real = A;
  using NonInteger = A;
  using Nested = A;
  using Literal = A;

  enum {
    IsComplex = 0,
    IsInteger = 0,
    IsSigned = 1,
    RequireInitialization = 1,
    ReadCost = read * Eigen::NumTraits<T>::ReadCost,
    AddCost = add * Eigen::NumTraits<T>::AddCost,
    MulCost = multiply * Eigen::NumTraits<T>::MulCost,
  };

  static Real epsilon() { return Real(Eigen::NumTraits<T>::epsilon()); }
  static Real dummy_precision() { return Real(Eigen::NumTraits<T>::dummy_precision()); }
  static Real highest() { return Real(Eigen::NumTraits<T>::highest()); }
  static Real lowest() { return Real(Eigen::NumTraits<T>::lowest()); }
  static Real infinity() { return Real(Eigen::NumTraits<T>::infinity()); }
  static Real quiet_NaN() { return Real(Eigen::NumTraits<T>::quiet_NaN()); }
};

}  // namespace nabla::detail

namespace Eigen {

// A dual operation costs the value's operation plus N more on the tangents (a product, 2N + 1
// multiplications and N additions).
template <class T, int N>
struct NumTraits<nabla::Dual<T, N>>
    : nabla::detail::ActiveNumTraits<nabla::Dual<T, N>, T, N + 1, N + 1, 3 * N + 1> {};

template <class T, int N, typename BinaryOp>
struct ScalarBinaryOpTraits<nabla::Dual<T, N>, T, BinaryOp> {
  using ReturnType = nabla::Dual<T, N>;
};
template <class T, int N, typename BinaryOp>
struct ScalarBinaryOpTraits<T, nabla::Dual<T, N>, BinaryOp> {
  using ReturnType = nabla::Dual<T, N>;
};

}  // namespace Eigen
