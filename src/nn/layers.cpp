#include "nabla/nn/layers.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nabla/nn/init.hpp"

namespace nabla::nn {

Linear::Linear(std::int64_t in_features, std::int64_t out_features, const LinearOptions& options)
    : Module("Linear"), in_features_(in_features), out_features_(out_features) {
  if (in_features < 1 || out_features < 1) {
    throw std::invalid_argument("Linear: the sizes must be positive, not " +
                                std::to_string(in_features) + " and " +
                                std::to_string(out_features));
  }
  Generator& generator = options.generator ? *options.generator : default_generator();
  weight_ = register_parameter("weight", kaiming_uniform({out_features, in_features}, generator,
                                                         std::sqrt(5.0), options.dtype));
  if (options.bias) {
    bias_ = register_parameter("bias",
                               bias_uniform({out_features}, in_features, generator, options.dtype));
  }
}

Variable Linear::forward(const Variable& x) {
  if (x.ndim() < 1 || x.shape().back() != in_features_) {
    throw ShapeError("expected (..., " + std::to_string(in_features_) + "), got " +
                     shape_string(x.shape()));
  }
  Variable y = matmul(x, weight_, false, true);
  return bias_.defined() ? y + bias_ : y;
}

Variable Flatten::forward(const Variable& x) {
  if (x.ndim() < 1) throw ShapeError("expected (N, ...), got " + shape_string(x.shape()));
  return x.reshape(Shape{x.shape()[0], -1});
}

double accuracy(const Tensor& logits, const Tensor& labels) {
  if (logits.ndim() != 2 || labels.ndim() != 1 || labels.shape()[0] != logits.shape()[0]) {
    throw ShapeError("accuracy: expected logits (N, C) and labels (N,), got " +
                     shape_string(logits.shape()) + " and " + shape_string(labels.shape()));
  }
  if (logits.shape()[0] == 0) return 0;
  const Tensor hits = equal(argmax(logits, 1), labels.to(DType::float64));
  return sum(hits).item() / static_cast<double>(logits.shape()[0]);
}

}  // namespace nabla::nn
