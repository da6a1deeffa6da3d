#include "nabla/numeric/stencil.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstddef>
#include <string>
#include <vector>

#include "nabla/core/arguments.hpp"
#include "support.hpp"

namespace {

using nabla::numeric::Difference;
using nabla::numeric::finite_difference_weights;
using nabla::numeric::make_stencil;

// The message of the nabla::ArgumentError that `call` throws; a test failure if it throws none.
using nabla::testing::argument_error_message;
using nabla::testing::contains;

void expect_weights(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    // Fornberg's recurrence on small integer offsets is accurate to a few ulps.
    EXPECT_NEAR(actual[i], expected[i], 4e-16 * std::max(1.0, std::abs(expected[i]))) << i;
  }
}

double factorial(int n) { return n <= 1 ? 1.0 : n * factorial(n - 1); }

TEST(FornbergWeights, CentralFirstDerivativeOrderTwoIsHalfDifference) {
  expect_weights(finite_difference_weights(1, std::vector<double>{-1, 0, 1}), {-0.5, 0, 0.5});
}

TEST(FornbergWeights, CentralFirstDerivativeOrderFourMatchesTable) {
  expect_weights(finite_difference_weights(1, std::vector<double>{-2, -1, 0, 1, 2}),
                 {1.0 / 12, -2.0 / 3, 0, 2.0 / 3, -1.0 / 12});
}

TEST(FornbergWeights, CentralSecondDerivativeOrderTwoIsOneMinusTwoOne) {
  expect_weights(finite_difference_weights(2, std::vector<double>{-1, 0, 1}), {1, -2, 1});
}

TEST(FornbergWeights, ForwardFirstDerivativeOrderTwoMatchesTable) {
  expect_weights(finite_difference_weights(1, std::vector<double>{0, 1, 2}), {-1.5, 2, -0.5});
}

TEST(FornbergWeights, ZerothDerivativeIsLagrangeInterpolation) {
  // f(0) from f(-1) and f(1) is their mean; from f(1), f(2), f(3) it is 3 f1 - 3 f2 + f3.
  expect_weights(finite_difference_weights(0, std::vector<double>{-1, 1}), {0.5, 0.5});
  expect_weights(finite_difference_weights(0, std::vector<double>{1, 2, 3}), {3, -3, 1});
}

TEST(FornbergWeights, UnsortedAndFractionalOffsetsAreHonoured) {
  expect_weights(finite_difference_weights(1, std::vector<double>{1, -1, 0}), {0.5, -0.5, 0});
  expect_weights(finite_difference_weights(1, std::vector<double>{-0.5, 0.5}), {-1, 1});
}

TEST(FornbergWeights, IrregularOffsetsAnnihilateLowMomentsAndReproduceTheDerivative) {
  // For any distinct offsets, sum_i w_i o_i^k must be 0 for k < n except k = d, where it is d!.
  const std::vector<double> offsets{-1.3, -0.2, 0.4, 1.1, 2.7, 3.05};
  for (int d = 0; d <= 4; ++d) {
    const std::vector<double> w = finite_difference_weights(d, offsets);
    for (int k = 0; k < static_cast<int>(offsets.size()); ++k) {
      double moment = 0;
      for (std::size_t i = 0; i < w.size(); ++i) moment += w[i] * std::pow(offsets[i], k);
      EXPECT_NEAR(moment, k == d ? factorial(d) : 0.0, 1e-10) << "d=" << d << " k=" << k;
    }
  }
}

TEST(FornbergWeights, RejectsTooFewOffsetsNamingTheCounts) {
  const std::string message = argument_error_message([] {
    finite_difference_weights(2, std::vector<double>{0, 1});
  });
  EXPECT_TRUE(contains(message, "at least 3")) << message;
  EXPECT_TRUE(contains(message, "got 2")) << message;
}

TEST(FornbergWeights, RejectsRepeatedOffsetsNamingThem) {
  const std::string message = argument_error_message([] {
    finite_difference_weights(1, std::vector<double>{0, 1, 1});
  });
  EXPECT_TRUE(contains(message, "offsets 1 and 2")) << message;
}

TEST(FornbergWeights, RejectsNegativeDerivativeOrder) {
  const std::string message = argument_error_message([] {
    finite_difference_weights(-1, std::vector<double>{0, 1});
  });
  EXPECT_TRUE(contains(message, "-1")) << message;
}

TEST(MakeStencil, CentralFirstDerivativeDropsTheZeroCentreWeight) {
  const auto stencil = make_stencil(Difference::central, 1, 4);
  EXPECT_EQ(stencil.offsets, (std::vector<int>{-2, -1, 1, 2}));
  // Computed in extended precision, so each weight is the double nearest the exact fraction.
  EXPECT_EQ(stencil.weights, (std::vector<double>{1.0 / 12, -2.0 / 3, 2.0 / 3, -1.0 / 12}));
  EXPECT_EQ(stencil.scheme, Difference::central);
  EXPECT_EQ(stencil.derivative_order, 1);
  EXPECT_EQ(stencil.accuracy_order, 4);
}

TEST(MakeStencil, CentralSecondDerivativeKeepsTheCentre) {
  const auto stencil = make_stencil(Difference::central, 2, 2);
  EXPECT_EQ(stencil.offsets, (std::vector<int>{-1, 0, 1}));
  EXPECT_EQ(stencil.weights, (std::vector<double>{1, -2, 1}));
}

TEST(MakeStencil, ForwardOffsetsRunFromZeroToAccuracyPlusDerivativeMinusOne) {
  EXPECT_EQ(make_stencil(Difference::forward, 1, 1).offsets, (std::vector<int>{0, 1}));
  EXPECT_EQ(make_stencil(Difference::forward, 1, 1).weights, (std::vector<double>{-1, 1}));
  EXPECT_EQ(make_stencil(Difference::forward, 1, 6).offsets.size(), 7u);
  EXPECT_EQ(make_stencil(Difference::forward, 2, 6).offsets.size(), 8u);
  EXPECT_EQ(make_stencil(Difference::forward, 2, 2).weights, (std::vector<double>{2, -5, 4, -1}));
}

TEST(MakeStencil, BackwardIsForwardMirrored) {
  // Mirroring o -> -o multiplies the d-th derivative's weights by (-1)^d.
  for (int d = 1; d <= 2; ++d) {
    for (int p = 1; p <= 6; ++p) {
      const auto forward = make_stencil(Difference::forward, d, p);
      const auto backward = make_stencil(Difference::backward, d, p);
      ASSERT_EQ(forward.offsets.size(), backward.offsets.size());
      for (std::size_t i = 0; i < forward.offsets.size(); ++i) {
        EXPECT_EQ(backward.offsets[i], -forward.offsets[i]);
        EXPECT_EQ(backward.weights[i], (d == 1 ? -1 : 1) * forward.weights[i]);
      }
    }
  }
}

TEST(MakeStencil, EveryStencilHasExactlyItsAccuracyOrder) {
  // Moments k < p + d vanish except k = d (which is d!), and moment p + d does not: the stencil
  // is of order p, not less and not more.
  struct Case {
    Difference scheme;
    std::vector<int> accuracies;
  };
  const std::vector<Case> cases{{Difference::central, {2, 4, 6, 8}},
                                {Difference::forward, {1, 2, 3, 4, 5, 6}},
                                {Difference::backward, {1, 2, 3, 4, 5, 6}}};
  for (const auto& c : cases) {
    for (int d = 1; d <= 2; ++d) {
      for (int p : c.accuracies) {
        const auto stencil = make_stencil(c.scheme, d, p);
        for (int k = 0; k <= p + d; ++k) {
          double moment = 0;
          double scale = 0;
          for (std::size_t i = 0; i < stencil.weights.size(); ++i) {
            const double term = stencil.weights[i] * std::pow(stencil.offsets[i], k);
            moment += term;
            scale += std::abs(term);
          }
          const std::string where = std::string(nabla::numeric::to_string(c.scheme)) +
                                    " d=" + std::to_string(d) + " p=" + std::to_string(p) +
                                    " k=" + std::to_string(k);
          if (k == p + d) {
            EXPECT_GT(std::abs(moment), 1e-6 * scale) << where;
          } else {
            EXPECT_NEAR(moment, k == d ? factorial(d) : 0.0, 1e-13 * scale) << where;
          }
        }
      }
    }
  }
}

TEST(MakeStencil, CentralWithOddAccuracyIsRejectedNamingTheOrder) {
  const std::string message =
      argument_error_message([] { make_stencil(Difference::central, 1, 3); });
  EXPECT_TRUE(contains(message, "accuracy order 3")) << message;
  EXPECT_TRUE(contains(message, "central")) << message;
}

TEST(MakeStencil, AccuracyZeroIsRejectedNamingTheOrder) {
  const std::string message =
      argument_error_message([] { make_stencil(Difference::forward, 1, 0); });
  EXPECT_TRUE(contains(message, "accuracy order 0")) << message;
  EXPECT_TRUE(contains(message, "forward")) << message;
}

TEST(MakeStencil, AccuracyBeyondTheTablesIsRejected) {
  EXPECT_TRUE(contains(argument_error_message([] { make_stencil(Difference::central, 1, 10); }),
                       "accuracy order 10"));
  EXPECT_TRUE(contains(argument_error_message([] { make_stencil(Difference::backward, 2, 7); }),
                       "accuracy order 7"));
}

TEST(MakeStencil, ThirdDerivativeIsRejectedNamingTheOrder) {
  const std::string message =
      argument_error_message([] { make_stencil(Difference::central, 3, 2); });
  EXPECT_TRUE(contains(message, "derivative order 3")) << message;
  EXPECT_TRUE(contains(argument_error_message([] { make_stencil(Difference::forward, 0, 2); }),
                       "derivative order 0"));
}

TEST(MakeStencil, CachedStencilIsTheSameObjectEveryTime) {
  const auto& first = nabla::numeric::cached_stencil(Difference::central, 2, 6);
  const auto& second = nabla::numeric::cached_stencil(Difference::central, 2, 6);
  EXPECT_EQ(&first, &second);
  EXPECT_EQ(first.offsets, make_stencil(Difference::central, 2, 6).offsets);
}

}  // namespace
