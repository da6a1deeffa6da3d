// Embedding: a table of num_embeddings vectors of embedding_dim numbers, looked up by index.
// For indices of any shape S (a Tensor or Variable of integral numbers in [0, num_embeddings)),
// the output has shape S + (embedding_dim,): row indices[i] of the weight at each position i.
//
// The lookup is get_item(weight, {indices}), whose backward is scatter_add: a row used k times
// receives the sum of its k output gradients, and rows not used receive zeros. The weight
// starts as N(0, 1), PyTorch's initialisation (not Linear's uniform one).
#pragma once

#include <cstdint>

#include "nabla/nn/module.hpp"

namespace nabla::nn {

struct EmbeddingOptions {
  DType dtype = DType::float32;
  Generator* generator = nullptr;  // nullptr: default_generator()
};

class Embedding : public Module {
 public:
  Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
            const EmbeddingOptions& options = {});
  // x holds the indices; a non-integral number or one out of range is a ShapeError.
  Variable forward(const Variable& x) override;
  std::int64_t num_embeddings() const { return num_embeddings_; }
  std::int64_t embedding_dim() const { return embedding_dim_; }
  const Parameter& weight() const { return weight_; }

 private:
  std::int64_t num_embeddings_;
  std::int64_t embedding_dim_;
  Parameter weight_;
};

}  // namespace nabla::nn
