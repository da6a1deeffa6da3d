// RNN and LSTM: two steps against the cell written out by hand, gradients through time against
// central differences, and truncated backpropagation by unchain().
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "../tensor/autograd_check.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/recurrent.hpp"

namespace {

using nabla::DType;
using nabla::Shape;
using nabla::Slice;
using nabla::Tensor;
using nabla::Variable;
using namespace nabla::nn;

Tensor sigmoid_of(const Tensor& t) { return 1.0 / (1.0 + exp(-t)); }

void expect_near(const Tensor& a, const Tensor& b, double tolerance = 1e-13) {
  ASSERT_EQ(a.shape(), b.shape());
  const auto u = a.to_vector(), v = b.to_vector();
  for (std::size_t i = 0; i < u.size(); ++i) EXPECT_NEAR(u[i], v[i], tolerance) << i;
}

std::map<std::string, Tensor> parameters_of(const Module& m) {
  std::map<std::string, Tensor> p;
  for (const auto& [name, parameter] : m.named_parameters()) p[name] = parameter.data();
  return p;
}

TEST(Lstm, TwoStepsMatchTheCellWrittenOutByHand) {
  manual_seed(3);
  LSTM lstm(3, 4, {.dtype = DType::float64});
  auto p = parameters_of(lstm);
  EXPECT_EQ(p["weight_ih"].shape(), (Shape{16, 3}));
  EXPECT_EQ(p["weight_hh"].shape(), (Shape{16, 4}));
  nabla::Generator g(5);
  const Tensor x1 = Tensor::randn({2, 3}, g), x2 = Tensor::randn({2, 3}, g);
  // By hand, with Tensor operations: the gates i, f, g, o in PyTorch's order.
  Tensor h = Tensor::zeros({2, 4}), c = Tensor::zeros({2, 4});
  for (const Tensor& x : {x1, x2}) {
    const Tensor z = matmul(x, transpose(p["weight_ih"])) + p["bias_ih"] +
                     matmul(h, transpose(p["weight_hh"])) + p["bias_hh"];
    const auto part = [&](std::int64_t k) {
      return get_item(z, {Slice{}, Slice{4 * k, 4 * k + 4}});
    };
    c = sigmoid_of(part(1)) * c + sigmoid_of(part(0)) * tanh(part(2));
    h = sigmoid_of(part(3)) * tanh(c);
  }
  lstm(Variable(x1));
  const Variable out = lstm(Variable(x2));
  expect_near(out.data(), h);
  expect_near(lstm.cell().data(), c);
}

TEST(Rnn, TwoStepsMatchTheFormula) {
  manual_seed(4);
  RNN rnn(2, 3, {.dtype = DType::float64});
  auto p = parameters_of(rnn);
  const Tensor x1{{0.5, -1.0}}, x2{{2.0, 0.25}};
  Tensor h = tanh(matmul(x1, transpose(p["weight_ih"])) + p["bias_ih"] + p["bias_hh"]);
  h = tanh(matmul(x2, transpose(p["weight_ih"])) + p["bias_ih"] +
           matmul(h, transpose(p["weight_hh"])) + p["bias_hh"]);
  rnn(Variable(x1));
  expect_near(rnn(Variable(x2)).data(), h);
}

// Through three steps, the inputs' gradients (which flow back through the state) against
// central differences; and the recurrent weight's, by moving its entries one at a time.
TEST(Lstm, GradientsThroughTimeMatchCentralDifferences) {
  manual_seed(6);
  auto lstm = std::make_shared<LSTM>(2, 3, RecurrentOptions{.dtype = DType::float64});
  const auto sequence_loss = [&](const std::vector<Variable>& xs) {
    lstm->reset_state();
    Variable total;
    for (const Variable& x : xs) {
      const Variable h = (*lstm)(x);
      total = total.defined() ? total + h : h;
    }
    return total;
  };
  nabla::Generator g(7);
  const std::vector<Tensor> inputs{Tensor::randn({2, 2}, g), Tensor::randn({2, 2}, g),
                                   Tensor::randn({2, 2}, g)};
  nabla::testing::expect_gradients_match(sequence_loss, inputs, "LSTM through three steps");

  const Parameter w = lstm->named_parameters()[1].second;  // weight_hh
  ASSERT_EQ(lstm->named_parameters()[1].first, "weight_hh");
  const auto scalar = [&] {
    std::vector<Variable> xs;
    for (const Tensor& t : inputs) xs.emplace_back(t);
    return sum(sequence_loss(xs)).item();
  };
  lstm->zero_grad();
  std::vector<Variable> xs;
  for (const Tensor& t : inputs) xs.emplace_back(t);
  sum(sequence_loss(xs)).backward();
  const std::vector<double> analytic = w.grad().data().to_vector();
  Tensor data = w.data();
  double* numbers = data.mutable_data<double>();
  for (std::size_t k = 0; k < analytic.size(); ++k) {
    const double saved = numbers[k], step = 1e-6;
    numbers[k] = saved + step;
    const double up = scalar();
    numbers[k] = saved - step;
    const double down = scalar();
    numbers[k] = saved;
    EXPECT_NEAR(analytic[k], (up - down) / (2 * step), 1e-7) << "weight_hh entry " << k;
  }
}

// The cell is one fused operation whose backward has two forms: a vectorised kernel, and with
// create_graph the same formula in Variable operations. The second-order check compares the
// second against finite differences of the first.
TEST(Lstm, SecondDerivativesThroughTimeMatchCentralDifferences) {
  manual_seed(8);
  auto lstm = std::make_shared<LSTM>(2, 3, RecurrentOptions{.dtype = DType::float64});
  const auto last_state = [&](const std::vector<Variable>& xs) {
    lstm->reset_state();
    Variable h;
    for (const Variable& x : xs) h = (*lstm)(x);
    return h * lstm->cell();  // both outputs of the last cell reach the loss
  };
  nabla::Generator g(9);
  const std::vector<Tensor> inputs{Tensor::randn({2, 2}, g), Tensor::randn({2, 2}, g),
                                   Tensor::randn({2, 2}, g)};
  nabla::testing::expect_second_derivatives_match(last_state, inputs, "LSTM through three steps");
}

TEST(Lstm, KernelAndRecordedBackwardGiveTheSameGradients) {
  manual_seed(10);
  LSTM lstm(3, 4, {.dtype = DType::float64});
  nabla::Generator g(11);
  const std::vector<Variable> xs{Variable(Tensor::randn({5, 3}, g)),
                                 Variable(Tensor::randn({5, 3}, g))};
  std::vector<Variable> wrt = xs;
  for (const Parameter& p : lstm.parameters()) wrt.push_back(p);
  const auto gradients = [&](bool create_graph) {
    lstm.reset_state();
    Variable loss;
    for (const Variable& x : xs) loss = loss.defined() ? loss + sum(lstm(x)) : sum(lstm(x));
    return nabla::grad({loss + sum(lstm.cell() * lstm.cell())}, wrt,
                       {.create_graph = create_graph});
  };
  const std::vector<Variable> kernel = gradients(false), recorded = gradients(true);
  for (std::size_t k = 0; k < wrt.size(); ++k) {
    expect_near(kernel[k].data(), recorded[k].data(), 1e-14);
  }
}

// float32 runs Eigen's vectorised sigmoid and tanh, float64 the scalar ones: the same cell to
// float32's precision, forward and backward.
TEST(Lstm, Float32AgreesWithFloat64) {
  manual_seed(12);
  LSTM wide(6, 8, {.dtype = DType::float64});
  LSTM narrow(6, 8, {.dtype = DType::float32});
  for (std::size_t k = 0; k < wide.parameters().size(); ++k) {
    narrow.parameters()[k].set_data(wide.parameters()[k].data().to(DType::float32));
  }
  nabla::Generator g(13);
  std::vector<Tensor> inputs;
  for (int t = 0; t < 4; ++t) inputs.push_back(Tensor::randn({3, 6}, g) * 3.0);
  Variable h_wide, h_narrow;
  for (const Tensor& x : inputs) {
    h_wide = wide(Variable(x));
    h_narrow = narrow(Variable(x.to(DType::float32)));
  }
  expect_near(h_narrow.data().to(DType::float64), h_wide.data(), 2e-6);
  sum(h_wide * h_wide).backward();
  sum(h_narrow * h_narrow).backward();
  for (std::size_t k = 0; k < wide.parameters().size(); ++k) {
    expect_near(narrow.parameters()[k].grad().data().to(DType::float64),
                wide.parameters()[k].grad().data(), 2e-5);
  }
}

TEST(Lstm, UnchainCutsTheGraphBehindTheStateButKeepsItsValue) {
  manual_seed(8);
  LSTM lstm(1, 2, {.dtype = DType::float64});
  Variable x1(Tensor({1, 1}, std::vector<double>{1.0})),
      x2(Tensor({1, 1}, std::vector<double>{-1.0}));
  lstm(x1);
  const Tensor h_before = lstm.hidden().data();
  lstm.unchain();
  EXPECT_EQ(lstm.hidden().data().to_vector(), h_before.to_vector());
  EXPECT_TRUE(lstm.hidden().is_leaf());
  sum(lstm(x2)).backward();
  EXPECT_FALSE(x1.grad().defined());  // truncated: nothing reaches the first step
  EXPECT_TRUE(x2.grad().defined());
  for (const auto& p : lstm.parameters()) EXPECT_TRUE(p.grad().defined());
}

TEST(Recurrent, WrongShapesAndAChangedBatchAreRefused) {
  LSTM lstm(3, 2);
  try {
    lstm(Variable(Tensor::zeros({4, 5}, DType::float32)));
    FAIL() << "no error";
  } catch (const nabla::ShapeError& e) {
    EXPECT_EQ(std::string(e.what()), "LSTM: expected (N, 3), got (4, 5)");
  }
  lstm(Variable(Tensor::zeros({4, 3}, DType::float32)));
  EXPECT_THROW(lstm(Variable(Tensor::zeros({5, 3}, DType::float32))), nabla::ShapeError);
  lstm.reset_state();
  EXPECT_EQ(lstm(Variable(Tensor::zeros({5, 3}, DType::float32))).shape(), (Shape{5, 2}));
  EXPECT_THROW(RNN(0, 2), std::invalid_argument);
}

}  // namespace
