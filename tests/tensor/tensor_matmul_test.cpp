// matmul against a naive triple loop: 2-D, batched with broadcast batches, 1-D promotion,
// float32, empty inner dimension, and the error messages.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "nabla/tensor/tensor.hpp"
#include "tensor_reference.hpp"

namespace {

using nabla::DType;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
namespace reference = nabla::testing;

// NumPy's matmul by definition: promote 1-D operands, broadcast batches, sum over k.
Tensor naive_matmul(const Tensor& a, const Tensor& b) {
  Shape left = a.shape();
  Shape right = b.shape();
  if (left.size() == 1) left.insert(left.begin(), 1);
  if (right.size() == 1) right.push_back(1);
  const Tensor x = a.reshape(left);
  const Tensor y = b.reshape(right);
  const std::int64_t m = left[left.size() - 2];
  const std::int64_t k = left.back();
  const std::int64_t n = right.back();
  const Shape batch = reference::reference_broadcast(Shape(left.begin(), left.end() - 2),
                                                     Shape(right.begin(), right.end() - 2));
  Shape shape = batch;
  shape.push_back(m);
  shape.push_back(n);
  std::vector<double> values;
  for (const reference::MultiIndex& index : reference::all_indices(shape)) {
    double total = 0;
    for (std::int64_t p = 0; p < k; ++p) {
      reference::MultiIndex at_left(index.begin(), index.end() - 2);
      at_left.push_back(index[index.size() - 2]);
      at_left.push_back(p);
      reference::MultiIndex at_right(index.begin(), index.end() - 2);
      at_right.push_back(p);
      at_right.push_back(index.back());
      total += reference::broadcast_read(x, at_left) * reference::broadcast_read(y, at_right);
    }
    values.push_back(total);
  }
  Shape result = batch;
  if (a.ndim() > 1) result.push_back(m);
  if (b.ndim() > 1) result.push_back(n);
  return Tensor(result, values);
}

TEST(TensorMatmul, TwoDimensionalExact) {
  const Tensor a{{1, 2, 3}, {4, 5, 6}};
  const Tensor b{{7, 8}, {9, 10}, {11, 12}};
  const Tensor c = nabla::matmul(a, b);
  EXPECT_EQ(c.shape(), (Shape{2, 2}));
  EXPECT_EQ(c.to_vector(), (std::vector<double>{58, 64, 139, 154}));
}

TEST(TensorMatmul, ShapesOfEveryKindMatchTheTripleLoop) {
  std::mt19937_64 engine(31);
  const std::vector<std::pair<Shape, Shape>> cases{
      {{3, 4}, {4, 5}},
      {{1, 1}, {1, 1}},
      {{64, 33}, {33, 17}},
      {{4}, {4}},
      {{4}, {4, 3}},
      {{3, 4}, {4}},
      {{2, 3, 4}, {4, 5}},
      {{3, 4}, {2, 4, 5}},
      {{2, 1, 3, 4}, {5, 4, 2}},
      {{1, 3, 4}, {6, 4, 2}},
      {{6, 3, 4}, {1, 4, 2}},
      {{2, 3, 4}, {4}},
      {{4}, {2, 4, 3}},
      {{3, 0}, {0, 2}},
      {{0, 3}, {3, 2}},
      {{2, 2, 3, 4}, {2, 1, 4, 5}},
  };
  for (const auto& [left, right] : cases) {
    const Tensor a = reference::random_tensor(left, engine);
    const Tensor b = reference::random_tensor(right, engine);
    const Tensor product = nabla::matmul(a, b);
    const Tensor expected = naive_matmul(a, b);
    EXPECT_EQ(product.shape(), expected.shape())
        << nabla::shape_string(left) << " @ " << nabla::shape_string(right);
    EXPECT_TRUE(nabla::allclose(product, expected, 1e-12, 1e-12))
        << nabla::shape_string(left) << " @ " << nabla::shape_string(right);
  }
}

TEST(TensorMatmul, Float32AndMixedDtypes) {
  std::mt19937_64 engine(32);
  const Tensor a = reference::random_tensor({5, 40, 30}, engine, DType::float32);
  const Tensor b = reference::random_tensor({30, 20}, engine, DType::float32);
  const Tensor product = nabla::matmul(a, b);
  EXPECT_EQ(product.dtype(), DType::float32);
  EXPECT_TRUE(nabla::allclose(product, naive_matmul(a, b), 1e-5, 1e-5));
  const Tensor mixed = nabla::matmul(a, b.to(DType::float64));
  EXPECT_EQ(mixed.dtype(), DType::float64);
  EXPECT_TRUE(nabla::allclose(mixed, naive_matmul(a, b), 1e-12, 1e-12));
}

TEST(TensorMatmul, EmptyInnerDimensionGivesZeros) {
  const Tensor c = nabla::matmul(Tensor::ones({2, 0}), Tensor::ones({0, 3}));
  EXPECT_EQ(c.shape(), (Shape{2, 3}));
  EXPECT_EQ(c.to_vector(), (std::vector<double>(6, 0.0)));
  EXPECT_EQ(nabla::matmul(Tensor::ones({0}), Tensor::ones({0})).item(), 0);
}

// Transposed operands are read in place by the GEMM (and by Eigen below the BLAS threshold);
// each case equals the product of explicitly transposed copies.
TEST(TensorMatmul, TransposedOperandsMatchTransposedCopies) {
  std::mt19937_64 engine(33);
  auto swap_last = [](const Tensor& t) {
    nabla::Axes axes(static_cast<std::size_t>(t.ndim()));
    for (int d = 0; d < t.ndim(); ++d) axes[static_cast<std::size_t>(d)] = d;
    std::swap(axes[axes.size() - 2], axes.back());
    return nabla::permute(t, axes);
  };
  const std::vector<std::pair<Shape, Shape>> cases{
      {{4, 3}, {5, 4}},                              // small: Eigen
      {{70, 60}, {50, 70}},                          // large enough for the BLAS
      {{2, 40, 30}, {3, 40}},                        // batched left
      {{2, 30, 40}, {2, 50, 40}}, {{6, 6}, {6, 6}},  // every combination, small and large
      {{80, 80}, {80, 80}},       {{3, 40, 40}, {40, 40}},
  };
  for (const auto& [left, right] : cases) {
    for (const DType dtype : {DType::float64, DType::float32}) {
      const Tensor a = reference::random_tensor(left, engine, dtype);
      const Tensor b = reference::random_tensor(right, engine, dtype);
      const double tolerance = dtype == DType::float32 ? 1e-5 : 1e-12;
      for (const bool ta : {false, true}) {
        for (const bool tb : {false, true}) {
          const Shape& l = left;
          const Shape& r = right;
          // only the combinations whose inner axes agree
          const std::int64_t k_left = ta ? l[l.size() - 2] : l.back();
          const std::int64_t k_right = tb ? r.back() : r[r.size() - 2];
          if (k_left != k_right) continue;
          const Tensor product = nabla::matmul(a, b, ta, tb);
          const Tensor expected = nabla::matmul(ta ? swap_last(a) : a, tb ? swap_last(b) : b);
          EXPECT_EQ(product.shape(), expected.shape());
          EXPECT_TRUE(nabla::allclose(product, expected, tolerance, tolerance))
              << nabla::shape_string(l) << (ta ? "^T" : "") << " @ " << nabla::shape_string(r)
              << (tb ? "^T" : "");
        }
      }
    }
  }
  EXPECT_THAT(
      [] {
        nabla::matmul(Tensor::ones({2, 3}), Tensor::ones({2, 3}), false, false);
      },
      ThrowsMessage<ShapeError>(HasSubstr("do not align")));
  EXPECT_NO_THROW(nabla::matmul(Tensor::ones({2, 3}), Tensor::ones({2, 3}), true, false));
  EXPECT_THAT(
      [] {
        nabla::matmul(Tensor::ones({2, 3}), Tensor::ones({4, 3}), true, false);
      },
      ThrowsMessage<ShapeError>(HasSubstr("(2, 3) (transposed) and (4, 3)")));
}

TEST(TensorMatmul, MisalignedShapesNameBothShapes) {
  EXPECT_THAT(
      [] {
        nabla::matmul(Tensor::ones({2, 3}), Tensor::ones({4, 5}));
      },
      ThrowsMessage<ShapeError>(HasSubstr("matmul: shapes (2, 3) and (4, 5) do not align")));
  EXPECT_THAT(
      [] {
        nabla::matmul(Tensor::ones({2, 2, 3}), Tensor::ones({3, 3, 1}));
      },
      ThrowsMessage<ShapeError>(HasSubstr("(2, 2, 3) and (3, 3, 1)")));
  EXPECT_THAT([] { nabla::matmul(Tensor(1.0), Tensor::ones({2})); },
              ThrowsMessage<ShapeError>(HasSubstr("() and (2,)")));
  EXPECT_THROW(nabla::matmul(Tensor::ones({3}), Tensor::ones({4})), ShapeError);
}

}  // namespace
