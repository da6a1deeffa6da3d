// Layers: Linear and the activations as modules (the activations as functions are the tensor
// module's relu, sigmoid, tanh, softmax, log_softmax).
//
// Linear keeps PyTorch's layout, weight (out_features, in_features) and y = x W^T + b, so that a
// model file reads into torch.nn.Linear unchanged; the product reads W^T in place (no copy).
#pragma once

#include <cstdint>
#include <memory>

#include "nabla/nn/module.hpp"
#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

namespace nabla::nn {

struct LinearOptions {
  bool bias = true;
  DType dtype = DType::float32;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

// y = x W^T + b for x of shape (..., in_features); y has shape (..., out_features). Weight and
// bias start as PyTorch's (kaiming_uniform with a = sqrt(5), bias_uniform).
class Linear : public Module {
 public:
  Linear(std::int64_t in_features, std::int64_t out_features, const LinearOptions& options = {});
  Variable forward(const Variable& x) override;

  std::int64_t in_features() const { return in_features_; }
  std::int64_t out_features() const { return out_features_; }
  const Parameter& weight() const { return weight_; }
  const Parameter& bias() const { return bias_; }  // undefined without a bias

 private:
  std::int64_t in_features_;
  std::int64_t out_features_;
  Parameter weight_;
  Parameter bias_;
};

// (N, d1, d2, ...) to (N, d1 * d2 * ...).
class Flatten : public Module {
 public:
  Flatten() : Module("Flatten") {}
  Variable forward(const Variable& x) override;
};

class ReLU : public Module {
 public:
  ReLU() : Module("ReLU") {}
  Variable forward(const Variable& x) override { return relu(x); }
};

class Sigmoid : public Module {
 public:
  Sigmoid() : Module("Sigmoid") {}
  Variable forward(const Variable& x) override { return sigmoid(x); }
};

class Tanh : public Module {
 public:
  Tanh() : Module("Tanh") {}
  Variable forward(const Variable& x) override { return tanh(x); }
};

// The fraction of rows of logits (N, C) whose largest entry is at the row's label.
double accuracy(const Tensor& logits, const Tensor& labels);

}  // namespace nabla::nn
