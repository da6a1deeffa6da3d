// The private side of the autograd engine, shared by autograd.cpp, the functions_*.cpp files
// (one Function subclass per operation) and graph.cpp.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "nabla/tensor/variable.hpp"

namespace nabla::detail {

// Bit i set: backward reads the value of input i (a leaf input's data is then kept).
using SavedInputs = std::uint64_t;
inline constexpr SavedInputs save_none = 0;
inline constexpr SavedInputs save_all = ~SavedInputs{0};

struct GraphAccess {
  static const std::shared_ptr<VariableImpl>& impl(const Variable& x) { return x.impl_; }
  static Variable wrap(std::shared_ptr<VariableImpl> impl) { return Variable(std::move(impl)); }

  // Records inputs on f (generation, edges, versions of the data backward will read).
  static void attach_inputs(Function& f, const Variable* const* inputs, std::size_t count,
                            SavedInputs saved);
  // A new Variable holding y, created by f.
  static Variable attach_output(const std::shared_ptr<Function>& f, Tensor y, bool keep_metadata);

  // Drops f's inputs, destroying in a loop the part of the graph that only they kept alive,
  // which nested destructor calls would otherwise destroy one stack frame per operation.
  static void release_inputs(Function& f);

  using Edge = Function::Edge;
  using Output = Function::Output;
  using OutputMetadata = Function::OutputMetadata;
  static auto& inputs(Function& f) { return f.inputs_; }
  static auto& outputs(Function& f) { return f.outputs_; }
  static bool& released(Function& f) { return f.released_; }
  static std::uint64_t& pass(Function& f) { return f.pass_; }
  static std::int64_t& waiting_for(Function& f) { return f.waiting_for_; }
};

// The output of a built-in operation: y, recorded as made by a new F from the inputs when grad
// mode is on, else a leaf. The Function is not even constructed without grad mode.
template <class F, class... Args>
Variable record(Tensor y, std::initializer_list<const Variable*> inputs, SavedInputs saved,
                Args&&... args) {
  if (!is_grad_enabled()) return Variable(std::move(y));
  std::shared_ptr<Function> f = make_function<F>(std::forward<Args>(args)...);
  GraphAccess::attach_inputs(*f, inputs.begin(), inputs.size(), saved);
  return GraphAccess::attach_output(f, std::move(y), false);
}

// Shape of x's axes after reducing `axes` with keepdims (every axis when axes is empty);
// negative axes count from the end. The axes have been checked by the Tensor reduction.
Shape kept_shape(const Shape& shape, const Axes& axes);

// A 0-d tensor holding value in dtype.
inline Tensor scalar_tensor(double value, DType dtype) { return Tensor::full({}, value, dtype); }

}  // namespace nabla::detail
