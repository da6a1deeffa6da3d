// The losses: values against PyTorch's formulas worked out by hand (in plain Python floats),
// gradients and second derivatives against central differences, finite at extreme logits.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../tensor/autograd_check.hpp"
#include "nabla/nn/loss.hpp"

namespace {

using nabla::Generator;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using nabla::Variable;
using nabla::testing::expect_gradients_match;
using nabla::testing::expect_second_derivatives_match;
using namespace nabla::nn;

const Tensor logits{{0.2, -1.3, 0.7, 2.1}, {1.5, 0.3, -0.4, -2.2}, {-0.6, 0.9, 0.1, 0.4}};
const Tensor labels{1, 3, 0};
const Tensor class_weights{0.5, 2, 1, 1.5};

TEST(CrossEntropy, WeightsAndSmoothingFollowPyTorchsDefinition) {
  const CrossEntropyOptions smoothed{.weight = class_weights, .label_smoothing = 0.1};
  // ℓ_n = 0.9 (-w[y_n] log p[n, y_n]) + 0.1 / 4 Σ_c (-w_c log p[n, c]); the mean divides by
  // w[1] + w[3] + w[0] = 4.
  EXPECT_NEAR(cross_entropy(Variable(logits), labels, smoothed).item(), 3.514451324176389, 1e-14);
  CrossEntropyOptions sum = smoothed;
  sum.reduction = Reduction::sum;
  EXPECT_NEAR(cross_entropy(Variable(logits), labels, sum).item(), 14.057805296705556, 1e-13);
  CrossEntropyOptions none = smoothed;
  none.reduction = Reduction::none;
  const std::vector<double> rows = cross_entropy(Variable(logits), labels, none).data().to_vector();
  const std::vector<double> expected{7.03665243046791, 5.815006812381368, 1.2061460538562776};
  for (std::size_t n = 0; n < 3; ++n) EXPECT_NEAR(rows[n], expected[n], 1e-14);
  EXPECT_NEAR(cross_entropy(Variable(logits), labels).item(), 3.390023949639538, 1e-15);
  EXPECT_NEAR(cross_entropy(Variable(logits), labels).item(),
              softmax_cross_entropy(Variable(logits), labels).item(), 1e-15);
}

TEST(CrossEntropy, AnIgnoredLabelLeavesBothSumsAndTheDenominator) {
  const CrossEntropyOptions smoothed{.weight = class_weights, .label_smoothing = 0.1};
  EXPECT_NEAR(cross_entropy(Variable(logits), Tensor{1, -100, 0}, smoothed).item(),
              3.2971193937296754, 1e-14);
  Variable x(logits);
  cross_entropy(x, Tensor{1, -100, 0}, smoothed).backward();
  for (const double g : nabla::get_item(x.grad().data(), {1}).to_vector()) EXPECT_EQ(g, 0.0);
}

TEST(CrossEntropy, GradientsAndSecondDerivativesMatchCentralDifferences) {
  const CrossEntropyOptions smoothed{.weight = class_weights, .label_smoothing = 0.2};
  const std::vector<std::pair<std::string, nabla::testing::VariableFunction>> cases{
      {"cross_entropy", [](const auto& xs) { return cross_entropy(xs[0], labels); }},
      {"weighted smoothed cross_entropy",
       [&](const auto& xs) { return cross_entropy(xs[0], labels, smoothed); }},
      {"nll_loss", [](const auto& xs) {
         return nll_loss(xs[0], labels, {.weight = class_weights, .reduction = Reduction::none});
       }}};
  for (const auto& [what, f] : cases) {
    expect_gradients_match(f, {logits}, what);
    expect_second_derivatives_match(f, {logits}, what, 1e-5);
  }
  Generator generator(3);  // one example, 3 classes, 2 x 2 positions: (N, C, d1, d2)
  const Tensor spatial = Tensor::rand({1, 3, 2, 2}, generator, -2, 2);
  const Tensor spatial_labels = Tensor{0, 2, 2, 1}.reshape({1, 2, 2});
  auto f = [&](const std::vector<Variable>& xs) {
    return cross_entropy(xs[0], spatial_labels, {.label_smoothing = 0.1});
  };
  expect_gradients_match(f, {spatial}, "cross_entropy (1, 3, 2, 2)");
  expect_second_derivatives_match(f, {spatial}, "cross_entropy (1, 3, 2, 2)", 1e-5);
}

TEST(CrossEntropy, PositionsAfterTheClassAxisAreRowsOfTheirOwn) {
  Generator generator(4);
  const Tensor x = Tensor::rand({2, 3, 2}, generator, -2, 2);  // (N, C, L)
  const Tensor y = Tensor{{0, 2}, {1, 1}};
  const Variable none = cross_entropy(Variable(x), y, {.reduction = Reduction::none});
  EXPECT_EQ(none.shape(), (Shape{2, 2}));
  const Tensor rows = nabla::reshape(nabla::permute(x, {0, 2, 1}), {4, 3});
  EXPECT_NEAR(cross_entropy(Variable(x), y).item(),
              cross_entropy(Variable(rows), Tensor{0, 2, 1, 1}).item(), 1e-15);
  EXPECT_THROW(cross_entropy(Variable(x), Tensor{0, 1}), ShapeError);
}

TEST(CrossEntropy, ExtremeLogitsGiveFiniteLossesAndGradients) {
  Variable x(Tensor{{100, -100, 0}, {-100, 100, 100}});
  const Variable loss = cross_entropy(x, Tensor{1, 0}, {.label_smoothing = 0.1});
  loss.backward();
  EXPECT_TRUE(std::isfinite(loss.item()));
  for (const double g : x.grad().data().to_vector()) EXPECT_TRUE(std::isfinite(g));
  // Row 0: p = (1, 0, 0) to rounding, target 1 smoothed to (0.1/3, 1 - 0.2/3, 0.1/3):
  // gradient (p - target) / 2.
  EXPECT_NEAR(x.grad().data().at({0, 0}), (1 - 0.1 / 3) / 2, 1e-15);
  EXPECT_NEAR(x.grad().data().at({0, 1}), -(1 - 0.2 / 3) / 2, 1e-15);
}

TEST(CrossEntropy, BadLabelsAndWeightsAreRefused) {
  EXPECT_THROW(cross_entropy(Variable(logits), Tensor{1, 4, 0}), ShapeError);
  EXPECT_THROW(cross_entropy(Variable(logits), Tensor{1, 0.5, 0}), ShapeError);
  EXPECT_THROW(cross_entropy(Variable(logits), Tensor{1, 0}), ShapeError);
  EXPECT_THROW(cross_entropy(Variable(logits), labels, {.weight = Tensor{1, 2}}), ShapeError);
  EXPECT_THROW(cross_entropy(Variable(logits), labels, {.label_smoothing = 1.5}),
               std::invalid_argument);
  EXPECT_THROW(cross_entropy(Variable(Tensor{1, 2}), Tensor{0}), ShapeError);
}

TEST(NllLoss, IsCrossEntropyOfLogProbabilities) {
  const Variable log_p = log_softmax(Variable(logits), 1);
  EXPECT_NEAR(nll_loss(log_p, labels, {.weight = class_weights}).item(),
              cross_entropy(Variable(logits), labels, {.weight = class_weights}).item(), 1e-15);
  const NLLLoss loss{{.reduction = Reduction::sum}};
  EXPECT_NEAR(loss(log_p, labels).item(),
              CrossEntropyLoss{{.reduction = Reduction::sum}}(Variable(logits), labels).item(),
              1e-14);
}

TEST(MseLoss, IsTheMeanOverEveryElement) {
  const Tensor a{{1, 2, 3}, {4, 5, 6}}, b{{1, 0, 3}, {0, 5, 7}};
  EXPECT_DOUBLE_EQ(mse_loss(Variable(a), Variable(b)).item(), (4 + 16 + 1) / 6.0);
  EXPECT_DOUBLE_EQ(MSELoss{Reduction::sum}(Variable(a), Variable(b)).item(), 21.0);
  EXPECT_EQ(mse_loss(Variable(a), Variable(b), Reduction::none).shape(), (Shape{2, 3}));
  auto f = [](const std::vector<Variable>& xs) { return mse_loss(xs[0], xs[1]); };
  expect_gradients_match(f, {a, b}, "mse_loss");
  expect_second_derivatives_match(f, {a, b}, "mse_loss");
}

const Tensor bce_logits{{-100, 0.5}, {2, 100}, {-0.3, -1.7}};
const Tensor bce_targets{{1, 0}, {0.25, 1}, {0, 0.6}};

TEST(BinaryCrossEntropyWithLogits, PositiveWeightsFollowPyTorchsFormulaAtExtremeLogits) {
  Variable x(bce_logits);
  const Variable loss = BCEWithLogitsLoss{{.pos_weight = Tensor{3, 0.5}}}(x, Variable(bce_targets));
  EXPECT_NEAR(loss.item(), 50.64104574429724, 1e-13);
  loss.backward();
  const std::vector<double> g = x.grad().data().to_vector();
  const std::vector<double> expected{-0.5,
                                     0.10374322186697577,
                                     0.09519926949447062,
                                     -3.100063313350696e-45,
                                     0.07092624719805683,
                                     -0.03197905240692093};
  for (std::size_t i = 0; i < 6; ++i) EXPECT_NEAR(g[i], expected[i], 1e-15) << i;
}

TEST(BinaryCrossEntropyWithLogits, GradientsAndSecondDerivativesMatchCentralDifferences) {
  const Tensor x{{-2.5, 0.5}, {2, 0.1}, {-0.3, -1.7}};
  auto plain = [](const std::vector<Variable>& xs) {
    return binary_cross_entropy_with_logits(xs[0], xs[1], {.reduction = Reduction::none});
  };
  auto weighted = [](const std::vector<Variable>& xs) {
    return binary_cross_entropy_with_logits(
        xs[0], xs[1], {.weight = Tensor{0.5, 2}, .pos_weight = Tensor{3, 0.5}});
  };
  for (const auto& [what, f] :
       {std::pair{std::string("bce"), nabla::testing::VariableFunction(plain)},
        std::pair{std::string("weighted bce"), nabla::testing::VariableFunction(weighted)}}) {
    expect_gradients_match(f, {x, bce_targets}, what);
    expect_second_derivatives_match(f, {x, bce_targets}, what, 1e-5);
  }
  EXPECT_THROW(binary_cross_entropy_with_logits(Variable(x), Variable(Tensor{1, 0})), ShapeError);
}

}  // namespace
