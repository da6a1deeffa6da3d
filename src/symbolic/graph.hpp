// Walking the DAG without recursion: every pass of the symbolic module (printing, diff,
// evaluation, code generation) starts from a topological order computed here with an explicit
// stack, so a chain of any depth is safe.
#pragma once

#include <cstdint>
#include <unordered_map>
#include <vector>

#include "nabla/symbolic/expr.hpp"

namespace nabla::sym::detail {

struct Order {
  // Every node reachable from the roots, operands before the nodes that use them, operands
  // visited left to right (so leaves appear in reading order).
  std::vector<const Node*> nodes;
  // Position of each node in `nodes`.
  std::unordered_map<const Node*, std::uint32_t> index;
};

Order topological_order(const std::vector<const Node*>& roots);

// The terms of a sum (kind add) or factors of a product (kind multiply), left to right: the
// chain of e's left operands, walked without recursion.
std::vector<Expr> chain(const Expr& e, Kind kind);

inline Expr as_expr(const Node* node) {
  return Expr(std::shared_ptr<const Node>(node->shared_from_this()));
}

}  // namespace nabla::sym::detail
