// The autograd engine: Variable, Function, the backward pass, grad(), per-thread configuration.
//
// The backward pass in five steps (Pass::run below):
//   1. discover: an iterative depth-first walk from the outputs' creators marks every Function
//      reachable through non-leaf inputs, and counts for each how many input edges of reachable
//      Functions point at its outputs (waiting_for: the consumers that must send it gradients);
//   2. seed: each output's flowing gradient is ones of its shape;
//   3. Kahn's loop: a Function whose consumers have all finished is ready; it takes the
//      gradients flowing into its outputs, runs backward, and adds the results into its inputs
//      (flow for a non-leaf, out of place), releasing the creators it fed. A gradient leaving
//      the pass (a leaf's, the root's, a retained one, one grad() asked for) is summed in a slot
//      of the pass, not on the Variable;
//   4. backward() stores the slots into grad(), all at once, so a pass that throws stores none;
//   5. clean up the scratch (also when a backward throws).
// Every Function is visited once and every edge twice: linear in the graph, whatever its shape.
#include <algorithm>
#include <atomic>
#include <ostream>
#include <unordered_map>
#include <unordered_set>

#include "autograd_internal.hpp"

namespace nabla {

namespace {

std::atomic<std::int64_t> live_variables{0};
std::atomic<std::int64_t> live_functions{0};
std::atomic<std::int64_t> backward_calls{0};
std::atomic<std::uint64_t> pass_counter{0};

thread_local bool grad_enabled = true;
thread_local bool training = true;

// Sets grad mode for a scope (the backward pass records itself exactly when create_graph).
class GradMode {
 public:
  explicit GradMode(bool enabled) : previous_(grad_enabled) { grad_enabled = enabled; }
  ~GradMode() { grad_enabled = previous_; }
  GradMode(const GradMode&) = delete;
  GradMode& operator=(const GradMode&) = delete;

 private:
  bool previous_;
};

std::string describe(std::string_view function) { return std::string(function); }

Variable accumulate(const Variable& total, const Variable& term) {
  return total.defined() ? total + term : term;
}

// The first element's address identifies a tensor's storage (tensors are contiguous views).
const void* storage_key(const Tensor& t) {
  if (t.size() == 0) return nullptr;
  if (t.dtype() == DType::float32) return t.data<float>();
  return t.data<double>();
}

std::string input_label(const Variable& x, std::size_t index) {
  std::string label = "input " + std::to_string(index);
  if (!x.name().empty()) label += " ('" + x.name() + "')";
  return label;
}

}  // namespace

// ---- Variable --------------------------------------------------------------------------------

namespace detail {
VariableImpl::VariableImpl(Tensor data) : data(std::move(data)) {
  live_variables.fetch_add(1, std::memory_order_relaxed);
}
VariableImpl::~VariableImpl() { live_variables.fetch_sub(1, std::memory_order_relaxed); }
}  // namespace detail

Variable::Variable(Tensor data)
    : impl_(std::allocate_shared<detail::VariableImpl>(
          detail::PoolAllocator<detail::VariableImpl>{}, std::move(data))) {
  if (!impl_->data.defined()) throw AutogradError("Variable: the tensor is undefined");
}
Variable::Variable(Tensor data, std::string name) : Variable(std::move(data)) {
  if (!name.empty()) impl_->name = std::make_unique<std::string>(std::move(name));
}
Variable::Variable(double value, std::string name) : Variable(Tensor(value), std::move(name)) {}

void Variable::set_data(Tensor data) {
  detail::VariableImpl& self = impl();
  if (self.creator) {
    throw AutogradError("set_data: only a leaf's data can be replaced (this Variable was made by " +
                        describe(self.creator->name()) + ")");
  }
  if (!data.defined()) throw AutogradError("set_data: the tensor is undefined");
  self.data = std::move(data);
}

Variable Variable::grad() const { return impl().grad; }
bool Variable::requires_grad() const {
  const detail::VariableImpl& self = impl();
  return self.creator != nullptr || self.requires_grad;
}
void Variable::set_requires_grad(bool required) {
  detail::VariableImpl& self = impl();
  if (self.creator) {
    throw AutogradError("set_requires_grad: only a leaf's can be set (this Variable was made by " +
                        describe(self.creator->name()) + "; detach() gives a leaf)");
  }
  self.requires_grad = required;
}
void Variable::cleargrad() { impl().grad = Variable(); }
const std::string& Variable::name() const {
  static const std::string none;
  const std::unique_ptr<std::string>& name = impl().name;
  return name ? *name : none;
}
void Variable::set_name(std::string name) {
  impl().name = name.empty() ? nullptr : std::make_unique<std::string>(std::move(name));
}
int Variable::generation() const { return impl().generation; }

Variable Variable::detach() const { return Variable(data()); }

void Variable::unchain() {
  impl().creator.reset();
  impl_->generation = 0;
}

std::ostream& operator<<(std::ostream& out, const Variable& x) {
  if (!x.defined()) return out << "variable(None)";
  std::string text = to_string(x.data());
  std::string indented;
  for (char c : text) {
    indented += c;
    if (c == '\n') indented += std::string(9, ' ');
  }
  return out << "variable(" << indented << ")";
}

// ---- Function --------------------------------------------------------------------------------

Function::Function() { live_functions.fetch_add(1, std::memory_order_relaxed); }

Function::~Function() {
  live_functions.fetch_sub(1, std::memory_order_relaxed);
  detail::GraphAccess::release_inputs(*this);
}

std::vector<Tensor> Function::forward(const std::vector<Tensor>&) {
  throw AutogradError(describe(name()) +
                      ": forward on Tensors is not implemented (built-in operations compute "
                      "their values directly; a user-defined Function must override forward)");
}

std::vector<Variable> Function::apply(std::shared_ptr<Function> f,
                                      const std::vector<Variable>& inputs) {
  if (!f) throw AutogradError("Function::apply: no function");
  if (f->applied_ || !f->outputs_.empty()) {  // a built-in one is recorded without apply
    throw AutogradError(describe(f->name()) +
                        ": this Function object was already applied; each application needs a "
                        "new one (call<F> makes one)");
  }
  f->applied_ = true;
  std::vector<Tensor> xs;
  xs.reserve(inputs.size());
  for (const Variable& x : inputs) xs.push_back(x.data());
  std::vector<Tensor> ys = f->forward(xs);
  std::vector<Variable> outputs;
  outputs.reserve(ys.size());
  if (!is_grad_enabled()) {
    for (Tensor& y : ys) outputs.emplace_back(std::move(y));
    return outputs;
  }
  std::vector<const Variable*> pointers;
  pointers.reserve(inputs.size());
  for (const Variable& x : inputs) pointers.push_back(&x);
  detail::GraphAccess::attach_inputs(*f, pointers.data(), pointers.size(), detail::save_all);
  for (Tensor& y : ys) {
    if (!y.defined()) throw AutogradError(describe(f->name()) + ": forward returned no tensor");
    outputs.push_back(detail::GraphAccess::attach_output(f, std::move(y), ys.size() > 1));
  }
  return outputs;
}

Variable Function::input(std::size_t i) const {
  if (released_) {
    throw AutogradError(describe(name()) +
                        ": its saved inputs were freed by an earlier grad() pass; pass "
                        "retain_graph = true to that call to differentiate twice");
  }
  const Edge& edge = inputs_.at(i);
  auto check = [&](const Tensor& data) {
    const std::uint64_t now = data.version();
    if (now != edge.version) {
      throw AutogradError(describe(name()) +
                          ": an input saved for backward was modified in place (version " +
                          std::to_string(edge.version) + ", now " + std::to_string(now) + ")");
    }
  };
  if (edge.variable) {
    check(edge.variable->data);
    return Variable(edge.variable);
  }
  std::shared_ptr<detail::VariableImpl> leaf = edge.leaf.lock();
  if (edge.saved) {
    check(*edge.saved);
    if (leaf && leaf->data.shares_storage(*edge.saved)) return Variable(leaf);
    if (leaf && is_grad_enabled()) {
      throw AutogradError(describe(name()) + ": the data of input " + std::to_string(i) +
                          " was replaced (set_data) after forward, so a differentiable "
                          "(create_graph) gradient cannot be formed");
    }
    return Variable(*edge.saved);  // a constant: the input itself is gone or was replaced
  }
  if (leaf) {
    check(leaf->data);
    return Variable(leaf);
  }
  throw AutogradError(describe(name()) + ": input " + std::to_string(i) +
                      " was not saved for backward and no longer exists");
}

Variable Function::output(std::size_t i) const {
  const Output& out = outputs_.at(i);
  std::shared_ptr<detail::VariableImpl> y = out.variable.lock();
  if (!y) {
    throw AutogradError(describe(name()) + ": output " + std::to_string(i) +
                        " no longer exists, so backward cannot read it");
  }
  const std::uint64_t now = y->data.version();
  if (now != out.version) {
    throw AutogradError(describe(name()) +
                        ": an output saved for backward was modified in place (version " +
                        std::to_string(out.version) + ", now " + std::to_string(now) + ")");
  }
  return Variable(std::move(y));
}

const Shape& Function::input_shape(std::size_t i) const {
  const Edge& edge = inputs_.at(i);
  if (edge.variable) return edge.variable->data.shape();
  if (edge.saved) return edge.saved->shape();
  // The leaf is held by whoever keeps it alive (it needs a gradient, so someone does).
  if (std::shared_ptr<detail::VariableImpl> leaf = edge.leaf.lock()) return leaf->data.shape();
  throw AutogradError(describe(name()) + ": input " + std::to_string(i) + " no longer exists");
}

bool Function::needs_input_grad(std::size_t i) const {
  const Edge& edge = inputs_.at(i);
  return edge.variable != nullptr || !edge.leaf.expired();
}

namespace detail {

void GraphAccess::attach_inputs(Function& f, const Variable* const* inputs, std::size_t count,
                                SavedInputs saved) {
  f.inputs_.reserve(count);
  int generation = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const std::shared_ptr<VariableImpl>& x = inputs[i]->impl_;
    if (!x) throw AutogradError(describe(f.name()) + ": an input is an undefined Variable");
    Function::Edge& edge = f.inputs_.emplace_back();
    edge.version = x->data.version();
    if (x->creator) {
      edge.variable = x;
    } else {
      if (x->requires_grad) edge.leaf = x;  // else a constant: only its data, if read
      const bool reads = i < 64 ? ((saved >> i) & 1) != 0 : saved == save_all;
      if (reads) edge.saved = std::make_unique<Tensor>(x->data);
    }
    generation = std::max(generation, x->generation);
  }
  f.generation_ = generation;
}

Variable GraphAccess::attach_output(const std::shared_ptr<Function>& f, Tensor y,
                                    bool keep_metadata) {
  auto impl = std::allocate_shared<VariableImpl>(PoolAllocator<VariableImpl>{}, std::move(y));
  impl->creator = f;
  impl->generation = f->generation_ + 1;
  Function::Output& out = f->outputs_.emplace_back();
  out.variable = impl;
  out.version = impl->data.version();
  if (keep_metadata) {
    out.metadata = std::make_unique<Function::OutputMetadata>(
        Function::OutputMetadata{impl->data.shape(), impl->data.dtype()});
  }
  return Variable(std::move(impl));
}

// Dropping the last output of a chain of n operations would destroy it by n nested destructor
// calls (Function, its input Variable, that Variable's creator, ...). Instead every reference
// this teardown drops goes through two work lists: a Variable or Function whose last reference
// is the list's is emptied first (its creator, gradients or inputs moved onto the lists), so
// that it dies with nothing left to destroy. Shared objects (one Variable used twice, as in
// y * y; a Function with several outputs) just lose a reference until the last one, which is
// then the list's. Graphs are built and torn down on one thread, so use_count() is exact here.
void GraphAccess::release_inputs(Function& f) {
  if (f.inputs_.empty()) return;  // the usual case inside the loop below: already emptied
  std::vector<std::shared_ptr<VariableImpl>> variables;
  std::vector<std::shared_ptr<Function>> functions;
  auto take_inputs = [&](Function& g) {
    for (Function::Edge& edge : g.inputs_) {
      if (edge.variable) variables.push_back(std::move(edge.variable));
    }
    g.inputs_.clear();  // leaf edges hold only weak references and tensors
  };
  take_inputs(f);
  while (!variables.empty() || !functions.empty()) {
    if (!functions.empty()) {
      std::shared_ptr<Function> g = std::move(functions.back());
      functions.pop_back();
      if (g.use_count() == 1) take_inputs(*g);
      continue;  // g is released here
    }
    std::shared_ptr<VariableImpl> x = std::move(variables.back());
    variables.pop_back();
    if (x.use_count() == 1) {
      if (x->creator) functions.push_back(std::move(x->creator));
      // A retained or create_graph gradient carries a graph of its own.
      if (x->grad.impl_) variables.push_back(std::move(x->grad.impl_));
      if (x->flow.impl_) variables.push_back(std::move(x->flow.impl_));
    }
  }  // x is released at the end of each iteration
}

Shape kept_shape(const Shape& shape, const Axes& axes) {
  Shape kept = shape;
  const auto n = static_cast<int>(shape.size());
  if (axes.empty()) {
    std::fill(kept.begin(), kept.end(), 1);
    return kept;
  }
  for (int axis : axes) kept[static_cast<std::size_t>(axis < 0 ? axis + n : axis)] = 1;
  return kept;
}

}  // namespace detail

// ---- The backward pass -----------------------------------------------------------------------

namespace {

using detail::GraphAccess;
using detail::VariableImpl;

// The identity into new storage: what a second holder of a gradient gets with create_graph, so
// that it owns its numbers and still differentiates (the gradient passes straight through).
struct Copy final : Function {
  std::string_view name() const override { return "copy"; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override { return {gy[0]}; }
};

// The passes running on this thread, innermost last. A pass started inside a Function's backward
// (grad() nested in a pass) must not go through the Functions an enclosing pass has still to
// finish: it would overwrite their scratch (pass mark, waiting count, flowing gradients).
thread_local std::vector<std::uint64_t> active_passes;

// A work list whose buffer the thread keeps for its next pass: over a large graph, lists made
// anew each pass were mapped afresh by malloc and paid a page fault per 4 KiB every time.
class FunctionList {
 public:
  FunctionList() {
    std::vector<std::vector<Function*>>& spare = spares();
    if (!spare.empty()) {
      items_ = std::move(spare.back());
      spare.pop_back();
    }
  }
  ~FunctionList() {
    items_.clear();
    if (items_.capacity() <= kKeep) spares().push_back(std::move(items_));
  }
  FunctionList(const FunctionList&) = delete;
  FunctionList& operator=(const FunctionList&) = delete;

  std::vector<Function*>& operator*() { return items_; }
  std::vector<Function*>* operator->() { return &items_; }

 private:
  static constexpr std::size_t kKeep = std::size_t{1} << 20;
  static std::vector<std::vector<Function*>>& spares() {
    thread_local std::vector<std::vector<Function*>> lists;
    return lists;
  }
  std::vector<Function*> items_;
};

struct Pass {
  bool create_graph = false;
  bool retain_grad = false;      // backward(): keep intermediate gradients
  bool release = false;          // grad() without retain_graph: free the graph afterwards
  bool functional = false;       // grad(): gradients only for the inputs given slots beforehand
  VariableImpl* root = nullptr;  // backward(): the Variable whose grad() is the seed
  const std::uint64_t id = pass_counter.fetch_add(1, std::memory_order_relaxed) + 1;

  // In discovery order: a Function comes after one of the Functions that consume its outputs.
  // The graph (held by the roots) keeps them alive for the whole pass.
  FunctionList visited;
  bool finished = false;  // run() completed: every flowing gradient has been consumed
  std::vector<std::shared_ptr<VariableImpl>> roots;
  // The gradients leaving the pass, summed per Variable: for grad(), one slot per input made
  // before the pass; for backward(), one per Variable that receives one (targets), stored into
  // grad() at the end. Kept here rather than on the Variables, so that a nested pass has its own.
  std::unordered_map<const VariableImpl*, std::size_t> slot_of;
  std::vector<std::shared_ptr<VariableImpl>> targets;
  std::vector<Variable> sums;
  std::unordered_set<const void*> handed_out;  // storages given out in this pass

  Pass() { active_passes.push_back(id); }
  Pass(const Pass&) = delete;
  Pass& operator=(const Pass&) = delete;

  // Leaves no gradient behind on the graph when the pass threw (a finished one consumed them
  // all, and may have freed the graph).
  ~Pass() {
    if (!finished) {
      for (const std::shared_ptr<VariableImpl>& r : roots) r->flow = Variable();
      for (Function* f : *visited) {
        for (GraphAccess::Output& out : GraphAccess::outputs(*f)) {
          if (std::shared_ptr<VariableImpl> y = out.variable.lock()) y->flow = Variable();
        }
      }
    }
    active_passes.pop_back();
  }

  // A gradient handed out (as a grad() or a result of grad()) must not share storage with
  // another handed out in the same pass: an optimizer updating one in place would change the
  // other (seed 002's appendix A). The second holder gets a copy, recorded with create_graph.
  Variable own(Variable g) {
    const void* key = storage_key(g.data());
    if (key == nullptr || handed_out.insert(key).second) return g;
    g = create_graph ? detail::record<Copy>(g.data().clone(), {&g}, detail::save_none)
                     : Variable(g.data().clone());
    handed_out.insert(storage_key(g.data()));
    return g;
  }

  // Adds g to the gradient leaving the pass for x (nothing for grad() if x was not asked for).
  void deliver(const std::shared_ptr<VariableImpl>& x, const Variable& g) {
    std::size_t slot = 0;
    if (functional) {
      const auto it = slot_of.find(x.get());
      if (it == slot_of.end()) return;
      slot = it->second;
    } else {
      const auto [it, inserted] = slot_of.try_emplace(x.get(), sums.size());
      if (inserted) {
        targets.push_back(x);
        sums.emplace_back();
      }
      slot = it->second;
    }
    sums[slot] = accumulate(sums[slot], g);
  }

  // backward(): adds the sums into grad(). Every new value is formed before any is stored, so
  // an error (a gradient that does not fit an earlier one) stores none.
  void store() {
    std::vector<Variable> updated(targets.size());
    for (std::size_t i = 0; i < targets.size(); ++i) {
      const Variable& old = targets[i]->grad;
      updated[i] = old.defined() ? old + sums[i] : own(sums[i]);
    }
    for (std::size_t i = 0; i < targets.size(); ++i) targets[i]->grad = std::move(updated[i]);
  }

  void discover() {
    FunctionList work;
    std::vector<Function*>& stack = *work;
    auto visit = [&](const std::shared_ptr<Function>& f) {
      std::uint64_t& mark = GraphAccess::pass(*f);
      if (mark == id) return;
      if (active_passes.size() > 1 && std::find(active_passes.begin(), active_passes.end() - 1,
                                                mark) != active_passes.end() - 1) {
        throw AutogradError(describe(f->name()) +
                            ": reached by a backward pass started inside a Function's backward "
                            "while the enclosing pass has still to go through it; a nested "
                            "grad() or backward() must differentiate a graph of its own");
      }
      mark = id;
      GraphAccess::waiting_for(*f) = 0;
      visited->push_back(f.get());
      stack.push_back(f.get());
    };
    for (const std::shared_ptr<VariableImpl>& r : roots) {
      if (r->creator) visit(r->creator);
    }
    while (!stack.empty()) {
      Function* f = stack.back();
      stack.pop_back();
      for (GraphAccess::Edge& edge : GraphAccess::inputs(*f)) {
        if (!edge.variable || !edge.variable->creator) continue;
        visit(edge.variable->creator);
        ++GraphAccess::waiting_for(*edge.variable->creator);
      }
    }
  }

  void seed() {
    for (const std::shared_ptr<VariableImpl>& r : roots) {
      Variable ones(Tensor::ones_like(r->data));
      if (r->creator) {
        r->flow = accumulate(r->flow, ones);
      } else {
        deliver(r, ones);  // a leaf: backward() on a leaf, or grad() of an input itself
      }
    }
  }

  // The gradients flowing into f's outputs; false if none did.
  bool gather(Function& f, std::vector<Variable>& gys) {
    auto& outputs = GraphAccess::outputs(f);
    gys.clear();
    gys.resize(outputs.size());
    bool any = false;
    for (std::size_t j = 0; j < outputs.size(); ++j) {
      std::shared_ptr<VariableImpl> y = outputs[j].variable.lock();
      if (!y || !y->flow.defined()) continue;
      Variable gy = std::move(y->flow);
      y->flow = Variable();
      // The root's gradient is the seed, kept as DeZero keeps y.grad.
      if (functional || y.get() == root || retain_grad) deliver(y, gy);
      gys[j] = std::move(gy);
      any = true;
    }
    if (any) {
      for (std::size_t j = 0; j < outputs.size(); ++j) {
        if (!gys[j].defined()) {
          const GraphAccess::OutputMetadata& metadata = *outputs[j].metadata;
          gys[j] = Variable(Tensor::zeros(metadata.shape, metadata.dtype));
        }
      }
    }
    return any;
  }

  // False when every input is a leaf nobody holds any more (constants made for one
  // expression): backward would compute gradients only to drop them.
  static bool needs_any_input_grad(const Function& f) {
    for (std::size_t i = 0; i < f.num_inputs(); ++i) {
      if (f.needs_input_grad(i)) return true;
    }
    return false;
  }

  // Checks a gradient against the input it is for, converting its dtype if needed.
  static Variable fit(const Function& f, std::size_t i, Variable g, const Tensor& data) {
    if (g.shape() != data.shape()) {
      throw AutogradError(describe(f.name()) + ": backward gave a gradient of shape " +
                          shape_string(g.shape()) + " for input " + std::to_string(i) +
                          " of shape " + shape_string(data.shape()));
    }
    if (g.dtype() != data.dtype()) g = astype(g, data.dtype());
    return g;
  }

  void run() {
    discover();
    seed();
    FunctionList ready_list;
    std::vector<Function*>& ready = *ready_list;
    for (Function* f : *visited) {
      if (GraphAccess::waiting_for(*f) == 0) ready.push_back(f);
    }
    std::vector<Variable> gys;
    while (!ready.empty()) {
      Function& f = *ready.back();
      ready.pop_back();
      std::vector<Variable> gxs;
      if (gather(f, gys)) {
        if (GraphAccess::released(f)) {
          throw AutogradError(describe(f.name()) +
                              ": backward through a graph freed by an earlier grad() pass; "
                              "pass retain_graph = true to that call to differentiate twice");
        }
        if (needs_any_input_grad(f)) {
          gxs = f.backward(gys);
          backward_calls.fetch_add(1, std::memory_order_relaxed);
          if (gxs.size() != f.num_inputs()) {
            throw AutogradError(describe(f.name()) + ": backward returned " +
                                std::to_string(gxs.size()) + " gradients for " +
                                std::to_string(f.num_inputs()) + " inputs");
          }
        }
        gys.clear();
      }
      auto& inputs = GraphAccess::inputs(f);
      for (std::size_t i = 0; i < inputs.size(); ++i) {
        GraphAccess::Edge& edge = inputs[i];
        const bool has_gradient = i < gxs.size() && gxs[i].defined();
        if (edge.variable) {
          VariableImpl& x = *edge.variable;
          if (!x.creator) {  // unchained after this function recorded it: now a leaf
            if (has_gradient) deliver(edge.variable, fit(f, i, std::move(gxs[i]), x.data));
            continue;
          }
          if (has_gradient) x.flow = accumulate(x.flow, fit(f, i, std::move(gxs[i]), x.data));
          Function& creator = *x.creator;
          if (--GraphAccess::waiting_for(creator) == 0) ready.push_back(&creator);
        } else if (has_gradient) {
          if (std::shared_ptr<VariableImpl> leaf = edge.leaf.lock()) {
            deliver(leaf, fit(f, i, std::move(gxs[i]), leaf->data));
          }
        }
      }
    }
    if (!functional) store();
    finished = true;
    if (release) {
      // Each Function lets go of its inputs and saved tensors, producers before consumers: a
      // Function is still held by a consumer later in this loop (the one that discovered it, or
      // a root), and the producers that die as a consumer lets go have nothing left to destroy.
      for (auto f = visited->rbegin(); f != visited->rend(); ++f) {
        GraphAccess::released(**f) = true;
        GraphAccess::inputs(**f).clear();
      }
    }
  }
};

}  // namespace

void Variable::backward(const BackwardOptions& options) const {
  if (!requires_grad()) {  // an undefined Variable throws here too
    throw AutogradError("backward: this Variable is a leaf set not to require a gradient");
  }
  GradMode mode(options.create_graph);
  Pass pass;
  pass.create_graph = options.create_graph;
  pass.retain_grad = options.retain_grad;
  pass.root = impl_.get();
  pass.roots.push_back(impl_);
  pass.run();
}

std::vector<Variable> grad(const std::vector<Variable>& outputs,
                           const std::vector<Variable>& inputs, const GradOptions& options) {
  GradMode mode(options.create_graph);
  Pass pass;
  pass.create_graph = options.create_graph;
  pass.release = !options.retain_graph.value_or(options.create_graph);
  pass.functional = true;
  // An input listed twice shares the first one's slot (and gets a copy of its gradient).
  std::vector<std::size_t> slot(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    (void)inputs[k].data();  // an undefined input throws
    const auto [it, inserted] =
        pass.slot_of.try_emplace(GraphAccess::impl(inputs[k]).get(), pass.sums.size());
    if (inserted) pass.sums.emplace_back();
    slot[k] = it->second;
  }
  for (const Variable& y : outputs) {
    (void)y.data();
    pass.roots.push_back(GraphAccess::impl(y));
  }
  pass.run();
  std::vector<Variable> gradients(inputs.size());
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Variable& g = pass.sums[slot[k]];
    if (g.defined()) {
      gradients[k] = pass.own(g);
    } else if (options.allow_unused) {
      gradients[k] = Variable(Tensor::zeros_like(inputs[k].data()));
    } else {
      throw AutogradError("grad: the outputs do not depend on " + input_label(inputs[k], k) +
                          " (allow_unused = false)");
    }
  }
  return gradients;
}

// ---- Configuration ---------------------------------------------------------------------------

bool is_grad_enabled() { return grad_enabled; }
bool is_training() { return training; }

no_grad::no_grad() : previous_(grad_enabled) { grad_enabled = false; }
no_grad::~no_grad() { grad_enabled = previous_; }
enable_grad::enable_grad() : previous_(grad_enabled) { grad_enabled = true; }
enable_grad::~enable_grad() { grad_enabled = previous_; }
evaluation_mode::evaluation_mode() : previous_(training) { training = false; }
evaluation_mode::~evaluation_mode() { training = previous_; }
training_mode::training_mode() : previous_(training) { training = true; }
training_mode::~training_mode() { training = previous_; }

AutogradStats autograd_stats() {
  return {live_variables.load(std::memory_order_relaxed),
          live_functions.load(std::memory_order_relaxed),
          backward_calls.load(std::memory_order_relaxed)};
}

}  // namespace nabla
