// Each stencil's error must fall like h^p: halving the step divides it by 2^p. Measured on
// f = exp at x = 0.7 with explicit steps large enough that truncation (not rounding) dominates
// the error even at h/2, and small enough that the leading error term dominates the next one.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "nabla/numeric/finite_difference.hpp"

namespace {

using nabla::numeric::Difference;
using nabla::numeric::Options;

struct Scheme {
  Difference scheme;
  int derivative_order;
  int accuracy;
};

double error_at(const Scheme& s, double step, int richardson = 0) {
  const auto f = [](double x) { return std::exp(x); };
  const double x = 0.7;
  const Options options{s.scheme, s.accuracy, step, richardson};
  const double estimate = s.derivative_order == 1
                              ? nabla::numeric::derivative(f, x, options)
                              : nabla::numeric::second_derivative(f, x, options);
  return estimate - std::exp(x);  // every derivative of exp is exp
}

// The step for the measurement. One-sided stencils reach further (up to 7 h away) and have
// larger error constants, so they need a smaller step than central ones for the leading term to
// dominate; at these steps the next term changes the ratio by at most about 17%, and rounding
// (about 1e-16 |f| / h^d times the weights' size) stays below 1e-4 of the truncation error.
double measuring_step(Difference scheme) { return scheme == Difference::central ? 0.2 : 0.1; }

class ErrorOrder : public testing::TestWithParam<Scheme> {};

TEST_P(ErrorOrder, ErrorShrinksByTwoToTheAccuracyOrderWhenStepHalves) {
  const Scheme s = GetParam();
  const double h = measuring_step(s.scheme);
  const double ratio = error_at(s, h) / error_at(s, h / 2);
  // 2^p within 25%: a stencil one order off would be a factor 2 away.
  EXPECT_NEAR(ratio / std::ldexp(1.0, s.accuracy), 1.0, 0.25) << "ratio " << ratio;
}

std::vector<Scheme> all_schemes() {
  std::vector<Scheme> schemes;
  for (int d = 1; d <= 2; ++d) {
    for (int p = 1; p <= 6; ++p) {
      schemes.push_back({Difference::forward, d, p});
      schemes.push_back({Difference::backward, d, p});
    }
    for (int p = 2; p <= 8; p += 2) schemes.push_back({Difference::central, d, p});
  }
  return schemes;
}

INSTANTIATE_TEST_SUITE_P(AllStencils, ErrorOrder, testing::ValuesIn(all_schemes()),
                         [](const testing::TestParamInfo<Scheme>& info) {
                           const Scheme& s = info.param;
                           return std::string(nabla::numeric::to_string(s.scheme)) +
                                  (s.derivative_order == 1 ? "First" : "Second") + "Derivative" +
                                  "Accuracy" + std::to_string(s.accuracy);
                         });

TEST(ErrorOrder, CentralOrderFourErrorShrinksSixteenfoldWhenStepHalves) {
  const Scheme s{Difference::central, 1, 4};
  EXPECT_NEAR(error_at(s, 0.2) / error_at(s, 0.1), 16.0, 0.5);
}

TEST(ErrorOrder, ForwardOrderOneErrorHalvesWhenStepHalves) {
  const Scheme s{Difference::forward, 1, 1};
  EXPECT_NEAR(error_at(s, 0.01) / error_at(s, 0.005), 2.0, 0.01);
}

// Richardson levels add q = 2 orders each to a central stencil (its error has only even powers)
// and q = 1 to a one-sided one. Two levels tell a right q from a wrong one: the first level
// always cancels h^p, whatever q is.
TEST(ErrorOrder, TwoRichardsonLevelsRaiseCentralOrderTwoToSix) {
  const Scheme s{Difference::central, 1, 2};
  const double ratio = error_at(s, 0.4, 2) / error_at(s, 0.2, 2);
  EXPECT_NEAR(ratio / 64, 1.0, 0.25) << ratio;
}

TEST(ErrorOrder, TwoRichardsonLevelsRaiseForwardOrderOneToThree) {
  const Scheme s{Difference::forward, 1, 1};
  const double ratio = error_at(s, 0.1, 2) / error_at(s, 0.05, 2);
  EXPECT_NEAR(ratio / 8, 1.0, 0.25) << ratio;
}

TEST(ErrorOrder, TwoRichardsonLevelsRaiseCentralSecondDerivativeOrderTwoToSix) {
  const Scheme s{Difference::central, 2, 2};
  const double ratio = error_at(s, 0.4, 2) / error_at(s, 0.2, 2);
  EXPECT_NEAR(ratio / 64, 1.0, 0.25) << ratio;
}

}  // namespace
