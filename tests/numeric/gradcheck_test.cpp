#include "nabla/numeric/gradcheck.hpp"
#include "support.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <sstream>
#include <string>
#include <vector>

namespace {

namespace numeric = nabla::numeric;

using nabla::testing::argument_error_message;
using nabla::testing::contains;

// f(x, y, z) = exp(x) y^2 + sin(y z), and its gradient by hand.
const auto f = [](auto x, auto y, auto z) {
  using std::exp;
  using std::sin;
  return exp(x) * y * y + sin(y * z);
};

std::vector<double> hand_gradient(const std::vector<double>& v) {
  return {std::exp(v[0]) * v[1] * v[1], 2 * std::exp(v[0]) * v[1] + v[2] * std::cos(v[1] * v[2]),
          v[1] * std::cos(v[1] * v[2])};
}

const std::vector<double> kPoint{0.4, -1.3, 2.1};

TEST(Gradcheck, CorrectGradientPassesWithTinyErrors) {
  const auto report = numeric::gradcheck(f, kPoint, hand_gradient(kPoint));
  EXPECT_TRUE(report.passed);
  // The accuracy-6 reference is good to ~eps^(6/7) ~ 3e-14 of the scale (|f| ~ 3 here).
  EXPECT_LT(report.worst_error, 1e-11);
  ASSERT_EQ(report.error.size(), 3u);
  EXPECT_EQ(report.tolerance, 1e-6);
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(report.claimed[i], hand_gradient(kPoint)[i]);
    EXPECT_NEAR(report.numeric[i], hand_gradient(kPoint)[i], 1e-11);
  }
}

TEST(Gradcheck, OneWrongEntryFailsAndIsNamedTheWorst) {
  std::vector<double> claimed = hand_gradient(kPoint);
  claimed[1] *= 1.001;  // a plausible slip: 0.1% off
  const auto report = numeric::gradcheck(f, kPoint, claimed);
  EXPECT_FALSE(report.passed);
  EXPECT_EQ(report.worst_input, 1u);
  EXPECT_GT(report.worst_error, 1e-4);
  EXPECT_LT(report.error[0], 1e-11);
  EXPECT_LT(report.error[2], 1e-11);
}

TEST(Gradcheck, ErrorIsRelativeHoweverSmallTheDerivative) {
  // error_i = |claimed - numeric| / max(|claimed|, |numeric|, 1e-6 max(1, |f|)).
  const auto g = [](auto x, auto y) { return 1000 * x * x + 1e-3 * y; };  // gradient (6000, 1e-3)
  const auto report = numeric::gradcheck(g, {3.0, 5.0}, {6000.6, 1e-3 + 5e-4});
  EXPECT_NEAR(report.error[0], 0.6 / 6000.6, 1e-9);
  // f(3, 5) = 9000.005, so the floor is 9.000005e-3 and the small entry is judged at f's scale.
  // The reference errs by about eps^(6/7) |f| ~ 3e-10 on that entry, 3e-8 after the division.
  EXPECT_NEAR(report.error[1], 5e-4 / 9.000005e-3, 1e-7);
  EXPECT_EQ(report.worst_input, 1u);
  // A tiny gradient twice too large fails, as a large one would.
  const auto tiny = [](auto x, auto y) { return 1e-7 * x * y; };  // gradient (2e-7, 1e-7) at (1, 2)
  EXPECT_FALSE(numeric::gradcheck(tiny, {1.0, 2.0}, {4e-7, 2e-7}).passed);
  EXPECT_TRUE(numeric::gradcheck(tiny, {1.0, 2.0}, {2e-7, 1e-7}).passed);
}

TEST(Gradcheck, ZeroDerivativesAreJudgedAtTheScaleOfF) {
  // ∂f/∂y = 0; a claimed 1e-12 is rounding noise next to f ~ 1e4 and passes, 1e-1 does not.
  const auto f = [](auto x, auto y) { return 1e4 * x + 0 * y; };
  EXPECT_TRUE(numeric::gradcheck(f, {1.0, 2.0}, {1e4, 1e-12}).passed);
  EXPECT_FALSE(numeric::gradcheck(f, {1.0, 2.0}, {1e4, 1e-1}).passed);
}

TEST(Gradcheck, ToleranceIsSettable) {
  std::vector<double> claimed = hand_gradient(kPoint);
  claimed[2] += 1e-5;
  EXPECT_FALSE(numeric::gradcheck(f, kPoint, claimed).passed);
  EXPECT_TRUE(numeric::gradcheck(f, kPoint, claimed, {.tolerance = 1e-4}).passed);
}

TEST(Gradcheck, CallableClaimedGradientIsCalledAtThePoint) {
  int calls = 0;
  const auto claimed = [&calls](const std::vector<double>& v) {
    ++calls;
    return hand_gradient(v);
  };
  EXPECT_TRUE(numeric::gradcheck(f, kPoint, claimed).passed);
  EXPECT_TRUE(numeric::gradcheck(f, {0.4, -1.3, 2.1}, claimed).passed);
  EXPECT_EQ(calls, 2);
}

TEST(Gradcheck, EigenPointAndEigenClaimedGradientWork) {
  const Eigen::VectorXd x = Eigen::Vector3d(kPoint[0], kPoint[1], kPoint[2]);
  const std::vector<double> exact = hand_gradient(kPoint);
  const Eigen::VectorXd claimed = Eigen::Vector3d(exact[0], exact[1], exact[2]);
  EXPECT_TRUE(numeric::gradcheck(f, x, claimed).passed);
  const auto claimed_function = [](const Eigen::VectorXd& v) {
    const std::vector<double> g = hand_gradient({v[0], v[1], v[2]});
    return Eigen::Vector3d(g[0], g[1], g[2]);
  };
  EXPECT_TRUE(numeric::gradcheck(f, x, claimed_function).passed);
}

TEST(Gradcheck, WrongSizeClaimedGradientIsRejectedNamingBothSizes) {
  const std::string message = argument_error_message([] {
    numeric::gradcheck(f, kPoint, std::vector<double>{1.0, 2.0});
  });
  EXPECT_TRUE(contains(message, "2 entries")) << message;
  EXPECT_TRUE(contains(message, "has 3")) << message;
}

TEST(Gradcheck, NanClaimedEntryFails) {
  std::vector<double> claimed = hand_gradient(kPoint);
  claimed[2] = std::nan("");
  const auto report = numeric::gradcheck(f, kPoint, claimed);
  EXPECT_FALSE(report.passed);
  EXPECT_EQ(report.worst_input, 2u);
}

TEST(Gradcheck, ReportPrintsOneRowPerInputAndMarksTheWrongOne) {
  std::vector<double> claimed = hand_gradient(kPoint);
  claimed[1] += 0.5;
  std::ostringstream out;
  out << numeric::gradcheck(f, kPoint, claimed);
  const std::string text = out.str();
  EXPECT_TRUE(contains(text, "FAILED")) << text;
  std::istringstream lines(text);
  std::string line;
  std::vector<std::string> rows;
  while (std::getline(lines, line)) rows.push_back(line);
  ASSERT_EQ(rows.size(), 2u + 3u) << text;  // verdict, header, one row per input
  for (std::size_t i = 0; i < 3; ++i) {
    std::istringstream row(rows[2 + i]);
    std::size_t index = 99;
    double printed_claimed = 0;
    row >> index >> printed_claimed;
    EXPECT_EQ(index, i) << rows[2 + i];
    EXPECT_NEAR(printed_claimed, claimed[i], 1e-15 * std::abs(claimed[i])) << rows[2 + i];
    EXPECT_EQ(contains(rows[2 + i], "wrong"), i == 1) << rows[2 + i];
  }
  // The stream's formatting is left as it was.
  std::ostringstream after;
  after.copyfmt(out);
  EXPECT_EQ(after.precision(), std::ostringstream().precision());
}

TEST(Gradcheck, PassingReportSaysSo) {
  std::ostringstream out;
  out << numeric::gradcheck(f, kPoint, hand_gradient(kPoint));
  EXPECT_TRUE(contains(out.str(), "passed")) << out.str();
  EXPECT_FALSE(contains(out.str(), "wrong")) << out.str();
}

}  // namespace
