#include "nabla/nn/dropout.hpp"

#include <stdexcept>
#include <string>

#include "nabla/nn/init.hpp"

namespace nabla::nn {

Tensor dropout_mask(const Shape& shape, double p, Generator& generator, DType dtype) {
  // Drawn in float64 whatever dtype is, so that a float32 and a float64 model drop the same.
  const Tensor u = Tensor::rand(shape, generator, 0, 1, DType::float64);
  if (p >= 1) return Tensor::zeros(shape, dtype);
  return (less(u, Tensor(1 - p)) * (1 / (1 - p))).to(dtype);
}

Dropout::Dropout(double p, const DropoutOptions& options)
    : Module("Dropout"),
      p_(p),
      own_(options.seed.value_or(0)),
      generator_(options.seed ? &own_ : options.generator) {
  if (!(p >= 0 && p <= 1)) {
    throw std::invalid_argument("Dropout: p must be in [0, 1], not " + std::to_string(p));
  }
}

Variable Dropout::forward(const Variable& x) {
  if (!is_training() || !nabla::is_training() || p_ == 0) return x;
  Generator& generator = generator_ ? *generator_ : default_generator();
  return x * Variable(dropout_mask(x.shape(), p_, generator, x.dtype()));
}

}  // namespace nabla::nn
