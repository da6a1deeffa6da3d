// Hessian sparsity patterns, colouring, and the Hessians computed from them.
#include "nabla/reverse/sparsity.hpp"

#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <random>
#include <set>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "functions.hpp"
#include "nabla/forward/drivers.hpp"
#include "nabla/reverse/drivers.hpp"
#include "nabla/reverse/eigen.hpp"
#include "problems.hpp"

namespace {

namespace reverse = nabla::reverse;
using Pairs = std::set<std::pair<std::size_t, std::size_t>>;

// The pattern as a set of (i, j), both triangles.
Pairs entries(const reverse::SparsityPattern& pattern) {
  Pairs result;
  for (std::size_t i = 0; i < pattern.n; ++i) {
    for (std::size_t p = pattern.row_start[i]; p < pattern.row_start[i + 1]; ++p) {
      result.emplace(i, pattern.columns[p]);
    }
  }
  return result;
}

// (i, j) and (j, i) for each listed pair.
Pairs symmetric(std::initializer_list<std::pair<std::size_t, std::size_t>> upper) {
  Pairs result;
  for (auto [i, j] : upper) {
    result.emplace(i, j);
    result.emplace(j, i);
  }
  return result;
}

auto rosenbrock = [](const auto& v) {
  using T = typename std::remove_cvref_t<decltype(v)>::value_type;
  return nabla::testing::rosenbrock<T>(std::span<const T>(v));
};

TEST(HessianSparsity, SeedFunctionHasNoSecondDerivativeInY) {
  // x^2 y + y + 2: H = [[2y, 2x], [2x, 0]].
  const auto pattern = reverse::hessian_sparsity(nabla::testing::seed_f, {3.0, 4.0});
  EXPECT_EQ(entries(pattern), symmetric({{0, 0}, {0, 1}}));
  EXPECT_EQ(pattern.nonzeros(), 3u);
  EXPECT_TRUE(pattern.contains(1, 0));
  EXPECT_FALSE(pattern.contains(1, 1));
  EXPECT_FALSE(pattern.contains(2, 0));
}

TEST(HessianSparsity, EachInteractionGivesItsOwnSecondPartials) {
  auto pattern = [](auto f) { return entries(reverse::hessian_sparsity(f, {0.7, 1.3, -0.4})); };
  using std::pow, std::floor, std::abs, std::sin;
  EXPECT_EQ(pattern([](auto x, auto y, auto z) { return 2.0 * x - y / 4.0 + z; }), Pairs{});
  EXPECT_EQ(pattern([](auto x, auto y, auto) { return x * y; }), symmetric({{0, 1}}));
  EXPECT_EQ(pattern([](auto x, auto y, auto) { return x / y; }), symmetric({{0, 1}, {1, 1}}));
  EXPECT_EQ(pattern([](auto x, auto, auto z) { return 3.0 / z + x; }), symmetric({{2, 2}}));
  EXPECT_EQ(pattern([](auto x, auto y, auto) { return pow(x, y); }),
            symmetric({{0, 0}, {0, 1}, {1, 1}}));
  EXPECT_EQ(pattern([](auto x, auto y, auto) { return pow(x + y, 2.0); }),
            symmetric({{0, 0}, {0, 1}, {1, 1}}));
  EXPECT_EQ(pattern([](auto x, auto y, auto z) { return abs(x - y) + floor(z) * x; }), Pairs{});
  // x (y + z): no (y, z) term and no squares.
  EXPECT_EQ(pattern([](auto x, auto y, auto z) { return x * (y + z); }),
            symmetric({{0, 1}, {0, 2}}));
  // What the output does not depend on does not count.
  EXPECT_EQ(pattern([](auto x, auto y, auto z) {
              const auto unused = sin(x * y);
              (void)unused;
              return z * z;
            }),
            symmetric({{2, 2}}));
}

// Every unary rule, from the same list the modes expand: r(x + y/2) + z has the block {x, y}^2
// unless r's second derivative vanishes (|x|, and the rounding functions, whose first does).
TEST(HessianSparsity, EveryUnaryRuleHasItsPattern) {
  const std::vector<double> x{0.3, 0.4, 0.9};
  const Pairs block = symmetric({{0, 0}, {0, 1}, {1, 1}});
  int checked = 0;
  auto check = [&](const std::string& name, auto r) {
    auto f = [&r](auto a, auto b, auto c) { return r(a + 0.5 * b) + c; };
    const auto pattern = entries(reverse::hessian_sparsity(f, x));
    const bool flat = name == "abs" || name == "fabs" || name == "floor" || name == "ceil" ||
                      name == "round" || name == "trunc";
    EXPECT_EQ(pattern, flat ? Pairs{} : block) << name;
    // The pattern holds every non-zero of the Hessian computed by forward mode (where the
    // function is defined: acosh is not at 0.5).
    const Eigen::MatrixXd H = nabla::forward::hessian(f, x);
    for (Eigen::Index i = 0; i < 3; ++i) {
      for (Eigen::Index j = 0; j < 3; ++j) {
        if (std::isfinite(H(i, j)) && H(i, j) != 0) {
          EXPECT_TRUE(pattern.contains({std::size_t(i), std::size_t(j)})) << name;
        }
      }
    }
    ++checked;
  };
#define NABLA_CHECK(function, Rule) check(#function, [](auto v) { return function(v); });
  NABLA_UNARY_RULES(NABLA_CHECK)
#undef NABLA_CHECK
  EXPECT_EQ(checked, 31);
}

TEST(HessianSparsity, RosenbrockIsTridiagonalAndNeedsThreeColours) {
  for (std::size_t n : {3u, 10u, 1000u}) {
    const std::vector<double> x = nabla::testing::uniform_values(n, -1, 1, 1);
    const auto pattern = reverse::hessian_sparsity(rosenbrock, x);
    EXPECT_EQ(pattern.nonzeros(), 3 * n - 2) << n;
    for (std::size_t i = 0; i < n; ++i) {
      for (std::size_t j = i > 2 ? i - 2 : 0; j < std::min(n, i + 3); ++j) {
        EXPECT_EQ(pattern.contains(i, j), (i > j ? i - j : j - i) <= 1) << i << ", " << j;
      }
    }
    const auto colouring = reverse::colour_columns(pattern);
    EXPECT_EQ(colouring.count, 3u) << n;
  }
}

// The colouring is valid: no two columns of one colour share a non-zero row.
TEST(HessianSparsity, ColouredColumnsShareNoRow) {
  std::mt19937_64 random(7);
  std::uniform_int_distribution<std::size_t> index(0, 29);
  for (int trial = 0; trial < 20; ++trial) {
    std::vector<std::pair<std::size_t, std::size_t>> products;
    for (int k = 0; k < 25; ++k) products.emplace_back(index(random), index(random));
    auto f = [&products](const auto& v) {
      using T = typename std::remove_cvref_t<decltype(v)>::value_type;
      T s(0.0);
      for (auto [i, j] : products) s += v[i] * v[j];
      return s;
    };
    const auto pattern = reverse::hessian_sparsity(f, std::vector<double>(30, 1.0));
    const auto colouring = reverse::colour_columns(pattern);
    for (std::size_t i = 0; i < 30; ++i) {
      std::set<std::uint32_t> colours;
      for (std::size_t p = pattern.row_start[i]; p < pattern.row_start[i + 1]; ++p) {
        EXPECT_TRUE(colours.insert(colouring.colour[pattern.columns[p]]).second)
            << "row " << i << " meets a colour twice";
      }
    }
    EXPECT_LT(colouring.count, 30u);
  }
}

// Random straight-line programs over 12 inputs: the pattern covers every non-zero of the
// Hessian, and the Hessians computed through it (dense and sparse) equal forward mode's.
TEST(HessianSparsity, RandomProgramsPatternsCoverTheHessian) {
  std::mt19937_64 random(11);
  std::uniform_real_distribution<double> coordinate(-1.5, 1.5);
  std::uniform_int_distribution<int> op(0, 8);
  constexpr int kInputs = 12;
  for (int trial = 0; trial < 40; ++trial) {
    struct Node {
      int op, a, b;
    };
    std::vector<Node> nodes;
    for (int i = 0; i < 10; ++i) {
      std::uniform_int_distribution<int> pick(0, kInputs + i - 1);
      nodes.push_back({op(random), pick(random), pick(random)});
    }
    auto f = [&nodes](const auto& x) {
      using T = typename std::remove_cvref_t<decltype(x)>::value_type;
      using std::sin, std::exp, std::abs, std::pow, std::floor;
      std::vector<T> v(x.begin(), x.end());
      T sum(0.0);
      for (const Node& n : nodes) {
        const T& a = v[static_cast<std::size_t>(n.a)];
        const T& b = v[static_cast<std::size_t>(n.b)];
        switch (n.op) {
          case 0:
            v.push_back(a + 2.0 * b);
            break;
          case 1:
            v.push_back(a * b);
            break;
          case 2:
            v.push_back(a / (2.0 + sin(b)));
            break;
          case 3:
            v.push_back(sin(a));
            break;
          case 4:
            v.push_back(exp(0.3 * a) - b);
            break;
          case 5:
            v.push_back(abs(a) + floor(b));
            break;
          case 6:
            v.push_back(pow(2.0 + a * a, 0.5 + 0.1 * b));
            break;
          case 7:
            v.push_back(0.5 * a);
            break;
          default:
            v.push_back(a / 3.0 - b);
            break;
        }
        sum += v.back();
      }
      return sum;
    };
    std::vector<double> x;
    for (int i = 0; i < kInputs; ++i) x.push_back(coordinate(random));
    const Eigen::MatrixXd expected = nabla::forward::hessian(f, x);
    const auto pattern = reverse::hessian_sparsity(f, x);
    for (Eigen::Index i = 0; i < kInputs; ++i) {
      for (Eigen::Index j = 0; j < kInputs; ++j) {
        if (expected(i, j) != 0) {
          EXPECT_TRUE(pattern.contains(std::size_t(i), std::size_t(j)))
              << trial << ": (" << i << ", " << j << ")";
        }
      }
    }
    const double scale = 1e-13 * (1 + expected.cwiseAbs().maxCoeff());
    EXPECT_LE((reverse::hessian(f, x) - expected).cwiseAbs().maxCoeff(), scale) << trial;
    EXPECT_LE((reverse::hessian<2>(f, x) - expected).cwiseAbs().maxCoeff(), scale) << trial;
    const Eigen::MatrixXd sparse = reverse::sparse_hessian(f, x);
    EXPECT_LE((sparse - expected).cwiseAbs().maxCoeff(), scale) << trial;
  }
}

TEST(HessianSparsity, SparseHessianOfTenThousandVariables) {
  const std::size_t n = 10000;
  const std::vector<double> x = nabla::testing::uniform_values(n, -1, 1, 2);
  const Eigen::SparseMatrix<double> H = reverse::sparse_hessian(rosenbrock, x);
  ASSERT_EQ(H.rows(), Eigen::Index(n));
  EXPECT_EQ(H.nonZeros(), Eigen::Index(3 * n - 2));
  // Rosenbrock's Hessian in closed form: the tridiagonal of the test functions, entry by entry.
  for (std::size_t i = 0; i < n; ++i) {
    const double a = x[i];
    double diagonal = 0;
    if (i + 1 < n) diagonal += 1200 * a * a - 400 * x[i + 1] + 2;
    if (i > 0) diagonal += 200;
    EXPECT_NEAR(H.coeff(Eigen::Index(i), Eigen::Index(i)), diagonal,
                1e-11 * (1 + std::abs(diagonal)));
    if (i + 1 < n) {
      EXPECT_NEAR(H.coeff(Eigen::Index(i), Eigen::Index(i + 1)), -400 * a, 1e-12);
      EXPECT_NEAR(H.coeff(Eigen::Index(i + 1), Eigen::Index(i)), -400 * a, 1e-12);
    }
  }
}

TEST(HessianSparsity, DenseFunctionsFallBackToTheDenseHessian) {
  // log-sum-exp has a full Hessian: the pattern is abandoned, and the answer is forward mode's.
  auto lse = [](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    return nabla::testing::log_sum_exp<T>(std::span<const T>(v));
  };
  const std::vector<double> x = nabla::testing::uniform_values(20, -1, 1, 3);
  EXPECT_EQ(reverse::hessian_sparsity(lse, x).nonzeros(), 400u);
  // The budget hessian() gives the pattern (n^2 / 4 pairs) is exceeded, so it computes densely;
  // Rosenbrock's pattern stays within the same budget.
  const auto pattern_within = [](auto f, const std::vector<double>& point) {
    reverse::PatternRecording recording;
    std::vector<nabla::SparsityTracer> args;
    for (double v : point) args.push_back(nabla::SparsityTracer::input(v));
    const nabla::SparsityTracer y = f(args);
    const std::size_t n = point.size();
    return reverse::hessian_pattern(recording.tape(), n, y.index(), n * n / 4).has_value();
  };
  EXPECT_FALSE(pattern_within(lse, x));
  EXPECT_TRUE(pattern_within(rosenbrock, x));
  EXPECT_TRUE(reverse::hessian(lse, x).isApprox(nabla::forward::hessian(lse, x), 1e-13));
}

TEST(HessianSparsity, ALongChainIsTracedInLinearTime) {
  auto chain = [](const auto& v) { return nabla::testing::sine_chain(v[0], 1000000); };
  const auto pattern = reverse::hessian_sparsity(chain, std::vector<double>{0.3});
  EXPECT_EQ(entries(pattern), symmetric({{0, 0}}));
}

TEST(HessianSparsity, PatternsOfAnotherSizeAndStrayTracersAreErrors) {
  const auto pattern = reverse::hessian_sparsity(nabla::testing::seed_f, {3.0, 4.0});
  try {
    reverse::sparse_hessian(rosenbrock, std::vector<double>{1, 2, 3}, pattern);
    FAIL() << "expected an ArgumentError";
  } catch (const nabla::ArgumentError& e) {
    EXPECT_NE(std::string(e.what()).find("2 x 2"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("3 entries"), std::string::npos) << e.what();
  }
  EXPECT_THROW(nabla::SparsityTracer::input(1.0), nabla::RecordingError);
  // Constants need no recording.
  const nabla::SparsityTracer c = nabla::SparsityTracer(2.0) * 3.0;
  EXPECT_TRUE(c.is_constant());
  EXPECT_EQ(c.value(), 6.0);
}

}  // namespace
