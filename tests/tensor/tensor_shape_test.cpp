// Shape operations: broadcast_to, transpose and permute, expand_dims and squeeze, concatenate
// and stack, and indexing with its adjoint.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <random>

#include "nabla/tensor/tensor.hpp"
#include "tensor_reference.hpp"

namespace {

using nabla::Axes;
using nabla::DType;
using nabla::Index;
using nabla::Indices;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Slice;
using nabla::Tensor;
using ::testing::HasSubstr;
using ::testing::ThrowsMessage;
namespace reference = nabla::testing;

using Positions = std::vector<std::int64_t>;

TEST(TensorBroadcastTo, CopiesEveryStretchedElement) {
  const Tensor x = Tensor{1, 2}.reshape({2, 1});
  const Tensor y = nabla::broadcast_to(x, {3, 2, 4});
  EXPECT_EQ(y.shape(), (Shape{3, 2, 4}));
  for (const reference::MultiIndex& index : reference::all_indices(y.shape())) {
    EXPECT_EQ(y.at(index), x.at({index[1], 0}));
  }
  EXPECT_EQ(nabla::broadcast_to(Tensor(5.0), {2}).to_vector(), (std::vector<double>{5, 5}));
  EXPECT_TRUE(nabla::broadcast_to(x, {2, 1}).shares_storage(x));  // nothing to do: no copy
  EXPECT_FALSE(nabla::broadcast_to(x, {1, 2, 1}).shares_storage(x));
  EXPECT_THAT(
      [&] {
        nabla::broadcast_to(x, {3, 4});
      },
      ThrowsMessage<ShapeError>(HasSubstr("(2, 1) cannot be broadcast to shape (3, 4)")));
  EXPECT_THROW(nabla::broadcast_to(Tensor::ones({2, 3}), {3}), ShapeError);
}

TEST(TensorPermute, MovesEveryElementToItsPermutedIndex) {
  std::mt19937_64 engine(8);
  const Tensor x = reference::random_tensor({2, 3, 4, 5}, engine);
  for (const Axes& axes : {Axes{0, 1, 2, 3}, Axes{3, 2, 1, 0}, Axes{1, 0, 3, 2}, Axes{2, 0, 3, 1},
                           Axes{-1, 0, 1, 2}}) {
    const Tensor y = nabla::permute(x, axes);
    for (const reference::MultiIndex& index : reference::all_indices(y.shape())) {
      reference::MultiIndex source(4);
      for (std::size_t d = 0; d < 4; ++d) source[(axes[d] + 4) % 4] = index[d];
      ASSERT_EQ(y.at(index), x.at(source));
    }
  }
  EXPECT_TRUE(nabla::array_equal(nabla::transpose(x), nabla::permute(x, {3, 2, 1, 0})));
  EXPECT_FALSE(nabla::transpose(x).shares_storage(x));
  EXPECT_EQ(nabla::transpose(Tensor{{1, 2, 3}, {4, 5, 6}}).to_vector(),
            (std::vector<double>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(nabla::transpose(Tensor(2.0)).item(), 2);
  EXPECT_THROW(nabla::permute(x, {0, 0, 1, 2}), ShapeError);
  EXPECT_THAT(
      [&] {
        nabla::permute(x, {0, 1});
      },
      ThrowsMessage<ShapeError>(HasSubstr("(2, 3, 4, 5)")));
}

TEST(TensorPermute, LargeTransposesCrossTileBoundaries) {
  std::mt19937_64 engine(9);
  const Tensor matrix = reference::random_tensor({70, 45}, engine, DType::float32);
  const Tensor transposed = nabla::transpose(matrix);
  EXPECT_EQ(transposed.shape(), (Shape{45, 70}));
  for (const reference::MultiIndex& index : reference::all_indices(transposed.shape())) {
    ASSERT_EQ(transposed.at(index), matrix.at({index[1], index[0]}));
  }
  const Tensor batch = reference::random_tensor({3, 40, 33}, engine);
  const Tensor swapped = nabla::permute(batch, {0, 2, 1});
  for (const reference::MultiIndex& index : reference::all_indices(swapped.shape())) {
    ASSERT_EQ(swapped.at(index), batch.at({index[0], index[2], index[1]}));
  }
  EXPECT_TRUE(nabla::array_equal(nabla::transpose(transposed), matrix));
}

TEST(TensorExpandSqueeze, AreViews) {
  const Tensor x = Tensor::ones({2, 3});
  EXPECT_EQ(nabla::expand_dims(x, 0).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(nabla::expand_dims(x, -1).shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(nabla::expand_dims(x, 1).shape(), (Shape{2, 1, 3}));
  EXPECT_TRUE(nabla::expand_dims(x, 2).shares_storage(x));
  EXPECT_THROW(nabla::expand_dims(x, 3), ShapeError);
  const Tensor y = Tensor::ones({1, 2, 1, 3});
  EXPECT_EQ(nabla::squeeze(y).shape(), (Shape{2, 3}));
  EXPECT_EQ(nabla::squeeze(y, {-2}).shape(), (Shape{1, 2, 3}));
  EXPECT_EQ(nabla::squeeze(Tensor::ones({1, 1})).shape(), Shape{});
  EXPECT_TRUE(nabla::squeeze(y).shares_storage(y));
  EXPECT_THAT([&] { nabla::squeeze(y, {1}); },
              ThrowsMessage<ShapeError>(HasSubstr("(1, 2, 1, 3)")));
}

TEST(TensorConcatenate, JoinsAlongAnyAxisAndPromotes) {
  const Tensor a{{1, 2}, {3, 4}};
  const Tensor b{{5, 6}};
  EXPECT_EQ(nabla::concatenate({a, b}).to_vector(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  EXPECT_EQ(nabla::concatenate({a, b}).shape(), (Shape{3, 2}));
  const Tensor c = Tensor{7, 8}.reshape({2, 1}).to(DType::float32);
  const Tensor joined = nabla::concatenate({a, c, a}, -1);
  EXPECT_EQ(joined.shape(), (Shape{2, 5}));
  EXPECT_EQ(joined.dtype(), DType::float64);
  EXPECT_EQ(joined.to_vector(), (std::vector<double>{1, 2, 7, 1, 2, 3, 4, 8, 3, 4}));
  EXPECT_THAT(
      [&] {
        nabla::concatenate({a, b}, 1);
      },
      ThrowsMessage<ShapeError>(HasSubstr("(2, 2) and (1, 2)")));
  EXPECT_THROW(nabla::concatenate({}), ShapeError);
  EXPECT_THROW(nabla::concatenate({Tensor(1.0), Tensor(2.0)}), ShapeError);
}

TEST(TensorStack, AddsANewAxis) {
  const Tensor a{1, 2, 3};
  const Tensor b{4, 5, 6};
  EXPECT_EQ(nabla::stack({a, b}).shape(), (Shape{2, 3}));
  EXPECT_EQ(nabla::stack({a, b}).to_vector(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  const Tensor columns = nabla::stack({a, b}, -1);
  EXPECT_EQ(columns.shape(), (Shape{3, 2}));
  EXPECT_EQ(columns.to_vector(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(nabla::stack({Tensor(1.0), Tensor(2.0)}).to_vector(), (std::vector<double>{1, 2}));
  EXPECT_THAT(
      [&] {
        nabla::stack({a, Tensor{1, 2}});
      },
      ThrowsMessage<ShapeError>(HasSubstr("(3,) and (2,)")));
}

// Python's slice semantics, computed the slow way: every position in range(start, stop, step)
// after Python's clamping.
Positions python_slice(std::optional<std::int64_t> start, std::optional<std::int64_t> stop,
                       std::int64_t step, std::int64_t length) {
  const auto resolve = [&](std::optional<std::int64_t> bound, bool is_start) -> std::int64_t {
    if (!bound) return step > 0 ? (is_start ? 0 : length) : (is_start ? length - 1 : -1);
    std::int64_t value = *bound;
    if (value < 0) value += length;
    if (value < 0) return step > 0 ? 0 : -1;
    if (value >= length) return step > 0 ? length : length - 1;
    return value;
  };
  Positions positions;
  const std::int64_t first = resolve(start, true);
  const std::int64_t last = resolve(stop, false);
  for (std::int64_t i = first; step > 0 ? i < last : i > last; i += step) positions.push_back(i);
  return positions;
}

TEST(TensorGetItem, SlicesFollowPython) {
  const Tensor x = Tensor::arange(0, 7);
  const std::vector<std::optional<std::int64_t>> bounds{
      std::nullopt, -9, -7, -3, -1, 0, 1, 3, 6, 7, 10};
  for (const auto& start : bounds) {
    for (const auto& stop : bounds) {
      for (const std::int64_t step : {-3, -2, -1, 1, 2, 3}) {
        const Tensor y = nabla::get_item(x, {Slice{start, stop, step}});
        const Positions expected = python_slice(start, stop, step, 7);
        std::vector<double> values(expected.begin(), expected.end());
        ASSERT_EQ(y.to_vector(), values) << (start ? std::to_string(*start) : "") << ":"
                                         << (stop ? std::to_string(*stop) : "") << ":" << step;
      }
    }
  }
  EXPECT_EQ(nabla::get_item(x, {Slice{{}, {}, -1}}).to_vector(),
            (std::vector<double>{6, 5, 4, 3, 2, 1, 0}));
  EXPECT_THROW(nabla::get_item(x, {Slice{{}, {}, 0}}), ShapeError);
}

TEST(TensorGetItem, IntegersSlicesAndOneArrayLikeNumPy) {
  const Tensor x = Tensor::arange(0, 24).reshape({2, 3, 4});
  // x[1] -> (3, 4)
  const Tensor plane = nabla::get_item(x, {std::int64_t{1}});
  EXPECT_EQ(plane.shape(), (Shape{3, 4}));
  EXPECT_EQ(plane.at({0, 0}), 12);
  // x[-1, 1:, ::2] -> [[16, 18], [20, 22]]
  const Tensor mixed = nabla::get_item(x, {std::int64_t{-1}, Slice{1, {}}, Slice{{}, {}, 2}});
  EXPECT_EQ(mixed.shape(), (Shape{2, 2}));
  EXPECT_EQ(mixed.to_vector(), (std::vector<double>{16, 18, 20, 22}));
  // x[:, [2, 0, 2]] -> (2, 3, 4), the array's axis stays in place
  const Tensor picked = nabla::get_item(x, {Slice{}, Positions{2, 0, 2}});
  EXPECT_EQ(picked.shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(picked.at({1, 0, 3}), 23);
  EXPECT_EQ(picked.at({1, 1, 3}), 15);
  // x[:, :, [-1]] -> (2, 3, 1)
  const Tensor last = nabla::get_item(x, {Slice{}, Slice{}, Positions{-1}});
  EXPECT_EQ(last.shape(), (Shape{2, 3, 1}));
  EXPECT_EQ(last.to_vector(), (std::vector<double>{3, 7, 11, 15, 19, 23}));
  // x[0, 1, 2] -> 0-d
  const Tensor element = nabla::get_item(x, {std::int64_t{0}, std::int64_t{1}, std::int64_t{2}});
  EXPECT_EQ(element.shape(), Shape{});
  EXPECT_EQ(element.item(), 6);
  // x[[1, 1]] on the first axis, and x[1:1] is empty
  EXPECT_EQ(nabla::get_item(x, {Positions{1, 1}}).shape(), (Shape{2, 3, 4}));
  EXPECT_EQ(nabla::get_item(x, {Slice{1, 1}}).shape(), (Shape{0, 3, 4}));
  EXPECT_EQ(nabla::get_item(x, {}).to_vector(), x.to_vector());
  EXPECT_FALSE(nabla::get_item(x, {}).shares_storage(x));
}

TEST(TensorGetItem, LabelsAsIndicesPickOneEntryPerRow) {
  // probabilities[:, labels]: column labels[j] of every row.
  const Tensor probabilities{{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}};
  const Tensor chosen = nabla::get_item(probabilities, {Slice{}, Positions{1, 0, 1}});
  EXPECT_EQ(chosen.shape(), (Shape{3, 3}));
  EXPECT_EQ(chosen.at({2, 0}), 0.7);
  EXPECT_EQ(chosen.at({1, 1}), 0.8);
  EXPECT_EQ(nabla::get_item(probabilities, {Positions{}}).shape(), (Shape{0, 2}));
}

TEST(TensorGetItem, ErrorsNameTheIndexAxisAndLength) {
  const Tensor x = Tensor::zeros({2, 3});
  EXPECT_THAT(
      [&] {
        nabla::get_item(x, {std::int64_t{0}, std::int64_t{3}});
      },
      ThrowsMessage<ShapeError>(HasSubstr("index 3 is out of range for axis 1 with length 3")));
  EXPECT_THAT(
      [&] {
        nabla::get_item(x, {Positions{0, -3}});
      },
      ThrowsMessage<ShapeError>(HasSubstr("index -3 is out of range for axis 0 with length 2")));
  EXPECT_THAT(
      [&] {
        nabla::get_item(x, {std::int64_t{0}, std::int64_t{0}, std::int64_t{0}});
      },
      ThrowsMessage<ShapeError>(HasSubstr("(2, 3)")));
  EXPECT_THAT(
      [&] {
        nabla::get_item(x, {Positions{0, 1}, Positions{0, 1, 2}});
      },
      ThrowsMessage<ShapeError>(
          HasSubstr("index arrays of lengths 2 (axis 0) and 3 (axis 1) do not broadcast")));
  EXPECT_THAT(
      [&] {
        nabla::get_item(x, {Positions{1}, Positions{0, 5}});
      },
      ThrowsMessage<ShapeError>(HasSubstr("index 5 is out of range for axis 1 with length 3")));
}

// Several arrays are read together, as NumPy does: x[rows, columns] is x[rows[k], columns[k]].
TEST(TensorGetItem, SeveralArraysPickElementsTogether) {
  // DeZero's x[np.arange(N), t]: the probability of each row's label.
  const Tensor probabilities{{0.1, 0.9}, {0.8, 0.2}, {0.3, 0.7}};
  const Tensor picked = nabla::get_item(probabilities, {Positions{0, 1, 2}, Positions{1, 0, 1}});
  EXPECT_EQ(picked.shape(), (Shape{3}));
  EXPECT_EQ(picked.to_vector(), (std::vector<double>{0.9, 0.8, 0.7}));

  const Tensor x = Tensor::arange(0, 24).reshape({2, 3, 4});
  // x[[1, 0], [2, 0]] -> rows x[1, 2] and x[0, 0]: shape (2, 4)
  const Tensor rows = nabla::get_item(x, {Positions{1, 0}, Positions{2, 0}});
  EXPECT_EQ(rows.shape(), (Shape{2, 4}));
  EXPECT_EQ(rows.to_vector(), (std::vector<double>{20, 21, 22, 23, 0, 1, 2, 3}));
  // A length-1 array broadcasts: x[[1], [0, 2], [3, 1]] -> x[1, 0, 3], x[1, 2, 1]
  const Tensor broadcast = nabla::get_item(x, {Positions{1}, Positions{0, 2}, Positions{3, 1}});
  EXPECT_EQ(broadcast.to_vector(), (std::vector<double>{15, 21}));
  // x[:, [0, 2], [1, 3]] -> (2, 2): the arrays' axis stands where the first array does
  const Tensor inner = nabla::get_item(x, {Slice{}, Positions{0, 2}, Positions{1, 3}});
  EXPECT_EQ(inner.shape(), (Shape{2, 2}));
  EXPECT_EQ(inner.to_vector(), (std::vector<double>{1, 11, 13, 23}));
  // x[[0, 1], 1:, [3, 0]] -> (2, 2): NumPy would give the same numbers
  const Tensor split = nabla::get_item(x, {Positions{0, 1}, Slice{1, {}}, Positions{3, 0}});
  EXPECT_EQ(split.shape(), (Shape{2, 2}));
  EXPECT_EQ(split.to_vector(), (std::vector<double>{7, 11, 16, 20}));
  // Empty arrays give an empty axis.
  EXPECT_EQ(nabla::get_item(x, {Positions{}, Positions{}}).shape(), (Shape{0, 4}));
  EXPECT_EQ(nabla::get_item(x, {Positions{}, Positions{1}}).shape(), (Shape{0, 4}));
}

TEST(TensorScatterAdd, IsTheAdjointOfGetItem) {
  std::mt19937_64 engine(99);
  const Shape shape{4, 3, 5};
  const Tensor x = reference::random_tensor(shape, engine);
  const std::vector<Indices> cases{
      {std::int64_t{2}},
      {Slice{1, {}, 2}, std::int64_t{-1}},
      {Slice{{}, {}, -1}, Positions{0, 2, 2, 1, 0}},
      {Positions{3, 3, 0}, Slice{}, Slice{4, 0, -2}},
      {std::int64_t{0}, Slice{}, Positions{4, 4, 4}},
      {Positions{3, 0, 3}, Positions{2, 2, 2}, Positions{1, 4, 1}},
      {Positions{1, 2}, Slice{}, Positions{0}},
      {},
  };
  for (const Indices& indices : cases) {
    const Tensor y = nabla::get_item(x, indices);
    const Tensor v = reference::random_tensor(y.shape(), engine);
    // <get_item(x), v> = <x, scatter_add(v)>
    const double left = nabla::sum(y * v).item();
    const Tensor scattered = nabla::scatter_add(shape, indices, v);
    EXPECT_EQ(scattered.shape(), shape);
    EXPECT_NEAR(left, nabla::sum(x * scattered).item(), 1e-12);
  }
}

TEST(TensorScatterAdd, RepeatedIndicesAccumulate) {
  const Tensor counts = nabla::scatter_add({4}, {Positions{1, 3, 1, 1}}, Tensor::ones({4}));
  EXPECT_EQ(counts.to_vector(), (std::vector<double>{0, 3, 0, 1}));
  const Tensor rows = nabla::scatter_add({2, 2}, {Positions{0, 0}}, Tensor{{1, 2}, {3, 4}});
  EXPECT_EQ(rows.to_vector(), (std::vector<double>{4, 6, 0, 0}));
  // (0, 1) picked twice and (1, 0) once
  const Tensor pairs =
      nabla::scatter_add({2, 2}, {Positions{0, 1, 0}, Positions{1, 0, 1}}, Tensor{1, 2, 4});
  EXPECT_EQ(pairs.to_vector(), (std::vector<double>{0, 5, 2, 0}));
  const Tensor broadcast = nabla::scatter_add({3}, {Slice{0, 2}}, Tensor(5.0));
  EXPECT_EQ(broadcast.to_vector(), (std::vector<double>{5, 5, 0}));
  EXPECT_EQ(nabla::scatter_add({2}, {}, Tensor{1, 2}.to(DType::float32)).dtype(), DType::float32);
  EXPECT_THAT(
      [&] {
        nabla::scatter_add({4}, {Positions{1, 2}}, Tensor::ones({3}));
      },
      ThrowsMessage<ShapeError>(HasSubstr("(3,)")));
}

}  // namespace
