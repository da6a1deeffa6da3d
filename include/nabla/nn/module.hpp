// Neural-network modules: DeZero's Layer and PyTorch's nn.Module, on nabla's Variables.
//
// A Module owns named Parameters (Variables an optimizer updates), named buffers (tensors that
// are saved with the model but not trained: batch norm's running statistics) and named
// submodules. Registration order is kept everywhere, and names compose into dotted paths:
//
//     struct Net : nabla::nn::Module {
//       std::shared_ptr<nabla::nn::Linear> hidden, output;
//       Net() : Module("Net") {
//         hidden = register_module("hidden", std::make_shared<nabla::nn::Linear>(784, 256));
//         output = register_module("output", std::make_shared<nabla::nn::Linear>(256, 10));
//       }
//       nabla::Variable forward(const nabla::Variable& x) override {
//         return (*output)(relu((*hidden)(x)));
//       }
//     };
//     net.named_parameters();   // hidden.weight, hidden.bias, output.weight, output.bias
//
// Calling a module, m(x), runs forward(x). Errors raised inside carry the module's dotted path
// and type ("features.0 (Linear): ..."), and summary() records each call's output shape.
// Modules are shared by std::shared_ptr and not copyable: a copy that shared the parameters
// would be a second module in name only.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

namespace nabla::nn {

// A Variable that an optimizer updates: a leaf that requires a gradient. A handle, as Variable
// is: copies refer to the same parameter.
class Parameter : public Variable {
 public:
  Parameter() = default;
  explicit Parameter(Tensor data, std::string name = {})
      : Variable(std::move(data), std::move(name)) {}
};

class Module {
 public:
  explicit Module(std::string type_name) : type_name_(std::move(type_name)) {}
  virtual ~Module() = default;
  Module(const Module&) = delete;
  Module& operator=(const Module&) = delete;

  virtual Variable forward(const Variable& x) = 0;
  // forward(x), with errors prefixed by this module's path and type.
  Variable operator()(const Variable& x);

  // "Linear", "Sequential", ...; the path is the dotted name from the outermost module that
  // holds this one ("features.0"), empty for the outermost itself.
  const std::string& type_name() const { return type_name_; }
  const std::string& path() const { return path_; }

  // Depth-first in registration order, this module's own first; a parameter registered in two
  // places (tied weights) is listed once, under its first name.
  std::vector<Parameter> parameters() const;
  std::vector<std::pair<std::string, Parameter>> named_parameters() const;
  std::vector<std::pair<std::string, Tensor>> named_buffers() const;
  const std::vector<std::pair<std::string, std::shared_ptr<Module>>>& named_children() const {
    return children_;
  }
  // Every module of the tree with its path, this one first (path ""), depth-first.
  std::vector<std::pair<std::string, Module*>> named_modules();

  std::int64_t parameter_count() const;  // numbers, not tensors
  void zero_grad();                      // every parameter's grad() becomes undefined

  // Training or inference (dropout, batch norm); reaches every submodule.
  void train(bool training = true);
  void eval() { train(false); }
  bool is_training() const { return training_; }

  // A table of the layers: each module's path, type, output shape for one forward pass on
  // zeros of input_shape (run in eval mode without recording, so that nothing changes), its own
  // parameter count, then the total: what torchinfo or Keras's summary() print.
  std::string summary(const Shape& input_shape, DType dtype = DType::float32);

 protected:
  // Names are non-empty, without '.', and unique within the module (std::invalid_argument).
  Parameter register_parameter(const std::string& name, Tensor data);
  void register_buffer(const std::string& name, Tensor data);
  template <class M>
  std::shared_ptr<M> register_module(const std::string& name, std::shared_ptr<M> module) {
    add_child(name, module);
    return module;
  }
  // The buffer registered under name (std::invalid_argument if none): layers update their
  // running statistics through it.
  Tensor& buffer(const std::string& name);
  // Replaces a buffer's tensor (a new shape or dtype, as a loaded file may give).
  void set_buffer(const std::string& name, Tensor data);

 private:
  void check_name(const std::string& name) const;
  void add_child(const std::string& name, std::shared_ptr<Module> module);
  void set_path(const std::string& path);

  std::string type_name_;
  std::string path_;
  bool training_ = true;
  std::vector<std::pair<std::string, Parameter>> parameters_;
  std::vector<std::pair<std::string, Tensor>> buffers_;
  std::vector<std::pair<std::string, std::shared_ptr<Module>>> children_;
};

// Modules applied in turn, named "0", "1", ...: PyTorch's nn.Sequential.
class Sequential : public Module {
 public:
  Sequential() : Module("Sequential") {}
  Sequential(std::initializer_list<std::shared_ptr<Module>> modules);
  void push_back(std::shared_ptr<Module> module);
  std::size_t size() const { return named_children().size(); }
  Module& operator[](std::size_t i) const { return *named_children().at(i).second; }
  Variable forward(const Variable& x) override;
};

}  // namespace nabla::nn
