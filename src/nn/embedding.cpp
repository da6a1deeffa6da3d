#include "nabla/nn/embedding.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "nabla/nn/init.hpp"

namespace nabla::nn {

Embedding::Embedding(std::int64_t num_embeddings, std::int64_t embedding_dim,
                     const EmbeddingOptions& options)
    : Module("Embedding"), num_embeddings_(num_embeddings), embedding_dim_(embedding_dim) {
  if (num_embeddings < 1 || embedding_dim < 1) {
    throw std::invalid_argument("Embedding: the sizes must be positive, not " +
                                std::to_string(num_embeddings) + " and " +
                                std::to_string(embedding_dim));
  }
  Generator& generator = options.generator ? *options.generator : default_generator();
  weight_ = register_parameter(
      "weight", Tensor::randn({num_embeddings, embedding_dim}, generator, options.dtype));
}

Variable Embedding::forward(const Variable& x) {
  std::vector<std::int64_t> rows;
  rows.reserve(static_cast<std::size_t>(x.size()));
  for (const double value : x.data().to_vector()) {
    if (!(std::floor(value) == value) || value < 0 ||
        value >= static_cast<double>(num_embeddings_)) {
      throw ShapeError("index " + std::to_string(value) + " is not a row of the weight (" +
                       std::to_string(num_embeddings_) + ", " + std::to_string(embedding_dim_) +
                       ")");
    }
    rows.push_back(static_cast<std::int64_t>(value));
  }
  Shape shape = x.shape();
  shape.push_back(embedding_dim_);
  if (rows.empty()) return Variable(Tensor::zeros(shape, weight_.dtype()));
  return reshape(get_item(weight_, {rows}), shape);
}

}  // namespace nabla::nn
