// Printing: infix and LaTeX from one engine, and Graphviz DOT.
//
// The infix printer works from a stack of tasks (a piece of text, or a node to print in a context
// that demands a minimum precedence), so an expression nested a million deep prints without
// recursion. Precedence, loosest first: sum, product (and division), negation, power, atom.
// A node whose precedence is below what its position demands is wrapped in parentheses; that
// is the only source of parentheses, so there are as few as the meaning allows:
//   sums           later terms with a negative coefficient print as `a - b`;
//   products       factors in chain order, x^-k as `/x^k`: `2*x/y`, `x/y/z`, `1/x^2`, `1/y*x`,
//                  and x*(y*z)^-1 as `x/(y*z)`, so that parsing rebuilds the same chain (LaTeX
//                  gathers the denominators in one \frac);
//   numbers        inf, -inf and nan as `1/0`, `-1/0`, `0/0` (they fold back when parsed);
//   powers         `^` is right-associative: x^y^z is x^(y^z), (x^y)^z keeps its parentheses;
//   negation       binds looser than ^, so -1*x^2 prints `-x^2` and (-x)^y keeps its parentheses.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <deque>
#include <optional>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "graph.hpp"
#include "nabla/symbolic/expr.hpp"

namespace nabla::sym {
namespace {

enum Precedence { kNone = 0, kSum = 1, kProduct = 2, kNegation = 3, kPower = 4, kAtom = 5 };

std::string format_number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  char buffer[64];
  std::to_chars_result r;
  if (v == std::trunc(v) && std::abs(v) < 1e15) {
    r = std::to_chars(buffer, buffer + sizeof buffer, v, std::chars_format::fixed, 0);
  } else {
    r = std::to_chars(buffer, buffer + sizeof buffer, v);
  }
  return std::string(buffer, r.ptr);
}

bool is_negative_number(const Expr& e) { return e.is_number() && e.number() < 0; }

// The numeric coefficient of a term (1 if none).
double coefficient_of(const Expr& e) {
  if (e.is_number()) return e.number();
  if (e.kind() == Kind::multiply && e.operand(0).is_number()) return e.operand(0).number();
  return 1;
}

class Printer {
 public:
  explicit Printer(bool latex) : latex_(latex) {}

  std::string print(const Expr& root) {
    stack_.push_back({root, kNone, false, {}});
    while (!stack_.empty()) {
      if (!stack_.back().node) {
        out_ += stack_.back().text;
        stack_.pop_back();
        continue;
      }
      Task task = std::move(stack_.back());
      stack_.pop_back();
      expand(*task.node, task.min_precedence, task.negated);
    }
    return std::move(out_);
  }

 private:
  struct Task {
    std::optional<Expr> node;  // empty: emit `text`
    int min_precedence = kNone;
    bool negated = false;  // print -node (only for numbers and terms with a coefficient)
    // A literal, a node's name (the root keeps every node alive), or a string in `strings_`:
    // tasks are moved around a lot, and a view moves cheaper than a string.
    std::string_view text;
  };

  // Tasks are pushed in reverse, so each expansion collects its pieces first.
  using Pieces = std::vector<Task>;
  static Task text(std::string_view s) { return {std::nullopt, kNone, false, s}; }
  // Text made while printing (numbers, composed names): kept in `strings_` until the end.
  Task owned(std::string s) { return text(strings_.emplace_back(std::move(s))); }
  static Task node(const Expr& e, int min_precedence, bool negated = false) {
    return {e, min_precedence, negated, {}};
  }
  void push(Pieces& pieces) {
    for (auto it = pieces.rbegin(); it != pieces.rend(); ++it) stack_.push_back(std::move(*it));
    pieces.clear();
  }

  static int precedence(const Expr& e, bool negated) {
    switch (e.kind()) {
      case Kind::number:
        if (!std::isfinite(e.number())) return kProduct;  // printed 1/0, -1/0, 0/0
        return (negated ? -e.number() : e.number()) < 0 ? kNegation : kAtom;
      case Kind::add:
        return kSum;
      case Kind::multiply: {
        const double c = negated ? -coefficient_of(e) : coefficient_of(e);
        if (c < 0) return kNegation;
        return kProduct;
      }
      case Kind::power:
        return is_negative_number(e.operand(1)) ? kProduct : kPower;
      default:
        return kAtom;
    }
  }

  std::string_view open() const { return latex_ ? "\\left(" : "("; }
  std::string_view close() const { return latex_ ? "\\right)" : ")"; }

  void expand(const Expr& e, int min_precedence, bool negated) {
    Pieces& p = pieces_;  // reused: expand runs once per node, and is never re-entered
    p.clear();
    if (precedence(e, negated) < min_precedence) {
      p = {text(open()), node(e, kNone, negated), text(close())};
      return push(p);
    }
    switch (e.kind()) {
      case Kind::number:
        p.push_back(owned(number_text(negated ? -e.number() : e.number())));
        break;
      case Kind::variable:
        p.push_back(text(e.name()));
        break;
      case Kind::constant:
        p.push_back(text(latex_ && e.name() == "pi" ? std::string_view("\\pi")
                                                    : std::string_view(e.name())));
        break;
      case Kind::add: {
        // Straight onto the stack, last term first: a sum of thousands of terms is not
        // collected in `p` and then copied.
        const std::vector<Expr> terms = chain(e);
        const std::size_t needed = stack_.size() + 2 * terms.size();
        // geometric growth: many small sums must not reallocate the stack each time
        if (stack_.capacity() < needed) stack_.reserve(std::max(needed, 2 * stack_.capacity()));
        for (std::size_t i = terms.size() - 1; i > 0; --i) {
          const bool minus = coefficient_of(terms[i]) < 0;
          stack_.push_back(node(terms[i], kProduct, minus));
          stack_.push_back(text(minus ? " - " : " + "));
        }
        stack_.push_back(node(terms[0], kSum));
        return;
      }
      case Kind::multiply:
      case Kind::power:
        if (e.kind() == Kind::power && !is_negative_number(e.operand(1))) {
          power(p, e.operand(0), node(e.operand(1), latex_ ? kNone : kPower));
        } else {
          product(p, e, negated);
        }
        break;
      case Kind::function:
        function(p, e);
        break;
      case Kind::polygamma:
        if (latex_) {
          p = {owned("\\psi^{(" + std::to_string(e.order()) + ")}\\left("),
               node(e.operand(0), kNone), text("\\right)")};
        } else {
          p = {owned("polygamma(" + std::to_string(e.order()) + ", "), node(e.operand(0), kNone),
               text(")")};
        }
        break;
      case Kind::atan2:
      case Kind::hypot:
      case Kind::min:
      case Kind::max: {
        static const char* names[] = {"atan2", "hypot", "min", "max"};
        const std::string name = names[static_cast<int>(e.kind()) - static_cast<int>(Kind::atan2)];
        const std::string head = !latex_ ? name
                                 : (e.kind() == Kind::min || e.kind() == Kind::max)
                                     ? "\\" + name
                                     : "\\operatorname{" + name + "}";
        p = {owned(std::string(head).append(open())), node(e.operand(0), kNone), text(", "),
             node(e.operand(1), kNone), text(close())};
        break;
      }
    }
    push(p);
  }

  std::string number_text(double v) const {
    if (latex_ && std::isinf(v)) return v < 0 ? "-\\infty" : "\\infty";
    // The language has no inf or nan literal: the divisions that fold to them read back as
    // the same number node.
    if (!latex_ && std::isnan(v)) return "0/0";
    if (!latex_ && std::isinf(v)) return v < 0 ? "-1/0" : "1/0";
    return format_number(v);
  }

  static std::vector<Expr> chain(const Expr& e) { return detail::chain(e, e.kind()); }

  void power(Pieces& p, const Expr& base, Task exponent) {
    if (latex_) {
      p.push_back(text("{"));
      p.push_back(node(base, kAtom));
      p.push_back(text("}^{"));
      p.push_back(std::move(exponent));
      p.push_back(text("}"));
    } else {
      p.push_back(node(base, kAtom));
      p.push_back(text("^"));
      p.push_back(std::move(exponent));
    }
  }

  // c * f1 * f2 ... with factors x^-k moved to a denominator.
  void product(Pieces& p, const Expr& e, bool negated) {
    double c = 1;
    Expr rest = e;
    if (e.kind() == Kind::multiply && e.operand(0).is_number()) {
      c = e.operand(0).number();
      rest = e.operand(1);
    }
    if (negated) c = -c;
    if (c < 0) p.push_back(text("-"));
    c = std::abs(c);
    if (!latex_) return infix_product(p, c, rest);
    Pieces numerator, denominator;
    if (c != 1) numerator.push_back(owned(number_text(c)));
    const std::vector<Expr> factors =
        rest.kind() == Kind::multiply ? chain(rest) : std::vector<Expr>{rest};
    std::size_t denominator_count = 0;
    for (const Expr& f : factors) {
      if (f.kind() == Kind::power && is_negative_number(f.operand(1))) ++denominator_count;
    }
    const std::string_view times = latex_ ? " \\cdot " : "*";
    for (const Expr& f : factors) {
      const bool down = f.kind() == Kind::power && is_negative_number(f.operand(1));
      Pieces& side = down ? denominator : numerator;
      if (!side.empty()) side.push_back(text(times));
      if (!down) {
        side.push_back(node(f, kNegation + 1));
        continue;
      }
      const double k = -f.operand(1).number();
      if (k == 1) {
        // `x/(y + 1)` needs its parentheses; alone in a \frac, y + 1 does not
        side.push_back(node(f.operand(0), latex_ && denominator_count == 1 ? kNone : kPower));
      } else {
        power(side, f.operand(0), owned(number_text(k)));
      }
    }
    if (numerator.empty()) numerator.push_back(text("1"));
    if (denominator.empty()) {
      for (auto& t : numerator) p.push_back(std::move(t));
    } else if (latex_) {
      p.push_back(text("\\frac{"));
      for (auto& t : numerator) p.push_back(std::move(t));
      p.push_back(text("}{"));
      for (auto& t : denominator) p.push_back(std::move(t));
      p.push_back(text("}"));
    } else {
      for (auto& t : numerator) p.push_back(std::move(t));
      p.push_back(text("/"));
      if (denominator_count > 1) p.push_back(text("("));
      for (auto& t : denominator) p.push_back(std::move(t));
      if (denominator_count > 1) p.push_back(text(")"));
    }
  }

  // Infix: the factors in the order of the chain, each x^-k as `/x^k`, so that the left-to-right
  // reading of `*` and `/` rebuilds the same chain: x*y^-1*z^-1 is `x/y/z`, x*(y*z)^-1 is
  // `x/(y*z)`, y^-1*x is `1/y*x`.
  void infix_product(Pieces& p, double c, const Expr& rest) {
    bool first = true;
    if (c != 1) {
      p.push_back(owned(number_text(c)));
      first = false;
    }
    const std::vector<Expr> factors =
        rest.kind() == Kind::multiply ? chain(rest) : std::vector<Expr>{rest};
    for (const Expr& f : factors) {
      if (f.kind() == Kind::power && is_negative_number(f.operand(1))) {
        const Expr base = f.operand(0);
        const double k = -f.operand(1).number();
        // sqrt(x)^2 reads back as x, so sqrt(x)^-2 keeps its negative exponent.
        const bool reads_back =
            !(k == 2 && base.kind() == Kind::function && base.function() == Function::sqrt);
        if (reads_back) {
          p.push_back(text(first ? "1/" : "/"));
          if (k == 1) {
            p.push_back(node(base, kPower));
          } else {
            const std::string exponent = number_text(k);
            power(p, base, owned(std::isfinite(k) ? exponent : "(" + exponent + ")"));
          }
        } else {
          if (!first) p.push_back(text("*"));
          power(p, base, owned(number_text(-k)));
        }
        first = false;
        continue;
      }
      if (!first) p.push_back(text("*"));
      p.push_back(node(f, kNegation + 1));
      first = false;
    }
  }

  void function(Pieces& p, const Expr& e) {
    const Function f = e.function();
    const std::string name(function_name(f));
    const Expr x = e.operand(0);
    if (!latex_) {
      p = {owned(name + "("), node(x, kNone), text(")")};
      return;
    }
    if (f == Function::sqrt) {
      p = {text("\\sqrt{"), node(x, kNone), text("}")};
    } else if (f == Function::abs) {
      p = {text("\\left|"), node(x, kNone), text("\\right|")};
    } else if (f == Function::exp) {
      p = {text("e^{"), node(x, kNone), text("}")};
    } else {
      std::string head;
      switch (f) {
        case Function::log:
          head = "\\ln";
          break;
        case Function::log2:
          head = "\\log_{2}";
          break;
        case Function::log10:
          head = "\\log_{10}";
          break;
        case Function::asin:
          head = "\\arcsin";
          break;
        case Function::acos:
          head = "\\arccos";
          break;
        case Function::atan:
          head = "\\arctan";
          break;
        case Function::sin:
        case Function::cos:
        case Function::tan:
        case Function::sinh:
        case Function::cosh:
        case Function::tanh:
          head = "\\" + name;
          break;
        default:
          head = "\\operatorname{" + name + "}";
      }
      p = {owned(head + "\\left("), node(x, kNone), text("\\right)")};
    }
  }

  bool latex_;
  std::vector<Task> stack_;
  Pieces pieces_;
  std::deque<std::string> strings_;  // a deque: adding a string moves none of the others
  std::string out_;
};

std::string dot_escape(const std::string& s) {
  std::string r;
  for (char c : s) {
    if (c == '"' || c == '\\') r += '\\';
    r += c;
  }
  return r;
}

std::string dot_label(const detail::Node& n) {
  switch (n.kind) {
    case Kind::number:
      return format_number(n.number);
    case Kind::variable:
    case Kind::constant:
      return n.name;
    case Kind::add:
      return "+";
    case Kind::multiply:
      return "*";
    case Kind::power:
      return "^";
    case Kind::function:
      return std::string(function_name(static_cast<Function>(n.code)));
    case Kind::polygamma:
      return "polygamma(" + std::to_string(n.code) + ", .)";
    case Kind::atan2:
      return "atan2";
    case Kind::hypot:
      return "hypot";
    case Kind::min:
      return "min";
    case Kind::max:
      return "max";
  }
  return "?";
}

}  // namespace

std::string to_string(const Expr& e) { return Printer(false).print(e); }
std::string to_latex(const Expr& e) { return Printer(true).print(e); }

std::ostream& operator<<(std::ostream& os, const Expr& e) { return os << to_string(e); }

std::string to_dot(const Expr& e) { return to_dot(std::vector<Expr>{e}); }

std::string to_dot(const std::vector<Expr>& roots) {
  std::vector<const detail::Node*> nodes;
  for (const Expr& r : roots) nodes.push_back(r.node());
  const detail::Order order = detail::topological_order(nodes);
  std::ostringstream out;
  out << "digraph expression {\n  node [fontname=\"Helvetica\"];\n";
  for (std::size_t i = 0; i < order.nodes.size(); ++i) {
    const detail::Node& n = *order.nodes[i];
    const bool leaf = n.arity == 0;
    out << "  n" << i << " [label=\"" << dot_escape(dot_label(n)) << "\""
        << (leaf ? ", shape=box" : ", shape=ellipse") << "];\n";
    const bool ordered = n.kind != Kind::add && n.kind != Kind::multiply && n.arity == 2;
    for (std::size_t k = 0; k < n.arity; ++k) {
      out << "  n" << i << " -> n" << order.index.at(n.operands[k].get());
      if (ordered) out << " [label=\"" << k << "\"]";
      out << ";\n";
    }
  }
  for (std::size_t r = 0; r < roots.size(); ++r) {
    out << "  output" << r << " [label=\"output " << r << "\", shape=plaintext];\n";
    out << "  output" << r << " -> n" << order.index.at(roots[r].node()) << ";\n";
  }
  out << "}\n";
  return out.str();
}

}  // namespace nabla::sym
