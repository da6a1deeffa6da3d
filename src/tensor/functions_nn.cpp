// Matrix products, softmax and the losses on Variables, and their backward passes.
//
//   matmul:   C = A B           Ā = C̄ Bᵀ,  B̄ = Aᵀ C̄   (batch axes summed back by sum_to;
//                                transposes read in place by the GEMM, never copied)
//   linear:   y = x W + b        the same, and b̄ = ȳ summed over the rows
//   softmax:  y = softmax(x)     x̄ = y ⊙ (ȳ - Σ ȳ ⊙ y)
//   log_softmax: y               x̄ = ȳ - softmax(x) Σ ȳ
//   softmax cross-entropy of N rows: x̄ = (softmax(x) - onehot(t)) ȳ / N
// Each backward is written with Variable operations, so every one of them differentiates again.
#include <cmath>
#include <string>
#include <utility>

#include "autograd_internal.hpp"

namespace nabla {

namespace {

using detail::record;
using detail::save_all;
using detail::save_none;

// The gradients of C = op(A) op(B) given C̄, for the inputs asked for, where op transposes
// the last two axes when asked (transpose_a, transpose_b). With op(A) = A, Ā = C̄ op(B)ᵀ; with
// op(A) = Aᵀ, Ā = op(B) C̄ᵀ; likewise B̄ = op(A)ᵀ C̄ or C̄ᵀ op(A). Each is a transposed product
// again, which the GEMM reads in place: no transpose is ever copied. A 1-D operand is a row
// (left) or column (right) whose axis matmul dropped: it is put back, then taken out again.
std::pair<Variable, Variable> matmul_gradients(const Variable& a, const Variable& b,
                                               const Variable& gy, bool need_a, bool need_b,
                                               bool transpose_a, bool transpose_b) {
  const bool a_vector = a.ndim() == 1;
  const bool b_vector = b.ndim() == 1;
  const Variable a2 = a_vector ? reshape(a, {1, a.shape()[0]}) : a;
  const Variable b2 = b_vector ? reshape(b, {b.shape()[0], 1}) : b;
  Shape shape = gy.shape();
  if (a_vector && b_vector) {
    shape = {1, 1};
  } else if (a_vector) {
    shape.insert(shape.end() - 1, 1);
  } else if (b_vector) {
    shape.push_back(1);
  }
  const Variable g2 = reshape(gy, shape);
  Variable ga, gb;
  if (need_a) {
    const Variable product =
        transpose_a ? matmul(b2, g2, transpose_b, true) : matmul(g2, b2, false, !transpose_b);
    ga = reshape(sum_to(product, a2.shape()), a.shape());
  }
  if (need_b) {
    const Variable product =
        transpose_b ? matmul(g2, a2, true, transpose_a) : matmul(a2, g2, !transpose_a, false);
    gb = reshape(sum_to(product, b2.shape()), b.shape());
  }
  return {ga, gb};
}

struct MatMul final : Function {
  MatMul(bool transpose_a, bool transpose_b) : transpose_a(transpose_a), transpose_b(transpose_b) {}
  std::string_view name() const override { return "matmul"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    auto [ga, gb] = matmul_gradients(input(0), input(1), gy[0], needs_input_grad(0),
                                     needs_input_grad(1), transpose_a, transpose_b);
    return {ga, gb};
  }
  bool transpose_a, transpose_b;
};

struct Linear final : Function {
  std::string_view name() const override { return "linear"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    auto [gx, gw] = matmul_gradients(input(0), input(1), gy[0], needs_input_grad(0),
                                     needs_input_grad(1), false, false);
    std::vector<Variable> gxs{gx, gw};
    if (num_inputs() == 3) {
      gxs.push_back(needs_input_grad(2) ? sum_to(gy[0], input_shape(2)) : Variable());
    }
    return gxs;
  }
};

// The sum along softmax's axis, keeping it. The Tensor softmax treats a 0-d tensor as one
// element along its own axis; sum has no axis to take there, and one element sums to itself.
Variable sum_along(const Variable& x, int axis) { return x.ndim() == 0 ? x : sum(x, {axis}, true); }

struct Softmax final : Function {
  explicit Softmax(int axis) : axis(axis) {}
  int axis;
  std::string_view name() const override { return "softmax"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable y = output(0);
    const Variable gy_y = gy[0] * y;
    return {gy_y - y * sum_along(gy_y, axis)};
  }
};

struct LogSoftmax final : Function {
  explicit LogSoftmax(int axis) : axis(axis) {}
  int axis;
  std::string_view name() const override { return "log_softmax"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {gy[0] - exp(output(0)) * sum_along(gy[0], axis)};
  }
};

struct MeanSquaredError final : Function {
  std::string_view name() const override { return "mean_squared_error"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable difference = input(0) - input(1);
    const Variable g = difference * gy[0] * (2.0 / static_cast<double>(difference.size()));
    Variable ga, gb;
    if (needs_input_grad(0)) ga = sum_to(g, input_shape(0));
    if (needs_input_grad(1)) gb = sum_to(-g, input_shape(1));
    return {ga, gb};
  }
};

struct SoftmaxCrossEntropy final : Function {
  explicit SoftmaxCrossEntropy(std::vector<std::int64_t> labels) : labels(std::move(labels)) {}
  std::vector<std::int64_t> labels;
  std::string_view name() const override { return "softmax_cross_entropy"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable x = input(0);
    const std::int64_t rows = x.shape()[0];
    const std::int64_t classes = x.shape()[1];
    Tensor onehot = Tensor::zeros(x.shape(), x.dtype());
    auto fill = [&](auto* p) {
      for (std::int64_t n = 0; n < rows; ++n)
        p[n * classes + labels[static_cast<std::size_t>(n)]] = 1;
    };
    if (x.dtype() == DType::float32) {
      fill(onehot.mutable_data<float>());
    } else {
      fill(onehot.mutable_data<double>());
    }
    return {(softmax(x, 1) - Variable(onehot)) * (gy[0] / static_cast<double>(rows))};
  }
};

template <class T>
double picked_log_probability_sum(const Tensor& log_p, const std::vector<std::int64_t>& labels,
                                  std::int64_t classes) {
  const T* p = log_p.data<T>();
  double total = 0;
  for (std::size_t n = 0; n < labels.size(); ++n) {
    total += static_cast<double>(p[static_cast<std::int64_t>(n) * classes + labels[n]]);
  }
  return total;
}

}  // namespace

Variable matmul(const Variable& a, const Variable& b) { return matmul(a, b, false, false); }

Variable matmul(const Variable& a, const Variable& b, bool transpose_a, bool transpose_b) {
  // A vector is never transposed (as for Tensors): the flags only apply to matrices.
  transpose_a = transpose_a && a.ndim() > 1;
  transpose_b = transpose_b && b.ndim() > 1;
  return record<MatMul>(matmul(a.data(), b.data(), transpose_a, transpose_b), {&a, &b}, save_all,
                        transpose_a, transpose_b);
}

Variable linear(const Variable& x, const Variable& W, const Variable& b) {
  Tensor y = matmul(x.data(), W.data());
  if (!b.defined()) return record<Linear>(std::move(y), {&x, &W}, save_all);
  y += b.data();  // y is new: nobody can have saved it
  return record<Linear>(std::move(y), {&x, &W, &b}, 0b011);
}

Variable softmax(const Variable& x, int axis) {
  return record<Softmax>(softmax(x.data(), axis), {&x}, save_none, axis);
}

Variable log_softmax(const Variable& x, int axis) {
  return record<LogSoftmax>(log_softmax(x.data(), axis), {&x}, save_none, axis);
}

Variable mean_squared_error(const Variable& a, const Variable& b) {
  const Tensor difference = a.data() - b.data();
  return record<MeanSquaredError>(mean(difference * difference), {&a, &b}, save_all);
}

Variable softmax_cross_entropy(const Variable& logits, const std::vector<std::int64_t>& labels) {
  const Shape& shape = logits.shape();
  if (shape.size() != 2) {
    throw ShapeError("softmax_cross_entropy: logits must have shape (N, C), got " +
                     shape_string(shape));
  }
  const std::int64_t rows = shape[0];
  const std::int64_t classes = shape[1];
  if (static_cast<std::int64_t>(labels.size()) != rows) {
    throw ShapeError("softmax_cross_entropy: logits " + shape_string(shape) + " have " +
                     std::to_string(rows) + " rows but there are " + std::to_string(labels.size()) +
                     " labels");
  }
  if (rows == 0) throw ShapeError("softmax_cross_entropy: an empty batch has no mean");
  for (std::size_t n = 0; n < labels.size(); ++n) {
    if (labels[n] < 0 || labels[n] >= classes) {
      throw ShapeError("softmax_cross_entropy: label " + std::to_string(labels[n]) + " of row " +
                       std::to_string(n) + " is not a class of logits " + shape_string(shape));
    }
  }
  const Tensor log_p = log_softmax(logits.data(), 1);
  const double total = logits.dtype() == DType::float32
                           ? picked_log_probability_sum<float>(log_p, labels, classes)
                           : picked_log_probability_sum<double>(log_p, labels, classes);
  Tensor loss(Shape{}, std::vector<double>{-total / static_cast<double>(rows)}, logits.dtype());
  return record<SoftmaxCrossEntropy>(std::move(loss), {&logits}, save_all, labels);
}

Variable softmax_cross_entropy(const Variable& logits, std::initializer_list<std::int64_t> labels) {
  return softmax_cross_entropy(logits, std::vector<std::int64_t>(labels));
}

Variable softmax_cross_entropy(const Variable& logits, const Tensor& labels) {
  if (labels.ndim() != 1) {
    throw ShapeError("softmax_cross_entropy: labels must be one axis of class indices, got " +
                     shape_string(labels.shape()));
  }
  std::vector<std::int64_t> indices;
  indices.reserve(static_cast<std::size_t>(labels.size()));
  for (double value : labels.to_vector()) {
    if (!(std::floor(value) == value) || std::abs(value) > 9.0e15) {
      throw ShapeError("softmax_cross_entropy: label " + std::to_string(value) +
                       " is not a class index");
    }
    indices.push_back(static_cast<std::int64_t>(value));
  }
  return softmax_cross_entropy(logits, indices);
}

}  // namespace nabla
