// gradient, jacobian and hessian: seed 004 reproduced, every callable form, analytic checks.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <array>
#include <cmath>
#include <limits>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "functions.hpp"  // tests/support
#include "nabla/numeric/finite_difference.hpp"
#include "support.hpp"

namespace {

namespace numeric = nabla::numeric;
using numeric::Difference;
using numeric::Options;

constexpr double kEps = std::numeric_limits<double>::epsilon();

using nabla::testing::argument_error_message;
using nabla::testing::contains;

// Seed 004's function, written once for every scalar type.
const auto seed_function = [](auto x, auto y) { return x * x * y + y + 2; };

// The seed's `gradients(func, vars_list, eps=0.0001)`: forward differences of accuracy 1.
const Options seed_options{.scheme = Difference::forward, .accuracy = 1, .step = 1e-4};

TEST(Seed004, ForwardDifferenceGradientReproducesPythonsDigits) {
  const std::vector<double> gradient = numeric::gradient(seed_function, {3.0, 4.0}, seed_options);
  ASSERT_EQ(gradient.size(), 2u);
  // The values Python printed for df(3, 4).
  EXPECT_NEAR(gradient[0], 24.000400000048216, 1e-12 * 24);
  EXPECT_NEAR(gradient[1], 10.000000000047748, 1e-12 * 10);
}

TEST(Seed004, ForwardDifferencesAreBitForBitPythons) {
  // The same IEEE operations in the same order -- fl(f(x + h) - f(x)) / h, with f evaluated as
  // ((x * x) * y + y) + 2 -- give the same doubles, not merely close ones. (This holds while the
  // compiler does not contract x * x * y + y into a fused multiply-add; GCC in ISO mode does not.)
  const std::vector<double> gradient = numeric::gradient(seed_function, {3.0, 4.0}, seed_options);
  EXPECT_EQ(gradient[0], 24.000400000048216);
  EXPECT_EQ(gradient[1], 10.000000000047748);
  const auto dfdy = [](double x, double y) {
    return numeric::gradient(seed_function, {x, y}, seed_options)[1];
  };
  const std::vector<double> row1 = numeric::gradient(dfdy, {3.0, 4.0}, seed_options);
  EXPECT_EQ(row1[0], 6.000099261882497);
  EXPECT_EQ(row1[1], -1.4210854715202004e-06);
}

TEST(Seed004, NestedForwardDifferenceHessianReproducesPythonsDigits) {
  // d2f = [gradients(dfdx, [3., 4.]), gradients(dfdy, [3., 4.])], where dfdx and dfdy are
  // themselves forward-difference partials: differences of differences, step 1e-4 twice.
  const auto dfdx = [](double x, double y) {
    return numeric::gradient(seed_function, {x, y}, seed_options)[0];
  };
  const auto dfdy = [](double x, double y) {
    return numeric::gradient(seed_function, {x, y}, seed_options)[1];
  };
  const std::vector<double> row0 = numeric::gradient(dfdx, {3.0, 4.0}, seed_options);
  const std::vector<double> row1 = numeric::gradient(dfdy, {3.0, 4.0}, seed_options);
  EXPECT_NEAR(row0[0], 7.999999951380232, 1e-9);
  EXPECT_NEAR(row0[1], 6.000099261882497, 1e-9);
  EXPECT_NEAR(row1[0], 6.000099261882497, 1e-9);
  EXPECT_NEAR(row1[1], -1.4210854715202004e-06, 1e-9);
}

TEST(Seed004, DefaultGradientIsAccurateToRounding) {
  const std::vector<double> gradient = numeric::gradient(seed_function, {3.0, 4.0});
  // f is quadratic in x and linear in y, so the central stencil's truncation error (a multiple of
  // the third derivative) is zero. What is left is rounding: each f value (|f| = 42) is off by
  // about eps |f|, and the stencil divides by 2h with h = eps^(1/3) * 3 (the smaller of the two
  // steps), so the error is at most a few eps |f| / h ~ 5e-10. Four times that is the tolerance.
  const double tolerance = 4 * kEps * 42 / numeric::step_size(3.0, 1, {});
  EXPECT_NEAR(gradient[0], 24.0, tolerance);
  EXPECT_NEAR(gradient[1], 10.0, tolerance);
}

TEST(Seed004, DefaultHessianIsAccurateToRounding) {
  const Eigen::MatrixXd hessian = numeric::hessian(seed_function, {3.0, 4.0});
  // f's fourth derivatives vanish, so again only rounding remains: eps |f| times the sum of the
  // weights' sizes (4 for [1, -2, 1]) over h^2, with h = eps^(1/4) * 3 ~ 3.7e-4: about 3e-7.
  // The off-diagonal divides by h_x h_y and weighs by 1 in all: smaller. Twice the bound.
  const double h = numeric::step_size(3.0, 2, {});
  const double tolerance = 2 * 4 * kEps * 42 / (h * h);
  EXPECT_NEAR(hessian(0, 0), 8.0, tolerance);
  EXPECT_NEAR(hessian(0, 1), 6.0, tolerance);
  EXPECT_NEAR(hessian(1, 0), 6.0, tolerance);
  EXPECT_NEAR(hessian(1, 1), 0.0, tolerance);
}

// Forms of the same function f(v) = v0^2 v1 + sin(v0) v2^3, in each way nabla::invoke_at calls.
template <class T>
T span_function(std::span<const T> v) {
  using std::sin;
  return v[0] * v[0] * v[1] + sin(v[0]) * v[2] * v[2] * v[2];
}

template <class T>
T eigen_function(const Eigen::Matrix<T, Eigen::Dynamic, 1>& v) {
  using std::sin;
  return v[0] * v[0] * v[1] + sin(v[0]) * v[2] * v[2] * v[2];
}

const auto scalars_function = [](auto a, auto b, auto c) {
  using std::sin;
  return a * a * b + sin(a) * c * c * c;
};

const auto container_function = [](const auto& v) {
  using std::sin;
  return v[0] * v[0] * v[1] + sin(v[0]) * v[2] * v[2] * v[2];
};

const std::vector<double> kPoint{0.8, -1.5, 1.2};

std::vector<double> exact_gradient(const std::vector<double>& v) {
  return {2 * v[0] * v[1] + std::cos(v[0]) * v[2] * v[2] * v[2], v[0] * v[0],
          3 * std::sin(v[0]) * v[2] * v[2]};
}

Eigen::MatrixXd exact_hessian(const std::vector<double>& v) {
  Eigen::MatrixXd h(3, 3);
  h << 2 * v[1] - std::sin(v[0]) * v[2] * v[2] * v[2], 2 * v[0],
      3 * std::cos(v[0]) * v[2] * v[2],  //
      2 * v[0], 0, 0,                    //
      3 * std::cos(v[0]) * v[2] * v[2], 0, 6 * std::sin(v[0]) * v[2];
  return h;
}

// With the default central stencil (accuracy 2, error ~ eps^(2/3) relative to the function's
// scale, here about 5), gradients agree to ~1e-10; 1e-8 leaves room. Hessians: ~eps^(1/2) ~
// 1.5e-8 times the scale, so 1e-6.
constexpr double kGradientTolerance = 1e-8;
constexpr double kHessianTolerance = 1e-6;

template <class G>
void expect_gradient(const G& gradient, const std::vector<double>& point) {
  const std::vector<double> exact = exact_gradient(point);
  ASSERT_EQ(static_cast<std::size_t>(gradient.size()), exact.size());
  for (std::size_t i = 0; i < exact.size(); ++i) {
    EXPECT_NEAR(gradient[i], exact[i], kGradientTolerance) << "input " << i;
  }
}

void expect_hessian(const Eigen::MatrixXd& hessian, const std::vector<double>& point) {
  const Eigen::MatrixXd exact = exact_hessian(point);
  ASSERT_EQ(hessian.rows(), 3);
  ASSERT_EQ(hessian.cols(), 3);
  for (Eigen::Index i = 0; i < 3; ++i) {
    for (Eigen::Index j = 0; j < 3; ++j) {
      EXPECT_NEAR(hessian(i, j), exact(i, j), kHessianTolerance) << i << ", " << j;
    }
  }
}

TEST(CallableForms, SeparateScalarsGiveTheAnalyticDerivatives) {
  expect_gradient(numeric::gradient(scalars_function, kPoint), kPoint);
  expect_gradient(numeric::gradient(scalars_function, {0.8, -1.5, 1.2}), kPoint);
  expect_hessian(numeric::hessian(scalars_function, kPoint), kPoint);
  const Eigen::MatrixXd jacobian = numeric::jacobian(scalars_function, kPoint);
  ASSERT_EQ(jacobian.rows(), 1);
  expect_gradient(std::vector<double>(jacobian.data(), jacobian.data() + 3), kPoint);
}

TEST(CallableForms, ContainerFunctionReceivesAVector) {
  expect_gradient(numeric::gradient(container_function, kPoint), kPoint);
  expect_hessian(numeric::hessian(container_function, {0.8, -1.5, 1.2}), kPoint);
}

TEST(CallableForms, SpanFunctionTemplateIsCalledWithASpan) {
  expect_gradient(numeric::gradient(span_function<double>, kPoint), kPoint);
  expect_hessian(numeric::hessian(span_function<double>, kPoint), kPoint);
  const auto generic_span = []<class T>(std::span<const T> v) { return span_function<T>(v); };
  expect_gradient(numeric::gradient(generic_span, kPoint), kPoint);
}

TEST(CallableForms, EigenPointGivesAnEigenGradient) {
  const Eigen::VectorXd x = Eigen::Map<const Eigen::VectorXd>(kPoint.data(), 3);
  const auto gradient = numeric::gradient(eigen_function<double>, x);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gradient)>, Eigen::VectorXd>);
  expect_gradient(gradient, kPoint);
  expect_hessian(numeric::hessian(eigen_function<double>, x), kPoint);
  const auto generic_eigen = []<class T>(const Eigen::Matrix<T, Eigen::Dynamic, 1>& v) {
    return eigen_function<T>(v);
  };
  expect_gradient(numeric::gradient(generic_eigen, x), kPoint);
  EXPECT_EQ(numeric::jacobian(generic_eigen, x).cols(), 3);
}

TEST(CallableForms, FixedSizeEigenPointKeepsItsSize) {
  const Eigen::Vector3d x(kPoint[0], kPoint[1], kPoint[2]);
  const auto gradient = numeric::gradient(container_function, x);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(gradient)>, Eigen::Vector3d>);
  expect_gradient(gradient, kPoint);
}

TEST(CallableForms, ArrayPointGivesAnArrayAndSpanPointAStdVector) {
  const std::array<double, 3> array_point{kPoint[0], kPoint[1], kPoint[2]};
  const auto from_array = numeric::gradient(scalars_function, array_point);
  static_assert(std::is_same_v<std::remove_cvref_t<decltype(from_array)>, std::array<double, 3>>);
  expect_gradient(from_array, kPoint);
  const std::span<const double> span_point(kPoint);
  expect_gradient(numeric::gradient(container_function, span_point), kPoint);
  expect_hessian(numeric::hessian(container_function, span_point), kPoint);
}

TEST(Jacobian, VectorValuedFunctionGivesOneRowPerOutput) {
  const auto f = [](auto x, auto y) {
    using std::sin;
    return std::vector<decltype(x)>{x * y, x + y * y, sin(x)};
  };
  const Eigen::MatrixXd jacobian = numeric::jacobian(f, {0.5, 2.0}, {.accuracy = 4});
  Eigen::MatrixXd exact(3, 2);
  exact << 2.0, 0.5, 1.0, 4.0, std::cos(0.5), 0.0;
  ASSERT_EQ(jacobian.rows(), 3);
  ASSERT_EQ(jacobian.cols(), 2);
  // Accuracy 4: error ~ eps^(4/5) ~ 3e-13 times the scale.
  EXPECT_LT((jacobian - exact).cwiseAbs().maxCoeff(), 1e-11);
}

TEST(Jacobian, EigenAndArrayResultsAreRead) {
  const auto eigen_result = []<class T>(const Eigen::Matrix<T, Eigen::Dynamic, 1>& v) {
    Eigen::Matrix<T, Eigen::Dynamic, 1> out(2);
    out << v[0] * v[1], v[0] - v[1];
    return out;
  };
  const Eigen::VectorXd x = Eigen::Vector2d(3.0, -2.0);
  Eigen::MatrixXd exact(2, 2);
  exact << -2.0, 3.0, 1.0, -1.0;
  EXPECT_LT((numeric::jacobian(eigen_result, x) - exact).cwiseAbs().maxCoeff(), 1e-9);

  const auto array_result = [](const auto& v) {
    return std::array<std::decay_t<decltype(v[0])>, 2>{v[0] * v[1], v[0] - v[1]};
  };
  EXPECT_LT((numeric::jacobian(array_result, {3.0, -2.0}) - exact).cwiseAbs().maxCoeff(), 1e-9);
}

TEST(Jacobian, OutputCountChangingWithTheInputIsRejected) {
  const auto unstable = [](const auto& v) { return std::vector<double>(v[0] > 1.0 ? 3 : 2, v[0]); };
  const std::string message = argument_error_message([&] {
    numeric::jacobian(unstable, {1.0, 0.0}, {.scheme = Difference::forward, .accuracy = 1});
  });
  EXPECT_TRUE(contains(message, "2 outputs")) << message;
  EXPECT_TRUE(contains(message, "but 3")) << message;
}

// Rosenbrock's function and its analytic derivatives, from tests/support/functions.hpp.
const auto rosenbrock = [](const auto& x) {
  using T = std::decay_t<decltype(x[0])>;
  std::vector<T> entries(static_cast<std::size_t>(x.size()));
  for (std::size_t i = 0; i < entries.size(); ++i) entries[i] = x[static_cast<Eigen::Index>(i)];
  return nabla::testing::rosenbrock<T>(entries);
};

std::vector<double> entries_of(const Eigen::VectorXd& x) { return {x.data(), x.data() + x.size()}; }

void check_rosenbrock(const Eigen::VectorXd& x) {
  const Eigen::VectorXd g = numeric::gradient(rosenbrock, x);
  const std::vector<double> exact_g = nabla::testing::rosenbrock_gradient(entries_of(x));
  // Central accuracy 2: truncation h^2 f'''/6 with h ~ 6e-6 * 1.2 and f''' up to ~3e3 gives
  // ~3e-8; rounding eps |f| / h ~ 2e-9 for |f| ~ 50. 1e-6 relative to max(1, |g|) is 30x that.
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double exact = exact_g[static_cast<std::size_t>(i)];
    EXPECT_NEAR(g[i], exact, 1e-6 * std::max(1.0, std::abs(exact))) << "gradient " << i;
  }
  const Eigen::MatrixXd h = numeric::hessian(rosenbrock, x);
  const Eigen::MatrixXd exact_h = nabla::testing::rosenbrock_hessian(entries_of(x));
  // Second differences, h ~ 1.2e-4 * 1.2: the diagonal's truncation h^2 f''''/12 with f'''' =
  // 2400 is ~6e-6 (the off-diagonal's vanishes: f has no x_i^3 x_j terms); rounding eps |f| 4 / h^2
  // ~ 2e-6. 1e-4 absolute (entries are 200 to 2000 in size) leaves a margin of ten.
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    for (Eigen::Index j = 0; j < x.size(); ++j) {
      EXPECT_NEAR(h(i, j), exact_h(i, j), 1e-4) << "hessian " << i << ", " << j;
    }
  }
}

TEST(Rosenbrock, TwoDimensionalGradientAndHessianMatchTheAnalyticOnes) {
  check_rosenbrock(Eigen::Vector2d(-1.2, 1.0));
}

TEST(Rosenbrock, FiveDimensionalGradientAndHessianMatchTheAnalyticOnes) {
  Eigen::VectorXd x(5);
  x << -1.2, 1.0, 0.5, -0.3, 0.8;
  check_rosenbrock(x);
}

TEST(Rosenbrock, GradientVanishesAtTheMinimum) {
  const std::vector<double> g = numeric::gradient(rosenbrock, std::vector<double>(5, 1.0));
  // f = 0 there and its third derivatives are ~2400: truncation h^2 * 2400 / 6 ~ 1.5e-8.
  for (double gi : g) EXPECT_NEAR(gi, 0.0, 1e-7);
}

TEST(Hessian, IsExactlySymmetric) {
  Eigen::VectorXd x(5);
  x << -1.2, 1.0, 0.5, -0.3, 0.8;
  const auto f = [](const auto& v) {
    using std::exp;
    using std::sin;
    return sin(v[0] * v[1]) * exp(v[2] - v[3]) + v[4] * v[0] * v[3];
  };
  for (const Options& options : {Options{}, Options{.scheme = Difference::forward, .accuracy = 3},
                                 Options{.accuracy = 4, .richardson = 1}}) {
    const Eigen::MatrixXd h = numeric::hessian(f, x, options);
    EXPECT_TRUE(h == h.transpose()) << h;
  }
}

TEST(Hessian, MixedPartialErrorShrinksByTwoToTheAccuracyOrder) {
  // H_01 of exp(x + 2y) is 2 exp(x + 2y); the tensor product of two first-derivative stencils
  // must keep their order p. (Not exp(x) sin(y): there the h^2 errors of the x and y stencils
  // cancel exactly, and the central estimate looks fourth order.)
  const auto f = [](auto x, auto y) {
    using std::exp;
    return exp(x + 2 * y);
  };
  const double exact = 2 * std::exp(0.3 + 2 * 0.5);
  struct Case {
    Difference scheme;
    int accuracy;
    double step;
  };
  for (const Case& c : {Case{Difference::central, 2, 0.2}, Case{Difference::central, 4, 0.2},
                        Case{Difference::forward, 1, 0.05}, Case{Difference::forward, 2, 0.05},
                        Case{Difference::backward, 2, 0.05}}) {
    const double coarse =
        numeric::hessian(f, {0.3, 0.5},
                         {.scheme = c.scheme, .accuracy = c.accuracy, .step = c.step})(0, 1) -
        exact;
    const double fine =
        numeric::hessian(f, {0.3, 0.5},
                         {.scheme = c.scheme, .accuracy = c.accuracy, .step = c.step / 2})(0, 1) -
        exact;
    EXPECT_NEAR(coarse / fine / std::ldexp(1.0, c.accuracy), 1.0, 0.25)
        << numeric::to_string(c.scheme) << " " << c.accuracy;
  }
}

TEST(Hessian, RichardsonLowersTheErrorAtTheSameStep) {
  const auto f = [](auto x, auto y) {
    using std::exp;
    return exp(x + 2 * y);
  };
  Eigen::Matrix2d exact;
  exact << 1, 2, 2, 4;
  exact *= std::exp(0.3 + 2 * 0.5);
  const double without =
      (numeric::hessian(f, {0.3, 0.5}, {.step = 0.05}) - exact).cwiseAbs().maxCoeff();
  const double with = (numeric::hessian(f, {0.3, 0.5}, {.step = 0.05, .richardson = 2}) - exact)
                          .cwiseAbs()
                          .maxCoeff();
  EXPECT_LT(with, without / 400);
}

TEST(Cost, GradientEvaluatesTheStencilPointsOnly) {
  int calls = 0;
  const auto counted = [&calls](const auto& v) {
    ++calls;
    return v[0] * v[1] * v[2];
  };
  numeric::gradient(counted, kPoint);  // central 2: 2 per input, f(x) unused
  EXPECT_EQ(calls, 6);
  calls = 0;
  numeric::gradient(counted, kPoint, {.scheme = Difference::forward, .accuracy = 1});
  EXPECT_EQ(calls, 4);  // f(x) once, shared by the three inputs
  calls = 0;
  numeric::gradient(counted, kPoint, {.richardson = 2});
  EXPECT_EQ(calls, 18);  // three levels
}

TEST(Cost, HessianSharesTheCentreValue) {
  int calls = 0;
  const auto counted = [&calls](const auto& v) {
    ++calls;
    return v[0] * v[1] * v[2];
  };
  numeric::hessian(counted, kPoint);
  // f(x) once, 2 more per diagonal entry, 4 per pair above the diagonal.
  EXPECT_EQ(calls, 1 + 3 * 2 + 3 * 4);
}

TEST(BadInput, PointOfThreeEntriesForATwoArgumentFunctionIsRejected) {
  const std::vector<double> point{1.0, 2.0, 3.0};
  for (const std::string& message :
       {argument_error_message([&] { numeric::gradient(seed_function, point); }),
        argument_error_message([&] { numeric::jacobian(seed_function, point); }),
        argument_error_message([&] { numeric::hessian(seed_function, point); })}) {
    EXPECT_TRUE(contains(message, "2")) << message;
    EXPECT_TRUE(contains(message, "3")) << message;
  }
}

TEST(BadInput, InvalidOptionsAreRejectedByEveryDriver) {
  const Options odd{.accuracy = 5};
  EXPECT_TRUE(contains(argument_error_message([&] {
                         numeric::gradient(seed_function, {1.0, 2.0}, odd);
                       }),
                       "accuracy order 5"));
  EXPECT_TRUE(contains(argument_error_message([&] {
                         numeric::jacobian(seed_function, {1.0, 2.0}, odd);
                       }),
                       "accuracy order 5"));
  EXPECT_TRUE(contains(argument_error_message([&] {
                         numeric::hessian(seed_function, {1.0, 2.0}, odd);
                       }),
                       "accuracy order 5"));
}

}  // namespace
