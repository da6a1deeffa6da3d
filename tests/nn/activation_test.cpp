// The activations, Dropout and Embedding: values against the formulas (worked out in Python's
// math module), gradients and second derivatives against central differences, Dropout's
// scaling and seeding, Embedding's accumulation into repeated rows.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "../tensor/autograd_check.hpp"
#include "nabla/nn/activation.hpp"
#include "nabla/nn/dropout.hpp"
#include "nabla/nn/embedding.hpp"
#include "nabla/nn/init.hpp"

namespace {

using nabla::DType;
using nabla::Generator;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using nabla::Variable;
using nabla::testing::expect_gradients_match;
using nabla::testing::expect_second_derivatives_match;
using namespace nabla::nn;

// Away from 0, where leaky_relu has its kink.
const Tensor points = Tensor{{-2.5, -0.7, -0.1}, {0.2, 1.0, 3.0}};

TEST(Activations, GeluIsExactlyXPhiOfXOrItsTanhApproximation) {
  const std::vector<double> exact = gelu(Variable(Tensor{1.0, -0.5, 2.5})).data().to_vector();
  const std::vector<double> expected{0.8413447460685429, -0.15426876936299344, 2.4844758366855597};
  const std::vector<double> approximate =
      gelu(Variable(Tensor{1.0, -0.5, 2.5}), GeluApproximation::tanh).data().to_vector();
  const std::vector<double> expected_tanh{0.8411919906082768, -0.15428599017485606,
                                          2.484915733910001};
  for (std::size_t i = 0; i < 3; ++i) {
    EXPECT_NEAR(exact[i], expected[i], 1e-15);
    EXPECT_NEAR(approximate[i], expected_tanh[i], 1e-15);
  }
}

TEST(Activations, GradientsAndSecondDerivativesMatchCentralDifferences) {
  const std::vector<std::pair<std::string, nabla::testing::VariableFunction>> cases{
      {"leaky_relu", [](const auto& xs) { return leaky_relu(xs[0], 0.2); }},
      {"gelu", [](const auto& xs) { return gelu(xs[0]); }},
      {"gelu tanh", [](const auto& xs) { return gelu(xs[0], GeluApproximation::tanh); }},
      {"erf", [](const auto& xs) { return erf(xs[0]); }},
      {"log_sigmoid", [](const auto& xs) { return log_sigmoid(xs[0]); }},
      {"Softmax(0)", [](const auto& xs) { return Softmax(0)(xs[0]); }},
      {"LogSoftmax(1)", [](const auto& xs) { return LogSoftmax(1)(xs[0]); }},
  };
  for (const auto& [what, f] : cases) {
    expect_gradients_match(f, {points}, what);
    expect_second_derivatives_match(f, {points}, what, 1e-5);
  }
}

TEST(Activations, LeakyReluScalesTheNegativeSideAndItsSlopeAtZeroIsTheNegativeOne) {
  Variable x(Tensor{-2.0, 0.0, 3.0});
  const Variable y = LeakyReLU()(x);
  EXPECT_EQ(y.data().to_vector(), (std::vector<double>{-0.02, 0.0, 3.0}));
  sum(y).backward();
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{0.01, 0.01, 1.0}));
}

TEST(Activations, LogSigmoidStaysFiniteAtExtremeLogits) {
  Variable x(Tensor{-100.0, 100.0, -800.0, 800.0});
  const Variable y = log_sigmoid(x);
  sum(y).backward();
  const std::vector<double> v = y.data().to_vector(), g = x.grad().data().to_vector();
  EXPECT_DOUBLE_EQ(v[0], -100.0);
  EXPECT_NEAR(v[1], -std::exp(-100.0), 1e-50);
  EXPECT_DOUBLE_EQ(v[2], -800.0);
  EXPECT_EQ(v[3], -0.0);
  EXPECT_DOUBLE_EQ(g[0], 1.0);
  EXPECT_NEAR(g[1], std::exp(-100.0), 1e-50);
  for (const double d : g) EXPECT_TRUE(std::isfinite(d));
}

TEST(Activations, SoftmaxModulesNormaliseAlongTheirAxis) {
  EXPECT_TRUE(nabla::array_equal(Softmax(0)(Variable(points)).data(), softmax(points, 0)));
  EXPECT_TRUE(nabla::array_equal(LogSoftmax(-1)(Variable(points)).data(), log_softmax(points, -1)));
}

TEST(Dropout, KeepsAboutOneMinusPAndScalesSoThatTheMeanIsPreserved) {
  Generator generator(3);
  Dropout dropout(0.3, {.generator = &generator});
  Variable x(Tensor::ones({100000}, DType::float64));
  const Variable y = dropout(x);
  const std::vector<double> v = y.data().to_vector();
  double zeros = 0, total = 0;
  for (const double e : v) {
    if (e == 0) {
      ++zeros;
    } else {
      EXPECT_EQ(e, 1 / 0.7);
    }
    total += e;
  }
  EXPECT_NEAR(zeros / 100000, 0.3, 0.01);
  EXPECT_NEAR(total / 100000, 1.0, 0.01);
  sum(y).backward();  // the gradient is the same scaled mask
  EXPECT_EQ(x.grad().data().to_vector(), v);
}

TEST(Dropout, TheSameSeedDrawsTheSameMaskAndEvaluationIsTheIdentity) {
  Generator a(42), b(42);
  Dropout first(0.5, {.generator = &a}), second(0.5, {.generator = &b});
  const Variable x(Tensor::ones({4, 5}, DType::float32));
  const Tensor mask = first(x).data();
  EXPECT_TRUE(nabla::array_equal(mask, second(x).data()));
  EXPECT_FALSE(nabla::array_equal(mask, first(x).data()));  // the next draw differs
  manual_seed(9);
  Dropout seeded(0.5);
  const Tensor from_default = seeded(x).data();
  manual_seed(9);
  EXPECT_TRUE(nabla::array_equal(from_default, seeded(x).data()));
  Dropout own(0.5, {.seed = 42}), twin(0.5, {.seed = 42});
  EXPECT_TRUE(nabla::array_equal(own(x).data(), mask));  // the same draws as Generator(42)
  EXPECT_TRUE(nabla::array_equal(twin(x).data(), mask));
  seeded.eval();
  EXPECT_TRUE(seeded(x).is(x));
  Dropout all(1.0);
  EXPECT_TRUE(nabla::array_equal(all(x).data(), Tensor::zeros({4, 5}, DType::float32)));
  EXPECT_THROW(Dropout(1.5), std::invalid_argument);
  EXPECT_THROW(Dropout(-0.1), std::invalid_argument);
}

TEST(Embedding, StartsAsStandardNormalAndLooksUpRows) {
  Generator generator(5), same(5);
  Embedding embedding(6, 4, {.dtype = DType::float64, .generator = &generator});
  EXPECT_TRUE(nabla::array_equal(embedding.weight().data(), Tensor::randn({6, 4}, same)));
  const Variable y = embedding(Variable(Tensor{{1, 5, 0}, {2, 2, 4}}));
  EXPECT_EQ(y.shape(), (Shape{2, 3, 4}));
  const Tensor w = embedding.weight().data();
  EXPECT_TRUE(nabla::array_equal(nabla::get_item(y.data(), {1, 2}), nabla::get_item(w, {4})));
  EXPECT_TRUE(nabla::array_equal(nabla::get_item(y.data(), {0, 1}), nabla::get_item(w, {5})));
}

TEST(Embedding, GradientsOfRepeatedRowsAccumulate) {
  Embedding embedding(5, 2, {.dtype = DType::float64});
  const Variable y = embedding(Variable(Tensor{1, 3, 1, 1}));
  const Tensor weights = Tensor{{1, 2}, {3, 4}, {5, 6}, {7, 8}};
  sum(y * Variable(weights)).backward();
  EXPECT_EQ(embedding.weight().grad().data().to_vector(),
            (std::vector<double>{0, 0, 1 + 5 + 7, 2 + 6 + 8, 0, 0, 3, 4, 0, 0}));
  EXPECT_THROW(embedding(Variable(Tensor{0.5})), ShapeError);
  EXPECT_THROW(embedding(Variable(Tensor{5})), ShapeError);
  EXPECT_THROW(embedding(Variable(Tensor{-1})), ShapeError);
  EXPECT_THROW(Embedding(0, 3), std::invalid_argument);
}

}  // namespace
