#include "nabla/forward/eigen.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>

#include "nabla/forward/drivers.hpp"

namespace {

using nabla::Dual;

// x(p) solves A(p) x = b. Differentiating A x = b gives A x' = -A' x, so
// dx/dp = -A^{-1} (dA/dp) x: the reference the dual-number solve must reproduce.
TEST(EigenInterop, SolutionOfALinearSystemDifferentiatesCorrectly) {
  using D = Dual<double>;
  const double p = 0.7;
  auto A_of = [](auto q) {
    using T = decltype(q);
    Eigen::Matrix<T, 3, 3> A;
    A << 4 + q, 1, 0.5 * q, 1, 3, q * q, 0.5, 1 - q, 5;
    return A;
  };
  const Eigen::Vector3d b(1, 2, 3);
  const Eigen::Matrix3d A = A_of(p);
  const Eigen::Matrix3d dA = A_of(D(p, 1)).unaryExpr([](const D& d) { return d.tangent(); });
  const Eigen::Vector3d x = A.lu().solve(b);
  const Eigen::Vector3d expected = -A.lu().solve(dA * x);

  const Eigen::Matrix<D, 3, 3> Ad = A_of(D(p, 1));
  const Eigen::Matrix<D, 3, 1> bd = b.cast<D>();
  const Eigen::Matrix<D, 3, 1> lu = Ad.partialPivLu().solve(bd);
  const Eigen::Matrix<D, 3, 1> qr = Ad.householderQr().solve(bd);
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(lu(i).value(), x(i), 1e-15);
    EXPECT_NEAR(lu(i).tangent(), expected(i), 1e-14);
    EXPECT_NEAR(qr(i).tangent(), expected(i), 1e-14);
  }
}

TEST(EigenInterop, CholeskySolveOfASymmetricSystemDifferentiates) {
  using D = Dual<double>;
  // A(p) = [[2 + p, 1], [1, 3]] (positive definite), b = (1, 1).
  auto solve = [](const auto& q) {
    using T = std::remove_cvref_t<decltype(q)>;
    Eigen::Matrix<T, 2, 2> A;
    A << 2 + q, T(1), T(1), T(3);
    Eigen::Matrix<T, 2, 1> b;
    b << T(1), T(1);
    return Eigen::Matrix<T, 2, 1>(A.llt().solve(b));
  };
  // x = (2, 1 + p) / (5 + 3p):  dx0/dp = -6/(5+3p)^2, dx1/dp = (5 + 3p - 3(1 + p))/(5+3p)^2
  const double p = 0.4, det = 5 + 3 * p;
  const auto x = solve(D(p, 1));
  EXPECT_NEAR(x(0).tangent(), -6 / (det * det), 1e-15);
  EXPECT_NEAR(x(1).tangent(), 2 / (det * det), 1e-15);
}

TEST(EigenInterop, ProductsMixDualAndDoubleMatrices) {
  using D = Dual<double, 2>;
  Eigen::Matrix<D, 2, 1> v;
  v << D::variable(1, 0), D::variable(2, 1);
  const Eigen::Matrix2d M{{1, 2}, {3, 4}};
  const Eigen::Matrix<D, 2, 1> Mv = M * v;
  // d(Mv)/dv = M
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) EXPECT_EQ(Mv(i).tangent(j), M(i, j));
  }
  const D norm = v.norm();  // sqrt(5), gradient v / |v|
  EXPECT_NEAR(norm.tangent(1), 2 / std::sqrt(5.0), 1e-15);
  const D dot = v.dot(v);
  EXPECT_EQ(dot.tangent(0), 2);
}

TEST(EigenInterop, GradientThroughADeterminantIsTheCofactorMatrix) {
  // d det(X) / dX = det(X) X^{-T}
  auto det = [](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    Eigen::Matrix<T, 3, 3> X;
    for (int i = 0; i < 9; ++i) X(i / 3, i % 3) = v[static_cast<std::size_t>(i)];
    return T(X.determinant());
  };
  const std::vector<double> x{2, 1, 0, 1, 3, 1, 0.5, 0, 4};
  const auto g = nabla::forward::gradient<9>(det, x);
  Eigen::Matrix3d X;
  for (int i = 0; i < 9; ++i) X(i / 3, i % 3) = x[static_cast<std::size_t>(i)];
  const Eigen::Matrix3d expected = X.determinant() * X.inverse().transpose();
  for (int i = 0; i < 9; ++i)
    EXPECT_NEAR(g[static_cast<std::size_t>(i)], expected(i / 3, i % 3), 1e-13);
}

}  // namespace
