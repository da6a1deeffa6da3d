#include "nabla/nn/recurrent.hpp"

#include <cmath>
#include <stdexcept>
#include <string>

#include "nabla/nn/init.hpp"

namespace nabla::nn {

namespace {

void check_sizes(const std::string& layer, std::int64_t input, std::int64_t hidden) {
  if (input < 1 || hidden < 1) {
    throw std::invalid_argument(layer + ": the sizes must be positive, not " +
                                std::to_string(input) + " and " + std::to_string(hidden));
  }
}

Tensor uniform_weights(const Shape& shape, std::int64_t hidden, Generator& generator, DType dtype) {
  const double bound = 1 / std::sqrt(static_cast<double>(hidden));
  return Tensor::rand(shape, generator, -bound, bound, dtype);
}

void check_input(const Variable& x, std::int64_t input_size) {
  if (x.ndim() != 2 || x.shape()[1] != input_size) {
    throw ShapeError("expected (N, " + std::to_string(input_size) + "), got " +
                     shape_string(x.shape()));
  }
}

// x W_ih^T + b_ih, plus h W_hh^T + b_hh when there is a state.
Variable gates(const Variable& x, const Variable& h, const Parameter& weight_ih,
               const Parameter& weight_hh, const Parameter& bias_ih, const Parameter& bias_hh) {
  Variable z = matmul(x, weight_ih, false, true);
  if (bias_ih.defined()) z = z + bias_ih;
  if (h.defined()) {
    z = z + matmul(h, weight_hh, false, true);
    if (bias_hh.defined()) z = z + bias_hh;
  } else if (bias_hh.defined()) {
    z = z + bias_hh;
  }
  return z;
}

}  // namespace

RNN::RNN(std::int64_t input_size, std::int64_t hidden_size, const RecurrentOptions& options)
    : Module("RNN"), input_size_(input_size), hidden_size_(hidden_size) {
  check_sizes("RNN", input_size, hidden_size);
  Generator& g = options.generator ? *options.generator : default_generator();
  weight_ih_ = register_parameter(
      "weight_ih", uniform_weights({hidden_size, input_size}, hidden_size, g, options.dtype));
  weight_hh_ = register_parameter(
      "weight_hh", uniform_weights({hidden_size, hidden_size}, hidden_size, g, options.dtype));
  if (options.bias) {
    bias_ih_ = register_parameter("bias_ih",
                                  uniform_weights({hidden_size}, hidden_size, g, options.dtype));
    bias_hh_ = register_parameter("bias_hh",
                                  uniform_weights({hidden_size}, hidden_size, g, options.dtype));
  }
}

Variable RNN::forward(const Variable& x) {
  check_input(x, input_size_);
  if (h_.defined() && h_.shape()[0] != x.shape()[0]) {
    throw ShapeError("a batch of " + std::to_string(x.shape()[0]) + " after a state of " +
                     std::to_string(h_.shape()[0]) + " (reset_state() first)");
  }
  h_ = tanh(gates(x, h_, weight_ih_, weight_hh_, bias_ih_, bias_hh_));
  return h_;
}

void RNN::unchain() {
  if (h_.defined()) h_ = h_.detach();
}

LSTM::LSTM(std::int64_t input_size, std::int64_t hidden_size, const RecurrentOptions& options)
    : Module("LSTM"), input_size_(input_size), hidden_size_(hidden_size) {
  check_sizes("LSTM", input_size, hidden_size);
  Generator& g = options.generator ? *options.generator : default_generator();
  const std::int64_t four = 4 * hidden_size;
  weight_ih_ = register_parameter(
      "weight_ih", uniform_weights({four, input_size}, hidden_size, g, options.dtype));
  weight_hh_ = register_parameter(
      "weight_hh", uniform_weights({four, hidden_size}, hidden_size, g, options.dtype));
  if (options.bias) {
    bias_ih_ =
        register_parameter("bias_ih", uniform_weights({four}, hidden_size, g, options.dtype));
    bias_hh_ =
        register_parameter("bias_hh", uniform_weights({four}, hidden_size, g, options.dtype));
  }
}

Variable LSTM::forward(const Variable& x) {
  check_input(x, input_size_);
  if (h_.defined() && h_.shape()[0] != x.shape()[0]) {
    throw ShapeError("a batch of " + std::to_string(x.shape()[0]) + " after a state of " +
                     std::to_string(h_.shape()[0]) + " (reset_state() first)");
  }
  const Variable z = gates(x, h_, weight_ih_, weight_hh_, bias_ih_, bias_hh_);
  const std::int64_t H = hidden_size_;
  const auto part = [&](std::int64_t k) {
    return get_item(z, {Slice{}, Slice{k * H, (k + 1) * H}});
  };
  const Variable i = sigmoid(part(0)), f = sigmoid(part(1)), g = tanh(part(2)),
                 o = sigmoid(part(3));
  c_ = c_.defined() ? f * c_ + i * g : i * g;
  h_ = o * tanh(c_);
  return h_;
}

void LSTM::unchain() {
  if (h_.defined()) h_ = h_.detach();
  if (c_.defined()) c_ = c_.detach();
}

}  // namespace nabla::nn
