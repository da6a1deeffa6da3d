#include "nabla/nn/init.hpp"

#include <cmath>
#include <stdexcept>

namespace nabla::nn {

Generator& default_generator() {
  thread_local Generator generator(0);
  return generator;
}

void manual_seed(std::uint64_t seed) { default_generator() = Generator(seed); }

std::pair<std::int64_t, std::int64_t> fans(const Shape& shape) {
  if (shape.size() < 2) {
    throw std::invalid_argument("nn::fans: a weight has at least 2 axes, not " +
                                shape_string(shape));
  }
  std::int64_t receptive = 1;
  for (std::size_t i = 2; i < shape.size(); ++i) receptive *= shape[i];
  return {shape[1] * receptive, shape[0] * receptive};
}

namespace {

double gain_of_leaky_relu(double a) { return std::sqrt(2.0 / (1 + a * a)); }

Tensor uniform(const Shape& shape, Generator& generator, double bound, DType dtype) {
  return Tensor::rand(shape, generator, -bound, bound, dtype);
}

Tensor normal(const Shape& shape, Generator& generator, double deviation, DType dtype) {
  Tensor t = Tensor::randn(shape, generator, dtype);
  t *= Tensor(deviation);
  return t;
}

}  // namespace

Tensor kaiming_uniform(const Shape& shape, Generator& generator, double a, DType dtype) {
  const double fan_in = static_cast<double>(fans(shape).first);
  return uniform(shape, generator, gain_of_leaky_relu(a) * std::sqrt(3 / fan_in), dtype);
}

Tensor kaiming_normal(const Shape& shape, Generator& generator, double a, DType dtype) {
  const double fan_in = static_cast<double>(fans(shape).first);
  return normal(shape, generator, gain_of_leaky_relu(a) / std::sqrt(fan_in), dtype);
}

Tensor xavier_uniform(const Shape& shape, Generator& generator, double gain, DType dtype) {
  const auto [fan_in, fan_out] = fans(shape);
  return uniform(shape, generator, gain * std::sqrt(6.0 / static_cast<double>(fan_in + fan_out)),
                 dtype);
}

Tensor xavier_normal(const Shape& shape, Generator& generator, double gain, DType dtype) {
  const auto [fan_in, fan_out] = fans(shape);
  return normal(shape, generator, gain * std::sqrt(2.0 / static_cast<double>(fan_in + fan_out)),
                dtype);
}

Tensor bias_uniform(const Shape& shape, std::int64_t fan_in, Generator& generator, DType dtype) {
  const double bound = fan_in > 0 ? 1 / std::sqrt(static_cast<double>(fan_in)) : 0;
  return uniform(shape, generator, bound, dtype);
}

}  // namespace nabla::nn
