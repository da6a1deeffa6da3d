#include "nabla/nn/recurrent.hpp"

#include <Eigen/Core>
#include <cmath>
#include <memory>
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
  if (h.defined()) z = z + matmul(h, weight_hh, false, true);
  // The two biases added to each other first: one pass over the batch instead of two.
  if (bias_ih.defined() && bias_hh.defined()) return z + (bias_ih + bias_hh);
  if (bias_ih.defined()) return z + bias_ih;
  if (bias_hh.defined()) return z + bias_hh;
  return z;
}

// The LSTM cell after its two products, as one operation: from the gate sums z (N, 4H) and the
// cell state c (N, H), if there is one, to the new (h, c). Composed of slices, sigmoids, tanhs
// and products it would be fifteen operations, each a pass over memory and a buffer; here it is
// one pass forward and one backward, over Eigen's vectorised sigmoid and tanh. Backward with
// create_graph is the same formula in Variable operations, so it can be differentiated again.
//
// With i, f, g, o the activated gates and t = tanh(c'), the gradients from h̄ and c̄' are
//   c̃ = c̄' + h̄ o (1 - t²)      ō = h̄ t      ī = c̃ g      ḡ = c̃ i      f̄ = c̃ c      c̄ = c̃ f
// and each gate's z̄ is its ī, f̄, ḡ, ō times its activation's derivative: s (1 - s) for the
// sigmoids, 1 - g² for the tanh.
class LstmCell : public Function {
 public:
  std::string_view name() const override { return "lstm_cell"; }

  std::vector<Tensor> forward(const std::vector<Tensor>& inputs) override {
    const Tensor& z = inputs[0];
    const std::int64_t n = z.shape()[0], hidden = z.shape()[1] / 4;
    activated_ = Tensor::empty(z.shape(), z.dtype());
    tanh_c_ = Tensor::empty({n, hidden}, z.dtype());
    Tensor h = Tensor::empty({n, hidden}, z.dtype());
    Tensor c = Tensor::empty({n, hidden}, z.dtype());
    const Tensor* previous = inputs.size() > 1 ? &inputs[1] : nullptr;
    if (z.dtype() == DType::float32) {
      run_forward<float>(z, previous, h, c, n, hidden);
    } else {
      run_forward<double>(z, previous, h, c, n, hidden);
    }
    return {std::move(h), std::move(c)};
  }

  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    if (is_grad_enabled()) return differentiable_backward(gy);
    const Tensor& h_grad = gy[0].data();
    const Tensor& c_grad = gy[1].data();
    const bool has_previous = num_inputs() > 1;
    const std::int64_t n = activated_.shape()[0], hidden = activated_.shape()[1] / 4;
    Tensor z_grad = Tensor::empty(activated_.shape(), activated_.dtype());
    Tensor previous_grad;
    Tensor previous;
    if (has_previous) {
      previous = input(1).data();
      previous_grad = Tensor::empty({n, hidden}, activated_.dtype());
    }
    if (activated_.dtype() == DType::float32) {
      run_backward<float>(h_grad, c_grad, previous, z_grad, previous_grad, n, hidden);
    } else {
      run_backward<double>(h_grad, c_grad, previous, z_grad, previous_grad, n, hidden);
    }
    if (!has_previous) return {Variable(std::move(z_grad))};
    return {Variable(std::move(z_grad)), Variable(std::move(previous_grad))};
  }

 private:
  template <class T>
  using Row = Eigen::Map<Eigen::Array<T, Eigen::Dynamic, 1>>;
  template <class T>
  using ConstRow = Eigen::Map<const Eigen::Array<T, Eigen::Dynamic, 1>>;

  template <class T>
  void run_forward(const Tensor& z, const Tensor* previous, Tensor& h, Tensor& c, std::int64_t n,
                   std::int64_t hidden) {
    const T* z_data = z.data<T>();
    T* a = activated_.mutable_data<T>();
    T* t = tanh_c_.mutable_data<T>();
    T* h_data = h.mutable_data<T>();
    T* c_data = c.mutable_data<T>();
    const auto H = static_cast<Eigen::Index>(hidden);
    for (std::int64_t row = 0; row < n; ++row) {
      const T* zr = z_data + row * 4 * hidden;
      T* ar = a + row * 4 * hidden;
      Row<T> i(ar, H), f(ar + H, H), g(ar + 2 * H, H), o(ar + 3 * H, H);
      i = ConstRow<T>(zr, H).logistic();
      f = ConstRow<T>(zr + H, H).logistic();
      g = ConstRow<T>(zr + 2 * H, H).tanh();
      o = ConstRow<T>(zr + 3 * H, H).logistic();
      Row<T> cr(c_data + row * hidden, H), tr(t + row * hidden, H);
      if (previous) {
        cr = f * ConstRow<T>(previous->data<T>() + row * hidden, H) + i * g;
      } else {
        cr = i * g;
      }
      tr = cr.tanh();
      Row<T>(h_data + row * hidden, H) = o * tr;
    }
  }

  template <class T>
  void run_backward(const Tensor& h_grad, const Tensor& c_grad, const Tensor& previous,
                    Tensor& z_grad, Tensor& previous_grad, std::int64_t n, std::int64_t hidden) {
    const T* a = activated_.data<T>();
    const T* t = tanh_c_.data<T>();
    T* zg = z_grad.mutable_data<T>();
    const auto H = static_cast<Eigen::Index>(hidden);
    Eigen::Array<T, Eigen::Dynamic, 1> total(H);
    for (std::int64_t row = 0; row < n; ++row) {
      const T* ar = a + row * 4 * hidden;
      ConstRow<T> i(ar, H), f(ar + H, H), g(ar + 2 * H, H), o(ar + 3 * H, H);
      ConstRow<T> tr(t + row * hidden, H);
      ConstRow<T> hg(h_grad.data<T>() + row * hidden, H), cg(c_grad.data<T>() + row * hidden, H);
      T* zr = zg + row * 4 * hidden;
      total = cg + hg * o * (1 - tr.square());
      Row<T>(zr, H) = total * g * i * (1 - i);
      if (previous.defined()) {
        Row<T>(zr + H, H) = total * ConstRow<T>(previous.data<T>() + row * hidden, H) * f * (1 - f);
        Row<T>(previous_grad.mutable_data<T>() + row * hidden, H) = total * f;
      } else {
        Row<T>(zr + H, H).setZero();
      }
      Row<T>(zr + 2 * H, H) = total * i * (1 - g.square());
      Row<T>(zr + 3 * H, H) = hg * tr * o * (1 - o);
    }
  }

  std::vector<Variable> differentiable_backward(const std::vector<Variable>& gy) {
    const Variable z = input(0);
    const std::int64_t hidden = z.shape()[1] / 4;
    const auto part = [&](std::int64_t k) {
      return get_item(z, {Slice{}, Slice{k * hidden, (k + 1) * hidden}});
    };
    const Variable i = sigmoid(part(0)), f = sigmoid(part(1)), g = tanh(part(2)),
                   o = sigmoid(part(3));
    const bool has_previous = num_inputs() > 1;
    const Variable c = has_previous ? f * input(1) + i * g : i * g;
    const Variable t = tanh(c);
    const Variable total = gy[1] + gy[0] * o * (1.0 - t * t);
    const Variable zero_f = has_previous ? total * input(1) * f * (1.0 - f) : 0.0 * f;
    const Variable z_grad = concat(
        {total * g * i * (1.0 - i), zero_f, total * i * (1.0 - g * g), gy[0] * t * o * (1.0 - o)},
        1);
    if (!has_previous) return {z_grad};
    return {z_grad, total * f};
  }

  Tensor activated_;  // (N, 4H): i, f, g, o
  Tensor tanh_c_;     // (N, H)
};

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
  if (c_.defined() && c_.dtype() != z.dtype()) c_ = astype(c_, z.dtype());
  const std::vector<Variable> state = c_.defined() ? call<LstmCell>({z, c_}) : call<LstmCell>({z});
  h_ = state[0];
  c_ = state[1];
  return h_;
}

void LSTM::unchain() {
  if (h_.defined()) h_ = h_.detach();
  if (c_.defined()) c_ = c_.detach();
}

}  // namespace nabla::nn
