// Every operation's backward, and its double backward where it is defined, against central
// finite differences in float64, for equal and for broadcast shapes.
#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "autograd_check.hpp"
#include "nabla/tensor/variable.hpp"

namespace {

using nabla::Axes;
using nabla::Generator;
using nabla::Indices;
using nabla::Shape;
using nabla::Slice;
using nabla::Tensor;
using nabla::Variable;
using nabla::testing::expect_gradients_match;
using nabla::testing::expect_second_derivatives_match;
using nabla::testing::VariableFunction;
using Inputs = std::vector<Variable>;

Tensor normal(const Shape& shape, std::uint64_t seed) {
  Generator generator(seed);
  return Tensor::randn(shape, generator);
}

Tensor uniform(const Shape& shape, double low, double high, std::uint64_t seed) {
  Generator generator(seed);
  return Tensor::rand(shape, generator, low, high);
}

// Both orders of derivative.
void check(const VariableFunction& f, const std::vector<Tensor>& inputs, const std::string& what) {
  expect_gradients_match(f, inputs, what);
  expect_second_derivatives_match(f, inputs, what);
}

const std::vector<std::pair<Shape, Shape>> shape_pairs = {
    {{2, 3}, {2, 3}}, {{3, 1}, {1, 4}},    {{2, 3}, {3}}, {{}, {2, 2}},
    {{2, 2}, {}},     {{2, 1, 3}, {4, 1}}, {{4}, {2, 1}}, {{1}, {3, 2}},
};

std::string pair_name(const std::string& op, const Shape& a, const Shape& b) {
  return op + " " + nabla::shape_string(a) + " & " + nabla::shape_string(b);
}

// Square with a wrong factor in backward, and square whose backward is right but reads x as a
// constant (a Tensor, not a Variable), so that its second derivative is lost: the checks must
// notice each at its own order.
struct WrongSquare : nabla::Function {
  std::string_view name() const override { return "wrong_square"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& x) override { return {x[0] * x[0]}; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {gy[0] * input(0) * 2.001};
  }
};
struct FirstOrderOnlySquare : nabla::Function {
  std::string_view name() const override { return "first_order_only_square"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& x) override { return {x[0] * x[0]}; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {gy[0] * Variable(input(0).data() * 2.0)};
  }
};

TEST(GradCheck, CheckerRejectsAWrongDerivativeAtEitherOrder) {
  const VariableFunction wrong = [](const Inputs& v) { return nabla::call<WrongSquare>(v)[0]; };
  EXPECT_NONFATAL_FAILURE(expect_gradients_match(wrong, {Tensor{0.7}}, "wrong"), "wrong");
  const VariableFunction first_order_only = [](const Inputs& v) {
    return nabla::call<FirstOrderOnlySquare>(v)[0];
  };
  expect_gradients_match(first_order_only, {Tensor{0.7}}, "first order only");
  EXPECT_NONFATAL_FAILURE(
      expect_second_derivatives_match(first_order_only, {Tensor{0.7}}, "first order only"),
      "second order");
}

TEST(GradCheck, BroadcastingArithmeticMatchesCentralDifferences) {
  std::uint64_t seed = 100;
  for (const auto& [sa, sb] : shape_pairs) {
    const Tensor a = normal(sa, ++seed);
    const Tensor b = uniform(sb, 0.5, 2.0, ++seed);  // away from 0 for div
    check([](const Inputs& x) { return x[0] + x[1]; }, {a, b}, pair_name("add", sa, sb));
    check([](const Inputs& x) { return x[0] - x[1]; }, {a, b}, pair_name("sub", sa, sb));
    check([](const Inputs& x) { return x[0] * x[1]; }, {a, b}, pair_name("mul", sa, sb));
    check([](const Inputs& x) { return x[0] / x[1]; }, {a, b}, pair_name("div", sa, sb));
    check([](const Inputs& x) { return x[1] / x[0]; }, {uniform(sa, 0.5, 2, ++seed), a},
          pair_name("div", sb, sa));
    const Tensor base = uniform(sa, 0.5, 2.0, ++seed);
    check([](const Inputs& x) { return pow(x[0], x[1]); }, {base, b}, pair_name("pow", sa, sb));
  }
}

TEST(GradCheck, NamedFunctionsMatchOperators) {
  const Tensor a = normal({2, 3}, 1);
  const Tensor b = uniform({3}, 0.5, 2, 2);
  check([](const Inputs& x) { return add(x[0], x[1]); }, {a, b}, "add()");
  check([](const Inputs& x) { return sub(x[0], x[1]); }, {a, b}, "sub()");
  check([](const Inputs& x) { return mul(x[0], x[1]); }, {a, b}, "mul()");
  check([](const Inputs& x) { return div(x[0], x[1]); }, {a, b}, "div()");
  check([](const Inputs& x) { return neg(x[0]); }, {a}, "neg()");
  check([](const Inputs& x) { return -x[0]; }, {a}, "unary -");
}

TEST(GradCheck, ArithmeticWithNumbersOnEitherSide) {
  const Tensor x = uniform({2, 3}, 0.5, 2.0, 3);
  check([](const Inputs& v) { return v[0] + 2.5; }, {x}, "x + c");
  check([](const Inputs& v) { return 2.5 + v[0]; }, {x}, "c + x");
  check([](const Inputs& v) { return v[0] - 2.5; }, {x}, "x - c");
  check([](const Inputs& v) { return 2.5 - v[0]; }, {x}, "c - x");
  check([](const Inputs& v) { return v[0] * 2.5; }, {x}, "x * c");
  check([](const Inputs& v) { return 2.5 * v[0]; }, {x}, "c * x");
  check([](const Inputs& v) { return v[0] / 2.5; }, {x}, "x / c");
  check([](const Inputs& v) { return 2.5 / v[0]; }, {x}, "c / x");
  for (double c : {3.0, 2.0, 0.5, -2.0, 1.0}) {
    check([c](const Inputs& v) { return pow(v[0], c); }, {x}, "x ^ " + std::to_string(c));
  }
  check([](const Inputs& v) { return pow(1.7, v[0]); }, {x}, "c ^ x");
}

TEST(GradCheck, SmoothUnaryFunctions) {
  const Tensor x = normal({2, 3}, 4);
  const Tensor positive = uniform({2, 3}, 0.3, 3.0, 5);
  check([](const Inputs& v) { return square(v[0]); }, {x}, "square");
  check([](const Inputs& v) { return exp(v[0]); }, {x}, "exp");
  check([](const Inputs& v) { return log(v[0]); }, {positive}, "log");
  check([](const Inputs& v) { return sin(v[0]); }, {x}, "sin");
  check([](const Inputs& v) { return cos(v[0]); }, {x}, "cos");
  check([](const Inputs& v) { return tanh(v[0]); }, {x}, "tanh");
  check([](const Inputs& v) { return sqrt(v[0]); }, {positive}, "sqrt");
  check([](const Inputs& v) { return sigmoid(v[0]); }, {x}, "sigmoid");
}

TEST(GradCheck, PiecewiseFunctionsAwayFromTheirKinks) {
  // Every element at least 0.1 from the kinks at 0 (abs, relu) and at -0.5, 0.5 (clip).
  const Tensor x{{-1.3, -0.7, -0.2, 0.25}, {0.35, 0.8, 1.6, -0.35}};
  check([](const Inputs& v) { return abs(v[0]); }, {x}, "abs");
  check([](const Inputs& v) { return relu(v[0]); }, {x}, "relu");
  check([](const Inputs& v) { return clip(v[0], -0.5, 0.5); }, {x}, "clip");
  const Tensor condition{{1, 0, 1, 1}, {0, 0, 1, 0}};
  check([&](const Inputs& v) { return where(condition, v[0], v[1]); }, {x, normal({4}, 6)},
        "where");
}

TEST(GradCheck, Reductions) {
  const Tensor x = normal({2, 3, 4}, 7);
  for (const Axes& axes : {Axes{}, Axes{0}, Axes{1}, Axes{-1}, Axes{0, 2}}) {
    for (bool keepdims : {false, true}) {
      const std::string how = " axes " + std::to_string(axes.size()) + (keepdims ? " keep" : "");
      check([=](const Inputs& v) { return sum(v[0], axes, keepdims); }, {x}, "sum" + how);
      check([=](const Inputs& v) { return mean(v[0], axes, keepdims); }, {x}, "mean" + how);
      check([=](const Inputs& v) { return max(v[0], axes, keepdims); }, {x}, "max" + how);
      check([=](const Inputs& v) { return min(v[0], axes, keepdims); }, {x}, "min" + how);
    }
  }
}

TEST(GradCheck, ShapeOperations) {
  const Tensor x = normal({2, 3, 4}, 8);
  check([](const Inputs& v) { return reshape(v[0], {4, 6}); }, {x}, "reshape");
  check([](const Inputs& v) { return reshape(v[0], {-1}); }, {x}, "reshape -1");
  check([](const Inputs& v) { return transpose(v[0]); }, {x}, "transpose");
  check([](const Inputs& v) { return permute(v[0], {1, 2, 0}); }, {x}, "permute");
  check([](const Inputs& v) { return permute(v[0], {-1, 0, 1}); }, {x}, "permute negative");
  check(
      [](const Inputs& v) {
        return broadcast_to(v[0], {2, 3, 4});
      },
      {normal({3, 1}, 9)}, "broadcast_to");
  check([](const Inputs& v) { return sum_to(v[0], {3, 1}); }, {x}, "sum_to");
  check([](const Inputs& v) { return sum_to(v[0], {}); }, {x}, "sum_to ()");
}

TEST(GradCheck, IndexingAndScatter) {
  const Tensor x = normal({4, 3}, 10);
  check([](const Inputs& v) { return get_item(v[0], {std::int64_t{1}}); }, {x}, "x[1]");
  check(
      [](const Inputs& v) {
        return get_item(v[0], {Slice{1, 4, 2}, std::int64_t{-1}});
      },
      {x}, "x[1:4:2, -1]");
  // Repeated indices: their gradients add up.
  check(
      [](const Inputs& v) {
        return get_item(v[0], {std::vector<std::int64_t>{0, 2, 0, 3}});
      },
      {x}, "x[[0, 2, 0, 3]]");
  // DeZero's x[arange(N), t], with a pair repeated
  check(
      [](const Inputs& v) {
        return get_item(v[0], {std::vector<std::int64_t>{0, 1, 2, 3, 1},
                               std::vector<std::int64_t>{2, 0, 1, 1, 0}});
      },
      {x}, "x[arange, t]");
  check(
      [](const Inputs& v) {
        return scatter_add({4, 3}, {std::vector<std::int64_t>{1, 1, 3}}, v[0]);
      },
      {normal({3, 3}, 11)}, "scatter_add");
}

TEST(GradCheck, ConcatAndStack) {
  const Tensor a = normal({2, 3}, 12);
  const Tensor b = normal({2, 2}, 13);
  const Tensor c = normal({2, 1}, 14);
  check([](const Inputs& v) { return concat(v, 1); }, {a, b, c}, "concat axis 1");
  check([](const Inputs& v) { return concat(v, -1); }, {a, b}, "concat axis -1");
  check([](const Inputs& v) { return concat(v, 0); }, {a, normal({1, 3}, 15)}, "concat axis 0");
  const Tensor d = normal({2, 3}, 16);
  check([](const Inputs& v) { return stack(v, 0); }, {a, d}, "stack axis 0");
  check([](const Inputs& v) { return stack(v, 2); }, {a, d}, "stack axis 2");
  check([](const Inputs& v) { return nabla::stack({v[0], v[1]}, -1); }, {a, d}, "stack axis -1");
}

TEST(GradCheck, MatrixProductsInEveryArrangement) {
  struct Case {
    Shape a, b;
  };
  for (const Case& c : std::vector<Case>{{{2, 3}, {3, 4}},
                                         {{3}, {3, 4}},
                                         {{2, 3}, {3}},
                                         {{3}, {3}},
                                         {{5, 2, 3}, {3, 4}},
                                         {{2, 3}, {5, 3, 4}},
                                         {{5, 2, 3}, {5, 3, 4}},
                                         {{5, 1, 2, 3}, {4, 3, 2}}}) {
    check([](const Inputs& v) { return matmul(v[0], v[1]); }, {normal(c.a, 17), normal(c.b, 18)},
          pair_name("matmul", c.a, c.b));
  }
}

// Transposed operands (read in place by the GEMM), whose backward passes are transposed products
// again: first and second derivatives against finite differences for each combination.
TEST(GradCheck, TransposedMatrixProducts) {
  struct Case {
    Shape a, b;
    bool transpose_a, transpose_b;
  };
  for (const Case& c : std::vector<Case>{{{3, 2}, {3, 4}, true, false},
                                         {{2, 3}, {4, 3}, false, true},
                                         {{3, 2}, {4, 3}, true, true},
                                         {{5, 3, 2}, {3, 4}, true, false},
                                         {{2, 3}, {5, 4, 3}, false, true},
                                         {{5, 3, 2}, {5, 4, 3}, true, true}}) {
    check([c](const Inputs& v) { return matmul(v[0], v[1], c.transpose_a, c.transpose_b); },
          {normal(c.a, 23), normal(c.b, 24)},
          pair_name(std::string("matmul") + (c.transpose_a ? " (a transposed)" : "") +
                        (c.transpose_b ? " (b transposed)" : ""),
                    c.a, c.b));
  }
}

TEST(GradCheck, LinearWithAndWithoutBias) {
  const Tensor x = normal({4, 3}, 19);
  const Tensor W = normal({3, 2}, 20);
  check([](const Inputs& v) { return linear(v[0], v[1], v[2]); }, {x, W, normal({2}, 21)},
        "linear");
  check([](const Inputs& v) { return linear(v[0], v[1]); }, {x, W}, "linear without bias");
}

TEST(GradCheck, SoftmaxAndLogSoftmaxAlongEitherAxis) {
  const Tensor x = normal({3, 4}, 22);
  for (int axis : {0, 1, -1}) {
    const std::string how = " axis " + std::to_string(axis);
    check([axis](const Inputs& v) { return softmax(v[0], axis); }, {x}, "softmax" + how);
    check([axis](const Inputs& v) { return log_softmax(v[0], axis); }, {x}, "log_softmax" + how);
  }
  // A 0-d tensor is one element along its own axis: softmax 1, log_softmax 0, gradients 0.
  check([](const Inputs& v) { return softmax(v[0]) * v[0]; }, {Tensor(0.3)}, "softmax 0-d");
  check([](const Inputs& v) { return log_softmax(v[0]) + v[0]; }, {Tensor(0.3)}, "log_softmax 0-d");
}

TEST(GradCheck, Losses) {
  const Tensor a = normal({4, 3}, 23);
  check([](const Inputs& v) { return mean_squared_error(v[0], v[1]); }, {a, normal({4, 3}, 24)},
        "mean_squared_error");
  check([](const Inputs& v) { return mean_squared_error(v[0], v[1]); }, {a, normal({3}, 25)},
        "mean_squared_error broadcast");
  check(
      [](const Inputs& v) {
        return softmax_cross_entropy(v[0], {2, 0, 1, 2});
      },
      {a}, "softmax_cross_entropy");
  const Tensor labels{1, 1, 0, 2};
  check([&](const Inputs& v) { return softmax_cross_entropy(v[0], labels); }, {a},
        "softmax_cross_entropy, Tensor labels");
}

// DeZero's softmax_cross_entropy_simple, written with x[arange(N), t], is the native loss: the
// same value and the same gradient (and it passes the gradient check on its own).
TEST(GradCheck, CrossEntropyByIndexingIsTheNativeOne) {
  const Tensor a = normal({4, 3}, 27);
  const std::vector<std::int64_t> labels{2, 0, 1, 2};
  const auto by_indexing = [&](const Variable& logits) {
    const Variable log_p = log_softmax(logits);
    const auto rows = static_cast<std::int64_t>(labels.size());
    std::vector<std::int64_t> arange(labels.size());
    for (std::int64_t i = 0; i < rows; ++i) arange[static_cast<std::size_t>(i)] = i;
    return -sum(get_item(log_p, {arange, labels})) / static_cast<double>(rows);
  };
  check([&](const Inputs& v) { return by_indexing(v[0]); }, {a}, "log_softmax(x)[arange, t]");
  Variable x(a);
  by_indexing(x).backward();
  const Tensor simple = x.grad().data();
  x.cleargrad();
  const Variable native = softmax_cross_entropy(x, labels);
  native.backward();
  EXPECT_NEAR(by_indexing(x).item(), native.item(), 1e-15);
  const std::vector<double> expected = x.grad().data().to_vector();
  const std::vector<double> actual = simple.to_vector();
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t i = 0; i < actual.size(); ++i) EXPECT_NEAR(actual[i], expected[i], 1e-15);
}

TEST(GradCheck, ACompositeNetworkLikeExpression) {
  // Two layers, a loss and a penalty: the pieces together, with shared subexpressions.
  const Tensor x = normal({5, 3}, 26);
  check(
      [](const Inputs& v) {
        const Variable h = tanh(linear(v[0], v[1], v[2]));
        const Variable logits = linear(h, v[3]);
        return softmax_cross_entropy(logits, {0, 1, 1, 0, 1}) + 0.1 * sum(square(v[1])) +
               mean(sigmoid(h) * h);
      },
      {x, normal({3, 4}, 27), normal({4}, 28), normal({4, 2}, 29)}, "network");
}

}  // namespace
