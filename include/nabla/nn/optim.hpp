// Optimizers: each step updates the parameters in place from their grad(), exactly as PyTorch
// documents the update (torch.optim), with per-parameter state.
//
// For a parameter p with gradient g at step t (from 1), learning rate lr, weight decay wd:
//
//   SGD    g <- g + wd p
//          with momentum mu: b <- g at t = 1, else b <- mu b + (1 - dampening) g;
//          g <- g + mu b (Nesterov) or g <- b
//          p <- p - lr g
//   Adam   g <- g + wd p                                   (L2, added to the gradient)
//          m <- b1 m + (1 - b1) g,   v <- b2 v + (1 - b2) g^2
//          p <- p - lr (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)
//   AdamW  p <- p - lr wd p                                 (decoupled, before the Adam step)
//          then Adam's update without the L2 term
//
// eps is added after the bias correction of v, as PyTorch does (DeZero, after Kingma and Ba's
// efficient form, adds it to sqrt(v) before: the two differ while v is small). The defaults are
// PyTorch's: Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8; AdamW's weight decay 1e-2.
//
// A parameter without a gradient (grad() undefined) is skipped, its state untouched. Parameter
// groups carry their own learning rate and weight decay (no decay on biases, say). A list
// with no parameter, a parameter listed twice, a negative learning rate, momentum, weight decay
// or eps, or betas outside [0, 1), is refused at construction (std::invalid_argument).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include "nabla/nn/module.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla::nn {

// Parameters with their own settings; an unset one is the optimizer's.
struct ParamGroup {
  std::vector<Parameter> params = {};
  std::optional<double> lr = std::nullopt;
  std::optional<double> weight_decay = std::nullopt;
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  // One update of every parameter that has a gradient.
  void step();
  // Every parameter's grad() becomes undefined.
  void zero_grad();

  std::size_t group_count() const { return groups_.size(); }
  const std::vector<Parameter>& params(std::size_t group) const { return groups_.at(group).params; }
  double lr(std::size_t group = 0) const { return groups_.at(group).lr; }
  void set_lr(double lr);  // every group's (what a schedule does)
  void set_lr(std::size_t group, double lr);
  std::int64_t steps() const { return steps_; }

 protected:
  struct Group {
    std::vector<Parameter> params;
    double lr;
    double weight_decay;
  };
  Optimizer(std::vector<ParamGroup> groups, double lr, double weight_decay, int state_count);
  // The update of one parameter (data and grad of one dtype and shape), with its state tensors
  // (state_count of them, zeros of p's shape at first) and t, the step number from 1.
  virtual void update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state,
                      const Group& group, std::int64_t t) = 0;

 private:
  std::vector<Group> groups_;
  std::vector<std::vector<std::vector<Tensor>>> state_;  // [group][parameter][k]
  std::vector<std::vector<std::int64_t>> counts_;        // steps each parameter has taken
  std::int64_t steps_ = 0;
  int state_count_;
};

struct SGDOptions {
  double lr = 1e-2;
  double momentum = 0;
  double dampening = 0;
  double weight_decay = 0;
  bool nesterov = false;
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<Parameter> params, const SGDOptions& options = {});
  SGD(std::vector<ParamGroup> groups, const SGDOptions& options = {});

 private:
  void update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state, const Group& group,
              std::int64_t t) override;
  SGDOptions options_;
};

struct AdamOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
  double weight_decay = 0;  // L2 for Adam; AdamW's decoupled decay (its default: 1e-2)
};

class Adam : public Optimizer {
 public:
  Adam(std::vector<Parameter> params, const AdamOptions& options = {});
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options = {});

 protected:
  Adam(std::vector<ParamGroup> groups, const AdamOptions& options, bool decoupled);

 private:
  void update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state, const Group& group,
              std::int64_t t) override;
  AdamOptions options_;
  bool decoupled_;
};

class AdamW : public Adam {
 public:
  AdamW(std::vector<Parameter> params, AdamOptions options = {.weight_decay = 1e-2});
  AdamW(std::vector<ParamGroup> groups, AdamOptions options = {.weight_decay = 1e-2});
};

// Scales every gradient by min(1, max_norm / (norm + 1e-6)), norm the 2-norm of all gradients
// together (torch.nn.utils.clip_grad_norm_); returns that norm, before clipping.
double clip_grad_norm(const std::vector<Parameter>& params, double max_norm);

}  // namespace nabla::nn
