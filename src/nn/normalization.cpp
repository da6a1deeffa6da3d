#include "nabla/nn/normalization.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <memory>
#include <stdexcept>
#include <utility>
#include <vector>

namespace nabla::nn {

namespace {

void require_positive(std::int64_t size, const std::string& layer) {
  if (size < 1) {
    throw std::invalid_argument(layer + ": the number of features must be positive, not " +
                                std::to_string(size));
  }
}

void require_eps(double eps, const std::string& layer) {
  if (!(eps >= 0)) throw std::invalid_argument(layer + ": eps must not be negative");
}

// (x - μ) / √(σ² + eps), μ and σ² (biased) over `axes`, kept for the running statistics.
struct Normalized {
  Variable y;
  Variable mean;
  Variable variance;
};

Normalized normalize(const Variable& x, const Axes& axes, double eps) {
  const Variable mu = mean(x, axes, true);
  const Variable centered = x - mu;
  const Variable variance = mean(square(centered), axes, true);
  return {centered / sqrt(variance + eps), mu, variance};
}

// Every axis of x but the channels' (1), and the shape (1, C, 1, ...) that broadcasts a
// channel's numbers over them.
std::pair<Axes, Shape> channel_axes(const Shape& shape) {
  Axes axes{0};
  Shape channel_shape(shape.size(), 1);
  channel_shape[1] = shape[1];
  for (int i = 2; i < static_cast<int>(shape.size()); ++i) axes.push_back(i);
  return {axes, channel_shape};
}

Variable affine(Variable y, const Variable& weight, const Variable& bias, const Shape& shape) {
  if (weight.defined()) y = y * reshape(weight, shape);
  if (bias.defined()) y = y + reshape(bias, shape);
  return y;
}

// Batch normalisation with batch statistics as one operation: x of shape (N, C, ...) read as
// (N, C, L), the statistics of each channel over its N L numbers, and y = x̂ w + b with
// x̂ = (x - μ) / √(σ² + eps). Composed of means, differences, squares and products it would be
// about ten passes over x and as many buffers; here forward is three passes (sum, squared
// deviations, output) and backward two, from
//   b̄ = Σ ȳ,   w̄ = Σ ȳ x̂,   x̄ = w / √(σ² + eps) · (ȳ - b̄ / M - x̂ w̄ / M),   M = N L.
// Sums run per row of L numbers (Eigen's, vectorised), added into double per channel. Backward with
// create_graph is the same formula in Variable operations, so batch norm can be differentiated
// twice.
class BatchNormFunction : public Function {
 public:
  explicit BatchNormFunction(double eps, bool has_weight, bool has_bias)
      : eps_(eps), has_weight_(has_weight), has_bias_(has_bias) {}
  std::string_view name() const override { return "batch_norm"; }

  // The batch's statistics, per channel, for the running ones.
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& variance() const { return variance_; }

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs) override {
    const Tensor& x = inputs[0];
    Tensor y = Tensor::empty(x.shape(), x.dtype());
    if (x.dtype() == DType::float32) {
      run_forward<float>(inputs, y);
    } else {
      run_forward<double>(inputs, y);
    }
    return {std::move(y)};
  }

  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    if (is_grad_enabled()) return differentiable_backward(gy[0]);
    const Tensor x = input(0).data();
    Tensor x_grad = Tensor::empty(x.shape(), x.dtype());
    Tensor weight_grad = Tensor::empty({x.shape()[1]}, x.dtype());
    Tensor bias_grad = Tensor::empty({x.shape()[1]}, x.dtype());
    const Tensor weight = has_weight_ ? input(1).data() : Tensor();
    if (x.dtype() == DType::float32) {
      run_backward<float>(x, weight, gy[0].data(), x_grad, weight_grad, bias_grad);
    } else {
      run_backward<double>(x, weight, gy[0].data(), x_grad, weight_grad, bias_grad);
    }
    std::vector<Variable> grads{Variable(std::move(x_grad))};
    if (has_weight_) grads.emplace_back(std::move(weight_grad));
    if (has_bias_) grads.emplace_back(std::move(bias_grad));
    return grads;
  }

 private:
  struct Layout {
    std::int64_t n, channels, length;
    explicit Layout(const Shape& shape) : n(shape[0]), channels(shape[1]), length(1) {
      for (std::size_t i = 2; i < shape.size(); ++i) length *= shape[i];
    }
    double count() const { return static_cast<double>(n * length); }
  };

  // L numbers from p, for Eigen's vectorised sums (a loop's float sum cannot be reordered).
  template <class T>
  static Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>> row(const T* p, std::int64_t L) {
    return {p, static_cast<Eigen::Index>(L)};
  }

  // Σ over rows of L numbers of f(row), into double per channel.
  template <class T, class RowSum>
  static std::vector<double> per_channel(const Layout& s, RowSum row_sum) {
    std::vector<double> total(static_cast<std::size_t>(s.channels), 0.0);
    for (std::int64_t i = 0; i < s.n; ++i) {
      for (std::int64_t c = 0; c < s.channels; ++c) {
        total[static_cast<std::size_t>(c)] += row_sum((i * s.channels + c) * s.length, c);
      }
    }
    return total;
  }

  template <class T>
  void run_forward(const std::vector<Tensor>& inputs, Tensor& y) {
    const Tensor& x = inputs[0];
    const Layout s(x.shape());
    const T* data = x.data<T>();
    const T* weight = has_weight_ ? inputs[1].data<T>() : nullptr;
    const T* bias = has_bias_ ? inputs[has_weight_ ? 2 : 1].data<T>() : nullptr;
    const std::int64_t L = s.length;
    mean_ = per_channel<T>(s, [&](std::int64_t offset, std::int64_t) {
      return static_cast<double>(row<T>(data + offset, L).sum());
    });
    for (double& m : mean_) m /= s.count();
    variance_ = per_channel<T>(s, [&](std::int64_t offset, std::int64_t c) {
      const T mu = static_cast<T>(mean_[static_cast<std::size_t>(c)]);
      return static_cast<double>((row<T>(data + offset, L) - mu).square().sum());
    });
    for (double& v : variance_) v /= s.count();
    T* out = y.mutable_data<T>();
    for (std::int64_t i = 0; i < s.n; ++i) {
      for (std::int64_t c = 0; c < s.channels; ++c) {
        const auto k = static_cast<std::size_t>(c);
        const double inverse = 1 / std::sqrt(variance_[k] + eps_);
        const double scale = weight ? weight[c] * inverse : inverse;
        const T a = static_cast<T>(scale);
        const T b = static_cast<T>((bias ? bias[c] : 0.0) - mean_[k] * scale);
        const std::int64_t offset = (i * s.channels + c) * L;
        for (std::int64_t l = 0; l < L; ++l) out[offset + l] = a * data[offset + l] + b;
      }
    }
  }

  template <class T>
  void run_backward(const Tensor& x, const Tensor& weight_tensor, const Tensor& dy_tensor,
                    Tensor& x_grad, Tensor& weight_grad, Tensor& bias_grad) {
    const Layout s(x.shape());
    const T* data = x.data<T>();
    const T* dy = dy_tensor.data<T>();
    const T* weight = has_weight_ ? weight_tensor.data<T>() : nullptr;
    const std::int64_t L = s.length;
    const std::vector<double> dy_sum = per_channel<T>(s, [&](std::int64_t offset, std::int64_t) {
      return static_cast<double>(row<T>(dy + offset, L).sum());
    });
    // Σ ȳ (x - μ), divided by √(σ² + eps) below to give Σ ȳ x̂.
    std::vector<double> dy_centered = per_channel<T>(s, [&](std::int64_t offset, std::int64_t c) {
      const T mu = static_cast<T>(mean_[static_cast<std::size_t>(c)]);
      return static_cast<double>((row<T>(dy + offset, L) * (row<T>(data + offset, L) - mu)).sum());
    });
    T* dx = x_grad.mutable_data<T>();
    T* dw = weight_grad.mutable_data<T>();
    T* db = bias_grad.mutable_data<T>();
    std::vector<T> a(static_cast<std::size_t>(s.channels)), b(a.size()), d(a.size());
    for (std::int64_t c = 0; c < s.channels; ++c) {
      const auto k = static_cast<std::size_t>(c);
      const double inverse = 1 / std::sqrt(variance_[k] + eps_);
      const double w = weight ? weight[c] : 1.0;
      const double w_bar = dy_centered[k] * inverse;  // Σ ȳ x̂
      dw[c] = static_cast<T>(w_bar);
      db[c] = static_cast<T>(dy_sum[k]);
      // x̄ = a ȳ + d (x - μ) + b, with a = w / √(σ² + eps), d = -a w̄ / (M √(σ² + eps)) and
      // b = -a b̄ / M.
      a[k] = static_cast<T>(w * inverse);
      d[k] = static_cast<T>(-w * inverse * w_bar * inverse / s.count());
      b[k] = static_cast<T>(-w * inverse * dy_sum[k] / s.count());
    }
    for (std::int64_t i = 0; i < s.n; ++i) {
      for (std::int64_t c = 0; c < s.channels; ++c) {
        const auto k = static_cast<std::size_t>(c);
        const T ak = a[k], dk = d[k], bk = b[k], mu = static_cast<T>(mean_[k]);
        const std::int64_t offset = (i * s.channels + c) * L;
        for (std::int64_t l = 0; l < L; ++l) {
          dx[offset + l] = ak * dy[offset + l] + dk * (data[offset + l] - mu) + bk;
        }
      }
    }
  }

  std::vector<Variable> differentiable_backward(const Variable& dy) {
    const Variable x = input(0);
    const auto [axes, channel_shape] = channel_axes(x.shape());
    const double count = Layout(x.shape()).count();
    const Normalized normalized = normalize(x, axes, eps_);
    const Variable inverse = 1.0 / sqrt(normalized.variance + eps_);
    const Variable bias_grad = sum(dy, axes, true);
    const Variable weight_grad = sum(dy * normalized.y, axes, true);
    const Variable scale = has_weight_ ? reshape(input(1), channel_shape) * inverse : inverse;
    const Variable x_grad = scale * (dy - bias_grad / count - normalized.y * weight_grad / count);
    const Shape c{x.shape()[1]};
    std::vector<Variable> grads{x_grad};
    if (has_weight_) grads.push_back(reshape(weight_grad, c));
    if (has_bias_) grads.push_back(reshape(bias_grad, c));
    return grads;
  }

  double eps_;
  bool has_weight_, has_bias_;
  std::vector<double> mean_, variance_;
};

// y and the batch's statistics.
struct BatchStatistics {
  Variable y;
  std::vector<double> mean, variance;
};

BatchStatistics fused_batch_norm(const Variable& x, const Variable& weight, const Variable& bias,
                                 double eps) {
  const auto other_dtype = [&](const Variable& v) { return v.defined() && v.dtype() != x.dtype(); };
  if (other_dtype(weight) || other_dtype(bias)) {  // mixed dtypes: promoted by the composition
    const auto [axes, channel_shape] = channel_axes(x.shape());
    const Normalized normalized = normalize(x, axes, eps);
    return {affine(normalized.y, weight, bias, channel_shape),
            normalized.mean.data().to(DType::float64).to_vector(),
            normalized.variance.data().to(DType::float64).to_vector()};
  }
  auto f = detail::make_function<BatchNormFunction>(eps, weight.defined(), bias.defined());
  std::vector<Variable> inputs{x};
  if (weight.defined()) inputs.push_back(weight);
  if (bias.defined()) inputs.push_back(bias);
  Variable y = Function::apply(f, inputs)[0];
  return {std::move(y), f->mean(), f->variance()};
}

}  // namespace

Variable batch_norm(const Variable& x, const Variable& weight, const Variable& bias, double eps) {
  if (x.ndim() < 2) {
    throw ShapeError("batch_norm: expected (N, C, ...), got " + shape_string(x.shape()));
  }
  const auto [axes, channel_shape] = channel_axes(x.shape());
  for (const Variable* v : {&weight, &bias}) {
    if (v->defined() && v->shape() != Shape{x.shape()[1]}) {
      throw ShapeError("batch_norm: weight and bias must have shape (C) = (" +
                       std::to_string(x.shape()[1]) + ",) for x " + shape_string(x.shape()) +
                       ", not " + shape_string(v->shape()));
    }
  }
  return fused_batch_norm(x, weight, bias, eps).y;
}

Variable layer_norm(const Variable& x, const Shape& normalized_shape, const Variable& weight,
                    const Variable& bias, double eps) {
  const Shape& shape = x.shape();
  const auto d = normalized_shape.size();
  if (d == 0 || shape.size() < d ||
      !std::equal(normalized_shape.begin(), normalized_shape.end(),
                  shape.end() - static_cast<std::ptrdiff_t>(d))) {
    std::string sizes;
    for (const std::int64_t size : normalized_shape) sizes += ", " + std::to_string(size);
    throw ShapeError("expected (..." + sizes + "), got " + shape_string(shape));
  }
  Axes axes;
  for (int i = 1; i <= static_cast<int>(d); ++i) axes.push_back(-i);
  Variable y = normalize(x, axes, eps).y;
  if (weight.defined()) y = y * weight;
  if (bias.defined()) y = y + bias;
  return y;
}

// ---- Batch norm --------------------------------------------------------------------------------

BatchNorm::BatchNorm(std::string type_name, std::int64_t num_features,
                     const BatchNormOptions& options, std::vector<int> ranks, std::string expected)
    : Module(type_name),
      num_features_(num_features),
      options_(options),
      ranks_(std::move(ranks)),
      expected_(std::move(expected)) {
  require_positive(num_features, type_name);
  require_eps(options.eps, type_name);
  if (options.momentum && !(*options.momentum >= 0 && *options.momentum <= 1)) {
    throw std::invalid_argument(type_name + ": the momentum must be in [0, 1]");
  }
  if (options.affine) {
    weight_ = register_parameter("weight", Tensor::ones({num_features}, options.dtype));
    bias_ = register_parameter("bias", Tensor::zeros({num_features}, options.dtype));
  }
  if (options.track_running_stats) {
    register_buffer("running_mean", Tensor::zeros({num_features}, options.dtype));
    register_buffer("running_var", Tensor::ones({num_features}, options.dtype));
    register_buffer("num_batches_tracked", Tensor::zeros({}, DType::float64));
  }
}

std::int64_t BatchNorm::num_batches_tracked() {
  return static_cast<std::int64_t>(buffer("num_batches_tracked").item());
}

Variable BatchNorm::forward(const Variable& x) {
  const Shape& shape = x.shape();
  if (std::find(ranks_.begin(), ranks_.end(), x.ndim()) == ranks_.end() ||
      shape[1] != num_features_) {
    throw ShapeError("expected " + expected_ + " with C = " + std::to_string(num_features_) +
                     ", got " + shape_string(shape));
  }
  const auto [axes, channel_shape] = channel_axes(shape);
  const std::int64_t n = x.size() / num_features_;
  const bool training = is_training() && nabla::is_training();
  if (!training && options_.track_running_stats) {
    const Tensor mu = buffer("running_mean").reshape(channel_shape);
    const Tensor inverse_deviation =
        1.0 / sqrt(buffer("running_var").reshape(channel_shape) + options_.eps);
    return affine((x - Variable(mu)) * Variable(inverse_deviation), weight_, bias_, channel_shape);
  }
  if (training && n < 2) {
    throw ShapeError("expected more than 1 value per channel when training, got " +
                     shape_string(shape));
  }
  BatchStatistics normalized = fused_batch_norm(x, weight_, bias_, options_.eps);
  if (training && options_.track_running_stats) {
    Tensor& count = buffer("num_batches_tracked");
    count += Tensor(1.0);
    const double m = options_.momentum ? *options_.momentum : 1 / count.item();
    Tensor& running_mean = buffer("running_mean");
    Tensor& running_var = buffer("running_var");
    const DType dtype = running_mean.dtype();
    // The unbiased variance, as PyTorch keeps.
    for (double& v : normalized.variance) {
      v *= static_cast<double>(n) / static_cast<double>(n - 1);
    }
    const Shape c{num_features_};
    running_mean *= Tensor(1 - m);
    running_mean += Tensor(c, std::move(normalized.mean)).to(dtype) * m;
    running_var *= Tensor(1 - m);
    running_var += Tensor(c, std::move(normalized.variance)).to(dtype) * m;
  }
  return std::move(normalized.y);
}

BatchNorm1d::BatchNorm1d(std::int64_t num_features, const BatchNormOptions& options)
    : BatchNorm("BatchNorm1d", num_features, options, {2, 3}, "(N, C) or (N, C, L)") {}

BatchNorm2d::BatchNorm2d(std::int64_t num_features, const BatchNormOptions& options)
    : BatchNorm("BatchNorm2d", num_features, options, {4}, "(N, C, H, W)") {}

// ---- Layer norm --------------------------------------------------------------------------------

LayerNorm::LayerNorm(Shape normalized_shape, const LayerNormOptions& options)
    : Module("LayerNorm"), normalized_shape_(std::move(normalized_shape)), options_(options) {
  if (normalized_shape_.empty()) {
    throw std::invalid_argument("LayerNorm: normalized_shape needs at least one axis");
  }
  for (const std::int64_t size : normalized_shape_) require_positive(size, "LayerNorm");
  require_eps(options.eps, "LayerNorm");
  if (options.elementwise_affine) {
    weight_ = register_parameter("weight", Tensor::ones(normalized_shape_, options.dtype));
    bias_ = register_parameter("bias", Tensor::zeros(normalized_shape_, options.dtype));
  }
}

Variable LayerNorm::forward(const Variable& x) {
  return layer_norm(x, normalized_shape_, weight_, bias_, options_.eps);
}

}  // namespace nabla::nn
