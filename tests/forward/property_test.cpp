// Property tests: random expression graphs at random points, on which forward mode, Taylor mode
// and finite differences must agree.
#include <gtest/gtest.h>

#include <Eigen/Core>
#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "nabla/forward/drivers.hpp"
#include "nabla/numeric/finite_difference.hpp"

namespace {

// A straight-line program: node k combines earlier nodes, so evaluation is one loop (and the
// graph shares subexpressions, as real code does). Every operation is smooth everywhere on the
// reals (denominators and logarithms see 1 + u^2), so any point is a valid test point.
enum class Op {
  add,
  sub,
  mul,
  div,
  sin,
  cos,
  exp_tanh,
  tanh,
  log_square,
  sqrt_square,
  atan,
  square
};

struct Node {
  Op op;
  int a, b;
};

struct Program {
  int inputs;
  std::vector<Node> nodes;  // node i has index inputs + i

  template <class S>
  S operator()(std::span<const S> x) const {
    using std::sin, std::cos, std::exp, std::tanh, std::log, std::sqrt, std::atan;
    std::vector<S> v(x.begin(), x.end());
    for (const Node& n : nodes) {
      const S& a = v[static_cast<std::size_t>(n.a)];
      const S& b = v[static_cast<std::size_t>(n.b)];
      switch (n.op) {
        case Op::add:
          v.push_back(a + b);
          break;
        case Op::sub:
          v.push_back(a - b);
          break;
        case Op::mul:
          v.push_back(a * b);
          break;
        case Op::div:
          v.push_back(a / (1 + b * b));
          break;
        case Op::sin:
          v.push_back(sin(a));
          break;
        case Op::cos:
          v.push_back(cos(a));
          break;
        case Op::exp_tanh:
          v.push_back(exp(tanh(a)));
          break;
        case Op::tanh:
          v.push_back(tanh(a));
          break;
        case Op::log_square:
          v.push_back(log(1 + a * a));
          break;
        case Op::sqrt_square:
          v.push_back(sqrt(2 + a * b));
          break;  // b == a: sqrt(2 + a^2)
        case Op::atan:
          v.push_back(atan(a));
          break;
        case Op::square:
          v.push_back(a * a * 0.5);
          break;
      }
    }
    return v.back();
  }
};

Program random_program(std::mt19937_64& random, int inputs, int length) {
  Program p{inputs, {}};
  std::uniform_int_distribution<int> op(0, 11);
  for (int i = 0; i < length; ++i) {
    const int available = inputs + i;
    std::uniform_int_distribution<int> pick(0, available - 1);
    Op o = static_cast<Op>(op(random));
    int a = pick(random), b = pick(random);
    if (o == Op::sqrt_square) b = a;  // sqrt(2 + a^2) stays smooth
    p.nodes.push_back({o, a, b});
  }
  return p;
}

auto as_function(const Program& p) {
  return [&p](const auto& x) {
    using S = typename std::remove_cvref_t<decltype(x)>::value_type;
    return p(std::span<const S>(x));
  };
}

// Forward-mode gradients are exact; central differences of order 6 with an automatic step are
// accurate to about eps^(6/7) ~ 4e-14 relative to the function's scale, so 1e-7 leaves a wide
// margin for the higher derivatives of random compositions while still catching any wrong rule.
TEST(ForwardProperties, GradientAgreesWithCentralDifferencesOnRandomPrograms) {
  std::mt19937_64 random(42);
  std::uniform_real_distribution<double> coordinate(-1.5, 1.5);
  for (int trial = 0; trial < 60; ++trial) {
    const Program p = random_program(random, 3, 15);
    const std::vector<double> x{coordinate(random), coordinate(random), coordinate(random)};
    const auto f = as_function(p);
    const auto exact = nabla::forward::gradient<2>(f, x);
    const auto numeric = nabla::numeric::gradient(
        f, x, {.scheme = nabla::numeric::Difference::central, .accuracy = 6});
    for (std::size_t i = 0; i < x.size(); ++i) {
      EXPECT_NEAR(exact[i], numeric[i], 1e-7 * (1 + std::abs(numeric[i]))) << "trial " << trial;
    }
  }
}

// Three modes on the same program: jvp (Dual), the first two Taylor coefficients along the same
// direction, and the forward-over-forward Hessian (v^T H v = 2 c_2).
TEST(ForwardProperties, DualTaylorAndHessianAgreeAlongRandomDirections) {
  std::mt19937_64 random(7);
  std::uniform_real_distribution<double> coordinate(-1.5, 1.5);
  for (int trial = 0; trial < 60; ++trial) {
    const Program p = random_program(random, 3, 12);
    const auto f = as_function(p);
    const std::vector<double> x{coordinate(random), coordinate(random), coordinate(random)};
    const std::vector<double> v{coordinate(random), coordinate(random), coordinate(random)};
    using T2 = nabla::Taylor<double, 2>;
    std::vector<T2> line(3);
    for (std::size_t i = 0; i < 3; ++i) line[i] = T2(typename T2::Coefficients{x[i], v[i], 0});
    const T2 along = f(line);
    const double jvp = nabla::forward::jvp(f, x, v);
    const Eigen::MatrixXd H = nabla::forward::hessian<2>(f, x);
    const Eigen::Vector3d ve(v[0], v[1], v[2]);
    EXPECT_NEAR(along[1], jvp, 1e-12 * (1 + std::abs(jvp))) << "trial " << trial;
    EXPECT_NEAR(2 * along[2], ve.dot(H * ve), 1e-11 * (1 + std::abs(along[2])))
        << "trial " << trial;
    // Chunks of 1 and of 3 seed the inputs differently; with 3, the one block computes both
    // triangles independently, so they must agree with each other and with the chunks of 1.
    const Eigen::MatrixXd single = nabla::forward::hessian<1>(f, x);
    const Eigen::MatrixXd block = nabla::forward::hessian<3>(f, x);
    EXPECT_TRUE(block.isApprox(block.transpose(), 1e-13)) << "trial " << trial;
    EXPECT_TRUE(single.isApprox(block, 1e-13)) << "trial " << trial;
  }
}

// The Hessian against second differences: the central order-4 Hessian stencil has error about
// eps^(4/6) ~ 4e-11 relative to the scale of f, so 1e-5 is loose yet fails for a wrong rule.
TEST(ForwardProperties, HessianAgreesWithSecondDifferencesOnRandomPrograms) {
  std::mt19937_64 random(99);
  std::uniform_real_distribution<double> coordinate(-1.5, 1.5);
  for (int trial = 0; trial < 30; ++trial) {
    const Program p = random_program(random, 3, 10);
    const auto f = as_function(p);
    const std::vector<double> x{coordinate(random), coordinate(random), coordinate(random)};
    const Eigen::MatrixXd exact = nabla::forward::hessian(f, x);
    const Eigen::MatrixXd numeric = nabla::numeric::hessian(
        f, x, {.scheme = nabla::numeric::Difference::central, .accuracy = 4});
    for (Eigen::Index i = 0; i < 3; ++i) {
      for (Eigen::Index j = 0; j < 3; ++j) {
        EXPECT_NEAR(exact(i, j), numeric(i, j), 1e-5 * (1 + std::abs(exact(i, j))))
            << "trial " << trial << " entry " << i << ',' << j;
      }
    }
  }
}

}  // namespace
