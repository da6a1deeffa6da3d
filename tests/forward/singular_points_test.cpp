// Forward mode where a partial or a value is infinite: a tangent that is exactly zero stays
// exactly zero whatever it is multiplied by (nabla/core/chain.hpp), in Dual, nested Dual and
// Taylor. tests/reverse/singular_points_test.cpp compares every mode with every other; these
// are the reported cases and the forward-only details.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>

#include "nabla/forward/drivers.hpp"

namespace {

using nabla::Dual;
using nabla::Taylor;

constexpr double kInf = std::numeric_limits<double>::infinity();

// --- the reported cases, verbatim (issue 14): each gave nan for the second entry --------------

TEST(DualAtSingularPoints, ZeroTangentTimesInfinitePartialStaysZero) {
  const auto g = nabla::forward::gradient([](auto x, auto y) { return 1.0 / x + y; }, {0.0, 1.0});
  EXPECT_EQ(g[0], -kInf);
  EXPECT_EQ(g[1], 1.0);
}

TEST(DualAtSingularPoints, QuotientByZeroHasInfinitePartialsNotNan) {
  const auto g = nabla::forward::gradient([](auto x, auto y) { return x / y; }, {1.0, 0.0});
  EXPECT_EQ(g[0], kInf);
  EXPECT_EQ(g[1], -kInf);
}

TEST(DualAtSingularPoints, ZeroTangentTimesInfiniteValueStaysZero) {
  const auto g = nabla::forward::gradient(
      [](auto x, auto y) {
        using std::log;
        return x * log(y);
      },
      {1.0, 0.0});
  EXPECT_EQ(g[0], -kInf);
  EXPECT_EQ(g[1], kInf);
}

// --- every kind of product of a partial and a tangent ------------------------------------------

// Two tangents, one of them zero: each operation's zero tangent stays 0 and the other gets the
// infinite partial. Dual / Dual, number / Dual, Dual / number, Dual * number, pow in its three
// forms, and the reciprocal rules (log, sqrt) that divide a single tangent by their denominator.
TEST(DualAtSingularPoints, EveryOperationKeepsAZeroTangentZero) {
  using D = Dual<double, 2>;
  const D zero(0, {1, 0});  // moves along the first direction only
  const D one(1, {0, 1});
  const auto expect_tangents = [](const D& r, double first, double second, const char* what) {
    EXPECT_EQ(r.tangent(0), first) << what;
    EXPECT_EQ(r.tangent(1), second) << what;
  };
  expect_tangents(one / zero, -kInf, kInf, "1 / 0 with both moving");
  expect_tangents(1.0 / zero, -kInf, 0, "number / Dual");
  expect_tangents(zero / 0.0, kInf, 0, "Dual / number zero");
  expect_tangents(zero * kInf, kInf, 0, "Dual * inf");
  expect_tangents(D(kInf, {1, 0}) * zero, kInf, 0, "inf * 0 as Duals");
  expect_tangents(D(1, {kInf, 0}) / kInf, 0, 0, "Dual / inf: the partial 0 wins over inf");
  expect_tangents(log(zero), kInf, 0, "log at 0");
  expect_tangents(sqrt(zero), kInf, 0, "sqrt at 0");
  expect_tangents(pow(zero, 0.5), kInf, 0, "Dual^number");
  expect_tangents(pow(0.0, D(-1, {1, 0})), -kInf, 0, "number^Dual: 0^x at x = -1");
  expect_tangents(pow(zero, D(0.5)), kInf, 0, "Dual^Dual, the exponent fixed");
  expect_tangents(pow(D(0), D(-1, {0, 1})), 0, -kInf, "Dual^Dual, the base fixed");
  // One tangent: the reciprocal rules' t / q path.
  EXPECT_EQ(log(Dual<double>(0, 0)).tangent(), 0);
  EXPECT_EQ(sqrt(Dual<double>(0, 0)).tangent(), 0);
  EXPECT_EQ(log(Dual<double>(0, 1)).tangent(), kInf);
}

// The mirror case: an exactly zero partial times an infinite tangent is 0 too, so that forward
// mode agrees with reverse mode, where the same zero is an adjoint (abs(sqrt(x)) at 0: the
// adjoint of sqrt is abs'(0) = 0, and nothing reaches x).
TEST(DualAtSingularPoints, ZeroPartialTimesInfiniteTangentStaysZero) {
  using std::abs, std::floor, std::sqrt;
  EXPECT_EQ(nabla::forward::derivative([](auto x) { return abs(sqrt(x)); }, 0.0), 0);
  EXPECT_EQ(nabla::forward::derivative([](auto x) { return floor(sqrt(x)); }, 0.0), 0);
  EXPECT_EQ(nabla::forward::derivative([](auto x) { return 0.0 * sqrt(x); }, 0.0), 0);
  const auto g = nabla::forward::gradient([](auto x, auto y) { return x * sqrt(y); }, {0.0, 0.0});
  EXPECT_EQ(g[0], 0);
  EXPECT_EQ(g[1], 0);
}

// Second derivatives along directions that do not move the singular input are exact, with one
// chunk or with both inputs in one (where a nested tangent is zero in one lane only).
TEST(DualAtSingularPoints, NestedDualsKeepZeroTangentsZeroAtEveryLevel) {
  const auto reciprocal = [](auto x, auto y) { return 1.0 / x + y; };
  const auto logarithm = [](auto x, auto y) {
    using std::log;
    return x * log(y);
  };
  for (const auto& h : {nabla::forward::hessian<1>(reciprocal, {0.0, 1.0}),
                        nabla::forward::hessian<2>(reciprocal, {0.0, 1.0})}) {
    EXPECT_EQ(h(0, 0), kInf);  // 2 / x^3 at 0
    EXPECT_EQ(h(0, 1), 0);
    EXPECT_EQ(h(1, 0), 0);
    EXPECT_EQ(h(1, 1), 0);
  }
  for (const auto& h : {nabla::forward::hessian<1>(logarithm, {1.0, 0.0}),
                        nabla::forward::hessian<2>(logarithm, {1.0, 0.0})}) {
    EXPECT_EQ(h(0, 0), 0);
    EXPECT_EQ(h(0, 1), kInf);  // 1 / y
    EXPECT_EQ(h(1, 0), kInf);
    EXPECT_EQ(h(1, 1), -kInf);  // -x / y^2
  }
}

// Taylor mode has one direction, so a constant series is an input that does not move: its
// infinite values and partials leave every higher coefficient alone.
TEST(TaylorAtSingularPoints, ConstantInputContributesNothing) {
  using T3 = Taylor<double, 3>;
  using std::log, std::pow, std::cbrt;
  const T3 r = 1.0 / T3(0.0) + T3::variable(1.0);
  EXPECT_EQ(r[0], kInf);
  EXPECT_EQ(r[1], 1);
  EXPECT_EQ(r[2], 0);
  EXPECT_EQ(r[3], 0);
  const T3 l = T3::variable(1.0) * log(T3(0.0));
  EXPECT_EQ(l[0], -kInf);
  EXPECT_EQ(l[1], -kInf);
  EXPECT_EQ(l[2], 0);
  EXPECT_EQ(l[3], 0);
  const T3 q = T3::variable(1.0) / T3(0.0);
  EXPECT_EQ(q[1], kInf);
  EXPECT_EQ(q[2], 0);
  // d/dy 0^y at y = 0 is 0^0 log 0 = -inf, as Dual's rule says; x^y's value is 1 there, so the
  // series is seeded with it rather than with exp(0 · log 0) = nan.
  EXPECT_EQ(pow(T3(0.0), T3::variable(0.0)).derivative(1), -kInf);
  // cbrt at 0: the recurrence x y' = y x' / 3 says 0 = 0; the first order comes from the rule.
  EXPECT_EQ(cbrt(T3::variable(0.0)).derivative(1), kInf);
  EXPECT_EQ(cbrt(T3(0.0)).derivative(1), 0);
}

}  // namespace
