// nabla::gradient, nabla::hessian and the rest of nabla/derivatives.hpp: each gives the answer of
// the mode it forwards to, and the tensor engine's hessian and hvp still take Tensors beside them.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <span>
#include <type_traits>
#include <vector>

#include "nabla/derivatives.hpp"
#include "nabla/tensor/variable.hpp"

namespace {

const auto f = [](auto x, auto y) { return x * x * y + y + 2; };  // seed 004's f

TEST(DefaultModes, SeedGradientAndHessianFromTheTopLevelNames) {
  EXPECT_EQ(nabla::gradient(f, {3.0, 4.0}), (std::vector<double>{24, 10}));
  const auto [value, gradient] = nabla::value_and_gradient(f, {3.0, 4.0});
  EXPECT_EQ(value, 42);
  EXPECT_EQ(gradient, (std::vector<double>{24, 10}));
  Eigen::Matrix2d expected;
  expected << 8, 6, 6, 0;
  EXPECT_EQ(nabla::hessian(f, {3.0, 4.0}), Eigen::MatrixXd(expected));
  EXPECT_EQ(nabla::hvp(f, {3.0, 4.0}, {1.0, -1.0}), (std::vector<double>{2, 6}));
  EXPECT_EQ(nabla::jvp(f, {3.0, 4.0}, {1.0, 0.0}), 24);
  EXPECT_DOUBLE_EQ(nabla::derivative([](auto x) { return sin(x * x); }, 3.0), 6 * std::cos(9.0));
  EXPECT_EQ(Eigen::MatrixXd(nabla::sparse_hessian(f, {3.0, 4.0})), Eigen::MatrixXd(expected));
}

TEST(DefaultModes, EveryPointFormIsAccepted) {
  const auto norm2 = [](const auto& v) {
    auto s = v[0] * v[0];
    for (std::size_t i = 1; i < static_cast<std::size_t>(v.size()); ++i) s += v[i] * v[i];
    return s;
  };
  const std::vector<double> point{1, 2, 3};
  EXPECT_EQ(nabla::gradient(norm2, point), (std::vector<double>{2, 4, 6}));
  EXPECT_EQ(nabla::gradient(norm2, std::span<const double>(point)), (std::vector<double>{2, 4, 6}));
  const Eigen::Vector3d eigen_point(1, 2, 3);
  EXPECT_EQ(nabla::gradient(norm2, eigen_point), Eigen::Vector3d(2, 4, 6));
  EXPECT_EQ(nabla::hessian(norm2, point), Eigen::MatrixXd(2 * Eigen::Matrix3d::Identity()));
}

// Wide (n > m) goes to reverse mode, tall (n <= m) to forward mode; both give the same matrix.
TEST(DefaultModes, JacobianAgreesWithBothModesWideOrTall) {
  const auto wide = [](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    return std::vector<S>{v[0] * v[1] * v[2], v[0] + v[2]};
  };
  const auto tall = [](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    return std::vector<S>{v[0] * v[1], sin(v[0]), v[1] * v[1]};
  };
  const std::vector<double> x3{1, 2, 3}, x2{0.5, 2};
  EXPECT_EQ(nabla::jacobian(wide, x3), nabla::reverse::jacobian(wide, x3));
  EXPECT_EQ(nabla::jacobian(wide, x3), nabla::forward::jacobian(wide, x3));
  EXPECT_EQ(nabla::jacobian(tall, x2), nabla::forward::jacobian(tall, x2));
  EXPECT_EQ(nabla::jacobian(tall, x2), nabla::reverse::jacobian(tall, x2));
  EXPECT_EQ(nabla::jacobian(tall, {0.5, 2.0}).rows(), 3);

  // Which mode ran: the scalar type the function was called with.
  int dual_calls = 0, var_calls = 0;
  const auto counting = [&](const auto& v) {
    using S = std::decay_t<decltype(v[0])>;
    if constexpr (nabla::is_dual_v<S>) ++dual_calls;
    if constexpr (std::is_same_v<S, nabla::Var>) ++var_calls;
    return std::vector<S>{v[0] * v[1], v[0] + v[1]};
  };
  nabla::jacobian(counting, std::vector{1.0, 2.0, 3.0});  // n = 3 > m = 2: reverse
  EXPECT_EQ(dual_calls, 0);
  EXPECT_EQ(var_calls, 1);
  nabla::jacobian(counting, std::vector{1.0, 2.0});  // n = 2 <= m = 2: forward
  EXPECT_EQ(dual_calls, 1);
  EXPECT_EQ(var_calls, 1);
}

// The tensor engine's second derivatives take a Tensor and a function of one Variable; a
// generic callable and a braced point reach the scalar drivers instead of a std::function error.
TEST(DefaultModes, TensorOverloadsStandAsideForScalarPoints) {
  using nabla::Tensor, nabla::Variable;
  const Tensor x{1.0, 2.0};
  const Tensor H = nabla::hessian([](const Variable& v) { return sum(v * v * v); }, x);
  EXPECT_EQ(H.to_vector(), (std::vector<double>{6, 0, 0, 12}));
  const Tensor Hv =
      nabla::hvp([](const Variable& v) { return sum(v * v * v); }, x, Tensor{1.0, 1.0});
  EXPECT_EQ(Hv.to_vector(), (std::vector<double>{6, 12}));
  // A generic one-argument callable works on both: a Tensor point is the tensor engine's.
  const auto cube_sum = [](const auto& v) { return sum(v * v * v); };
  EXPECT_EQ(nabla::hessian(cube_sum, x).to_vector(), (std::vector<double>{6, 0, 0, 12}));
  EXPECT_EQ(nabla::hessian(f, {3.0, 4.0})(0, 1), 6);
}

}  // namespace
