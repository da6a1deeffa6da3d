// Reverse mode against forward mode: every rule, random programs, the benchmark problems.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <random>
#include <span>
#include <string>
#include <vector>

#include "functions.hpp"
#include "nabla/forward/drivers.hpp"
#include "nabla/numeric/finite_difference.hpp"
#include "nabla/reverse/drivers.hpp"
#include "problems.hpp"

namespace {

using nabla::Dual;
using nabla::Var;

// Every function of NABLA_UNARY_RULES, expanded from the same list the modes use, so a function
// added there is checked here without an edit. Points where the function is undefined (nan)
// are skipped; its domain differs from function to function.
TEST(ReverseModes, EveryUnaryRuleAgreesWithForwardMode) {
  std::vector<double> points;
  for (double x = -2.9; x < 3; x += 0.37) points.push_back(x);
  int compared = 0;
  auto check = [&](const char* name, auto f) {
    for (double x : points) {
      const Dual<double> d = f(Dual<double>::variable(x));
      if (!std::isfinite(d.value()) || !std::isfinite(d.tangent())) continue;
      nabla::Recording recording;
      Var v = x;
      Var y = f(v);
      y.backward();
      EXPECT_EQ(y.value(), d.value()) << name << " at " << x;
      EXPECT_NEAR(v.grad(), d.tangent(), 1e-14 * (1 + std::abs(d.tangent())))
          << name << " at " << x;
      ++compared;
    }
  };
#define NABLA_CHECK(function, Rule) check(#function, [](auto x) { return function(x); });
  NABLA_UNARY_RULES(NABLA_CHECK)
#undef NABLA_CHECK
  EXPECT_GT(compared, 31 * 5);  // every function compared at several points at least
}

TEST(ReverseModes, BinaryRulesAgreeWithForwardMode) {
  std::mt19937_64 random(3);
  std::uniform_real_distribution<double> positive(0.2, 3), any(-3, 3);
  for (int i = 0; i < 50; ++i) {
    const double a = positive(random), b = any(random);
    auto f = [](auto x, auto y) {
      using std::pow, std::atan2, std::hypot;
      return pow(x, y) + atan2(y, x) * hypot(x, y) + pow(x, 2.5) + pow(1.5, y) + max(x, y) -
             fmin(x * 0.5, y);
    };
    const auto forward = nabla::forward::gradient(f, {a, b});
    const auto reverse = nabla::reverse::gradient(f, {a, b});
    EXPECT_NEAR(reverse[0], forward[0], 1e-13 * (1 + std::abs(forward[0])));
    EXPECT_NEAR(reverse[1], forward[1], 1e-13 * (1 + std::abs(forward[1])));
  }
}

// The benchmarked problems are differentiated correctly: reverse against forward mode.
template <class P>
void expect_problem_gradient_matches_forward(const P& problem, std::size_t inputs, double low,
                                             double high) {
  const auto x = nabla::testing::uniform_values(inputs, low, high, 99);
  auto f = [&problem](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    return problem(std::span<const T>(v.data(), v.size()));
  };
  const auto reverse = nabla::reverse::gradient(f, x);
  const auto forward = nabla::forward::gradient(f, x);
  for (std::size_t i = 0; i < x.size(); ++i) {
    ASSERT_NEAR(reverse[i], forward[i], 1e-10 * (1 + std::abs(forward[i]))) << i;
  }
}

namespace problems {
struct Sum {
  template <class T>
  T operator()(std::span<const T> x) const {
    return nabla::testing::sum(x);
  }
};
struct Product {
  template <class T>
  T operator()(std::span<const T> x) const {
    return nabla::testing::product(x);
  }
};
struct LogSumExp {
  template <class T>
  T operator()(std::span<const T> x) const {
    return nabla::testing::log_sum_exp(x);
  }
};
struct Normal {
  template <class T>
  T operator()(std::span<const T> x) const {
    return nabla::testing::normal_log_density(x);
  }
};
struct Matrix {
  template <class T>
  T operator()(std::span<const T> x) const {
    return nabla::testing::matrix_product_sum(x);
  }
};
}  // namespace problems

TEST(ReverseModes, BenchmarkProblemsAgreeWithForwardMode) {
  namespace t = nabla::testing;
  expect_problem_gradient_matches_forward(problems::Sum{}, 37, -1, 1);
  expect_problem_gradient_matches_forward(problems::Product{}, 37, 0.5, 1.5);
  expect_problem_gradient_matches_forward(problems::LogSumExp{}, 37, -1, 1);
  expect_problem_gradient_matches_forward(problems::Normal{}, 37, -1, 1);
  expect_problem_gradient_matches_forward(problems::Matrix{}, 2 * 5 * 5, -1, 1);
  const t::Regression regression(7);
  expect_problem_gradient_matches_forward(regression, regression.inputs(), -0.5, 0.5);
  const t::StochasticVolatility volatility(20);
  expect_problem_gradient_matches_forward(volatility, volatility.inputs(), -0.5, 0.5);
}

// Random straight-line programs (as in the forward-mode property tests): reverse, forward and
// central differences agree.
TEST(ReverseModes, RandomProgramsAgreeWithForwardModeAndDifferences) {
  std::mt19937_64 random(5);
  std::uniform_real_distribution<double> coordinate(-1.5, 1.5);
  std::uniform_int_distribution<int> op(0, 7);
  for (int trial = 0; trial < 60; ++trial) {
    struct Node {
      int op, a, b;
    };
    std::vector<Node> nodes;
    for (int i = 0; i < 14; ++i) {
      std::uniform_int_distribution<int> pick(0, 3 + i - 1);
      nodes.push_back({op(random), pick(random), pick(random)});
    }
    auto f = [&nodes](const auto& x) {
      using T = typename std::remove_cvref_t<decltype(x)>::value_type;
      using std::sin, std::exp, std::tanh, std::log, std::sqrt;
      std::vector<T> v(x.begin(), x.end());
      for (const Node& n : nodes) {
        const T& a = v[static_cast<std::size_t>(n.a)];
        const T& b = v[static_cast<std::size_t>(n.b)];
        switch (n.op) {
          case 0:
            v.push_back(a + b);
            break;
          case 1:
            v.push_back(a - b);
            break;
          case 2:
            v.push_back(a * b);
            break;
          case 3:
            v.push_back(a / (1.0 + b * b));
            break;
          case 4:
            v.push_back(sin(a));
            break;
          case 5:
            v.push_back(exp(tanh(a)));
            break;
          case 6:
            v.push_back(log(1.0 + a * a));
            break;
          default:
            v.push_back(sqrt(2.0 + a * a));
            break;
        }
      }
      return v.back();
    };
    const std::vector<double> x{coordinate(random), coordinate(random), coordinate(random)};
    const auto reverse = nabla::reverse::gradient(f, x);
    const auto forward = nabla::forward::gradient(f, x);
    const auto numeric = nabla::numeric::gradient(f, x, {.accuracy = 6});
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(reverse[i], forward[i], 1e-13 * (1 + std::abs(forward[i]))) << trial;
      EXPECT_NEAR(reverse[i], numeric[i], 1e-7 * (1 + std::abs(numeric[i]))) << trial;
    }
  }
}

}  // namespace
