#include "nabla/forward/drivers.hpp"
#include "nabla/numeric/finite_difference.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <span>
#include <stdexcept>
#include <vector>

#include "functions.hpp"  // tests/support

namespace {

namespace forward = nabla::forward;
using nabla::testing::seed_f;

template <class T>
T seed_on_span(std::span<const T> v) {
  return v[0] * v[0] * v[1] + v[1] + 2;
}
template <class T>
T seed_on_eigen(const Eigen::Matrix<T, Eigen::Dynamic, 1>& v) {
  return v(0) * v(0) * v(1) + v(1) + 2;
}

TEST(ForwardDrivers, SeedGradientAndHessianAreExact) {
  const auto [value, g] = forward::value_and_gradient(seed_f, {3.0, 4.0});
  EXPECT_EQ(value, 42);
  EXPECT_EQ(g, (std::vector<double>{24, 10}));
  Eigen::Matrix2d expected;
  expected << 8, 6, 6, 0;
  EXPECT_EQ(forward::hessian(seed_f, {3.0, 4.0}), expected);
}

TEST(ForwardDrivers, EveryCallableFormGivesTheSameGradient) {
  const std::vector<double> point{3, 4};
  const std::vector<double> expected{24, 10};
  EXPECT_EQ(forward::gradient(seed_f, point), expected);
  EXPECT_EQ(forward::gradient([](const auto& v) { return v[0] * v[0] * v[1] + v[1] + 2; }, point),
            expected);
  EXPECT_EQ(forward::gradient(
                [](auto v) { return seed_on_span<typename decltype(v)::value_type>(v); }, point),
            expected);
  EXPECT_EQ(forward::gradient([]<class T>(std::span<const T> v) { return seed_on_span(v); }, point),
            expected);
  const std::array<double, 2> array_point{3, 4};
  EXPECT_EQ(forward::gradient(seed_f, array_point), (std::array<double, 2>{24, 10}));
  Eigen::VectorXd eigen_point(2);
  eigen_point << 3, 4;
  const Eigen::VectorXd eigen_gradient =
      forward::gradient([](const auto& v) { return seed_on_eigen(v); }, eigen_point);
  EXPECT_EQ(eigen_gradient, Eigen::Vector2d(24, 10));
  // A fixed-size Eigen point gives a fixed-size Eigen gradient.
  const Eigen::Vector2d fixed = forward::gradient(seed_f, Eigen::Vector2d(3, 4));
  EXPECT_EQ(fixed, Eigen::Vector2d(24, 10));
}

TEST(ForwardDrivers, GradientCostsCeilNOverChunkPasses) {
  for (std::size_t n : {1u, 7u, 8u, 9u, 20u}) {
    int calls = 0;
    auto counted = [&calls](const auto& v) {
      ++calls;
      auto sum = v[0] * 0;
      for (std::size_t i = 0; i < v.size(); ++i) sum += v[i] * v[i] * double(i + 1);
      return sum;
    };
    std::vector<double> x(n);
    for (std::size_t i = 0; i < n; ++i) x[i] = 0.5 + double(i);
    const auto g = forward::gradient<4>(counted, x);
    EXPECT_EQ(calls, static_cast<int>((n + 3) / 4)) << n;
    for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(g[i], 2 * x[i] * double(i + 1));
    calls = 0;
    forward::jacobian<8>(counted, x);
    EXPECT_EQ(calls, static_cast<int>((n + 7) / 8)) << n;
  }
}

TEST(ForwardDrivers, HessianCostsOnePassPerChunkPair) {
  int calls = 0;
  auto counted = [&calls](auto v) {
    ++calls;
    using T = typename decltype(v)::value_type;
    return nabla::testing::rosenbrock<T>(std::span<const T>(v));
  };
  const std::vector<double> x(10, 0.3);  // 3 chunks of 4: 3 * 4 / 2 = 6 pairs
  const Eigen::MatrixXd H = forward::hessian<4>(counted, x);
  EXPECT_EQ(calls, 6);
  EXPECT_TRUE(H.isApprox(nabla::testing::rosenbrock_hessian(x), 1e-14));
}

TEST(ForwardDrivers, RosenbrockGradientAndHessianMatchAnalyticForms) {
  auto f = [](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    return nabla::testing::rosenbrock<T>(std::span<const T>(v));
  };
  std::vector<double> x{-1.2, 1.0, 0.7, 2.1, -0.4, 0.05, 1.5};
  const auto g = forward::gradient(f, x);
  const auto expected = nabla::testing::rosenbrock_gradient(x);
  for (std::size_t i = 0; i < x.size(); ++i) EXPECT_NEAR(g[i], expected[i], 1e-12);
  EXPECT_TRUE(forward::hessian<3>(f, x).isApprox(nabla::testing::rosenbrock_hessian(x), 1e-14));
}

TEST(ForwardDrivers, BealeAndHimmelblauHessiansMatchAnalyticForms) {
  for (auto [x, y] : {std::pair{3.0, 0.5}, std::pair{-1.3, 2.2}, std::pair{0.4, -0.9}}) {
    EXPECT_TRUE(forward::hessian(nabla::testing::beale, {x, y})
                    .isApprox(nabla::testing::beale_hessian(x, y), 1e-13));
    EXPECT_TRUE(forward::hessian(nabla::testing::himmelblau, {x, y})
                    .isApprox(nabla::testing::himmelblau_hessian(x, y), 1e-13));
  }
}

TEST(ForwardDrivers, JacobianOfAVectorFunctionIsExact) {
  // F(x, y, z) = (x y, sin z, x + y^2 z)
  auto F = [](auto x, auto y, auto z) {
    using std::sin;
    return std::vector<decltype(x)>{x * y, sin(z), x + y * y * z};
  };
  const Eigen::MatrixXd J = forward::jacobian<2>(F, {1.0, 2.0, 0.5});
  Eigen::Matrix3d expected;
  expected << 2, 1, 0, 0, 0, std::cos(0.5), 1, 2 * 2 * 0.5, 4;
  EXPECT_TRUE(J.isApprox(expected, 1e-15));
  // An Eigen vector result works the same way.
  auto G = [](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::Scalar;
    Eigen::Matrix<T, 2, 1> r;
    r << v(0) * v(1), v(0) - v(1);
    return r;
  };
  Eigen::Matrix2d expected_g;
  expected_g << 5, 2, 1, -1;
  EXPECT_EQ(forward::jacobian(G, Eigen::Vector2d(2, 5)), expected_g);
}

TEST(ForwardDrivers, JvpIsTheJacobianTimesTheDirection) {
  EXPECT_EQ(forward::jvp(seed_f, {3.0, 4.0}, {1.0, -2.0}), 24 - 20);
  auto F = [](auto x, auto y) { return std::vector<decltype(x)>{x * y, x - y}; };
  const auto Jv = forward::jvp(F, {3.0, 4.0}, {1.0, 1.0});
  EXPECT_EQ(Jv, (std::vector<double>{7, 0}));
}

TEST(ForwardDrivers, DerivativeOfEveryOrder) {
  auto z = [](auto x) {
    using std::sin;
    return sin(x * x);
  };  // seed 004, cell 15
  EXPECT_NEAR(forward::derivative(z, 3.0), 6 * std::cos(9.0), 1e-15);
  // d^k/dx^k exp(2x) at 0 = 2^k
  auto e = [](auto x) {
    using std::exp;
    return exp(2 * x);
  };
  EXPECT_EQ(forward::derivative<0>(e, 0.0), 1);
  EXPECT_EQ(forward::derivative<2>(e, 0.0), 4);
  EXPECT_NEAR(forward::derivative<5>(e, 0.0), 32, 1e-13);
  const auto all = forward::derivatives<4>(z, 0.0);  // sin(x^2) = x^2 - x^6/6: 0, 0, 2, 0, 0
  EXPECT_EQ(all[2], 2);
  EXPECT_EQ(all[4], 0);
}

TEST(ForwardDrivers, MismatchedSizesAreClearErrors) {
  try {
    forward::gradient(seed_f, {1.0, 2.0, 3.0});
    FAIL() << "expected an ArgumentError";
  } catch (const nabla::ArgumentError& e) {
    EXPECT_STREQ(e.what(), "the function takes 2 scalar arguments but the point has 3 entries");
  }
  EXPECT_THROW(forward::jvp(seed_f, {1.0, 2.0}, {1.0}), nabla::ArgumentError);
  EXPECT_THROW(forward::gradient(seed_f, Eigen::Vector3d(1, 2, 3)), std::invalid_argument);
}

}  // namespace

namespace {

// f may return an Eigen expression of its argument (2.0 * v): the drivers must evaluate it
// before the argument they built goes away (a use-after-scope under AddressSanitizer before).
TEST(ForwardDrivers, EigenExpressionResultsOutliveTheArgument) {
  auto twice = [](const auto& v) { return 2.0 * v; };
  const Eigen::MatrixXd J = forward::jacobian(twice, Eigen::Vector3d(1, 2, 3));
  EXPECT_EQ(J, (2 * Eigen::Matrix3d::Identity()).eval());
  const auto Jv = forward::jvp(twice, Eigen::Vector3d(1, 2, 3), Eigen::Vector3d(1, 0, -1));
  EXPECT_EQ(Eigen::Vector3d(Jv[0], Jv[1], Jv[2]), Eigen::Vector3d(2, 0, -2));
  auto squares = [](const auto& v) { return (v.array() * v.array()).matrix(); };
  const Eigen::MatrixXd numeric = nabla::numeric::jacobian(squares, Eigen::Vector2d(1, 3));
  EXPECT_NEAR(numeric(1, 1), 6, 1e-8);
  EXPECT_NEAR(numeric(0, 1), 0, 1e-8);
}

TEST(ForwardDrivers, AFunctionWhoseOutputCountChangesIsAnError) {
  int calls = 0;
  auto unstable = [&calls](const auto& v) {
    using S = typename std::remove_cvref_t<decltype(v)>::value_type;
    return std::vector<S>(static_cast<std::size_t>(++calls), v[0]);
  };
  EXPECT_THROW(forward::jacobian<1>(unstable, std::vector<double>{1, 2}), nabla::ArgumentError);
}

}  // namespace
