// Pictures of the computational graph: DeZero's get_dot_graph and plot_dot_graph.
//
//   digraph g {
//     v0 [label="y\n() float64", color=orange, style=filled]
//     f0 [label="square", color=lightblue, style=filled, shape=box]
//     f0 -> v0
//     v1 [label="() float64", color=orange, style=filled]
//     v1 -> f0
//     ...
//   }
// Nodes are numbered in the order met, so the same graph always gives the same text.
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <unordered_map>
#include <unordered_set>

#include "autograd_internal.hpp"

namespace nabla {

namespace {

using detail::GraphAccess;
using detail::VariableImpl;

std::string escaped(const std::string& text) {
  std::string out;
  for (char c : text) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
  return out;
}

class DotWriter {
 public:
  explicit DotWriter(bool verbose) : verbose_(verbose) {}

  // The node of a Variable (or of a freed leaf's saved data), written the first time it is met.
  std::string variable(const void* key, const std::string& name, const Tensor* data) {
    auto [it, inserted] = ids_.try_emplace(key, node_id('v', variables_));
    if (!inserted) return it->second;
    ++variables_;
    std::string label;
    if (!name.empty()) label = name + "\n";
    if (data != nullptr && data->defined()) {
      label += shape_string(data->shape());
      label += ' ';
      label += dtype_name(data->dtype());
      if (verbose_ && data->size() <= 8) {
        label += '\n';
        label += to_string(*data);
      }
    } else {
      label += "(freed)";
    }
    out_ << it->second << " [label=\"" << escaped(label) << "\", color=orange, style=filled]\n";
    return it->second;
  }

  std::string variable(const VariableImpl& x) {
    return variable(&x, x.name ? *x.name : std::string(), &x.data);
  }

  std::string function(const Function& f) {
    auto [it, inserted] = ids_.try_emplace(&f, node_id('f', functions_));
    if (inserted) {
      ++functions_;
      out_ << it->second << " [label=\"" << escaped(std::string(f.name()))
           << "\", color=lightblue, style=filled, shape=box]\n";
    }
    return it->second;
  }

  void edge(const std::string& from, const std::string& to) {
    out_ << from << " -> " << to << "\n";
  }

  std::string text() const { return "digraph g {\n" + out_.str() + "}\n"; }

 private:
  static std::string node_id(char kind, int number) {
    std::string id(1, kind);
    id += std::to_string(number);
    return id;
  }

  bool verbose_;
  std::ostringstream out_;
  std::unordered_map<const void*, std::string> ids_;
  int variables_ = 0;
  int functions_ = 0;
};

}  // namespace

std::string to_dot(const Variable& output, bool verbose) {
  DotWriter dot(verbose);
  (void)output.data();  // an undefined Variable throws
  const VariableImpl& root = *GraphAccess::impl(output);
  dot.variable(root);
  std::vector<Function*> stack;
  std::unordered_set<const Function*> seen;
  if (root.creator) {
    stack.push_back(root.creator.get());
    seen.insert(root.creator.get());
  }
  while (!stack.empty()) {
    Function& f = *stack.back();
    stack.pop_back();
    const std::string id = dot.function(f);
    for (GraphAccess::Output& out : GraphAccess::outputs(f)) {
      if (std::shared_ptr<VariableImpl> y = out.variable.lock()) dot.edge(id, dot.variable(*y));
    }
    for (GraphAccess::Edge& edge : GraphAccess::inputs(f)) {
      if (edge.variable) {
        dot.edge(dot.variable(*edge.variable), id);
        Function* creator = edge.variable->creator.get();
        if (creator != nullptr && seen.insert(creator).second) stack.push_back(creator);
      } else if (std::shared_ptr<VariableImpl> leaf = edge.leaf.lock()) {
        dot.edge(dot.variable(*leaf), id);
      } else {
        // A constant nobody holds any more: drawn from the data the Function kept, if any.
        dot.edge(dot.variable(&edge, "", edge.saved.get()), id);
      }
    }
  }
  return dot.text();
}

void plot_dot_graph(const Variable& output, const std::string& path, bool verbose) {
  const std::string dot = to_dot(output, verbose);
  if (path.size() > 4 && path.compare(path.size() - 4, 4, ".png") == 0) {
    // Graphviz draws it, when installed, from a DOT file beside the picture (a file rather than
    // a pipe: writing into the pipe of a missing dot would raise SIGPIPE in the caller).
    const std::string source = path + ".dot.tmp";
    {
      std::ofstream file(source);
      if (!(file << dot)) throw AutogradError("plot_dot_graph: could not write " + source);
    }
    auto quoted = [](const std::string& text) {
      std::string q = "'";
      for (char c : text) q += (c == '\'') ? std::string("'\\''") : std::string(1, c);
      return q + "'";
    };
    const std::string command =
        "dot -Tpng -o " + quoted(path) + " " + quoted(source) + " >/dev/null 2>&1";
    const int status = std::system(command.c_str());
    std::remove(source.c_str());
    if (status != 0) {
      throw AutogradError(
          "plot_dot_graph: Graphviz's dot failed or is not installed (apt-get install "
          "graphviz); without it, write DOT to a .dot file");
    }
    return;
  }
  std::ofstream file(path);
  if (!(file << dot)) throw AutogradError("plot_dot_graph: could not write " + path);
}

}  // namespace nabla
