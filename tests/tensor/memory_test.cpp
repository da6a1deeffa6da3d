// Where DeZero and PyTorch fall short: memory back at its baseline, long chains without
// recursion, wide graphs in linear time, and no leak through x.grad's create_graph graph.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <vector>

#include "nabla/tensor/variable.hpp"

namespace {

using nabla::autograd_stats;
using nabla::AutogradStats;
using nabla::Function;
using nabla::Generator;
using nabla::Tensor;
using nabla::Variable;

void expect_same_live_counts(const AutogradStats& now, const AutogradStats& baseline) {
  EXPECT_EQ(now.live_variables, baseline.live_variables);
  EXPECT_EQ(now.live_functions, baseline.live_functions);
}

TEST(Memory, TenThousandBuildAndBackwardIterationsReturnToBaseline) {
  const AutogradStats baseline = autograd_stats();
  Generator generator(1);
  Variable w(Tensor::randn({3, 2}, generator), "w");
  Variable b(Tensor::zeros({2}), "b");
  for (int i = 0; i < 10000; ++i) {
    Variable x(Tensor::randn({4, 3}, generator));
    Variable h = tanh(linear(x, w, b));
    Variable loss = mean_squared_error(h, Variable(Tensor::zeros({4, 2}))) + sum(exp(h) * h);
    w.cleargrad();
    b.cleargrad();
    loss.backward();
    if (i == 0) {
      // While the graph is held, it is alive; afterwards nothing of it remains.
      EXPECT_GT(autograd_stats().live_functions, baseline.live_functions);
    }
  }
  ASSERT_TRUE(w.grad().defined());
  w.cleargrad();
  b.cleargrad();
  // Only w and b remain (their grads were cleared).
  const AutogradStats now = autograd_stats();
  EXPECT_EQ(now.live_variables, baseline.live_variables + 2);
  EXPECT_EQ(now.live_functions, baseline.live_functions);
}

TEST(Memory, GraphIsFreedWithItsLastOutput) {
  const AutogradStats baseline = autograd_stats();
  Variable x(Tensor{1.0, 2.0});
  {
    Variable y = sum(sin(x) * cos(x));
    EXPECT_EQ(autograd_stats().live_functions, baseline.live_functions + 4);
  }
  EXPECT_EQ(autograd_stats().live_functions, baseline.live_functions);
  EXPECT_EQ(autograd_stats().live_variables, baseline.live_variables + 1);
}

TEST(Memory, CreateGraphGradientDoesNotLeakThroughXGradToX) {
  // PyTorch's leak: x.grad holds its create_graph graph, which holds x, which holds x.grad.
  const AutogradStats baseline = autograd_stats();
  {
    Variable x(Tensor{0.5, 1.5}, "x");
    Variable y = sum(x * x * x + sin(x));
    y.backward({.create_graph = true});
    Variable gx = x.grad();
    EXPECT_FALSE(gx.is_leaf());  // the gradient carries a graph
    x.cleargrad();
    sum(gx).backward({.create_graph = true});  // second order, also with a graph
  }
  expect_same_live_counts(autograd_stats(), baseline);
}

TEST(Memory, KeepingXGradWhileDroppingXFreesX) {
  const AutogradStats baseline = autograd_stats();
  Variable gx;
  {
    Variable x(Tensor{0.5, 1.5}, "x");
    Variable y = sum(exp(x) * x);
    y.backward({.create_graph = true});
    gx = x.grad();
  }
  // gx and its graph live on (its Functions refer to x's data, not to x); x is gone, so the
  // graph cannot be keeping a cycle alive.
  const AutogradStats with_gradient = autograd_stats();
  EXPECT_GT(with_gradient.live_functions, baseline.live_functions);
  const std::vector<double> expected{std::exp(0.5) * 1.5, std::exp(1.5) * 2.5};
  EXPECT_DOUBLE_EQ(gx.data().to_vector()[0], expected[0]);
  gx = Variable();
  expect_same_live_counts(autograd_stats(), baseline);
}

TEST(Memory, DoubleBackwardLoopReturnsToBaseline) {
  const AutogradStats baseline = autograd_stats();
  for (int i = 0; i < 1000; ++i) {
    Variable x(Tensor(2.0 + i * 1e-3));
    Variable y = pow(x, 4.0) - 2.0 * square(x);
    y.backward({.create_graph = true});
    Variable gx = x.grad();
    x.cleargrad();
    gx.backward();
  }
  expect_same_live_counts(autograd_stats(), baseline);
}

TEST(LongChains, MillionOperationChainBuildsDifferentiatesAndTearsDownWithoutRecursion) {
  const AutogradStats baseline = autograd_stats();
  constexpr int length = 1000000;
  {
    Variable x(Tensor(1.5), "x");
    Variable y = x;
    for (int i = 0; i < length; ++i) y = -y;  // one cheap operation per link
    EXPECT_EQ(y.generation(), length);
    y.backward();
    EXPECT_EQ(x.grad().item(), 1.0);  // an even number of negations
  }                                   // the chain is destroyed here, iteratively
  expect_same_live_counts(autograd_stats(), baseline);
}

TEST(LongChains, MillionOperationChainCanBeDroppedWithoutBackward) {
  const AutogradStats baseline = autograd_stats();
  {
    Variable y(Tensor(1.0));
    for (int i = 0; i < 1000000; ++i) y = y * 1.0;
  }
  expect_same_live_counts(autograd_stats(), baseline);
}

// y * y and add(y, y) hold one Variable twice: its last reference is dropped by the second
// edge, not the first, and a teardown that only took shortcuts through sole owners recursed.
TEST(LongChains, MillionSquaringsOfOneVariableTearDownWithoutRecursion) {
  const AutogradStats baseline = autograd_stats();
  {
    Variable x(Tensor(1.0), "x");
    Variable y = x;
    for (int i = 0; i < 1000000; ++i) y = y * y;
    EXPECT_EQ(y.item(), 1.0);
    y.backward();
    // d/dx x^(2^n) at 1 is 2^n: past the largest double after 1024 squarings.
    EXPECT_TRUE(std::isinf(x.grad().item()));
  }
  expect_same_live_counts(autograd_stats(), baseline);
}

TEST(LongChains, MillionDoublingsThroughAddOfOneVariableTearDownWithoutRecursion) {
  const AutogradStats baseline = autograd_stats();
  {
    Variable x(Tensor(1.0), "x");
    Variable y = x;
    for (int i = 0; i < 1000000; ++i) y = add(y, y) * 0.5;
    EXPECT_EQ(y.item(), 1.0);
    y.backward();
    EXPECT_EQ(x.grad().item(), 1.0);
  }
  expect_same_live_counts(autograd_stats(), baseline);
}

// Two outputs, each half of the input: their creator has two owners, the next add holds both.
struct Halves : Function {
  std::string_view name() const override { return "halves"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& x) override {
    return {x[0] * 0.5, x[0] * 0.5};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {(gy[0] + gy[1]) * 0.5};
  }
};

TEST(LongChains, ChainOfFunctionsWithTwoOutputsTearsDownWithoutRecursion) {
  const AutogradStats baseline = autograd_stats();
  {
    Variable x(Tensor(1.0), "x");
    Variable y = x;
    for (int i = 0; i < 300000; ++i) {
      const std::vector<Variable> halves = nabla::call<Halves>({y});
      y = halves[0] + halves[1];
    }
    EXPECT_EQ(y.item(), 1.0);
    y.backward();
    EXPECT_EQ(x.grad().item(), 1.0);
  }
  expect_same_live_counts(autograd_stats(), baseline);
}

TEST(LongChains, SecondOrderGraphOfALongChainIsFreedToo) {
  const AutogradStats baseline = autograd_stats();
  {
    Variable x(Tensor(0.3));
    Variable y = x;
    for (int i = 0; i < 100000; ++i) y = sin(y);
    y.backward({.create_graph = true});
    Variable gx = x.grad();
    x.cleargrad();
    gx.backward();
    EXPECT_TRUE(x.grad().defined());
  }
  expect_same_live_counts(autograd_stats(), baseline);
}

TEST(WideGraphs, SumOfSixteenThousandTermsVisitsEachFunctionOnce) {
  constexpr int terms = 16000;
  Variable x(Tensor(2.0), "x");
  // Every term's creator waits at generation 1 while the chain of adds runs: DeZero's sorted
  // list of pending functions grows to 16 000 and is sorted at each step.
  Variable y = x * 0.0;
  double expected = 0.0;
  for (int i = 1; i < terms; ++i) {
    y = y + x * static_cast<double>(i);
    expected += i;
  }
  const std::int64_t before = autograd_stats().backward_calls;
  y.backward();
  EXPECT_EQ(autograd_stats().backward_calls - before, 2 * terms - 1);
  EXPECT_EQ(x.grad().item(), expected);
}

}  // namespace
