#include "nabla/core/special_functions.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <numbers>

namespace {

constexpr double kEulerGamma = 0.57721566490153286061;

TEST(Polygamma, DigammaMatchesKnownValues) {
  EXPECT_NEAR(nabla::digamma(1.0), -kEulerGamma, 1e-15);
  EXPECT_NEAR(nabla::digamma(0.5), -kEulerGamma - 2 * std::numbers::ln2, 1e-15);
  // psi(n) = H_{n-1} - gamma
  EXPECT_NEAR(nabla::digamma(4.0), 1 + 0.5 + 1.0 / 3 - kEulerGamma, 1e-15);
  EXPECT_NEAR(nabla::digamma(100.0), 4.600161852738087, 1e-14);
}

TEST(Polygamma, ReflectionGivesNegativeArguments) {
  // psi(1 - x) - psi(x) = pi cot(pi x)
  for (double x : {-0.5, -1.25, -3.7, -10.1}) {
    EXPECT_NEAR(nabla::digamma(1 - x) - nabla::digamma(x),
                std::numbers::pi / std::tan(std::numbers::pi * x), 1e-11)
        << x;
  }
}

TEST(Polygamma, TrigammaAndTetragammaMatchZetaValues) {
  EXPECT_NEAR(nabla::trigamma(1.0), std::numbers::pi * std::numbers::pi / 6, 1e-14);
  EXPECT_NEAR(nabla::polygamma(2, 1.0), -2 * 1.2020569031595942, 1e-13);             // -2 zeta(3)
  EXPECT_NEAR(nabla::polygamma(3, 1.0), std::pow(std::numbers::pi, 4) / 15, 1e-12);  // 6 zeta(4)
  EXPECT_NEAR(nabla::trigamma(0.5), std::numbers::pi * std::numbers::pi / 2, 1e-13);
}

TEST(Polygamma, EachOrderIsTheDerivativeOfThePrevious) {
  for (int n = 0; n < 5; ++n) {
    for (double x : {0.3, 1.7, 6.2, 25.0, -2.5}) {
      const double h = 1e-5;
      const double central = (nabla::polygamma(n, x + h) - nabla::polygamma(n, x - h)) / (2 * h);
      const double exact = nabla::polygamma(n + 1, x);
      EXPECT_NEAR(central, exact, 1e-6 * std::max(1.0, std::abs(exact))) << n << ' ' << x;
    }
  }
}

TEST(Polygamma, PolesFollowIeeeConventions) {
  EXPECT_TRUE(std::isnan(nabla::digamma(0.0)));
  EXPECT_TRUE(std::isnan(nabla::digamma(-3.0)));
  EXPECT_EQ(nabla::trigamma(-2.0), std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(nabla::polygamma(-1, 2.0)));
  EXPECT_TRUE(std::isnan(nabla::digamma(std::numeric_limits<double>::quiet_NaN())));
}

}  // namespace

namespace {

// Reflection serves every order: at large negative x the answer comes at once (stepping up to
// the asymptotic range would take |x| steps) and agrees with the recurrence where both apply.
TEST(Polygamma, ReflectionGivesEveryOrderAtNegativeArguments) {
  // psi^(n)(x) = psi^(n)(x + 1) + (-1)^(n+1) n! / x^(n+1): both sides for x < 0, one reflected
  // at x and one at x + 1 (also negative), must agree.
  for (int n = 1; n <= 4; ++n) {
    for (double x : {-0.3, -1.7, -5.25, -40.6}) {
      const double factorial = std::tgamma(n + 1.0);
      const double step = (n % 2 == 1 ? 1.0 : -1.0) * factorial / std::pow(x, n + 1);
      const double expected = nabla::polygamma(n, x + 1) + step;
      EXPECT_NEAR(nabla::polygamma(n, x), expected, 1e-9 * std::max(1.0, std::abs(expected)))
          << n << ' ' << x;
    }
  }
  // trigamma(1 - x) + trigamma(x) = pi^2 / sin^2(pi x), far out on the negative axis.
  const double x = -1e12 + 0.25;
  const double s = std::sin(std::numbers::pi * 0.25);
  EXPECT_NEAR(nabla::trigamma(x) + nabla::trigamma(1 - x), std::pow(std::numbers::pi / s, 2), 1e-6);
}

}  // namespace
