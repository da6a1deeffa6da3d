#include "nabla/forward/taylor.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <random>

#include "nabla/forward/dual.hpp"

namespace {

using nabla::Dual;
using nabla::Taylor;
using T8 = Taylor<double, 8>;

double factorial(int k) { return std::tgamma(k + 1.0); }

// Known Maclaurin series: the coefficients of f(0 + t).
TEST(Taylor, ExpSinCosCoefficientsAreTheMaclaurinSeries) {
  const T8 t = T8::variable(0);
  const T8 e = exp(t), s = sin(t), c = cos(t), sh = sinh(t), ch = cosh(t);
  for (int k = 0; k <= 8; ++k) {
    EXPECT_DOUBLE_EQ(e[k], 1 / factorial(k));
    const double sine = (k % 2 == 1) ? ((k / 2) % 2 == 0 ? 1 : -1) / factorial(k) : 0;
    const double cosine = (k % 2 == 0) ? ((k / 2) % 2 == 0 ? 1 : -1) / factorial(k) : 0;
    EXPECT_NEAR(s[k], sine, 1e-16) << k;
    EXPECT_NEAR(c[k], cosine, 1e-16) << k;
    EXPECT_NEAR(sh[k], std::abs(sine), 1e-16) << k;
    EXPECT_NEAR(ch[k], std::abs(cosine), 1e-16) << k;
  }
}

TEST(Taylor, LogAtanAndTanCoefficientsAreTheMaclaurinSeries) {
  const T8 t = T8::variable(0);
  const T8 l = log(1.0 + t), a = atan(t), tn = tan(t), th = tanh(t);
  for (int k = 1; k <= 8; ++k) {
    EXPECT_NEAR(l[k], ((k % 2 == 1) ? 1.0 : -1.0) / k, 1e-15) << k;  // log(1+t)
    EXPECT_NEAR(a[k], (k % 2 == 1) ? (((k / 2) % 2 == 0) ? 1.0 : -1.0) / k : 0, 1e-15) << k;
  }
  // tan t = t + t^3/3 + 2 t^5/15 + 17 t^7/315;  tanh t = t - t^3/3 + 2 t^5/15 - 17 t^7/315
  const double tan_series[] = {0, 1, 0, 1.0 / 3, 0, 2.0 / 15, 0, 17.0 / 315, 0};
  for (int k = 0; k <= 8; ++k) {
    EXPECT_NEAR(tn[k], tan_series[k], 1e-15) << k;
    EXPECT_NEAR(th[k], (k % 4 == 3 ? -1 : 1) * tan_series[k], 1e-15) << k;
  }
}

TEST(Taylor, BinomialSeriesOfPowAndSqrt) {
  // (1 + t)^r = sum_k binom(r, k) t^k
  for (double r : {0.5, -1.0, 2.5, -0.3}) {
    const T8 y = pow(1.0 + T8::variable(0), r);
    double binomial = 1;
    for (int k = 0; k <= 8; ++k) {
      EXPECT_NEAR(y[k], binomial, 1e-14) << r << ' ' << k;
      binomial *= (r - k) / (k + 1);
    }
  }
  const T8 s = sqrt(1.0 + T8::variable(0));
  const T8 p = pow(1.0 + T8::variable(0), 0.5);
  for (int k = 0; k <= 8; ++k) EXPECT_NEAR(s[k], p[k], 1e-15);
}

TEST(Taylor, DerivativesOfPowerAreFallingFactorials) {
  // d^k/dx^k x^r = r (r-1) ... (r-k+1) x^(r-k)
  const double x = 1.7, r = 3.4;
  const T8 y = pow(T8::variable(x), r);
  double falling = 1;
  for (int k = 0; k <= 8; ++k) {
    EXPECT_NEAR(y.derivative(k), falling * std::pow(x, r - k), 1e-12 * std::abs(falling) + 1e-13)
        << k;
    falling *= r - k;
  }
  // Integer powers are exact polynomials, defined at 0 too.
  const T8 cube = pow(T8::variable(0.0), 3);
  EXPECT_EQ(cube[3], 1);
  EXPECT_EQ(cube[2], 0);
}

TEST(Taylor, QuotientInvertsProduct) {
  const T8 a = exp(T8::variable(0.3)), b = 2.0 + sin(T8::variable(0.3));
  const T8 back = (a * b) / b;
  for (int k = 0; k <= 8; ++k) EXPECT_NEAR(back[k], a[k], 1e-14);
}

// Every function's first and second Taylor derivatives against nested duals (a second mode).
TEST(Taylor, FirstAndSecondDerivativesAgreeWithNestedDuals) {
  using D2 = Dual<Dual<double>>;
  using T2 = Taylor<double, 2>;
  auto check = [](const char* name, auto f, double x) {
    const T2 t = f(T2::variable(x));
    const D2 d = f(D2(Dual<double>(x, 1), Dual<double>(1, 0)));
    EXPECT_NEAR(t.derivative(1), d.tangent().value(), 1e-12 * (1 + std::abs(t.derivative(1))))
        << name << " at " << x;
    EXPECT_NEAR(t.derivative(2), d.tangent().tangent(), 1e-11 * (1 + std::abs(t.derivative(2))))
        << name << " at " << x;
  };
#define NABLA_CHECK(function, x) \
  check(                         \
      #function, [](auto v) { return function(v); }, x)
  for (double x : {0.3, 0.7}) {
    NABLA_CHECK(exp, x);
    NABLA_CHECK(exp2, x);
    NABLA_CHECK(expm1, x);
    NABLA_CHECK(log, x);
    NABLA_CHECK(log2, x);
    NABLA_CHECK(log10, x);
    NABLA_CHECK(log1p, x);
    NABLA_CHECK(sqrt, x);
    NABLA_CHECK(cbrt, x);
    NABLA_CHECK(cbrt, -x);
    NABLA_CHECK(sin, x);
    NABLA_CHECK(cos, x);
    NABLA_CHECK(tan, x);
    NABLA_CHECK(asin, x);
    NABLA_CHECK(acos, x);
    NABLA_CHECK(atan, x);
    NABLA_CHECK(sinh, x);
    NABLA_CHECK(cosh, x);
    NABLA_CHECK(tanh, x);
    NABLA_CHECK(asinh, x);
    NABLA_CHECK(acosh, 1 + x);
    NABLA_CHECK(atanh, x);
    NABLA_CHECK(abs, -x);
    NABLA_CHECK(erf, x);
    NABLA_CHECK(erfc, x);
    NABLA_CHECK(tgamma, x);
    NABLA_CHECK(lgamma, x);
    NABLA_CHECK(tgamma, -x);
    NABLA_CHECK(floor, x + 1);
  }
#undef NABLA_CHECK
  check(
      "pow", [](auto v) { return pow(v, v); }, 1.3);
  check(
      "pow(2, x)", [](auto v) { return pow(2.0, v); }, 1.3);
  check(
      "atan2", [](auto v) { return atan2(v * v, 1.0 - v); }, 0.4);
  check(
      "hypot", [](auto v) { return hypot(v, 2.0 * v + 1.0); }, 0.4);
  check(
      "polygamma", [](auto v) { return polygamma(1, v); }, 2.2);
  check(
      "max", [](auto v) { return max(v * v, 0.1 + v); }, 0.4);
}

TEST(Taylor, HigherOrderOfACompositionMatchesKnownDerivatives) {
  // f(x) = exp(sin x): f''' = exp(sin x) (cos^3 x - 3 sin x cos x - cos x)
  const double x = 0.9;
  const auto y = exp(sin(Taylor<double, 3>::variable(x)));
  const double s = std::sin(x), c = std::cos(x);
  EXPECT_NEAR(y.derivative(3), std::exp(s) * (c * c * c - 3 * s * c - c), 1e-13);
  // lgamma at 1: coefficients are -gamma, zeta(2)/2, -zeta(3)/3
  const auto g = lgamma(Taylor<double, 3>::variable(1.0));
  EXPECT_NEAR(g[1], -0.57721566490153286, 1e-14);
  EXPECT_NEAR(g[2], std::numbers::pi * std::numbers::pi / 12, 1e-14);
  EXPECT_NEAR(g[3], -1.2020569031595942 / 3, 1e-14);
}

TEST(Taylor, HigherCoefficientsOfAbsAndHypotAtTheirKinksAreZero) {
  const T8 a = abs(T8::variable(0.0));
  const T8 h = hypot(T8::variable(0.0), T8(0.0));
  for (int k = 0; k <= 8; ++k) {
    EXPECT_EQ(a[k], 0);
    EXPECT_EQ(h[k], 0);
  }
  EXPECT_TRUE(std::isinf(sqrt(T8::variable(0.0))[1]));  // IEEE, as documented
}

}  // namespace

namespace {

// The documented pow conventions hold for Taylor series as for Dual.
TEST(TaylorPow, IntegerPowersAreDefinedAtZeroWhateverTheExponent) {
  const T8 y = pow(T8::variable(0.0), 20);  // t^20 truncated after t^8: all zero
  for (int k = 0; k <= 8; ++k) EXPECT_EQ(y[k], 0) << k;
  const T8 cube = pow(T8::variable(0.0), 3);
  EXPECT_EQ(cube[3], 1);
  const auto big = pow(Taylor<double, 2>::variable(1.0), 40);  // (1 + t)^40
  EXPECT_DOUBLE_EQ(big[1], 40);
  EXPECT_DOUBLE_EQ(big[2], 40 * 39 / 2.0);
}

TEST(TaylorPow, ConstantExponentSeriesKeepsNegativeBasesDifferentiable) {
  using T2 = Taylor<double, 2>;
  const T2 y = pow(T2::variable(-2.0), T2(3.0));  // x^3 at -2: -8, 12, -6
  EXPECT_EQ(y[0], -8);
  EXPECT_DOUBLE_EQ(y[1], 12);
  EXPECT_DOUBLE_EQ(y[2], -6);
  const T2 z = pow(T2::variable(0.0), T2(2.0));
  EXPECT_EQ(z[2], 1);
  EXPECT_EQ(z[1], 0);
}

TEST(TaylorPow, ZeroToAPositivePowerIsFlat) {
  const auto y = pow(0.0, Taylor<double, 3>::variable(2.0));
  for (int k = 0; k <= 3; ++k) EXPECT_EQ(y[k], 0) << k;
  const auto d = pow(0.0, nabla::Dual<double>::variable(2.0));  // the same convention in Dual
  EXPECT_EQ(d.tangent(), 0);
}

}  // namespace
