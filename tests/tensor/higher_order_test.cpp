// Gradients of gradients: seed 004's Hessian by double backward, Newton's method (DeZero step
// 33), and hvp / hessian of a scalar function of a tensor against an analytic Hessian.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "nabla/tensor/variable.hpp"

namespace {

using nabla::GradOptions;
using nabla::Tensor;
using nabla::Variable;

TEST(HigherOrder, SeedFunctionHessianByDoubleBackwardOnZeroDimensionalTensors) {
  Variable x(Tensor(3.0), "x");
  Variable y(Tensor(4.0), "y");
  Variable f = x * x * y + y + 2.0;
  EXPECT_EQ(f.item(), 42.0);
  const std::vector<Variable> g = nabla::grad({f}, {x, y}, {.create_graph = true});
  EXPECT_EQ(g[0].item(), 24.0);
  EXPECT_EQ(g[1].item(), 10.0);
  const std::vector<Variable> row_x = nabla::grad({g[0]}, {x, y}, {.retain_graph = true});
  const std::vector<Variable> row_y = nabla::grad({g[1]}, {x, y}, {.retain_graph = true});
  EXPECT_EQ(row_x[0].item(), 8.0);
  EXPECT_EQ(row_x[1].item(), 6.0);
  EXPECT_EQ(row_y[0].item(), 6.0);
  EXPECT_EQ(row_y[1].item(), 0.0);   // g_y = x^2 + 1 does not depend on y: zeros
  EXPECT_FALSE(x.grad().defined());  // grad() leaves grad() alone
}

TEST(HigherOrder, SeedFunctionHessianThroughBackwardAndGrad) {
  // The DeZero way: backward with create_graph, then backward of the gradient.
  Variable x(Tensor(3.0));
  Variable y(Tensor(4.0));
  Variable f = x * x * y + y + 2.0;
  f.backward({.create_graph = true});
  Variable gx = x.grad();
  x.cleargrad();
  y.cleargrad();
  gx.backward();
  EXPECT_EQ(x.grad().item(), 8.0);
  EXPECT_EQ(y.grad().item(), 6.0);
}

TEST(HigherOrder, NewtonsMethodConvergesLikeDeZeroStep33) {
  // f(x) = x^4 - 2x^2 from x = 2: x <- x - f'(x) / f''(x), both derivatives by backward.
  auto f = [](const Variable& x) { return pow(x, 4) - 2 * pow(x, 2); };
  Variable x(Tensor(2.0), "x");
  std::vector<double> iterates;
  for (int i = 0; i < 10; ++i) {
    iterates.push_back(x.item());
    Variable y = f(x);
    x.cleargrad();
    y.backward({.create_graph = true});
    Variable gx = x.grad();
    x.cleargrad();
    gx.backward();
    Variable gx2 = x.grad();
    x.set_data(x.data() - gx.data() / gx2.data());
  }
  // DeZero's printout, and the same recurrence in plain doubles.
  const std::vector<double> dezero{2.0,
                                   1.4545454545454546,
                                   1.1510467893775467,
                                   1.0253259289766978,
                                   1.0009084519430513,
                                   1.0000012353089454,
                                   1.000000000002289,
                                   1.0,
                                   1.0,
                                   1.0};
  double reference = 2.0;
  for (std::size_t i = 0; i < iterates.size(); ++i) {
    EXPECT_NEAR(iterates[i], dezero[i], 1e-15) << "iteration " << i;
    EXPECT_NEAR(iterates[i], reference, 1e-15) << "iteration " << i;
    const double first = 4 * std::pow(reference, 3) - 4 * reference;
    const double second = 12 * reference * reference - 4;
    reference -= first / second;
  }
  EXPECT_EQ(iterates[7], 1.0);
}

TEST(HigherOrder, ThirdDerivativeOfTanhByRepeatedCreateGraph) {
  Variable x(Tensor(0.7));
  Variable y = tanh(x);
  Variable g1 = nabla::grad({y}, {x}, {.create_graph = true})[0];
  Variable g2 = nabla::grad({g1}, {x}, {.create_graph = true})[0];
  Variable g3 = nabla::grad({g2}, {x})[0];
  const double t = std::tanh(0.7);
  EXPECT_NEAR(g1.item(), 1 - t * t, 1e-15);
  EXPECT_NEAR(g2.item(), -2 * t * (1 - t * t), 1e-15);
  EXPECT_NEAR(g3.item(), -2 * (1 - t * t) * (1 - 3 * t * t), 1e-14);
}

// f(x) = ½ xᵀ A x + Σ x_i³ + Σ sin(x_i): Hessian A + diag(6 x - sin x) for symmetric A.
Variable quadratic_plus_cubic(const Variable& x) {
  const Variable A(Tensor{{2.0, 0.5, -1.0}, {0.5, 3.0, 0.25}, {-1.0, 0.25, 1.0}});
  return 0.5 * matmul(x, matmul(A, x)) + sum(x * x * x) + sum(sin(x));
}

TEST(HigherOrder, HessianOfAScalarFunctionOfATensorIsAnalytic) {
  const Tensor x{0.3, -1.2, 2.0};
  const Tensor H = nabla::hessian(quadratic_plus_cubic, x);
  ASSERT_EQ(H.shape(), (nabla::Shape{3, 3}));
  const double A[3][3] = {{2.0, 0.5, -1.0}, {0.5, 3.0, 0.25}, {-1.0, 0.25, 1.0}};
  const std::vector<double> xs = x.to_vector();
  for (int i = 0; i < 3; ++i) {
    for (int j = 0; j < 3; ++j) {
      const double expected = A[i][j] + (i == j ? 6 * xs[i] - std::sin(xs[i]) : 0.0);
      EXPECT_NEAR(H.at({i, j}), expected, 1e-14) << i << ", " << j;
    }
  }
}

TEST(HigherOrder, HessianVectorProductMatchesTheHessianTimesV) {
  const Tensor x{0.3, -1.2, 2.0};
  const Tensor v{1.0, -2.0, 0.5};
  const Tensor Hv = nabla::hvp(quadratic_plus_cubic, x, v);
  const Tensor expected = matmul(nabla::hessian(quadratic_plus_cubic, x), v);
  EXPECT_TRUE(nabla::allclose(Hv, expected, 1e-14, 1e-14));
  EXPECT_THROW(nabla::hvp(quadratic_plus_cubic, x, Tensor{1.0}), nabla::ShapeError);
}

TEST(HigherOrder, HessianOfMatrixArgumentIsFlattened) {
  // f(X) = sum(X ⊙ X ⊙ X): Hessian diag(6 X) over the flattened X.
  const Tensor X{{1.0, 2.0}, {3.0, 4.0}};
  const Tensor H = nabla::hessian([](const Variable& v) { return sum(v * v * v); }, X);
  ASSERT_EQ(H.shape(), (nabla::Shape{4, 4}));
  for (int i = 0; i < 4; ++i) {
    for (int j = 0; j < 4; ++j) EXPECT_EQ(H.at({i, j}), i == j ? 6.0 * (i + 1) : 0.0);
  }
}

}  // namespace
