// conv2d and conv_transpose2d: im2col, the tensor module's GEMM, col2im; three Functions whose
// backward passes are each other (conv.hpp has the table).
//
// The columns of an NCHW batch are laid out (N, C, kh, kw, H', W'), which is (N, G, C/G · kh ·
// kw, H' W') without moving a number: row (c, p, q) of image n holds x[n, c, s_h i - p_h + d_h p,
// s_w j - p_w + d_w q] for every output position (i, j), 0 where that falls in the padding. With
// the weight viewed as (G, O/G, C/G · kh · kw), matmul's batch axes broadcast the weight over the
// images and its GEMMs write y[n] as (G, O/G, H' W'), which is already NCHW.
#include "nabla/nn/conv.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <utility>

#include "nabla/nn/init.hpp"

namespace nabla::nn {

std::string to_string(Size2 size) {
  // Appended in turn: "(" + std::to_string(...) trips gcc 12's -Wrestrict false positive.
  std::string text = "(";
  text += std::to_string(size.h);
  text += ", ";
  text += std::to_string(size.w);
  text += ")";
  return text;
}

namespace {

// One convolution's sizes: its input (C, H, W), its output (O, H', W'), the kernel and the
// rest. The output may be smaller than the formula gives (a transposed convolution with
// output_padding of at least the stride is the adjoint of a cropped convolution); every map here
// reads only the output positions it has.
struct Geometry {
  std::int64_t channels, height, width;
  std::int64_t out_channels, out_height, out_width;
  Size2 kernel, stride, padding, dilation;
  std::int64_t groups;

  std::int64_t rows() const { return channels / groups * kernel.h * kernel.w; }
  std::int64_t positions() const { return out_height * out_width; }
  // x is its own matrix of columns: nothing to unroll and nothing to add back.
  bool is_pointwise() const {
    return kernel == Size2(1) && stride == Size2(1) && padding == Size2(0);
  }
  Shape input_shape(std::int64_t n) const { return {n, channels, height, width}; }
  Shape output_shape(std::int64_t n) const { return {n, out_channels, out_height, out_width}; }
  Shape weight_shape() const { return {out_channels, channels / groups, kernel.h, kernel.w}; }
  Shape grouped_weight() const { return {groups, out_channels / groups, rows()}; }
  Shape grouped_columns(std::int64_t n) const { return {n, groups, rows(), positions()}; }
  Shape grouped_output(std::int64_t n) const {
    return {n, groups, out_channels / groups, positions()};
  }
};

// The output positions j in [0, count) whose input index j·stride + offset lies in [0, size).
std::pair<std::int64_t, std::int64_t> valid_range(std::int64_t offset, std::int64_t stride,
                                                  std::int64_t size, std::int64_t count) {
  const std::int64_t first = offset >= 0 ? 0 : (-offset + stride - 1) / stride;
  const std::int64_t last = size - 1 - offset < 0 ? 0 : (size - 1 - offset) / stride + 1;
  const std::int64_t lo = std::min(first, count);
  return {lo, std::clamp(last, lo, count)};
}

// Visits every (input plane, kernel offset) pair of `planes` planes as one row of the columns:
// row(in, out, lo, hi, row_offset, column_offset), where `in` is the plane, `out` the row of
// H' W' numbers, and output position (i, j) reads in[i s_h + row_offset][j s_w + column_offset];
// columns [lo, hi) of the output are the ones inside the input's width.
template <class T, class In, class Row>
void for_each_column_row(In* x, T* columns, std::int64_t planes, const Geometry& g, Row&& row) {
  const std::int64_t plane_size = g.height * g.width;
  for (std::int64_t plane = 0; plane < planes; ++plane) {
    In* in = x + plane * plane_size;
    for (std::int64_t p = 0; p < g.kernel.h; ++p) {
      for (std::int64_t q = 0; q < g.kernel.w; ++q) {
        T* out = columns + ((plane * g.kernel.h + p) * g.kernel.w + q) * g.positions();
        const std::int64_t row_offset = p * g.dilation.h - g.padding.h;
        const std::int64_t column_offset = q * g.dilation.w - g.padding.w;
        const auto [lo, hi] = valid_range(column_offset, g.stride.w, g.width, g.out_width);
        row(in, out, lo, hi, row_offset, column_offset);
      }
    }
  }
}

template <class T>
void im2col(const T* x, T* columns, std::int64_t planes, const Geometry& g) {
  const auto unroll = [&g](const T* in, T* out, std::int64_t lo, std::int64_t hi,
                           std::int64_t row_offset, std::int64_t column_offset) {
    for (std::int64_t i = 0; i < g.out_height; ++i, out += g.out_width) {
      const std::int64_t ih = i * g.stride.h + row_offset;
      if (ih < 0 || ih >= g.height) {
        std::fill(out, out + g.out_width, T(0));
        continue;
      }
      const T* line = in + ih * g.width;
      std::fill(out, out + lo, T(0));
      if (g.stride.w == 1) {
        std::copy(line + lo + column_offset, line + hi + column_offset, out + lo);
      } else {
        for (std::int64_t j = lo; j < hi; ++j) out[j] = line[j * g.stride.w + column_offset];
      }
      std::fill(out + hi, out + g.out_width, T(0));
    }
  };
  for_each_column_row(x, columns, planes, g, unroll);
}

// The adjoint of im2col: every column entry added back to the input element it was read from.
template <class T>
void col2im(const T* columns, T* x, std::int64_t planes, const Geometry& g) {
  std::fill(x, x + planes * g.height * g.width, T(0));
  const auto add_back = [&g](T* in, const T* out, std::int64_t lo, std::int64_t hi,
                             std::int64_t row_offset, std::int64_t column_offset) {
    for (std::int64_t i = 0; i < g.out_height; ++i, out += g.out_width) {
      const std::int64_t ih = i * g.stride.h + row_offset;
      if (ih < 0 || ih >= g.height) continue;
      T* line = in + ih * g.width;
      for (std::int64_t j = lo; j < hi; ++j) line[j * g.stride.w + column_offset] += out[j];
    }
  };
  for_each_column_row(x, columns, planes, g, add_back);
}

// x (N, C, H, W) unrolled into columns (N, G, rows, H' W').
Tensor columns_of(const Tensor& x, const Geometry& g) {
  const std::int64_t n = x.shape()[0];
  if (g.is_pointwise()) return x.reshape(g.grouped_columns(n));
  Tensor columns = Tensor::empty(g.grouped_columns(n), x.dtype());
  if (x.dtype() == DType::float32) {
    im2col(x.data<float>(), columns.mutable_data<float>(), n * g.channels, g);
  } else {
    im2col(x.data<double>(), columns.mutable_data<double>(), n * g.channels, g);
  }
  return columns;
}

// Columns (N, G, rows, H' W') added back into an image (N, C, H, W).
Tensor image_of(const Tensor& columns, const Geometry& g) {
  const std::int64_t n = columns.shape()[0];
  if (g.is_pointwise()) return columns.reshape(g.input_shape(n));
  Tensor x = Tensor::empty(g.input_shape(n), columns.dtype());
  if (columns.dtype() == DType::float32) {
    col2im(columns.data<float>(), x.mutable_data<float>(), n * g.channels, g);
  } else {
    col2im(columns.data<double>(), x.mutable_data<double>(), n * g.channels, g);
  }
  return x;
}

// Adds b (O,) to every position of y (N, O, H', W').
void add_bias(Tensor& y, const Tensor& b) { y += b.reshape({b.size(), 1, 1}); }

Tensor convolve(const Tensor& x, const Tensor& w, const Tensor& columns, const Geometry& g) {
  const std::int64_t n = x.shape()[0];
  return matmul(w.reshape(g.grouped_weight()), columns, false, false).reshape(g.output_shape(n));
}

Tensor convolve_transposed(const Tensor& y, const Tensor& w, const Geometry& g) {
  const std::int64_t n = y.shape()[0];
  return image_of(
      matmul(w.reshape(g.grouped_weight()), y.reshape(g.grouped_output(n)), true, false), g);
}

Tensor weight_gradient(const Tensor& y, const Tensor& columns, const Geometry& g) {
  const std::int64_t n = y.shape()[0];
  const Tensor per_image = matmul(y.reshape(g.grouped_output(n)), columns, false, true);
  return sum(per_image, {0}).reshape(g.weight_shape());
}

Variable conv_op(const Variable& x, const Variable& w, const Geometry& g);
Variable conv_transpose_op(const Variable& y, const Variable& w, const Geometry& g);
Variable conv_weight_op(const Variable& x, const Variable& y, const Geometry& g,
                        Tensor columns = Tensor());

// y = conv(x, w) (+ b).
struct Convolution final : Function {
  explicit Convolution(const Geometry& g) : g(g) {}
  std::string_view name() const override { return "conv2d"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& xs) override {
    Tensor x_columns = columns_of(xs[0], g);
    Tensor y = convolve(xs[0], xs[1], x_columns, g);
    if (xs.size() == 3) add_bias(y, xs[2]);
    if (is_grad_enabled()) columns = std::move(x_columns);  // for the weight's gradient
    return {y};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    std::vector<Variable> gxs(num_inputs());
    if (needs_input_grad(0)) gxs[0] = conv_transpose_op(gy[0], input(1), g);
    if (needs_input_grad(1)) gxs[1] = conv_weight_op(input(0), gy[0], g, columns);
    if (num_inputs() == 3 && needs_input_grad(2)) gxs[2] = sum(gy[0], {0, 2, 3});
    return gxs;
  }
  Geometry g;
  Tensor columns;
};

// z = conv_transpose(y, w) (+ b): the adjoint of x ↦ conv(x, w).
struct ConvolutionTransposed final : Function {
  explicit ConvolutionTransposed(const Geometry& g) : g(g) {}
  std::string_view name() const override { return "conv_transpose2d"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& xs) override {
    Tensor z = convolve_transposed(xs[0], xs[1], g);
    if (xs.size() == 3) add_bias(z, xs[2]);
    return {z};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gz) override {
    std::vector<Variable> gxs(num_inputs());
    if (needs_input_grad(0)) gxs[0] = conv_op(gz[0], input(1), g);
    if (needs_input_grad(1)) gxs[1] = conv_weight_op(gz[0], input(0), g);
    if (num_inputs() == 3 && needs_input_grad(2)) gxs[2] = sum(gz[0], {0, 2, 3});
    return gxs;
  }
  Geometry g;
};

// v = conv_weight(x, y) = Σ_n y_n columns(x_n)ᵀ: the adjoint of w ↦ conv(x, w).
struct ConvolutionWeight final : Function {
  ConvolutionWeight(const Geometry& g, Tensor columns) : g(g), columns(std::move(columns)) {}
  std::string_view name() const override { return "conv2d_weight"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& xs) override {
    const Tensor x_columns = columns.defined() ? std::move(columns) : columns_of(xs[0], g);
    columns = Tensor();
    return {weight_gradient(xs[1], x_columns, g)};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gv) override {
    Variable gx, gy;
    if (needs_input_grad(0)) gx = conv_transpose_op(input(1), gv[0], g);
    if (needs_input_grad(1)) gy = conv_op(input(0), gv[0], g);
    return {gx, gy};
  }
  Geometry g;
  Tensor columns;  // x's, when the caller has them; dropped after forward
};

Variable conv_op(const Variable& x, const Variable& w, const Geometry& g) {
  return call<Convolution>({x, w}, g)[0];
}
Variable conv_transpose_op(const Variable& y, const Variable& w, const Geometry& g) {
  return call<ConvolutionTransposed>({y, w}, g)[0];
}
Variable conv_weight_op(const Variable& x, const Variable& y, const Geometry& g, Tensor columns) {
  return call<ConvolutionWeight>({x, y}, g, std::move(columns))[0];
}

// ---- Checks ------------------------------------------------------------------------------------

void require_at_least(const char* operation, const char* what, Size2 value, std::int64_t low) {
  if (value.h < low || value.w < low) {
    throw std::invalid_argument(std::string(operation) + ": " + what + " must be at least " +
                                std::to_string(low) + ", not " + to_string(value));
  }
}

void check_geometry(const char* operation, Size2 stride, Size2 padding, Size2 dilation,
                    std::int64_t groups) {
  require_at_least(operation, "the stride", stride, 1);
  require_at_least(operation, "the padding", padding, 0);
  require_at_least(operation, "the dilation", dilation, 1);
  if (groups < 1) {
    throw std::invalid_argument(std::string(operation) + ": groups must be at least 1, not " +
                                std::to_string(groups));
  }
}

void require_4d(const char* operation, const char* what, const Variable& v, const char* layout) {
  if (v.ndim() != 4) {
    throw ShapeError(std::string(operation) + ": expected " + what + " " + layout + ", got " +
                     shape_string(v.shape()));
  }
}

void check_bias(const char* operation, const Variable& bias, std::int64_t channels) {
  if (bias.defined() && bias.shape() != Shape{channels}) {
    throw ShapeError(std::string(operation) + ": expected bias (" + std::to_string(channels) +
                     ",), got " + shape_string(bias.shape()));
  }
}

// The output length of a convolution along one axis; ShapeError when the dilated kernel does
// not fit the padded input.
std::int64_t output_length(const char* operation, std::int64_t size, std::int64_t kernel,
                           std::int64_t stride, std::int64_t padding, std::int64_t dilation,
                           const Shape& input) {
  const std::int64_t reach = size + 2 * padding - dilation * (kernel - 1) - 1;
  if (reach < 0) {
    throw ShapeError(std::string(operation) + ": input " + shape_string(input) + " with padding " +
                     std::to_string(padding) + " is smaller than the dilated kernel (" +
                     std::to_string(dilation * (kernel - 1) + 1) + ")");
  }
  return reach / stride + 1;
}

// x, w and b (when defined) in one dtype: float64 when they differ, as matmul promotes.
DType common_dtype(const Variable& x, const Variable& w, const Variable& b) {
  const bool same = x.dtype() == w.dtype() && (!b.defined() || b.dtype() == x.dtype());
  return same ? x.dtype() : DType::float64;
}
Variable in_dtype(const Variable& v, DType dtype) {
  return !v.defined() || v.dtype() == dtype ? v : astype(v, dtype);
}

std::vector<Variable> inputs_of(const Variable& x, const Variable& w, const Variable& b) {
  const DType dtype = common_dtype(x, w, b);
  std::vector<Variable> inputs{in_dtype(x, dtype), in_dtype(w, dtype)};
  if (b.defined()) inputs.push_back(in_dtype(b, dtype));
  return inputs;
}

}  // namespace

Variable conv2d(const Variable& x, const Variable& weight, const Variable& bias, Size2 stride,
                Size2 padding, Size2 dilation, std::int64_t groups) {
  constexpr const char* op = "conv2d";
  check_geometry(op, stride, padding, dilation, groups);
  require_4d(op, "input", x, "(N, C, H, W)");
  require_4d(op, "weight", weight, "(out_channels, in_channels / groups, kh, kw)");
  const Shape& w = weight.shape();
  if (w[0] % groups != 0 || w[0] == 0 || w[1] == 0 || w[2] == 0 || w[3] == 0) {
    throw ShapeError(std::string(op) + ": weight " + shape_string(w) + " with groups " +
                     std::to_string(groups) +
                     " must have a non-empty kernel and output channels divisible by the groups");
  }
  if (x.shape()[1] != w[1] * groups) {
    throw ShapeError(std::string(op) + ": expected input (N, " + std::to_string(w[1] * groups) +
                     ", H, W) for weight " + shape_string(w) + " with groups " +
                     std::to_string(groups) + ", got " + shape_string(x.shape()));
  }
  check_bias(op, bias, w[0]);
  Geometry g{.channels = x.shape()[1],
             .height = x.shape()[2],
             .width = x.shape()[3],
             .out_channels = w[0],
             .out_height =
                 output_length(op, x.shape()[2], w[2], stride.h, padding.h, dilation.h, x.shape()),
             .out_width =
                 output_length(op, x.shape()[3], w[3], stride.w, padding.w, dilation.w, x.shape()),
             .kernel = {w[2], w[3]},
             .stride = stride,
             .padding = padding,
             .dilation = dilation,
             .groups = groups};
  return call<Convolution>(inputs_of(x, weight, bias), g)[0];
}

Variable conv_transpose2d(const Variable& x, const Variable& weight, const Variable& bias,
                          Size2 stride, Size2 padding, Size2 output_padding, std::int64_t groups,
                          Size2 dilation) {
  constexpr const char* op = "conv_transpose2d";
  check_geometry(op, stride, padding, dilation, groups);
  require_at_least(op, "the output padding", output_padding, 0);
  if ((output_padding.h >= stride.h && output_padding.h >= dilation.h) ||
      (output_padding.w >= stride.w && output_padding.w >= dilation.w)) {
    throw std::invalid_argument(std::string(op) + ": the output padding " +
                                to_string(output_padding) + " must be smaller than the stride " +
                                to_string(stride) + " or the dilation " + to_string(dilation));
  }
  require_4d(op, "input", x, "(N, C, H, W)");
  require_4d(op, "weight", weight, "(in_channels, out_channels / groups, kh, kw)");
  const Shape& w = weight.shape();
  if (w[0] % groups != 0 || w[0] == 0 || w[1] == 0 || w[2] == 0 || w[3] == 0) {
    throw ShapeError(std::string(op) + ": weight " + shape_string(w) + " with groups " +
                     std::to_string(groups) +
                     " must have a non-empty kernel and input channels divisible by the groups");
  }
  if (x.shape()[1] != w[0]) {
    throw ShapeError(std::string(op) + ": expected input (N, " + std::to_string(w[0]) +
                     ", H, W) for weight " + shape_string(w) + ", got " + shape_string(x.shape()));
  }
  check_bias(op, bias, w[1] * groups);
  // The convolution this is the adjoint of maps (N, w[1] groups, H', W') to x's shape.
  const auto length = [&](std::int64_t size, std::int64_t kernel, std::int64_t s, std::int64_t p,
                          std::int64_t extra, std::int64_t d) {
    const std::int64_t out = (size - 1) * s - 2 * p + d * (kernel - 1) + extra + 1;
    if (out < 1) {
      throw ShapeError(std::string(op) + ": input " + shape_string(x.shape()) + " with padding " +
                       std::to_string(p) + " gives an empty output (" + std::to_string(out) + ")");
    }
    return out;
  };
  Geometry g{
      .channels = w[1] * groups,
      .height = length(x.shape()[2], w[2], stride.h, padding.h, output_padding.h, dilation.h),
      .width = length(x.shape()[3], w[3], stride.w, padding.w, output_padding.w, dilation.w),
      .out_channels = w[0],
      .out_height = x.shape()[2],
      .out_width = x.shape()[3],
      .kernel = {w[2], w[3]},
      .stride = stride,
      .padding = padding,
      .dilation = dilation,
      .groups = groups};
  return call<ConvolutionTransposed>(inputs_of(x, weight, bias), g)[0];
}

// ---- Modules ---------------------------------------------------------------------------------

namespace {

void check_channels(const char* layer, std::int64_t in_channels, std::int64_t out_channels,
                    Size2 kernel, std::int64_t groups) {
  if (in_channels < 1 || out_channels < 1) {
    throw std::invalid_argument(std::string(layer) + ": the channels must be positive, not " +
                                std::to_string(in_channels) + " and " +
                                std::to_string(out_channels));
  }
  require_at_least(layer, "the kernel", kernel, 1);
  if (groups < 1 || in_channels % groups != 0 || out_channels % groups != 0) {
    throw std::invalid_argument(std::string(layer) + ": " + std::to_string(in_channels) +
                                " input and " + std::to_string(out_channels) +
                                " output channels are not divisible into " +
                                std::to_string(groups) + " groups");
  }
}

void check_input(const Variable& x, std::int64_t channels) {
  if (x.ndim() != 4 || x.shape()[1] != channels) {
    throw ShapeError("expected (N, " + std::to_string(channels) + ", H, W), got " +
                     shape_string(x.shape()));
  }
}

}  // namespace

Conv2d::Conv2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel,
               const Conv2dOptions& options)
    : Module("Conv2d"),
      in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_(kernel),
      options_(options) {
  check_channels("Conv2d", in_channels, out_channels, kernel, options.groups);
  check_geometry("Conv2d", options.stride, options.padding, options.dilation, options.groups);
  Generator& generator = options.generator ? *options.generator : default_generator();
  const Shape shape{out_channels, in_channels / options.groups, kernel.h, kernel.w};
  weight_ = register_parameter("weight",
                               kaiming_uniform(shape, generator, std::sqrt(5.0), options.dtype));
  if (options.bias) {
    bias_ = register_parameter(
        "bias", bias_uniform({out_channels}, fans(shape).first, generator, options.dtype));
  }
  options_.generator = nullptr;  // used once; not kept pointing at the caller's
}

Variable Conv2d::forward(const Variable& x) {
  check_input(x, in_channels_);
  return conv2d(x, weight_, bias_, options_.stride, options_.padding, options_.dilation,
                options_.groups);
}

ConvTranspose2d::ConvTranspose2d(std::int64_t in_channels, std::int64_t out_channels, Size2 kernel,
                                 const ConvTranspose2dOptions& options)
    : Module("ConvTranspose2d"),
      in_channels_(in_channels),
      out_channels_(out_channels),
      kernel_(kernel),
      options_(options) {
  check_channels("ConvTranspose2d", in_channels, out_channels, kernel, options.groups);
  check_geometry("ConvTranspose2d", options.stride, options.padding, options.dilation,
                 options.groups);
  require_at_least("ConvTranspose2d", "the output padding", options.output_padding, 0);
  const Size2 s = options.stride, d = options.dilation, p = options.output_padding;
  if ((p.h >= s.h && p.h >= d.h) || (p.w >= s.w && p.w >= d.w)) {
    throw std::invalid_argument("ConvTranspose2d: the output padding " + to_string(p) +
                                " must be smaller than the stride " + to_string(s) +
                                " or the dilation " + to_string(d));
  }
  Generator& generator = options.generator ? *options.generator : default_generator();
  const Shape shape{in_channels, out_channels / options.groups, kernel.h, kernel.w};
  weight_ = register_parameter("weight",
                               kaiming_uniform(shape, generator, std::sqrt(5.0), options.dtype));
  if (options.bias) {
    bias_ = register_parameter(
        "bias", bias_uniform({out_channels}, fans(shape).first, generator, options.dtype));
  }
  options_.generator = nullptr;
}

Variable ConvTranspose2d::forward(const Variable& x) {
  check_input(x, in_channels_);
  return conv_transpose2d(x, weight_, bias_, options_.stride, options_.padding,
                          options_.output_padding, options_.groups, options_.dilation);
}

}  // namespace nabla::nn
