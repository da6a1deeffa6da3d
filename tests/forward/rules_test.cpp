// Every derivative rule against high-order central differences, and the documented behaviour
// at points without a derivative.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "nabla/forward/dual.hpp"
#include "nabla/numeric/finite_difference.hpp"

namespace {

using nabla::Dual;
using nabla::numeric::Difference;

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kEps = std::numeric_limits<double>::epsilon();

// The derivative of a one-variable generic f at x from Dual, compared with central differences of
// order 6. The stencil reaches 3h from x, so h stays below a quarter of the distance to the edge
// of f's domain. The tolerance comes from the differences themselves: halving h divides the
// order-6 truncation error by 64, so |D(h) - D(h/2)| bounds the error of D(h/2) with room to
// spare, plus the rounding error eps |f| / h. A wrong rule is off by O(|f'|), far above this;
// the tolerance may never exceed 1e-6 (1 + |f'|), so no point passes on a loose bound.
template <class F>
void expect_rule_matches_differences(const std::string& name, F f, double x, double edge_distance) {
  const double dual = f(Dual<double>::variable(x)).tangent();
  auto plain = [&](double t) { return f(t); };
  const double automatic = std::cbrt(kEps) * std::max(1.0, std::abs(x));
  const double h = std::min(automatic, edge_distance / 4);
  const double coarse = nabla::numeric::derivative(
      plain, x, {.scheme = Difference::central, .accuracy = 6, .step = h});
  const double fine = nabla::numeric::derivative(
      plain, x, {.scheme = Difference::central, .accuracy = 6, .step = h / 2});
  const double tolerance = 4 * std::abs(coarse - fine) + 64 * kEps * std::abs(f(x)) / h + 1e-13;
  ASSERT_LT(tolerance, 1e-6 * (1 + std::abs(fine))) << name << " at " << x;
  EXPECT_NEAR(dual, fine, tolerance) << name << " at " << x;
}

struct UnaryCase {
  std::string name;
  std::function<Dual<double>(Dual<double>)> on_dual;
  std::function<double(double)> on_double;
  double low, high;                // the open interval the test samples
  std::vector<double> near_edges;  // points close to where the function or its derivative breaks
  double edge;                     // where it breaks (distance is measured to it)
};

#define NABLA_CASE(function, low, high, edge, ...)                                   \
  UnaryCase {                                                                        \
#function, [](Dual<double> x) { return function(x); },                             \
        [](double x) {                                                                 \
          using std::function;                                                         \
          return function(x);                                                          \
        },                                                                             \
        low, high, std::vector<double>{__VA_ARGS__}, edge \
  }

std::vector<UnaryCase> unary_cases() {
  return {
      NABLA_CASE(exp, -5, 5, kInf),
      NABLA_CASE(exp2, -5, 5, kInf),
      NABLA_CASE(expm1, -5, 5, kInf, 1e-9, -1e-9),
      NABLA_CASE(log, 0.05, 10, 0, 1e-3, 1e-2),
      NABLA_CASE(log2, 0.05, 10, 0, 1e-3),
      NABLA_CASE(log10, 0.05, 10, 0, 1e-3),
      NABLA_CASE(log1p, -0.95, 10, -1, -0.999, 1e-10),
      NABLA_CASE(sqrt, 0.05, 10, 0, 1e-4, 1e-2),
      NABLA_CASE(cbrt, 0.05, 10, 0, 1e-3, -1e-3, -2.0),
      NABLA_CASE(sin, -6, 6, kInf),
      NABLA_CASE(cos, -6, 6, kInf),
      NABLA_CASE(tan, -1.4, 1.4, std::numbers::pi / 2, 1.55, -1.55),
      NABLA_CASE(asin, -0.95, 0.95, 1, 0.999, -0.999),
      NABLA_CASE(acos, -0.95, 0.95, 1, 0.999, -0.999),
      NABLA_CASE(atan, -10, 10, kInf),
      NABLA_CASE(sinh, -5, 5, kInf),
      NABLA_CASE(cosh, -5, 5, kInf),
      NABLA_CASE(tanh, -5, 5, kInf),
      NABLA_CASE(asinh, -10, 10, kInf),
      NABLA_CASE(acosh, 1.05, 10, 1, 1.001),
      NABLA_CASE(atanh, -0.95, 0.95, 1, 0.999, -0.999),
      NABLA_CASE(abs, 0.05, 10, 0, -3.0, 1e-3, -1e-3),
      NABLA_CASE(fabs, 0.05, 10, 0, -3.0),
      NABLA_CASE(erf, -4, 4, kInf),
      NABLA_CASE(erfc, -4, 4, kInf),
      NABLA_CASE(tgamma, 0.1, 6, 0, 0.01, -0.5, -2.5),
      NABLA_CASE(lgamma, 0.1, 30, 0, 0.01, -0.5, -2.5),
      // Steps: derivative 0 away from the jumps (samples avoid integers and half-integers).
      NABLA_CASE(floor, 0.1, 0.4, 0, 2.3, -1.7),
      NABLA_CASE(ceil, 0.1, 0.4, 0, 2.3, -1.7),
      NABLA_CASE(round, 0.1, 0.4, 0, 2.3, -1.7),
      NABLA_CASE(trunc, 0.1, 0.4, 0, 2.3, -1.7),
  };
}
#undef NABLA_CASE

// The nearest point where a case breaks: its declared edge, mirrored for odd-symmetric domains,
// and for the gamma functions and steps every integer (or half-integer) below.
double edge_distance(const UnaryCase& c, double x) {
  if (c.name == "tgamma" || c.name == "lgamma") {
    return x > 0 ? x : std::abs(x - std::round(x));
  }
  if (c.name == "floor" || c.name == "ceil" || c.name == "round" || c.name == "trunc") {
    return std::abs(2 * x - std::round(2 * x)) / 2;
  }
  if (std::isinf(c.edge)) return kInf;
  if (c.name == "asin" || c.name == "acos" || c.name == "atanh" || c.name == "tan") {
    return c.edge - std::abs(x);
  }
  if (c.name == "abs" || c.name == "fabs" || c.name == "cbrt") return std::abs(x);
  return std::abs(x - c.edge);
}

TEST(Rules, EveryUnaryDerivativeMatchesCentralDifferences) {
  std::mt19937_64 random(2024);
  for (const UnaryCase& c : unary_cases()) {
    std::uniform_real_distribution<double> uniform(c.low, c.high);
    std::vector<double> points = c.near_edges;
    for (int i = 0; i < 40; ++i) points.push_back(uniform(random));
    for (double x : points) {
      expect_rule_matches_differences(
          c.name,
          [&](auto t) {
            if constexpr (std::is_same_v<decltype(t), double>) {
              return c.on_double(t);
            } else {
              return c.on_dual(t);
            }
          },
          x, edge_distance(c, x));
    }
  }
}

TEST(Rules, BinaryPartialsMatchCentralDifferences) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> positive(0.2, 3), any(-3, 3);
  auto check = [](const std::string& name, auto f, double a, double b, double edge) {
    // ∂f/∂a with b fixed, and ∂f/∂b with a fixed.
    expect_rule_matches_differences(
        name + " (first)", [&](auto t) { return f(t, decltype(t)(b)); }, a, edge);
    expect_rule_matches_differences(
        name + " (second)", [&](auto t) { return f(decltype(t)(a), t); }, b, edge);
  };
  for (int i = 0; i < 40; ++i) {
    const double a = positive(random), b = any(random), c = any(random);
    check(
        "pow",
        [](auto x, auto y) {
          using std::pow;
          return pow(x, y);
        },
        a, b, a);
    check(
        "atan2",
        [](auto x, auto y) {
          using std::atan2;
          return atan2(x, y);
        },
        b, c, std::hypot(b, c));
    check(
        "hypot",
        [](auto x, auto y) {
          using std::hypot;
          return hypot(x, y);
        },
        b, c, std::hypot(b, c));
    expect_rule_matches_differences(
        "pow(x, 2.5)",
        [](auto x) {
          using std::pow;
          return pow(x, 2.5);
        },
        a, a);
    expect_rule_matches_differences(
        "pow(2.5, x)",
        [](auto x) {
          using std::pow;
          return pow(2.5, x);
        },
        b, kInf);
    expect_rule_matches_differences(
        "pow(x, 3)",
        [](auto x) {
          using std::pow;
          return pow(x, 3);
        },
        b, kInf);
  }
}

TEST(Rules, PolygammaDerivativeIsTheNextPolygamma) {
  for (double x : {0.3, 1.0, 4.5, -1.5}) {
    const auto y = nabla::polygamma(1, Dual<double>::variable(x));
    EXPECT_DOUBLE_EQ(y.value(), nabla::polygamma(1, x));
    EXPECT_DOUBLE_EQ(y.tangent(), nabla::polygamma(2, x));
  }
}

// --- points without a derivative ----------------------------------------------------------------

TEST(RulesAtKinks, AbsAtZeroHasZeroSubgradient) {
  const auto y = abs(Dual<double>::variable(0.0));
  EXPECT_EQ(y.value(), 0);
  EXPECT_EQ(y.tangent(), 0);
  EXPECT_EQ(abs(Dual<double>::variable(-2.0)).tangent(), -1);
}

TEST(RulesAtKinks, SqrtAtZeroIsInfiniteOnlyAlongDirectionsThatMoveX) {
  // f(x, y) = sqrt(x) + y at (0, 1): ∂f/∂x = +inf, ∂f/∂y = 1 (not inf · 0 = nan).
  using D = Dual<double, 2>;
  const D y = sqrt(D::variable(0.0, 0)) + D::variable(1.0, 1);
  EXPECT_EQ(y.tangent(0), kInf);
  EXPECT_EQ(y.tangent(1), 1);
  EXPECT_EQ(cbrt(Dual<double>::variable(0.0)).tangent(), kInf);
}

TEST(RulesAtKinks, PowAtZeroFollowsTheDocumentedConventions) {
  using D = Dual<double, 2>;
  const D zero = D::variable(0.0, 0);
  EXPECT_EQ(pow(zero, 2).tangent(0), 0);                 // d/dx x^2 = 0 at 0
  EXPECT_EQ(pow(zero, 1).tangent(0), 1);                 // d/dx x = 1
  EXPECT_EQ(pow(zero, 0.5).tangent(0), kInf);            // like sqrt
  EXPECT_EQ(pow(D::variable(5.0, 0), 0).tangent(0), 0);  // x^0 is constant, even at 0
  EXPECT_EQ(pow(zero, 0).tangent(0), 0);
  // 0^y for y > 0 is 0 for all nearby y: both partials are 0, no log(0).
  const D both = pow(D::variable(0.0, 0), D::variable(2.0, 1));
  EXPECT_EQ(both.tangent(0), 0);
  EXPECT_EQ(both.tangent(1), 0);
  EXPECT_EQ(pow(0.0, Dual<double>::variable(3.0)).tangent(), 0);
  // Integer powers of negative numbers keep their derivative: d/dx x^3 = 3 x^2.
  EXPECT_EQ(pow(Dual<double>::variable(-2.0), 3).tangent(), 12);
  // Where no real derivative exists, IEEE nan.
  EXPECT_TRUE(std::isnan(pow(Dual<double>::variable(-2.0), Dual<double>(0.5)).value()));
}

TEST(RulesAtKinks, HypotAtOriginHasZeroSubgradientAndAtan2IsNan) {
  using D = Dual<double, 2>;
  const D h = hypot(D::variable(0.0, 0), D::variable(0.0, 1));
  EXPECT_EQ(h.tangent(0), 0);
  EXPECT_EQ(h.tangent(1), 0);
  const D a = atan2(D::variable(0.0, 0), D::variable(0.0, 1));
  EXPECT_TRUE(std::isnan(a.tangent(0)));
}

TEST(RulesAtKinks, StepsHaveZeroDerivativeEvenAtTheirJumps) {
  for (double x : {2.0, 2.5, -1.0}) {
    EXPECT_EQ(floor(Dual<double>::variable(x)).tangent(), 0);
    EXPECT_EQ(round(Dual<double>::variable(x)).tangent(), 0);
  }
}

TEST(RulesAtKinks, MinAndMaxChooseAWholeArgumentAndTiesChooseTheFirst) {
  using D = Dual<double, 2>;
  const D a = D::variable(1.0, 0), b = D::variable(1.0, 1);
  EXPECT_EQ(min(a, b).tangent(0), 1);
  EXPECT_EQ(max(a, b).tangent(0), 1);
  EXPECT_EQ(max(D::variable(2.0, 0), b).tangent(0), 1);
  EXPECT_EQ(min(2.0, b).tangent(1), 1);
  EXPECT_EQ(fmin(D::variable(std::nan(""), 0), b).tangent(1), 1);  // skips the nan
  EXPECT_EQ(fmax(a, std::nan("")).tangent(0), 1);
}

TEST(RulesAtKinks, DomainErrorsGiveNanNotExceptions) {
  EXPECT_TRUE(std::isnan(log(Dual<double>::variable(-1.0)).value()));
  EXPECT_TRUE(std::isnan(asin(Dual<double>::variable(2.0)).tangent()));
  EXPECT_EQ(log(Dual<double>::variable(0.0)).value(), -kInf);
  EXPECT_TRUE(std::isnan(acosh(Dual<double>::variable(0.5)).value()));
  EXPECT_TRUE(isnan(Dual<double>(std::nan(""), 1)));
  EXPECT_TRUE(isinf(Dual<double>(kInf, 1)));
  EXPECT_TRUE(isfinite(Dual<double>(1, kInf)));  // classification looks at the value
}

}  // namespace
