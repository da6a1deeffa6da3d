// sym::Expr: symbolic mode. An expression is the computation itself, kept as a graph.
//
// Run a generic function on Expr arguments and it records what it computes instead of a number:
//
//     auto f = [](auto x, auto y) { return x * x * y + y + 2; };
//     Expr x = variable("x"), y = variable("y");
//     Expr e = f(x, y);           // prints `x^2*y + y + 2`
//     diff(e, x);                 // 2*x*y   (nabla/symbolic/diff.hpp)
//
// The graph is an immutable DAG of nodes, and every node is *hash-consed*: before a node is
// made, a global table is asked whether an equal one (same kind, same operands by identity)
// exists, and if so that one is returned. Hence
//   - structural equality is a pointer comparison (`a.same(b)`, or `a == b`), O(1);
//   - common subexpressions are shared for free: building x*y twice gives one node, so the DAG
//     of a derivative is as small as the sharing in the computation allows;
//   - nodes are never modified, so sharing is always safe.
// The table holds nodes weakly: a node dies with its last Expr, and then leaves the table.
// Nodes are freed with an explicit work list, so a chain of a million nested operations is
// destroyed (and printed, differentiated, evaluated) without deep recursion.
//
// Simplification happens as nodes are built, so expressions stay small and readable. The forms:
//   sum      t1 + t2 + ... + c      a left-leaning chain of terms, the number c (if any) last
//   product  c * (f1 * f2 * ...)    the number coefficient c (if not 1) at the top, then factors
//   power    b ^ e;  a / b is a * b^-1,  -a is -1 * a
// and the rules applied:
//   constants fold: 2 + 3 → 5, sin(0) → 0, any function of a plain number is computed;
//   neutral and absorbing elements: x + 0, x * 1, x^1 → x; x^0 → 1, 1^x → 1, 0 * x → 0;
//   like terms: 2x + 3x → 5x, x - x → 0;  like factors: x * x → x^2, x^2 * x^-1 → x, x/x → 1,
//     and a product times a power of itself, (x y) * (x y)^-2 → (x y)^-1
//     (searched among the last 16 terms or factors of a chain, so building stays O(1) per step;
//     when a term or factor cancels, the ones after it are added again and may now meet a like
//     one that was out of reach);
//   powers of powers: (x^a)^n → x^(a n) for integer n; (c x)^n → c^n x^n for integer n;
//   function identities: log(exp(x)) → x, exp(log(x)) → x, sqrt(x^2) → |x|, |−x| → |x|,
//     sin(−x) → −sin(x), cos(−x) → cos(x), f(f⁻¹(x)) → x for the inverse pairs below.
// Rules that hold only away from some points, and where they fail:
//   0 * x → 0 and x - x → 0, x/x → 1      wrong when x is inf or nan (and x/x at x = 0);
//   x^a * x^b → x^(a+b)                   wrong where x = 0 and a + b = 0 (0/0 becomes 1);
//   (x^a)^n → x^(a n), e.g. (sqrt x)^2    (x^0.5)^2 → x also at x < 0, where the left is nan;
//   exp(log x) → x, sin(asin x), cos(acos x), tanh(atanh x), cosh(acosh x), exp2(log2 x),
//     expm1(log1p x) → x                  valid only on the inner function's domain;
// rules always valid for real x (log(exp x), asinh(sinh x), tan(atan x), ...) are exact.
// What the simplifier does not do: reorder commuting operands (x*y and y*x are distinct nodes),
// expand products of sums, or find like terms more than 16 positions apart.
//
// Canonical nodes. Every stored node is what the constructors make of its own operands (a fixed
// point), however the expression was grouped: x*(y*z) and (x*y)*z are one node, and sums and
// products are what adding their terms (multiplying their factors) one by one, left to right,
// gives. Hence printing round-trips: parse(to_string(e)) (nabla/symbolic/formula.hpp) rebuilds
// the same node, as the printer writes exactly the tree: factors in chain order (`x/y/z` is
// x*y^-1*z^-1, `x/(y*z)` is x*(y*z)^-1, `1/y*x` is y^-1*x), and parentheses where the engine
// keeps a chain nested (two chains longer than 16 joined: `a + ... + (b + ...)`). The language
// has no inf or nan literal, so the non-finite numbers print as the divisions that fold back to
// them: inf as `1/0`, -inf as `-1/0`, nan as `0/0` (all nans, whatever their sign or payload,
// are one node).
//
// Comparisons: `==` and `!=` are structural (same node). `<`, `>`, ... compare plain numbers and
// the named constants; on anything symbolic they throw std::domain_error, because a branch on a
// value cannot be recorded in an expression. Generic code without data-dependent branches traces.
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "nabla/core/rules.hpp"

namespace nabla::sym {

// Every unary function of the rule table by its <cmath> name, plus `sign` (the derivative of
// abs). `fabs` is an alias: it builds the same node as `abs`.
enum class Function : std::uint8_t {
#define NABLA_SYM_FUNCTION_ENUM(function, Rule) function,
  NABLA_UNARY_RULES(NABLA_SYM_FUNCTION_ENUM)
#undef NABLA_SYM_FUNCTION_ENUM
      sign,
};

// The <cmath> name of f ("sign" for sign).
std::string_view function_name(Function f) noexcept;

enum class Kind : std::uint8_t {
  number,     // a plain double
  variable,   // a named free variable
  constant,   // a named constant: pi, e
  add,        // operand(0) + operand(1)
  multiply,   // operand(0) * operand(1)
  power,      // operand(0) ^ operand(1)
  function,   // function()(operand(0))
  polygamma,  // polygamma(order(), operand(0))
  atan2,      // atan2(operand(0), operand(1))
  hypot,      // hypot(operand(0), operand(1))
  min,        // min(operand(0), operand(1)): the first on a tie, as std::min
  max,        // max(operand(0), operand(1))
};

namespace detail {
struct Node;
}

class Expr {
 public:
  Expr() : Expr(0.0) {}
  // Implicit, so that `x + 2` and `T sum(0)` in generic code work.
  Expr(double value);  // NOLINT(google-explicit-constructor)

  Kind kind() const noexcept;
  bool is_number() const noexcept { return kind() == Kind::number; }
  // The value of a number or a named constant; nan for anything else.
  double number() const noexcept;
  // The name of a variable or a named constant; empty for anything else.
  const std::string& name() const noexcept;
  std::size_t arity() const noexcept;
  Expr operand(std::size_t i) const;
  Function function() const noexcept;  // for Kind::function
  int order() const noexcept;          // for Kind::polygamma
  std::size_t hash() const noexcept;
  // The node's address: equal for equal expressions, stable while any Expr holds the node.
  const void* id() const noexcept { return node_.get(); }
  bool same(const Expr& other) const noexcept { return node_ == other.node_; }

  Expr& operator+=(const Expr& b);
  Expr& operator-=(const Expr& b);
  Expr& operator*=(const Expr& b);
  Expr& operator/=(const Expr& b);

  friend Expr operator+(const Expr& a, const Expr& b);
  friend Expr operator-(const Expr& a, const Expr& b);
  friend Expr operator*(const Expr& a, const Expr& b);
  friend Expr operator/(const Expr& a, const Expr& b);
  friend Expr operator-(const Expr& a);
  friend Expr operator+(const Expr& a) { return a; }

  // Structural equality: one node. `x == 0` is true only for the number 0.
  friend bool operator==(const Expr& a, const Expr& b) noexcept { return a.same(b); }
  // Numeric order of plain numbers and named constants; throws std::domain_error otherwise.
  friend std::partial_ordering operator<=>(const Expr& a, const Expr& b);

  const detail::Node* node() const noexcept { return node_.get(); }
  explicit Expr(std::shared_ptr<const detail::Node> node) noexcept : node_(std::move(node)) {}

 private:
  std::shared_ptr<const detail::Node> node_;
};

// A free variable; the same name gives the same node.
Expr variable(std::string_view name);
// A named constant: "pi" (std::numbers::pi) or "e" (std::numbers::e); printed by name.
// Throws std::invalid_argument for any other name.
Expr constant(std::string_view name);

Expr pow(const Expr& base, const Expr& exponent);
Expr atan2(const Expr& a, const Expr& b);
Expr hypot(const Expr& a, const Expr& b);
Expr min(const Expr& a, const Expr& b);
Expr max(const Expr& a, const Expr& b);
// fmin and fmax skip a nan argument in the numeric modes; an expression has no value to test,
// so symbolically they are min and max.
inline Expr fmin(const Expr& a, const Expr& b) { return min(a, b); }
inline Expr fmax(const Expr& a, const Expr& b) { return max(a, b); }
Expr polygamma(int order, const Expr& x);
// sign(x) in {-1, 0, 1} (nan for nan): the derivative of abs, with abs'(0) = 0.
Expr sign(const Expr& x);
// f(x) for any unary function, by its code.
Expr apply(Function f, const Expr& x);

// One function per rule of nabla/core/rules.hpp: exp, log, sin, ..., by their <cmath> names.
#define NABLA_SYM_FUNCTION(function, Rule) \
  inline Expr function(const Expr& x) { return apply(Function::function, x); }
NABLA_UNARY_RULES(NABLA_SYM_FUNCTION)
#undef NABLA_SYM_FUNCTION

// Distinct nodes in the DAG (shared subexpressions counted once).
std::size_t node_count(const Expr& e);
std::size_t node_count(const std::vector<Expr>& roots);
// Nodes of e written out as a tree, each shared subexpression counted once per use: what
// to_string and to_latex print, about one to a few characters per node. It can grow
// exponentially in node_count (the tenth derivative of exp(sin(x)) is a few hundred distinct
// nodes and thousands in print; the twentieth, millions), so check it before printing a large
// derivative. Saturates at SIZE_MAX instead of overflowing; linear time in node_count.
std::size_t tree_size(const Expr& e);
// The free variables of e, in the order they are first met reading the printed form.
std::vector<Expr> variables(const Expr& e);
std::vector<Expr> variables(const std::vector<Expr>& roots);

// Infix with the fewest parentheses that keep the meaning: `x^2*y + y + 2`, `-x^2`,
// `(x + y)^2`, `x - (y - z)`, `x^y^z` (^ is right-associative), `x/(y*z)`, `x/y/z`.
// sym::parse reads it back as the same node (see "Canonical nodes" above); 1/0 is inf.
std::string to_string(const Expr& e);
// LaTeX math (no surrounding $): \frac{..}{..}, x^{2}, \sin\left(x\right), \pi.
std::string to_latex(const Expr& e);
// Graphviz DOT of the DAG: one vertex per node (shared nodes once), edges to operands.
std::string to_dot(const Expr& e);
std::string to_dot(const std::vector<Expr>& roots);

std::ostream& operator<<(std::ostream& os, const Expr& e);

namespace detail {

// One node of the DAG. Immutable after construction; created only by the interning table.
struct Node : std::enable_shared_from_this<Node> {
  Kind kind{};
  std::uint8_t arity = 0;
  std::int32_t code = 0;  // the Function of a function node, the order of a polygamma node
  double number = 0;      // the value of a number or named constant
  std::size_t hash = 0;
  std::string name;  // variable or constant
  std::array<std::shared_ptr<const Node>, 2> operands;

  Node() = default;
  Node(const Node&) = delete;
  Node& operator=(const Node&) = delete;
  ~Node();  // leaves the node table; frees the operands without recursion (src/symbolic/expr.cpp)
};

}  // namespace detail

inline Kind Expr::kind() const noexcept { return node_->kind; }
inline std::size_t Expr::arity() const noexcept { return node_->arity; }
inline Function Expr::function() const noexcept { return static_cast<Function>(node_->code); }
inline int Expr::order() const noexcept { return node_->code; }
inline std::size_t Expr::hash() const noexcept { return node_->hash; }

}  // namespace nabla::sym

template <>
struct std::hash<nabla::sym::Expr> {
  std::size_t operator()(const nabla::sym::Expr& e) const noexcept { return e.hash(); }
};
