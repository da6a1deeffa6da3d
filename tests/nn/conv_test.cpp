// conv2d and conv_transpose2d against nested loops that follow their definitions, gradients of
// every input against central differences, second derivatives through double backward, and the
// layers' errors and initialisation.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "../tensor/autograd_check.hpp"
#include "nabla/nn/conv.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/module.hpp"

namespace {

using nabla::DType;
using nabla::Generator;
using nabla::Shape;
using nabla::Tensor;
using nabla::Variable;
using namespace nabla::nn;

struct Case {
  std::string name;
  Shape input;  // (N, C, H, W)
  std::int64_t out_channels;
  Size2 kernel;
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  std::int64_t groups = 1;
  bool bias = true;
  Size2 output_padding = 0;  // conv_transpose2d only
};

// Odd shapes: a batch of 1, 3 channels, stride 2 with padding, a kernel larger than the stride,
// dilation 2, 3 groups, non-square inputs and kernels, a pointwise kernel.
std::vector<Case> conv_cases() {
  return {
      {.name = "batch1_stride2_padding1",
       .input = {1, 3, 7, 6},
       .out_channels = 2,
       .kernel = 3,
       .stride = 2,
       .padding = 1},
      {.name = "dilation2", .input = {2, 3, 7, 8}, .out_channels = 4, .kernel = 3, .dilation = 2},
      {.name = "groups3",
       .input = {2, 3, 5, 5},
       .out_channels = 6,
       .kernel = 2,
       .padding = 1,
       .groups = 3},
      {.name = "non_square",
       .input = {1, 2, 6, 5},
       .out_channels = 3,
       .kernel = {2, 3},
       .stride = {2, 1},
       .padding = {1, 0},
       .dilation = {1, 2},
       .bias = false},
      {.name = "pointwise", .input = {2, 4, 3, 5}, .out_channels = 2, .kernel = 1, .groups = 2},
      {.name = "padding_beyond_kernel",
       .input = {1, 1, 4, 3},
       .out_channels = 2,
       .kernel = {3, 2},
       .stride = 3,
       .padding = 2},
  };
}

// y[n, o, i, j] = b[o] + Σ_c Σ_p Σ_q w[o, c, p, q] x[n, g C/G + c, i s - pad + d p, ...].
Tensor reference_conv2d(const Tensor& x, const Tensor& w, const Tensor& b, const Case& k) {
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const std::int64_t O = w.shape()[0], Cg = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
  const std::int64_t Og = O / k.groups;
  const std::int64_t OH = (H + 2 * k.padding.h - k.dilation.h * (kh - 1) - 1) / k.stride.h + 1;
  const std::int64_t OW = (W + 2 * k.padding.w - k.dilation.w * (kw - 1) - 1) / k.stride.w + 1;
  const std::vector<double> xv = x.to_vector(), wv = w.to_vector();
  const std::vector<double> bv = b.defined() ? b.to_vector() : std::vector<double>(O, 0.0);
  std::vector<double> y(static_cast<std::size_t>(N * O * OH * OW));
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t o = 0; o < O; ++o)
      for (std::int64_t i = 0; i < OH; ++i)
        for (std::int64_t j = 0; j < OW; ++j) {
          double total = bv[o];
          for (std::int64_t c = 0; c < Cg; ++c)
            for (std::int64_t p = 0; p < kh; ++p)
              for (std::int64_t q = 0; q < kw; ++q) {
                const std::int64_t r = i * k.stride.h - k.padding.h + p * k.dilation.h;
                const std::int64_t s = j * k.stride.w - k.padding.w + q * k.dilation.w;
                if (r < 0 || r >= H || s < 0 || s >= W) continue;
                const std::int64_t channel = o / Og * Cg + c;
                total +=
                    wv[((o * Cg + c) * kh + p) * kw + q] * xv[((n * C + channel) * H + r) * W + s];
              }
          y[((n * O + o) * OH + i) * OW + j] = total;
        }
  return Tensor({N, O, OH, OW}, y);
}

// The transposed convolution as PyTorch documents it: every input element scatters its
// products with the kernel onto the output, at i s - pad + d p.
Tensor reference_conv_transpose2d(const Tensor& x, const Tensor& w, const Tensor& b,
                                  const Case& k) {
  const std::int64_t N = x.shape()[0], C = x.shape()[1], H = x.shape()[2], W = x.shape()[3];
  const std::int64_t Og = w.shape()[1], kh = w.shape()[2], kw = w.shape()[3];
  const std::int64_t Cg = C / k.groups, O = Og * k.groups;
  const std::int64_t OH =
      (H - 1) * k.stride.h - 2 * k.padding.h + k.dilation.h * (kh - 1) + k.output_padding.h + 1;
  const std::int64_t OW =
      (W - 1) * k.stride.w - 2 * k.padding.w + k.dilation.w * (kw - 1) + k.output_padding.w + 1;
  const std::vector<double> xv = x.to_vector(), wv = w.to_vector();
  std::vector<double> y(static_cast<std::size_t>(N * O * OH * OW));
  for (std::int64_t n = 0; n < N; ++n)
    for (std::int64_t c = 0; c < C; ++c)
      for (std::int64_t i = 0; i < H; ++i)
        for (std::int64_t j = 0; j < W; ++j)
          for (std::int64_t o = 0; o < Og; ++o)
            for (std::int64_t p = 0; p < kh; ++p)
              for (std::int64_t q = 0; q < kw; ++q) {
                const std::int64_t r = i * k.stride.h - k.padding.h + p * k.dilation.h;
                const std::int64_t s = j * k.stride.w - k.padding.w + q * k.dilation.w;
                if (r < 0 || r >= OH || s < 0 || s >= OW) continue;
                const std::int64_t channel = c / Cg * Og + o;
                y[((n * O + channel) * OH + r) * OW + s] +=
                    wv[((c * Og + o) * kh + p) * kw + q] * xv[((n * C + c) * H + i) * W + j];
              }
  if (b.defined()) {
    const std::vector<double> bv = b.to_vector();
    for (std::size_t e = 0; e < y.size(); ++e) {
      y[e] += bv[static_cast<std::size_t>((static_cast<std::int64_t>(e) / (OH * OW)) % O)];
    }
  }
  return Tensor({N, O, OH, OW}, y);
}

struct Inputs {
  Tensor x, w, b;
  std::vector<Tensor> list() const {
    return b.defined() ? std::vector<Tensor>{x, w, b} : std::vector<Tensor>{x, w};
  }
};

Inputs conv_inputs(const Case& k, std::uint64_t seed) {
  Generator g(seed);
  const std::int64_t C = k.input[1];
  Inputs in;
  in.x = Tensor::randn(k.input, g);
  in.w = Tensor::randn({k.out_channels, C / k.groups, k.kernel.h, k.kernel.w}, g);
  if (k.bias) in.b = Tensor::randn({k.out_channels}, g);
  return in;
}

Inputs conv_transpose_inputs(const Case& k, std::uint64_t seed) {
  Generator g(seed);
  const std::int64_t C = k.input[1];
  Inputs in;
  in.x = Tensor::randn(k.input, g);
  in.w = Tensor::randn({C, k.out_channels / k.groups, k.kernel.h, k.kernel.w}, g);
  if (k.bias) in.b = Tensor::randn({k.out_channels}, g);
  return in;
}

Variable apply_conv(const std::vector<Variable>& v, const Case& k) {
  return conv2d(v[0], v[1], v.size() > 2 ? v[2] : Variable(), k.stride, k.padding, k.dilation,
                k.groups);
}

Variable apply_conv_transpose(const std::vector<Variable>& v, const Case& k) {
  return conv_transpose2d(v[0], v[1], v.size() > 2 ? v[2] : Variable(), k.stride, k.padding,
                          k.output_padding, k.groups, k.dilation);
}

std::vector<Case> conv_transpose_cases() {
  return {
      {.name = "stride2_output_padding1",
       .input = {1, 3, 3, 4},
       .out_channels = 2,
       .kernel = 3,
       .stride = 2,
       .padding = 1,
       .output_padding = 1},
      {.name = "groups3_dilation2",
       .input = {2, 3, 3, 3},
       .out_channels = 6,
       .kernel = 2,
       .dilation = 2,
       .groups = 3},
      {.name = "non_square",
       .input = {1, 2, 2, 3},
       .out_channels = 3,
       .kernel = {3, 2},
       .stride = {1, 3},
       .padding = {1, 0},
       .bias = false,
       .output_padding = {0, 2}},
      // output padding past the stride (allowed below the dilation): the adjoint of a
      // convolution whose output is cropped.
      {.name = "output_padding_past_stride",
       .input = {1, 2, 3, 3},
       .out_channels = 2,
       .kernel = 2,
       .dilation = 3,
       .output_padding = 2},
      {.name = "pointwise", .input = {2, 2, 3, 2}, .out_channels = 4, .kernel = 1},
  };
}

TEST(Conv2d, MatchesNestedLoopsOnOddShapes) {
  for (const Case& k : conv_cases()) {
    const Inputs in = conv_inputs(k, 1);
    const Tensor expected = reference_conv2d(in.x, in.w, in.b, k);
    const Variable y = apply_conv(nabla::testing::variables_of(in.list()), k);
    EXPECT_TRUE(nabla::allclose(y.data(), expected, 1e-12, 1e-12)) << k.name;
    // float32: the same numbers to single precision.
    std::vector<Variable> single;
    for (const Tensor& t : in.list()) single.emplace_back(t.to(DType::float32));
    const Variable y32 = apply_conv(single, k);
    EXPECT_EQ(y32.dtype(), DType::float32) << k.name;
    EXPECT_TRUE(nabla::allclose(y32.data().to(DType::float64), expected, 1e-5, 1e-5)) << k.name;
  }
}

TEST(Conv2d, GradientsOfInputWeightAndBiasMatchCentralDifferences) {
  for (const Case& k : conv_cases()) {
    nabla::testing::expect_gradients_match(
        [&](const std::vector<Variable>& v) { return apply_conv(v, k); }, conv_inputs(k, 2).list(),
        k.name);
  }
}

// conv2d is bilinear, so its second derivatives are the cross terms between x and w: they run
// through the backward of conv_transpose2d and of the weight gradient. A tanh between two
// convolutions adds curvature in each input alone.
TEST(Conv2d, SecondDerivativesMatchFiniteDifferencesOfTheGradient) {
  for (const Case& k : conv_cases()) {
    nabla::testing::expect_second_derivatives_match(
        [&](const std::vector<Variable>& v) { return apply_conv(v, k); }, conv_inputs(k, 3).list(),
        k.name);
  }
  const Case first{.name = "first",
                   .input = {1, 2, 5, 4},
                   .out_channels = 2,
                   .kernel = 2,
                   .stride = 2,
                   .padding = 1};
  Generator g(4);
  const std::vector<Tensor> inputs{Tensor::randn({1, 2, 5, 4}, g), Tensor::randn({2, 2, 2, 2}, g),
                                   Tensor::randn({3, 2, 2, 1}, g)};
  nabla::testing::expect_second_derivatives_match(
      [&](const std::vector<Variable>& v) {
        const Variable h = tanh(conv2d(v[0], v[1], Variable(), 2, 1));
        return conv2d(h, v[2], Variable(), 1, {0, 1}, {1, 2});
      },
      inputs, "conv-tanh-conv");
}

// Third order: with y = A x (A the convolution's matrix) and s = A 1, sum(y³) has
// sum(∂/∂x sum(∂/∂x sum(y³))) = Σ_k 6 s_k² y_k, whose gradient is the constant 6 Aᵀ s².
TEST(Conv2d, ThirdDerivativesOfACubedConvolutionAreItsClosedForm) {
  Generator g(5);
  const Variable x(Tensor::randn({1, 1, 3, 3}, g));
  const Variable w(Tensor::randn({1, 1, 2, 2}, g));
  const Variable y = sum(nabla::pow(conv2d(x, w), 3.0));
  const Variable g1 = nabla::grad({y}, {x}, {.create_graph = true})[0];
  const Variable g2 = nabla::grad({sum(g1)}, {x}, {.create_graph = true})[0];
  const Variable g3 = nabla::grad({sum(g2)}, {x})[0];
  const Tensor s = conv2d(Variable(Tensor::ones({1, 1, 3, 3})), w).data();
  const Tensor expected = conv_transpose2d(Variable(s * s * 6.0), w).data();
  EXPECT_TRUE(nabla::allclose(g3.data(), expected, 1e-10, 1e-10));
}

TEST(ConvTranspose2d, MatchesNestedLoopsOnOddShapes) {
  for (const Case& k : conv_transpose_cases()) {
    const Inputs in = conv_transpose_inputs(k, 6);
    const Tensor expected = reference_conv_transpose2d(in.x, in.w, in.b, k);
    const Variable y = apply_conv_transpose(nabla::testing::variables_of(in.list()), k);
    EXPECT_EQ(y.shape(), expected.shape()) << k.name;
    EXPECT_TRUE(nabla::allclose(y.data(), expected, 1e-12, 1e-12)) << k.name;
  }
}

TEST(ConvTranspose2d, GradientsAndSecondDerivativesMatchFiniteDifferences) {
  for (const Case& k : conv_transpose_cases()) {
    const auto f = [&](const std::vector<Variable>& v) { return apply_conv_transpose(v, k); };
    nabla::testing::expect_gradients_match(f, conv_transpose_inputs(k, 7).list(), k.name);
    nabla::testing::expect_second_derivatives_match(f, conv_transpose_inputs(k, 8).list(), k.name);
  }
}

// <conv(x, w), y> = <x, conv_transpose(y, w)>: the two are adjoint, for any geometry.
TEST(ConvTranspose2d, IsTheAdjointOfConv2d) {
  for (const Case& k : conv_cases()) {
    const Inputs in = conv_inputs(k, 9);
    const Tensor y = conv2d(Variable(in.x), Variable(in.w), Variable(), k.stride, k.padding,
                            k.dilation, k.groups)
                         .data();
    Generator g(10);
    const Tensor v = Tensor::randn(y.shape(), g);
    // output_padding recovers x's size where the strided convolution rounded down.
    const auto extra = [&](std::int64_t size, std::int64_t out, std::int64_t kernel, std::int64_t s,
                           std::int64_t p, std::int64_t d) {
      return size - ((out - 1) * s - 2 * p + d * (kernel - 1) + 1);
    };
    const Size2 output_padding{
        extra(k.input[2], y.shape()[2], k.kernel.h, k.stride.h, k.padding.h, k.dilation.h),
        extra(k.input[3], y.shape()[3], k.kernel.w, k.stride.w, k.padding.w, k.dilation.w)};
    const Tensor back = conv_transpose2d(Variable(v), Variable(in.w), Variable(), k.stride,
                                         k.padding, output_padding, k.groups, k.dilation)
                            .data();
    ASSERT_EQ(back.shape(), in.x.shape()) << k.name;
    EXPECT_NEAR(nabla::sum(y * v).item(), nabla::sum(in.x * back).item(), 1e-10) << k.name;
  }
}

// ---- Layers ----------------------------------------------------------------------------------

TEST(Conv2dLayer, WeightAndBiasStartAsPyTorchDrawsThem) {
  Generator a(21), b(21);
  const Conv2d conv(6, 4, {3, 2}, {.groups = 2, .generator = &a});
  const Shape shape{4, 3, 3, 2};
  EXPECT_EQ(conv.weight().shape(), shape);
  EXPECT_EQ(conv.weight().dtype(), DType::float32);
  const Tensor weight = kaiming_uniform(shape, b, std::sqrt(5.0));
  const Tensor bias = bias_uniform({4}, 3 * 3 * 2, b);
  EXPECT_TRUE(nabla::array_equal(conv.weight().data(), weight));
  EXPECT_TRUE(nabla::array_equal(conv.bias().data(), bias));
  // kaiming_uniform with a = sqrt(5) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)), fan_in = 18.
  const double bound = 1 / std::sqrt(18.0);
  for (double value : conv.weight().data().to_vector()) EXPECT_LE(std::abs(value), bound);
  for (double value : conv.bias().data().to_vector()) EXPECT_LE(std::abs(value), bound);
  EXPECT_EQ(conv.parameter_count(), 4 * 3 * 3 * 2 + 4);

  const Conv2d without_bias(2, 2, 3, {.bias = false});
  EXPECT_FALSE(without_bias.bias().defined());
  EXPECT_EQ(without_bias.named_parameters().size(), 1u);
}

TEST(Conv2dLayer, ForwardIsTheFunctionWithItsParameters) {
  Conv2d conv(3, 6, 3, {.stride = 2, .padding = 1, .groups = 3, .dtype = DType::float64});
  Generator g(22);
  const Variable x(Tensor::randn({2, 3, 5, 6}, g));
  const Variable y = conv(x);
  EXPECT_EQ(y.shape(), (Shape{2, 6, 3, 3}));
  const Case k{.name = "layer",
               .input = {2, 3, 5, 6},
               .out_channels = 6,
               .kernel = 3,
               .stride = 2,
               .padding = 1,
               .groups = 3};
  EXPECT_TRUE(nabla::allclose(
      y.data(), reference_conv2d(x.data(), conv.weight().data(), conv.bias().data(), k), 1e-12,
      1e-12));
  sum(y).backward();
  EXPECT_EQ(conv.weight().grad().shape(), conv.weight().shape());
  EXPECT_EQ(conv.bias().grad().shape(), (Shape{6}));
}

TEST(Conv2dLayer, WrongInputShapeNamesTheLayerAndWhatItExpects) {
  Sequential net{std::make_shared<Conv2d>(1, 4, 3)};
  try {
    net(Variable(Tensor::zeros({64, 784}, DType::float32)));
    FAIL() << "no ShapeError";
  } catch (const nabla::ShapeError& e) {
    EXPECT_EQ(std::string(e.what()), "0 (Conv2d): expected (N, 1, H, W), got (64, 784)");
  }
  Conv2d conv(3, 2, 5);
  EXPECT_THROW(conv(Variable(Tensor::zeros({1, 4, 8, 8}))), nabla::ShapeError);
  try {
    conv(Variable(Tensor::zeros({1, 3, 4, 8})));
    FAIL() << "no ShapeError";
  } catch (const nabla::ShapeError& e) {
    EXPECT_NE(std::string(e.what()).find("smaller than the dilated kernel"), std::string::npos)
        << e.what();
  }
}

TEST(Conv2dLayer, BadConstructorArgumentsAreInvalidArguments) {
  EXPECT_THROW(Conv2d(4, 6, 3, {.groups = 3}), std::invalid_argument);  // 4 channels, 3 groups
  EXPECT_THROW(Conv2d(6, 4, 3, {.groups = 3}), std::invalid_argument);
  EXPECT_THROW(Conv2d(3, 3, 0), std::invalid_argument);
  EXPECT_THROW(Conv2d(3, 3, {3, 0}), std::invalid_argument);
  EXPECT_THROW(Conv2d(3, 3, 3, {.padding = -1}), std::invalid_argument);
  EXPECT_THROW(Conv2d(3, 3, 3, {.stride = 0}), std::invalid_argument);
  EXPECT_THROW(Conv2d(3, 3, 3, {.dilation = {1, 0}}), std::invalid_argument);
  EXPECT_THROW(Conv2d(0, 3, 3), std::invalid_argument);
  EXPECT_THROW(ConvTranspose2d(3, 3, 3, {.stride = 2, .output_padding = 2}), std::invalid_argument);
  EXPECT_THROW(ConvTranspose2d(3, 4, 3, {.groups = 3}), std::invalid_argument);
}

TEST(Conv2dFunction, MismatchedWeightAndBiasAreShapeErrors) {
  const Variable x(Tensor::zeros({1, 4, 5, 5}));
  EXPECT_THROW(conv2d(x, Variable(Tensor::zeros({2, 3, 3, 3}))), nabla::ShapeError);
  EXPECT_THROW(conv2d(x, Variable(Tensor::zeros({2, 4, 3}))), nabla::ShapeError);
  EXPECT_THROW(conv2d(x, Variable(Tensor::zeros({2, 4, 3, 3})), Variable(Tensor::zeros({3}))),
               nabla::ShapeError);
  EXPECT_THROW(conv2d(x, Variable(Tensor::zeros({3, 2, 3, 3})), Variable(), 1, 0, 1, 2),
               nabla::ShapeError);  // 3 output channels in 2 groups
  EXPECT_THROW(conv2d(x, Variable(Tensor::zeros({2, 4, 3, 3})), Variable(), 1, -1),
               std::invalid_argument);
}

TEST(Conv2dFunction, MixedDtypesPromoteToFloat64) {
  Generator g(23);
  const Variable x(Tensor::randn({1, 2, 4, 4}, g, DType::float32));
  const Variable w(Tensor::randn({3, 2, 3, 3}, g));
  const Variable y = conv2d(x, w);
  EXPECT_EQ(y.dtype(), DType::float64);
  sum(y).backward();
  EXPECT_EQ(x.grad().dtype(), DType::float32);
  EXPECT_EQ(w.grad().dtype(), DType::float64);
}

TEST(ConvTranspose2dLayer, UpsamplesWithPyTorchsLayoutAndInitialisation) {
  Generator a(31), b(31);
  ConvTranspose2d up(4, 6, 3,
                     {.stride = 2,
                      .padding = 1,
                      .output_padding = 1,
                      .groups = 2,
                      .dtype = DType::float64,
                      .generator = &a});
  const Shape shape{4, 3, 3, 3};  // (in, out / groups, kh, kw)
  EXPECT_EQ(up.weight().shape(), shape);
  EXPECT_TRUE(nabla::array_equal(up.weight().data(),
                                 kaiming_uniform(shape, b, std::sqrt(5.0), DType::float64)));
  EXPECT_TRUE(nabla::array_equal(up.bias().data(), bias_uniform({6}, 27, b, DType::float64)));
  Generator g(32);
  const Variable x(Tensor::randn({1, 4, 3, 5}, g));
  const Variable y = up(x);
  EXPECT_EQ(y.shape(), (Shape{1, 6, 6, 10}));
  const Case k{.name = "layer",
               .input = {1, 4, 3, 5},
               .out_channels = 6,
               .kernel = 3,
               .stride = 2,
               .padding = 1,
               .groups = 2,
               .output_padding = 1};
  EXPECT_TRUE(nabla::allclose(
      y.data(), reference_conv_transpose2d(x.data(), up.weight().data(), up.bias().data(), k),
      1e-12, 1e-12));
  Sequential net{std::make_shared<ConvTranspose2d>(4, 2, 2)};
  try {
    net(Variable(Tensor::zeros({2, 3, 4, 4})));
    FAIL() << "no ShapeError";
  } catch (const nabla::ShapeError& e) {
    EXPECT_EQ(std::string(e.what()),
              "0 (ConvTranspose2d): expected (N, 4, H, W), got (2, 3, 4, 4)");
  }
}

}  // namespace
