// Normalisation layers: batch norm over the batch, layer norm over each example.
//
// Batch norm (Ioffe and Szegedy), for x of shape (N, C, ...), per channel c over the batch and
// every position (the axes other than 1, n numbers each):
//
//   μ = mean(x),   σ² = mean((x - μ)²)                 (biased: divide by n)
//   y = (x - μ) / √(σ² + eps) · γ + β                   (γ weight, β bias: ones and zeros)
//
// In training the batch's μ, σ² normalise, and the running statistics move towards them:
//
//   running_mean ← (1 - m) running_mean + m μ
//   running_var  ← (1 - m) running_var  + m σ² n / (n - 1)   (unbiased, as PyTorch)
//   num_batches_tracked ← num_batches_tracked + 1
//
// with m = momentum, or 1 / num_batches_tracked (a cumulative average) when momentum is unset.
// In evaluation the running statistics normalise instead. The defaults are PyTorch's:
// momentum 0.1, eps 1e-5. DeZero's BatchNorm keeps the running statistics the other way round
// (avg ← decay avg + (1 - decay) μ with decay = 0.9, i.e. m = 0.1 too), and its eps is 2e-5:
// nabla follows PyTorch, in the momentum's sense, eps and the unbiased running variance, so
// that a state_dict means the same in torch.nn.BatchNorm*. The buffers are running_mean (C),
// running_var (C) and num_batches_tracked (a 0-d float64 count: the model files hold floats).
//
// A layer is in training when the module is (train()/eval()) and the thread's training flag
// is on (nabla::evaluation_mode turns every layer to inference). Training on one number per
// channel (N = 1 of (N, C)) has no variance and is refused (ShapeError), as PyTorch does.
//
// Layer norm normalises each example over its last D axes, normalized_shape (D axes), with the
// biased variance, and has elementwise γ, β of normalized_shape: no running statistics, the
// same in training and in evaluation.
//
// Both are compositions of Variable operations, so their gradients (with respect to x, γ, β,
// through μ and σ² in training) differentiate again.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "nabla/nn/module.hpp"

namespace nabla::nn {

// The layers' computations as functions, for x (N, C, ...): batch norm with the batch's own
// statistics (training, without running statistics), γ and β of shape (C) or undefined (none);
// layer norm over the last axes of x, which must equal normalized_shape, γ and β of that shape
// or undefined.
Variable batch_norm(const Variable& x, const Variable& weight = {}, const Variable& bias = {},
                    double eps = 1e-5);
Variable layer_norm(const Variable& x, const Shape& normalized_shape, const Variable& weight = {},
                    const Variable& bias = {}, double eps = 1e-5);

struct BatchNormOptions {
  double eps = 1e-5;
  std::optional<double> momentum = 0.1;  // nullopt: the cumulative average
  bool affine = true;                    // learn γ (weight) and β (bias)
  bool track_running_stats = true;       // false: batch statistics in evaluation too
  DType dtype = DType::float32;
};

// The shared code of BatchNorm1d and BatchNorm2d, which differ in the inputs they accept.
class BatchNorm : public Module {
 public:
  Variable forward(const Variable& x) override;
  std::int64_t num_features() const { return num_features_; }
  const Parameter& weight() const { return weight_; }  // undefined without affine
  const Parameter& bias() const { return bias_; }
  const Tensor& running_mean() { return buffer("running_mean"); }
  const Tensor& running_var() { return buffer("running_var"); }
  std::int64_t num_batches_tracked();

 protected:
  BatchNorm(std::string type_name, std::int64_t num_features, const BatchNormOptions& options,
            std::vector<int> ranks, std::string expected);

 private:
  std::int64_t num_features_;
  BatchNormOptions options_;
  std::vector<int> ranks_;  // the numbers of axes accepted
  std::string expected_;    // "(N, C) or (N, C, L)", for messages
  Parameter weight_;
  Parameter bias_;
};

// x of shape (N, C) or (N, C, L).
class BatchNorm1d : public BatchNorm {
 public:
  explicit BatchNorm1d(std::int64_t num_features, const BatchNormOptions& options = {});
};

// x of shape (N, C, H, W).
class BatchNorm2d : public BatchNorm {
 public:
  explicit BatchNorm2d(std::int64_t num_features, const BatchNormOptions& options = {});
};

struct LayerNormOptions {
  double eps = 1e-5;
  bool elementwise_affine = true;
  DType dtype = DType::float32;
};

class LayerNorm : public Module {
 public:
  explicit LayerNorm(Shape normalized_shape, const LayerNormOptions& options = {});
  Variable forward(const Variable& x) override;
  const Shape& normalized_shape() const { return normalized_shape_; }
  const Parameter& weight() const { return weight_; }
  const Parameter& bias() const { return bias_; }

 private:
  Shape normalized_shape_;
  LayerNormOptions options_;
  Parameter weight_;
  Parameter bias_;
};

}  // namespace nabla::nn
