#include "nabla/nn/schedule.hpp"

#include <algorithm>
#include <cmath>
#include <numbers>
#include <stdexcept>
#include <string>
#include <utility>

namespace nabla::nn {

namespace {

void require(bool condition, const std::string& message) {
  if (!condition) throw std::invalid_argument(message);
}

Tensor number(double value) { return Tensor(Shape{}, std::vector<double>{value}); }

}  // namespace

LRScheduler::LRScheduler(Optimizer& optimizer) : optimizer_(&optimizer) {
  for (std::size_t i = 0; i < optimizer.group_count(); ++i) {
    base_lrs_.push_back(optimizer.initial_lr(i));
  }
}

void LRScheduler::apply() {
  for (std::size_t i = 0; i < base_lrs_.size(); ++i) {
    optimizer_->set_lr(i, lr_at(last_epoch_, base_lrs_[i]));
  }
}

void LRScheduler::step() {
  ++last_epoch_;
  apply();
}

NamedTensors LRScheduler::state_dict() const {
  NamedTensors result{{"last_epoch", number(static_cast<double>(last_epoch_))}};
  for (std::size_t i = 0; i < base_lrs_.size(); ++i) {
    result.emplace_back("base_lr." + std::to_string(i), number(base_lrs_[i]));
  }
  return result;
}

void LRScheduler::load_state_dict(const NamedTensors& state) {
  require(state.size() == base_lrs_.size() + 1,
          "schedule state: expected last_epoch and " + std::to_string(base_lrs_.size()) +
              " base rates, got " + std::to_string(state.size()) + " tensors");
  std::vector<double> bases(base_lrs_.size());
  std::vector<bool> seen(base_lrs_.size());
  double epoch = -1;
  for (const auto& [name, tensor] : state) {
    require(tensor.ndim() == 0, "schedule state: '" + name + "' must be one number");
    if (name == "last_epoch") {
      epoch = tensor.item();
      continue;
    }
    bool known = false;
    for (std::size_t i = 0; i < bases.size(); ++i) {
      if (name == "base_lr." + std::to_string(i) && !seen[i]) {
        bases[i] = tensor.item();
        seen[i] = known = true;
      }
    }
    require(known, "schedule state: '" + name + "' is not a name of this schedule");
  }
  require(epoch >= 0 && std::floor(epoch) == epoch,
          "schedule state: last_epoch is missing or not a count");
  base_lrs_ = std::move(bases);
  last_epoch_ = static_cast<std::int64_t>(epoch);
  apply();
}

StepLR::StepLR(Optimizer& optimizer, const StepLROptions& options)
    : LRScheduler(optimizer), options_(options) {
  require(options.step_size > 0, "StepLR: step_size must be positive");
  apply();
}

double StepLR::lr_at(std::int64_t epoch, double base) const {
  return base * std::pow(options_.gamma, static_cast<double>(epoch / options_.step_size));
}

CosineAnnealingLR::CosineAnnealingLR(Optimizer& optimizer, const CosineAnnealingLROptions& options)
    : LRScheduler(optimizer), options_(options) {
  require(options.T_max > 0, "CosineAnnealingLR: T_max must be positive");
  apply();
}

double CosineAnnealingLR::lr_at(std::int64_t epoch, double base) const {
  const double phase =
      std::numbers::pi * static_cast<double>(epoch) / static_cast<double>(options_.T_max);
  return options_.eta_min + (base - options_.eta_min) * (1 + std::cos(phase)) / 2;
}

LinearLR::LinearLR(Optimizer& optimizer, const LinearLROptions& options)
    : LRScheduler(optimizer), options_(options) {
  require(options.start_factor > 0 && options.start_factor <= 1,
          "LinearLR: start_factor must be in (0, 1]");
  require(options.end_factor >= 0 && options.end_factor <= 1,
          "LinearLR: end_factor must be in [0, 1]");
  require(options.total_iters > 0, "LinearLR: total_iters must be positive");
  apply();
}

double LinearLR::lr_at(std::int64_t epoch, double base) const {
  const double progress = static_cast<double>(std::min(epoch, options_.total_iters)) /
                          static_cast<double>(options_.total_iters);
  return base * (options_.start_factor + (options_.end_factor - options_.start_factor) * progress);
}

SequentialLR::SequentialLR(Optimizer& optimizer,
                           std::vector<std::shared_ptr<LRScheduler>> schedules,
                           std::vector<std::int64_t> milestones)
    : LRScheduler(optimizer), schedules_(std::move(schedules)), milestones_(std::move(milestones)) {
  require(!schedules_.empty(), "SequentialLR: no schedules");
  require(milestones_.size() + 1 == schedules_.size(),
          "SequentialLR: " + std::to_string(schedules_.size()) + " schedules need " +
              std::to_string(schedules_.size() - 1) + " milestones, not " +
              std::to_string(milestones_.size()));
  for (const auto& s : schedules_) require(s != nullptr, "SequentialLR: a schedule is null");
  for (std::size_t k = 0; k < milestones_.size(); ++k) {
    require(milestones_[k] > (k == 0 ? 0 : milestones_[k - 1]),
            "SequentialLR: the milestones must be positive and increasing");
  }
  apply();
}

double SequentialLR::lr_at(std::int64_t epoch, double base) const {
  const auto k = static_cast<std::size_t>(
      std::upper_bound(milestones_.begin(), milestones_.end(), epoch) - milestones_.begin());
  const std::int64_t start = k == 0 ? 0 : milestones_[k - 1];
  return schedules_[k]->lr_at(epoch - start, base);
}

}  // namespace nabla::nn
