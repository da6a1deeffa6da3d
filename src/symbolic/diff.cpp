// Symbolic reverse mode: one backward pass over the DAG, adjoints as expressions.
#include "nabla/symbolic/diff.hpp"

#include <algorithm>
#include <array>
#include <iomanip>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <unordered_set>

#include "graph.hpp"
#include "nabla/core/rules.hpp"
#include "nabla/symbolic/evaluate.hpp"

namespace nabla::sym {
namespace {

using detail::Node;

// ∂f/∂x for the unary function node f(x), from the shared rule table with T = Expr.
Expr function_derivative(Function f, const Expr& x, const Expr& y) {
  switch (f) {
#define NABLA_SYM_DERIVATIVE(function, Rule) \
  case Function::function:                   \
    return rules::Rule::derivative(x, y);
    NABLA_UNARY_RULES(NABLA_SYM_DERIVATIVE)
#undef NABLA_SYM_DERIVATIVE
    case Function::sign:
      return Expr(0.0);  // almost everywhere
  }
  throw std::logic_error("sym::diff: unknown function");
}

bool is_numeric_leaf(const Expr& e) { return e.is_number() || e.kind() == Kind::constant; }

// The partial derivatives of node e with respect to its operands; only those asked for.
std::array<std::optional<Expr>, 2> partials(const Expr& e, bool want_first, bool want_second) {
  std::array<std::optional<Expr>, 2> p;
  switch (e.kind()) {
    case Kind::add:
      p = {Expr(1.0), Expr(1.0)};
      break;
    case Kind::multiply:
      p = {e.operand(1), e.operand(0)};
      break;
    case Kind::power: {
      const Expr a = e.operand(0), b = e.operand(1);
      if (b.is_number()) {
        p[0] = rules::PowConstantExponent<double>{b.number()}.derivative(a, e);
      } else if (is_numeric_leaf(a)) {
        p[1] = (a.is_number() && a.number() == 0) ? Expr(0.0) : e * log(a);
      } else {
        const auto r = rules::Pow::partials(a, b, e);
        p = {r.first, r.second};
      }
      break;
    }
    case Kind::function:
      p[0] = function_derivative(e.function(), e.operand(0), e);
      break;
    case Kind::polygamma:
      p[0] = rules::Polygamma{e.order()}.derivative(e.operand(0), e);
      break;
    case Kind::atan2: {
      const auto r = rules::Atan2::partials(e.operand(0), e.operand(1), e);
      p = {r.first, r.second};
      break;
    }
    case Kind::hypot: {
      const auto r = rules::Hypot::partials(e.operand(0), e.operand(1), e);
      p = {r.first, r.second};
      break;
    }
    case Kind::min:
    case Kind::max: {
      // min: the first argument carries the derivative where a < b; max where a > b
      const Expr s = sign(e.operand(0) - e.operand(1));
      const Expr toward_first = e.kind() == Kind::min ? -s : s;
      p = {(1.0 + toward_first) / 2.0, (1.0 - toward_first) / 2.0};
      break;
    }
    default:
      break;
  }
  if (!want_first) p[0].reset();
  if (!want_second) p[1].reset();
  return p;
}

// Adjoints of the targets (the nodes for which is_target is true) after one reverse pass from e.
template <class IsTarget>
std::unordered_map<const Node*, Expr> reverse_pass(const Expr& e, IsTarget is_target) {
  const detail::Order order = detail::topological_order({e.node()});
  const std::size_t n = order.nodes.size();
  // Only nodes that depend on a target receive adjoints.
  std::vector<char> active(n, 0);
  for (std::size_t i = 0; i < n; ++i) {
    const Node* node = order.nodes[i];
    bool a = is_target(node);
    for (std::size_t k = 0; k < node->arity && !a; ++k) {
      a = active[order.index.at(node->operands[k].get())];
    }
    active[i] = a;
  }
  std::unordered_map<const Node*, Expr> result;
  std::vector<std::optional<Expr>> adjoint(n);
  if (n == 0 || !active[n - 1]) return result;
  adjoint[n - 1] = Expr(1.0);
  for (std::size_t i = n; i-- > 0;) {
    const Node* node = order.nodes[i];
    if (!adjoint[i]) continue;
    if (is_target(node)) result.emplace(node, *adjoint[i]);
    if (node->arity == 0) continue;
    std::array<std::uint32_t, 2> child{};
    std::array<bool, 2> want{false, false};
    for (std::size_t k = 0; k < node->arity; ++k) {
      child[k] = order.index.at(node->operands[k].get());
      want[k] = active[child[k]];
    }
    const auto p = partials(detail::as_expr(node), want[0], want[1]);
    for (std::size_t k = 0; k < node->arity; ++k) {
      if (!p[k]) continue;
      // Adjoint first: the adjoint is shared by every operand below this node, and products
      // are chains built left to right, so a partial appended after it adds one node where one
      // put in front would rebuild the chain (the 10th derivative of sin(sin(sin(sin x))) took
      // 2.3x longer that way). A leaf adjoint (x, 2) goes after, which reads better (2*x*y).
      const Expr& a = *adjoint[i];
      const bool leaf = a.arity() == 0;
      const Expr contribution = leaf ? *p[k] * a : a * *p[k];
      auto& slot = adjoint[child[k]];
      slot = slot ? *slot + contribution : contribution;
    }
    adjoint[i].reset();  // no longer needed: free it early
  }
  return result;
}

std::unordered_map<const Node*, std::size_t> columns_of(const std::vector<Expr>& variables) {
  std::unordered_map<const Node*, std::size_t> columns;
  for (std::size_t j = 0; j < variables.size(); ++j) {
    if (variables[j].kind() != Kind::variable) {
      throw std::invalid_argument(
          "sym::diff: can only differentiate with respect to a variable, "
          "not " +
          to_string(variables[j]));
    }
    columns.emplace(variables[j].node(), j);  // a repeated variable: its first column
  }
  return columns;
}

std::unordered_set<const Node*> targets_of(const std::vector<Expr>& variables) {
  std::unordered_set<const Node*> targets;
  for (const Expr& v : variables) targets.insert(v.node());
  return targets;
}

auto member_of(const std::unordered_set<const Node*>& targets) {
  return [&targets](const Node* node) { return targets.contains(node); };
}

// The Hessian's lower triangle, row by row: entry (i, j), j <= i, is ∂g_i/∂x_j from a reverse
// pass of g_i whose targets are x_0 .. x_i only, so the pass skips what only later columns need.
// H is symmetric, so (j, i) is the same node: half the work, and an exactly symmetric result.
// Calls store(i, j, value) for each structurally non-zero entry with j <= i. Variables must be
// distinct (the callers fall back to the Jacobian of the gradient otherwise).
template <class Store>
void lower_hessian(const Expr& e, const std::vector<Expr>& variables,
                   const std::unordered_map<const Node*, std::size_t>& columns, Store store) {
  const std::vector<Expr> g = gradient(e, variables);
  for (std::size_t i = 0; i < g.size(); ++i) {
    const auto up_to_i = [&columns, i](const Node* node) {
      const auto found = columns.find(node);
      return found != columns.end() && found->second <= i;
    };
    for (const auto& [node, value] : reverse_pass(g[i], up_to_i)) {
      if (value.is_number() && value.number() == 0) continue;
      store(i, columns.at(node), value);
    }
  }
}

// --- higher derivatives along one variable: series of derivatives ---------------------------
//
// Differentiating n times swells: the n-th derivative of sin(sin(sin(sin x))) by repeated
// differentiation has 350 000 nodes at n = 10. Instead, every node u of e gets the list of its
// derivatives (u, u', ..., u^(n)) along x, computed from its operands' lists in one pass:
//   sum        (a + b)^(k) = a^(k) + b^(k)
//   product    (a b)^(k) = sum_j C(k, j) a^(j) b^(k-j)                                (Leibniz)
//   f(a)       f(a)^(k) = sum_{m=1..k} f^(m)(a) B_{k,m}(a', a'', ...)            (Faà di Bruno)
// where B_{k,m} are the partial Bell polynomials, by their recurrence
//   B_{k,m} = sum_{i=1..k-m+1} C(k-1, i-1) a^(i) B_{k-i,m-1},  B_{0,0} = 1,
// and f^(m)(a) comes from differentiating f(u) m times on a fresh variable u (one function, so
// no swell) and substituting a for u. Powers with a number as exponent are such an f; other
// powers are exp(b log a). The coefficients are integers, so the result is exact, and the list of
// each node costs O(n^2) products (O(n^3) for functions): the 10th derivative above has a few
// thousand nodes. atan2, hypot, min and max are not handled this way (series_derivative gives
// nothing and diff differentiates repeatedly). Orders below kSeriesOrder differentiate
// repeatedly, which gives the familiar forms (f'' of x^2 y is 2*y).
constexpr int kSeriesOrder = 3;

using Series = std::vector<Expr>;  // (u, u', ..., u^(n))

bool is_zero(const Expr& e) { return e.is_number() && e.number() == 0; }

std::vector<std::vector<double>> binomials(int n) {
  std::vector<std::vector<double>> c(n + 1, std::vector<double>(n + 1, 0.0));
  for (int k = 0; k <= n; ++k) {
    c[k][0] = c[k][k] = 1;
    for (int j = 1; j < k; ++j) c[k][j] = c[k - 1][j - 1] + c[k - 1][j];
  }
  return c;
}

class SeriesBuilder {
 public:
  SeriesBuilder(const Expr& x, int n) : x_(x), n_(n), choose_(binomials(n)) {}

  std::optional<Expr> derivative(const Expr& e) {
    const detail::Order order = detail::topological_order({e.node()});
    std::vector<Series> series(order.nodes.size());
    for (std::size_t i = 0; i < order.nodes.size(); ++i) {
      const Node* node = order.nodes[i];
      auto operand = [&](int k) -> const Series& {
        return series[order.index.at(node->operands[k].get())];
      };
      const Expr u = detail::as_expr(node);
      switch (node->kind) {
        case Kind::number:
        case Kind::constant:
        case Kind::variable:
          series[i] = constant(u);
          if (node == x_.node()) series[i][1] = Expr(1.0);
          break;
        case Kind::add:
          series[i] = sum(operand(0), operand(1));
          break;
        case Kind::multiply:
          series[i] = product(operand(0), operand(1));
          break;
        case Kind::power:
          series[i] = power(u, operand(0), operand(1));
          break;
        case Kind::function:
          series[i] = compose(u, operand(0), [&](const Expr& v) {
            return detail::apply_function(u.function(), v);
          });
          break;
        case Kind::polygamma:
          series[i] =
              compose(u, operand(0), [&](const Expr& v) { return polygamma(u.order(), v); });
          break;
        default:
          return std::nullopt;  // atan2, hypot, min, max
      }
    }
    return series.back()[n_];
  }

 private:
  Series constant(const Expr& u) const {
    Series s(n_ + 1, Expr(0.0));
    s[0] = u;
    return s;
  }
  static bool is_constant(const Series& s) { return std::all_of(s.begin() + 1, s.end(), is_zero); }

  Series sum(const Series& a, const Series& b) const {
    Series s(n_ + 1);
    for (int k = 0; k <= n_; ++k) s[k] = a[k] + b[k];
    return s;
  }

  // Leibniz; the node itself is the 0th entry, so that u keeps its form.
  Series product(const Series& a, const Series& b) const {
    Series s(n_ + 1, Expr(0.0));
    s[0] = a[0] * b[0];
    for (int k = 1; k <= n_; ++k) {
      Expr sum(0.0);
      for (int j = 0; j <= k; ++j) {
        if (is_zero(a[j]) || is_zero(b[k - j])) continue;
        sum += choose_[k][j] * a[j] * b[k - j];
      }
      s[k] = sum;
    }
    return s;
  }

  Series power(const Expr& u, const Series& a, const Series& b) {
    if (is_constant(b) && b[0].is_number()) {
      const double r = b[0].number();
      return compose(u, a, [r](const Expr& v) { return pow(v, Expr(r)); });
    }
    // a^b = exp(b log a); its derivatives are u times those of the exponent's exp.
    const Series log_a = compose(log(a[0]), a, [](const Expr& v) { return log(v); });
    const Series exponent = product(b, log_a);
    return compose(
        u, exponent, [&u](const Expr&) { return u; }, true);
  }

  // f(a) for the unary f; u is the node f(a[0]). With f_is_exp, every derivative of f at a[0]
  // is u itself (the exp(b log a) of a power).
  template <class F>
  Series compose(const Expr& u, const Series& a, F f, bool f_is_exp = false) {
    Series s = constant(u);
    if (is_constant(a)) return s;
    // f^(m)(a[0]) for m = 1..n: differentiate f(v) on a fresh variable v, substitute a[0].
    std::vector<Expr> derivative(n_ + 1, u);
    if (!f_is_exp) {
      const std::vector<Expr>& of_v = derivatives_of(f(v_));
      for (int m = 1; m <= n_; ++m) {
        derivative[m] = is_zero(of_v[m]) ? of_v[m] : evaluate<Expr>(of_v[m], {v_}, {a[0]});
      }
    }
    // Partial Bell polynomials B[k][m] of a', a'', ..., row by row.
    std::vector<std::vector<Expr>> bell(n_ + 1, std::vector<Expr>(n_ + 1, Expr(0.0)));
    bell[0][0] = Expr(1.0);
    for (int k = 1; k <= n_; ++k) {
      for (int m = 1; m <= k; ++m) {
        Expr sum(0.0);
        for (int i = 1; i <= k - m + 1; ++i) {
          if (is_zero(a[i]) || is_zero(bell[k - i][m - 1])) continue;
          sum += choose_[k - 1][i - 1] * a[i] * bell[k - i][m - 1];
        }
        bell[k][m] = sum;
      }
      Expr sum(0.0);
      for (int m = 1; m <= k; ++m) {
        if (is_zero(derivative[m]) || is_zero(bell[k][m])) continue;
        sum += derivative[m] * bell[k][m];
      }
      s[k] = sum;
    }
    return s;
  }

  // f', f'', ..., f^(n) of f(v), once per function: every sin node of e shares sin's list.
  const std::vector<Expr>& derivatives_of(const Expr& f_of_v) {
    auto [it, added] = derivatives_.try_emplace(f_of_v.id());
    if (added) {
      it->second.assign(static_cast<std::size_t>(n_) + 1, f_of_v);
      for (int m = 1; m <= n_; ++m) it->second[m] = sym::diff(it->second[m - 1], v_);
    }
    return it->second;
  }

  Expr x_;
  int n_;
  std::vector<std::vector<double>> choose_;
  Expr v_ = variable("nabla_series_variable");  // the fresh variable of f(v)
  // keyed by the node of f(v), which the map's values keep alive (they start with f(v) itself)
  std::unordered_map<const void*, std::vector<Expr>> derivatives_;
};

std::optional<Expr> series_derivative(const Expr& e, const Expr& x, int n) {
  return SeriesBuilder(x, n).derivative(e);
}

}  // namespace

std::vector<Expr> gradient(const Expr& e, const std::vector<Expr>& variables) {
  columns_of(variables);
  const auto targets = targets_of(variables);
  const auto adjoints = reverse_pass(e, member_of(targets));
  std::vector<Expr> g;
  g.reserve(variables.size());
  for (const Expr& v : variables) {
    auto it = adjoints.find(v.node());
    g.push_back(it == adjoints.end() ? Expr(0.0) : it->second);
  }
  return g;
}

Expr diff(const Expr& e, const Expr& variable) { return gradient(e, {variable})[0]; }

double diff_cost(const Expr& e, const Expr& variable, int order) {
  const double n = order;
  const detail::Order nodes = detail::topological_order({e.node()});
  std::vector<bool> depends(nodes.nodes.size(), false);
  double cost = 0;
  for (std::size_t i = 0; i < nodes.nodes.size(); ++i) {
    const Node* node = nodes.nodes[i];
    bool d = node == variable.node();
    for (std::size_t k = 0; k < node->arity; ++k) {
      d = d || depends[nodes.index.at(node->operands[k].get())];
    }
    depends[i] = d;
    if (!d) continue;
    if (node->kind == Kind::function || node->kind == Kind::polygamma ||
        node->kind == Kind::power) {  // powers are functions of their base, or exp(b log a)
      const bool of_variable = node->operands[0].get() == variable.node();
      cost += of_variable ? n * n / 2 : n * n * n / 3;
    } else if (node->kind == Kind::add || node->kind == Kind::variable) {
      cost += n;
    } else {
      cost += n * n / 2;
    }
  }
  return cost;
}

namespace {

[[noreturn]] void too_costly(int order, double terms) {
  std::ostringstream message;
  message << "sym::diff: the derivative of order " << order << " would take about "
          << std::setprecision(2) << terms << " terms, above the limit of " << max_diff_terms
          << " (sym::max_diff_terms); ask for a lower order or a smaller expression";
  throw std::length_error(message.str());
}

}  // namespace

Expr diff(const Expr& e, const Expr& variable, int order) {
  if (order < 0) {
    throw std::invalid_argument("sym::diff: negative order " + std::to_string(order));
  }
  if (order >= kSeriesOrder) {
    if (variable.kind() != Kind::variable) {
      throw std::invalid_argument("sym::diff: " + to_string(variable) + " is not a variable");
    }
    const double cost = diff_cost(e, variable, order);
    if (cost > max_diff_terms) too_costly(order, cost);
    if (auto d = series_derivative(e, variable, order)) return *d;
  }
  Expr d = e;
  for (int k = 0; k < order; ++k) {
    d = diff(d, variable);
    const double size = static_cast<double>(node_count(d));
    if (k + 1 < order && size > max_diff_terms) too_costly(order, size);
  }
  return d;
}

std::vector<std::vector<Expr>> jacobian(const std::vector<Expr>& outputs,
                                        const std::vector<Expr>& variables) {
  std::vector<std::vector<Expr>> j;
  j.reserve(outputs.size());
  for (const Expr& out : outputs) j.push_back(gradient(out, variables));
  return j;
}

std::vector<std::vector<Expr>> hessian(const Expr& e, const std::vector<Expr>& variables) {
  const auto columns = columns_of(variables);
  if (columns.size() != variables.size()) return jacobian(gradient(e, variables), variables);
  const std::size_t n = variables.size();
  std::vector<std::vector<Expr>> H(n, std::vector<Expr>(n, Expr(0.0)));
  lower_hessian(e, variables, columns, [&H](std::size_t i, std::size_t j, const Expr& value) {
    H[i][j] = value;
    H[j][i] = value;
  });
  return H;
}

std::vector<SparseEntry> sparse_jacobian(const std::vector<Expr>& outputs,
                                         const std::vector<Expr>& variables) {
  const auto columns = columns_of(variables);
  const auto targets = targets_of(variables);
  std::vector<SparseEntry> entries;
  std::vector<SparseEntry> row;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    row.clear();
    for (const auto& [node, value] : reverse_pass(outputs[i], member_of(targets))) {
      if (value.is_number() && value.number() == 0) continue;
      row.push_back({i, columns.at(node), value});
    }
    std::sort(row.begin(), row.end(),
              [](const SparseEntry& a, const SparseEntry& b) { return a.column < b.column; });
    entries.insert(entries.end(), row.begin(), row.end());
  }
  return entries;
}

std::vector<SparseEntry> sparse_hessian(const Expr& e, const std::vector<Expr>& variables) {
  const auto columns = columns_of(variables);
  if (columns.size() != variables.size()) {
    return sparse_jacobian(gradient(e, variables), variables);
  }
  std::vector<SparseEntry> entries;
  lower_hessian(e, variables, columns, [&entries](std::size_t i, std::size_t j, const Expr& value) {
    entries.push_back({i, j, value});
    if (i != j) entries.push_back({j, i, value});
  });
  std::sort(entries.begin(), entries.end(), [](const SparseEntry& a, const SparseEntry& b) {
    return a.row != b.row ? a.row < b.row : a.column < b.column;
  });
  return entries;
}

}  // namespace nabla::sym
