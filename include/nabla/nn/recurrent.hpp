// Recurrent layers, DeZero's way: a module that keeps its hidden state between calls, one time
// step per call, so that a training loop feeds a sequence step by step and cuts the graph when
// it likes (truncated backpropagation through time):
//
//     nabla::nn::LSTM lstm(1, 100);
//     for (std::size_t t = 0; t < xs.size(); ++t) {
//       loss = loss + mse_loss(head(lstm(xs[t])), ys[t]);
//       if ((t + 1) % 30 == 0) { loss.backward(); lstm.unchain(); optimizer.step(); ... }
//     }
//
// The weights are PyTorch's RNNCell and LSTMCell ones, with their names and layout:
//   RNN    h' = tanh(x W_ih^T + b_ih + h W_hh^T + b_hh)
//   LSTM   (i, f, g, o) = split(x W_ih^T + b_ih + h W_hh^T + b_hh) in four, in that order
//          i, f, o = sigmoid(...), g = tanh(...)
//          c' = f c + i g,   h' = o tanh(c')
// weight_ih (G H, in), weight_hh (G H, H), biases (G H), G = 1 for RNN and 4 for LSTM, every one
// drawn from U(-1/sqrt(H), 1/sqrt(H)) as PyTorch does. The state starts at zero, as PyTorch's
// default h0 and c0 (the first step adds b_hh but skips the product with a zero h), and keeps
// the batch size it first met;
// reset_state() forgets it, unchain() keeps its value but cuts the graph behind it.
#pragma once

#include <cstdint>

#include "nabla/nn/layers.hpp"
#include "nabla/nn/module.hpp"

namespace nabla::nn {

struct RecurrentOptions {
  bool bias = true;
  DType dtype = DType::float32;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

class RNN : public Module {
 public:
  RNN(std::int64_t input_size, std::int64_t hidden_size, const RecurrentOptions& options = {});
  // One step: x (N, input_size) to the new hidden state (N, hidden_size).
  Variable forward(const Variable& x) override;
  void reset_state() { h_ = Variable(); }
  void unchain();
  const Variable& hidden() const { return h_; }

 private:
  std::int64_t input_size_, hidden_size_;
  Parameter weight_ih_, weight_hh_, bias_ih_, bias_hh_;
  Variable h_;
};

class LSTM : public Module {
 public:
  LSTM(std::int64_t input_size, std::int64_t hidden_size, const RecurrentOptions& options = {});
  Variable forward(const Variable& x) override;  // returns the new h
  void reset_state() { h_ = c_ = Variable(); }
  void unchain();
  const Variable& hidden() const { return h_; }
  const Variable& cell() const { return c_; }

 private:
  std::int64_t input_size_, hidden_size_;
  Parameter weight_ih_, weight_hh_, bias_ih_, bias_hh_;
  Variable h_, c_;
};

}  // namespace nabla::nn
