// Initial values of parameters, as PyTorch draws them (torch.nn.init), from seeded generators.
//
// For a weight of shape (out, in, k...) the fans are fan_in = in * k... and fan_out = out * k...
// (k... the kernel's sizes, 1 for a Linear layer). With gain g:
//   kaiming_uniform   U(-b, b),  b = g sqrt(3 / fan_in),  g = sqrt(2 / (1 + a^2))
//   kaiming_normal    N(0, s^2), s = g / sqrt(fan_in)
//   xavier_uniform    U(-b, b),  b = g sqrt(6 / (fan_in + fan_out))
//   xavier_normal     N(0, s^2), s = g sqrt(2 / (fan_in + fan_out))
// PyTorch's default for Linear and Conv weights is kaiming_uniform with a = sqrt(5), which is
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)); their biases take the same bound (bias_uniform).
//
// Every draw comes from a Generator: the one passed, or the thread's default_generator(), which
// manual_seed resets. The same seed and the same order of construction give the same network,
// bit for bit.
#pragma once

#include <cstdint>
#include <utility>

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn {

// The thread's generator for layers constructed without one; manual_seed(s) replaces it with
// Generator(s).
Generator& default_generator();
void manual_seed(std::uint64_t seed);

// (fan_in, fan_out) of a weight shape; std::invalid_argument for fewer than 2 axes.
std::pair<std::int64_t, std::int64_t> fans(const Shape& shape);

Tensor kaiming_uniform(const Shape& shape, Generator& generator, double a = 0,
                       DType dtype = DType::float32);
Tensor kaiming_normal(const Shape& shape, Generator& generator, double a = 0,
                      DType dtype = DType::float32);
Tensor xavier_uniform(const Shape& shape, Generator& generator, double gain = 1,
                      DType dtype = DType::float32);
Tensor xavier_normal(const Shape& shape, Generator& generator, double gain = 1,
                     DType dtype = DType::float32);
// U(-1/sqrt(fan_in), 1/sqrt(fan_in)) of `shape`: the bias of a layer whose weight has fan_in.
Tensor bias_uniform(const Shape& shape, std::int64_t fan_in, Generator& generator,
                    DType dtype = DType::float32);

}  // namespace nabla::nn
