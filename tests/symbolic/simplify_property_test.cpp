// Every simplification keeps the value: random expressions, built as sym::Expr (simplified as
// they are built) and evaluated directly on doubles (no simplification), agree at random points.
// A rule like x - (a + x) -> a (a sign lost) would show here as a difference of 2a.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include "nabla/core/rules.hpp"
#include "nabla/symbolic/evaluate.hpp"
#include "nabla/symbolic/expr.hpp"

namespace {

namespace sym = nabla::sym;
using sym::Expr;

constexpr int kUnaryCount = 0
#define NABLA_COUNT_UNARY(name, Rule) +1
    NABLA_UNARY_RULES(NABLA_COUNT_UNARY)
#undef NABLA_COUNT_UNARY
    ;

// A random expression tree over x, y, z, kept as a tree so it can be evaluated without the
// simplifier. Leaves repeat variables often, so that like terms and factors meet.
struct Tree {
  enum Op { variable, number, add, subtract, multiply, divide, power, negate, unary, binary };
  struct Node {
    Op op;
    int a = -1, b = -1;  // children
    int which = 0;       // variable index, unary function index, or binary function index
    double value = 0;    // for numbers
  };
  std::vector<Node> nodes;

  int grow(std::mt19937& random, int depth) {
    std::uniform_int_distribution<int> pick(0, depth <= 0 ? 1 : 9);
    Node n{static_cast<Op>(pick(random))};
    switch (n.op) {
      case variable:
        n.which = std::uniform_int_distribution<int>(0, 2)(random);
        break;
      case number: {
        static const double numbers[] = {0, 1, -1, 2, 0.5, 3, -2.5, 0.1};
        n.value = numbers[std::uniform_int_distribution<int>(0, 7)(random)];
        break;
      }
      case negate:
        n.a = grow(random, depth - 1);
        break;
      case unary:
        n.which = std::uniform_int_distribution<int>(0, kUnaryCount - 1)(random);
        n.a = grow(random, depth - 1);
        break;
      case binary:
        n.which = std::uniform_int_distribution<int>(0, 3)(random);
        [[fallthrough]];
      default:
        n.a = grow(random, depth - 1);
        n.b = grow(random, depth - 1);
        break;
    }
    nodes.push_back(n);
    return static_cast<int>(nodes.size()) - 1;
  }

  // Evaluates node i generically: on Expr it builds (and simplifies), on double it computes.
  // `scale` collects the largest magnitude met, for the tolerance of reassociated sums.
  template <class T>
  T evaluate(int i, const std::vector<T>& xyz, double& scale) const {
    using std::abs;
    const Node& n = nodes[static_cast<std::size_t>(i)];
    T result{};
    switch (n.op) {
      case variable:
        result = xyz[static_cast<std::size_t>(n.which)];
        break;
      case number:
        result = T(n.value);
        break;
      case add:
        result = evaluate(n.a, xyz, scale) + evaluate(n.b, xyz, scale);
        break;
      case subtract:
        result = evaluate(n.a, xyz, scale) - evaluate(n.b, xyz, scale);
        break;
      case multiply:
        result = evaluate(n.a, xyz, scale) * evaluate(n.b, xyz, scale);
        break;
      case divide:
        result = evaluate(n.a, xyz, scale) / evaluate(n.b, xyz, scale);
        break;
      case power:
        result = pow(evaluate(n.a, xyz, scale), evaluate(n.b, xyz, scale));
        break;
      case negate:
        result = -evaluate(n.a, xyz, scale);
        break;
      case unary: {
        const T a = evaluate(n.a, xyz, scale);
        int k = 0;
#define NABLA_APPLY_UNARY(name, Rule) \
  if (k++ == n.which) result = name(a);
        NABLA_UNARY_RULES(NABLA_APPLY_UNARY)
#undef NABLA_APPLY_UNARY
        break;
      }
      default: {
        const T a = evaluate(n.a, xyz, scale), b = evaluate(n.b, xyz, scale);
        using std::atan2, std::hypot, std::min, std::max;
        switch (n.which) {
          case 0:
            result = atan2(a, b);
            break;
          case 1:
            result = hypot(a, b);
            break;
          case 2:
            result = min(a, b);
            break;
          default:
            result = max(a, b);
            break;
        }
        break;
      }
    }
    if constexpr (std::is_same_v<T, double>) {
      if (std::isfinite(result)) scale = std::max(scale, std::abs(result));
    }
    return result;
  }
};

TEST(SymbolicSimplification, RandomExpressionsKeepTheirValues) {
  std::mt19937 random(29);
  std::uniform_real_distribution<double> coordinate(-2, 2);
  const std::vector<Expr> xyz{sym::variable("x"), sym::variable("y"), sym::variable("z")};
  int compared = 0;
  for (int trial = 0; trial < 1500; ++trial) {
    Tree tree;
    const int root = tree.grow(random, 5);
    double unused = 0;
    const Expr e = tree.evaluate(root, xyz, unused);
    for (int point = 0; point < 4; ++point) {
      const std::vector<double> at{coordinate(random), coordinate(random), coordinate(random)};
      double scale = 0;
      const double direct = tree.evaluate(root, at, scale);
      // Where the unsimplified expression is undefined, rules valid only away from a point
      // (x/x = 1, exp(log x) = x) may give a number: documented, not compared.
      if (!std::isfinite(direct)) continue;
      const double simplified = sym::evaluate<double>(e, xyz, at);
      EXPECT_NEAR(simplified, direct, 1e-9 * (1 + scale))
          << sym::to_string(e) << " at (" << at[0] << ", " << at[1] << ", " << at[2] << ")";
      ++compared;
    }
  }
  EXPECT_GT(compared, 3000);
}

}  // namespace
