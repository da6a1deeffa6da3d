#include "nabla/nn/data.hpp"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>

namespace nabla::nn {

namespace {

std::int64_t rows_of(const Tensor& t) { return t.shape().empty() ? 0 : t.shape()[0]; }

// The rows of t at indices, copied into one new tensor: one allocation per batch.
Tensor gather_rows(const Tensor& t, const std::vector<std::int64_t>& indices) {
  Shape shape = t.shape();
  const std::int64_t rows = rows_of(t);
  shape[0] = static_cast<std::int64_t>(indices.size());
  Tensor result = Tensor::empty(shape, t.dtype());
  const std::size_t row_bytes =
      static_cast<std::size_t>(rows == 0 ? 0 : t.size() / rows) * dtype_size(t.dtype());
  const auto* source = t.dtype() == DType::float32 ? static_cast<const void*>(t.data<float>())
                                                   : static_cast<const void*>(t.data<double>());
  void* target = t.dtype() == DType::float32 ? static_cast<void*>(result.mutable_data<float>())
                                             : static_cast<void*>(result.mutable_data<double>());
  for (std::size_t k = 0; k < indices.size(); ++k) {
    const std::int64_t i = indices[k];
    if (i < 0 || i >= rows) {
      throw ShapeError("dataset: index " + std::to_string(i) + " is outside [0, " +
                       std::to_string(rows) + ")");
    }
    std::memcpy(static_cast<char*>(target) + k * row_bytes,
                static_cast<const char*>(source) + static_cast<std::size_t>(i) * row_bytes,
                row_bytes);
  }
  return result;
}

}  // namespace

TensorDataset::TensorDataset(Tensor inputs, Tensor targets)
    : inputs_(std::move(inputs)), targets_(std::move(targets)) {
  if (inputs_.ndim() < 1 || targets_.ndim() < 1 || rows_of(inputs_) != rows_of(targets_)) {
    throw ShapeError("TensorDataset: inputs " + shape_string(inputs_.shape()) + " and targets " +
                     shape_string(targets_.shape()) + " must have as many rows");
  }
}

Batch TensorDataset::batch(const std::vector<std::int64_t>& indices) const {
  return {gather_rows(inputs_, indices), gather_rows(targets_, indices)};
}

DataLoader::DataLoader(const Dataset& dataset, const DataLoaderOptions& options)
    : dataset_(&dataset), options_(options), generator_(options.seed) {
  if (options.batch_size < 1) {
    throw std::invalid_argument("DataLoader: the batch size must be at least 1, not " +
                                std::to_string(options.batch_size));
  }
  order_.resize(static_cast<std::size_t>(dataset.size()));
  std::iota(order_.begin(), order_.end(), 0);
}

std::int64_t DataLoader::batch_count() const {
  const std::int64_t n = dataset_->size(), b = options_.batch_size;
  return options_.drop_last ? n / b : (n + b - 1) / b;
}

std::int64_t DataLoader::end_position() const {
  return options_.drop_last ? batch_count() * options_.batch_size : dataset_->size();
}

DataLoader::Iterator DataLoader::begin() {
  order_.resize(static_cast<std::size_t>(dataset_->size()));
  std::iota(order_.begin(), order_.end(), 0);
  if (options_.shuffle) {
    // Fisher-Yates with the engine's raw numbers: std::shuffle's use of the engine is the
    // library's choice, and the order must be the same with every standard library.
    std::mt19937_64& engine = generator_.engine();
    for (std::size_t i = order_.size(); i > 1; --i) {
      const std::size_t j = static_cast<std::size_t>(engine() % i);
      std::swap(order_[i - 1], order_[j]);
    }
  }
  return Iterator(this, 0);
}

DataLoader::Iterator DataLoader::end() const { return Iterator(nullptr, end_position()); }

DataLoader::Iterator::Iterator(const DataLoader* loader, std::int64_t position)
    : loader_(loader), position_(position) {
  if (loader_) load();
}

void DataLoader::Iterator::load() {
  const std::int64_t end = loader_->end_position();
  if (position_ >= end) {
    position_ = end;
    return;
  }
  const std::int64_t stop = std::min(end, position_ + loader_->options_.batch_size);
  const std::vector<std::int64_t> indices(loader_->order_.begin() + position_,
                                          loader_->order_.begin() + stop);
  batch_ = loader_->dataset_->batch(indices);
}

DataLoader::Iterator& DataLoader::Iterator::operator++() {
  position_ = std::min(loader_->end_position(), position_ + loader_->options_.batch_size);
  load();
  return *this;
}

TensorDataset spiral(std::uint64_t seed) {
  constexpr int per_class = 100, classes = 3;
  Generator generator(seed);
  std::vector<float> points;
  std::vector<double> labels;
  const Tensor jitter = Tensor::randn({per_class * classes}, generator) * 0.2;
  const std::vector<double> jitters = jitter.to_vector();
  for (int j = 0; j < classes; ++j) {
    for (int i = 0; i < per_class; ++i) {
      const double rate = static_cast<double>(i) / per_class;
      const double radius = rate;
      const double theta =
          j * 4.0 + 4.0 * rate + jitters[static_cast<std::size_t>(j * per_class + i)];
      points.push_back(static_cast<float>(radius * std::sin(theta)));
      points.push_back(static_cast<float>(radius * std::cos(theta)));
      labels.push_back(j);
    }
  }
  const TensorDataset ordered(Tensor({per_class * classes, 2}, points),
                              Tensor({per_class * classes}, labels));
  DataLoader shuffled(ordered, {.batch_size = per_class * classes, .shuffle = true, .seed = seed});
  const Batch all = *shuffled.begin();
  return TensorDataset(all.inputs, all.targets);
}

}  // namespace nabla::nn
