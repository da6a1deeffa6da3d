// Flattening the DAG into instructions, and the compiled Program's loop.
#include "nabla/symbolic/evaluate.hpp"

#include <limits>
#include <optional>
#include <unordered_map>

#include "graph.hpp"

namespace nabla::sym {
namespace detail {
namespace {

bool is_number(const Node* n, double v) { return n->kind == Kind::number && n->number == v; }

// The instruction for a node, reading other nodes (not yet slots).
struct Pattern {
  Instruction instruction;
  std::array<const Node*, 2> reads{nullptr, nullptr};
};

Pattern pattern_of(const Node* n, const std::unordered_map<const Node*, std::uint32_t>& inputs) {
  Pattern p{{Op::number}, {}};
  Instruction& in = p.instruction;
  const Node* a = n->arity > 0 ? n->operands[0].get() : nullptr;
  const Node* b = n->arity > 1 ? n->operands[1].get() : nullptr;
  auto binary = [&](Op op, const Node* x, const Node* y) {
    in.op = op;
    p.reads = {x, y};
  };
  auto unary = [&](Op op, const Node* x) {
    in.op = op;
    p.reads = {x, nullptr};
  };
  auto is_reciprocal = [](const Node* x) {
    return x->kind == Kind::power && is_number(x->operands[1].get(), -1);
  };
  auto is_negation = [](const Node* x) {
    return x->kind == Kind::multiply && is_number(x->operands[0].get(), -1);
  };
  switch (n->kind) {
    case Kind::number:
    case Kind::constant:
      in.number = n->number;
      break;
    case Kind::variable: {
      auto it = inputs.find(n);
      if (it == inputs.end()) throw MissingVariable(n->name);
      in.op = Op::input;
      in.a = it->second;
      break;
    }
    case Kind::add:
      if (is_negation(b)) {
        binary(Op::subtract, a, b->operands[1].get());
      } else {
        binary(Op::add, a, b);
      }
      break;
    case Kind::multiply:
      if (is_number(a, -1)) {
        unary(Op::negate, b);
      } else if (is_reciprocal(b)) {
        binary(Op::divide, a, b->operands[0].get());
      } else if (is_reciprocal(a)) {
        binary(Op::divide, b, a->operands[0].get());
      } else {
        binary(Op::multiply, a, b);
      }
      break;
    case Kind::power:
      if (b->kind != Kind::number) {
        binary(Op::power, a, b);
      } else if (b->number == -1) {
        unary(Op::reciprocal, a);
      } else if (b->number == 2) {
        unary(Op::square, a);
      } else {
        unary(Op::power_constant, a);
        in.number = b->number;
      }
      break;
    case Kind::function:
      unary(Op::function, a);
      in.function = static_cast<Function>(n->code);
      break;
    case Kind::polygamma:
      unary(Op::polygamma, a);
      in.order = n->code;
      break;
    case Kind::atan2:
      binary(Op::atan2, a, b);
      break;
    case Kind::hypot:
      binary(Op::hypot, a, b);
      break;
    case Kind::min:
      binary(Op::min, a, b);
      break;
    case Kind::max:
      binary(Op::max, a, b);
      break;
  }
  return p;
}

}  // namespace

Flat flatten(const std::vector<Expr>& outputs, const std::vector<Expr>& variables) {
  std::unordered_map<const Node*, std::uint32_t> inputs;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (variables[i].kind() != Kind::variable) {
      throw std::invalid_argument("sym::evaluate: " + to_string(variables[i]) +
                                  " is not a variable");
    }
    inputs.emplace(variables[i].node(), static_cast<std::uint32_t>(i));
  }
  std::vector<const Node*> roots;
  for (const Expr& e : outputs) roots.push_back(e.node());
  const Order order = topological_order(roots);
  const std::size_t n = order.nodes.size();

  // Which nodes must be computed: the outputs, and what their instructions read. A node folded
  // into its user (the -1*b of a - b) is computed only if something else needs it.
  std::vector<std::optional<Pattern>> patterns(n);
  std::vector<char> needed(n, 0);
  for (const Node* r : roots) needed[order.index.at(r)] = 1;
  for (std::size_t i = n; i-- > 0;) {
    if (!needed[i]) continue;
    patterns[i] = pattern_of(order.nodes[i], inputs);
    for (const Node* read : patterns[i]->reads) {
      if (read) needed[order.index.at(read)] = 1;
    }
  }
  Flat flat;
  flat.input_count = variables.size();
  std::vector<std::uint32_t> slot(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    Instruction in = patterns[i]->instruction;
    const auto& reads = patterns[i]->reads;
    if (reads[0]) in.a = slot[order.index.at(reads[0])];
    if (reads[1]) in.b = slot[order.index.at(reads[1])];
    slot[i] = static_cast<std::uint32_t>(flat.code.size());
    flat.code.push_back(in);
  }
  for (const Node* r : roots) flat.outputs.push_back(slot[order.index.at(r)]);
  return flat;
}

}  // namespace detail

void Program::run(std::span<const double> inputs, std::span<double> outputs) const {
  if (inputs.size() != flat_.input_count || outputs.size() != flat_.outputs.size()) {
    throw std::invalid_argument("sym::Program::run: expected " + std::to_string(flat_.input_count) +
                                " inputs and " + std::to_string(flat_.outputs.size()) +
                                " outputs, got " + std::to_string(inputs.size()) + " and " +
                                std::to_string(outputs.size()));
  }
  thread_local std::vector<double> registers;
  registers.resize(flat_.code.size());
  double* r = registers.data();
  using detail::Op;
  const std::size_t n = flat_.code.size();
  for (std::size_t i = 0; i < n; ++i) {
    const detail::Instruction& in = flat_.code[i];
    double v;
    switch (in.op) {
      case Op::input:
        v = inputs[in.a];
        break;
      case Op::number:
        v = in.number;
        break;
      case Op::add:
        v = r[in.a] + r[in.b];
        break;
      case Op::subtract:
        v = r[in.a] - r[in.b];
        break;
      case Op::multiply:
        v = r[in.a] * r[in.b];
        break;
      case Op::divide:
        v = r[in.a] / r[in.b];
        break;
      case Op::negate:
        v = -r[in.a];
        break;
      case Op::reciprocal:
        v = 1.0 / r[in.a];
        break;
      case Op::square:
        v = r[in.a] * r[in.a];
        break;
      case Op::power_constant:
        v = std::pow(r[in.a], in.number);
        break;
      case Op::power:
        v = std::pow(r[in.a], r[in.b]);
        break;
      case Op::function:
        v = detail::apply_function(in.function, r[in.a]);
        break;
      case Op::polygamma:
        v = rules::Polygamma{in.order}.value(r[in.a]);
        break;
      case Op::atan2:
        v = std::atan2(r[in.a], r[in.b]);
        break;
      case Op::hypot:
        v = std::hypot(r[in.a], r[in.b]);
        break;
      case Op::min:
        v = r[in.b] < r[in.a] ? r[in.b] : r[in.a];
        break;
      case Op::max:
        v = r[in.a] < r[in.b] ? r[in.b] : r[in.a];
        break;
      default:
        v = std::numeric_limits<double>::quiet_NaN();
    }
    r[i] = v;
  }
  for (std::size_t k = 0; k < outputs.size(); ++k) outputs[k] = r[flat_.outputs[k]];
}

Program compile(const std::vector<Expr>& outputs, const std::vector<Expr>& variables) {
  return Program(detail::flatten(outputs, variables));
}

}  // namespace nabla::sym
