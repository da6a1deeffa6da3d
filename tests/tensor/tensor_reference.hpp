// Slow, obviously correct references for the tensor tests: every element is found through its
// multi-index and Tensor::at, so the kernels' stride tricks are checked against the definition.
#pragma once

#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::testing {

using MultiIndex = std::vector<std::int64_t>;

// The message of the Exception f() throws, or "no exception".
template <class Exception, class F>
std::string message_of(F&& f) {
  try {
    f();
  } catch (const Exception& error) {
    return error.what();
  }
  return "no exception";
}

// Every multi-index of `shape` in row-major order (one empty index for a 0-d shape).
inline std::vector<MultiIndex> all_indices(const Shape& shape) {
  std::vector<MultiIndex> indices;
  if (shape_size(shape) == 0) return indices;
  MultiIndex index(shape.size(), 0);
  while (true) {
    indices.push_back(index);
    int d = static_cast<int>(shape.size()) - 1;
    while (d >= 0 && ++index[d] == shape[d]) index[d--] = 0;
    if (d < 0) return indices;
  }
}

// The element of x that broadcasting reads for `index` into the broadcast shape.
inline double broadcast_read(const Tensor& x, const MultiIndex& index) {
  MultiIndex own(x.shape().size());
  const std::size_t lead = index.size() - own.size();
  for (std::size_t d = 0; d < own.size(); ++d) {
    own[d] = x.shape()[d] == 1 ? 0 : index[lead + d];
  }
  return x.at(own);
}

// The broadcast shape by NumPy's rule, written independently of broadcast_shapes.
inline Shape reference_broadcast(const Shape& a, const Shape& b) {
  Shape longer = a.size() >= b.size() ? a : b;
  const Shape& shorter = a.size() >= b.size() ? b : a;
  for (std::size_t i = 0; i < shorter.size(); ++i) {
    std::int64_t& target = longer[longer.size() - shorter.size() + i];
    if (target == 1) target = shorter[i];
  }
  return longer;
}

inline Tensor reference_binary(const Tensor& a, const Tensor& b,
                               const std::function<double(double, double)>& op) {
  const Shape shape = reference_broadcast(a.shape(), b.shape());
  std::vector<double> values;
  for (const MultiIndex& index : all_indices(shape)) {
    values.push_back(op(broadcast_read(a, index), broadcast_read(b, index)));
  }
  return Tensor(shape, values);
}

inline Tensor random_tensor(const Shape& shape, std::mt19937_64& engine,
                            DType dtype = DType::float64) {
  std::uniform_real_distribution<double> uniform(-2.0, 2.0);
  std::vector<double> values(static_cast<std::size_t>(shape_size(shape)));
  for (double& v : values) v = uniform(engine);
  return Tensor(shape, values, dtype);
}

// A random shape of up to `max_ndim` axes with lengths 1 to 4.
inline Shape random_shape(std::mt19937_64& engine, int max_ndim) {
  std::uniform_int_distribution<int> ndim(0, max_ndim);
  std::uniform_int_distribution<std::int64_t> length(1, 4);
  Shape shape(static_cast<std::size_t>(ndim(engine)));
  for (std::int64_t& l : shape) l = length(engine);
  return shape;
}

// A shape that broadcasts with `shape`: some leading axes dropped, some axes set to 1.
inline Shape broadcastable_partner(const Shape& shape, std::mt19937_64& engine) {
  std::uniform_int_distribution<std::size_t> drop(0, shape.size());
  std::bernoulli_distribution to_one(0.4);
  Shape partner(shape.begin() + static_cast<std::ptrdiff_t>(drop(engine)), shape.end());
  for (std::int64_t& l : partner) {
    if (to_one(engine)) l = 1;
  }
  return partner;
}

}  // namespace nabla::testing
