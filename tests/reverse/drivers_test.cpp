#include "nabla/reverse/drivers.hpp"

#include <gtest/gtest.h>

#include <Eigen/Dense>
#include <array>
#include <cmath>
#include <span>
#include <stdexcept>
#include <thread>
#include <vector>

#include "functions.hpp"
#include "nabla/forward/drivers.hpp"
#include "nabla/reverse/eigen.hpp"

namespace {

namespace reverse = nabla::reverse;
using nabla::Var;
using nabla::testing::seed_f;

TEST(ReverseDrivers, SeedGradientHessianAndHvpAreExact) {
  const auto [value, g] = reverse::value_and_gradient(seed_f, {3.0, 4.0});
  EXPECT_EQ(value, 42);
  EXPECT_EQ(g, (std::vector<double>{24, 10}));
  Eigen::Matrix2d expected;
  expected << 8, 6, 6, 0;
  EXPECT_EQ(reverse::hessian(seed_f, {3.0, 4.0}), expected);
  EXPECT_EQ(reverse::hvp(seed_f, {3.0, 4.0}, {1.0, -1.0}), (std::vector<double>{2, 6}));
}

// The gradient is read off the adjoints of the inputs' statements; inputs recorded after the
// output (here the output is input 1 itself) have no adjoint from the sweep and must read 0.
TEST(ReverseDrivers, InputsAfterTheOutputHaveZeroGradient) {
  EXPECT_EQ(reverse::gradient([](const auto& v) { return v[1]; }, std::vector<double>{5, 6, 7, 8}),
            (std::vector<double>{0, 1, 0, 0}));
  const auto [value, gradient] = reverse::value_and_gradient(
      [](const auto& v) { return v[0] * 3.0; }, std::vector<double>{2, 9, 9});
  EXPECT_EQ(value, 6);
  EXPECT_EQ(gradient, (std::vector<double>{3, 0, 0}));
}

TEST(ReverseDrivers, EveryCallableFormGivesTheSameGradient) {
  const std::vector<double> expected{24, 10};
  EXPECT_EQ(reverse::gradient([](const auto& v) { return v[0] * v[0] * v[1] + v[1] + 2; },
                              std::vector<double>{3, 4}),
            expected);
  EXPECT_EQ(
      reverse::gradient([]<class T>(std::span<const T> v) { return v[0] * v[0] * v[1] + v[1] + 2; },
                        std::vector<double>{3, 4}),
      expected);
  const std::array<double, 2> fixed = reverse::gradient(seed_f, std::array<double, 2>{3, 4});
  EXPECT_EQ(fixed, (std::array<double, 2>{24, 10}));
  const Eigen::Vector2d eigen = reverse::gradient(
      [](const auto& v) { return v(0) * v(0) * v(1) + v(1) + 2; }, Eigen::Vector2d(3, 4));
  EXPECT_EQ(eigen, Eigen::Vector2d(24, 10));
}

TEST(ReverseDrivers, HessiansOfRosenbrockBealeAndHimmelblauMatchAnalyticForms) {
  auto rosenbrock = [](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    return nabla::testing::rosenbrock<T>(std::span<const T>(v));
  };
  const std::vector<double> x{-1.2, 1.0, 0.7, 2.1, -0.4, 0.05, 1.5, 0.3, -0.8, 1.1, 0.2};
  EXPECT_TRUE(
      reverse::hessian<4>(rosenbrock, x).isApprox(nabla::testing::rosenbrock_hessian(x), 1e-14));
  const auto g = reverse::gradient(rosenbrock, x);
  const auto expected = nabla::testing::rosenbrock_gradient(x);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(g[i], expected[i], 1e-12);
  for (auto [a, b] : {std::pair{3.0, 0.5}, std::pair{-1.3, 2.2}, std::pair{0.4, -0.9}}) {
    EXPECT_TRUE(reverse::hessian(nabla::testing::beale, {a, b})
                    .isApprox(nabla::testing::beale_hessian(a, b), 1e-13));
    EXPECT_TRUE(reverse::hessian(nabla::testing::himmelblau, {a, b})
                    .isApprox(nabla::testing::himmelblau_hessian(a, b), 1e-13));
  }
}

TEST(ReverseDrivers, HvpIsTheHessianTimesTheVector) {
  auto f = [](auto x, auto y, auto z) { return sin(x * y) + z * z * x + exp(y * z); };
  const std::vector<double> x{0.3, -0.7, 1.1}, v{1.0, 2.0, -0.5};
  const Eigen::MatrixXd H = reverse::hessian(f, x);
  const auto Hv = reverse::hvp(f, x, v);
  const Eigen::Vector3d expected = H * Eigen::Vector3d(v[0], v[1], v[2]);
  for (int i = 0; i < 3; ++i) EXPECT_NEAR(Hv[static_cast<std::size_t>(i)], expected(i), 1e-14);
}

TEST(ReverseDrivers, JacobianTakesOneSweepPerOutput) {
  auto F = [](auto x, auto y, auto z) {
    using std::sin;
    return std::vector<decltype(x)>{x * y, sin(z), x + y * y * z};
  };
  Eigen::Matrix3d expected;
  expected << 2, 1, 0, 0, 0, std::cos(0.5), 1, 2 * 2 * 0.5, 4;
  EXPECT_TRUE(reverse::jacobian(F, {1.0, 2.0, 0.5}).isApprox(expected, 1e-15));
}

TEST(ReverseDrivers, DriversLeaveTheCallersVariablesAlone) {
  nabla::Recording mine;
  Var a = 3;
  Var b = a * a;
  reverse::gradient(seed_f, {1.0, 2.0});  // its own recording, then mine again
  b.backward();
  EXPECT_EQ(a.grad(), 6);
}

TEST(ReverseDrivers, AFunctionThatThrowsLeavesTheNextGradientCorrect) {
  auto throws = [](const auto& v) -> std::remove_cvref_t<decltype(v[0])> {
    if (v[0] > 0) throw std::domain_error("negative inputs only");
    return v[0];
  };
  EXPECT_THROW(reverse::gradient(throws, std::vector<double>{1.0}), std::domain_error);
  EXPECT_EQ(reverse::gradient(seed_f, {3.0, 4.0}), (std::vector<double>{24, 10}));
}

TEST(ReverseDrivers, MismatchedSizesAreClearErrors) {
  EXPECT_THROW(reverse::gradient(seed_f, {1.0, 2.0, 3.0}), nabla::ArgumentError);
  EXPECT_THROW(reverse::hvp(seed_f, {1.0, 2.0}, {1.0}), nabla::ArgumentError);
}

// Each thread records on its own tape: gradients taken concurrently equal the serial ones.
TEST(ReverseDrivers, ConcurrentGradientsInSeveralThreadsAgreeWithSerialOnes) {
  auto rosenbrock = [](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    return nabla::testing::rosenbrock<T>(std::span<const T>(v));
  };
  constexpr int kThreads = 4;
  std::vector<std::vector<double>> points(kThreads), serial(kThreads), concurrent(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    for (int i = 0; i < 200; ++i) points[t].push_back(std::sin(t * 100.0 + i));
    serial[t] = reverse::gradient(rosenbrock, points[t]);
  }
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int repeat = 0; repeat < 50; ++repeat) {
        concurrent[t] = reverse::gradient(rosenbrock, points[t]);
        // Manual recording on this thread's base tape, interleaved with the drivers.
        Var x = points[t][0];
        Var y = x * x;
        y.backward();
        if (x.grad() != 2 * points[t][0]) concurrent[t].clear();
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(concurrent[t], serial[t]) << "thread " << t;
}

// Eigen matrices of Var: decompositions are recorded like any other code.
TEST(ReverseEigen, SolvesDifferentiateCorrectly) {
  // x(p) solves A(p) x = b; the gradient of sum(x) is -1^T A^{-1} (dA/dp) x.
  auto sum_of_solution = [](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    Eigen::Matrix<T, 3, 3> A;
    A << 4.0 + v[0], T(1.0), 0.5 * v[0], T(1.0), T(3.0), v[0] * v[0], T(0.5), 1.0 - v[0], T(5.0);
    Eigen::Matrix<T, 3, 1> b;
    b << T(1.0), T(2.0), T(3.0);
    Eigen::Matrix<T, 3, 1> lu = A.partialPivLu().solve(b);
    Eigen::Matrix<T, 3, 1> qr = A.householderQr().solve(b);
    return T(lu.sum() + qr.sum());
  };
  const std::vector<double> p{0.7};
  const double reverse = reverse::gradient(sum_of_solution, p)[0];
  const double forward = nabla::forward::gradient(sum_of_solution, p)[0];
  EXPECT_NEAR(reverse, forward, 1e-13);
  EXPECT_NE(reverse, 0);
}

TEST(ReverseEigen, CholeskyAndProductsOfVarMatrices) {
  nabla::Recording recording;
  Var p = 0.4;
  Eigen::Matrix<Var, 2, 2> A;
  A << 2 + p, Var(1), Var(1), Var(3);
  Eigen::Matrix<Var, 2, 1> b;
  b << Var(1), Var(1);
  const Eigen::Matrix<Var, 2, 1> x = A.llt().solve(b);
  x(0).backward();  // x0 = 2 / (5 + 3p)
  EXPECT_NEAR(p.grad(), -6 / std::pow(5 + 3 * 0.4, 2), 1e-15);
  const Eigen::Matrix2d M{{1, 2}, {3, 4}};
  const Eigen::Matrix<Var, 2, 1> Mx = M * x;
  Var s = Mx.sum();  // (1 + 3) x0 + (2 + 4) x1
  s.backward();
  const double det = 5 + 3 * 0.4;
  EXPECT_NEAR(p.grad(), 4 * -6 / (det * det) + 6 * 2 / (det * det), 1e-14);
}

}  // namespace
