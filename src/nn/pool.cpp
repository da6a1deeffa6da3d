// max_pool2d, avg_pool2d and adaptive_avg_pool2d, each with a backward that is a Function too
// (pool.hpp has the rules).
//
// Both average pools are one linear map, described by its windows along each axis: output row
// i averages input rows [start_i, end_i) with weight 1 / (size_i · size_j), where size is the
// window's length with or without the padding. Its adjoint spreads each ȳ back over the same
// window. Max pooling records, for every output element, the flat index into x of the element it
// chose; the backward scatters to those indices and its adjoint gathers from them.
#include "nabla/nn/pool.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace nabla::nn {

namespace {

// f(static_cast<float*>(nullptr)) or the double one: the kernel's number type from the dtype.
template <class F>
void by_dtype(DType dtype, F&& f) {
  if (dtype == DType::float32) {
    f(static_cast<float*>(nullptr));
  } else {
    f(static_cast<double*>(nullptr));
  }
}

// ---- Average pools: windows along each axis
// ------------------------------------------------------

struct Windows {
  std::vector<std::int64_t> start, end;  // [start, end) inside the input
  std::vector<double> size;              // the divisor's factor along this axis
};

struct AveragePlan {
  std::int64_t height, width;
  Windows rows, columns;
  Shape output_shape(std::int64_t n, std::int64_t c) const {
    return {n, c, static_cast<std::int64_t>(rows.start.size()),
            static_cast<std::int64_t>(columns.start.size())};
  }
};

Windows pooling_windows(std::int64_t size, std::int64_t kernel, std::int64_t stride,
                        std::int64_t padding, bool count_include_pad) {
  Windows w;
  const std::int64_t count = (size + 2 * padding - kernel) / stride + 1;
  for (std::int64_t i = 0; i < count; ++i) {
    const std::int64_t first = i * stride - padding;
    const std::int64_t last = std::min(first + kernel, size + padding);
    w.start.push_back(std::max<std::int64_t>(first, 0));
    w.end.push_back(std::min(last, size));
    w.size.push_back(
        static_cast<double>(count_include_pad ? last - first : w.end.back() - w.start.back()));
  }
  return w;
}

Windows adaptive_windows(std::int64_t size, std::int64_t count) {
  Windows w;
  for (std::int64_t i = 0; i < count; ++i) {
    w.start.push_back(i * size / count);                    // floor(i H / H')
    w.end.push_back(((i + 1) * size + count - 1) / count);  // ceil((i + 1) H / H')
    w.size.push_back(static_cast<double>(w.end.back() - w.start.back()));
  }
  return w;
}

// y (planes, H', W') = the window averages of x (planes, H, W).
template <class T>
void average(const T* x, T* y, std::int64_t planes, const AveragePlan& plan) {
  const std::int64_t out_h = static_cast<std::int64_t>(plan.rows.start.size());
  const std::int64_t out_w = static_cast<std::int64_t>(plan.columns.start.size());
  const std::int64_t plane_size = plan.height * plan.width;
  for (std::int64_t p = 0; p < planes; ++p) {
    const T* in = x + p * plane_size;
    T* out = y + p * out_h * out_w;
    for (std::int64_t i = 0; i < out_h; ++i) {
      for (std::int64_t j = 0; j < out_w; ++j) {
        T total = 0;
        for (std::int64_t r = plan.rows.start[i]; r < plan.rows.end[i]; ++r) {
          for (std::int64_t c = plan.columns.start[j]; c < plan.columns.end[j]; ++c) {
            total += in[r * plan.width + c];
          }
        }
        out[i * out_w + j] = total / static_cast<T>(plan.rows.size[i] * plan.columns.size[j]);
      }
    }
  }
}

// The adjoint: gx (planes, H, W) = each ȳ / divisor added over its window.
template <class T>
void spread(const T* gy, T* gx, std::int64_t planes, const AveragePlan& plan) {
  const std::int64_t out_h = static_cast<std::int64_t>(plan.rows.start.size());
  const std::int64_t out_w = static_cast<std::int64_t>(plan.columns.start.size());
  const std::int64_t plane_size = plan.height * plan.width;
  std::fill(gx, gx + planes * plane_size, T(0));
  for (std::int64_t p = 0; p < planes; ++p) {
    const T* g = gy + p * out_h * out_w;
    T* target = gx + p * plane_size;
    for (std::int64_t i = 0; i < out_h; ++i) {
      for (std::int64_t j = 0; j < out_w; ++j) {
        const T share = g[i * out_w + j] / static_cast<T>(plan.rows.size[i] * plan.columns.size[j]);
        for (std::int64_t r = plan.rows.start[i]; r < plan.rows.end[i]; ++r) {
          for (std::int64_t c = plan.columns.start[j]; c < plan.columns.end[j]; ++c) {
            target[r * plan.width + c] += share;
          }
        }
      }
    }
  }
}

Tensor average_pool(const Tensor& x, const AveragePlan& plan) {
  Tensor y = Tensor::empty(plan.output_shape(x.shape()[0], x.shape()[1]), x.dtype());
  const std::int64_t planes = x.shape()[0] * x.shape()[1];
  by_dtype(x.dtype(),
           [&]<class T>(T*) { average(x.data<T>(), y.mutable_data<T>(), planes, plan); });
  return y;
}

Tensor average_pool_adjoint(const Tensor& gy, const AveragePlan& plan) {
  Tensor gx = Tensor::empty({gy.shape()[0], gy.shape()[1], plan.height, plan.width}, gy.dtype());
  const std::int64_t planes = gy.shape()[0] * gy.shape()[1];
  by_dtype(gy.dtype(),
           [&]<class T>(T*) { spread(gy.data<T>(), gx.mutable_data<T>(), planes, plan); });
  return gx;
}

using Plan = std::shared_ptr<const AveragePlan>;

Variable average_pool_op(const Variable& x, const Plan& plan);
Variable average_pool_adjoint_op(const Variable& gy, const Plan& plan);

struct AveragePool final : Function {
  AveragePool(std::string_view name, Plan plan) : function_name(name), plan(std::move(plan)) {}
  std::string_view name() const override { return function_name; }
  std::vector<Tensor> forward(const std::vector<Tensor>& xs) override {
    return {average_pool(xs[0], *plan)};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {average_pool_adjoint_op(gy[0], plan)};
  }
  std::string_view function_name;
  Plan plan;
};

struct AveragePoolAdjoint final : Function {
  explicit AveragePoolAdjoint(Plan plan) : plan(std::move(plan)) {}
  std::string_view name() const override { return "avg_pool2d_backward"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& xs) override {
    return {average_pool_adjoint(xs[0], *plan)};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gx) override {
    return {average_pool_op(gx[0], plan)};
  }
  Plan plan;
};

Variable average_pool_op(const Variable& x, const Plan& plan) {
  return call<AveragePool>({x}, "avg_pool2d", plan)[0];
}
Variable average_pool_adjoint_op(const Variable& gy, const Plan& plan) {
  return call<AveragePoolAdjoint>({gy}, plan)[0];
}

// ---- Max pool: the chosen elements ---------------------------------------------------------

// For each output element, the flat index into x of the element it chose (-1: none).
using Choices = std::shared_ptr<const std::vector<std::int64_t>>;

struct MaxPlan {
  std::int64_t height, width, out_height, out_width;
  Size2 kernel, stride, padding, dilation;
};

template <class T>
void max_pool(const T* x, T* y, std::int64_t* chosen, std::int64_t planes, const MaxPlan& m) {
  const std::int64_t plane_size = m.height * m.width;
  for (std::int64_t p = 0; p < planes; ++p) {
    const T* in = x + p * plane_size;
    for (std::int64_t i = 0; i < m.out_height; ++i) {
      for (std::int64_t j = 0; j < m.out_width; ++j) {
        T best = -std::numeric_limits<T>::infinity();
        std::int64_t where = -1;
        for (std::int64_t a = 0; a < m.kernel.h; ++a) {
          const std::int64_t r = i * m.stride.h - m.padding.h + a * m.dilation.h;
          if (r < 0 || r >= m.height) continue;
          for (std::int64_t b = 0; b < m.kernel.w; ++b) {
            const std::int64_t c = j * m.stride.w - m.padding.w + b * m.dilation.w;
            if (c < 0 || c >= m.width) continue;
            const T value = in[r * m.width + c];
            // The first largest wins; a NaN beats every number, and the first NaN stays.
            if (where < 0 || (!std::isnan(best) && (value > best || std::isnan(value)))) {
              best = value;
              where = p * plane_size + r * m.width + c;
            }
          }
        }
        *y++ = best;
        *chosen++ = where;
      }
    }
  }
}

// gx of `shape` with gy[k] added at chosen[k] (scatter), or y[k] = gx[chosen[k]] (gather).
Tensor scatter_chosen(const Tensor& gy, const std::vector<std::int64_t>& chosen,
                      const Shape& shape) {
  Tensor gx = Tensor::zeros(shape, gy.dtype());
  by_dtype(gy.dtype(), [&]<class T>(T*) {
    const T* g = gy.data<T>();
    T* out = gx.mutable_data<T>();
    for (std::size_t k = 0; k < chosen.size(); ++k) {
      if (chosen[k] >= 0) out[chosen[k]] += g[k];
    }
  });
  return gx;
}

Tensor gather_chosen(const Tensor& gx, const std::vector<std::int64_t>& chosen,
                     const Shape& shape) {
  Tensor gy = Tensor::empty(shape, gx.dtype());
  by_dtype(gx.dtype(), [&]<class T>(T*) {
    const T* g = gx.data<T>();
    T* out = gy.mutable_data<T>();
    for (std::size_t k = 0; k < chosen.size(); ++k) out[k] = chosen[k] >= 0 ? g[chosen[k]] : T(0);
  });
  return gy;
}

Variable scatter_op(const Variable& gy, const Choices& chosen, const Shape& input);
Variable gather_op(const Variable& gx, const Choices& chosen, const Shape& output);

struct MaxPool final : Function {
  explicit MaxPool(const MaxPlan& plan) : plan(plan) {}
  std::string_view name() const override { return "max_pool2d"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& xs) override {
    const Tensor& x = xs[0];
    const Shape out{x.shape()[0], x.shape()[1], plan.out_height, plan.out_width};
    Tensor y = Tensor::empty(out, x.dtype());
    auto indices = std::make_shared<std::vector<std::int64_t>>(static_cast<std::size_t>(y.size()));
    by_dtype(x.dtype(), [&]<class T>(T*) {
      max_pool(x.data<T>(), y.mutable_data<T>(), indices->data(), x.shape()[0] * x.shape()[1],
               plan);
    });
    chosen = std::move(indices);
    return {y};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {scatter_op(gy[0], chosen, input_shape(0))};
  }
  MaxPlan plan;
  Choices chosen;
};

struct ScatterChosen final : Function {
  ScatterChosen(Choices chosen, Shape shape) : chosen(std::move(chosen)), shape(std::move(shape)) {}
  std::string_view name() const override { return "max_pool2d_backward"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& xs) override {
    return {scatter_chosen(xs[0], *chosen, shape)};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gx) override {
    return {gather_op(gx[0], chosen, input_shape(0))};
  }
  Choices chosen;
  Shape shape;
};

struct GatherChosen final : Function {
  GatherChosen(Choices chosen, Shape shape) : chosen(std::move(chosen)), shape(std::move(shape)) {}
  std::string_view name() const override { return "max_pool2d_gather"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& xs) override {
    return {gather_chosen(xs[0], *chosen, shape)};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {scatter_op(gy[0], chosen, input_shape(0))};
  }
  Choices chosen;
  Shape shape;
};

Variable scatter_op(const Variable& gy, const Choices& chosen, const Shape& input) {
  return call<ScatterChosen>({gy}, chosen, input)[0];
}
Variable gather_op(const Variable& gx, const Choices& chosen, const Shape& output) {
  return call<GatherChosen>({gx}, chosen, output)[0];
}

// ---- Checks ------------------------------------------------------------------------------------

void check_pool(const char* operation, Size2 kernel, Size2 stride, Size2 padding, Size2 dilation) {
  const auto fail = [&](const std::string& why) {
    throw std::invalid_argument(std::string(operation) + ": " + why);
  };
  if (kernel.h < 1 || kernel.w < 1) fail("the kernel must be at least 1, not " + to_string(kernel));
  if (stride.h < 1 || stride.w < 1) fail("the stride must be at least 1, not " + to_string(stride));
  if (dilation.h < 1 || dilation.w < 1) {
    fail("the dilation must be at least 1, not " + to_string(dilation));
  }
  if (padding.h < 0 || padding.w < 0) {
    fail("the padding must be at least 0, not " + to_string(padding));
  }
  if (2 * padding.h > kernel.h || 2 * padding.w > kernel.w) {
    fail("the padding " + to_string(padding) + " must be at most half the kernel " +
         to_string(kernel));
  }
}

void require_nchw(const char* operation, const Variable& x) {
  if (x.ndim() != 4) {
    throw ShapeError(std::string(operation) + ": expected (N, C, H, W), got " +
                     shape_string(x.shape()));
  }
}

std::int64_t pooled_length(const char* operation, const Variable& x, std::int64_t size,
                           std::int64_t kernel, std::int64_t stride, std::int64_t padding,
                           std::int64_t dilation) {
  const std::int64_t reach = size + 2 * padding - dilation * (kernel - 1) - 1;
  if (reach < 0) {
    throw ShapeError(std::string(operation) + ": input " + shape_string(x.shape()) +
                     " with padding " + std::to_string(padding) +
                     " is smaller than the (dilated) kernel (" +
                     std::to_string(dilation * (kernel - 1) + 1) + ")");
  }
  return reach / stride + 1;
}

}  // namespace

Variable max_pool2d(const Variable& x, Size2 kernel, std::optional<Size2> stride, Size2 padding,
                    Size2 dilation) {
  constexpr const char* op = "max_pool2d";
  const Size2 s = stride.value_or(kernel);
  check_pool(op, kernel, s, padding, dilation);
  require_nchw(op, x);
  const MaxPlan plan{
      .height = x.shape()[2],
      .width = x.shape()[3],
      .out_height = pooled_length(op, x, x.shape()[2], kernel.h, s.h, padding.h, dilation.h),
      .out_width = pooled_length(op, x, x.shape()[3], kernel.w, s.w, padding.w, dilation.w),
      .kernel = kernel,
      .stride = s,
      .padding = padding,
      .dilation = dilation};
  return call<MaxPool>({x}, plan)[0];
}

Variable avg_pool2d(const Variable& x, Size2 kernel, std::optional<Size2> stride, Size2 padding,
                    bool count_include_pad) {
  constexpr const char* op = "avg_pool2d";
  const Size2 s = stride.value_or(kernel);
  check_pool(op, kernel, s, padding, 1);
  require_nchw(op, x);
  pooled_length(op, x, x.shape()[2], kernel.h, s.h, padding.h, 1);
  pooled_length(op, x, x.shape()[3], kernel.w, s.w, padding.w, 1);
  auto plan = std::make_shared<AveragePlan>(AveragePlan{
      .height = x.shape()[2],
      .width = x.shape()[3],
      .rows = pooling_windows(x.shape()[2], kernel.h, s.h, padding.h, count_include_pad),
      .columns = pooling_windows(x.shape()[3], kernel.w, s.w, padding.w, count_include_pad)});
  return call<AveragePool>({x}, "avg_pool2d", std::move(plan))[0];
}

Variable adaptive_avg_pool2d(const Variable& x, Size2 output_size) {
  constexpr const char* op = "adaptive_avg_pool2d";
  if (output_size.h < 1 || output_size.w < 1) {
    throw std::invalid_argument(std::string(op) + ": the output size must be at least 1, not " +
                                to_string(output_size));
  }
  require_nchw(op, x);
  if (x.shape()[2] < 1 || x.shape()[3] < 1) {
    throw ShapeError(std::string(op) + ": expected a non-empty image (N, C, H, W), got " +
                     shape_string(x.shape()));
  }
  auto plan = std::make_shared<AveragePlan>(
      AveragePlan{.height = x.shape()[2],
                  .width = x.shape()[3],
                  .rows = adaptive_windows(x.shape()[2], output_size.h),
                  .columns = adaptive_windows(x.shape()[3], output_size.w)});
  return call<AveragePool>({x}, "adaptive_avg_pool2d", std::move(plan))[0];
}

// ---- Modules ---------------------------------------------------------------------------------

MaxPool2d::MaxPool2d(Size2 kernel, const MaxPool2dOptions& options)
    : Module("MaxPool2d"), kernel_(kernel), options_(options) {
  options_.stride = options.stride.value_or(kernel);
  check_pool("MaxPool2d", kernel, *options_.stride, options.padding, options.dilation);
}

Variable MaxPool2d::forward(const Variable& x) {
  if (x.ndim() != 4) throw ShapeError("expected (N, C, H, W), got " + shape_string(x.shape()));
  return max_pool2d(x, kernel_, options_.stride, options_.padding, options_.dilation);
}

AvgPool2d::AvgPool2d(Size2 kernel, const AvgPool2dOptions& options)
    : Module("AvgPool2d"), kernel_(kernel), options_(options) {
  options_.stride = options.stride.value_or(kernel);
  check_pool("AvgPool2d", kernel, *options_.stride, options.padding, 1);
}

Variable AvgPool2d::forward(const Variable& x) {
  if (x.ndim() != 4) throw ShapeError("expected (N, C, H, W), got " + shape_string(x.shape()));
  return avg_pool2d(x, kernel_, options_.stride, options_.padding, options_.count_include_pad);
}

AdaptiveAvgPool2d::AdaptiveAvgPool2d(Size2 output_size)
    : Module("AdaptiveAvgPool2d"), output_size_(output_size) {
  if (output_size.h < 1 || output_size.w < 1) {
    throw std::invalid_argument("AdaptiveAvgPool2d: the output size must be at least 1, not " +
                                to_string(output_size));
  }
}

Variable AdaptiveAvgPool2d::forward(const Variable& x) {
  if (x.ndim() != 4) throw ShapeError("expected (N, C, H, W), got " + shape_string(x.shape()));
  return adaptive_avg_pool2d(x, output_size_);
}

}  // namespace nabla::nn
