// Learning-rate schedules: each step() advances an epoch counter e and sets every group's
// learning rate from the group's initial one (Optimizer::initial_lr, PyTorch's initial_lr) by
// a closed form, PyTorch's (torch.optim.lr_scheduler), with base the initial rate:
//
//   StepLR             base · gamma^floor(e / step_size)
//   CosineAnnealingLR  eta_min + (base - eta_min) (1 + cos(π e / T_max)) / 2
//   LinearLR           base · (start + (end - start) min(e, total_iters) / total_iters)
//   SequentialLR       schedule k from milestone k on, its epochs counted from the milestone:
//                      warm-up then cosine is SequentialLR({warmup, cosine}, {warmup_epochs})
//
// Constructing a schedule sets the rates for e = 0 (LinearLR starts at base · start at once,
// as PyTorch's does). PyTorch computes most of these recursively from the previous rate
// (get_lr), which agrees with its closed form (_get_closed_form_lr) up to rounding; nabla
// always evaluates the closed form, so a rate never drifts and a resumed run computes the same
// numbers as an uninterrupted one. The usual loop:
//
//     nabla::nn::CosineAnnealingLR schedule(optimizer, {.T_max = 100});
//     for (int epoch = 0; epoch < 100; ++epoch) { ...train one epoch...; schedule.step(); }
//
// state_dict() holds last_epoch and the base rates (0-d float64 tensors, named "last_epoch"
// and "base_lr.<group>"); load_state_dict restores them and sets the rates they imply.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nabla/nn/optim.hpp"
#include "nabla/nn/safetensors.hpp"

namespace nabla::nn {

class LRScheduler {
 public:
  virtual ~LRScheduler() = default;
  LRScheduler(const LRScheduler&) = delete;
  LRScheduler& operator=(const LRScheduler&) = delete;

  // One epoch more: the optimizer's rates become lr_at(last_epoch() + 1, base) for each group.
  void step();
  std::int64_t last_epoch() const { return last_epoch_; }
  // The schedule's closed form: the rate at epoch `epoch` for a group whose initial rate is base.
  virtual double lr_at(std::int64_t epoch, double base) const = 0;

  NamedTensors state_dict() const;
  void load_state_dict(const NamedTensors& state);  // std::invalid_argument on a mismatch

 protected:
  // Takes each group's initial rate as its base; the derived constructor calls apply().
  explicit LRScheduler(Optimizer& optimizer);
  void apply();  // sets the rates of last_epoch()

 private:
  Optimizer* optimizer_;
  std::vector<double> base_lrs_;
  std::int64_t last_epoch_ = 0;
};

struct StepLROptions {
  std::int64_t step_size = 1;  // > 0
  double gamma = 0.1;
};

class StepLR : public LRScheduler {
 public:
  StepLR(Optimizer& optimizer, const StepLROptions& options);
  double lr_at(std::int64_t epoch, double base) const override;

 private:
  StepLROptions options_;
};

struct CosineAnnealingLROptions {
  std::int64_t T_max = 1;  // > 0; PyTorch's name
  double eta_min = 0;
};

class CosineAnnealingLR : public LRScheduler {
 public:
  CosineAnnealingLR(Optimizer& optimizer, const CosineAnnealingLROptions& options);
  double lr_at(std::int64_t epoch, double base) const override;

 private:
  CosineAnnealingLROptions options_;
};

// PyTorch's LinearLR (a linear warm-up with its defaults start 1/3, end 1, 5 iterations).
struct LinearLROptions {
  double start_factor = 1.0 / 3;  // in (0, 1]
  double end_factor = 1.0;        // in [0, 1]
  std::int64_t total_iters = 5;   // > 0
};

class LinearLR : public LRScheduler {
 public:
  LinearLR(Optimizer& optimizer, const LinearLROptions& options = {});
  double lr_at(std::int64_t epoch, double base) const override;

 private:
  LinearLROptions options_;
};

// The schedules in turn: schedules[k] rules from milestones[k - 1] (0 for k = 0) on, with the
// epoch counted from there. Only their closed forms are used: step the SequentialLR, not them.
// Every schedule must drive `optimizer` (std::invalid_argument otherwise, and unless milestones has
// one entry fewer than schedules, increasing and > 0).
class SequentialLR : public LRScheduler {
 public:
  SequentialLR(Optimizer& optimizer, std::vector<std::shared_ptr<LRScheduler>> schedules,
               std::vector<std::int64_t> milestones);
  double lr_at(std::int64_t epoch, double base) const override;

 private:
  std::vector<std::shared_ptr<LRScheduler>> schedules_;
  std::vector<std::int64_t> milestones_;
};

}  // namespace nabla::nn
