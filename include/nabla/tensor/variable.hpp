// Define-by-run reverse mode on N-d arrays: DeZero's Variable and Function, in C++.
//
// A Variable holds a Tensor, the gradient it will receive and the Function that created it.
// Every operation on Variables computes its value at once and, while grad mode is on, records
// itself as its output's creator: running the program builds the graph (seeds 001 and 002).
// y.backward() then walks that graph from y to the leaves and applies, at each Function, the
// chain rule as a vector-Jacobian product:
//
//     x̄_i  +=  Σ_j  ȳ_j · ∂y_j/∂x_i          (x the Function's inputs, y its outputs)
//
// starting from ȳ = 1 (ones of y's shape). Three properties make this more than DeZero:
//
//   - Backward is written with Variable operations, so with {.create_graph = true} the
//     backward pass is itself recorded and can be differentiated again: Hessians, Newton's
//     method, Hessian-vector products (hvp, hessian below).
//   - Order: the Functions reachable from y are counted once (how many consumers each one waits
//     for) and processed as they become ready (Kahn's topological order), so a pass costs time
//     linear in the graph, wide or deep, and nothing anywhere recurses: a chain of 10^6
//     operations builds, differentiates and is freed without deepening the stack.
//   - Memory: a Function holds its outputs weakly and its leaf inputs weakly, so the graph dies
//     with the last output the user holds, and x.grad (whose create_graph graph refers to x)
//     does not keep x alive. Gradients accumulate out of place (new = old + ȳ), so no gradient
//     is ever modified behind another's back (seed 002, appendix A), and a tensor modified in
//     place after an operation saved it is reported at backward (version counters).
//
// Cost: one Function and one output per operation (two heap objects, plus the Tensor's own),
// and one vector-Jacobian product per Function in backward (docs/benchmarks.md has timings).
// Grad mode and the training flag are per thread; a graph is not: build and differentiate each
// graph on one thread at a time, and do not run two backward passes into the same leaf (a
// shared parameter) concurrently.
#pragma once

#include <concepts>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "nabla/tensor/node_pool.hpp"
#include "nabla/tensor/tensor.hpp"

namespace nabla {

class Function;
class Variable;

namespace detail {
struct VariableImpl;
struct GraphAccess;
}  // namespace detail

// Misuse of the autograd engine: an undefined Variable, a saved tensor modified in place before
// backward, a graph freed by grad() and differentiated again, an unused input that was asked for.
class AutogradError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// create_graph: record the backward pass, so that the gradients can be differentiated again.
// retain_grad: keep the gradients of intermediate (non-leaf) Variables too. With both, an
// intermediate a whose gradient's graph refers back to a (a = x * 2, y = exp(a): ā = ȳ · y,
// and y's creator holds a) forms a cycle a → a.grad → ... → a, freed only by a.cleargrad():
// the one case where the weak references below cannot break the cycle (PyTorch has it too).
struct BackwardOptions {
  bool create_graph = false;
  bool retain_grad = false;
};

class Variable {
 public:
  // Undefined (no data): what grad() returns before any backward pass.
  Variable() = default;
  Variable(Tensor data);  // NOLINT: a Tensor is a constant Variable wherever one is expected
  Variable(Tensor data, std::string name);
  // A 0-d float64 Variable. Explicit, so that a number meeting a Tensor stays a Tensor operation.
  explicit Variable(double value, std::string name = {});

  bool defined() const { return impl_ != nullptr; }
  const Tensor& data() const;
  // Replaces the data of a leaf (ShapeError-free: any shape). Functions that saved the old data
  // keep it; a non-leaf's data cannot be replaced (AutogradError).
  void set_data(Tensor data);
  Variable grad() const;  // undefined until a backward pass reaches this Variable
  void cleargrad();
  // Whether backward gives this leaf a gradient: true by default, as in DeZero. Operations
  // recorded after set_requires_grad(false) read the leaf as a constant, so no gradient is
  // computed for it (a training batch held in a Variable costs no GEMM in backward). Only a
  // leaf's can be set (AutogradError otherwise: detach() gives a leaf).
  bool requires_grad() const;
  void set_requires_grad(bool required);
  const std::string& name() const;
  void set_name(std::string name);

  const Shape& shape() const { return data().shape(); }
  int ndim() const { return data().ndim(); }
  std::int64_t size() const { return data().size(); }
  DType dtype() const { return data().dtype(); }
  double item() const { return data().item(); }

  // DeZero's and NumPy's methods, as members: the same operations as the free functions of the
  // same names below (x.reshape(2, 3) is reshape(x, {2, 3}); x.T() is transpose(x); x[i] is
  // get_item(x, {i}), and x[{rows, labels}] reads NumPy's x[rows, labels]).
  Variable reshape(const Shape& shape) const;
  template <std::integral... Sizes>
  requires(sizeof...(Sizes) > 0) Variable reshape(Sizes... sizes)
  const { return reshape(Shape{static_cast<std::int64_t>(sizes)...}); }
  Variable transpose() const;                  // every axis reversed
  Variable transpose(const Axes& axes) const;  // the axes in this order (permute)
  Variable T() const { return transpose(); }
  Variable sum(const Axes& axes = {}, bool keepdims = false) const;
  Variable mean(const Axes& axes = {}, bool keepdims = false) const;
  Variable operator[](std::int64_t index) const;
  Variable operator[](const Indices& indices) const;

  // The Function that computed this Variable; null for a leaf (made by the user, or under
  // no_grad).
  const std::shared_ptr<Function>& creator() const;
  bool is_leaf() const { return creator() == nullptr; }
  int generation() const;  // 0 for a leaf, 1 + the deepest input's otherwise

  // Accumulates into every leaf's grad() the gradient of the sum of this Variable's elements
  // (ones of its shape as the seed). This Variable's own grad() is kept (it is the seed, added
  // to any earlier one); intermediate gradients are released unless retain_grad. Works on a
  // leaf (its grad becomes ones). The graph is kept: backward may run again. The gradients are
  // stored when the pass has finished, so a pass that throws changes no grad(). No two grad()
  // a pass stores share storage (with create_graph, the second holder gets a recorded copy).
  void backward(const BackwardOptions& options = {}) const;

  // A leaf sharing this Variable's data (no gradient flows through it).
  Variable detach() const;
  // Makes this Variable a leaf: gradients stop here (DeZero's unchain).
  void unchain();

  // The same Variable (not the same numbers).
  bool is(const Variable& other) const { return impl_ == other.impl_; }

 private:
  explicit Variable(std::shared_ptr<detail::VariableImpl> impl) : impl_(std::move(impl)) {}
  detail::VariableImpl& impl() const;

  std::shared_ptr<detail::VariableImpl> impl_;

  friend class Function;
  friend struct detail::GraphAccess;
};

// DeZero's repr: "variable(0.5)", "variable([1. 2.])".
std::ostream& operator<<(std::ostream& out, const Variable& x);

// An operation of the graph: forward on Tensors, backward on Variables (so that a backward pass
// run with create_graph is itself recorded). Every built-in operation below is one; a new one is
// a subclass with name(), forward() and backward(), run by Function::apply or call<F>:
//
//     struct Square : nabla::Function {
//       std::string_view name() const override { return "square"; }
//       std::vector<nabla::Tensor> forward(const std::vector<nabla::Tensor>& x) override {
//         return {x[0] * x[0]};
//       }
//       std::vector<nabla::Variable> backward(const std::vector<nabla::Variable>& gy) override {
//         return {2.0 * input(0) * gy[0]};
//       }
//     };
//     nabla::Variable y = nabla::call<Square>({x})[0];
//
// A Function holds its non-leaf inputs (they keep the upstream graph alive), its leaf inputs
// weakly with a handle on their data, and its outputs weakly.
class Function {
 public:
  Function();
  virtual ~Function();
  Function(const Function&) = delete;
  Function& operator=(const Function&) = delete;

  virtual std::string_view name() const = 0;
  // The values of the outputs from the values of the inputs. Built-in operations compute their
  // values directly and do not go through this; a user-defined Function must override it.
  virtual std::vector<Tensor> forward(const std::vector<Tensor>& inputs);
  // One gradient per input (an undefined Variable for none), from one gradient per output
  // (an output that received none gets zeros). Written with Variable operations.
  virtual std::vector<Variable> backward(const std::vector<Variable>& output_grads) = 0;

  // Runs forward on the inputs' data and, in grad mode, records f as the outputs' creator.
  // A Function object is applied once (AutogradError the second time): it is a node of one graph.
  static std::vector<Variable> apply(std::shared_ptr<Function> f,
                                     const std::vector<Variable>& inputs);

  // ---- For backward ------------------------------------------------------------------------
  std::size_t num_inputs() const { return inputs_.size(); }
  std::size_t num_outputs() const { return outputs_.size(); }
  // Input i as it was at forward: the Variable itself while it lives, else a constant holding
  // its saved data. AutogradError if its data was modified in place since (version counter).
  Variable input(std::size_t i) const;
  // Output i (AutogradError if it no longer exists or was modified in place).
  Variable output(std::size_t i) const;
  const Shape& input_shape(std::size_t i) const;
  // False for a leaf input nobody holds any more: its gradient would be dropped.
  bool needs_input_grad(std::size_t i) const;
  int generation() const { return generation_; }

 private:
  // Edges and outputs are kept small (48 and 32 bytes): a graph of small operations is mostly
  // these, and backward walks all of them.
  struct Edge {
    std::shared_ptr<detail::VariableImpl> variable;  // a non-leaf input, kept alive
    std::weak_ptr<detail::VariableImpl> leaf;        // a leaf input, not kept alive
    std::unique_ptr<Tensor> saved;                   // the leaf's data, when backward reads it
    std::uint64_t version = 0;                       // of the input's data when recorded
  };
  struct OutputMetadata {
    Shape shape;
    DType dtype = DType::float64;
  };
  struct Output {
    std::weak_ptr<detail::VariableImpl> variable;
    std::uint64_t version = 0;
    // Only with several outputs: the shape of the zeros for one that got no gradient.
    std::unique_ptr<OutputMetadata> metadata;
  };

  std::vector<Edge, detail::PoolAllocator<Edge>> inputs_;
  std::vector<Output, detail::PoolAllocator<Output>> outputs_;
  int generation_ = 0;
  bool released_ = false;  // grad() without retain_graph freed the saved inputs
  bool applied_ = false;   // Function::apply ran it (a second apply would add a second graph)
  // Scratch of the backward pass running through this Function (autograd.cpp).
  std::uint64_t pass_ = 0;
  std::int64_t waiting_for_ = 0;

  friend struct detail::GraphAccess;
};

namespace detail {
// A new F, in the graph's memory (node_pool.hpp).
template <class F, class... Args>
std::shared_ptr<F> make_function(Args&&... args) {
  return std::allocate_shared<F>(PoolAllocator<F>{}, std::forward<Args>(args)...);
}
}  // namespace detail

// Runs a new F (made from args) on the inputs: call<Square>({x}).
template <class F, class... Args>
std::vector<Variable> call(const std::vector<Variable>& inputs, Args&&... args) {
  return Function::apply(detail::make_function<F>(std::forward<Args>(args)...), inputs);
}

namespace detail {
struct VariableImpl {
  explicit VariableImpl(Tensor data);
  ~VariableImpl();
  VariableImpl(const VariableImpl&) = delete;
  VariableImpl& operator=(const VariableImpl&) = delete;

  Tensor data;
  Variable grad;
  std::unique_ptr<std::string> name;  // null until one is given: most Variables have none
  std::shared_ptr<Function> creator;
  int generation = 0;
  bool requires_grad = true;  // for a leaf: see Variable::set_requires_grad
  // Scratch of the backward pass running through the creator: the gradient flowing in.
  Variable flow;
};
}  // namespace detail

inline detail::VariableImpl& Variable::impl() const {
  if (!impl_) throw AutogradError("use of an undefined Variable");
  return *impl_;
}
inline const Tensor& Variable::data() const { return impl().data; }
inline const std::shared_ptr<Function>& Variable::creator() const { return impl().creator; }

// ---- Gradients as values ---------------------------------------------------------------------

struct GradOptions {
  bool create_graph = false;
  // Keep the graph's saved tensors after the pass; by default, kept exactly when create_graph
  // (PyTorch's rule). Without it the graph's Functions are freed, and a second pass through
  // them is an AutogradError.
  std::optional<bool> retain_graph = std::nullopt;
  // An input the outputs do not depend on gets zeros of its shape; else an AutogradError.
  bool allow_unused = true;
};

// The gradients of the sum of the outputs (each seeded with ones) with respect to the inputs,
// leaving every grad() untouched: torch.autograd.grad, or the seed's GradientTape.gradient.
// No two results share storage (an input listed twice gets two). grad() and backward() may run
// inside a Function's backward on a graph of their own; a nested pass through Functions the
// enclosing pass has still to finish is an AutogradError.
std::vector<Variable> grad(const std::vector<Variable>& outputs,
                           const std::vector<Variable>& inputs, const GradOptions& options = {});

namespace detail {
Tensor tensor_hvp(const std::function<Variable(const Variable&)>& f, const Tensor& x,
                  const Tensor& v);
Tensor tensor_hessian(const std::function<Variable(const Variable&)>& f, const Tensor& x);
// A Tensor point and a function of one Variable: the tensor engine's question. X is checked
// first, so that for any other point (a braced list, a std::vector) the callable is never
// tried on a Variable and the scalar drivers of nabla/derivatives.hpp answer instead.
template <class F, class X>
concept TensorQuestion =
    std::same_as<X, Tensor> && std::is_invocable_r_v<Variable, F&, const Variable&>;
}  // namespace detail

// For a scalar function f of a tensor x: the Hessian times v (double backward, one pass each
// way), and the whole Hessian as an (n, n) tensor, n = x.size(), rows by double backward.
template <class F, class X>
requires detail::TensorQuestion<F, X> Tensor hvp(F&& f, const X& x, const Tensor& v) {
  return detail::tensor_hvp(f, x, v);
}
template <class F, class X>
requires detail::TensorQuestion<F, X> Tensor hessian(F&& f, const X& x) {
  return detail::tensor_hessian(f, x);
}

// ---- Configuration, per thread ---------------------------------------------------------------

// Grad mode: while off, operations record nothing (their outputs are leaves). On by default.
bool is_grad_enabled();
// The training flag, for layers that differ at inference (dropout, batch norm). On by default.
bool is_training();

// RAII scopes that set a flag for the current thread and restore the previous value on exit.
class no_grad {
 public:
  no_grad();
  ~no_grad();
  no_grad(const no_grad&) = delete;
  no_grad& operator=(const no_grad&) = delete;

 private:
  bool previous_;
};
class enable_grad {
 public:
  enable_grad();
  ~enable_grad();
  enable_grad(const enable_grad&) = delete;
  enable_grad& operator=(const enable_grad&) = delete;

 private:
  bool previous_;
};
class evaluation_mode {
 public:
  evaluation_mode();
  ~evaluation_mode();
  evaluation_mode(const evaluation_mode&) = delete;
  evaluation_mode& operator=(const evaluation_mode&) = delete;

 private:
  bool previous_;
};
class training_mode {
 public:
  training_mode();
  ~training_mode();
  training_mode(const training_mode&) = delete;
  training_mode& operator=(const training_mode&) = delete;

 private:
  bool previous_;
};

// Live objects, process-wide, for memory tests; backward_calls counts Function::backward runs.
struct AutogradStats {
  std::int64_t live_variables = 0;
  std::int64_t live_functions = 0;
  std::int64_t backward_calls = 0;
};
AutogradStats autograd_stats();

// ---- Operations ------------------------------------------------------------------------------
// Each has the Tensor operation's semantics (tensor.hpp: broadcasting, axes, errors) and its
// backward. Mixing with a plain number keeps the Variable's dtype, as Tensor does.

// A Variable (or a class derived from one) and a plain number. The overloads with numbers are
// templates on these, so that a Tensor meeting a number still picks the Tensor operation.
template <class V>
concept VariableLike = std::derived_from<std::remove_cvref_t<V>, Variable>;
template <class N>
concept PlainNumber = std::is_arithmetic_v<N>;

namespace detail {
Variable add_number(const Variable& x, double c);            // x + c
Variable subtract_from_number(double c, const Variable& x);  // c - x
Variable multiply_number(const Variable& x, double c);       // x * c
Variable divide_by_number(const Variable& x, double c);      // x / c
Variable divide_number(double c, const Variable& x);         // c / x
Variable pow_number(const Variable& x, double c);            // x ^ c
Variable number_pow(double c, const Variable& x);            // c ^ x
}  // namespace detail

Variable add(const Variable& a, const Variable& b);
Variable sub(const Variable& a, const Variable& b);
Variable mul(const Variable& a, const Variable& b);
Variable div(const Variable& a, const Variable& b);
Variable pow(const Variable& a, const Variable& b);
Variable neg(const Variable& x);

template <VariableLike V, PlainNumber N>
Variable add(const V& a, N b) {
  return detail::add_number(a, static_cast<double>(b));
}
template <PlainNumber N, VariableLike V>
Variable add(N a, const V& b) {
  return detail::add_number(b, static_cast<double>(a));
}
template <VariableLike V, PlainNumber N>
Variable sub(const V& a, N b) {
  return detail::add_number(a, -static_cast<double>(b));
}
template <PlainNumber N, VariableLike V>
Variable sub(N a, const V& b) {
  return detail::subtract_from_number(static_cast<double>(a), b);
}
template <VariableLike V, PlainNumber N>
Variable mul(const V& a, N b) {
  return detail::multiply_number(a, static_cast<double>(b));
}
template <PlainNumber N, VariableLike V>
Variable mul(N a, const V& b) {
  return detail::multiply_number(b, static_cast<double>(a));
}
template <VariableLike V, PlainNumber N>
Variable div(const V& a, N b) {
  return detail::divide_by_number(a, static_cast<double>(b));
}
template <PlainNumber N, VariableLike V>
Variable div(N a, const V& b) {
  return detail::divide_number(static_cast<double>(a), b);
}
template <VariableLike V, PlainNumber N>
Variable pow(const V& x, N exponent) {
  return detail::pow_number(x, static_cast<double>(exponent));
}
template <PlainNumber N, VariableLike V>
Variable pow(N base, const V& x) {
  return detail::number_pow(static_cast<double>(base), x);
}

inline Variable operator+(const Variable& a, const Variable& b) { return add(a, b); }
inline Variable operator-(const Variable& a, const Variable& b) { return sub(a, b); }
inline Variable operator*(const Variable& a, const Variable& b) { return mul(a, b); }
inline Variable operator/(const Variable& a, const Variable& b) { return div(a, b); }
inline Variable operator-(const Variable& x) { return neg(x); }
template <VariableLike V, PlainNumber N>
Variable operator+(const V& a, N b) {
  return add(a, b);
}
template <PlainNumber N, VariableLike V>
Variable operator+(N a, const V& b) {
  return add(a, b);
}
template <VariableLike V, PlainNumber N>
Variable operator-(const V& a, N b) {
  return sub(a, b);
}
template <PlainNumber N, VariableLike V>
Variable operator-(N a, const V& b) {
  return sub(a, b);
}
template <VariableLike V, PlainNumber N>
Variable operator*(const V& a, N b) {
  return mul(a, b);
}
template <PlainNumber N, VariableLike V>
Variable operator*(N a, const V& b) {
  return mul(a, b);
}
template <VariableLike V, PlainNumber N>
Variable operator/(const V& a, N b) {
  return div(a, b);
}
template <PlainNumber N, VariableLike V>
Variable operator/(N a, const V& b) {
  return div(a, b);
}
// Out of place: x += y rebinds x to a new Variable x + y; the old data is untouched.
inline Variable& operator+=(Variable& a, const Variable& b) { return a = a + b; }
inline Variable& operator-=(Variable& a, const Variable& b) { return a = a - b; }
inline Variable& operator*=(Variable& a, const Variable& b) { return a = a * b; }
inline Variable& operator/=(Variable& a, const Variable& b) { return a = a / b; }

Variable square(const Variable& x);
Variable exp(const Variable& x);
Variable log(const Variable& x);
Variable sin(const Variable& x);
Variable cos(const Variable& x);
Variable tanh(const Variable& x);
Variable sqrt(const Variable& x);
Variable abs(const Variable& x);  // abs'(0) = 0
Variable sigmoid(const Variable& x);
Variable relu(const Variable& x);                           // relu'(0) = 0
Variable clip(const Variable& x, double low, double high);  // gradient 1 where low <= x <= high
Variable where(const Tensor& condition, const Variable& a, const Variable& b);
Variable astype(const Variable& x, DType dtype);

// Reductions. max and min send the gradient to the extreme elements, split equally among ties.
Variable sum(const Variable& x, const Axes& axes = {}, bool keepdims = false);
Variable mean(const Variable& x, const Axes& axes = {}, bool keepdims = false);
Variable max(const Variable& x, const Axes& axes = {}, bool keepdims = false);
Variable min(const Variable& x, const Axes& axes = {}, bool keepdims = false);

Variable reshape(const Variable& x, const Shape& shape);
Variable transpose(const Variable& x);  // every axis reversed
Variable permute(const Variable& x, const Axes& axes);
Variable broadcast_to(const Variable& x, const Shape& shape);
Variable sum_to(const Variable& x, const Shape& shape);
Variable get_item(const Variable& x, const Indices& indices);
// The backward of get_item, differentiable in turn (its backward is get_item).
Variable scatter_add(const Shape& shape, const Indices& indices, const Variable& values);
Variable concat(const std::vector<Variable>& xs, int axis = 0);
Variable stack(const std::vector<Variable>& xs, int axis = 0);
Variable stack(std::initializer_list<Variable> xs, int axis = 0);
// Keeps stack({a, b}) on Tensors a Tensor operation once Variables are in scope.
inline Tensor stack(std::initializer_list<Tensor> xs, int axis = 0) {
  return stack(std::vector<Tensor>(xs), axis);
}

Variable matmul(const Variable& a, const Variable& b);
// With the last two axes of a and/or b swapped, read in place (see the Tensor overload).
Variable matmul(const Variable& a, const Variable& b, bool transpose_a, bool transpose_b);
// x · W + b (b broadcast over the rows; an undefined b is none).
Variable linear(const Variable& x, const Variable& W, const Variable& b = Variable());

Variable softmax(const Variable& x, int axis = -1);
Variable log_softmax(const Variable& x, int axis = -1);
// mean((a - b)^2) over every element (a and b broadcast together).
Variable mean_squared_error(const Variable& a, const Variable& b);
// Logits (N, C) and one class index per row, in [0, C): the mean over the rows of
// -log softmax(logits)[n, label_n]. Labels as integers or as a Tensor of integral numbers.
Variable softmax_cross_entropy(const Variable& logits, const std::vector<std::int64_t>& labels);
Variable softmax_cross_entropy(const Variable& logits, std::initializer_list<std::int64_t> labels);
Variable softmax_cross_entropy(const Variable& logits, const Tensor& labels);

// ---- Pictures --------------------------------------------------------------------------------

// The graph that computed output, as Graphviz DOT (DeZero's get_dot_graph): Variables are
// ellipses labelled with their name (if any), shape and dtype; Functions are boxes. verbose adds
// each Variable's numbers when it has at most 8 of them.
std::string to_dot(const Variable& output, bool verbose = false);
// Writes to_dot(output) to path: DOT text, or a PNG drawn by Graphviz's dot when path ends in
// ".png" (AutogradError if dot is missing or fails).
void plot_dot_graph(const Variable& output, const std::string& path, bool verbose = false);

}  // namespace nabla
