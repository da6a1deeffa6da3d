#include "nabla/nn/module.hpp"

#include <algorithm>
#include <iomanip>
#include <sstream>
#include <stdexcept>
#include <unordered_set>

namespace nabla::nn {

namespace {

// The rows summary() collects while its forward pass runs: one per module called.
struct SummaryRow {
  std::string path;
  std::string type;
  Shape output;
  std::int64_t parameters;
  int depth;
};
thread_local std::vector<SummaryRow>* summary_rows = nullptr;

// A ShapeError already prefixed with the innermost module's name: the modules around it pass it
// on unchanged.
struct NamedShapeError : ShapeError {
  using ShapeError::ShapeError;
};

std::int64_t own_parameter_count(const std::vector<std::pair<std::string, Parameter>>& params) {
  std::int64_t count = 0;
  for (const auto& [name, p] : params) count += p.size();
  return count;
}

}  // namespace

Variable Module::operator()(const Variable& x) {
  // The summary's rows in the order of the calls, each filled in when its call returns.
  std::size_t row = 0;
  if (summary_rows) {
    int depth = path_.empty() ? 0 : 1;
    for (char c : path_) depth += c == '.';
    row = summary_rows->size();
    summary_rows->push_back({path_, type_name_, {}, own_parameter_count(parameters_), depth});
  }
  Variable y;
  try {
    y = forward(x);
  } catch (const NamedShapeError&) {
    throw;
  } catch (const ShapeError& e) {
    const std::string name = path_.empty() ? type_name_ : path_ + " (" + type_name_ + ")";
    throw NamedShapeError(name + ": " + e.what());
  }
  if (summary_rows) (*summary_rows)[row].output = y.shape();
  return y;
}

void Module::check_name(const std::string& name) const {
  if (name.empty() || name.find('.') != std::string::npos) {
    throw std::invalid_argument(type_name_ + ": the name '" + name +
                                "' must be non-empty and without '.'");
  }
  const auto taken = [&](const auto& list) {
    for (const auto& [other, unused] : list) {
      if (other == name) return true;
    }
    return false;
  };
  if (taken(parameters_) || taken(buffers_) || taken(children_)) {
    throw std::invalid_argument(type_name_ + ": the name '" + name + "' is registered twice");
  }
}

Parameter Module::register_parameter(const std::string& name, Tensor data) {
  check_name(name);
  Parameter p(std::move(data), name);
  parameters_.emplace_back(name, p);
  return p;
}

void Module::register_buffer(const std::string& name, Tensor data) {
  check_name(name);
  buffers_.emplace_back(name, std::move(data));
}

Tensor& Module::buffer(const std::string& name) {
  for (auto& [other, tensor] : buffers_) {
    if (other == name) return tensor;
  }
  throw std::invalid_argument(type_name_ + ": no buffer named '" + name + "'");
}

void Module::set_buffer(const std::string& name, Tensor data) { buffer(name) = std::move(data); }

void Module::add_child(const std::string& name, std::shared_ptr<Module> module) {
  if (!module) throw std::invalid_argument(type_name_ + ": the module '" + name + "' is null");
  check_name(name);
  children_.emplace_back(name, module);
  module->set_path(path_.empty() ? name : path_ + "." + name);
}

void Module::set_path(const std::string& path) {
  path_ = path;
  for (auto& [name, child] : children_) child->set_path(path_ + "." + name);
}

std::vector<std::pair<std::string, Module*>> Module::named_modules() {
  std::vector<std::pair<std::string, Module*>> result{{"", this}};
  // Depth-first without recursion: a stack of (prefix, module), children pushed in reverse.
  std::vector<std::pair<std::string, Module*>> stack;
  const auto push_children = [&](const std::string& prefix, Module* m) {
    for (auto it = m->children_.rbegin(); it != m->children_.rend(); ++it) {
      stack.emplace_back(prefix.empty() ? it->first : prefix + "." + it->first, it->second.get());
    }
  };
  push_children("", this);
  while (!stack.empty()) {
    auto [prefix, m] = stack.back();
    stack.pop_back();
    result.emplace_back(prefix, m);
    push_children(prefix, m);
  }
  return result;
}

std::vector<std::pair<std::string, Parameter>> Module::named_parameters() const {
  std::vector<std::pair<std::string, Parameter>> result;
  std::unordered_set<const void*> seen;  // a parameter's identity: its data's address
  for (const auto& [prefix, m] : const_cast<Module*>(this)->named_modules()) {
    for (const auto& [name, p] : m->parameters_) {
      if (!seen.insert(&p.data()).second) continue;
      result.emplace_back(prefix.empty() ? name : prefix + "." + name, p);
    }
  }
  return result;
}

std::vector<Parameter> Module::parameters() const {
  std::vector<Parameter> result;
  for (auto& [name, p] : named_parameters()) result.push_back(p);
  return result;
}

std::vector<std::pair<std::string, Tensor>> Module::named_buffers() const {
  std::vector<std::pair<std::string, Tensor>> result;
  for (const auto& [prefix, m] : const_cast<Module*>(this)->named_modules()) {
    for (const auto& [name, t] : m->buffers_) {
      result.emplace_back(prefix.empty() ? name : prefix + "." + name, t);
    }
  }
  return result;
}

std::int64_t Module::parameter_count() const {
  std::int64_t count = 0;
  for (const Parameter& p : parameters()) count += p.size();
  return count;
}

void Module::zero_grad() {
  for (Parameter& p : parameters()) p.cleargrad();
}

void Module::train(bool training) {
  for (auto& [prefix, m] : named_modules()) m->training_ = training;
}

std::string Module::summary(const Shape& input_shape, DType dtype) {
  std::vector<SummaryRow> rows;
  const bool was_training = training_;
  eval();
  summary_rows = &rows;
  try {
    no_grad scope;
    (*this)(Variable(Tensor::zeros(input_shape, dtype)));
  } catch (...) {
    summary_rows = nullptr;
    train(was_training);
    throw;
  }
  summary_rows = nullptr;
  train(was_training);
  std::ostringstream out;
  out << std::left << std::setw(32) << "layer" << std::setw(20) << "output shape" << std::right
      << std::setw(12) << "parameters" << '\n';
  out << std::string(64, '-') << '\n';
  for (const SummaryRow& row : rows) {
    const std::string name = row.path.empty() ? row.type : row.path + " (" + row.type + ")";
    out << std::left << std::setw(32) << (std::string(2 * std::max(row.depth - 1, 0), ' ') + name)
        << std::setw(20) << shape_string(row.output) << std::right << std::setw(12)
        << row.parameters << '\n';
  }
  out << std::string(64, '-') << '\n';
  out << "input " << shape_string(input_shape) << ", " << parameter_count() << " parameters\n";
  return out.str();
}

Sequential::Sequential(std::initializer_list<std::shared_ptr<Module>> modules)
    : Module("Sequential") {
  for (const auto& m : modules) push_back(m);
}

void Sequential::push_back(std::shared_ptr<Module> module) {
  register_module(std::to_string(size()), std::move(module));
}

Variable Sequential::forward(const Variable& x) {
  Variable y = x;
  for (const auto& [name, m] : named_children()) y = (*m)(y);
  return y;
}

}  // namespace nabla::nn
