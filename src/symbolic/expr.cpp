// The node table (hash-consing), and the constructors that simplify as they build.
#include "nabla/symbolic/expr.hpp"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>
#include <mutex>
#include <new>
#include <numbers>
#include <optional>
#include <stdexcept>
#include <unordered_map>
#include <unordered_set>

#include "graph.hpp"
#include "nabla/core/special_functions.hpp"

namespace nabla::sym {
namespace detail {
namespace {

// --- the table: one live node per structure ------------------------------------------------
//
// Open addressing with linear probing: each slot holds a node's hash beside its address, so a
// probe compares hashes in one contiguous array and touches a node only when the hash matches
// (a std::unordered_multimap walked a linked list of heap nodes instead: parsing spent a third
// of its time there). A slot may hold a dying node (its last Expr gone, its deleter not yet
// run), which weak_from_this().lock() recognises. Never destroyed, so that Expr objects with
// static storage can still release their nodes at exit.
struct Table {
  struct Slot {
    std::size_t hash = 0;
    const Node* node = nullptr;  // nullptr: empty
  };
  // Not below 256 KiB: a table that shrinks and grows again around every mid-sized expression
  // scatters the nodes allocated in between (printing the 41 KB polynomial took 2.5x longer).
  static constexpr std::size_t kMinimumSlots = std::size_t{1} << 14;
  std::mutex mutex;
  std::vector<Slot> slots = std::vector<Slot>(kMinimumSlots);
  std::size_t used = 0;

  std::size_t mask() const { return slots.size() - 1; }

  void insert(std::size_t hash, const Node* node) {
    if (2 * (used + 1) > slots.size()) grow();
    std::size_t i = hash & mask();
    while (slots[i].node) i = (i + 1) & mask();
    slots[i] = {hash, node};
    ++used;
  }

  // Backward-shift deletion: later slots of the probe sequence move up, so that no lookup
  // stops early at the hole.
  void erase(const Node* node) {
    std::size_t i = node->hash & mask();
    while (slots[i].node != node) i = (i + 1) & mask();
    for (std::size_t j = (i + 1) & mask(); slots[j].node; j = (j + 1) & mask()) {
      const std::size_t home = slots[j].hash & mask();
      // slot j may move to i if its home is not in the cyclic range (i, j]
      const bool stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (stays) continue;
      slots[i] = slots[j];
      i = j;
    }
    slots[i] = {};
    --used;
    // Shrink when an eighth full: after a large DAG is freed, lookups would otherwise probe a
    // table far larger than the cache for the rest of the program (a 41 KB polynomial parsed
    // twice as slowly after a 10 000-variable Rosenbrock had come and gone).
    if (slots.size() > kMinimumSlots && 8 * used < slots.size()) {
      try {
        rehash(slots.size() / 2);
      } catch (const std::bad_alloc&) {
        // erase runs in a destructor: a table left larger is still a correct table
      }
    }
  }

  void grow() { rehash(slots.size() * 2); }

  // The new array is allocated before the old one is touched: if that throws, nothing changed.
  void rehash(std::size_t size) {
    std::vector<Slot> fresh(size);
    const std::size_t fresh_mask = size - 1;
    for (const Slot& slot : slots) {
      if (!slot.node) continue;
      std::size_t i = slot.hash & fresh_mask;
      while (fresh[i].node) i = (i + 1) & fresh_mask;
      fresh[i] = slot;
    }
    slots.swap(fresh);
  }
};
Table& table() {
  static Table* instance = new Table;
  return *instance;
}

// Freeing a node releases its operands, which may free them in turn: a chain of a million nodes
// would recurse a million deep. Instead a dying node hands its operands to its thread's work
// list, and the outermost destructor releases them one by one.
struct FreeList {
  std::vector<std::shared_ptr<const Node>> pending;
  bool draining = false;
};
FreeList& free_list() {
  static thread_local FreeList* list = new FreeList;  // never destroyed: nodes may die at exit
  return *list;
}

void unregister(const Node* node) {
  Table& t = table();
  std::lock_guard lock(t.mutex);
  t.erase(node);
}

}  // namespace

Node::~Node() {
  unregister(this);
  FreeList& list = free_list();
  for (auto& operand : operands) {
    if (operand) list.pending.push_back(std::move(operand));
  }
  if (list.draining) return;
  list.draining = true;
  while (!list.pending.empty()) {
    std::shared_ptr<const Node> next = std::move(list.pending.back());
    list.pending.pop_back();
    next.reset();  // a node reaching zero here runs this destructor, which only queues
  }
  list.draining = false;
}

namespace {

// splitmix64's finaliser: pointers (aligned, close together) spread over every bucket.
std::size_t mix(std::uint64_t z) {
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return static_cast<std::size_t>(z ^ (z >> 31));
}
std::size_t combine(std::size_t seed, std::size_t value) {
  return mix(seed ^ (value + 0x9e3779b97f4a7c15ULL + (seed << 6) + (seed >> 2)));
}

std::uint64_t bits(double x) { return std::bit_cast<std::uint64_t>(x); }

}  // namespace

// The one way nodes come into being.
Expr make(Kind kind, std::int32_t code, double number, std::string_view name, const Expr* a,
          const Expr* b) {
  if (number == 0) number = 0;  // -0 and +0 are one node
  if (std::isnan(number)) number = std::numeric_limits<double>::quiet_NaN();  // and every nan
  std::size_t h = combine(static_cast<std::size_t>(kind), static_cast<std::size_t>(code));
  h = combine(h, bits(number));
  h = combine(h, std::hash<std::string_view>{}(name));
  h = combine(h, std::hash<const void*>{}(a ? a->node() : nullptr));
  h = combine(h, std::hash<const void*>{}(b ? b->node() : nullptr));
  const std::uint8_t arity = a ? (b ? 2 : 1) : 0;

  Table& t = table();
  std::lock_guard lock(t.mutex);
  for (std::size_t i = h & t.mask(); t.slots[i].node; i = (i + 1) & t.mask()) {
    if (t.slots[i].hash != h) continue;
    const Node* n = t.slots[i].node;
    if (n->kind != kind || n->code != code || bits(n->number) != bits(number) ||
        n->arity != arity || n->name != name)
      continue;
    if (a && n->operands[0].get() != a->node()) continue;
    if (b && n->operands[1].get() != b->node()) continue;
    if (auto live = n->weak_from_this().lock()) return Expr(std::move(live));
  }
  // One allocation for the node and its reference counts, side by side in memory: a lookup that
  // finds the node touches the counts next (weak_from_this().lock() above).
  auto owner = std::make_shared<Node>();
  Node* node = owner.get();
  node->kind = kind;
  node->arity = arity;
  node->code = code;
  node->number = number;
  node->hash = h;
  node->name = std::string(name);
  if (a) node->operands[0] = a->node()->shared_from_this();
  if (b) node->operands[1] = b->node()->shared_from_this();
  t.insert(h, node);
  return Expr(std::shared_ptr<const Node>(std::move(owner)));
}

Order topological_order(const std::vector<const Node*>& roots) {
  Order order;
  std::vector<std::pair<const Node*, std::uint8_t>> stack;
  std::unordered_set<const Node*> entered;
  for (const Node* root : roots) {
    if (order.index.contains(root) || entered.contains(root)) continue;
    stack.push_back({root, 0});
    entered.insert(root);
    while (!stack.empty()) {
      auto& [node, next] = stack.back();
      if (next < node->arity) {
        const Node* child = node->operands[next++].get();
        if (!entered.contains(child)) {
          entered.insert(child);
          stack.push_back({child, 0});
        }
        continue;
      }
      order.index.emplace(node, static_cast<std::uint32_t>(order.nodes.size()));
      order.nodes.push_back(node);
      stack.pop_back();
    }
  }
  return order;
}

std::vector<Expr> chain(const Expr& e, Kind kind) {
  std::vector<Expr> items;
  Expr cur = e;
  while (cur.kind() == kind) {
    items.push_back(cur.operand(1));
    cur = cur.operand(0);
  }
  items.push_back(std::move(cur));
  std::reverse(items.begin(), items.end());  // moves, where copying back would count references
  return items;
}

}  // namespace detail

using detail::chain;
using detail::make;

namespace {

constexpr int kSearch = 16;  // how far back a chain is searched for like terms and factors

Expr raw(Kind kind, const Expr& a, const Expr& b) { return make(kind, 0, 0, {}, &a, &b); }
bool is_number(const Expr& e, double v) { return e.is_number() && e.number() == v; }
bool is_integer(double v) { return std::isfinite(v) && v == std::trunc(v); }

// c * rest, with c a plain number: `rest` is empty for a number.
struct Term {
  double coefficient;
  std::optional<Expr> rest;
};
Term split_term(const Expr& e) {
  if (e.is_number()) return {e.number(), std::nullopt};
  if (e.kind() == Kind::multiply && e.operand(0).is_number()) {
    return {e.operand(0).number(), e.operand(1)};
  }
  return {1.0, e};
}

// base ^ exponent (exponent 1 for anything that is not a power).
std::pair<Expr, Expr> split_power(const Expr& e) {
  if (e.kind() == Kind::power) return {e.operand(0), e.operand(1)};
  return {e, Expr(1.0)};
}

Expr make_add(const Expr& a, const Expr& b);
Expr make_mul(const Expr& a, const Expr& b);
Expr make_pow(const Expr& a, const Expr& b);

// Appends a term to a sum that has lost one of its terms (or changed one): through make_add, so
// that a term now within reach of a like term merges with it, and the sum is what building it
// anew from its terms gives.
Expr append_term(const std::optional<Expr>& sum, const Expr& term) {
  return sum ? make_add(*sum, term) : term;
}

// The term of a sum without its numeric coefficient (nullptr for a number), read from nodes:
// the searches below look at up to kSearch terms for every term added, and most find nothing,
// so they look without copying Exprs (each copy is two atomic operations).
const detail::Node* rest_of_term(const detail::Node* term) {
  if (term->kind == Kind::number) return nullptr;
  if (term->kind == Kind::multiply && term->operands[0]->kind == Kind::number) {
    return term->operands[1].get();
  }
  return term;
}
const detail::Node* base_of_factor(const detail::Node* factor) {
  return factor->kind == Kind::power ? factor->operands[0].get() : factor;
}

// Whether the last kSearch links of the chain `body` of `kind` have an item whose key (the
// term's rest, the factor's base) is `key`.
template <class Key>
bool chain_has(const Expr& body, Kind kind, const detail::Node* key, Key key_of) {
  const detail::Node* cur = body.node();
  for (int k = 0; k < kSearch; ++k) {
    const bool is_link = cur->kind == kind;
    if (key_of(is_link ? cur->operands[1].get() : cur) == key) return true;
    if (!is_link) return false;
    cur = cur->operands[0].get();
  }
  return false;
}

// body + t, combining t with a like term among the last kSearch terms of body.
Expr add_like(const Expr& body, const Expr& t) {
  const Term added = split_term(t);
  if (!chain_has(body, Kind::add, added.rest->node(), rest_of_term)) {
    return raw(Kind::add, body, t);
  }
  std::vector<Expr> tail;  // terms passed over, last first
  Expr cur = body;
  for (int k = 0; k < kSearch; ++k) {
    const bool is_sum = cur.kind() == Kind::add;
    const Expr term = is_sum ? cur.operand(1) : cur;
    const Term existing = split_term(term);
    if (existing.rest && existing.rest->same(*added.rest)) {
      std::optional<Expr> sum;
      if (is_sum) sum = cur.operand(0);
      const Expr merged = make_mul(Expr(existing.coefficient + added.coefficient), *added.rest);
      if (!is_number(merged, 0)) sum = append_term(sum, merged);
      for (auto it = tail.rbegin(); it != tail.rend(); ++it) sum = append_term(sum, *it);
      return sum ? *sum : Expr(0.0);
    }
    tail.push_back(term);
    if (!is_sum) break;
    cur = cur.operand(0);
  }
  return raw(Kind::add, body, t);
}

// s + t for t not a sum: the number of s stays last.
Expr add_term(const Expr& s, const Expr& t) {
  if (s.is_number() && t.is_number()) return Expr(s.number() + t.number());
  if (is_number(t, 0)) return s;
  if (is_number(s, 0)) return t;
  std::optional<Expr> body;
  double constant = 0;
  if (s.is_number()) {
    constant = s.number();
  } else if (s.kind() == Kind::add && s.operand(1).is_number()) {
    body = s.operand(0);
    constant = s.operand(1).number();
  } else {
    body = s;
  }
  Expr sum = t.is_number() ? *body : (body ? add_like(*body, t) : t);
  if (t.is_number()) constant += t.number();
  if (constant == 0) return sum;
  if (sum.is_number()) return Expr(sum.number() + constant);
  return raw(Kind::add, sum, Expr(constant));
}

// More than kSearch links in the chain: too long to take apart on every operation.
bool is_long(const Expr& e, Kind kind) {
  const detail::Node* n = e.node();
  for (int k = 0; k <= kSearch; ++k) {
    if (n->kind != kind) return false;
    n = n->operands[0].get();
  }
  return true;
}

// Appending the terms of b one by one costs O(length of b). When b is long, a + b becomes
// b + a (if a is short) or a node with a sum as its right operand: either way O(1), so sums of
// sums (adjoints accumulating) do not grow quadratically.
Expr make_add(const Expr& a, const Expr& b) {
  if (b.kind() != Kind::add) return add_term(a, b);
  if (is_long(b, Kind::add)) {
    if (a.kind() != Kind::add) return add_term(b, a);
    if (is_long(a, Kind::add)) return raw(Kind::add, a, b);
    return make_add(b, a);
  }
  Expr sum = a;
  for (const Expr& t : chain(b, Kind::add)) sum = add_term(sum, t);
  return sum;
}

bool is_plain_product(const Expr& e) {
  return !e.is_number() && !(e.kind() == Kind::multiply && e.operand(0).is_number());
}

// A product p that is itself the base of f: p * p^k is p^(k+1), whichever grouping built it.
bool is_power_of(const Expr& f, const Expr& p) {
  return p.kind() == Kind::multiply && split_power(f).first.same(p);
}

// As append_term, for the factors of a product.
Expr append_factor(const std::optional<Expr>& product, const Expr& f) {
  return product ? make_mul(*product, f) : f;
}

// p * f for plain p and a plain factor f (not a product), combining like factors.
Expr multiply_factor(const Expr& p, const Expr& f) {
  const auto [base, exponent] = split_power(f);
  if (is_power_of(f, p)) return make_pow(p, make_add(Expr(1.0), exponent));
  if (!chain_has(p, Kind::multiply, base.node(), base_of_factor)) {
    return raw(Kind::multiply, p, f);
  }
  std::vector<Expr> tail;
  Expr cur = p;
  for (int k = 0; k < kSearch; ++k) {
    const bool is_product = cur.kind() == Kind::multiply;
    const Expr factor = is_product ? cur.operand(1) : cur;
    const auto [existing_base, existing_exponent] = split_power(factor);
    if (existing_base.same(base)) {
      std::optional<Expr> product;
      if (is_product) product = cur.operand(0);
      const Expr merged = make_pow(base, make_add(existing_exponent, exponent));
      if (!is_number(merged, 1)) product = append_factor(product, merged);
      for (auto it = tail.rbegin(); it != tail.rend(); ++it) product = append_factor(product, *it);
      return product ? *product : Expr(1.0);
    }
    tail.push_back(factor);
    if (!is_product) break;
    cur = cur.operand(0);
  }
  return raw(Kind::multiply, p, f);
}

// The product of two plain products (no numbers anywhere in them).
Expr multiply_plain(const Expr& a, const Expr& b) {
  const auto [base_a, exponent_a] = split_power(a);
  const auto [base_b, exponent_b] = split_power(b);
  if (base_a.same(base_b)) return make_pow(base_a, make_add(exponent_a, exponent_b));
  if (b.kind() != Kind::multiply) return multiply_factor(a, b);
  if (is_long(b, Kind::multiply)) {  // as for sums: O(1), not O(length of b)
    if (a.kind() != Kind::multiply) return multiply_factor(b, a);
    if (is_long(a, Kind::multiply)) return raw(Kind::multiply, a, b);
    return multiply_plain(b, a);
  }
  Expr product = a;
  for (const Expr& f : chain(b, Kind::multiply)) {
    product = is_plain_product(product) ? multiply_factor(product, f) : make_mul(product, f);
  }
  return product;
}

Expr make_mul(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return Expr(a.number() * b.number());
  const Term ta = split_term(a), tb = split_term(b);
  double coefficient = ta.coefficient * tb.coefficient;
  if (coefficient == 0) return Expr(0.0);  // 0 * x = 0, assuming x finite
  std::optional<Expr> rest =
      ta.rest && tb.rest ? multiply_plain(*ta.rest, *tb.rest) : (ta.rest ? ta.rest : tb.rest);
  if (!rest) return Expr(coefficient);
  const Term tr = split_term(*rest);  // like factors may have produced a number
  coefficient *= tr.coefficient;
  if (!tr.rest || coefficient == 0) return Expr(coefficient);
  if (coefficient == 1) return *tr.rest;
  return raw(Kind::multiply, Expr(coefficient), *tr.rest);
}

Expr make_pow(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return Expr(std::pow(a.number(), b.number()));
  if (is_number(b, 0) || is_number(a, 1)) return Expr(1.0);  // IEEE: pow(x, 0) = pow(1, y) = 1
  if (is_number(b, 1)) return a;
  if (b.is_number() && is_integer(b.number())) {
    const double n = b.number();
    // (x^e)^n = x^(e n) for integer n; (c r)^n = c^n r^n
    if (a.kind() == Kind::power && a.operand(1).is_number()) {
      return make_pow(a.operand(0), Expr(a.operand(1).number() * n));
    }
    if (a.kind() == Kind::multiply && a.operand(0).is_number()) {
      return make_mul(Expr(std::pow(a.operand(0).number(), n)), make_pow(a.operand(1), b));
    }
    if (n == 2 && a.kind() == Kind::function && a.function() == Function::sqrt) {
      return a.operand(0);  // (sqrt x)^2 = x for x >= 0
    }
  }
  if (a.kind() == Kind::constant && a.name() == "e") return apply(Function::exp, b);
  return raw(Kind::power, a, b);
}

double apply_number(Function f, double x) {
  switch (f) {
#define NABLA_SYM_VALUE(function, Rule) \
  case Function::function:              \
    return rules::Rule::value(x);
    NABLA_UNARY_RULES(NABLA_SYM_VALUE)
#undef NABLA_SYM_VALUE
    case Function::sign:
      return rules::sign(x);
  }
  return std::numeric_limits<double>::quiet_NaN();
}

// fabs builds the node of abs: the first function in the list with the same rule.
Function canonical(Function f) { return f == Function::fabs ? Function::abs : f; }

bool is_odd(Function f) {
  switch (f) {
    case Function::sin:
    case Function::tan:
    case Function::asin:
    case Function::atan:
    case Function::sinh:
    case Function::tanh:
    case Function::asinh:
    case Function::atanh:
    case Function::erf:
    case Function::cbrt:
    case Function::sign:
      return true;
    default:
      return false;
  }
}
bool is_even(Function f) { return f == Function::cos || f == Function::cosh || f == Function::abs; }

// outer(inner(x)) = x: always for real x (first group), on inner's domain (second group).
bool cancels(Function outer, Function inner) {
  using F = Function;
  const std::pair<F, F> pairs[] = {{F::log, F::exp},     {F::log2, F::exp2},  {F::log1p, F::expm1},
                                   {F::asinh, F::sinh},  {F::atanh, F::tanh}, {F::tan, F::atan},
                                   {F::sinh, F::asinh},  {F::exp, F::log},    {F::exp2, F::log2},
                                   {F::expm1, F::log1p}, {F::sin, F::asin},   {F::cos, F::acos},
                                   {F::tanh, F::atanh},  {F::cosh, F::acosh}};
  for (const auto& [o, i] : pairs) {
    if (o == outer && i == inner) return true;
  }
  return false;
}

}  // namespace

std::string_view function_name(Function f) noexcept {
  switch (f) {
#define NABLA_SYM_NAME(function, Rule) \
  case Function::function:             \
    return #function;
    NABLA_UNARY_RULES(NABLA_SYM_NAME)
#undef NABLA_SYM_NAME
    case Function::sign:
      return "sign";
  }
  return "?";
}

Expr apply(Function f, const Expr& x) {
  f = canonical(f);
  if (x.is_number()) return Expr(apply_number(f, x.number()));
  if (x.kind() == Kind::function) {
    const Function inner = x.function();
    if (cancels(f, inner)) return x.operand(0);
    if (f == inner && (f == Function::abs || f == Function::sign || f == Function::floor ||
                       f == Function::ceil || f == Function::round || f == Function::trunc)) {
      return x;  // idempotent
    }
  }
  if (f == Function::log && x.kind() == Kind::constant && x.name() == "e") return Expr(1.0);
  if (f == Function::sqrt && x.kind() == Kind::power && is_number(x.operand(1), 2)) {
    return apply(Function::abs, x.operand(0));
  }
  if (x.kind() == Kind::multiply && x.operand(0).is_number()) {
    const double c = x.operand(0).number();
    if (f == Function::abs) return make_mul(Expr(std::abs(c)), apply(f, x.operand(1)));
    if (c == -1 && is_even(f)) return apply(f, x.operand(1));
    if (c == -1 && is_odd(f)) return make_mul(Expr(-1.0), apply(f, x.operand(1)));
  }
  return make(Kind::function, static_cast<std::int32_t>(f), 0, {}, &x, nullptr);
}

Expr sign(const Expr& x) { return apply(Function::sign, x); }

Expr polygamma(int order, const Expr& x) {
  if (x.is_number()) return Expr(nabla::polygamma(order, x.number()));
  return make(Kind::polygamma, order, 0, {}, &x, nullptr);
}

Expr atan2(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return Expr(std::atan2(a.number(), b.number()));
  return raw(Kind::atan2, a, b);
}

Expr hypot(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return Expr(std::hypot(a.number(), b.number()));
  if (is_number(b, 0)) return apply(Function::abs, a);
  if (is_number(a, 0)) return apply(Function::abs, b);
  return raw(Kind::hypot, a, b);
}

Expr min(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return Expr(b.number() < a.number() ? b : a);
  if (a.same(b)) return a;
  return raw(Kind::min, a, b);
}

Expr max(const Expr& a, const Expr& b) {
  if (a.is_number() && b.is_number()) return Expr(a.number() < b.number() ? b : a);
  if (a.same(b)) return a;
  return raw(Kind::max, a, b);
}

Expr pow(const Expr& base, const Expr& exponent) { return make_pow(base, exponent); }

namespace {
Expr make_number(double value) { return make(Kind::number, 0, value, {}, nullptr, nullptr); }
}  // namespace

// The simplifier asks for 0, 1 and -1 all the time (every factor that is not a power has
// exponent 1): those nodes are kept, and copying one is cheaper than finding it in the table.
Expr::Expr(double value)
    : Expr([value] {
        static const Expr zero = make_number(0), one = make_number(1), minus_one = make_number(-1);
        if (value == 0) return zero;
        if (value == 1) return one;
        if (value == -1) return minus_one;
        return make_number(value);
      }()) {}

double Expr::number() const noexcept {
  if (kind() == Kind::number || kind() == Kind::constant) return node_->number;
  return std::numeric_limits<double>::quiet_NaN();
}

const std::string& Expr::name() const noexcept { return node_->name; }

Expr Expr::operand(std::size_t i) const {
  if (i >= arity()) throw std::out_of_range("sym::Expr::operand: no operand " + std::to_string(i));
  return Expr(node_->operands[i]);
}

Expr operator+(const Expr& a, const Expr& b) { return make_add(a, b); }
Expr operator-(const Expr& a, const Expr& b) { return make_add(a, make_mul(Expr(-1.0), b)); }
Expr operator*(const Expr& a, const Expr& b) { return make_mul(a, b); }
Expr operator/(const Expr& a, const Expr& b) { return make_mul(a, make_pow(b, Expr(-1.0))); }
Expr operator-(const Expr& a) { return make_mul(Expr(-1.0), a); }
Expr& Expr::operator+=(const Expr& b) { return *this = *this + b; }
Expr& Expr::operator-=(const Expr& b) { return *this = *this - b; }
Expr& Expr::operator*=(const Expr& b) { return *this = *this * b; }
Expr& Expr::operator/=(const Expr& b) { return *this = *this / b; }

std::partial_ordering operator<=>(const Expr& a, const Expr& b) {
  auto numeric = [](const Expr& e) {
    return e.kind() == Kind::number || e.kind() == Kind::constant;
  };
  if (!numeric(a) || !numeric(b)) {
    throw std::domain_error("sym::Expr: cannot order the symbolic expressions " + to_string(a) +
                            " and " + to_string(b) +
                            " (a branch on a value cannot be recorded in an expression)");
  }
  return a.number() <=> b.number();
}

Expr variable(std::string_view name) {
  if (name.empty()) throw std::invalid_argument("sym::variable: the name is empty");
  return make(Kind::variable, 0, 0, name, nullptr, nullptr);
}

Expr constant(std::string_view name) {
  if (name == "pi") return make(Kind::constant, 0, std::numbers::pi, name, nullptr, nullptr);
  if (name == "e") return make(Kind::constant, 0, std::numbers::e, name, nullptr, nullptr);
  throw std::invalid_argument("sym::constant: unknown constant '" + std::string(name) +
                              "' (known: pi, e)");
}

std::size_t node_count(const Expr& e) { return node_count(std::vector<Expr>{e}); }
std::size_t node_count(const std::vector<Expr>& roots) {
  std::vector<const detail::Node*> nodes;
  for (const Expr& r : roots) nodes.push_back(r.node());
  return detail::topological_order(nodes).nodes.size();
}

std::size_t tree_size(const Expr& e) {
  const detail::Order order = detail::topological_order({e.node()});
  constexpr std::size_t saturated = std::numeric_limits<std::size_t>::max();
  std::vector<std::size_t> size(order.nodes.size());  // operands come before their users
  for (std::size_t i = 0; i < order.nodes.size(); ++i) {
    const detail::Node* n = order.nodes[i];
    std::size_t total = 1;
    for (std::size_t k = 0; k < n->arity; ++k) {
      const std::size_t operand = size[order.index.at(n->operands[k].get())];
      total = operand > saturated - total ? saturated : total + operand;
    }
    size[i] = total;
  }
  return size.back();
}

std::vector<Expr> variables(const Expr& e) { return variables(std::vector<Expr>{e}); }
std::vector<Expr> variables(const std::vector<Expr>& roots) {
  std::vector<const detail::Node*> nodes;
  for (const Expr& r : roots) nodes.push_back(r.node());
  std::vector<Expr> found;
  for (const detail::Node* n : detail::topological_order(nodes).nodes) {
    if (n->kind == Kind::variable) found.push_back(detail::as_expr(n));
  }
  return found;
}

}  // namespace nabla::sym
