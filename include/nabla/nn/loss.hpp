// Losses, as PyTorch defines them (torch.nn.functional), on Variables: every one is built from
// Variable operations, so its gradient (with respect to the logits, and to the targets where
// they are numbers) differentiates again.
//
// Cross-entropy of logits x (N, C) (or (N, C, d1, ...), one label per position) with class
// labels y, class weights w (ones by default) and label smoothing ε:
//
//   log p = log_softmax(x) along C
//   ℓ_n = (1 - ε) · (-w[y_n] log p[n, y_n])  +  (ε / C) · Σ_c (-w_c log p[n, c])
//   mean:  Σ_n ℓ_n / Σ_n w[y_n]       sum: Σ_n ℓ_n       none: ℓ_n, of shape (N, d1, ...)
//
// The weighted mean divides by the weights of the targets, not by N (PyTorch's rule, which
// makes the mean a weighted average of the rows' losses), and the smoothing term shares that
// denominator. A label equal to ignore_index (-100) contributes nothing, to either sum. The
// smoothing spreads ε over all C classes, the target's included, as PyTorch does (some texts
// spread it over the C - 1 others).
//
// nll_loss takes log-probabilities instead of logits (the first term alone, ε = 0).
// mse_loss is mean((a - b)²) over every element (PyTorch's 'mean': not per row).
// binary_cross_entropy_with_logits, for logits x and targets y of one shape, pos_weight p (one
// per class, broadcast along the last axis; 1 without one) and weight w (broadcast):
//
//   ℓ = w · [ (1 - y) x + (1 + (p - 1) y) · softplus(-x) ],   softplus(-x) = -log σ(x)
//
// with log σ computed as min(x, 0) - log1p(exp(-|x|)): finite values and gradients at any
// logit (±100, ±1000), where log(σ(x)) would take the log of 0.
//
// Labels are integral numbers, in a Tensor (a float64 label tensor, as the loaders give) or a
// vector; a label outside [0, C) that is not ignore_index is a ShapeError, as are mismatched
// shapes.
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/tensor/variable.hpp"

namespace nabla::nn {

enum class Reduction { mean, sum, none };

struct CrossEntropyOptions {
  Tensor weight = {};  // (C) class weights; undefined: ones
  double label_smoothing = 0;
  Reduction reduction = Reduction::mean;
  std::int64_t ignore_index = -100;
};

struct NllLossOptions {
  Tensor weight = {};
  Reduction reduction = Reduction::mean;
  std::int64_t ignore_index = -100;
};

struct BceWithLogitsOptions {
  Tensor weight = {};      // broadcast to the logits' shape; undefined: ones
  Tensor pos_weight = {};  // (C), weighting the positive targets; undefined: ones
  Reduction reduction = Reduction::mean;
};

Variable cross_entropy(const Variable& logits, const Tensor& labels,
                       const CrossEntropyOptions& options = {});
Variable cross_entropy(const Variable& logits, const std::vector<std::int64_t>& labels,
                       const CrossEntropyOptions& options = {});
Variable nll_loss(const Variable& log_probabilities, const Tensor& labels,
                  const NllLossOptions& options = {});
Variable mse_loss(const Variable& input, const Variable& target,
                  Reduction reduction = Reduction::mean);
Variable binary_cross_entropy_with_logits(const Variable& logits, const Variable& targets,
                                          const BceWithLogitsOptions& options = {});

// The losses as objects holding their options, PyTorch's nn.CrossEntropyLoss and friends.
// They are not Modules (a Module's forward takes one input; a loss takes two).
struct CrossEntropyLoss {
  CrossEntropyOptions options = {};
  Variable operator()(const Variable& logits, const Tensor& labels) const {
    return cross_entropy(logits, labels, options);
  }
};

struct NLLLoss {
  NllLossOptions options = {};
  Variable operator()(const Variable& log_probabilities, const Tensor& labels) const {
    return nll_loss(log_probabilities, labels, options);
  }
};

struct MSELoss {
  Reduction reduction = Reduction::mean;
  Variable operator()(const Variable& input, const Variable& target) const {
    return mse_loss(input, target, reduction);
  }
};

struct BCEWithLogitsLoss {
  BceWithLogitsOptions options = {};
  Variable operator()(const Variable& logits, const Variable& targets) const {
    return binary_cross_entropy_with_logits(logits, targets, options);
  }
};

}  // namespace nabla::nn
