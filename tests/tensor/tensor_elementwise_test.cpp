// Elementwise operations: broadcasting against a naive reference over many random shape pairs,
// the fast paths, NaN semantics, in-place operators and error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <random>
#include <string>

#include "nabla/tensor/tensor.hpp"
#include "tensor_reference.hpp"

namespace {

using nabla::DType;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using ::testing::HasSubstr;
namespace reference = nabla::testing;

struct NamedOp {
  std::string name;
  std::function<Tensor(const Tensor&, const Tensor&)> tensor_op;
  std::function<double(double, double)> scalar_op;
};

std::vector<NamedOp> binary_ops() {
  return {
      {"add", [](const Tensor& a, const Tensor& b) { return a + b; },
       [](double x, double y) { return x + y; }},
      {"sub", [](const Tensor& a, const Tensor& b) { return a - b; },
       [](double x, double y) { return x - y; }},
      {"mul", [](const Tensor& a, const Tensor& b) { return a * b; },
       [](double x, double y) { return x * y; }},
      {"div", [](const Tensor& a, const Tensor& b) { return a / b; },
       [](double x, double y) { return x / y; }},
      {"maximum", [](const Tensor& a, const Tensor& b) { return nabla::maximum(a, b); },
       [](double x, double y) { return std::max(x, y); }},
      {"minimum", [](const Tensor& a, const Tensor& b) { return nabla::minimum(a, b); },
       [](double x, double y) { return std::min(x, y); }},
      {"greater", [](const Tensor& a, const Tensor& b) { return nabla::greater(a, b); },
       [](double x, double y) { return x > y ? 1.0 : 0.0; }},
      {"less_equal", [](const Tensor& a, const Tensor& b) { return nabla::less_equal(a, b); },
       [](double x, double y) { return x <= y ? 1.0 : 0.0; }},
  };
}

TEST(TensorBroadcast, RandomShapePairsMatchTheNaiveReference) {
  std::mt19937_64 engine(2024);
  int checked = 0;
  for (int trial = 0; trial < 300; ++trial) {
    const Shape base = reference::random_shape(engine, 4);
    const Shape left = reference::broadcastable_partner(base, engine);
    const Shape right = reference::broadcastable_partner(base, engine);
    const Tensor a = reference::random_tensor(left, engine);
    const Tensor b = reference::random_tensor(right, engine);
    for (const NamedOp& op : binary_ops()) {
      const Tensor result = op.tensor_op(a, b);
      const Tensor expected = reference::reference_binary(a, b, op.scalar_op);
      ASSERT_TRUE(nabla::array_equal(result, expected))
          << op.name << " of " << nabla::shape_string(left) << " and " << nabla::shape_string(right)
          << ":\n"
          << result << "\nexpected\n"
          << expected;
      ++checked;
    }
  }
  EXPECT_EQ(checked, 300 * 8);
}

TEST(TensorBroadcast, Float32OperandsMatchTheReferenceToFloatPrecision) {
  std::mt19937_64 engine(5);
  for (int trial = 0; trial < 100; ++trial) {
    const Shape base = reference::random_shape(engine, 3);
    const Tensor a = reference::random_tensor(reference::broadcastable_partner(base, engine),
                                              engine, DType::float32);
    const Tensor b = reference::random_tensor(reference::broadcastable_partner(base, engine),
                                              engine, DType::float32);
    const Tensor result = a * b + a;
    EXPECT_EQ(result.dtype(), DType::float32);
    const Tensor expected =
        reference::reference_binary(a, b, [](double x, double y) { return x * y + x; });
    EXPECT_TRUE(nabla::allclose(result, expected, 1e-6, 1e-6));
  }
}

TEST(TensorBroadcast, ShapesFollowNumPy) {
  EXPECT_EQ(nabla::broadcast_shapes({2, 1, 3}, {4, 1}, "test"), (Shape{2, 4, 3}));
  EXPECT_EQ(nabla::broadcast_shapes({}, {3}, "test"), (Shape{3}));
  EXPECT_EQ(nabla::broadcast_shapes({0}, {1}, "test"), (Shape{0}));
  EXPECT_EQ((Tensor::ones({2, 3}) + Tensor::ones({3})).shape(), (Shape{2, 3}));
  EXPECT_EQ((Tensor::ones({3, 1}) + Tensor::ones({1, 4})).shape(), (Shape{3, 4}));
  EXPECT_EQ((Tensor::ones({0, 3}) + Tensor(1.0)).shape(), (Shape{0, 3}));
}

TEST(TensorBroadcast, IncompatibleShapesNameTheOperationAndBothShapes) {
  const Tensor a = Tensor::zeros({2, 3});
  const Tensor b = Tensor::zeros({4});
  try {
    (void)(a + b);
    FAIL() << "no ShapeError";
  } catch (const ShapeError& error) {
    EXPECT_EQ(std::string(error.what()), "add: shapes (2, 3) and (4,) do not broadcast");
  }
  EXPECT_THROW(nabla::mul(a, b), ShapeError);
  EXPECT_THROW(nabla::maximum(a, b), ShapeError);
  try {
    nabla::where(Tensor::ones({2}), Tensor::ones({3}), Tensor::ones({2}));
    FAIL() << "no ShapeError";
  } catch (const ShapeError& error) {
    EXPECT_THAT(error.what(), HasSubstr("where"));
    EXPECT_THAT(error.what(), HasSubstr("(3,)"));
  }
}

TEST(TensorArithmetic, ExactValues) {
  const Tensor a{{1, 2}, {3, 4}};
  const Tensor row{10, 20};
  EXPECT_EQ((a + row).to_vector(), (std::vector<double>{11, 22, 13, 24}));
  EXPECT_EQ((a - 1.0).to_vector(), (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ((1.0 - a).to_vector(), (std::vector<double>{0, -1, -2, -3}));
  EXPECT_EQ((a * 2.0).to_vector(), (std::vector<double>{2, 4, 6, 8}));
  EXPECT_EQ((2.0 * a).to_vector(), (std::vector<double>{2, 4, 6, 8}));
  EXPECT_EQ((a / 2.0).to_vector(), (std::vector<double>{0.5, 1, 1.5, 2}));
  EXPECT_EQ((12.0 / a).to_vector(), (std::vector<double>{12, 6, 4, 3}));
  EXPECT_EQ((3.0 + a).to_vector(), (std::vector<double>{4, 5, 6, 7}));
  EXPECT_EQ((-a).to_vector(), (std::vector<double>{-1, -2, -3, -4}));
  EXPECT_EQ(nabla::pow(a, 2.0).to_vector(), (std::vector<double>{1, 4, 9, 16}));
  EXPECT_EQ(nabla::pow(a, 1.0).to_vector(), a.to_vector());
  EXPECT_EQ(nabla::pow(a, 0.5).to_vector(),
            (std::vector<double>{1, std::sqrt(2.0), std::sqrt(3.0), 2}));
  EXPECT_EQ(nabla::pow(Tensor{2, 3}, Tensor{3, 2}.reshape({2, 1})).to_vector(),
            (std::vector<double>{8, 27, 4, 9}));
  EXPECT_EQ(nabla::equal(a, Tensor{1, 4}).to_vector(), (std::vector<double>{1, 0, 0, 1}));
  EXPECT_EQ(nabla::greater_equal(a, 2.0).to_vector(), (std::vector<double>{0, 1, 1, 1}));
  EXPECT_EQ(nabla::less(a, Tensor(3.0)).to_vector(), (std::vector<double>{1, 1, 0, 0}));
}

TEST(TensorArithmetic, ScalarOperandsOfAnyRankUseTheSameAnswer) {
  const Tensor a{{1, 2}, {3, 4}};
  const Tensor expected = a * 3.0;
  EXPECT_TRUE(nabla::array_equal(a * Tensor(3.0), expected));
  EXPECT_TRUE(nabla::array_equal(Tensor(3.0).reshape({1, 1}) * a, expected));
  EXPECT_TRUE(nabla::array_equal(a * Tensor({1, 1, 1}, std::vector<double>{3}),
                                 expected.reshape({1, 2, 2})));
}

TEST(TensorArithmetic, MaximumAndMinimumPropagateNan) {
  const Tensor a{NAN, 1, 2};
  const Tensor b{0, NAN, 1};
  const std::vector<double> high = nabla::maximum(a, b).to_vector();
  EXPECT_TRUE(std::isnan(high[0]));
  EXPECT_TRUE(std::isnan(high[1]));
  EXPECT_EQ(high[2], 2);
  const std::vector<double> low = nabla::minimum(a, b).to_vector();
  EXPECT_TRUE(std::isnan(low[0]));
  EXPECT_TRUE(std::isnan(low[1]));
  EXPECT_EQ(low[2], 1);
}

TEST(TensorUnary, ValuesMatchCmath) {
  const std::vector<double> inputs{-2.5, -1, -0.1, 0, 0.3, 1, 4};
  const Tensor x({7}, inputs);
  const struct {
    Tensor (*op)(const Tensor&);
    double (*reference)(double);
  } cases[] = {
      {nabla::exp, [](double v) { return std::exp(v); }},
      {nabla::sin, [](double v) { return std::sin(v); }},
      {nabla::cos, [](double v) { return std::cos(v); }},
      {nabla::tanh, [](double v) { return std::tanh(v); }},
      {nabla::abs, [](double v) { return std::abs(v); }},
      {nabla::square, [](double v) { return v * v; }},
      {nabla::neg, [](double v) { return -v; }},
      {nabla::relu, [](double v) { return v > 0 ? v : 0.0; }},
      {nabla::sign, [](double v) { return v > 0   ? 1.0
                                          : v < 0 ? -1.0
                                                  : 0.0; }},
      {nabla::sigmoid, [](double v) { return 1 / (1 + std::exp(-v)); }},
  };
  for (const auto& c : cases) {
    const std::vector<double> result = c.op(x).to_vector();
    for (std::size_t i = 0; i < inputs.size(); ++i) {
      EXPECT_NEAR(result[i], c.reference(inputs[i]), 1e-15) << "at " << inputs[i];
    }
  }
  const Tensor positive{0.25, 1, 4};
  EXPECT_EQ(nabla::sqrt(positive).to_vector(), (std::vector<double>{0.5, 1, 2}));
  EXPECT_EQ(nabla::log(positive).to_vector(),
            (std::vector<double>{std::log(0.25), 0, std::log(4.0)}));
}

TEST(TensorUnary, IeeeEdgeCases) {
  EXPECT_TRUE(std::isnan(nabla::log(Tensor(-1.0)).item()));
  EXPECT_EQ(nabla::log(Tensor(0.0)).item(), -std::numeric_limits<double>::infinity());
  EXPECT_TRUE(std::isnan(nabla::sign(Tensor(NAN)).item()));
  EXPECT_TRUE(std::isnan(nabla::relu(Tensor(NAN)).item()));
  // sigmoid neither overflows nor loses the tiny tail for large |x|
  EXPECT_EQ(nabla::sigmoid(Tensor(-800.0)).item(), 0.0);
  EXPECT_EQ(nabla::sigmoid(Tensor(800.0)).item(), 1.0);
  EXPECT_NEAR(nabla::sigmoid(Tensor(-30.0)).item() / std::exp(-30.0), 1.0, 1e-12);
}

TEST(TensorUnary, Float32StaysFloat32) {
  const Tensor x = Tensor{0.5, 2}.to(DType::float32);
  const Tensor y = nabla::exp(x);
  EXPECT_EQ(y.dtype(), DType::float32);
  EXPECT_EQ(y.data<float>()[0], std::exp(0.5F));
}

TEST(TensorClipWhere, ClipAndWhereBroadcast) {
  EXPECT_EQ(nabla::clip(Tensor{-2, 0.5, 3}, -1, 1).to_vector(), (std::vector<double>{-1, 0.5, 1}));
  EXPECT_TRUE(std::isnan(nabla::clip(Tensor(NAN), 0, 1).item()));
  const Tensor condition = Tensor{1, 0}.reshape({2, 1});
  const Tensor chosen = nabla::where(condition, Tensor{1, 2, 3}, Tensor(-1.0));
  EXPECT_EQ(chosen.shape(), (Shape{2, 3}));
  EXPECT_EQ(chosen.to_vector(), (std::vector<double>{1, 2, 3, -1, -1, -1}));
  const Tensor x{-1, 2, -3};
  EXPECT_EQ(nabla::where(nabla::greater(x, 0.0), x, 0.0 * x).to_vector(),
            nabla::relu(x).to_vector());
  EXPECT_EQ(nabla::where(Tensor{1, 0}.to(DType::float32), Tensor{1, 2}, Tensor{3, 4}).dtype(),
            DType::float64);
  const Tensor tiny_condition{1e-50, 0};  // non-zero in float64, zero if rounded to float32
  const Tensor single_choice = nabla::where(tiny_condition, Tensor{1, 2}.to(DType::float32),
                                            Tensor{3, 4}.to(DType::float32));
  EXPECT_EQ(single_choice.dtype(), DType::float32);
  EXPECT_EQ(single_choice.to_vector(), (std::vector<double>{1, 4}));
  EXPECT_EQ(nabla::where(Tensor(NAN), Tensor(1.0), Tensor(2.0)).item(), 1.0);  // nan != 0
}

TEST(TensorInPlace, RightSideBroadcastsToTheTarget) {
  Tensor x = Tensor::zeros({2, 3});
  x += Tensor{1, 2, 3};
  x *= Tensor{2, 3}.reshape({2, 1});
  x -= Tensor(1.0);
  x /= Tensor{{1, 1, 1}, {1, 1, 2}};
  EXPECT_EQ(x.to_vector(), (std::vector<double>{1, 3, 5, 2, 5, 4}));
  Tensor alias = x;
  x += x;  // the right side aliasing the target is fine
  EXPECT_EQ(alias.to_vector(), (std::vector<double>{2, 6, 10, 4, 10, 8}));
}

TEST(TensorInPlace, TheTargetCannotGrow) {
  Tensor x = Tensor::zeros({3});
  try {
    x += Tensor::ones({2, 3});
    FAIL() << "no ShapeError";
  } catch (const ShapeError& error) {
    EXPECT_THAT(error.what(), HasSubstr("(2, 3)"));
    EXPECT_THAT(error.what(), HasSubstr("(3,)"));
  }
  EXPECT_EQ(x.version(), 0U);  // a refused write does not count
  EXPECT_THROW(x *= Tensor::ones({4}), ShapeError);
}

}  // namespace
