#include "nabla/nn/normalization.hpp"

#include <algorithm>
#include <stdexcept>
#include <utility>

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
  return affine(normalize(x, axes, eps).y, weight, bias, channel_shape);
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
  const Normalized normalized = normalize(x, axes, options_.eps);
  if (training && options_.track_running_stats) {
    Tensor& count = buffer("num_batches_tracked");
    count += Tensor(1.0);
    const double m = options_.momentum ? *options_.momentum : 1 / count.item();
    Tensor& running_mean = buffer("running_mean");
    Tensor& running_var = buffer("running_var");
    const DType dtype = running_mean.dtype();
    const Tensor batch_mean = normalized.mean.data().reshape({num_features_}).to(dtype);
    const Tensor batch_var =
        (normalized.variance.data() * (static_cast<double>(n) / static_cast<double>(n - 1)))
            .reshape({num_features_})
            .to(dtype);
    running_mean *= Tensor(1 - m);
    running_mean += batch_mean * m;
    running_var *= Tensor(1 - m);
    running_var += batch_var * m;
  }
  return affine(normalized.y, weight_, bias_, channel_shape);
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
