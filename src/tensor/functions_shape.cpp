// Reductions, shape changes and indexing on Variables, and their backward passes.
//
// These operations come in inverse pairs, and each one's backward is its partner:
//   sum / mean  <->  broadcast_to       (a reduced axis receives the gradient on every element)
//   sum_to      <->  broadcast_to
//   reshape     <->  reshape, permute <-> the inverse permutation
//   get_item    <->  scatter_add        (indexing sends gradients back to the indexed places)
//   concat, stack  ->  slices of the gradient
#include <string>

#include "autograd_internal.hpp"

namespace nabla {

namespace {

using detail::kept_shape;
using detail::record;
using detail::save_all;
using detail::save_none;

// gy of a reduction, spread back over the reduced axes of x.
Variable spread(const Variable& gy, const Shape& x_shape, const Axes& axes) {
  return broadcast_to(reshape(gy, kept_shape(x_shape, axes)), x_shape);
}

int normalized_axis(int axis, int ndim) { return axis < 0 ? axis + ndim : axis; }

struct Sum final : Function {
  explicit Sum(Axes axes) : axes(std::move(axes)) {}
  Axes axes;
  std::string_view name() const override { return "sum"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {spread(gy[0], input_shape(0), axes)};
  }
};

struct Mean final : Function {
  Mean(Axes axes, double count) : axes(std::move(axes)), count(count) {}
  Axes axes;
  double count;  // elements averaged into each output
  std::string_view name() const override { return "mean"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {spread(gy[0], input_shape(0), axes) / count};
  }
};

// max and min: the gradient goes to the elements equal to the extreme, split equally among
// ties (so the weights of each reduced group sum to 1, as for a single extreme). The weights
// are constants of the backward graph: almost everywhere, the arg-extreme does not move.
struct Extreme final : Function {
  Extreme(std::string_view name, Axes axes) : function_name(name), axes(std::move(axes)) {}
  std::string_view function_name;
  Axes axes;
  std::string_view name() const override { return function_name; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable x = input(0);
    const Variable y = output(0);
    const Tensor at_extreme = equal(x.data(), reshape(y.data(), kept_shape(x.shape(), axes)));
    const Tensor weights = at_extreme / sum(at_extreme, axes, true);
    return {spread(gy[0], x.shape(), axes) * Variable(weights)};
  }
};

struct Reshape final : Function {
  std::string_view name() const override { return "reshape"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {reshape(gy[0], input_shape(0))};
  }
};

struct Transpose final : Function {
  std::string_view name() const override { return "transpose"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {transpose(gy[0])};
  }
};

struct Permute final : Function {
  explicit Permute(Axes inverse) : inverse(std::move(inverse)) {}
  Axes inverse;
  std::string_view name() const override { return "permute"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {permute(gy[0], inverse)};
  }
};

struct BroadcastTo final : Function {
  std::string_view name() const override { return "broadcast_to"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {sum_to(gy[0], input_shape(0))};
  }
};

struct SumTo final : Function {
  std::string_view name() const override { return "sum_to"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {broadcast_to(gy[0], input_shape(0))};
  }
};

struct GetItem final : Function {
  explicit GetItem(Indices indices) : indices(std::move(indices)) {}
  Indices indices;
  std::string_view name() const override { return "get_item"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {scatter_add(input_shape(0), indices, gy[0])};
  }
};

struct ScatterAdd final : Function {
  explicit ScatterAdd(Indices indices) : indices(std::move(indices)) {}
  Indices indices;
  std::string_view name() const override { return "scatter_add"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {get_item(gy[0], indices)};
  }
};

// The indices selecting [start, stop) along `axis`, every earlier axis whole.
Indices slab(int axis, Index along) {
  Indices indices(static_cast<std::size_t>(axis), Slice{});
  indices.push_back(std::move(along));
  return indices;
}

struct Concat final : Function {
  Concat(int axis, std::vector<std::int64_t> offsets) : axis(axis), offsets(std::move(offsets)) {}
  int axis;
  std::vector<std::int64_t> offsets;  // where each input starts along axis, then the end
  std::string_view name() const override { return "concat"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    std::vector<Variable> gxs(num_inputs());
    for (std::size_t i = 0; i < gxs.size(); ++i) {
      if (!needs_input_grad(i)) continue;
      gxs[i] = get_item(gy[0], slab(axis, Slice{offsets[i], offsets[i + 1]}));
    }
    return gxs;
  }
};

struct Stack final : Function {
  explicit Stack(int axis) : axis(axis) {}
  int axis;
  std::string_view name() const override { return "stack"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    std::vector<Variable> gxs(num_inputs());
    for (std::size_t i = 0; i < gxs.size(); ++i) {
      if (!needs_input_grad(i)) continue;
      gxs[i] = get_item(gy[0], slab(axis, static_cast<std::int64_t>(i)));
    }
    return gxs;
  }
};

std::vector<const Variable*> pointers(const std::vector<Variable>& xs) {
  std::vector<const Variable*> result;
  result.reserve(xs.size());
  for (const Variable& x : xs) result.push_back(&x);
  return result;
}

std::vector<Tensor> data_of(const std::vector<Variable>& xs) {
  std::vector<Tensor> result;
  result.reserve(xs.size());
  for (const Variable& x : xs) result.push_back(x.data());
  return result;
}

// Records a new F over many inputs (record() takes a fixed list).
template <class F, class... Args>
Variable record_many(Tensor y, const std::vector<Variable>& xs, Args&&... args) {
  if (!is_grad_enabled()) return Variable(std::move(y));
  std::shared_ptr<Function> f = detail::make_function<F>(std::forward<Args>(args)...);
  const std::vector<const Variable*> inputs = pointers(xs);
  detail::GraphAccess::attach_inputs(*f, inputs.data(), inputs.size(), save_none);
  return detail::GraphAccess::attach_output(f, std::move(y), false);
}

}  // namespace

Variable sum(const Variable& x, const Axes& axes, bool keepdims) {
  return record<Sum>(sum(x.data(), axes, keepdims), {&x}, save_none, axes);
}

Variable mean(const Variable& x, const Axes& axes, bool keepdims) {
  Tensor y = mean(x.data(), axes, keepdims);
  const double count = y.size() == 0 ? 0.0 : static_cast<double>(x.size() / y.size());
  return record<Mean>(std::move(y), {&x}, save_none, axes, count);
}

Variable max(const Variable& x, const Axes& axes, bool keepdims) {
  return record<Extreme>(max(x.data(), axes, keepdims), {&x}, save_all, "max", axes);
}

Variable min(const Variable& x, const Axes& axes, bool keepdims) {
  return record<Extreme>(min(x.data(), axes, keepdims), {&x}, save_all, "min", axes);
}

Variable reshape(const Variable& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return record<Reshape>(reshape(x.data(), shape), {&x}, save_none);
}

Variable transpose(const Variable& x) {
  if (x.ndim() < 2) return x;
  return record<Transpose>(transpose(x.data()), {&x}, save_none);
}

Variable permute(const Variable& x, const Axes& axes) {
  Tensor y = permute(x.data(), axes);  // checks the axes
  Axes inverse(axes.size());
  for (std::size_t i = 0; i < axes.size(); ++i) {
    inverse[static_cast<std::size_t>(normalized_axis(axes[i], x.ndim()))] = static_cast<int>(i);
  }
  return record<Permute>(std::move(y), {&x}, save_none, std::move(inverse));
}

Variable broadcast_to(const Variable& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return record<BroadcastTo>(broadcast_to(x.data(), shape), {&x}, save_none);
}

Variable sum_to(const Variable& x, const Shape& shape) {
  if (x.shape() == shape) return x;
  return record<SumTo>(sum_to(x.data(), shape), {&x}, save_none);
}

Variable get_item(const Variable& x, const Indices& indices) {
  return record<GetItem>(get_item(x.data(), indices), {&x}, save_none, indices);
}

Variable scatter_add(const Shape& shape, const Indices& indices, const Variable& values) {
  return record<ScatterAdd>(scatter_add(shape, indices, values.data()), {&values}, save_none,
                            indices);
}

Variable concat(const std::vector<Variable>& xs, int axis) {
  Tensor y = concatenate(data_of(xs), axis);  // checks the shapes and the axis
  axis = normalized_axis(axis, y.ndim());
  std::vector<std::int64_t> offsets{0};
  for (const Variable& x : xs) {
    offsets.push_back(offsets.back() + x.shape()[static_cast<std::size_t>(axis)]);
  }
  return record_many<Concat>(std::move(y), xs, axis, std::move(offsets));
}

Variable stack(const std::vector<Variable>& xs, int axis) {
  Tensor y = stack(data_of(xs), axis);
  axis = normalized_axis(axis, y.ndim());
  return record_many<Stack>(std::move(y), xs, axis);
}

Variable stack(std::initializer_list<Variable> xs, int axis) {
  return stack(std::vector<Variable>(xs), axis);
}

// ---- The members that read like DeZero's -----------------------------------------------------

Variable Variable::reshape(const Shape& shape) const { return nabla::reshape(*this, shape); }
Variable Variable::transpose() const { return nabla::transpose(*this); }
Variable Variable::transpose(const Axes& axes) const { return permute(*this, axes); }
Variable Variable::sum(const Axes& axes, bool keepdims) const {
  return nabla::sum(*this, axes, keepdims);
}
Variable Variable::mean(const Axes& axes, bool keepdims) const {
  return nabla::mean(*this, axes, keepdims);
}
Variable Variable::operator[](std::int64_t index) const { return get_item(*this, {index}); }
Variable Variable::operator[](const Indices& indices) const { return get_item(*this, indices); }

}  // namespace nabla
