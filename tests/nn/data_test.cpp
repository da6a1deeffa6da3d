// Datasets and the loader: every example once per epoch, seeded orders, rows copied intact;
// the spiral set's shape and classes.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <set>
#include <vector>

#include "nabla/nn/data.hpp"

namespace {

using nabla::Shape;
using nabla::Tensor;
using namespace nabla::nn;

TensorDataset numbered(std::int64_t n) {
  // Row i of the inputs is (i, 10 i), its target i: each batch says which rows it holds.
  std::vector<double> inputs, targets;
  for (std::int64_t i = 0; i < n; ++i) {
    inputs.push_back(static_cast<double>(i));
    inputs.push_back(10.0 * static_cast<double>(i));
    targets.push_back(static_cast<double>(i));
  }
  return TensorDataset(Tensor({n, 2}, inputs), Tensor({n}, targets));
}

std::vector<std::vector<double>> epoch(DataLoader& loader) {
  std::vector<std::vector<double>> batches;
  for (const Batch& b : loader) {
    const auto in = b.inputs.to_vector(), t = b.targets.to_vector();
    for (std::size_t k = 0; k < t.size(); ++k) {
      EXPECT_EQ(in[2 * k], t[k]);
      EXPECT_EQ(in[2 * k + 1], 10 * t[k]);
    }
    batches.push_back(t);
  }
  return batches;
}

TEST(DataLoader, EveryExampleOncePerEpochInBatchesOfTheGivenSize) {
  const TensorDataset data = numbered(10);
  DataLoader loader(data, {.batch_size = 4});
  EXPECT_EQ(loader.batch_count(), 3);
  const auto batches = epoch(loader);
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0], (std::vector<double>{0, 1, 2, 3}));
  EXPECT_EQ(batches[2], (std::vector<double>{8, 9}));
  DataLoader dropping(data, {.batch_size = 4, .drop_last = true});
  EXPECT_EQ(dropping.batch_count(), 2);
  EXPECT_EQ(epoch(dropping).size(), 2u);
  EXPECT_THROW(DataLoader(data, {.batch_size = 0}), std::invalid_argument);
}

TEST(DataLoader, ShuffledEpochsArePermutationsSeededAndDifferent) {
  const TensorDataset data = numbered(50);
  DataLoader a(data, {.batch_size = 7, .shuffle = true, .seed = 3});
  DataLoader b(data, {.batch_size = 7, .shuffle = true, .seed = 3});
  DataLoader c(data, {.batch_size = 7, .shuffle = true, .seed = 4});
  const auto flatten = [](const std::vector<std::vector<double>>& batches) {
    std::vector<double> all;
    for (const auto& batch : batches) all.insert(all.end(), batch.begin(), batch.end());
    return all;
  };
  const auto first = flatten(epoch(a)), second = flatten(epoch(a));
  EXPECT_EQ(first, flatten(epoch(b)));   // same seed, same first epoch
  EXPECT_EQ(second, flatten(epoch(b)));  // and the same second one
  EXPECT_NE(first, second);              // a fresh order each epoch
  EXPECT_NE(first, flatten(epoch(c)));
  std::vector<double> sorted = first;
  std::sort(sorted.begin(), sorted.end());
  std::vector<double> all(50);
  std::iota(all.begin(), all.end(), 0.0);
  EXPECT_EQ(sorted, all);
}

TEST(TensorDataset, RowCountsMustAgree) {
  EXPECT_THROW(TensorDataset(Tensor::zeros({3, 2}), Tensor::zeros({4})), nabla::ShapeError);
  EXPECT_THROW(numbered(3).batch({3}), nabla::ShapeError);
}

TEST(Spiral, ThreeArmsOfAHundredPointsInsideTheUnitDisc) {
  const TensorDataset data = spiral();
  EXPECT_EQ(data.inputs().shape(), (Shape{300, 2}));
  EXPECT_EQ(data.inputs().dtype(), nabla::DType::float32);
  EXPECT_EQ(data.targets().shape(), (Shape{300}));
  std::vector<int> counts(3, 0);
  for (double t : data.targets().to_vector()) ++counts.at(static_cast<std::size_t>(t));
  EXPECT_EQ(counts, (std::vector<int>{100, 100, 100}));
  const auto xy = data.inputs().to_vector();
  for (std::size_t i = 0; i < 300; ++i) EXPECT_LE(std::hypot(xy[2 * i], xy[2 * i + 1]), 1.0);
  EXPECT_EQ(spiral(1984).inputs().to_vector(), xy);  // seeded
  EXPECT_NE(spiral(2020).inputs().to_vector(), xy);
}

}  // namespace
