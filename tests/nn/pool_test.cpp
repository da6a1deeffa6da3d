// max_pool2d, avg_pool2d and adaptive_avg_pool2d against nested loops that follow their
// definitions; gradients against central differences and through double backward; where max
// pooling sends its gradient; the layers' errors; a small convolutional network end to end.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "../tensor/autograd_check.hpp"
#include "nabla/nn/conv.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/layers.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/nn/pool.hpp"

namespace {

using nabla::DType;
using nabla::Generator;
using nabla::Shape;
using nabla::Tensor;
using nabla::Variable;
using namespace nabla::nn;

struct Case {
  std::string name;
  Shape input;
  Size2 kernel;
  std::optional<Size2> stride = std::nullopt;
  Size2 padding = 0;
  Size2 dilation = 1;             // max pooling only
  bool count_include_pad = true;  // average pooling only
};

std::vector<Case> max_cases() {
  return {
      {.name = "kernel3_stride2_padding1",
       .input = {1, 3, 7, 6},
       .kernel = 3,
       .stride = 2,
       .padding = 1},
      {.name = "default_stride", .input = {2, 2, 5, 7}, .kernel = 2},
      {.name = "non_square",
       .input = {1, 3, 6, 7},
       .kernel = {2, 3},
       .stride = Size2(1, 2),
       .padding = {1, 1}},
      {.name = "dilation2",
       .input = {2, 1, 7, 8},
       .kernel = 3,
       .stride = 1,
       .padding = 1,
       .dilation = 2},
  };
}

std::vector<Case> average_cases() {
  std::vector<Case> cases{
      {.name = "kernel3_stride2_padding1",
       .input = {1, 3, 7, 6},
       .kernel = 3,
       .stride = 2,
       .padding = 1},
      {.name = "default_stride", .input = {2, 2, 5, 7}, .kernel = 2},
      {.name = "non_square",
       .input = {1, 3, 6, 7},
       .kernel = {2, 3},
       .stride = Size2(1, 2),
       .padding = {1, 1}},
  };
  for (std::size_t i = 0, n = cases.size(); i < n; ++i) {
    Case exclude = cases[i];
    exclude.name += "_exclude_pad";
    exclude.count_include_pad = false;
    cases.push_back(exclude);
  }
  return cases;
}

// The window of output (i, j) in input coordinates, padding included: rows i s - p + d a.
Tensor reference_max_pool(const Tensor& x, const Case& k) {
  const Size2 s = k.stride.value_or(k.kernel);
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const std::int64_t OH = (H + 2 * k.padding.h - k.dilation.h * (k.kernel.h - 1) - 1) / s.h + 1;
  const std::int64_t OW = (W + 2 * k.padding.w - k.dilation.w * (k.kernel.w - 1) - 1) / s.w + 1;
  const std::vector<double> xv = x.to_vector();
  std::vector<double> y;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t i = 0; i < OH; ++i)
        for (std::int64_t j = 0; j < OW; ++j) {
          double best = -std::numeric_limits<double>::infinity();
          for (std::int64_t a = 0; a < k.kernel.h; ++a)
            for (std::int64_t b = 0; b < k.kernel.w; ++b) {
              const std::int64_t r = i * s.h - k.padding.h + a * k.dilation.h;
              const std::int64_t q = j * s.w - k.padding.w + b * k.dilation.w;
              if (r >= 0 && r < H && q >= 0 && q < W) {
                best = std::max(best, xv[((n * C + c) * H + r) * W + q]);
              }
            }
          y.push_back(best);
        }
  return Tensor({N, C, OH, OW}, y);
}

// PyTorch's avg_pool2d: the window clipped to the padded input; the divisor counts the padding
// in it or not.
Tensor reference_avg_pool(const Tensor& x, const Case& k) {
  const Size2 s = k.stride.value_or(k.kernel);
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const std::int64_t OH = (H + 2 * k.padding.h - k.kernel.h) / s.h + 1;
  const std::int64_t OW = (W + 2 * k.padding.w - k.kernel.w) / s.w + 1;
  const std::vector<double> xv = x.to_vector();
  std::vector<double> y;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t i = 0; i < OH; ++i)
        for (std::int64_t j = 0; j < OW; ++j) {
          double total = 0;
          int inside = 0, padded = 0;
          for (std::int64_t r = i * s.h - k.padding.h; r < i * s.h - k.padding.h + k.kernel.h; ++r)
            for (std::int64_t q = j * s.w - k.padding.w; q < j * s.w - k.padding.w + k.kernel.w;
                 ++q) {
              if (r >= H + k.padding.h || q >= W + k.padding.w) continue;  // past the padding
              ++padded;
              if (r < 0 || r >= H || q < 0 || q >= W) continue;
              ++inside;
              total += xv[((n * C + c) * H + r) * W + q];
            }
          y.push_back(total / (k.count_include_pad ? padded : inside));
        }
  return Tensor({N, C, OH, OW}, y);
}

Tensor reference_adaptive(const Tensor& x, Size2 out) {
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const std::vector<double> xv = x.to_vector();
  std::vector<double> y;
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t i = 0; i < out.h; ++i)
        for (std::int64_t j = 0; j < out.w; ++j) {
          const auto r0 = static_cast<std::int64_t>(std::floor(double(i) * H / out.h));
          const auto r1 = static_cast<std::int64_t>(std::ceil(double(i + 1) * H / out.h));
          const auto q0 = static_cast<std::int64_t>(std::floor(double(j) * W / out.w));
          const auto q1 = static_cast<std::int64_t>(std::ceil(double(j + 1) * W / out.w));
          double total = 0;
          for (std::int64_t r = r0; r < r1; ++r)
            for (std::int64_t q = q0; q < q1; ++q) total += xv[((n * C + c) * H + r) * W + q];
          y.push_back(total / double((r1 - r0) * (q1 - q0)));
        }
  return Tensor({N, C, out.h, out.w}, y);
}

Variable apply_max(const Variable& x, const Case& k) {
  return max_pool2d(x, k.kernel, k.stride, k.padding, k.dilation);
}
Variable apply_avg(const Variable& x, const Case& k) {
  return avg_pool2d(x, k.kernel, k.stride, k.padding, k.count_include_pad);
}

Tensor random(const Shape& shape, std::uint64_t seed) {
  Generator g(seed);
  return Tensor::randn(shape, g);
}

TEST(MaxPool2d, MatchesNestedLoopsOnOddShapes) {
  for (const Case& k : max_cases()) {
    const Tensor x = random(k.input, 1);
    const Tensor expected = reference_max_pool(x, k);
    EXPECT_TRUE(nabla::array_equal(apply_max(Variable(x), k).data(), expected)) << k.name;
    const Variable y32 = apply_max(Variable(x.to(DType::float32)), k);
    EXPECT_EQ(y32.dtype(), DType::float32);
    EXPECT_TRUE(nabla::allclose(y32.data().to(DType::float64), expected, 1e-6, 1e-6)) << k.name;
  }
}

// Random inputs have no ties, so max pooling is differentiable there and its gradient (1 at
// each window's maximum) is what central differences see.
TEST(MaxPool2d, GradientsAndSecondDerivativesMatchFiniteDifferences) {
  for (const Case& k : max_cases()) {
    const auto f = [&](const std::vector<Variable>& v) { return apply_max(v[0], k); };
    nabla::testing::expect_gradients_match(f, {random(k.input, 2)}, k.name);
    // square() makes the second derivative non-zero: 2 at each chosen element, through the
    // backward of the backward (a gather from the chosen places).
    const auto g = [&](const std::vector<Variable>& v) { return square(apply_max(v[0], k)); };
    nabla::testing::expect_second_derivatives_match(g, {random(k.input, 3)}, k.name);
  }
}

TEST(MaxPool2d, GradientGoesToTheFirstMaximumOfATieAndAddsUpWhereWindowsOverlap) {
  // Every element equal: each window's gradient goes to its first element in row-major order.
  const Variable ones(Tensor::ones({1, 1, 4, 4}));
  sum(max_pool2d(ones, 2)).backward();
  EXPECT_EQ(ones.grad().data().to_vector(),
            (std::vector<double>{1, 0, 1, 0, 0, 0, 0, 0, 1, 0, 1, 0, 0, 0, 0, 0}));
  // Overlapping windows (stride 1) that share their maximum send it both gradients.
  const Variable x(Tensor({1, 1, 2, 3}, std::vector<double>{0, 5, 0, 1, 2, 1}));
  sum(max_pool2d(x, 2, 1)).backward();
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{0, 2, 0, 0, 0, 0}));
}

TEST(MaxPool2d, NanPropagatesAndTakesTheGradient) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Variable x(Tensor({1, 1, 2, 2}, std::vector<double>{1, nan, 3, 2}));
  const Variable y = max_pool2d(x, 2);
  EXPECT_TRUE(std::isnan(y.item()));
  sum(y).backward();
  EXPECT_EQ(x.grad().data().to_vector()[1], 1.0);
  EXPECT_EQ(x.grad().data().to_vector()[2], 0.0);
}

TEST(AvgPool2d, MatchesNestedLoopsWithAndWithoutThePaddingCounted) {
  for (const Case& k : average_cases()) {
    const Tensor x = random(k.input, 4);
    EXPECT_TRUE(
        nabla::allclose(apply_avg(Variable(x), k).data(), reference_avg_pool(x, k), 1e-12, 1e-12))
        << k.name;
  }
}

TEST(AvgPool2d, GradientsAndSecondDerivativesMatchFiniteDifferences) {
  for (const Case& k : average_cases()) {
    nabla::testing::expect_gradients_match(
        [&](const std::vector<Variable>& v) { return apply_avg(v[0], k); }, {random(k.input, 5)},
        k.name);
    nabla::testing::expect_second_derivatives_match(
        [&](const std::vector<Variable>& v) { return square(apply_avg(v[0], k)); },
        {random(k.input, 6)}, k.name);
  }
}

TEST(AdaptiveAvgPool2d, MatchesPyTorchsWindowsForEveryOutputSize) {
  const std::vector<std::pair<Shape, Size2>> cases{
      {{2, 3, 5, 7}, {3, 2}}, {{1, 2, 4, 4}, 4}, {{1, 1, 3, 3}, {5, 4}}, {{2, 2, 6, 5}, 1}};
  for (const auto& [shape, out] : cases) {
    const Tensor x = random(shape, 7);
    const Variable y = adaptive_avg_pool2d(Variable(x), out);
    EXPECT_TRUE(nabla::allclose(y.data(), reference_adaptive(x, out), 1e-12, 1e-12))
        << nabla::shape_string(shape) << " to " << to_string(out);
    const auto f = [&](const std::vector<Variable>& v) {
      return square(adaptive_avg_pool2d(v[0], out));
    };
    nabla::testing::expect_gradients_match(f, {random(shape, 8)}, to_string(out));
    nabla::testing::expect_second_derivatives_match(f, {random(shape, 9)}, to_string(out));
  }
  // Output 1: the global mean.
  const Tensor x = random({2, 3, 4, 5}, 10);
  EXPECT_TRUE(nabla::allclose(adaptive_avg_pool2d(Variable(x), 1).data(),
                              nabla::mean(x, {2, 3}, true), 1e-12, 1e-12));
}

TEST(PoolLayers, WrongInputShapeNamesTheLayerAndWhatItExpects) {
  Sequential net{std::make_shared<Flatten>(), std::make_shared<MaxPool2d>(2),
                 std::make_shared<AvgPool2d>(2), std::make_shared<AdaptiveAvgPool2d>(1)};
  const Variable flat(Tensor::zeros({64, 784}));
  for (std::size_t i = 1; i < net.size(); ++i) {
    try {
      net[i](flat);
      FAIL() << "no ShapeError from " << net[i].type_name();
    } catch (const nabla::ShapeError& e) {
      EXPECT_EQ(std::string(e.what()), std::to_string(i) + " (" + net[i].type_name() +
                                           "): expected (N, C, H, W), got (64, 784)");
    }
  }
  MaxPool2d pool(3);
  EXPECT_THROW(pool(Variable(Tensor::zeros({1, 1, 2, 5}))), nabla::ShapeError);
}

TEST(PoolLayers, BadArgumentsAreInvalidArguments) {
  EXPECT_THROW(MaxPool2d(0), std::invalid_argument);
  EXPECT_THROW(MaxPool2d(2, {.stride = 0}), std::invalid_argument);
  EXPECT_THROW(MaxPool2d(3, {.padding = -1}), std::invalid_argument);
  EXPECT_THROW(MaxPool2d(3, {.padding = 2}), std::invalid_argument);  // more than half of 3
  EXPECT_THROW(MaxPool2d(3, {.dilation = 0}), std::invalid_argument);
  EXPECT_THROW(AvgPool2d({2, 0}), std::invalid_argument);
  EXPECT_THROW(AvgPool2d(2, {.padding = {0, 2}}), std::invalid_argument);
  EXPECT_THROW(AdaptiveAvgPool2d(0), std::invalid_argument);
  EXPECT_EQ(MaxPool2d(3).stride(), Size2(3));
  EXPECT_EQ(AvgPool2d(3, {.stride = Size2(1, 2)}).stride(), Size2(1, 2));
}

// A LeNet-like network: every layer of this file and conv.hpp in one graph, its summary, and
// the gradient of its loss with respect to the input against central differences.
TEST(ConvolutionalNetwork, ShapesFlowAndTheInputGradientMatchesCentralDifferences) {
  nabla::nn::manual_seed(3);
  const Conv2dOptions f64{.padding = 1, .dtype = DType::float64};
  auto net = std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
      std::make_shared<Conv2d>(1, 3, 3, f64), std::make_shared<ReLU>(),
      std::make_shared<MaxPool2d>(2), std::make_shared<Conv2d>(3, 4, 3, f64),
      std::make_shared<AvgPool2d>(2, AvgPool2dOptions{.stride = 1}),
      std::make_shared<AdaptiveAvgPool2d>(1), std::make_shared<Flatten>(),
      std::make_shared<Linear>(4, 2, LinearOptions{.dtype = DType::float64})});
  const std::string summary = net->summary({2, 1, 8, 8}, DType::float64);
  EXPECT_NE(summary.find("(2, 3, 4, 4)"), std::string::npos) << summary;
  EXPECT_NE(summary.find("(2, 4, 1, 1)"), std::string::npos) << summary;
  nabla::testing::expect_gradients_match(
      [&](const std::vector<Variable>& v) { return (*net)(v[0]); }, {random({2, 1, 8, 8}, 11)},
      "network");
}

}  // namespace
