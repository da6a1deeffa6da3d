// Reductions against a naive reference over every subset of axes, argmax, logsumexp, softmax,
// and sum_to as the adjoint of broadcast_to.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <random>

#include "nabla/tensor/tensor.hpp"
#include "tensor_reference.hpp"

namespace {

using nabla::Axes;
using nabla::DType;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using ::testing::HasSubstr;
namespace reference = nabla::testing;

// The reduction by definition: every element is folded into the output position it maps to.
Tensor reference_reduce(const Tensor& x, const std::vector<bool>& mask, bool keepdims,
                        double initial, double (*fold)(double, double)) {
  Shape kept;
  for (std::size_t d = 0; d < mask.size(); ++d) {
    if (!mask[d]) kept.push_back(x.shape()[d]);
    if (mask[d] && keepdims) kept.push_back(1);
  }
  std::map<reference::MultiIndex, double> folded;
  for (const reference::MultiIndex& index : reference::all_indices(x.shape())) {
    reference::MultiIndex target;
    for (std::size_t d = 0; d < mask.size(); ++d) {
      if (!mask[d]) target.push_back(index[d]);
      if (mask[d] && keepdims) target.push_back(0);
    }
    auto [entry, inserted] = folded.try_emplace(target, initial);
    entry->second = fold(entry->second, x.at(index));
  }
  std::vector<double> values;
  for (const reference::MultiIndex& index : reference::all_indices(kept)) {
    values.push_back(folded.count(index) ? folded[index] : initial);
  }
  return Tensor(kept, values);
}

TEST(TensorReduce, EverySubsetOfAxesMatchesTheReference) {
  std::mt19937_64 engine(11);
  for (const Shape& shape : {Shape{}, Shape{5}, Shape{3, 4}, Shape{2, 1, 3}, Shape{2, 3, 4, 5},
                             Shape{1, 7, 1}, Shape{3, 0}}) {
    const Tensor x = reference::random_tensor(shape, engine);
    const int ndim = x.ndim();
    for (int subset = 0; subset < (1 << ndim); ++subset) {
      Axes axes;
      std::vector<bool> mask(static_cast<std::size_t>(ndim), subset == 0);
      for (int d = 0; d < ndim; ++d) {
        if (subset & (1 << d)) {
          axes.push_back(d - (d % 2) * ndim);  // mix negative and positive spellings
          mask[d] = true;
        }
      }
      for (const bool keepdims : {false, true}) {
        const auto context = [&] {
          return nabla::shape_string(shape) + " axes " + std::to_string(subset) +
                 (keepdims ? " keepdims" : "");
        };
        const Tensor total = nabla::sum(x, axes, keepdims);
        const Tensor expected_total =
            reference_reduce(x, mask, keepdims, 0, [](double a, double b) { return a + b; });
        EXPECT_TRUE(nabla::allclose(total, expected_total, 1e-12, 1e-12)) << context();
        EXPECT_EQ(total.shape(), expected_total.shape()) << context();
        std::int64_t count = 1;
        for (int d = 0; d < ndim; ++d) {
          if (mask[d]) count *= shape[d];
        }
        if (count == 0) continue;
        EXPECT_TRUE(nabla::allclose(nabla::mean(x, axes, keepdims),
                                    expected_total / static_cast<double>(count), 1e-12, 1e-12))
            << context();
        const double infinity = std::numeric_limits<double>::infinity();
        EXPECT_TRUE(
            nabla::array_equal(nabla::max(x, axes, keepdims),
                               reference_reduce(x, mask, keepdims, -infinity,
                                                [](double a, double b) { return std::max(a, b); })))
            << context();
        EXPECT_TRUE(
            nabla::array_equal(nabla::min(x, axes, keepdims),
                               reference_reduce(x, mask, keepdims, infinity,
                                                [](double a, double b) { return std::min(a, b); })))
            << context();
      }
    }
  }
}

TEST(TensorReduce, ExactValuesAndShapes) {
  const Tensor x{{1, 2, 3}, {4, 5, 6}};
  EXPECT_EQ(nabla::sum(x).item(), 21);
  EXPECT_EQ(nabla::sum(x).shape(), Shape{});
  EXPECT_EQ(nabla::sum(x, {0}).to_vector(), (std::vector<double>{5, 7, 9}));
  EXPECT_EQ(nabla::sum(x, {1}, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(nabla::sum(x, {}, true).shape(), (Shape{1, 1}));
  EXPECT_EQ(nabla::mean(x, {-1}).to_vector(), (std::vector<double>{2, 5}));
  EXPECT_EQ(nabla::max(x, {0}).to_vector(), (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(nabla::min(x, {1}).to_vector(), (std::vector<double>{1, 4}));
  EXPECT_EQ(nabla::sum(Tensor::zeros({0})).item(), 0);
  EXPECT_TRUE(std::isnan(nabla::mean(Tensor::zeros({0})).item()));
}

TEST(TensorReduce, BadAxesAreShapeErrors) {
  const Tensor x = Tensor::zeros({2, 3});
  EXPECT_THAT([&] { nabla::sum(x, {2}); },
              ::testing::ThrowsMessage<ShapeError>(HasSubstr("(2, 3)")));
  EXPECT_THAT(
      [&] {
        nabla::sum(x, {0, -2});
      },
      ::testing::ThrowsMessage<ShapeError>(HasSubstr("repeated")));
  EXPECT_THROW(nabla::max(Tensor::zeros({0, 3}), {0}), ShapeError);
  EXPECT_EQ(nabla::max(Tensor::zeros({0, 3}), {1}).shape(), Shape{0});
}

TEST(TensorReduce, Float32SumsOfManyNumbersStayAccurate) {
  const Tensor ones = Tensor::full({1 << 24}, 0.1, DType::float32);
  const double exact = static_cast<double>(0.1F) * (1 << 24);
  // A naive float loop would stall at 2^21; pairwise summation keeps the relative error tiny.
  EXPECT_NEAR(nabla::sum(ones).item() / exact, 1.0, 1e-5);
  EXPECT_EQ(nabla::sum(ones).dtype(), DType::float32);
}

TEST(TensorReduce, MaxAndMinPropagateNan) {
  const Tensor x{{1, NAN, 3}, {4, 5, 6}};
  EXPECT_TRUE(std::isnan(nabla::max(x).item()));
  const std::vector<double> per_row = nabla::min(x, {1}).to_vector();
  EXPECT_TRUE(std::isnan(per_row[0]));
  EXPECT_EQ(per_row[1], 4);
}

TEST(TensorArgmax, FirstLargestAsFloat64) {
  const Tensor x = Tensor{{1, 9, 9}, {7, 2, 7}}.to(DType::float32);
  EXPECT_EQ(nabla::argmax(x).item(), 1);
  EXPECT_EQ(nabla::argmax(x).dtype(), DType::float64);
  EXPECT_EQ(nabla::argmax(x, 1).to_vector(), (std::vector<double>{1, 0}));
  EXPECT_EQ(nabla::argmax(x, 0).to_vector(), (std::vector<double>{1, 0, 0}));
  EXPECT_EQ(nabla::argmax(x, -1, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(nabla::argmax(x, std::nullopt, true).shape(), (Shape{1, 1}));
  EXPECT_EQ(nabla::argmax(Tensor{1, NAN, 5, NAN}).item(), 1);  // NumPy: the first nan
  EXPECT_THROW(nabla::argmax(x, 2), ShapeError);
  EXPECT_THROW(nabla::argmax(Tensor::zeros({0})), ShapeError);
}

TEST(TensorLogsumexp, StableForLargeAndInfiniteInputs) {
  const Tensor x{{1000, 1000}, {-1000, -1000}};
  EXPECT_EQ(nabla::logsumexp(x, {1}).to_vector(),
            (std::vector<double>{1000 + std::log(2.0), -1000 + std::log(2.0)}));
  EXPECT_NEAR(nabla::logsumexp(Tensor{1, 2, 3}).item(),
              std::log(std::exp(1.0) + std::exp(2.0) + std::exp(3.0)), 1e-15);
  const double infinity = std::numeric_limits<double>::infinity();
  EXPECT_EQ(nabla::logsumexp(Tensor{-infinity, -infinity}).item(), -infinity);
  EXPECT_EQ(nabla::logsumexp(Tensor{1, infinity}).item(), infinity);
  EXPECT_EQ(nabla::logsumexp(x, {0}, true).shape(), (Shape{1, 2}));
}

TEST(TensorSoftmax, RowsSumToOneAlongAnyAxis) {
  std::mt19937_64 engine(3);
  const Tensor x = reference::random_tensor({3, 4, 5}, engine) * 10.0;
  for (const int axis : {0, 1, 2, -1}) {
    const Tensor p = nabla::softmax(x, axis);
    EXPECT_TRUE(
        nabla::allclose(nabla::sum(p, {axis}), Tensor::ones(nabla::sum(p, {axis}).shape())));
    const Tensor expected = nabla::exp(x - nabla::logsumexp(x, {axis}, true));
    EXPECT_TRUE(nabla::allclose(p, expected, 1e-12, 1e-15));
    EXPECT_TRUE(nabla::allclose(nabla::log_softmax(x, axis), nabla::log(expected), 1e-12, 1e-12));
  }
  const Tensor huge{1000, 1000};
  EXPECT_EQ(nabla::softmax(huge).to_vector(), (std::vector<double>{0.5, 0.5}));
  EXPECT_EQ(nabla::log_softmax(huge).to_vector(),
            (std::vector<double>{-std::log(2.0), -std::log(2.0)}));
  EXPECT_THROW(nabla::softmax(x, 3), ShapeError);
  EXPECT_EQ(nabla::softmax(Tensor::zeros({2, 0})).shape(), (Shape{2, 0}));
  EXPECT_EQ(nabla::log_softmax(Tensor::zeros({0, 3}), 0).shape(), (Shape{0, 3}));
  EXPECT_EQ(nabla::softmax(Tensor(3.0)).item(), 1);
  const Tensor single = nabla::softmax(Tensor{{1, 2}, {3, 5}}.to(DType::float32), 0);
  EXPECT_EQ(single.dtype(), DType::float32);
  EXPECT_NEAR(single.at({0, 1}), 1 / (1 + std::exp(3.0)), 1e-7);
}

TEST(TensorSumTo, IsTheAdjointOfBroadcastTo) {
  std::mt19937_64 engine(17);
  for (int trial = 0; trial < 200; ++trial) {
    const Shape big = reference::random_shape(engine, 4);
    const Shape small = reference::broadcastable_partner(big, engine);
    const Tensor x = reference::random_tensor(small, engine);
    const Tensor y = reference::random_tensor(big, engine);
    // <broadcast_to(x), y> = <x, sum_to(y)>
    const double left = nabla::sum(nabla::broadcast_to(x, big) * y).item();
    const double right = nabla::sum(x * nabla::sum_to(y, small)).item();
    EXPECT_NEAR(left, right, 1e-12 * (1 + std::abs(left)));
    // sum_to(broadcast_to(x)) multiplies x by the number of copies
    const double copies = static_cast<double>(nabla::shape_size(big) / nabla::shape_size(small));
    EXPECT_TRUE(nabla::allclose(nabla::sum_to(nabla::broadcast_to(x, big), small), x * copies));
    EXPECT_EQ(nabla::sum_to(y, small).shape(), small);
  }
}

TEST(TensorSumTo, ExactValuesAndErrors) {
  const Tensor y{{1, 2, 3}, {4, 5, 6}};
  EXPECT_EQ(nabla::sum_to(y, {3}).to_vector(), (std::vector<double>{5, 7, 9}));
  EXPECT_EQ(nabla::sum_to(y, {2, 1}).to_vector(), (std::vector<double>{6, 15}));
  EXPECT_EQ(nabla::sum_to(y, {}).item(), 21);
  EXPECT_EQ(nabla::sum_to(y, {1, 1}).shape(), (Shape{1, 1}));
  EXPECT_TRUE(nabla::sum_to(y, {2, 3}).shares_storage(y));  // nothing to sum: no copy
  EXPECT_THAT([&] { nabla::sum_to(y, {2}); },
              ::testing::ThrowsMessage<ShapeError>(HasSubstr("(2, 3)")));
  EXPECT_THROW(nabla::sum_to(y, {1, 2, 3}), ShapeError);
}

}  // namespace
