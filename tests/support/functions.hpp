// Problems with known derivatives, generic over the scalar type, shared by the tests and the
// benchmarks. Literals are written as doubles so that peer types without integer mixing (Ceres's
// Jet) run the same code.
#pragma once

#include <Eigen/Core>
#include <cmath>
#include <span>
#include <vector>

namespace nabla::testing {

// Seed 004: f(x, y) = x x y + y + 2; at (3, 4): 42, (24, 10), [[8, 6], [6, 0]].
inline constexpr auto seed_f = [](auto x, auto y) { return x * x * y + y + 2; };

// Extended Rosenbrock: sum_i 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2, written over a span.
template <class T>
T rosenbrock(std::span<const T> x) {
  T sum(0);
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const T a = x[i + 1] - x[i] * x[i];
    const T b = 1.0 - x[i];
    sum += 100.0 * a * a + b * b;
  }
  return sum;
}

inline std::vector<double> rosenbrock_gradient(const std::vector<double>& x) {
  std::vector<double> g(x.size(), 0.0);
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i];
    g[i] += -400 * x[i] * a - 2 * (1 - x[i]);
    g[i + 1] += 200 * a;
  }
  return g;
}

inline Eigen::MatrixXd rosenbrock_hessian(const std::vector<double>& x) {
  const auto n = static_cast<Eigen::Index>(x.size());
  Eigen::MatrixXd H = Eigen::MatrixXd::Zero(n, n);
  for (Eigen::Index i = 0; i + 1 < n; ++i) {
    const double xi = x[static_cast<std::size_t>(i)], xj = x[static_cast<std::size_t>(i + 1)];
    H(i, i) += 1200 * xi * xi - 400 * xj + 2;
    H(i, i + 1) += -400 * xi;
    H(i + 1, i) += -400 * xi;
    H(i + 1, i + 1) += 200;
  }
  return H;
}

// Beale: (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2
inline constexpr auto beale = [](auto x, auto y) {
  auto a = 1.5 - x + x * y, b = 2.25 - x + x * y * y, c = 2.625 - x + x * y * y * y;
  return a * a + b * b + c * c;
};

// Himmelblau: (x^2 + y - 11)^2 + (x + y^2 - 7)^2
inline constexpr auto himmelblau = [](auto x, auto y) {
  auto a = x * x + y - 11, b = x + y * y - 7;
  return a * a + b * b;
};
inline Eigen::Matrix2d himmelblau_hessian(double x, double y) {
  Eigen::Matrix2d H;
  H << 12 * x * x + 4 * y - 42, 4 * (x + y), 4 * (x + y), 12 * y * y + 4 * x - 26;
  return H;
}
inline Eigen::Matrix2d beale_hessian(double x, double y) {
  // Analytic second derivatives of the three squared residuals r_k = c_k - x + x y^k.
  const double c[] = {1.5, 2.25, 2.625};
  Eigen::Matrix2d H = Eigen::Matrix2d::Zero();
  for (int k = 1; k <= 3; ++k) {
    const double yk = std::pow(y, k);
    const double r = c[k - 1] - x + x * yk;
    const double rx = yk - 1, ry = k * x * std::pow(y, k - 1);
    const double rxy = k * std::pow(y, k - 1), ryy = k * (k - 1) * x * std::pow(y, k - 2);
    H(0, 0) += 2 * rx * rx;
    H(0, 1) += 2 * (rx * ry + r * rxy);
    H(1, 1) += 2 * (ry * ry + r * ryy);
  }
  H(1, 0) = H(0, 1);
  return H;
}

}  // namespace nabla::testing
