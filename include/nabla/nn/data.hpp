// Data: datasets of (input, target) examples and a loader that serves them in batches.
//
// A Dataset gathers a batch itself, given the indices of its examples, so that a dataset held in
// tensors copies rows straight into the batch: no per-example allocation. A DataLoader walks a
// dataset epoch by epoch, in order or in a seeded random order (a fresh permutation each epoch,
// drawn from the loader's own generator, so the sequence of epochs is the same every run):
//
//     nabla::nn::DataLoader loader(dataset, {.batch_size = 30, .shuffle = true, .seed = 1});
//     for (int epoch = 0; epoch < 300; ++epoch)
//       for (const nabla::nn::Batch& batch : loader) { ... batch.inputs, batch.targets ... }
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn {

struct Batch {
  Tensor inputs;   // (B, ...) the examples' inputs, stacked
  Tensor targets;  // (B, ...) their targets (class indices as numbers, for classification)
};

class Dataset {
 public:
  virtual ~Dataset() = default;
  virtual std::int64_t size() const = 0;
  // The examples at `indices`, in that order (each index in [0, size())).
  virtual Batch batch(const std::vector<std::int64_t>& indices) const = 0;
};

// Examples are the rows (first-axis slices) of two tensors with as many rows.
class TensorDataset : public Dataset {
 public:
  TensorDataset(Tensor inputs, Tensor targets);  // ShapeError when the row counts differ
  std::int64_t size() const override { return inputs_.shape().empty() ? 0 : inputs_.shape()[0]; }
  Batch batch(const std::vector<std::int64_t>& indices) const override;
  const Tensor& inputs() const { return inputs_; }
  const Tensor& targets() const { return targets_; }

 private:
  Tensor inputs_;
  Tensor targets_;
};

struct DataLoaderOptions {
  std::int64_t batch_size = 1;
  bool shuffle = false;
  bool drop_last = false;  // leave out a last batch smaller than batch_size
  std::uint64_t seed = 0;  // of the shuffling generator
};

class DataLoader {
 public:
  // The loader refers to the dataset, which must outlive it. batch_size < 1 is refused.
  DataLoader(const Dataset& dataset, const DataLoaderOptions& options = {});

  std::int64_t batch_count() const;  // per epoch
  std::int64_t dataset_size() const { return dataset_->size(); }

  class Iterator {
   public:
    using value_type = Batch;
    using difference_type = std::ptrdiff_t;
    const Batch& operator*() const { return batch_; }
    const Batch* operator->() const { return &batch_; }
    Iterator& operator++();
    bool operator==(const Iterator& other) const { return position_ == other.position_; }

   private:
    friend class DataLoader;
    Iterator(const DataLoader* loader, std::int64_t position);
    void load();
    const DataLoader* loader_;
    std::int64_t position_;  // index of the first example of the current batch
    Batch batch_;
  };
  // Each begin() starts an epoch: with shuffle, it draws the epoch's order.
  Iterator begin();
  Iterator end() const;

  // The order of the current epoch (the identity without shuffle).
  const std::vector<std::int64_t>& order() const { return order_; }

 private:
  std::int64_t end_position() const;
  const Dataset* dataset_;
  DataLoaderOptions options_;
  Generator generator_;
  std::vector<std::int64_t> order_;
};

// DeZero's spiral: 3 arms of 100 points each in the plane (inputs (300, 2), float32; targets
// the arm, 0 to 2), the angle of each point jittered by N(0, 0.2^2) noise drawn from
// Generator(seed), then shuffled. A classification problem no linear model solves.
TensorDataset spiral(std::uint64_t seed = 1984);

}  // namespace nabla::nn
