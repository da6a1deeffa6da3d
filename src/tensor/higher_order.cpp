// Second derivatives of a scalar function of a tensor, by double backward: the gradient is
// formed with create_graph, so it is itself a graph, and differentiating it again gives
//   H v    = ∇_x (∇f(x) · v)           one extra pass (hvp)
//   H[i,:] = ∇_x (∇f(x))_i             one extra pass per row (hessian)
#include "nabla/tensor/variable.hpp"

namespace nabla::detail {

Tensor tensor_hvp(const std::function<Variable(const Variable&)>& f, const Tensor& x,
                  const Tensor& v) {
  if (v.shape() != x.shape()) {
    throw ShapeError("hvp: x has shape " + shape_string(x.shape()) + " but v has shape " +
                     shape_string(v.shape()));
  }
  Variable point(x);
  Variable y = f(point);
  if (y.size() != 1) {
    throw ShapeError("hvp: f must return one number, got shape " + shape_string(y.shape()));
  }
  Variable g = grad({y}, {point}, {.create_graph = true})[0];
  // H v = d/dx (g · v), v held constant.
  Variable directional = sum(g * Variable(v));
  return grad({directional}, {point})[0].data();
}

Tensor tensor_hessian(const std::function<Variable(const Variable&)>& f, const Tensor& x) {
  Variable point(x);
  Variable y = f(point);
  if (y.size() != 1) {
    throw ShapeError("hessian: f must return one number, got shape " + shape_string(y.shape()));
  }
  const std::int64_t n = x.size();
  if (n == 0) return Tensor::zeros({0, 0}, x.dtype());
  Variable g = reshape(grad({y}, {point}, {.create_graph = true})[0], {n});
  std::vector<Tensor> rows;
  rows.reserve(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    // Row i: the gradient of g_i. Each pass runs over g's graph, so it is kept for the next.
    Variable row = grad({get_item(g, {i})}, {point}, {.retain_graph = true})[0];
    rows.push_back(reshape(row.data(), {n}));
  }
  return stack(rows, 0);
}

}  // namespace nabla::detail
