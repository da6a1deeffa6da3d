// Optimizer and schedule state through a safetensors file: three steps, a checkpoint, a new
// optimizer and schedule loaded from it, two more steps, bit for bit the five steps of a run
// that never stopped; for every optimizer, in float32.
#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "nabla/nn/loss.hpp"
#include "nabla/nn/optim.hpp"
#include "nabla/nn/safetensors.hpp"
#include "nabla/nn/schedule.hpp"

namespace {

using nabla::Shape;
using nabla::Tensor;
using nabla::Variable;
using nabla::nn::NamedTensors;
using nabla::nn::Optimizer;
using nabla::nn::Parameter;

using MakeOptimizer = std::function<std::unique_ptr<Optimizer>(std::vector<Parameter>)>;

Tensor floats(const Shape& shape, const std::vector<float>& values) {
  return Tensor(shape, values);
}

// A linear least-squares model in float32: two parameters in two groups, so that group and
// parameter indices both matter.
struct Run {
  std::vector<Parameter> params;
  std::unique_ptr<Optimizer> optimizer;
  std::unique_ptr<nabla::nn::StepLR> schedule;

  Run(const MakeOptimizer& make, std::vector<Tensor> values) {
    for (Tensor& v : values) params.emplace_back(std::move(v));
    optimizer = make(params);
    schedule = std::make_unique<nabla::nn::StepLR>(
        *optimizer, nabla::nn::StepLROptions{.step_size = 2, .gamma = 0.5});
  }
  void step() {
    const Tensor x = floats({4, 3}, {1, 2, -1, 0.5f, -0.3f, 2, 1.5f, 1, 0, -1, 0.25f, 0.75f});
    const Tensor y = floats({4, 2}, {1, -1, 0.5f, 2, -0.5f, 0, 1, 1});
    optimizer->zero_grad();
    nabla::nn::mse_loss(matmul(Variable(x), params[0]) + params[1], Variable(y)).backward();
    optimizer->step();
    schedule->step();
  }
};

std::vector<Tensor> initial() {
  return {floats({3, 2}, {0.1f, -0.2f, 0.3f, 0.4f, -0.5f, 0.6f}), floats({2}, {0.05f, -0.05f})};
}

void expect_resumed_run_is_bit_identical(const MakeOptimizer& make, const std::string& what) {
  Run uninterrupted(make, initial());
  for (int t = 0; t < 5; ++t) uninterrupted.step();

  Run first(make, initial());
  for (int t = 0; t < 3; ++t) first.step();
  NamedTensors file{{"model.weight", first.params[0].data()},
                    {"model.bias", first.params[1].data()}};
  for (auto& [name, t] : first.optimizer->state_dict()) file.emplace_back("optimizer." + name, t);
  for (auto& [name, t] : first.schedule->state_dict()) file.emplace_back("schedule." + name, t);
  const std::string path = ::testing::TempDir() + "nabla_checkpoint_" + what + ".safetensors";
  nabla::nn::save_safetensors(path, file);

  const nabla::nn::TensorFile loaded = nabla::nn::load_safetensors(path);
  std::vector<Tensor> values;
  NamedTensors optimizer_state, schedule_state;
  for (const auto& [name, t] : loaded.tensors) {
    if (name.starts_with("model.")) values.push_back(t);
    if (name.starts_with("optimizer.")) optimizer_state.emplace_back(name.substr(10), t);
    if (name.starts_with("schedule.")) schedule_state.emplace_back(name.substr(9), t);
  }
  ASSERT_EQ(values.size(), 2u);
  Run second(make, values);
  second.optimizer->load_state_dict(optimizer_state);
  second.schedule->load_state_dict(schedule_state);
  EXPECT_EQ(second.optimizer->steps(), 3);
  for (int t = 0; t < 2; ++t) second.step();
  for (std::size_t k = 0; k < 2; ++k) {
    EXPECT_TRUE(nabla::array_equal(second.params[k].data(), uninterrupted.params[k].data()))
        << what << ", parameter " << k << ": " << second.params[k].data() << " against "
        << uninterrupted.params[k].data();
  }
  EXPECT_EQ(second.optimizer->lr(1), uninterrupted.optimizer->lr(1)) << what;
  std::remove(path.c_str());
}

std::vector<nabla::nn::ParamGroup> two_groups(const std::vector<Parameter>& p) {
  return {{.params = {p[0]}}, {.params = {p[1]}, .lr = 0.02, .weight_decay = 0.0}};
}

TEST(Checkpoints, EveryOptimizerResumesBitForBitFromASafetensorsFile) {
  expect_resumed_run_is_bit_identical(
      [](auto p) {
        return std::make_unique<nabla::nn::SGD>(
            two_groups(p), nabla::nn::SGDOptions{.lr = 0.1, .momentum = 0.9, .nesterov = true});
      },
      "sgd");
  expect_resumed_run_is_bit_identical(
      [](auto p) {
        return std::make_unique<nabla::nn::Adam>(two_groups(p), nabla::nn::AdamOptions{.lr = 0.1});
      },
      "adam");
  expect_resumed_run_is_bit_identical(
      [](auto p) {
        return std::make_unique<nabla::nn::AdamW>(two_groups(p),
                                                  nabla::nn::AdamOptions{.weight_decay = 0.1});
      },
      "adamw");
  expect_resumed_run_is_bit_identical(
      [](auto p) {
        return std::make_unique<nabla::nn::AdaGrad>(
            two_groups(p),
            nabla::nn::AdaGradOptions{.lr_decay = 0.1, .initial_accumulator_value = 0.1});
      },
      "adagrad");
  expect_resumed_run_is_bit_identical(
      [](auto p) {
        return std::make_unique<nabla::nn::RMSprop>(
            two_groups(p), nabla::nn::RMSpropOptions{.momentum = 0.5, .centered = true});
      },
      "rmsprop");
  expect_resumed_run_is_bit_identical(
      [](auto p) { return std::make_unique<nabla::nn::AdaDelta>(two_groups(p)); }, "adadelta");
}

TEST(Checkpoints, StateNamesFollowGroupAndParameter) {
  Parameter a(Tensor{1.0}), b(Tensor{2.0});
  nabla::nn::Adam adam(std::vector<nabla::nn::ParamGroup>{{.params = {a}}, {.params = {b}}});
  sum(square(b)).backward();  // only b has a gradient: a has no state yet
  adam.step();
  std::vector<std::string> names;
  for (const auto& [name, t] : adam.state_dict()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"step", "group.0.lr", "group.0.initial_lr",
                                             "group.0.weight_decay", "group.1.lr",
                                             "group.1.initial_lr", "group.1.weight_decay",
                                             "1.0.step", "1.0.exp_avg", "1.0.exp_avg_sq"}));
}

TEST(Checkpoints, AMismatchedStateIsRefusedAndChangesNothing) {
  Parameter p(Tensor{1.0, 2.0});
  nabla::nn::Adam adam({p}, {.lr = 0.1});
  sum(square(p)).backward();
  adam.step();
  const NamedTensors good = adam.state_dict();
  auto without = [&](const std::string& name) {
    NamedTensors state;
    for (const auto& entry : good)
      if (entry.first != name) state.push_back(entry);
    return state;
  };
  EXPECT_THROW(adam.load_state_dict(without("0.0.exp_avg_sq")), std::invalid_argument);
  EXPECT_THROW(adam.load_state_dict(without("group.0.lr")), std::invalid_argument);
  NamedTensors extra = good;
  extra.emplace_back("0.1.exp_avg", Tensor{1.0});
  EXPECT_THROW(adam.load_state_dict(extra), std::invalid_argument);
  NamedTensors misshapen = without("0.0.exp_avg");
  misshapen.emplace_back("0.0.exp_avg", Tensor{1.0, 2.0, 3.0});
  try {
    adam.load_state_dict(misshapen);
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("0.0.exp_avg"), std::string::npos) << e.what();
  }
  nabla::nn::SGD sgd({p});
  EXPECT_THROW(sgd.load_state_dict(good), std::invalid_argument);  // another kind's names
  EXPECT_EQ(adam.steps(), 1);
  EXPECT_EQ(adam.lr(), 0.1);
}

}  // namespace
