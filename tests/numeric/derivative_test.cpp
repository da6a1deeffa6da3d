// One-variable derivatives: the step rule, automatic accuracy, Richardson extrapolation.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "nabla/numeric/finite_difference.hpp"
#include "support.hpp"

namespace {

using nabla::numeric::derivative;
using nabla::numeric::Difference;
using nabla::numeric::Options;
using nabla::numeric::second_derivative;
using nabla::numeric::step_size;

constexpr double kEps = std::numeric_limits<double>::epsilon();

using nabla::testing::argument_error_message;
using nabla::testing::contains;

double relative_error(double estimate, double exact) {
  return std::abs(estimate - exact) / std::abs(exact);
}

const auto exp_function = [](double x) { return std::exp(x); };

TEST(StepSize, ExplicitStepIsUsedExactlyAsGiven) {
  const Options options{.scheme = Difference::forward, .accuracy = 1, .step = 1e-4};
  EXPECT_EQ(step_size(3.0, 1, options), 1e-4);
  EXPECT_EQ(step_size(0.7, 2, options), 1e-4);
}

TEST(StepSize, AutomaticStepIsEpsToTheOneOverOrderPlusDerivative) {
  // At x = 0 the scale is 1 and 0 + h - 0 == h, so the formula shows through unrounded.
  EXPECT_DOUBLE_EQ(step_size(0.0, 1, {}), std::pow(kEps, 1.0 / 3));
  EXPECT_DOUBLE_EQ(step_size(0.0, 2, {}), std::pow(kEps, 1.0 / 4));
  EXPECT_DOUBLE_EQ(step_size(0.0, 1, {.scheme = Difference::forward, .accuracy = 1}),
                   std::pow(kEps, 1.0 / 2));
  EXPECT_DOUBLE_EQ(step_size(0.0, 1, {.accuracy = 6}), std::pow(kEps, 1.0 / 7));
}

TEST(StepSize, RichardsonLevelsRaiseTheOrderTheStepIsBalancedFor) {
  // Central: q = 2 per level, so one level turns p = 2 into 4; forward: q = 1.
  EXPECT_DOUBLE_EQ(step_size(0.0, 1, {.richardson = 1}), std::pow(kEps, 1.0 / 5));
  EXPECT_DOUBLE_EQ(
      step_size(0.0, 1, {.scheme = Difference::forward, .accuracy = 1, .richardson = 2}),
      std::pow(kEps, 1.0 / 4));
}

TEST(StepSize, AutomaticStepScalesWithLargeArgumentsOnly) {
  const double unit = step_size(0.0, 1, {});
  // The rounding to fl(x + h) - x changes h by at most half an ulp of x.
  EXPECT_NEAR(step_size(0.25, 1, {}), unit, 0.25 * kEps) << "small |x| keeps the unit scale";
  EXPECT_NEAR(step_size(1000.0, 1, {}), 1000 * unit, 1000 * kEps);
  EXPECT_NEAR(step_size(-1000.0, 1, {}), 1000 * unit, 1000 * kEps);
}

TEST(StepSize, AutomaticStepIsExactlyTheDistanceTravelled) {
  for (double x : {0.0, 0.7, -3.3, 1.0 / 3, 123456.789, -1e-300, 2.5e7}) {
    for (int d : {1, 2}) {
      for (const Options& options :
           {Options{}, Options{.accuracy = 8},
            Options{.scheme = Difference::forward, .accuracy = 1}, Options{.richardson = 3}}) {
        const double h = step_size(x, d, options);
        EXPECT_EQ((x + h) - x, h) << "x=" << x << " d=" << d;
        EXPECT_GT(h, 0);
      }
    }
  }
}

TEST(StepSize, InvalidOptionsAreRejectedNamingTheValue) {
  EXPECT_TRUE(contains(argument_error_message([] { step_size(1.0, 1, {.step = -0.5}); }), "-0.5"));
  EXPECT_TRUE(
      contains(argument_error_message([] { step_size(1.0, 1, {.richardson = -1}); }), "got -1"));
  EXPECT_TRUE(
      contains(argument_error_message([] { step_size(1.0, 1, {.richardson = 11}); }), "got 11"));
  EXPECT_TRUE(contains(argument_error_message([] { step_size(1.0, 1, {.accuracy = 5}); }),
                       "accuracy order 5"));
  EXPECT_TRUE(
      contains(argument_error_message([] { step_size(1.0, 3, {}); }), "derivative order 3"));
}

TEST(Derivative, AutomaticCentralOrderTwoGetsNineDigits) {
  // Expected error ~ eps^(2/3) ~ 4e-11 relative; 1e-9 leaves a margin of 25.
  for (double x : {0.7, -2.0, 5.0}) {
    EXPECT_LT(relative_error(derivative(exp_function, x), std::exp(x)), 1e-9) << x;
  }
}

TEST(Derivative, AutomaticCentralOrderSixGetsTwelveDigits) {
  // Expected error ~ eps^(6/7) ~ 3e-14 relative. (Not at x = 5: the step grows with |x|, as if
  // f's features did, but exp's do not, and there h^6 / 140 ~ 4e-12.)
  for (double x : {0.7, -2.0, 0.0}) {
    EXPECT_LT(relative_error(derivative(exp_function, x, {.accuracy = 6}), std::exp(x)), 1e-12)
        << x;
  }
}

TEST(Derivative, AutomaticStepFollowsTheScaleOfLargeArguments) {
  // d/dx log(x) = 1/x at x = 1e6: the step must grow with x, or x + h would lose h's digits.
  const double x = 1e6;
  EXPECT_LT(relative_error(derivative([](double t) { return std::log(t); }, x), 1 / x), 1e-9);
}

TEST(Derivative, ForwardOrderOneAutomaticGetsHalfTheDigits) {
  // eps^(1/2) ~ 1.5e-8: the seed's method, with the best step, is still only this good.
  const double error = relative_error(
      derivative(exp_function, 0.7, {.scheme = Difference::forward, .accuracy = 1}), std::exp(0.7));
  EXPECT_LT(error, 1e-7);
  EXPECT_GT(error, 1e-11) << "one-sided order 1 cannot be this accurate: wrong stencil?";
}

TEST(Derivative, BackwardDifferenceMatchesTheDerivativeFromTheLeft) {
  // |x| has derivative -1 from the left at 0: only a backward stencil sees it.
  const auto abs_function = [](double x) { return std::abs(x); };
  EXPECT_DOUBLE_EQ(derivative(abs_function, 0.0, {.scheme = Difference::backward, .accuracy = 3}),
                   -1.0);
  EXPECT_DOUBLE_EQ(derivative(abs_function, 0.0, {.scheme = Difference::forward, .accuracy = 3}),
                   1.0);
}

TEST(SecondDerivative, AutomaticCentralOrderTwoGetsSevenDigits) {
  // Expected error ~ eps^(2/4) ~ 1.5e-8 relative; 1e-6 allows for the weights' size (4).
  for (double x : {0.7, -2.0, 5.0}) {
    EXPECT_LT(relative_error(second_derivative(exp_function, x), std::exp(x)), 1e-6) << x;
  }
  EXPECT_NEAR(second_derivative([](double t) { return std::sin(t); }, 1.2), -std::sin(1.2), 1e-7);
}

TEST(SecondDerivative, AutomaticCentralOrderEightGetsElevenDigits) {
  // eps^(8/10) ~ 3e-13 relative, times the weights' size (about 6).
  EXPECT_LT(relative_error(second_derivative(exp_function, 0.7, {.accuracy = 8}), std::exp(0.7)),
            1e-11);
}

TEST(Richardson, ExtrapolationLowersTheErrorAtTheSameStep) {
  for (const Options& plain :
       {Options{.step = 0.05}, Options{.accuracy = 4, .step = 0.05},
        Options{.scheme = Difference::forward, .accuracy = 1, .step = 0.01},
        Options{.scheme = Difference::backward, .accuracy = 2, .step = 0.01}}) {
    Options extrapolated = plain;
    extrapolated.richardson = 2;
    const double without = relative_error(derivative(exp_function, 0.7, plain), std::exp(0.7));
    const double with = relative_error(derivative(exp_function, 0.7, extrapolated), std::exp(0.7));
    // Two levels gain at least two orders: at least a factor of 1/h^2 >= 400.
    EXPECT_LT(with, without / 400) << "accuracy " << plain.accuracy;
    const double second_without =
        relative_error(second_derivative(exp_function, 0.7, plain), std::exp(0.7));
    const double second_with =
        relative_error(second_derivative(exp_function, 0.7, extrapolated), std::exp(0.7));
    EXPECT_LT(second_with, second_without / 100) << "accuracy " << plain.accuracy;
  }
}

TEST(Richardson, AutomaticStepWithExtrapolationBeatsThePlainAutomaticStep) {
  // Forward order 1 alone: ~ eps^(1/2); with three levels, order 4: ~ eps^(4/5).
  const Options plain{.scheme = Difference::forward, .accuracy = 1};
  Options extrapolated = plain;
  extrapolated.richardson = 3;
  const double without = relative_error(derivative(exp_function, 0.7, plain), std::exp(0.7));
  const double with = relative_error(derivative(exp_function, 0.7, extrapolated), std::exp(0.7));
  EXPECT_LT(with, 1e-11);
  EXPECT_LT(with, without / 100);
}

TEST(Derivative, InvalidSchemeIsRejectedBeforeEvaluatingAnything) {
  int calls = 0;
  const auto counted = [&calls](double x) {
    ++calls;
    return x;
  };
  EXPECT_TRUE(contains(argument_error_message([&] { derivative(counted, 1.0, {.accuracy = 3}); }),
                       "accuracy order 3"));
  EXPECT_TRUE(
      contains(argument_error_message([&] { second_derivative(counted, 1.0, {.accuracy = 0}); }),
               "accuracy order 0"));
  EXPECT_EQ(calls, 0);
}

TEST(Derivative, NanPointGivesNanNotAnException) {
  EXPECT_TRUE(std::isnan(derivative(exp_function, std::nan(""))));
}

TEST(Derivative, CentralFirstDerivativeNeverEvaluatesTheCentre) {
  // Its centre weight is zero, so f(x) is not needed: 2 evaluations for accuracy 2.
  int calls = 0;
  const auto counted = [&calls](double x) {
    ++calls;
    return x * x;
  };
  EXPECT_DOUBLE_EQ(derivative(counted, 3.0), 6.0);
  EXPECT_EQ(calls, 2);
}

}  // namespace

namespace {

TEST(StepChoice, ManyRichardsonLevelsStayCloseToX) {
  // Accuracy 8 with 10 levels once chose h = 0.29 and sampled log at negative points.
  auto log_of = [](double x) { return std::log(x); };
  const double d = nabla::numeric::derivative(
      log_of, 1.0,
      {.scheme = nabla::numeric::Difference::central, .accuracy = 8, .richardson = 10});
  EXPECT_NEAR(d, 1.0, 1e-9);
}

TEST(StepChoice, AStepTooSmallToMoveXIsAnError) {
  auto square = [](double x) { return x * x; };
  const std::string message = nabla::testing::argument_error_message(
      [&] { nabla::numeric::derivative(square, 1e6, {.step = 1e-12}); });
  EXPECT_NE(message.find("too small to move x"), std::string::npos) << message;
}

}  // namespace
