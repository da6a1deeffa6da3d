// Pooling over the last two axes of NCHW batches: max, average, and adaptive average.
//
// Each output element reduces one window of its input plane (no mixing of channels):
//
//   max_pool2d           y[i, j] = max over x[s_h i - p_h + d_h a, s_w j - p_w + d_w b],
//                        a < kh, b < kw, padding never chosen (it reads as -inf)
//   avg_pool2d           y[i, j] = Σ over the window of x / divisor; the window is the kernel
//                        clipped to the padded input, and the divisor its size counting the
//                        padding (count_include_pad, PyTorch's default) or only the input
//   adaptive_avg_pool2d  y[i, j] = mean of x[floor(i H / H') .. ceil((i + 1) H / H'), ...]:
//                        windows that tile the input for any output size (PyTorch's formula)
//
// Output sizes are floor((H + 2 p - d (k - 1) - 1) / s) + 1 (PyTorch's ceil_mode = false).
// Backward: the average pools are linear, and their backward (spreading ȳ / divisor over each
// window) and its own backward (the pool again) are a pair of Functions that call each other. Max
// pooling sends each ȳ to the element its window chose, the first largest in row-major window
// order (ties go to the earliest; a NaN is chosen over any number, so it propagates); the backward
// is a scatter to those positions and its backward a gather from them, so every order of
// derivative is defined (the choice is a constant of the graph, and the second derivative of max
// pooling in x is 0). A max window that lies wholly in the padding (possible only with dilation)
// gives -inf and no gradient.
//
// Wrong input shapes are ShapeErrors; a zero kernel or stride, negative padding, or padding
// more than half the kernel (PyTorch's limit) is std::invalid_argument.
#pragma once

#include <cstdint>
#include <optional>

#include "nabla/nn/conv.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/tensor/variable.hpp"

namespace nabla::nn {

// stride defaults to the kernel.
Variable max_pool2d(const Variable& x, Size2 kernel, std::optional<Size2> stride = std::nullopt,
                    Size2 padding = 0, Size2 dilation = 1);
Variable avg_pool2d(const Variable& x, Size2 kernel, std::optional<Size2> stride = std::nullopt,
                    Size2 padding = 0, bool count_include_pad = true);
Variable adaptive_avg_pool2d(const Variable& x, Size2 output_size);

struct MaxPool2dOptions {
  // The kernel when not given. A pair is written Size2(1, 2): a braced {1, 2} does not convert
  // to an optional.
  std::optional<Size2> stride = std::nullopt;
  Size2 padding = 0;
  Size2 dilation = 1;
};

class MaxPool2d : public Module {
 public:
  explicit MaxPool2d(Size2 kernel, const MaxPool2dOptions& options = {});
  Variable forward(const Variable& x) override;
  Size2 kernel() const { return kernel_; }
  Size2 stride() const { return *options_.stride; }

 private:
  Size2 kernel_;
  MaxPool2dOptions options_;
};

struct AvgPool2dOptions {
  // The kernel when not given. A pair is written Size2(1, 2): a braced {1, 2} does not convert
  // to an optional.
  std::optional<Size2> stride = std::nullopt;
  Size2 padding = 0;
  bool count_include_pad = true;
};

class AvgPool2d : public Module {
 public:
  explicit AvgPool2d(Size2 kernel, const AvgPool2dOptions& options = {});
  Variable forward(const Variable& x) override;
  Size2 kernel() const { return kernel_; }
  Size2 stride() const { return *options_.stride; }

 private:
  Size2 kernel_;
  AvgPool2dOptions options_;
};

class AdaptiveAvgPool2d : public Module {
 public:
  explicit AdaptiveAvgPool2d(Size2 output_size);
  Variable forward(const Variable& x) override;
  Size2 output_size() const { return output_size_; }

 private:
  Size2 output_size_;
};

}  // namespace nabla::nn
