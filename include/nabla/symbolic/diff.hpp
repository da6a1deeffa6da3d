// Symbolic differentiation: derivatives as expressions.
//
// The derivative of an expression is computed the way reverse mode computes a gradient, but on
// expressions instead of numbers. Walk the DAG once from the output back to the inputs; each
// node passes its adjoint (∂output/∂node, itself an Expr) to its operands, multiplied by the
// local partial derivative, and adjoints arriving at a shared node are added:
//
//     adjoint(operand) += partial(node, operand) * adjoint(node)
//
// The local partials are the rules of nabla/core/rules.hpp instantiated with T = sym::Expr, so the
// derivative of sin is `cos(x)` because the rule says `cos(x)`, for this mode as for Dual and Var.
// Consequences:
//   - gradient(e, {x1..xn}) is one reverse pass, not n calls of diff;
//   - each node is visited once and each partial is O(1) new nodes, so the derivative of a DAG
//     of n nodes has O(n) nodes: no expression swell for products of n factors or chains of n
//     nested functions (hash-consing then shares what the derivative has in common with e);
//   - only nodes that depend on a requested variable are visited.
// Jacobians and Hessians come in dense and sparse forms; the sparse forms list the structurally
// non-zero entries only (a derivative that simplified to the number 0 is left out), so a Hessian
// of 10 000 variables with O(n) non-zeros costs O(n) work.
//
// Conventions where the numeric rules branch on values: a symbolic partial cannot, so
//   - pow(a, b) uses b a^(b-1) and a^b log(a) (the numeric modes' special cases at b = 0 and
//     a = 0 are dropped, except that a base that is the number 0 gives ∂/∂b = 0);
//   - hypot's partials a/h, b/h are nan at (0, 0) where the numeric modes give 0;
//   - abs'(x) = sign(x), with sign(0) = 0 as in the numeric rule;
//   - min and max pass the derivative through (1 ± sign(a - b))/2: at a tie each argument
//     gets half, where the numeric modes give it all to the first argument.
#pragma once

#include <cstddef>
#include <vector>

#include "nabla/symbolic/expr.hpp"

namespace nabla::sym {

// ∂e/∂variable. `variable` must be a variable (throws std::invalid_argument otherwise).
Expr diff(const Expr& e, const Expr& variable);
// The order-th derivative (order >= 0; order 0 is e itself). Orders 1 and 2 differentiate
// repeatedly. From order 3 on, every node's derivatives along `variable` are built together
// (Leibniz's rule for products, Faà di Bruno's formula for functions, integer coefficients), so
// the result has O(order^2) nodes per node of e (O(order^3) per function) instead of the
// exponential growth of repeated differentiation; expressions with atan2, hypot, min or max
// still differentiate repeatedly.
// Cost and limit. The series cost about order^2/2 new terms per product or power that depends
// on `variable`, and order^3/3 per function of such a node (order^2/2 when the function's
// argument is the variable itself); diff_cost adds these up before any work is done, and diff
// throws std::length_error when they exceed max_diff_terms (under 1 GB and about 15 s: the 200th
// derivative of exp(sin(x)) is 2.6 million terms, 0.7 GB and 12 s measured). Repeated
// differentiation (orders 1 and 2, and expressions with atan2, hypot, min or max) is checked
// after each step instead. The DAG stays polynomial in order, but its printed form need not:
// see tree_size (expr.hpp) before printing a high derivative.
Expr diff(const Expr& e, const Expr& variable, int order);
inline constexpr double max_diff_terms = 3e6;
// The terms diff(e, variable, order) is estimated to create (an upper bound for the series;
// derivatives that simplify to 0 cost less).
double diff_cost(const Expr& e, const Expr& variable, int order);

// ∂e/∂variables[i] for every i, from one reverse pass.
std::vector<Expr> gradient(const Expr& e, const std::vector<Expr>& variables);
// J[i][j] = ∂outputs[i]/∂variables[j]: one reverse pass per output.
std::vector<std::vector<Expr>> jacobian(const std::vector<Expr>& outputs,
                                        const std::vector<Expr>& variables);
// H[i][j] = ∂²e/∂variables[i]∂variables[j]: the Jacobian of the gradient.
std::vector<std::vector<Expr>> hessian(const Expr& e, const std::vector<Expr>& variables);

// One structurally non-zero entry of a sparse matrix of expressions.
struct SparseEntry {
  std::size_t row;
  std::size_t column;
  Expr value;
};

// The non-zero entries of jacobian(outputs, variables), by row, then column.
std::vector<SparseEntry> sparse_jacobian(const std::vector<Expr>& outputs,
                                         const std::vector<Expr>& variables);
// The non-zero entries of hessian(e, variables), by row, then column (both triangles).
std::vector<SparseEntry> sparse_hessian(const Expr& e, const std::vector<Expr>& variables);

}  // namespace nabla::sym
