#include "nabla/forward/dual.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <string>

namespace {

using nabla::Dual;

template <class T>
std::string printed(const T& x) {
  std::ostringstream os;
  os << x;
  return os.str();
}

// Seed 004, cells 21 and 22.
TEST(Dual, SeedSumAndProductPrintAsTheSeedShowsThem) {
  EXPECT_EQ(printed(3 + Dual<double>(3, 4)), "6 + 4ε");
  EXPECT_EQ(printed(Dual<double>(3, 4) * Dual<double>(5, 7)), "15 + 41ε");
}

// Seed 004, cells 24 to 26: seeding x then y gives the two partials of f.
TEST(Dual, SeedFunctionPartialsFromTwoSeedings) {
  auto f = [](auto x, auto y) { return x * x * y + y + 2; };
  const auto dx = f(Dual<double>(3, 1), Dual<double>(4, 0));
  const auto dy = f(Dual<double>(3, 0), Dual<double>(4, 1));
  EXPECT_EQ(dx.value(), 42);
  EXPECT_EQ(dx.tangent(), 24);
  EXPECT_EQ(dy.tangent(), 10);
}

TEST(Dual, VectorModeGivesBothPartialsInOnePass) {
  auto f = [](auto x, auto y) { return x * x * y + y + 2; };
  using D = Dual<double, 2>;
  const D r = f(D::variable(3, 0), D::variable(4, 1));
  EXPECT_EQ(r.value(), 42);
  EXPECT_EQ(r.tangent(0), 24);
  EXPECT_EQ(r.tangent(1), 10);
}

TEST(Dual, QuotientRuleIsExact) {
  const Dual<double> a(3, 4), b(5, 7);
  const Dual<double> q = a / b;
  EXPECT_DOUBLE_EQ(q.value(), 0.6);
  EXPECT_NEAR(q.tangent(), (4 * 5 - 3 * 7) / 25.0, 1e-15);
  const Dual<double> r = 2 / b;  // d(2/b) = -2 b' / b^2
  EXPECT_DOUBLE_EQ(r.tangent(), -2.0 * 7 / 25);
}

TEST(Dual, PlainNumbersMixOnEitherSide) {
  const Dual<double> x(2, 1);
  EXPECT_EQ((x + 1).value(), 3);
  EXPECT_EQ((1 + x).tangent(), 1);
  EXPECT_EQ((x - 1).value(), 1);
  EXPECT_EQ((1 - x).tangent(), -1);
  EXPECT_EQ((3 * x).tangent(), 3);
  EXPECT_EQ((x * 3.0f).tangent(), 3);
  EXPECT_EQ((x / 2).tangent(), 0.5);
  EXPECT_EQ((8 / x).tangent(), -2);  // d(8/x) = -8/x^2
  EXPECT_EQ((2L * x + 1u).value(), 5);
}

TEST(Dual, CompoundAssignmentMatchesBinaryOperators) {
  const Dual<double> a(3, 4), b(5, 7);
  Dual<double> c = a;
  c += b;
  EXPECT_EQ(c.tangent(), (a + b).tangent());
  c = a;
  c -= b;
  EXPECT_EQ(c.tangent(), (a - b).tangent());
  c = a;
  c *= b;
  EXPECT_EQ(c.tangent(), 41);
  c = a;
  c /= b;
  EXPECT_DOUBLE_EQ(c.tangent(), (a / b).tangent());
  c = a;
  c *= 2;
  c += 1;
  c -= 0.5;
  c /= 4;
  EXPECT_DOUBLE_EQ(c.value(), (3 * 2 + 1 - 0.5) / 4);
  EXPECT_DOUBLE_EQ(c.tangent(), 2.0);
}

TEST(Dual, ComparisonsLookAtTheValueOnly) {
  const Dual<double> a(3, 100), b(3, -5), c(4, 0);
  EXPECT_TRUE(a == b);
  EXPECT_TRUE(a < c);
  EXPECT_TRUE(c > 3);
  EXPECT_TRUE(2 < a);
  EXPECT_TRUE(a <= 3.0);
  EXPECT_TRUE(a != c);
  EXPECT_FALSE(a != 3);
}

TEST(Dual, NestedDualsCarrySecondDerivatives) {
  using D2 = Dual<Dual<double>>;
  // x^3 at 2: value 8, first derivative 12, second derivative 12.
  const D2 x(Dual<double>(2, 1), Dual<double>(1, 0));
  const D2 y = x * x * x;
  EXPECT_EQ(y.value().value(), 8);
  EXPECT_EQ(y.value().tangent(), 12);
  EXPECT_EQ(y.tangent().value(), 12);
  EXPECT_EQ(y.tangent().tangent(), 12);
  // Plain numbers and the inner type mix with the outer dual.
  const D2 z = 2 * x + Dual<double>(1, 0);
  EXPECT_EQ(z.tangent().value(), 2);
}

TEST(Dual, ThirdOrderNestingDifferentiatesThreeTimes) {
  using D3 = Dual<Dual<Dual<double>>>;
  // d^3/dx^3 sin(x) = -cos(x)
  const double at = 0.7;
  D3 x(Dual<Dual<double>>(Dual<double>(at, 1), Dual<double>(1, 0)),
       Dual<Dual<double>>(Dual<double>(1, 0), Dual<double>(0, 0)));
  const D3 y = sin(x);
  EXPECT_NEAR(y.tangent().tangent().tangent(), -std::cos(at), 1e-15);
  EXPECT_NEAR(y.tangent().tangent().value(), -std::sin(at), 1e-15);
}

// A zero tangent stays zero against an infinite partial (nabla/core/chain.hpp); a nested
// tangent whose value is 0 but whose own tangent is not (d/dx x^2 = 2x at 0) is not zero, and
// dropping it would lose the second derivative.
TEST(Dual, SingularRulesKeepNestedTangentsWhoseValueIsZero) {
  using D2 = Dual<Dual<double>>;
  const D2 x(Dual<double>(0, 1), Dual<double>(1, 0));
  EXPECT_EQ(log(1 + x * x).tangent().tangent(), 2);   // (log(1 + x^2))'' = 2 at 0
  EXPECT_EQ(sqrt(1 + x * x).tangent().tangent(), 1);  // (sqrt(1 + x^2))'' = 1 at 0
  EXPECT_EQ(pow(1 + x * x, 3.0).tangent().tangent(), 6);
}

TEST(Dual, PrintingShowsSignsIndicesAndNesting) {
  EXPECT_EQ(printed(Dual<double>(1, -2)), "1 - 2ε");
  EXPECT_EQ(printed(Dual<double>(2)), "2");
  using D = Dual<double, 3>;
  EXPECT_EQ(printed(D(1, {2, 0, -3})), "1 + 2ε₀ - 3ε₂");
  using D2 = Dual<Dual<double>>;
  EXPECT_EQ(printed(D2(Dual<double>(3, 1), Dual<double>(1))), "(3 + 1ε) + (1)ε");
  // A tangent whose value is 0 is not zero when its own tangent is not.
  EXPECT_EQ(printed(D2(Dual<double>(3, 1), Dual<double>(0, 1))), "(3 + 1ε) + (0 + 1ε)ε");
}

TEST(Dual, ConstexprArithmeticWorksAtCompileTime) {
  constexpr Dual<double> x(3, 4);
  constexpr Dual<double> y = x * x + 1;
  static_assert(y.value() == 10 && y.tangent() == 24);
  EXPECT_EQ(y.tangent(), 24);
}

}  // namespace
