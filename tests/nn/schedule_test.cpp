// Learning-rate schedules against their closed forms, worked out in plain Python floats, and
// their state restored.
#include <gtest/gtest.h>

#include <memory>
#include <stdexcept>
#include <vector>

#include "nabla/nn/schedule.hpp"

namespace {

using nabla::Tensor;
using nabla::nn::Parameter;
using namespace nabla::nn;

std::vector<double> rates(Optimizer& optimizer, LRScheduler& schedule, int epochs,
                          std::size_t group = 0) {
  std::vector<double> result{optimizer.lr(group)};
  for (int e = 1; e < epochs; ++e) {
    schedule.step();
    result.push_back(optimizer.lr(group));
  }
  return result;
}

void expect_rates(const std::vector<double>& actual, const std::vector<double>& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t e = 0; e < expected.size(); ++e) {
    EXPECT_NEAR(actual[e], expected[e], 1e-16) << "epoch " << e;
  }
}

TEST(Schedules, StepLRMultipliesByGammaEveryStepSizeEpochs) {
  Parameter p(Tensor{1.0});
  SGD sgd({p}, {.lr = 0.1});
  StepLR schedule(sgd, {.step_size = 2, .gamma = 0.5});
  expect_rates(rates(sgd, schedule, 6), {0.1, 0.1, 0.05, 0.05, 0.025, 0.025});
  EXPECT_EQ(schedule.last_epoch(), 5);
}

TEST(Schedules, CosineAnnealingFollowsPyTorchsClosedForm) {
  Parameter p(Tensor{1.0});
  SGD sgd({p}, {.lr = 0.1});
  CosineAnnealingLR schedule(sgd, {.T_max = 4, .eta_min = 0.01});
  expect_rates(rates(sgd, schedule, 6), {0.1, 0.08681980515339464, 0.05500000000000001,
                                         0.023180194846605363, 0.01, 0.023180194846605356});
}

TEST(Schedules, LinearWarmUpStartsAtOnceAndReachesTheBase) {
  Parameter p(Tensor{1.0});
  SGD sgd({p}, {.lr = 0.1});
  LinearLR schedule(sgd, {.start_factor = 0.25, .total_iters = 4});
  EXPECT_NEAR(sgd.lr(), 0.025, 1e-17);  // set by the constructor
  expect_rates(rates(sgd, schedule, 6), {0.025, 0.043750000000000004, 0.0625, 0.08125, 0.1, 0.1});
}

TEST(Schedules, WarmUpThenCosineChainsAtTheMilestoneForEveryGroup) {
  Parameter a(Tensor{1.0}), b(Tensor{1.0});
  SGD sgd(std::vector<ParamGroup>{{.params = {a}, .lr = 0.2}, {.params = {b}, .lr = 0.4}});
  auto warmup =
      std::make_shared<LinearLR>(sgd, LinearLROptions{.start_factor = 0.25, .total_iters = 2});
  auto cosine = std::make_shared<CosineAnnealingLR>(sgd, CosineAnnealingLROptions{.T_max = 3});
  SequentialLR schedule(sgd, {warmup, cosine}, {2});
  const std::vector<double> expected{
      0.05, 0.125, 0.2, 0.15000000000000002, 0.050000000000000024, 0.0, 0.04999999999999996};
  std::vector<double> second;
  for (double rate : expected) second.push_back(2 * rate);
  std::vector<double> first{sgd.lr(0)}, other{sgd.lr(1)};
  for (int e = 1; e < 7; ++e) {
    schedule.step();
    first.push_back(sgd.lr(0));
    other.push_back(sgd.lr(1));
  }
  expect_rates(first, expected);
  expect_rates(other, second);
  EXPECT_THROW(SequentialLR(sgd, {warmup, cosine}, {}), std::invalid_argument);
  EXPECT_THROW(SequentialLR(sgd, {warmup, cosine}, {0}), std::invalid_argument);
}

TEST(Schedules, StateRestoresTheEpochAndTheRates) {
  Parameter p(Tensor{1.0});
  SGD sgd({p}, {.lr = 0.1});
  StepLR schedule(sgd, {.step_size = 2, .gamma = 0.5});
  for (int e = 0; e < 3; ++e) schedule.step();
  const NamedTensors state = schedule.state_dict();

  Parameter q(Tensor{1.0});
  SGD resumed({q}, {.lr = 0.1});
  StepLR restored(resumed, {.step_size = 2, .gamma = 0.5});
  restored.load_state_dict(state);
  EXPECT_EQ(restored.last_epoch(), 3);
  EXPECT_EQ(resumed.lr(), sgd.lr());
  schedule.step();
  restored.step();
  EXPECT_EQ(resumed.lr(), sgd.lr());
  EXPECT_THROW(restored.load_state_dict({{"last_epoch", Tensor(1.5)}, {"base_lr.0", Tensor(0.1)}}),
               std::invalid_argument);
  EXPECT_THROW(restored.load_state_dict({{"epoch", Tensor(1.0)}, {"base_lr.0", Tensor(0.1)}}),
               std::invalid_argument);
  EXPECT_EQ(restored.last_epoch(), 4);
}

TEST(Schedules, BadSettingsAreRefused) {
  Parameter p(Tensor{1.0});
  SGD sgd({p});
  EXPECT_THROW(StepLR(sgd, {.step_size = 0}), std::invalid_argument);
  EXPECT_THROW(CosineAnnealingLR(sgd, {.T_max = 0}), std::invalid_argument);
  EXPECT_THROW(LinearLR(sgd, {.start_factor = 0}), std::invalid_argument);
}

}  // namespace
