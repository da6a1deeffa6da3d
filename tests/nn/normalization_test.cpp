// Batch norm and layer norm: gradients and second derivatives against central differences
// (float64, odd shapes, three channels), and the running statistics after two training steps
// against the formulas of nabla/nn/normalization.hpp worked out here in plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../tensor/autograd_check.hpp"
#include "nabla/nn/normalization.hpp"

namespace {

using nabla::DType;
using nabla::Generator;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using nabla::Variable;
using nabla::testing::expect_gradients_match;
using nabla::testing::expect_second_derivatives_match;
using namespace nabla::nn;

Tensor random(const Shape& shape, std::uint64_t seed, double low = -2, double high = 2) {
  Generator generator(seed);
  return Tensor::rand(shape, generator, low, high);
}

void expect_batch_norm_derivatives(const Shape& x_shape, const std::string& what) {
  const std::vector<Tensor> inputs{random(x_shape, 1), random({3}, 2, 0.5, 1.5), random({3}, 3)};
  auto f = [](const std::vector<Variable>& xs) { return batch_norm(xs[0], xs[1], xs[2]); };
  expect_gradients_match(f, inputs, what);
  expect_second_derivatives_match(f, inputs, what, 1e-5);
}

TEST(BatchNorm, TrainingGradientsAndSecondDerivativesMatchCentralDifferences) {
  expect_batch_norm_derivatives({4, 3}, "batch_norm (4, 3)");
  expect_batch_norm_derivatives({2, 3, 3}, "batch_norm (2, 3, 3)");
  expect_batch_norm_derivatives({1, 3, 2, 3}, "batch_norm (1, 3, 2, 3)");
}

// Without weight and bias the operation has one input; float32 runs the same kernels with float
// sums per row: the same numbers to float32's precision, forward and backward.
TEST(BatchNorm, WithoutAffineAndInFloat32TheKernelsAgreeWithFloat64) {
  auto plain = [](const std::vector<Variable>& xs) { return batch_norm(xs[0]); };
  expect_gradients_match(plain, {random({3, 3, 4}, 8)}, "batch_norm without affine");
  expect_second_derivatives_match(plain, {random({3, 3, 4}, 8)}, "batch_norm without affine", 1e-5);
  const Tensor x = random({4, 3, 5, 5}, 9) * 10.0 + 3.0, g = random({4, 3, 5, 5}, 10);
  const Tensor w = random({3}, 11, 0.5, 1.5), b = random({3}, 12);
  const auto run = [&](DType dtype) {
    std::vector<Variable> xs{Variable(x.to(dtype)), Variable(w.to(dtype)), Variable(b.to(dtype))};
    const Variable y = batch_norm(xs[0], xs[1], xs[2]);
    std::vector<Tensor> values{y.data().to(DType::float64)};
    for (const Variable& gradient : nabla::grad({sum(y * Variable(g.to(dtype)))}, xs)) {
      values.push_back(gradient.data().to(DType::float64));
    }
    return values;
  };
  const std::vector<Tensor> narrow = run(DType::float32), wide = run(DType::float64);
  for (std::size_t k = 0; k < wide.size(); ++k) {
    EXPECT_TRUE(nabla::allclose(narrow[k], wide[k], 1e-5, 1e-4)) << "result " << k;
  }
}

TEST(BatchNorm, TheLayerInTrainingIsTheFunctionWithItsParameters) {
  BatchNorm2d layer(3, {.dtype = DType::float64});
  Tensor w = random({3}, 4, 0.5, 1.5), b = random({3}, 5);
  Tensor weight = layer.weight().data(), bias = layer.bias().data();  // handles on the numbers
  weight.fill_(0) += w;
  bias.fill_(0) += b;
  const Tensor x = random({2, 3, 2, 3}, 6);
  const Variable y = layer(Variable(x));
  EXPECT_TRUE(nabla::allclose(y.data(), batch_norm(Variable(x), Variable(w), Variable(b)).data(),
                              1e-14, 1e-14));
  sum(y * Variable(random(y.shape(), 7))).backward();
  ASSERT_TRUE(layer.weight().grad().defined());
  ASSERT_TRUE(layer.bias().grad().defined());
  EXPECT_EQ(layer.weight().grad().shape(), (Shape{3}));
}

// Per channel c of x (N, C, L): mean, biased and unbiased variance over N and L.
struct ChannelStatistics {
  std::vector<double> mean, biased, unbiased;
};

ChannelStatistics statistics(const Tensor& x) {
  const std::int64_t N = x.shape()[0], C = x.shape()[1], L = x.ndim() > 2 ? x.shape()[2] : 1;
  const std::vector<double> v = x.to_vector();
  ChannelStatistics s;
  for (std::int64_t c = 0; c < C; ++c) {
    double total = 0;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t l = 0; l < L; ++l)
        total += v[static_cast<std::size_t>((n * C + c) * L + l)];
    const double count = static_cast<double>(N * L), mean = total / count;
    double squares = 0;
    for (std::int64_t n = 0; n < N; ++n)
      for (std::int64_t l = 0; l < L; ++l) {
        const double d = v[static_cast<std::size_t>((n * C + c) * L + l)] - mean;
        squares += d * d;
      }
    s.mean.push_back(mean);
    s.biased.push_back(squares / count);
    s.unbiased.push_back(squares / (count - 1));
  }
  return s;
}

TEST(BatchNorm, RunningStatisticsAfterTwoStepsFollowPyTorchsFormulas) {
  BatchNorm1d layer(3, {.dtype = DType::float64});
  const Tensor x1 = random({4, 3, 2}, 10), x2 = random({4, 3, 2}, 11, -1, 3);
  const Variable y1 = layer(Variable(x1));
  layer(Variable(x2));
  EXPECT_EQ(layer.num_batches_tracked(), 2);
  const ChannelStatistics s1 = statistics(x1), s2 = statistics(x2);
  const std::vector<double> mean = layer.running_mean().to_vector();
  const std::vector<double> var = layer.running_var().to_vector();
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(mean[c], 0.9 * (0.9 * 0 + 0.1 * s1.mean[c]) + 0.1 * s2.mean[c], 1e-15);
    EXPECT_NEAR(var[c], 0.9 * (0.9 * 1 + 0.1 * s1.unbiased[c]) + 0.1 * s2.unbiased[c], 1e-15);
  }
  // Training normalised x1 by its own statistics, with the biased variance.
  const std::vector<double> x = x1.to_vector(), y = y1.data().to_vector();
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = (i / 2) % 3;
    EXPECT_NEAR(y[i], (x[i] - s1.mean[c]) / std::sqrt(s1.biased[c] + 1e-5), 1e-12) << i;
  }
  // Evaluation normalises by the running statistics and changes none of them.
  layer.eval();
  const Tensor x3 = random({1, 3, 2}, 12);
  const std::vector<double> y3 = layer(Variable(x3)).data().to_vector(), v3 = x3.to_vector();
  for (std::size_t i = 0; i < v3.size(); ++i) {
    const std::size_t c = i / 2;
    EXPECT_NEAR(y3[i], (v3[i] - mean[c]) / std::sqrt(var[c] + 1e-5), 1e-12) << i;
  }
  EXPECT_EQ(layer.num_batches_tracked(), 2);
  EXPECT_EQ(layer.running_mean().to_vector(), mean);
}

TEST(BatchNorm, WithoutMomentumTheRunningStatisticsAreTheCumulativeAverage) {
  BatchNorm1d layer(3, {.momentum = std::nullopt, .dtype = DType::float64});
  const Tensor x1 = random({5, 3}, 20), x2 = random({5, 3}, 21);
  layer(Variable(x1));
  layer(Variable(x2));
  const ChannelStatistics s1 = statistics(x1), s2 = statistics(x2);
  for (std::size_t c = 0; c < 3; ++c) {
    EXPECT_NEAR(layer.running_mean().to_vector()[c], (s1.mean[c] + s2.mean[c]) / 2, 1e-15);
    EXPECT_NEAR(layer.running_var().to_vector()[c], (s1.unbiased[c] + s2.unbiased[c]) / 2, 1e-15);
  }
}

TEST(BatchNorm, EvaluationIsAnAffineMapWhoseGradientMatchesCentralDifferences) {
  BatchNorm2d layer(3, {.dtype = DType::float64});
  layer(Variable(random({2, 3, 2, 2}, 30)));
  layer.eval();
  expect_gradients_match([&](const std::vector<Variable>& xs) { return layer(xs[0]); },
                         {random({1, 3, 2, 2}, 31)}, "BatchNorm2d in evaluation");
}

TEST(BatchNorm, TheThreadsEvaluationModeTurnsTheLayerToInference) {
  BatchNorm1d layer(3);
  nabla::evaluation_mode scope;
  layer(Variable(Tensor::ones({1, 3}, DType::float32)));  // one row: fine in inference
  EXPECT_EQ(layer.num_batches_tracked(), 0);
}

TEST(BatchNorm, BadShapesAndOneValuePerChannelInTrainingAreRefused) {
  BatchNorm1d one(3);
  EXPECT_THROW(one(Variable(Tensor::ones({4, 2}))), ShapeError);
  EXPECT_THROW(one(Variable(Tensor::ones({4, 3, 2, 2}))), ShapeError);
  EXPECT_THROW(one(Variable(Tensor::ones({1, 3}))), ShapeError);
  one(Variable(Tensor::ones({1, 3, 2})));  // two numbers per channel
  BatchNorm2d two(3);
  EXPECT_THROW(two(Variable(Tensor::ones({2, 3, 4}))), ShapeError);
  try {
    two(Variable(Tensor::ones({2, 4, 1, 1})));
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("BatchNorm2d"), std::string::npos) << e.what();
  }
  EXPECT_THROW(BatchNorm1d(0), std::invalid_argument);
  EXPECT_THROW(BatchNorm1d(3, {.momentum = 1.5}), std::invalid_argument);
}

TEST(BatchNorm, BuffersAndParametersHavePyTorchsNames) {
  BatchNorm2d layer(3);
  std::vector<std::string> names;
  for (const auto& [name, p] : layer.named_parameters()) names.push_back(name);
  for (const auto& [name, t] : layer.named_buffers()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"weight", "bias", "running_mean", "running_var",
                                             "num_batches_tracked"}));
}

TEST(LayerNorm, GradientsAndSecondDerivativesMatchCentralDifferences) {
  auto over = [](const Shape& normalized) {
    return [normalized](const std::vector<Variable>& xs) {
      return layer_norm(xs[0], normalized, xs[1], xs[2]);
    };
  };
  const std::vector<Tensor> one_axis{random({2, 3}, 40), random({3}, 41), random({3}, 42)};
  expect_gradients_match(over({3}), one_axis, "layer_norm over (3)");
  expect_second_derivatives_match(over({3}), one_axis, "layer_norm over (3)", 1e-5);
  const std::vector<Tensor> two_axes{random({1, 2, 3, 3}, 43), random({3, 3}, 44),
                                     random({3, 3}, 45)};
  expect_gradients_match(over({3, 3}), two_axes, "layer_norm over (3, 3)");
  expect_second_derivatives_match(over({3, 3}), two_axes, "layer_norm over (3, 3)", 1e-5);
}

TEST(LayerNorm, EachExampleHasMeanZeroAndVarianceOneBeforeTheAffineMap) {
  LayerNorm layer({5}, {.dtype = DType::float64});
  const std::vector<double> y = layer(Variable(random({3, 5}, 50))).data().to_vector();
  for (std::size_t row = 0; row < 3; ++row) {
    double total = 0, squares = 0;
    for (std::size_t j = 0; j < 5; ++j) total += y[row * 5 + j];
    for (std::size_t j = 0; j < 5; ++j) squares += std::pow(y[row * 5 + j] - total / 5, 2);
    EXPECT_NEAR(total / 5, 0, 1e-15);
    EXPECT_NEAR(squares / 5, 1, 1e-4);  // eps = 1e-5 in the denominator
  }
  EXPECT_THROW(layer(Variable(Tensor::ones({3, 4}))), ShapeError);
  EXPECT_THROW(LayerNorm(Shape{}), std::invalid_argument);
  EXPECT_EQ(layer.parameter_count(), 10);
}

}  // namespace
