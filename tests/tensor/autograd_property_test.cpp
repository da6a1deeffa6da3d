// Property tests of the tensor autograd: random expression graphs (broadcasting operands,
// reductions, reused intermediates) at random points, their gradients against finite
// differences to first and second order, and on 0-d tensors against reverse mode's Var.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "autograd_check.hpp"
#include "nabla/reverse/drivers.hpp"
#include "nabla/reverse/var.hpp"
#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

namespace {

using nabla::Generator;
using nabla::Shape;
using nabla::Tensor;
using nabla::Variable;

enum class Op {
  sin,
  tanh,
  sigmoid,
  square,
  exp_tanh,  // exp(tanh a): bounded
  neg,
  add,
  sub,
  mul,
  soft_divide,  // a / (1 + b²): never divides by zero
  sum_last,     // sum over the last axis, kept (identity on 0-d)
  mean_first,   // mean over the first axis, kept (identity on 0-d)
};
constexpr int kOps = 12;

bool is_binary(Op op) {
  return op == Op::add || op == Op::sub || op == Op::mul || op == Op::soft_divide;
}

struct Step {
  Op op;
  std::size_t a;
  std::size_t b;
};

// A random expression over `inputs` values: each step reads one or two earlier values (inputs
// or results, so that intermediates are reused); the output adds the last value to another.
struct Recipe {
  std::size_t inputs = 0;
  std::vector<Step> steps;
  std::size_t also = 0;

  static Recipe random(std::size_t inputs, std::size_t length, std::mt19937_64& engine) {
    Recipe recipe;
    recipe.inputs = inputs;
    for (std::size_t s = 0; s < length; ++s) {
      const std::size_t available = inputs + s;
      std::uniform_int_distribution<std::size_t> pick(0, available - 1);
      const auto op = static_cast<Op>(std::uniform_int_distribution<int>(0, kOps - 1)(engine));
      // Lean towards recent values, so that the graph is deep as well as wide.
      const std::size_t a = std::max(pick(engine), pick(engine));
      recipe.steps.push_back({op, a, pick(engine)});
    }
    recipe.also = std::uniform_int_distribution<std::size_t>(0, inputs + length - 1)(engine);
    return recipe;
  }

  std::string describe() const {
    std::string text;
    for (const Step& s : steps) {
      text.append(std::to_string(static_cast<int>(s.op))).append("(");
      text.append(std::to_string(s.a));
      if (is_binary(s.op)) text.append(",").append(std::to_string(s.b));
      text.append(") ");
    }
    return text.append("+ v").append(std::to_string(also));
  }
};

// The operations that differ between the engines: Var has no sigmoid, square or axes.
Variable sigmoid_of(const Variable& a) { return sigmoid(a); }
nabla::Var sigmoid_of(const nabla::Var& a) { return 1.0 / (1.0 + exp(-a)); }
Variable square_of(const Variable& a) { return square(a); }
nabla::Var square_of(const nabla::Var& a) { return a * a; }
Variable sum_last(const Variable& a) { return a.ndim() == 0 ? a : sum(a, {-1}, true); }
nabla::Var sum_last(const nabla::Var& a) { return a; }
Variable mean_first(const Variable& a) { return a.ndim() == 0 ? a : mean(a, {0}, true); }
nabla::Var mean_first(const nabla::Var& a) { return a; }

template <class Value>
Value apply(const Step& step, const Value& a, const Value& b) {
  switch (step.op) {
    case Op::sin:
      return sin(a);
    case Op::tanh:
      return tanh(a);
    case Op::sigmoid:
      return sigmoid_of(a);
    case Op::square:
      return square_of(a);
    case Op::exp_tanh:
      return exp(tanh(a));
    case Op::neg:
      return -a;
    case Op::add:
      return a + b;
    case Op::sub:
      return a - b;
    case Op::mul:
      return a * b;
    case Op::soft_divide:
      return a / (1.0 + square_of(b));
    case Op::sum_last:
      return sum_last(a);
    case Op::mean_first:
      return mean_first(a);
  }
  return a;
}

template <class Value, class Inputs>
Value evaluate(const Recipe& recipe, const Inputs& x) {
  std::vector<Value> values;
  for (std::size_t i = 0; i < recipe.inputs; ++i) values.push_back(x[i]);
  for (const Step& step : recipe.steps) {
    const Value next = apply<Value>(step, values[step.a], values[step.b]);
    values.push_back(next);
  }
  return values.back() + values[recipe.also];
}

// Shapes that broadcast together to (2, 3), so that any two values can meet.
const std::vector<Shape> kShapes = {{2, 3}, {3}, {2, 1}, {}, {1, 3}};

TEST(AutogradProperty, RandomGraphsMatchFiniteDifferencesToSecondOrder) {
  std::mt19937_64 engine(2024);
  for (int trial = 0; trial < 40; ++trial) {
    const std::size_t inputs = 2 + static_cast<std::size_t>(trial % 3);
    const Recipe recipe = Recipe::random(inputs, 4 + static_cast<std::size_t>(trial % 7), engine);
    std::vector<Tensor> point;
    for (std::size_t i = 0; i < inputs; ++i) {
      const Shape& shape = kShapes[std::uniform_int_distribution<std::size_t>(0, 4)(engine)];
      Generator generator(engine());
      point.push_back(Tensor::rand(shape, generator, -1.5, 1.5));
    }
    const nabla::testing::VariableFunction f = [&](const std::vector<Variable>& x) {
      return evaluate<Variable>(recipe, x);
    };
    const std::string what = "trial " + std::to_string(trial) + ": " + recipe.describe();
    nabla::testing::expect_gradients_match(f, point, what);
    nabla::testing::expect_second_derivatives_match(f, point, what);
  }
}

// The same graphs on 0-d tensors and on reverse mode's Var give the same value and gradient:
// two engines, one answer.
TEST(AutogradProperty, RandomScalarGraphsAgreeWithReverseMode) {
  std::mt19937_64 engine(7);
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t inputs = 1 + static_cast<std::size_t>(trial % 4);
    const Recipe recipe = Recipe::random(inputs, 3 + static_cast<std::size_t>(trial % 9), engine);
    std::vector<double> point(inputs);
    for (double& v : point) v = std::uniform_real_distribution<double>(-2.0, 2.0)(engine);

    std::vector<Variable> xs;
    for (const double v : point) xs.emplace_back(Tensor(v));
    const Variable y = evaluate<Variable>(recipe, xs);
    y.backward();
    const auto [value, gradient] = nabla::reverse::value_and_gradient(
        [&](const auto& x) { return evaluate<nabla::Var>(recipe, x); }, point);

    const std::string what = "trial " + std::to_string(trial) + ": " + recipe.describe();
    EXPECT_NEAR(y.item(), value, 1e-12 * std::max(1.0, std::abs(value))) << what;
    for (std::size_t i = 0; i < inputs; ++i) {
      // An input the output does not reach gets no gradient from backward, 0 from reverse mode.
      const double tensor_gradient = xs[i].grad().defined() ? xs[i].grad().item() : 0.0;
      EXPECT_NEAR(tensor_gradient, gradient[i], 1e-12 * std::max(1.0, std::abs(gradient[i])))
          << what << ", input " << i;
    }
  }
}

}  // namespace
