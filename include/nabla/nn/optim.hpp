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
//   AdaGrad g <- g + wd p,   lr_t = lr / (1 + (t - 1) lr_decay)
//          s <- s + g^2  (s starts at initial_accumulator_value)
//          p <- p - lr_t g / (sqrt(s) + eps)
//   RMSprop g <- g + wd p,   v <- alpha v + (1 - alpha) g^2,   v~ = v
//          centered: a <- alpha a + (1 - alpha) g,   v~ = v - a^2
//          with momentum mu: b <- mu b + g / (sqrt(v~) + eps),   p <- p - lr b
//          without:          p <- p - lr g / (sqrt(v~) + eps)
//   AdaDelta g <- g + wd p,  v <- rho v + (1 - rho) g^2
//          d = sqrt(u + eps) / sqrt(v + eps) g,   u <- rho u + (1 - rho) d^2
//          p <- p - lr d
//
// eps is added after the bias correction of v, as PyTorch does (DeZero, after Kingma and Ba's
// efficient form, adds it to sqrt(v) before: the two differ while v is small). The defaults are
// PyTorch's: Adam lr 1e-3, betas (0.9, 0.999), eps 1e-8; AdamW's weight decay 1e-2; AdaGrad
// lr 1e-2, eps 1e-10; RMSprop lr 1e-2, alpha 0.99, eps 1e-8; AdaDelta lr 1, rho 0.9, eps 1e-6.
// DeZero's AdaGrad and AdaDelta add eps inside differently (AdaGrad: sqrt(s) + 1e-8; AdaDelta
// the same as here but with eps 1e-6 and no learning rate); nabla follows PyTorch.
//
// Checkpoints: state_dict() gives every number an optimizer holds, as NamedTensors that
// save_safetensors writes (0-d float64 tensors hold the counts and learning rates, exactly):
//
//   step                  the number of step() calls
//   group.<i>.lr          group i's learning rate now (a schedule changes it),
//   group.<i>.initial_lr  the one it was built with, and group.<i>.weight_decay
//   <i>.<j>.step          the steps parameter j of group i has taken (absent: none yet)
//   <i>.<j>.<name>        its state tensors, by PyTorch's names (exp_avg, exp_avg_sq,
//                         momentum_buffer, sum, square_avg, grad_avg, acc_delta)
//
// load_state_dict(state) into an optimizer built the same way (same groups, same parameter
// shapes) checks every name and shape before it changes anything (std::invalid_argument names
// what is missing, unexpected or misshapen), and training then continues bit for bit as if it
// had never stopped.
//
// A parameter without a gradient (grad() undefined) is skipped, its state untouched. Parameter
// groups carry their own learning rate and weight decay (no decay on biases, say). A list
// with no parameter, a parameter listed twice, a negative learning rate, momentum, weight decay
// or eps, or betas outside [0, 1), is refused at construction (std::invalid_argument).
#pragma once

#include <cstdint>
#include <optional>
#include <vector>

#include <string>

#include "nabla/nn/module.hpp"
#include "nabla/nn/safetensors.hpp"
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
  // The learning rate the group was built with: what schedules scale.
  double initial_lr(std::size_t group = 0) const { return groups_.at(group).initial_lr; }
  void set_lr(double lr);  // every group's (what a schedule does)
  void set_lr(std::size_t group, double lr);
  std::int64_t steps() const { return steps_; }

  // Everything needed to resume (see the header's comment), and its restoration.
  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state);

 protected:
  struct Group {
    std::vector<Parameter> params;
    double lr;
    double weight_decay;
    double initial_lr;
  };
  // state_names: the names of each parameter's state tensors, as state_dict writes them.
  Optimizer(std::vector<ParamGroup> groups, double lr, double weight_decay,
            std::vector<std::string> state_names);
  // The update of one parameter (data and grad of one dtype and shape), with its state tensors
  // (one per state name, zeros of p's shape at first) and t, the step number from 1.
  virtual void update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state,
                      const Group& group, std::int64_t t) = 0;

 private:
  std::vector<Group> groups_;
  std::vector<std::vector<std::vector<Tensor>>> state_;  // [group][parameter][k]
  std::vector<std::vector<std::int64_t>> counts_;        // steps each parameter has taken
  std::int64_t steps_ = 0;
  std::vector<std::string> state_names_;
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

struct AdaGradOptions {
  double lr = 1e-2;
  double lr_decay = 0;
  double weight_decay = 0;
  double initial_accumulator_value = 0;
  double eps = 1e-10;
};

class AdaGrad : public Optimizer {
 public:
  AdaGrad(std::vector<Parameter> params, const AdaGradOptions& options = {});
  AdaGrad(std::vector<ParamGroup> groups, const AdaGradOptions& options = {});

 private:
  void update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state, const Group& group,
              std::int64_t t) override;
  AdaGradOptions options_;
};

struct RMSpropOptions {
  double lr = 1e-2;
  double alpha = 0.99;
  double eps = 1e-8;
  double weight_decay = 0;
  double momentum = 0;
  bool centered = false;
};

class RMSprop : public Optimizer {
 public:
  RMSprop(std::vector<Parameter> params, const RMSpropOptions& options = {});
  RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options = {});

 private:
  void update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state, const Group& group,
              std::int64_t t) override;
  RMSpropOptions options_;
};

struct AdaDeltaOptions {
  double lr = 1.0;
  double rho = 0.9;
  double eps = 1e-6;
  double weight_decay = 0;
};

class AdaDelta : public Optimizer {
 public:
  AdaDelta(std::vector<Parameter> params, const AdaDeltaOptions& options = {});
  AdaDelta(std::vector<ParamGroup> groups, const AdaDeltaOptions& options = {});

 private:
  void update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state, const Group& group,
              std::int64_t t) override;
  AdaDeltaOptions options_;
};

// Scales every gradient by min(1, max_norm / (norm + 1e-6)), norm the 2-norm of all gradients
// together (torch.nn.utils.clip_grad_norm_); returns that norm, before clipping.
double clip_grad_norm(const std::vector<Parameter>& params, double max_norm);

}  // namespace nabla::nn
