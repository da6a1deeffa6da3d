// Each optimizer, three steps on f(p) = p0^2 + 3 p1^2 from p = (1, -2), against the values of
// PyTorch's documented update rules worked out independently (in plain Python floats, the
// formulas of nabla/nn/optim.hpp's header, written out once more).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>
#include <stdexcept>
#include <vector>

#include "nabla/nn/optim.hpp"

namespace {

using nabla::Tensor;
using nabla::Variable;
using nabla::nn::Parameter;

using Trajectory = std::vector<std::vector<double>>;

Trajectory three_steps(
    const std::function<std::unique_ptr<nabla::nn::Optimizer>(Parameter)>& make) {
  Parameter p(Tensor{1.0, -2.0}, "p");
  const std::unique_ptr<nabla::nn::Optimizer> optimizer = make(p);
  const Variable weights(Tensor{1.0, 3.0});
  Trajectory result;
  for (int t = 0; t < 3; ++t) {
    optimizer->zero_grad();
    sum(weights * square(p)).backward();
    optimizer->step();
    result.push_back(p.data().to_vector());
  }
  return result;
}

void expect_trajectory(const Trajectory& actual, const Trajectory& expected) {
  ASSERT_EQ(actual.size(), expected.size());
  for (std::size_t t = 0; t < expected.size(); ++t) {
    for (std::size_t i = 0; i < 2; ++i) {
      EXPECT_NEAR(actual[t][i], expected[t][i], 1e-14 * std::max(1.0, std::abs(expected[t][i])))
          << "step " << t + 1 << ", p" << i;
    }
  }
}

TEST(Optimizers, PlainSgdIsGradientDescent) {
  expect_trajectory(
      three_steps([](Parameter p) {
        return std::make_unique<nabla::nn::SGD>(std::vector{p}, nabla::nn::SGDOptions{.lr = 0.1});
      }),
      {{0.8, -0.7999999999999998}, {0.64, -0.3199999999999999}, {0.512, -0.12799999999999995}});
}

TEST(Optimizers, SgdMomentumDampeningAndWeightDecayFollowPyTorch) {
  expect_trajectory(three_steps([](Parameter p) {
                      return std::make_unique<nabla::nn::SGD>(
                          std::vector{p},
                          nabla::nn::SGDOptions{
                              .lr = 0.1, .momentum = 0.9, .dampening = 0.1, .weight_decay = 0.01});
                    }),
                    {{0.799, -0.798},
                     {0.4735609, 0.7154381999999999},
                     {0.09499854318999995, 1.6905520576199997}});
}

TEST(Optimizers, SgdNesterovFollowsPyTorch) {
  expect_trajectory(three_steps([](Parameter p) {
                      return std::make_unique<nabla::nn::SGD>(
                          std::vector{p},
                          nabla::nn::SGDOptions{
                              .lr = 0.05, .momentum = 0.9, .weight_decay = 0.01, .nesterov = true});
                    }),
                    {{0.80905, -0.8580999999999999},
                     {0.5731569025000001, 0.11864219500000006},
                     {0.32458737671762505, 0.69789826426475}});
}

TEST(Optimizers, AdamWithL2FollowsPyTorch) {
  expect_trajectory(three_steps([](Parameter p) {
                      return std::make_unique<nabla::nn::Adam>(
                          std::vector{p}, nabla::nn::AdamOptions{.lr = 0.1, .weight_decay = 0.01});
                    }),
                    {{0.9000000004975124, -1.9000000000831947},
                     {0.8004122286867155, -1.8001664857784931},
                     {0.7015862729382771, -1.7006233915356082}});
}

TEST(Optimizers, AdamWDecaysDecoupledFromTheGradient) {
  expect_trajectory(three_steps([](Parameter p) {
                      return std::make_unique<nabla::nn::AdamW>(
                          std::vector{p}, nabla::nn::AdamOptions{.lr = 0.1, .weight_decay = 0.1});
                    }),
                    {{0.8900000004999999, -1.8800000000833332},
                     {0.7815718559365048, -1.7614089502485435},
                     {0.6751012216400698, -1.6443686830529762}});
}

TEST(Optimizers, AdaGradWithLrDecayAndAStartingAccumulatorFollowsPyTorch) {
  expect_trajectory(three_steps([](Parameter p) {
                      return std::make_unique<nabla::nn::AdaGrad>(
                          std::vector{p},
                          nabla::nn::AdaGradOptions{.lr = 0.1,
                                                    .lr_decay = 0.05,
                                                    .weight_decay = 0.01,
                                                    .initial_accumulator_value = 0.2});
                    }),
                    {{0.9023869219286672, -1.9000691417662934},
                     {0.8394358464025223, -1.8344965506177455},
                     {0.7918192273370088, -1.7841696992580613}});
}

TEST(Optimizers, RMSpropFollowsPyTorch) {
  expect_trajectory(three_steps([](Parameter p) {
                      return std::make_unique<nabla::nn::RMSprop>(std::vector{p},
                                                                  nabla::nn::RMSpropOptions{});
                    }),
                    {{0.9000000049999998, -1.9000000008333333},
                     {0.8329179679700331, -1.8309433266382498},
                     {0.7799822732436351, -1.7753494426029548}});
}

TEST(Optimizers, CenteredRMSpropWithMomentumAndWeightDecayFollowsPyTorch) {
  expect_trajectory(
      three_steps([](Parameter p) {
        return std::make_unique<nabla::nn::RMSprop>(
            std::vector{p},
            nabla::nn::RMSpropOptions{
                .alpha = 0.9, .weight_decay = 0.01, .momentum = 0.5, .centered = true});
      }),
      {{0.9666666672194583, -1.9666666667591053},
       {0.9249234770203933, -1.9247134860142847},
       {0.8824183658834817, -1.8816602308679506}});
}

TEST(Optimizers, AdaDeltaFollowsPyTorch) {
  expect_trajectory(three_steps([](Parameter p) {
                      return std::make_unique<nabla::nn::AdaDelta>(
                          std::vector{p}, nabla::nn::AdaDeltaOptions{.weight_decay = 0.01});
                    }),
                    {{0.9968377262534375, -1.996837722449268},
                     {0.9935981739978116, -1.9935957271263784},
                     {0.9903090455351705, -1.9903007496645655}});
}

TEST(Optimizers, Float32ParametersStepInFloat32) {
  Parameter p(Tensor({2}, std::vector<float>{1.0f, -2.0f}));
  nabla::nn::SGD sgd({p}, {.lr = 0.1});
  sum(square(p)).backward();
  sgd.step();
  EXPECT_EQ(p.dtype(), nabla::DType::float32);
  EXPECT_EQ(p.data().to_vector(), (std::vector<double>{0.8f, -1.6f}));
}

TEST(Optimizers, BadConstructionIsRefused) {
  Parameter p(Tensor{1.0});
  EXPECT_THROW(nabla::nn::SGD(std::vector<Parameter>{}), std::invalid_argument);
  EXPECT_THROW(nabla::nn::SGD({p}, {.lr = -1}), std::invalid_argument);
  EXPECT_THROW(nabla::nn::SGD({p, p}), std::invalid_argument);
  EXPECT_THROW(nabla::nn::SGD({p}, {.nesterov = true}), std::invalid_argument);
  EXPECT_THROW(nabla::nn::Adam({p}, {.beta1 = 1}), std::invalid_argument);
  EXPECT_THROW(nabla::nn::Adam({p}, {.weight_decay = -0.1}), std::invalid_argument);
  EXPECT_THROW(nabla::nn::AdaGrad({p}, {.lr_decay = -1}), std::invalid_argument);
  EXPECT_THROW(nabla::nn::RMSprop({p}, {.alpha = -0.5}), std::invalid_argument);
  EXPECT_THROW(nabla::nn::AdaDelta({p}, {.rho = 1.5}), std::invalid_argument);
  try {
    nabla::nn::SGD({p, p});
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("given twice"), std::string::npos) << e.what();
  }
}

// A group with learning rate 0 stays put, and a parameter without a gradient is skipped.
TEST(Optimizers, GroupsHaveTheirOwnLearningRateAndUngradedParametersStay) {
  Parameter moving(Tensor{1.0}), frozen(Tensor{1.0}), unused(Tensor{5.0});
  nabla::nn::SGD sgd(
      std::vector<nabla::nn::ParamGroup>{
          {.params = {moving}}, {.params = {frozen}, .lr = 0.0}, {.params = {unused}}},
      {.lr = 0.5});
  sum(square(moving) + square(frozen)).backward();
  sgd.step();
  EXPECT_EQ(moving.data().item(), 0.0);  // 1 - 0.5 * 2
  EXPECT_EQ(frozen.data().item(), 1.0);
  EXPECT_EQ(unused.data().item(), 5.0);
  EXPECT_EQ(sgd.lr(1), 0.0);
  sgd.set_lr(0.25);
  EXPECT_EQ(sgd.lr(1), 0.25);
}

TEST(Optimizers, ClipGradNormScalesAllGradientsTogether) {
  Parameter a(Tensor{1.0}), b(Tensor{1.0});
  sum(a * 3.0 + b * 4.0).backward();  // gradients 3 and 4: norm 5
  EXPECT_DOUBLE_EQ(nabla::nn::clip_grad_norm({a, b}, 1.0), 5.0);
  EXPECT_NEAR(a.grad().item(), 0.6, 1e-6);
  EXPECT_NEAR(b.grad().item(), 0.8, 1e-6);
  EXPECT_DOUBLE_EQ(nabla::nn::clip_grad_norm({a, b}, 10.0),
                   std::hypot(a.grad().item(), b.grad().item()));
  EXPECT_NEAR(a.grad().item(), 0.6, 1e-6);  // under the limit: unchanged
}

}  // namespace
