// Symbolic derivatives: the seed's numbers, every rule against forward mode, no swell, sparsity.
#include "nabla/symbolic/diff.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "functions.hpp"
#include "nabla/forward/dual.hpp"
#include "nabla/forward/taylor.hpp"
#include "nabla/symbolic/evaluate.hpp"

namespace {

using nabla::Dual;
using nabla::sym::Expr;
using nabla::sym::variable;

double value_at(const Expr& e, const std::vector<Expr>& vars, std::vector<double> point) {
  return nabla::sym::evaluate<double>(e, vars, point);
}

void expect_relative(double actual, double expected, double tolerance, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), tolerance * std::max(1.0, std::abs(expected)))
      << what << ": " << actual << " vs " << expected;
}

// --- seed 004 ------------------------------------------------------------------------------

TEST(SymbolicDiff, SeedGradientIsTwentyFourAndTen) {
  const Expr x = variable("x"), y = variable("y");
  const Expr f = nabla::testing::seed_f(x, y);
  EXPECT_EQ(value_at(f, {x, y}, {3, 4}), 42);
  const auto g = nabla::sym::gradient(f, {x, y});
  EXPECT_EQ(nabla::sym::to_string(g[0]), "2*x*y");
  EXPECT_EQ(nabla::sym::to_string(g[1]), "x^2 + 1");
  EXPECT_EQ(value_at(g[0], {x, y}, {3, 4}), 24);
  EXPECT_EQ(value_at(g[1], {x, y}, {3, 4}), 10);
  EXPECT_TRUE(nabla::sym::diff(f, x).same(g[0]));
}

TEST(SymbolicDiff, SeedHessianIsEightSixSixZero) {
  const Expr x = variable("x"), y = variable("y");
  const Expr f = nabla::testing::seed_f(x, y);
  const auto h = nabla::sym::hessian(f, {x, y});
  const double expected[2][2] = {{8, 6}, {6, 0}};
  for (int i = 0; i < 2; ++i) {
    for (int j = 0; j < 2; ++j) EXPECT_EQ(value_at(h[i][j], {x, y}, {3, 4}), expected[i][j]);
  }
  // Differentiating twice, as the seed's Const/Var/Add/Mul classes do.
  const Expr dfdx = nabla::sym::diff(f, x), dfdy = nabla::sym::diff(f, y);
  EXPECT_EQ(value_at(nabla::sym::diff(dfdx, x), {x, y}, {3, 4}), 8);
  EXPECT_EQ(value_at(nabla::sym::diff(dfdx, y), {x, y}, {3, 4}), 6);
  EXPECT_EQ(value_at(nabla::sym::diff(dfdy, x), {x, y}, {3, 4}), 6);
  EXPECT_TRUE(nabla::sym::diff(dfdy, y).same(Expr(0)));
  EXPECT_TRUE(nabla::sym::diff(f, x, 2).same(2 * y));
  EXPECT_TRUE(nabla::sym::diff(f, x, 3).same(Expr(0)));
  EXPECT_TRUE(nabla::sym::diff(f, x, 0).same(f));
}

// --- every rule against forward mode -------------------------------------------------------

struct RuleCase {
  std::string name;
  std::function<Expr(Expr)> on_expr;
  std::function<Dual<double>(Dual<double>)> on_dual;
  std::function<Dual<Dual<double>>(Dual<Dual<double>>)> on_dual2;
  double low, high;  // an interval inside the function's domain
};

// The interval each function is sampled on: inside its domain, away from kinks and poles.
std::pair<double, double> domain_of(const std::string& name) {
  if (name == "log" || name == "log2" || name == "log10" || name == "sqrt" || name == "cbrt")
    return {0.1, 5};
  if (name == "log1p") return {-0.9, 5};
  if (name == "asin" || name == "acos" || name == "atanh") return {-0.9, 0.9};
  if (name == "acosh") return {1.1, 5};
  if (name == "tan") return {-1.4, 1.4};
  if (name == "tgamma" || name == "lgamma") return {0.2, 6};
  if (name == "exp" || name == "exp2" || name == "expm1" || name == "sinh" || name == "cosh")
    return {-4, 4};
  return {-3, 3};
}

std::vector<RuleCase> rule_cases() {
  std::vector<RuleCase> cases;
#define NABLA_RULE_CASE(function, Rule)                                             \
  {                                                                                 \
    const auto [low, high] = domain_of(#function);                                  \
    cases.push_back({#function, [](Expr x) { return function(x); },                 \
                     [](Dual<double> x) { return function(x); },                    \
                     [](Dual<Dual<double>> x) { return function(x); }, low, high}); \
  }
  NABLA_UNARY_RULES(NABLA_RULE_CASE)
#undef NABLA_RULE_CASE
  return cases;
}

TEST(SymbolicDiff, EveryUnaryRuleMatchesForwardModeAtRandomPoints) {
  const Expr x = variable("x");
  std::mt19937 generator(4);
  const auto cases = rule_cases();
  EXPECT_EQ(cases.size(), 31u);
  for (const RuleCase& c : cases) {
    const Expr f = c.on_expr(x);
    const Expr d = nabla::sym::diff(f, x);
    std::uniform_real_distribution<double> point(c.low, c.high);
    for (int k = 0; k < 20; ++k) {
      const double at = point(generator);
      const Dual<double> dual = c.on_dual(Dual<double>::variable(at));
      expect_relative(value_at(f, {x}, {at}), dual.value(), 1e-14, c.name + " value");
      expect_relative(value_at(d, {x}, {at}), dual.tangent(), 1e-12, c.name + "'");
    }
  }
}

TEST(SymbolicDiff, EverySecondDerivativeMatchesNestedDuals) {
  const Expr x = variable("x");
  std::mt19937 generator(5);
  for (const RuleCase& c : rule_cases()) {
    const Expr d2 = nabla::sym::diff(c.on_expr(x), x, 2);
    std::uniform_real_distribution<double> point(c.low, c.high);
    for (int k = 0; k < 10; ++k) {
      const double at = point(generator);
      const Dual<Dual<double>> seed(Dual<double>(at, 1.0), Dual<double>(1.0, 0.0));
      const double expected = c.on_dual2(seed).tangent().tangent();
      expect_relative(value_at(d2, {x}, {at}), expected, 1e-10, c.name + "''");
    }
  }
}

TEST(SymbolicDiff, BinaryRulesMatchForwardMode) {
  const Expr a = variable("a"), b = variable("b");
  using D = Dual<double, 2>;
  auto check = [&](const std::string& name, auto f) {
    const Expr e = f(a, b);
    const auto g = nabla::sym::gradient(e, {a, b});
    for (const auto& [va, vb] : {std::pair{1.3, 0.7}, {2.5, -1.1}, {0.4, 3.0}}) {
      const D r = f(D::variable(va, 0), D::variable(vb, 1));
      expect_relative(value_at(e, {a, b}, {va, vb}), r.value(), 1e-14, name);
      expect_relative(value_at(g[0], {a, b}, {va, vb}), r.tangent(0), 1e-12, name + " d/da");
      expect_relative(value_at(g[1], {a, b}, {va, vb}), r.tangent(1), 1e-12, name + " d/db");
    }
  };
  check("pow", [](auto p, auto q) { return pow(p, q); });
  check("pow constant exponent", [](auto p, auto q) { return pow(p, 3.5) + q; });
  check("pow constant base", [](auto p, auto q) { return pow(2.0, p) * q; });
  check("atan2", [](auto p, auto q) { return atan2(p, q); });
  check("hypot", [](auto p, auto q) { return hypot(p, q); });
  check("min", [](auto p, auto q) { return min(p, q) * p; });
  check("max", [](auto p, auto q) { return max(p, q) * q; });
  check("quotient", [](auto p, auto q) { return (p - q) / (p * p + q); });
  check("polygamma", [](auto p, auto q) { return polygamma(1, p * p + 1.0) * q; });
}

// --- higher orders ---------------------------------------------------------------------------

// Orders from 3 on come from series of derivatives (Leibniz and Faà di Bruno), not repeated
// differentiation: every function's 3rd to 5th derivative against Taylor mode.
TEST(SymbolicDiff, HigherDerivativesOfEveryRuleMatchTaylorMode) {
  using T = nabla::Taylor<double, 5>;
  const Expr x = variable("x");
  std::mt19937 generator(6);
  std::vector<std::pair<std::string, std::function<T(T)>>> on_taylor;
#define NABLA_TAYLOR_CASE(function, Rule) \
  on_taylor.push_back({#function, [](T t) { return function(t); }});
  NABLA_UNARY_RULES(NABLA_TAYLOR_CASE)
#undef NABLA_TAYLOR_CASE
  const auto cases = rule_cases();
  ASSERT_EQ(cases.size(), on_taylor.size());
  for (std::size_t c = 0; c < cases.size(); ++c) {
    // sin(x)*f(x^2/2 + x) exercises products and a composition inside the function too
    const Expr f = sin(x) * cases[c].on_expr(x * x / 2 + x);
    // x^2/2 + x >= -1/2: the argument is sampled in the domain and above -0.4, and mapped back
    std::uniform_real_distribution<double> point(std::max(cases[c].low, -0.4), cases[c].high);
    for (int order = 3; order <= 5; ++order) {
      const Expr d = nabla::sym::diff(f, x, order);
      for (int k = 0; k < 3; ++k) {
        const double at = std::sqrt(1 + 2 * point(generator)) - 1;
        const T t = T::variable(at);
        const T series = sin(t) * on_taylor[c].second(t * t / 2.0 + t);
        expect_relative(value_at(d, {x}, {at}), series.derivative(order), 1e-9,
                        cases[c].name + " order " + std::to_string(order));
      }
    }
  }
}

TEST(SymbolicDiff, HigherDerivativesOfPolynomialsAreExact) {
  const Expr x = variable("x"), y = variable("y");
  EXPECT_TRUE(nabla::sym::diff(pow(x, 5), x, 4).same(120 * x))
      << to_string(nabla::sym::diff(pow(x, 5), x, 4));
  EXPECT_TRUE(nabla::sym::diff(pow(x, 5), x, 6).same(Expr(0)));
  EXPECT_TRUE(nabla::sym::diff(x * x * y + y + 2, x, 3).same(Expr(0)));
  EXPECT_TRUE(nabla::sym::diff(pow(x, 3) * y, x, 3).same(6 * y));
  EXPECT_TRUE(nabla::sym::diff(pow(x, 3) * y, y, 3).same(Expr(0)));
}

// atan2, hypot, min and max have no series here: they fall back to repeated differentiation.
TEST(SymbolicDiff, HigherDerivativesThroughBinaryFunctionsMatchRepeatedDifferentiation) {
  const Expr x = variable("x");
  for (const Expr& f : {atan2(x, 1 + x * x), hypot(x, 2 * x + 1) * exp(x), pow(x, sin(x))}) {
    Expr repeated = f;
    for (int k = 0; k < 4; ++k) repeated = nabla::sym::diff(repeated, x);
    for (double at : {0.3, 1.7}) {
      expect_relative(value_at(nabla::sym::diff(f, x, 4), {x}, {at}), value_at(repeated, {x}, {at}),
                      1e-10, to_string(f));
    }
  }
}

// The case: by repeated differentiation the 10th derivative of sin(sin(sin(sin x))) has
// 350 410 nodes.
TEST(SymbolicDiff, TenthDerivativeOfFourNestedSinesStaysSmall) {
  const Expr x = variable("x");
  const Expr d = nabla::sym::diff(sin(sin(sin(sin(x)))), x, 10);
  EXPECT_LT(nabla::sym::node_count(d), 2000u);
  using T = nabla::Taylor<double, 10>;
  const T t = sin(sin(sin(sin(T::variable(0.7)))));
  expect_relative(value_at(d, {x}, {0.7}), t.derivative(10), 1e-11, "10th derivative");
}

// --- no expression swell -------------------------------------------------------------------

std::size_t product_derivative_size(int n) {
  const Expr x = variable("x");
  Expr p = 1;
  for (int k = 1; k <= n; ++k) p *= x + k;
  return nabla::sym::node_count(nabla::sym::diff(p, x));
}

TEST(SymbolicDiff, DerivativeOfAProductOfTwoHundredFactorsHasLinearSize) {
  const std::size_t n200 = product_derivative_size(200), n400 = product_derivative_size(400);
  EXPECT_LT(n200, 10u * 200u);
  EXPECT_LT(n400, 10u * 400u);
  EXPECT_LT(n400, 2 * n200 + 50);  // doubling n doubles the size: linear, not quadratic
  // and the derivative is right: d/dx prod (x + k) at x = 0 is prod(k) * sum(1/k)
  const Expr x = variable("x");
  Expr p = 1;
  double product = 1, harmonic = 0;
  for (int k = 1; k <= 20; ++k) {
    p *= x + k;
    product *= k;
    harmonic += 1.0 / k;
  }
  expect_relative(value_at(nabla::sym::diff(p, x), {x}, {0}), product * harmonic, 1e-12,
                  "product rule");
}

TEST(SymbolicDiff, DerivativeOfTwoHundredNestedSinesHasLinearSize) {
  const Expr x = variable("x");
  auto size_for = [&](int n) {
    Expr e = x;
    for (int k = 0; k < n; ++k) e = sin(e);
    return nabla::sym::node_count(nabla::sym::diff(e, x));
  };
  const std::size_t n200 = size_for(200), n400 = size_for(400);
  EXPECT_LT(n200, 5u * 200u);
  EXPECT_LT(n400, 2 * n200 + 50);
  Expr e = x;
  Dual<double> d = Dual<double>::variable(0.7);
  for (int k = 0; k < 200; ++k) {
    e = sin(e);
    d = sin(d);
  }
  expect_relative(value_at(nabla::sym::diff(e, x), {x}, {0.7}), d.tangent(), 1e-12, "chain rule");
}

// --- gradients, Jacobians and sparse Hessians ----------------------------------------------

// diff_cost adds order^2/2 per product and order^3/3 per function of a dependent node; above
// max_diff_terms, diff refuses before building anything (so an absurd order is an error, not a
// std::bad_alloc hours later).
TEST(SymbolicDiff, OrdersWhoseCostIsAboveTheLimitAreRefusedUpFront) {
  const Expr x = variable("x"), y = variable("y");
  EXPECT_DOUBLE_EQ(nabla::sym::diff_cost(sin(x), x, 10), 10.0 * 10 / 2 + 10);
  EXPECT_DOUBLE_EQ(nabla::sym::diff_cost(exp(sin(x)), x, 10), 1000.0 / 3 + 100.0 / 2 + 10);
  EXPECT_DOUBLE_EQ(nabla::sym::diff_cost(exp(sin(y)), x, 10), 0);  // nothing depends on x
  EXPECT_THROW(nabla::sym::diff(exp(sin(x)), x, 1000), std::length_error);
  EXPECT_THROW(nabla::sym::diff(sin(x), x, 2147483647), std::length_error);
  try {
    nabla::sym::diff(exp(sin(x)), x, 1000);
  } catch (const std::length_error& e) {
    EXPECT_NE(std::string(e.what()).find("above the limit"), std::string::npos) << e.what();
  }
  // Below the limit the derivative is built: sin's 300th derivative is sin again.
  EXPECT_TRUE(nabla::sym::diff(sin(x), x, 300).same(sin(x)));
}

// Printing writes each use of a shared node out again: tree_size counts that, the DAG does not.
TEST(SymbolicDiff, TreeSizeCountsSharedNodesOncePerUse) {
  const Expr x = variable("x");
  EXPECT_EQ(nabla::sym::tree_size(x), 1u);
  EXPECT_EQ(nabla::sym::tree_size(sin(x) + 2), 4u);  // +, sin, x, 2
  Expr e = x;
  for (int i = 0; i < 10; ++i) e = sin(e) * cos(e);  // e is used twice per level
  EXPECT_LT(nabla::sym::node_count(e), 40u);
  EXPECT_GT(nabla::sym::tree_size(e), 1000u);
  for (int i = 0; i < 60; ++i) e = sin(e) * cos(e);  // 2^70 nodes written out: saturates
  EXPECT_EQ(nabla::sym::tree_size(e), std::numeric_limits<std::size_t>::max());
}

TEST(SymbolicDiff, JacobianMatchesForwardMode) {
  const Expr x = variable("x"), y = variable("y");
  const auto j = nabla::sym::jacobian({x * y + sin(x), exp(y) / x, Expr(3)}, {x, y});
  ASSERT_EQ(j.size(), 3u);
  using D = Dual<double, 2>;
  const D dx = D::variable(1.5, 0), dy = D::variable(-0.5, 1);
  const D outputs[] = {dx * dy + sin(dx), exp(dy) / dx};
  for (int i = 0; i < 2; ++i) {
    for (int k = 0; k < 2; ++k) {
      expect_relative(value_at(j[i][k], {x, y}, {1.5, -0.5}), outputs[i].tangent(k), 1e-14, "J");
    }
  }
  EXPECT_TRUE(j[2][0].same(Expr(0)));
  const auto sparse = nabla::sym::sparse_jacobian({x * y + sin(x), exp(y) / x, Expr(3)}, {x, y});
  EXPECT_EQ(sparse.size(), 4u);  // the constant row has no entries
}

TEST(SymbolicDiff, DifferentiatingByANonVariableIsAnError) {
  const Expr x = variable("x");
  EXPECT_THROW(nabla::sym::diff(x * x, x + 1), std::invalid_argument);
  EXPECT_THROW(nabla::sym::diff(x * x, x, -1), std::invalid_argument);
}

TEST(SymbolicDiff, SparseHessianOfTenThousandSquaresIsFastAndDiagonal) {
  constexpr std::size_t n = 10000;
  std::vector<Expr> x;
  for (std::size_t i = 0; i < n; ++i)
    x.push_back(variable(std::string("x").append(std::to_string(i))));
  const auto start = std::chrono::steady_clock::now();
  Expr f = 0;
  for (const Expr& xi : x) f += xi * xi;
  const auto g = nabla::sym::gradient(f, x);
  const auto h = nabla::sym::sparse_hessian(f, x);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_LT(seconds, 5.0);
  ASSERT_EQ(h.size(), n);
  for (std::size_t i = 0; i < n; ++i) {
    EXPECT_TRUE(g[i].same(2 * x[i]));
    EXPECT_EQ(h[i].row, i);
    EXPECT_EQ(h[i].column, i);
    EXPECT_TRUE(h[i].value.same(Expr(2)));
  }
}

TEST(SymbolicDiff, SparseHessianOfTenThousandVariableRosenbrockIsBanded) {
  constexpr std::size_t n = 10000;
  std::vector<Expr> x;
  for (std::size_t i = 0; i < n; ++i)
    x.push_back(variable(std::string("x").append(std::to_string(i))));
  const Expr f = nabla::testing::rosenbrock<Expr>(x);
  const auto h = nabla::sym::sparse_hessian(f, x);
  EXPECT_EQ(h.size(), 3 * n - 2);
  // check against the analytic Hessian on a small problem
  std::vector<Expr> small(x.begin(), x.begin() + 6);
  const Expr fs = nabla::testing::rosenbrock<Expr>(small);
  const std::vector<double> at = {0.3, -1.2, 0.8, 1.1, -0.4, 2.0};
  const auto expected = nabla::testing::rosenbrock_hessian(at);
  const auto entries = nabla::sym::sparse_hessian(fs, small);
  for (const auto& e : entries) {
    expect_relative(value_at(e.value, small, at),
                    expected(static_cast<long>(e.row), static_cast<long>(e.column)), 1e-13, "H");
  }
  EXPECT_EQ(entries.size(), 3u * 6u - 2u);
}

}  // namespace
