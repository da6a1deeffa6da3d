#include "nabla/nn/optim.hpp"

#include <cmath>
#include <map>
#include <stdexcept>
#include <string>
#include <unordered_set>
#include <utility>

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
                     std::vector<std::string> state_names)
    : state_names_(std::move(state_names)) {
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
    groups_.push_back({std::move(g.params), group_lr, group_decay, group_lr});
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
        for (std::size_t k = 0; k < state_names_.size(); ++k)
          state.push_back(Tensor::zeros_like(p.data()));
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

// ---- Checkpoints -------------------------------------------------------------------------------

namespace {

Tensor number(double value) { return Tensor(Shape{}, std::vector<double>{value}); }

std::string key(std::size_t i, std::size_t j, const std::string& name) {
  return std::to_string(i) + "." + std::to_string(j) + "." + name;
}

std::string group_key(std::size_t i, const std::string& name) {
  return "group." + std::to_string(i) + "." + name;
}

}  // namespace

NamedTensors Optimizer::state_dict() const {
  NamedTensors result{{"step", number(static_cast<double>(steps_))}};
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    result.emplace_back(group_key(i, "lr"), number(groups_[i].lr));
    result.emplace_back(group_key(i, "initial_lr"), number(groups_[i].initial_lr));
    result.emplace_back(group_key(i, "weight_decay"), number(groups_[i].weight_decay));
  }
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    for (std::size_t j = 0; j < groups_[i].params.size(); ++j) {
      if (counts_[i][j] == 0) continue;
      result.emplace_back(key(i, j, "step"), number(static_cast<double>(counts_[i][j])));
      for (std::size_t k = 0; k < state_names_.size(); ++k) {
        result.emplace_back(key(i, j, state_names_[k]), state_[i][j][k].clone());
      }
    }
  }
  return result;
}

void Optimizer::load_state_dict(const NamedTensors& state) {
  std::map<std::string, const Tensor*> by_name;
  for (const auto& [name, tensor] : state) {
    require(by_name.emplace(name, &tensor).second,
            "optimizer state: '" + name + "' is given twice");
  }
  std::unordered_set<std::string> used;
  // A 0-d number under name; with `count`, a whole number >= 0.
  auto read_number = [&](const std::string& name, bool count) {
    const auto found = by_name.find(name);
    require(found != by_name.end(), "optimizer state: '" + name + "' is missing");
    require(found->second->size() == 1 && found->second->ndim() == 0,
            "optimizer state: '" + name + "' must be one number, not " +
                shape_string(found->second->shape()));
    const double value = found->second->item();
    require(!count || (value >= 0 && std::floor(value) == value),
            "optimizer state: '" + name + "' must count steps, not " + std::to_string(value));
    used.insert(name);
    return value;
  };
  // Everything is read and checked first; nothing changes until all of it has passed.
  const auto steps = static_cast<std::int64_t>(read_number("step", true));
  std::vector<Group> groups = groups_;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    groups[i].lr = read_number(group_key(i, "lr"), false);
    groups[i].initial_lr = read_number(group_key(i, "initial_lr"), false);
    groups[i].weight_decay = read_number(group_key(i, "weight_decay"), false);
    require(groups[i].lr >= 0 && groups[i].weight_decay >= 0,
            "optimizer state: group " + std::to_string(i) + " has a negative setting");
  }
  auto counts = counts_;
  auto tensors = state_;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    for (std::size_t j = 0; j < groups[i].params.size(); ++j) {
      const Tensor& p = groups[i].params[j].data();
      tensors[i][j].clear();
      counts[i][j] = 0;
      if (!by_name.contains(key(i, j, "step"))) continue;
      counts[i][j] = static_cast<std::int64_t>(read_number(key(i, j, "step"), true));
      for (const std::string& name : state_names_) {
        const auto found = by_name.find(key(i, j, name));
        require(found != by_name.end(), "optimizer state: '" + key(i, j, name) + "' is missing");
        require(found->second->shape() == p.shape(),
                "optimizer state: '" + key(i, j, name) + "' has shape " +
                    shape_string(found->second->shape()) + ", its parameter " +
                    shape_string(p.shape()));
        tensors[i][j].push_back(found->second->to(p.dtype()));  // a copy, in p's dtype
        used.insert(found->first);
      }
    }
  }
  for (const auto& [name, tensor] : state) {
    require(used.contains(name), "optimizer state: '" + name +
                                     "' is not a name of this optimizer (another kind, or "
                                     "more groups or parameters?)");
  }
  steps_ = steps;
  for (std::size_t i = 0; i < groups.size(); ++i) {
    groups_[i].lr = groups[i].lr;
    groups_[i].initial_lr = groups[i].initial_lr;
    groups_[i].weight_decay = groups[i].weight_decay;
  }
  counts_ = std::move(counts);
  state_ = std::move(tensors);
}

// ---- SGD ---------------------------------------------------------------------------------------

SGD::SGD(std::vector<Parameter> params, const SGDOptions& options)
    : SGD(one_group(std::move(params)), options) {}

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& options)
    : Optimizer(std::move(groups), options.lr, options.weight_decay,
                options.momentum != 0 ? std::vector<std::string>{"momentum_buffer"}
                                      : std::vector<std::string>{}),
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
    : Optimizer(std::move(groups), options.lr, options.weight_decay, {"exp_avg", "exp_avg_sq"}),
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

// ---- AdaGrad, RMSprop, AdaDelta ----------------------------------------------------------------

AdaGrad::AdaGrad(std::vector<Parameter> params, const AdaGradOptions& options)
    : AdaGrad(one_group(std::move(params)), options) {}

AdaGrad::AdaGrad(std::vector<ParamGroup> groups, const AdaGradOptions& options)
    : Optimizer(std::move(groups), options.lr, options.weight_decay, {"sum"}), options_(options) {
  require(options.lr_decay >= 0, "AdaGrad: lr_decay must not be negative");
  require(options.initial_accumulator_value >= 0,
          "AdaGrad: initial_accumulator_value must not be negative");
  require(options.eps >= 0, "AdaGrad: eps must not be negative");
}

void AdaGrad::update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state,
                     const Group& group, std::int64_t t) {
  const double lr = group.lr / (1 + static_cast<double>(t - 1) * options_.lr_decay);
  const double decay = group.weight_decay, eps = options_.eps;
  const double initial = options_.initial_accumulator_value;
  with_numbers(data, grad, [&](auto* p, const auto* g, std::size_t n) {
    using T = std::remove_pointer_t<decltype(p)>;
    T* s = numbers<T>(state[0]);
    for (std::size_t i = 0; i < n; ++i) {
      T d = g[i];
      if (decay != 0) d += static_cast<T>(decay) * p[i];
      if (t == 1) s[i] = static_cast<T>(initial);  // the accumulator's starting value
      s[i] += d * d;
      p[i] -= static_cast<T>(lr) * d / (std::sqrt(s[i]) + static_cast<T>(eps));
    }
  });
}

RMSprop::RMSprop(std::vector<Parameter> params, const RMSpropOptions& options)
    : RMSprop(one_group(std::move(params)), options) {}

RMSprop::RMSprop(std::vector<ParamGroup> groups, const RMSpropOptions& options)
    : Optimizer(std::move(groups), options.lr, options.weight_decay,
                {"square_avg", "momentum_buffer", "grad_avg"}),
      options_(options) {
  require(options.alpha >= 0, "RMSprop: alpha must not be negative");
  require(options.eps >= 0, "RMSprop: eps must not be negative");
  require(options.momentum >= 0, "RMSprop: the momentum must not be negative");
}

void RMSprop::update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state,
                     const Group& group, std::int64_t) {
  const double lr = group.lr, decay = group.weight_decay, alpha = options_.alpha;
  const double eps = options_.eps, mu = options_.momentum;
  const bool centered = options_.centered;
  with_numbers(data, grad, [&](auto* p, const auto* g, std::size_t n) {
    using T = std::remove_pointer_t<decltype(p)>;
    T* v = numbers<T>(state[0]);
    T* b = numbers<T>(state[1]);
    T* a = numbers<T>(state[2]);
    for (std::size_t i = 0; i < n; ++i) {
      T d = g[i];
      if (decay != 0) d += static_cast<T>(decay) * p[i];
      v[i] = static_cast<T>(alpha) * v[i] + static_cast<T>(1 - alpha) * d * d;
      T average = v[i];
      if (centered) {
        a[i] = static_cast<T>(alpha) * a[i] + static_cast<T>(1 - alpha) * d;
        average -= a[i] * a[i];
      }
      const T denominator = std::sqrt(average) + static_cast<T>(eps);
      if (mu > 0) {
        b[i] = static_cast<T>(mu) * b[i] + d / denominator;
        p[i] -= static_cast<T>(lr) * b[i];
      } else {
        p[i] -= static_cast<T>(lr) * d / denominator;
      }
    }
  });
}

AdaDelta::AdaDelta(std::vector<Parameter> params, const AdaDeltaOptions& options)
    : AdaDelta(one_group(std::move(params)), options) {}

AdaDelta::AdaDelta(std::vector<ParamGroup> groups, const AdaDeltaOptions& options)
    : Optimizer(std::move(groups), options.lr, options.weight_decay, {"square_avg", "acc_delta"}),
      options_(options) {
  require(options.rho >= 0 && options.rho <= 1, "AdaDelta: rho must be in [0, 1]");
  require(options.eps >= 0, "AdaDelta: eps must not be negative");
}

void AdaDelta::update(Tensor& data, const Tensor& grad, std::vector<Tensor>& state,
                      const Group& group, std::int64_t) {
  const double lr = group.lr, decay = group.weight_decay, rho = options_.rho, eps = options_.eps;
  with_numbers(data, grad, [&](auto* p, const auto* g, std::size_t n) {
    using T = std::remove_pointer_t<decltype(p)>;
    T* v = numbers<T>(state[0]);
    T* u = numbers<T>(state[1]);
    for (std::size_t i = 0; i < n; ++i) {
      T d = g[i];
      if (decay != 0) d += static_cast<T>(decay) * p[i];
      v[i] = static_cast<T>(rho) * v[i] + static_cast<T>(1 - rho) * d * d;
      const T delta =
          std::sqrt(u[i] + static_cast<T>(eps)) / std::sqrt(v[i] + static_cast<T>(eps)) * d;
      u[i] = static_cast<T>(rho) * u[i] + static_cast<T>(1 - rho) * delta * delta;
      p[i] -= static_cast<T>(lr) * delta;
    }
  });
}

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
