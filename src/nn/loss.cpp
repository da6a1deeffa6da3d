#include "nabla/nn/loss.hpp"

#include <cmath>
#include <string>
#include <utility>

#include "nabla/nn/activation.hpp"

namespace nabla::nn {

namespace {

std::vector<std::int64_t> integral_labels(const Tensor& labels, const char* loss) {
  std::vector<std::int64_t> result;
  result.reserve(static_cast<std::size_t>(labels.size()));
  for (const double value : labels.to_vector()) {
    if (!(std::floor(value) == value) || std::abs(value) > 9.0e15) {
      throw ShapeError(std::string(loss) + ": label " + std::to_string(value) +
                       " is not a class index");
    }
    result.push_back(static_cast<std::int64_t>(value));
  }
  return result;
}

Variable reduce(const Variable& losses, Reduction reduction) {
  switch (reduction) {
    case Reduction::sum:
      return sum(losses);
    case Reduction::none:
      return losses;
    case Reduction::mean:
      break;
  }
  return mean(losses);
}

// The rows' classes on the last axis: (N, C, d1, ...) becomes (N d1 ..., C), the labels'
// shape (N, d1, ...) is what 'none' returns.
struct Rows {
  Variable values;  // (M, C)
  Shape label_shape;
};

Rows class_rows(const Variable& x, std::size_t label_count, const char* loss) {
  const Shape& shape = x.shape();
  if (shape.size() < 2) {
    throw ShapeError(std::string(loss) + ": expected (N, C) or (N, C, d1, ...), got " +
                     shape_string(shape));
  }
  Shape label_shape{shape[0]};
  label_shape.insert(label_shape.end(), shape.begin() + 2, shape.end());
  if (static_cast<std::int64_t>(label_count) != shape_size(label_shape)) {
    throw ShapeError(std::string(loss) + ": input " + shape_string(shape) + " needs labels " +
                     shape_string(label_shape) + ", got " + std::to_string(label_count) +
                     " labels");
  }
  if (shape.size() == 2) return {x, label_shape};
  Axes order{0};
  for (int i = 2; i < x.ndim(); ++i) order.push_back(i);
  order.push_back(1);
  return {reshape(permute(x, order), {-1, shape[1]}), label_shape};
}

// The weighted negative log-likelihood of log-probabilities (M, C), with the label smoothing
// term of cross-entropy when smoothing > 0: PyTorch's formulas (see loss.hpp).
Variable weighted_nll(const Variable& log_p, const Shape& label_shape,
                      const std::vector<std::int64_t>& labels, const Tensor& class_weights,
                      double smoothing, Reduction reduction, std::int64_t ignore_index,
                      const char* loss) {
  const std::int64_t rows = log_p.shape()[0], classes = log_p.shape()[1];
  if (class_weights.defined() && class_weights.shape() != Shape{classes}) {
    throw ShapeError(std::string(loss) + ": the class weights must have shape (" +
                     std::to_string(classes) + ",), not " + shape_string(class_weights.shape()));
  }
  const std::vector<double> w =
      class_weights.defined() ? class_weights.to_vector() : std::vector<double>(classes, 1.0);
  std::vector<std::int64_t> row_index(static_cast<std::size_t>(rows)), picked(row_index.size());
  std::vector<double> row_weight(row_index.size()), kept(row_index.size());
  double weight_total = 0;
  for (std::int64_t n = 0; n < rows; ++n) {
    const auto i = static_cast<std::size_t>(n);
    const std::int64_t label = labels[i];
    row_index[i] = n;
    if (label == ignore_index) {
      picked[i] = 0;  // any class: its weight is 0
      continue;
    }
    if (label < 0 || label >= classes) {
      throw ShapeError(std::string(loss) + ": label " + std::to_string(label) + " of row " +
                       std::to_string(n) + " is not one of the " + std::to_string(classes) +
                       " classes");
    }
    picked[i] = label;
    row_weight[i] = w[static_cast<std::size_t>(label)];
    kept[i] = 1;
    weight_total += row_weight[i];
  }
  const DType dtype = log_p.dtype();
  Variable losses =
      -(get_item(log_p, {row_index, picked}) * Variable(Tensor({rows}, row_weight, dtype)));
  if (smoothing > 0) {
    Variable weighted =
        class_weights.defined() ? log_p * Variable(Tensor({1, classes}, w, dtype)) : log_p;
    const Variable smooth = -(sum(weighted, {1}) * Variable(Tensor({rows}, kept, dtype)));
    losses = losses * (1 - smoothing) + smooth * (smoothing / static_cast<double>(classes));
  }
  if (reduction == Reduction::none) return reshape(losses, label_shape);
  if (reduction == Reduction::sum) return sum(losses);
  return sum(losses) / weight_total;
}

}  // namespace

Variable cross_entropy(const Variable& logits, const std::vector<std::int64_t>& labels,
                       const CrossEntropyOptions& options) {
  if (!(options.label_smoothing >= 0 && options.label_smoothing <= 1)) {
    throw std::invalid_argument("cross_entropy: label_smoothing must be in [0, 1], not " +
                                std::to_string(options.label_smoothing));
  }
  const Rows rows = class_rows(logits, labels.size(), "cross_entropy");
  return weighted_nll(log_softmax(rows.values, 1), rows.label_shape, labels, options.weight,
                      options.label_smoothing, options.reduction, options.ignore_index,
                      "cross_entropy");
}

Variable cross_entropy(const Variable& logits, const Tensor& labels,
                       const CrossEntropyOptions& options) {
  return cross_entropy(logits, integral_labels(labels, "cross_entropy"), options);
}

Variable nll_loss(const Variable& log_probabilities, const Tensor& labels,
                  const NllLossOptions& options) {
  const std::vector<std::int64_t> indices = integral_labels(labels, "nll_loss");
  const Rows rows = class_rows(log_probabilities, indices.size(), "nll_loss");
  return weighted_nll(rows.values, rows.label_shape, indices, options.weight, 0, options.reduction,
                      options.ignore_index, "nll_loss");
}

Variable mse_loss(const Variable& input, const Variable& target, Reduction reduction) {
  return reduce(square(input - target), reduction);
}

Variable binary_cross_entropy_with_logits(const Variable& logits, const Variable& targets,
                                          const BceWithLogitsOptions& options) {
  if (logits.shape() != targets.shape()) {
    throw ShapeError("binary_cross_entropy_with_logits: logits " + shape_string(logits.shape()) +
                     " and targets " + shape_string(targets.shape()) + " differ in shape");
  }
  const Variable softplus_of_negative = -log_sigmoid(logits);
  Variable losses = (1.0 - targets) * logits;
  if (options.pos_weight.defined()) {
    const Variable p(options.pos_weight.to(logits.dtype()));
    losses = losses + (1.0 + (p - 1.0) * targets) * softplus_of_negative;
  } else {
    losses = losses + softplus_of_negative;
  }
  if (options.weight.defined()) losses = losses * Variable(options.weight.to(logits.dtype()));
  return reduce(losses, options.reduction);
}

}  // namespace nabla::nn
