// Activations beyond the tensor module's relu, sigmoid and tanh, as functions on Variables and as
// modules:
//
//   leaky_relu(x) = x for x > 0, else a x          (a = negative_slope, 0.01 as PyTorch)
//   gelu(x)       = x Φ(x) = x (1 + erf(x / √2)) / 2          (exact, PyTorch's default)
//                 ≈ x (1 + tanh(√(2/π) (x + 0.044715 x³))) / 2  (approximate = tanh)
//   erf'(x)       = 2/√π exp(-x²)
//
// Every one is built from Variable operations (erf is one Function whose backward is again
// Variable operations), so each differentiates any number of times. leaky_relu'(0) = a, as
// PyTorch's. Softmax and LogSoftmax take the axis they normalise along: PyTorch's dim is
// explicit, DeZero's softmax defaults to axis 1; here the module's axis has no default to
// guess, the functions softmax and log_softmax default to -1 (the last axis).
#pragma once

#include <memory>
#include <string>

#include "nabla/nn/module.hpp"
#include "nabla/tensor/variable.hpp"

namespace nabla::nn {

Variable erf(const Variable& x);
Variable leaky_relu(const Variable& x, double negative_slope = 0.01);
enum class GeluApproximation { none, tanh };
Variable gelu(const Variable& x, GeluApproximation approximate = GeluApproximation::none);
// log σ(x) = -log(1 + exp(-x)), computed without overflow at any x; its derivative σ(-x).
Variable log_sigmoid(const Variable& x);

class LeakyReLU : public Module {
 public:
  explicit LeakyReLU(double negative_slope = 0.01)
      : Module("LeakyReLU"), negative_slope_(negative_slope) {}
  Variable forward(const Variable& x) override { return leaky_relu(x, negative_slope_); }
  double negative_slope() const { return negative_slope_; }

 private:
  double negative_slope_;
};

class GELU : public Module {
 public:
  explicit GELU(GeluApproximation approximate = GeluApproximation::none)
      : Module("GELU"), approximate_(approximate) {}
  Variable forward(const Variable& x) override { return gelu(x, approximate_); }

 private:
  GeluApproximation approximate_;
};

class Softmax : public Module {
 public:
  explicit Softmax(int axis) : Module("Softmax"), axis_(axis) {}
  Variable forward(const Variable& x) override { return softmax(x, axis_); }

 private:
  int axis_;
};

class LogSoftmax : public Module {
 public:
  explicit LogSoftmax(int axis) : Module("LogSoftmax"), axis_(axis) {}
  Variable forward(const Variable& x) override { return log_softmax(x, axis_); }

 private:
  int axis_;
};

}  // namespace nabla::nn
