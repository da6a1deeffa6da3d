#include "nabla/nn/optim.hpp"

#include <cmath>
#include <stdexcept>
#include <string>
#include <unordered_set>

namespace nabla::nn {

namespace {

void require(bool condition, const std::string& message) {
  if (!condition) throw std::invalid_argument(message);
}

std::vector<ParamGroup> one_group(std::vector<Parameter> params) {
  return {ParamGroup{std::move(params), std::nullopt, std::nullopt}};
}

// Calls body(p, g, n) with the raw numbers of data and grad (of data's dtype) and their count.
template <class Body>
void with_numbers(Tensor& data, const Tensor& grad, Body body) {
  if (grad.shape() != data.shape()) {
    throw ShapeError("optimizer: a gradient of shape " + shape_string(grad.shape()) +
                     " for a parameter of shape " + shape_string(data.shape()));
  }
  const Tensor g = grad.dtype() == data.dtype() ? grad : grad.to(data.dtype());
  const auto n = static_cast<std::size_t>(data.size());
  if (data.dtype() == DType::float32) {
    body(data.mutable_data<float>(), g.data<float>(), n);
  } else {
    body(data.mutable_data<double>(), g.data<double>(), n);
  }
}

template <class T>
T* numbers(Tensor& t) {
  return t.mutable_data<T>();
}

}  // namespace

Optimizer::Optimizer(std::vector<ParamGroup> groups, double lr, double weight_decay,
                     int state_count)
    : state_count_(state_count) {
  require(lr >= 0, "optimizer: the learning rate must not be negative, not " + std::to_string(lr));
  require(weight_decay >= 0,
          "optimizer: the weight decay must not be negative, not " + std::to_string(weight_decay));
  std::unordered_set<const void*> seen;
  std::size_t count = 0;
  for (ParamGroup& g : groups) {
    const double group_lr = g.lr.value_or(lr);
    const double group_decay = g.weight_decay.value_or(weight_decay);
    require(group_lr >= 0, "optimizer: a group's learning rate must not be negative, not " +
                               std::to_string(group_lr));
    require(group_decay >= 0, "optimizer: a group's weight decay must not be negative, not " +
                                  std::to_string(group_decay));
    for (const Parameter& p : g.params) {
      require(p.defined(), "optimizer: a parameter is undefined");
      require(seen.insert(&p.data()).second, "optimizer: the parameter '" + p.name() + "' " +
                                                 shape_string(p.shape()) + " is given twice");
    }
    count += g.params.size();
    groups_.push_back({std::move(g.params), group_lr, group_decay});
  }
  require(count > 0, "optimizer: no parameters to optimize");
  for (const Group& g : groups_) {
    state_.emplace_back(g.params.size());
    counts_.emplace_back(g.params.size(), 0);
  }
}

void Optimizer::step() {
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    const Group& group = groups_[i];
    for (std::size_t j = 0; j < group.params.size(); ++j) {
      const Parameter& p = group.params[j];
      const Variable g = p.grad();
      if (!g.defined()) continue;
      std::vector<Tensor>& state = state_[i][j];
      if (state.empty()) {
        for (int k = 0; k < state_count_; ++k) state.push_back(Tensor::zeros_like(p.data()));
      }
      Tensor data = p.data();  // a handle: the update writes the parameter's own numbers
      update(data, g.data(), state, group, ++counts_[i][j]);
    }
  }
  ++steps_;
}

void Optimizer::zero_grad() {
  for (Group& g : groups_) {
    for (Parameter& p : g.params) p.cleargrad();
  }
}

void Optimizer::set_lr(double lr) {
  for (std::size_t i = 0; i < groups_.size(); ++i) set_lr(i, lr);
}

void Optimizer::set_lr(std::size_t group, double lr) {
  require(lr >= 0, "optimizer: the learning rate must not be negative, not " + std::to_string(lr));
  groups_.at(group).lr = lr;
}

// ---- SGD ---------------------------------------------------------------------------------------

SGD::SGD(std::vector<Parameter> params, const SGDOptions& options)
    : SGD(one_group(std::move(params)), options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer(std::move(groups), options.lr, options.weight_decay, options.momentum != 0 ? 1 : 0),
      options_(options) {
  require(options.momentum >= 0, "SGD: the momentum must not be negative");
  require(!options.nesterov || (options.momentum > 0 && options.dampening == 0),
          "SGD: Nesterov momentum needs a momentum and zero dampening");
}

void SGD::update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state, const Group& group,
                 std::int64_t t) {
  const double lr = group.lr, decay = group.weight_decay, mu = options_.momentum;
  const double dampening = options_.dampening;
  const bool nesterov = options_.nesterov;
  with_numbers(data, grad, [&](auto* p, const auto* g, std::size_t n) {
    using T = std::remove_pointer_t<decltype(p)>;
    T* b = mu != 0 ? numbers<T>(state[0]) : nullptr;
    for (std::size_t i = 0; i < n; ++i) {
      T d = g[i];
      if (decay != 0) d += static_cast<T>(decay) * p[i];
      if (b) {
        b[i] = t == 1 ? d : static_cast<T>(mu) * b[i] + static_cast<T>(1 - dampening) * d;
        d = nesterov ? d + static_cast<T>(mu) * b[i] : b[i];
      }
      p[i] -= static_cast<T>(lr) * d;
    }
  });
}

// ---- Adam and AdamW ----------------------------------------------------------------------------

Adam::Adam(std::vector<Parameter> params, const AdamOptions& options)
    : Adam(one_group(std::move(params)), options, false) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options)
    : Adam(std::move(groups), options, false) {}

Adam::Adam(std::vector<ParamGroup> groups, const AdamOptions& options, bool decoupled)
    : Optimizer(std::move(groups), options.lr, options.weight_decay, 2),
      options_(options),
      decoupled_(decoupled) {
  require(options.beta1 >= 0 && options.beta1 < 1, "Adam: beta1 must be in [0, 1)");
  require(options.beta2 >= 0 && options.beta2 < 1, "Adam: beta2 must be in [0, 1)");
  require(options.eps >= 0, "Adam: eps must not be negative");
}

void Adam::update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state, const Group& group,
                  std::int64_t t) {
  const double lr = group.lr, decay = group.weight_decay;
  const double beta1 = options_.beta1, beta2 = options_.beta2, eps = options_.eps;
  const double correction1 = 1 - std::pow(beta1, static_cast<double>(t));
  const double root_correction2 = std::sqrt(1 - std::pow(beta2, static_cast<double>(t)));
  const bool decoupled = decoupled_;
  with_numbers(data, grad, [&](auto* p, const auto* g, std::size_t n) {
    using T = std::remove_pointer_t<decltype(p)>;
    T* m = numbers<T>(state[0]);
    T* v = numbers<T>(state[1]);
    const T step = static_cast<T>(lr / correction1);
    for (std::size_t i = 0; i < n; ++i) {
      T d = g[i];
      if (decoupled) {
        p[i] *= static_cast<T>(1 - lr * decay);
      } else if (decay != 0) {
        d += static_cast<T>(decay) * p[i];
      }
      m[i] = static_cast<T>(beta1) * m[i] + static_cast<T>(1 - beta1) * d;
      v[i] = static_cast<T>(beta2) * v[i] + static_cast<T>(1 - beta2) * d * d;
      const T denominator =
          std::sqrt(v[i]) / static_cast<T>(root_correction2) + static_cast<T>(eps);
      p[i] -= step * m[i] / denominator;
    }
  });
}

AdamW::AdamW(std::vector<Parameter> params, AdamOptions options)
    : Adam(one_group(std::move(params)), options, true) {}

AdamW::AdamW(std::vector<ParamGroup> groups, AdamOptions options)
    : Adam(std::move(groups), options, true) {}

// ---- Gradient clipping -------------------------------------------------------------------------

double clip_grad_norm(const std::vector<Parameter>& params, double max_norm) {
  double squares = 0;
  for (const Parameter& p : params) {
    if (!p.grad().defined()) continue;
    for (const double g : p.grad().data().to_vector()) squares += g * g;
  }
  const double norm = std::sqrt(squares);
  const double scale = max_norm / (norm + 1e-6);
  if (scale < 1) {
    for (const Parameter& p : params) {
      if (!p.grad().defined()) continue;
      Tensor g = p.grad().data();
      g *= Tensor(scale);
    }
  }
  return norm;
}

}  // namespace nabla::nn
