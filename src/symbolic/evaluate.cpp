// Flattening the DAG into instructions, and the compiled Program's loop.
#include "nabla/symbolic/evaluate.hpp"

#include <algorithm>
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
      } else if (is_negation(a)) {  // -x^2 + 1, the simplifier's order, runs as 1 - x^2
        binary(Op::subtract, b, a->operands[1].get());
      } else {
        binary(Op::add, a, b);
      }
      break;
    case Kind::multiply:  // products are flattened as chains of factors: see flatten
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

// --- products as chains of factors ---------------------------------------------------------
//
// The simplifier builds a product as a left chain in the order its factors arrived, so two
// products with common factors share a node only if those factors came first in both. A Hessian
// entry of a network, -2 v_k t_k (1 - t_k^2) W_ki W_kj, arrives as ((v_k W_ki) t_k ...) W_kj:
// nothing is shared across i and j, four multiplications per term. Flattening therefore takes
// every product apart into its factors (through nested products of at most kChainLimit factors,
// shared ones included), orders each product's factors by how many products use them, most
// first, and multiplies left to right through a memo of (partial product, factor): the common
// prefix -2 v_k t_k (1 - t_k^2) W_kj is computed once and each term costs one multiplication.
// Reciprocal factors come last, as divisions. The order is a heuristic (the fewest
// multiplications is a hard problem), and taking shared products apart can also lose sharing
// the DAG had: the gradient of a product of n factors shares prefix and suffix products that a
// reordering splits. So flatten builds both ways, products taken apart and products as built,
// and keeps the shorter program.
constexpr std::size_t kChainLimit = 32;

bool is_reciprocal_node(const Node* x) {
  return x->kind == Kind::power && is_number(x->operands[1].get(), -1);
}

// The operands an instruction reads: none for inputs and numbers, [a] for unary ones.
int reads_of(Op op) {
  switch (op) {
    case Op::input:
    case Op::number:
      return 0;
    case Op::negate:
    case Op::reciprocal:
    case Op::square:
    case Op::power_constant:
    case Op::function:
    case Op::polygamma:
      return 1;
    default:
      return 2;
  }
}

// Drops instructions that no output reads (a reciprocal whose products all divide instead).
void remove_dead_code(Flat& flat) {
  const std::size_t n = flat.code.size();
  std::vector<char> live(n, 0);
  for (std::uint32_t o : flat.outputs) live[o] = 1;
  for (std::size_t i = n; i-- > 0;) {
    if (!live[i]) continue;
    const Instruction& in = flat.code[i];
    const int reads = reads_of(in.op);
    if (reads >= 1) live[in.a] = 1;
    if (reads == 2) live[in.b] = 1;
  }
  std::vector<std::uint32_t> moved(n, 0);
  std::size_t kept = 0;
  for (std::size_t i = 0; i < n; ++i) {
    if (!live[i]) continue;
    Instruction in = flat.code[i];
    const int reads = reads_of(in.op);
    if (reads >= 1) in.a = moved[in.a];
    if (reads == 2) in.b = moved[in.b];
    moved[i] = static_cast<std::uint32_t>(kept);
    flat.code[kept++] = in;
  }
  flat.code.resize(kept);
  for (std::uint32_t& o : flat.outputs) o = moved[o];
}

// chain_limit: products of at most this many factors are taken apart inside the products that
// use them; 0 keeps every product node as built.
// The DAG of the outputs, walked once for both ways of flattening.
struct Graph {
  std::unordered_map<const Node*, std::uint32_t> inputs;  // variable -> its position
  std::vector<const Node*> roots;
  Order order;
  std::size_t input_count = 0;
};

Flat flatten_products(const Graph& graph, std::size_t chain_limit) {
  const auto& inputs = graph.inputs;
  const auto& roots = graph.roots;
  const Order& order = graph.order;
  const std::size_t n = order.nodes.size();
  auto index_of = [&](const Node* node) { return order.index.at(node); };

  // The factors of every product, by position in `order`.
  std::vector<std::vector<std::uint32_t>> factors(n);
  for (std::size_t i = 0; i < n; ++i) {
    const Node* node = order.nodes[i];
    if (node->kind != Kind::multiply) continue;
    for (int k = 0; k < 2; ++k) {
      const std::uint32_t j = index_of(node->operands[k].get());
      if (order.nodes[j]->kind == Kind::multiply && factors[j].size() <= chain_limit) {
        factors[i].insert(factors[i].end(), factors[j].begin(), factors[j].end());
      } else {
        factors[i].push_back(j);
      }
    }
  }

  // Which nodes must be computed: the outputs, what their instructions read, and the factors of
  // the products among them. A node folded into its user (the -1*b of a - b) is computed only if
  // something else needs it.
  std::vector<std::optional<Pattern>> patterns(n);
  std::vector<char> needed(n, 0);
  for (const Node* r : roots) needed[index_of(r)] = 1;
  for (std::size_t i = n; i-- > 0;) {
    if (!needed[i]) continue;
    if (order.nodes[i]->kind == Kind::multiply) {
      for (std::uint32_t j : factors[i]) needed[j] = 1;
      continue;
    }
    patterns[i] = pattern_of(order.nodes[i], inputs);
    for (const Node* read : patterns[i]->reads) {
      if (read) needed[index_of(read)] = 1;
    }
  }
  std::vector<std::uint32_t> uses(n, 0);  // how many needed products have each factor
  for (std::size_t i = 0; i < n; ++i) {
    if (needed[i] && order.nodes[i]->kind == Kind::multiply) {
      for (std::uint32_t j : factors[i]) ++uses[j];
    }
  }

  Flat flat;
  flat.input_count = graph.input_count;
  std::vector<std::uint32_t> slot(n, 0);
  auto push = [&flat](const Instruction& in) {
    flat.code.push_back(in);
    return static_cast<std::uint32_t>(flat.code.size() - 1);
  };
  std::unordered_map<std::uint64_t, std::uint32_t> partial_products;
  std::vector<std::uint32_t> chain;
  for (std::size_t i = 0; i < n; ++i) {
    if (!needed[i]) continue;
    if (order.nodes[i]->kind != Kind::multiply) {
      Instruction in = patterns[i]->instruction;
      const auto& reads = patterns[i]->reads;
      if (reads[0]) in.a = slot[index_of(reads[0])];
      if (reads[1]) in.b = slot[index_of(reads[1])];
      slot[i] = push(in);
      continue;
    }
    chain = factors[i];
    std::stable_sort(chain.begin(), chain.end(), [&](std::uint32_t x, std::uint32_t y) {
      const bool rx = is_reciprocal_node(order.nodes[x]);
      const bool ry = is_reciprocal_node(order.nodes[y]);
      if (rx != ry) return ry;
      if (uses[x] != uses[y]) return uses[x] > uses[y];
      return x < y;
    });
    std::uint32_t product = slot[chain[0]];
    for (std::size_t k = 1; k < chain.size(); ++k) {
      const std::uint32_t j = chain[k];
      const std::uint64_t key = (std::uint64_t{product} << 32) | j;
      if (auto it = partial_products.find(key); it != partial_products.end()) {
        product = it->second;
        continue;
      }
      const Node* factor = order.nodes[j];
      const Instruction& so_far = flat.code[product];
      Instruction in{Op::multiply};
      if (so_far.op == Op::number && so_far.number == -1) {
        in = {Op::negate};
        in.a = slot[j];
      } else if (is_number(factor, -1)) {
        in = {Op::negate};
        in.a = product;
      } else if (is_reciprocal_node(factor)) {
        in = {Op::divide};
        in.a = product;
        in.b = flat.code[slot[j]].a;  // the reciprocal's operand
      } else {
        in.a = product;
        in.b = slot[j];
      }
      product = push(in);
      partial_products.emplace(key, product);
    }
    slot[i] = product;
  }
  for (const Node* r : roots) flat.outputs.push_back(slot[index_of(r)]);
  remove_dead_code(flat);
  return flat;
}

}  // namespace

Flat flatten(const std::vector<Expr>& outputs, const std::vector<Expr>& variables,
             bool share_products) {
  Graph graph;
  for (std::size_t i = 0; i < variables.size(); ++i) {
    if (variables[i].kind() != Kind::variable) {
      throw std::invalid_argument("sym::evaluate: " + to_string(variables[i]) +
                                  " is not a variable");
    }
    graph.inputs.emplace(variables[i].node(), static_cast<std::uint32_t>(i));
  }
  graph.input_count = variables.size();
  for (const Expr& e : outputs) graph.roots.push_back(e.node());
  graph.order = topological_order(graph.roots);
  Flat as_built = flatten_products(graph, 0);
  if (!share_products) return as_built;
  Flat taken_apart = flatten_products(graph, kChainLimit);
  return taken_apart.code.size() < as_built.code.size() ? taken_apart : as_built;
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
  return Program(detail::flatten(outputs, variables, true));
}

}  // namespace nabla::sym
