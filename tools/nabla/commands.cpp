#include "commands.hpp"

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <nlohmann/json.hpp>
#include <span>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nabla/forward/drivers.hpp"
#include "nabla/numeric/finite_difference.hpp"
#include "nabla/reverse/drivers.hpp"
#include "nabla/symbolic/codegen.hpp"
#include "nabla/symbolic/diff.hpp"
#include "nabla/symbolic/evaluate.hpp"
#include "nabla/symbolic/expr.hpp"
#include "nabla/symbolic/formula.hpp"
#include "tour.hpp"

namespace nabla::cli {
namespace {

// Bad input: a message for stderr and exit status 1.
struct InputError : std::runtime_error {
  using std::runtime_error::runtime_error;
};
// A misused command line: exit status 2.
struct UsageError : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct Options {
  std::string formula;
  std::string at;
  std::string wrt;
  int order = 1;
  std::string mode = "reverse";
  bool json = false;
  bool latex = false;
  std::string output;
  std::string name = "f";
};

// The shortest decimal that reads back as the same double.
std::string number(double v) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buffer[32];
  const auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v);
  return ec == std::errc() ? std::string(buffer, end) : std::to_string(v);
}

std::string read_formula(const std::string& formula, std::istream& in) {
  if (formula != "-") return formula;
  std::string text{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (text.empty()) throw InputError("no formula on standard input");
  return text;
}

// Text from the command line as it may be shown on a terminal: control bytes and bytes above
// 0x7e written \xNN, so that an escape sequence in an argument cannot recolour the terminal.
std::string printable(std::string_view text) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string result;
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    if (byte >= 0x20 && byte < 0x7f) {
      result += c;
    } else {
      result += {'\\', 'x', hex[byte >> 4], hex[byte & 15]};
    }
  }
  return result;
}

// Spaces and tabs around a name or a number, as a person types them ("x = 3, y = 4").
std::string trimmed(std::string_view text) {
  const std::size_t first = text.find_first_not_of(" \t");
  if (first == std::string_view::npos) return {};
  const std::size_t last = text.find_last_not_of(" \t");
  return std::string(text.substr(first, last - first + 1));
}

// A name that the formula language reads as a variable: an identifier that is neither a
// constant nor a function (nabla/symbolic/parse.hpp). `option` names the flag for the message.
std::string variable_name(std::string_view text, const std::string& option) {
  const std::string name = trimmed(text);
  if (name.empty()) throw UsageError(option + ": a variable name is empty");
  const auto letter = [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
  };
  const bool identifier = letter(name[0]) && std::all_of(name.begin(), name.end(), [&](char c) {
                            return letter(c) || (c >= '0' && c <= '9');
                          });
  if (!identifier) {
    throw UsageError(option + ": '" + printable(name) +
                     "' is not a variable name (a letter or _, then letters, digits or _)");
  }
  if (name == "pi" || name == "e") {
    throw UsageError(option + ": '" + name + "' is a constant of the formula language, not a " +
                     "variable; it cannot be given a value or differentiated by");
  }
  if (sym::is_function_name(name)) {
    throw UsageError(option + ": '" + name + "' is a function of the formula language, not a " +
                     "variable");
  }
  return name;
}

// "x=3,y=4" in order. Malformed assignments misuse the command line.
std::vector<std::pair<std::string, double>> assignments(const std::string& text) {
  std::vector<std::pair<std::string, double>> result;
  if (trimmed(text).empty()) return result;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    const std::string item = text.substr(start, comma - start);
    const std::size_t equals = item.find('=');
    if (equals == std::string::npos) {
      throw UsageError("--at: expected name=value, got '" + printable(item) + "'");
    }
    const std::string name = variable_name(item.substr(0, equals), "--at");
    std::string value = trimmed(item.substr(equals + 1));
    if (!value.empty() && value[0] == '+') value.erase(0, 1);  // from_chars takes no '+'
    double v = 0;
    const auto [end, ec] = std::from_chars(value.data(), value.data() + value.size(), v);
    if (ec == std::errc::result_out_of_range) {
      throw UsageError("--at: '" + printable(value) + "' is out of the range of a double (for " +
                       name + ")");
    }
    if (ec != std::errc() || end != value.data() + value.size() || value.empty()) {
      throw UsageError("--at: '" + printable(value) + "' is not a number (for " + name + ")");
    }
    for (const auto& [other, unused] : result) {
      if (other == name) throw UsageError("--at: " + name + " is given twice");
    }
    result.emplace_back(name, v);
    start = comma + 1;
  }
  return result;
}

// "x,y": variable names in order.
std::vector<std::string> names(const std::string& text, const std::string& option) {
  std::vector<std::string> result;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = std::min(text.find(',', start), text.size());
    result.push_back(variable_name(std::string_view(text).substr(start, comma - start), option));
    start = comma + 1;
  }
  return result;
}

// The formula, its variables (the order of --at) and the point.
struct Problem {
  sym::Expr expr;
  std::vector<std::string> names;
  std::vector<sym::Expr> variables;
  std::vector<double> point;
  // expr flattened once over the variables: the drivers call it many times (a numeric Hessian
  // of n variables about 40 n^2 times), and sym::evaluate would flatten it on every call.
  sym::Program program;
};

Problem problem(const Options& options, std::istream& in) {
  Problem p{sym::parse(read_formula(options.formula, in)), {}, {}, {}, {}};
  for (const auto& [name, value] : assignments(options.at)) {
    p.names.push_back(name);
    p.variables.push_back(sym::variable(name));
    p.point.push_back(value);
  }
  for (const sym::Expr& v : sym::variables(p.expr)) {
    if (std::find(p.variables.begin(), p.variables.end(), v) == p.variables.end()) {
      throw InputError("the formula's variable '" + sym::to_string(v) +
                       "' has no value: give it with --at " + sym::to_string(v) + "=...");
    }
  }
  p.program = sym::compile({p.expr}, p.variables);
  return p;
}

// The formula as a generic function of a vector of any scalar type, for the drivers.
auto as_function(const Problem& p) {
  return [&p](const auto& v) {
    using S = typename std::remove_cvref_t<decltype(v)>::value_type;
    return p.program.evaluate<S>(std::span<const S>(v.data(), v.size()))[0];
  };
}

struct Derivatives {
  double value = 0;
  std::vector<double> gradient;
  Eigen::MatrixXd hessian;
};

const std::vector<std::string> kModes{"forward", "reverse", "symbolic", "numeric"};

Derivatives derivatives(const Problem& p, const std::string& mode, bool with_hessian) {
  const auto f = as_function(p);
  const std::size_t n = p.point.size();
  Derivatives d;
  d.value = sym::evaluate<double>(p.expr, p.variables, std::span<const double>(p.point));
  if (mode == "forward") {
    d.gradient = forward::gradient(f, p.point);
    if (with_hessian) d.hessian = forward::hessian(f, p.point);
  } else if (mode == "reverse") {
    d.gradient = reverse::gradient(f, p.point);
    if (with_hessian) d.hessian = reverse::hessian(f, p.point);
  } else if (mode == "numeric") {
    const numeric::Options accurate{.scheme = numeric::Difference::central, .accuracy = 6};
    d.gradient = numeric::gradient(f, p.point, accurate);
    if (with_hessian) d.hessian = numeric::hessian(f, p.point, accurate);
  } else {  // symbolic: the derivative expressions, evaluated
    const auto at = [&](const sym::Expr& e) {
      return sym::evaluate<double>(e, p.variables, std::span<const double>(p.point));
    };
    for (const sym::Expr& g : sym::gradient(p.expr, p.variables)) d.gradient.push_back(at(g));
    if (with_hessian) {
      const auto H = sym::hessian(p.expr, p.variables);
      d.hessian.resize(static_cast<Eigen::Index>(n), static_cast<Eigen::Index>(n));
      for (std::size_t i = 0; i < n; ++i) {
        for (std::size_t j = 0; j < n; ++j) {
          d.hessian(static_cast<Eigen::Index>(i), static_cast<Eigen::Index>(j)) = at(H[i][j]);
        }
      }
    }
  }
  return d;
}

// A number for JSON, which has no infinity or nan: those become the strings "inf", "-inf" and
// "nan", as the text output prints them, so that a reader can tell sqrt'(0) from log(-1).
nlohmann::json json_number(double v) {
  if (std::isfinite(v)) return v;
  return number(v);
}

nlohmann::json json_numbers(const std::vector<double>& values) {
  nlohmann::json result = nlohmann::json::array();
  for (const double v : values) result.push_back(json_number(v));
  return result;
}

nlohmann::json matrix_json(const Eigen::MatrixXd& H) {
  nlohmann::json rows = nlohmann::json::array();
  for (Eigen::Index i = 0; i < H.rows(); ++i) {
    nlohmann::json row = nlohmann::json::array();
    for (Eigen::Index j = 0; j < H.cols(); ++j) row.push_back(json_number(H(i, j)));
    rows.push_back(row);
  }
  return rows;
}

nlohmann::json derivatives_json(const Problem& p, const Derivatives& d, bool with_hessian) {
  nlohmann::json j;
  j["vars"] = p.names;
  j["value"] = json_number(d.value);
  j["gradient"] = json_numbers(d.gradient);
  if (with_hessian) j["hessian"] = matrix_json(d.hessian);
  return j;
}

void print_derivatives(std::ostream& out, const Problem& p, const Derivatives& d,
                       bool with_hessian) {
  out << "value " << number(d.value) << '\n';
  for (std::size_t i = 0; i < p.names.size(); ++i) {
    out << "d/d" << p.names[i] << ' ' << number(d.gradient[i]) << '\n';
  }
  if (!with_hessian) return;
  out << "hessian\n";
  for (Eigen::Index i = 0; i < d.hessian.rows(); ++i) {
    for (Eigen::Index j = 0; j < d.hessian.cols(); ++j) {
      out << (j ? " " : "  ") << number(d.hessian(i, j));
    }
    out << '\n';
  }
}

// Largest |a - b| over value, gradient and Hessian.
double difference(const Derivatives& a, const Derivatives& b, bool with_hessian) {
  double e = std::abs(a.value - b.value);
  for (std::size_t i = 0; i < a.gradient.size(); ++i) {
    e = std::max(e, std::abs(a.gradient[i] - b.gradient[i]));
  }
  if (with_hessian && a.hessian.size() > 0) {
    e = std::max(e, (a.hessian - b.hessian).cwiseAbs().maxCoeff());
  }
  return e;
}

int derivatives_command(const Options& options, bool with_hessian, std::istream& in,
                        std::ostream& out) {
  const Problem p = problem(options, in);
  if (options.mode != "all") {
    const Derivatives d = derivatives(p, options.mode, with_hessian);
    if (options.json) {
      out << derivatives_json(p, d, with_hessian).dump() << '\n';
    } else {
      print_derivatives(out, p, d, with_hessian);
    }
    return 0;
  }
  // Every mode, side by side, each with its largest difference from the symbolic answer.
  std::vector<Derivatives> all;
  for (const std::string& mode : kModes) all.push_back(derivatives(p, mode, with_hessian));
  const Derivatives& reference = all[2];
  if (options.json) {
    nlohmann::json j = derivatives_json(p, all[1], with_hessian);
    for (std::size_t m = 0; m < kModes.size(); ++m) {
      nlohmann::json mode = derivatives_json(p, all[m], with_hessian);
      mode.erase("vars");
      mode["difference"] = json_number(difference(all[m], reference, with_hessian));
      j["modes"][kModes[m]] = mode;
    }
    out << j.dump() << '\n';
    return 0;
  }
  for (std::size_t m = 0; m < kModes.size(); ++m) {
    out << "== " << kModes[m] << "  (largest difference from symbolic: "
        << number(difference(all[m], reference, with_hessian)) << ")\n";
    print_derivatives(out, p, all[m], with_hessian);
  }
  return 0;
}

int eval_command(const Options& options, std::istream& in, std::ostream& out) {
  const Problem p = problem(options, in);
  const double value = sym::evaluate<double>(p.expr, p.variables, std::span<const double>(p.point));
  if (options.json) {
    nlohmann::json j;
    j["vars"] = p.names;
    j["value"] = json_number(value);
    out << j.dump() << '\n';
  } else {
    out << number(value) << '\n';
  }
  return 0;
}

// The most nodes a printed derivative may have: a few megabytes of text.
constexpr std::size_t kMaxPrintedNodes = 1'000'000;

// --wrt x: the order-th derivative in x. --wrt x,y: the mixed partial d/dy d/dx, one
// derivative per name (--wrt x,x is the second derivative), so --order must then be 1.
int diff_command(const Options& options, std::istream& in, std::ostream& out, std::ostream& err) {
  const std::vector<std::string> wrt = names(options.wrt, "--wrt");
  if (options.order < 1) throw UsageError("--order must be at least 1");
  if (wrt.size() > 1 && options.order != 1) {
    throw UsageError(
        "--order applies to one variable; for a mixed partial list each "
        "derivative in --wrt (x,x,y is d3/dx2dy)");
  }
  sym::Expr d = sym::parse(read_formula(options.formula, in));
  const std::vector<sym::Expr> present = sym::variables(d);
  for (const std::string& name : wrt) {
    const sym::Expr variable = sym::variable(name);
    if (std::find(present.begin(), present.end(), variable) == present.end()) {
      err << "nabla: note: '" << name << "' does not appear in the formula, so the derivative "
          << "by it is 0\n";
    }
  }
  if (wrt.size() == 1) {
    const double cost = sym::diff_cost(d, sym::variable(wrt[0]), options.order);
    if (options.order > 2 && cost > sym::max_diff_terms) {
      std::ostringstream message;
      message << "--order " << options.order << ": this derivative would take about "
              << std::setprecision(2) << cost << " terms to build, above the limit of "
              << sym::max_diff_terms << "; ask for a lower order";
      throw InputError(message.str());
    }
    d = sym::diff(d, sym::variable(wrt[0]), options.order);
  } else {
    for (const std::string& name : wrt) d = sym::diff(d, sym::variable(name));
  }
  // The DAG is small, but its printed form can be exponentially larger (shared terms are
  // written out at each use): refuse rather than print gigabytes.
  if (sym::tree_size(d) > kMaxPrintedNodes) {
    throw InputError("the derivative is " + std::to_string(sym::node_count(d)) +
                     " distinct terms but more than " + std::to_string(kMaxPrintedNodes) +
                     " written out, too long to print; ask for a lower --order");
  }
  out << (options.latex ? sym::to_latex(d) : sym::to_string(d)) << '\n';
  return 0;
}

int graph_command(const Options& options, std::istream& in, std::ostream& out) {
  const std::string dot = sym::to_dot(sym::parse(read_formula(options.formula, in)));
  const std::string& path = options.output;
  if (path.empty()) {
    out << dot;
    return 0;
  }
  const std::size_t dot_position = path.rfind('.');
  const std::string extension =
      dot_position == std::string::npos ? std::string() : path.substr(dot_position + 1);
  if (extension == "png" || extension == "svg" || extension == "pdf") {
    // Graphviz draws it, when installed. The file name goes to dot quoted for the shell.
    std::string quoted = "'";
    for (char c : path) quoted += (c == '\'') ? std::string("'\\''") : std::string(1, c);
    quoted += "'";
    const std::string command = "dot -T" + extension + " -o " + quoted + " 2>/dev/null";
    FILE* pipe = popen(command.c_str(), "w");
    if (!pipe) throw InputError("could not run Graphviz's dot");
    std::fwrite(dot.data(), 1, dot.size(), pipe);
    const int status = pclose(pipe);
    if (status != 0) {
      throw InputError(
          "Graphviz's dot failed or is not installed (apt-get install graphviz); without "
          "it, write DOT with -o file.dot");
    }
    return 0;
  }
  if (extension != "dot" && extension != "gv") {
    throw UsageError("-o: cannot write '" + printable(path) +
                     "': the formats are .dot and .gv (DOT text), and .png, .svg and .pdf "
                     "(drawn by Graphviz)");
  }
  std::ofstream file(path);
  if (!(file << dot)) throw InputError("could not write " + path);
  return 0;
}

int codegen_command(const Options& options, std::istream& in, std::ostream& out) {
  const sym::Expr e = sym::parse(read_formula(options.formula, in));
  std::vector<sym::Expr> variables;
  if (options.wrt.empty()) {
    variables = sym::variables(e);
  } else {
    for (const std::string& name : names(options.wrt, "--wrt")) {
      variables.push_back(sym::variable(name));
    }
    // The C function takes exactly the --wrt variables: another one would have no value.
    for (const sym::Expr& v : sym::variables(e)) {
      if (std::find(variables.begin(), variables.end(), v) == variables.end()) {
        throw InputError("the formula's variable '" + sym::to_string(v) + "' is not in --wrt " +
                         printable(options.wrt) +
                         ": list every variable of the formula (or leave --wrt out for all)");
      }
    }
  }
  std::vector<sym::Expr> outputs{e};
  for (const sym::Expr& g : sym::gradient(e, variables)) outputs.push_back(g);
  out << sym::codegen_c(outputs, variables, options.name);
  return 0;
}

void add_formula(CLI::App* command, Options& options) {
  command->add_option("formula", options.formula, "the formula, or - to read it from stdin")
      ->required();
}
void add_point(CLI::App* command, Options& options) {
  command->add_option("--at", options.at, "values of the variables: x=3,y=4");
  command->add_flag("--json", options.json, "print one JSON object");
}
void add_mode(CLI::App* command, Options& options) {
  command->add_option("--mode", options.mode, "forward, reverse, symbolic, numeric or all")
      ->check(CLI::IsMember({"forward", "reverse", "symbolic", "numeric", "all"}));
}

}  // namespace

int run(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err) {
  // The name is set, so that Usage: names the program and not the path it was started by.
  CLI::App app{"nabla: automatic differentiation in every mode, from one generic function",
               "nabla"};
  app.set_version_flag("--version", std::string("nabla ") + NABLA_VERSION);
  app.require_subcommand(0, 1);
  Options options;
  auto* tour = app.add_subcommand(
      "tour", "seed 004's f(x, y) = x*x*y + y + 2 through every mode, with each mode's error");
  auto* eval = app.add_subcommand("eval", "the value of a formula at a point");
  add_formula(eval, options);
  add_point(eval, options);
  auto* diff = app.add_subcommand("diff", "the simplified derivative of a formula");
  add_formula(diff, options);
  diff->add_option("--wrt", options.wrt, "the variable, or x,y for the mixed partial d/dy d/dx")
      ->required();
  diff->add_option("--order", options.order,
                   "the order of the derivative (default 1; refused when its estimated size "
                   "is above 3 million terms)");
  diff->add_flag("--latex", options.latex, "print LaTeX");
  auto* grad = app.add_subcommand("grad", "value and gradient at a point");
  add_formula(grad, options);
  add_point(grad, options);
  add_mode(grad, options);
  auto* hessian = app.add_subcommand("hessian", "value, gradient and Hessian at a point");
  add_formula(hessian, options);
  add_point(hessian, options);
  add_mode(hessian, options);
  auto* graph = app.add_subcommand("graph", "the expression DAG as Graphviz DOT (or PNG)");
  add_formula(graph, options);
  graph->add_option("-o,--output", options.output, "write to a .dot, .gv, .png, .svg or .pdf file");
  auto* codegen = app.add_subcommand("codegen", "C source of the formula and its gradient");
  add_formula(codegen, options);
  codegen->add_option("--wrt", options.wrt, "variables, in order: x,y (default: all)");
  codegen->add_option("--name", options.name, "the C function's name (default f)");

  try {
    app.parse(argc, argv);
  } catch (const CLI::Success& e) {  // --help, --help-all, --version
    return app.exit(e, out, err);
  } catch (const CLI::ParseError& e) {
    app.exit(e, out, err);  // the message and a usage hint, on err
    return 2;
  }
  try {
    if (eval->parsed()) return eval_command(options, in, out);
    if (diff->parsed()) return diff_command(options, in, out, err);
    if (grad->parsed()) return derivatives_command(options, false, in, out);
    if (hessian->parsed()) return derivatives_command(options, true, in, out);
    if (graph->parsed()) return graph_command(options, in, out);
    if (codegen->parsed()) return codegen_command(options, in, out);
    if (tour->parsed()) return run_tour(out) ? 0 : 1;
    out << app.help();  // no verb: the verbs, with the tour one word away
    return 0;
  } catch (const UsageError& e) {
    err << "nabla: " << e.what() << '\n';
    return 2;
  } catch (const std::exception& e) {
    err << "nabla: " << e.what() << '\n';
    return 1;
  }
}

}  // namespace nabla::cli
