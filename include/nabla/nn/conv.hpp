// Two-dimensional convolution on NCHW batches, and its adjoint, the transposed convolution.
//
// For an input x (N, C, H, W) and a weight w (O, C/G, kh, kw) in G groups, output channel o
// (of group g = o / (O/G)) is
//
//   y[n, o, i, j] = b[o] + Σ_{c in group g} Σ_{p, q} w[o, c, p, q] · x[n, c, s_h i - p_h + d_h p,
//                                                                        s_w j - p_w + d_w q]
//
// (stride s, zero padding p, dilation d), of size H' = floor((H + 2 p_h - d_h (kh - 1) - 1) / s_h)
// + 1, and likewise W'. It is computed as PyTorch's CPU path does, by im2col and a GEMM: the
// receptive fields of x are unrolled into a matrix, columns (N, G, C/G · kh · kw, H' W'), and
// each image's output is w viewed as (G, O/G, C/G · kh · kw) times its columns, one GEMM per
// image and group written straight into y's NCHW layout (no transpose copied). A 1x1 kernel
// with stride 1 and no padding needs no columns: x is its own.
//
// The three maps of a convolution call each other in backward:
//
//   y = conv(x, w)                  x̄ = conv_transpose(ȳ, w)       w̄ = conv_weight(x, ȳ)
//   z = conv_transpose(g, w)        ḡ = conv(z̄, w)                 w̄ = conv_weight(z̄, g)
//   v = conv_weight(x, g)           x̄ = conv_transpose(g, v̄)       ḡ = conv(x, v̄)
//
// conv_transpose (columns = wᵀ g by GEMM, then col2im adds them back into the image) is the
// adjoint of x ↦ conv(x, w), and conv_weight (Σ_n g_n columnsᵀ_n) that of w ↦ conv(x, w). Each
// backward is written with these differentiable operations, so gradients of gradients (and
// beyond) work. The forward pass keeps its columns for the weight gradient (9 times the input
// for a 3x3 kernel) while the graph lives, as PyTorch's slow_conv2d does, instead of unrolling x
// twice.
//
// Shapes that do not fit are ShapeErrors naming what was expected and what came; geometry that
// makes no sense (a zero kernel, negative padding, channels not divisible by groups) is
// std::invalid_argument. Mixed dtypes promote to float64, as everywhere in the tensor module.
#pragma once

#include <cstdint>
#include <string>

#include "nabla/nn/module.hpp"
#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

namespace nabla::nn {

// A pair (along the height, along the width): Size2(3) is (3, 3), Size2(3, 5) or {3, 5} is not
// square.
struct Size2 {
  constexpr Size2(std::int64_t both) : h(both), w(both) {}  // NOLINT: 3 means (3, 3)
  constexpr Size2(std::int64_t height, std::int64_t width) : h(height), w(width) {}
  std::int64_t h;
  std::int64_t w;
  friend constexpr bool operator==(const Size2&, const Size2&) = default;
};

// "(3, 5)".
std::string to_string(Size2 size);

// ---- As functions (PyTorch's torch.nn.functional) ------------------------------------------

// x (N, C, H, W), weight (O, C/groups, kh, kw), bias (O,) or undefined: y (N, O, H', W').
Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias = Variable(),
                Size2 stride = 1, Size2 padding = 0, Size2 dilation = 1, std::int64_t groups = 1);

// The adjoint of conv2d in x: x (N, C, H, W), weight (C, O/groups, kh, kw) (PyTorch's layout:
// in_channels first), output (N, O, H', W') with H' = (H - 1) s_h - 2 p_h + d_h (kh - 1)
// + output_padding_h + 1. output_padding (each smaller than the stride or the dilation) picks
// among the sizes a strided conv2d maps to the same H.
Variable conv_transpose2d(const Variable& x, const Variable& weight,
                          const Variable& bias = Variable(), Size2 stride = 1, Size2 padding = 0,
                          Size2 output_padding = 0, std::int64_t groups = 1, Size2 dilation = 1);

// ---- As modules ------------------------------------------------------------------------------

struct Conv2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 dilation = 1;
  std::int64_t groups = 1;
  bool bias = true;
  DType dtype = DType::float32;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

// weight (out, in/groups, kh, kw) and bias (out,), initialised as PyTorch's: kaiming_uniform
// with a = sqrt(5) and bias_uniform, fan_in = in/groups · kh · kw.
class Conv2d : public Module {
 public:
  Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel,
         const Conv2dOptions& options = {});
  Variable forward(const Variable& x) override;

  std::int64_t in_channels() const { return in_channels_; }
  std::int64_t out_channels() const { return out_channels_; }
  Size2 kernel() const { return kernel_; }
  const Conv2dOptions& options() const { return options_; }
  const Parameter& weight() const { return weight_; }
  const Parameter& bias() const { return bias_; }  // undefined without a bias

 private:
  std::int64_t in_channels_;
  std::int64_t out_channels_;
  Size2 kernel_;
  Conv2dOptions options_;
  Parameter weight_;
  Parameter bias_;
};

struct ConvTranspose2dOptions {
  Size2 stride = 1;
  Size2 padding = 0;
  Size2 output_padding = 0;
  Size2 dilation = 1;
  std::int64_t groups = 1;
  bool bias = true;
  DType dtype = DType::float32;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

// weight (in, out/groups, kh, kw) and bias (out,), initialised as PyTorch's (fan_in =
// out/groups · kh · kw, PyTorch's reading of this layout).
class ConvTranspose2d : public Module {
 public:
  ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel,
                  const ConvTranspose2dOptions& options = {});
  Variable forward(const Variable& x) override;

  std::int64_t in_channels() const { return in_channels_; }
  std::int64_t out_channels() const { return out_channels_; }
  Size2 kernel() const { return kernel_; }
  const ConvTranspose2dOptions& options() const { return options_; }
  const Parameter& weight() const { return weight_; }
  const Parameter& bias() const { return bias_; }

 private:
  std::int64_t in_channels_;
  std::int64_t out_channels_;
  Size2 kernel_;
  ConvTranspose2dOptions options_;
  Parameter weight_;
  Parameter bias_;
};

}  // namespace nabla::nn
