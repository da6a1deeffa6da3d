// The symbolic module against the goals (the C++ side; a SymPy script measures the same
// problems). Each case is "SymbolicGoal/<case>/<n>", timed per iteration in milliseconds:
//   logistic                   l <- 4 l (1 - l) n times from l = x, then d l_n / dx
//   sin4_nth_derivative        diff(sin(sin(sin(sin x))), x, n)
//   rosenbrock_gradient        f = sum 100 (x_{i+1} - x_i^2)^2 + (1 - x_i)^2 over n variables,
//                              then sym::gradient(f, x)
//   rosenbrock_sparse_hessian  f, then sym::sparse_hessian(f, x)
//   rosenbrock_codegen         f, its gradient, then codegen_c({f, gradient...}, x)
//   rosenbrock_all             f, its gradient, the sparse Hessian and the C code of f and gradient
//   network_hessian_codegen    y = sum_k v_k tanh(W_k . x + b_k), n = m = 20, every x, W, b, v a
//                              variable: sym::hessian(y, x) (20 x 20), then codegen_c of its 400
//                              entries (row by row) with variables x, W (row by row), b, v
//   polynomial_roundtrip       sym::parse of a 41 KB polynomial, then sym::to_string of it
// Every iteration builds everything from scratch, variables included, and drops it at the end,
// so the time covers building the input expression, the operation, and freeing the result. The
// node table is global: nothing of an iteration survives into the next (no Expr is kept across
// iterations), so the table does not hand back the previous iteration's nodes; it is warm only in
// that its bucket array has already grown (one untimed run precedes the timed ones, and that
// run also computes the counters). The polynomial's text is generated outside the timing.
//
// Counters (the same in every iteration; computed on the untimed run):
//   nodes        node_count of the case's result (shared subexpressions once): the derivative
//                DAG; the gradient vector; the sparse Hessian's entries; f and its gradient
//                (codegen); f, gradient and Hessian together (all); the Hessian's 400 entries
//                (network); the parsed polynomial (polynomial)
//   entries      structurally non-zero entries of a sparse Hessian
//   c_bytes      size of the generated C source, in bytes
//   emitted_ops  temporaries in the generated C: the lines `const double tK = ...;`. The code
//                generator emits one per instruction of the flattened DAG other than inputs and
//                numbers (which are written in place), and each is one operation: + - * / of two
//                operands, a negation, a reciprocal 1.0 / a, a square a * a, one call of a <math.h>
//                function (pow, tanh, ...) or one min/max select
//   chars, terms the polynomial's text size and monomial count
//   roundtrip    1 when parse(to_string(parse(text))) is the same node as parse(text), else 0
//                (the case also fails with an error)
//
// The polynomial (the SymPy script generates the very same text): monomial k, for k = 0, 1, ...,
// has the integer coefficient c = (k * 7919) % 97 + 1 and the exponents ex = k % 5,
// ey = (k / 5) % 4, ez = (k / 20) % 3 (integer division); its text is the decimal c followed by
// "*x^ex", "*y^ey", "*z^ez" in that order, where a factor of exponent 0 is omitted and "^1" is
// omitted (k = 0: "1"; k = 1: 7919 % 97 + 1 = 63, so "63*x"). The terms are joined by " + ",
// and N is the smallest count of terms whose joined text has at least 41 000 characters. The
// text is written, without a trailing newline, to $NABLA_POLYNOMIAL_FILE if that is set, else to
// <bench build dir>/polynomial.txt (build/bench/polynomial.txt for the bench preset).
#include <benchmark/benchmark.h>

#include <cstdlib>
#include <fstream>
#include <span>
#include <string>
#include <vector>

#include "functions.hpp"
#include "nabla/symbolic/codegen.hpp"
#include "nabla/symbolic/diff.hpp"
#include "nabla/symbolic/expr.hpp"
#include "nabla/symbolic/formula.hpp"

#ifndef NABLA_BENCH_POLYNOMIAL_FILE
#define NABLA_BENCH_POLYNOMIAL_FILE "polynomial.txt"
#endif

namespace {

namespace sym = nabla::sym;

// "SymbolicGoal/case/n", built without std::string's operator+ (GCC 12 warns falsely about it).
std::string name(const char* variant, std::size_t n) {
  std::string result = "SymbolicGoal/";
  result.append(variant).append("/").append(std::to_string(n));
  return result;
}

// Variables prefix0, prefix1, ...
std::vector<sym::Expr> variables(const char* prefix, std::size_t n) {
  std::vector<sym::Expr> result;
  result.reserve(n);
  for (std::size_t i = 0; i < n; ++i) {
    std::string v = prefix;
    v.append(std::to_string(i));
    result.push_back(sym::variable(v));
  }
  return result;
}

// The `const double tK = ...;` lines of codegen_c's output: one per emitted operation.
std::size_t emitted_operations(const std::string& c) {
  const std::string marker = "\n  const double t";
  std::size_t count = 0;
  for (std::size_t at = c.find(marker); at != std::string::npos; at = c.find(marker, at + 1)) {
    ++count;
  }
  return count;
}

void set(benchmark::State& state, const char* counter, std::size_t value) {
  state.counters[counter] = static_cast<double>(value);
}

// Runs `work` once untimed (its result gives the counters), then once per iteration, each
// result dropped before the next iteration starts.
template <typename Work, typename Count>
void measure(benchmark::State& state, Work work, Count count) {
  count(state, work());
  for (auto _ : state) {
    auto result = work();
    benchmark::DoNotOptimize(&result);
  }
}

// --- 1. the logistic map ------------------------------------------------------------------------

void logistic(benchmark::State& state, std::size_t n) {
  auto work = [n] {
    const sym::Expr x = sym::variable("x");
    sym::Expr l = x;
    for (std::size_t i = 0; i < n; ++i) l = 4 * l * (1 - l);
    return sym::diff(l, x);
  };
  measure(state, work,
          [](benchmark::State& s, const sym::Expr& d) { set(s, "nodes", sym::node_count(d)); });
}

// --- 2. the n-th derivative of sin(sin(sin(sin x))) ----------------------------------------------

void sin4_nth_derivative(benchmark::State& state, int n) {
  auto work = [n] {
    const sym::Expr x = sym::variable("x");
    return sym::diff(sym::sin(sym::sin(sym::sin(sym::sin(x)))), x, n);
  };
  measure(state, work,
          [](benchmark::State& s, const sym::Expr& d) { set(s, "nodes", sym::node_count(d)); });
}

// --- 3. extended Rosenbrock -------------------------------------------------------------------

struct Rosenbrock {
  std::vector<sym::Expr> x;
  sym::Expr f;
  std::vector<sym::Expr> gradient;
  std::vector<sym::SparseEntry> hessian;
  std::string c;
};

Rosenbrock rosenbrock(std::size_t n, bool gradient, bool hessian, bool codegen) {
  Rosenbrock r;
  r.x = variables("x", n);
  r.f = nabla::testing::rosenbrock<sym::Expr>(std::span<const sym::Expr>(r.x));
  if (gradient) r.gradient = sym::gradient(r.f, r.x);
  if (hessian) r.hessian = sym::sparse_hessian(r.f, r.x);
  if (codegen) {
    std::vector<sym::Expr> outputs{r.f};
    outputs.insert(outputs.end(), r.gradient.begin(), r.gradient.end());
    r.c = sym::codegen_c(outputs, r.x, "rosenbrock_and_gradient");
  }
  return r;
}

void count_rosenbrock(benchmark::State& state, const Rosenbrock& r) {
  std::vector<sym::Expr> roots;
  if (!r.c.empty()) roots.push_back(r.f);
  roots.insert(roots.end(), r.gradient.begin(), r.gradient.end());
  for (const sym::SparseEntry& e : r.hessian) roots.push_back(e.value);
  set(state, "nodes", sym::node_count(roots));
  if (!r.hessian.empty()) set(state, "entries", r.hessian.size());
  if (!r.c.empty()) {
    set(state, "c_bytes", r.c.size());
    set(state, "emitted_ops", emitted_operations(r.c));
  }
}

void rosenbrock_gradient(benchmark::State& state, std::size_t n) {
  measure(
      state, [n] { return rosenbrock(n, true, false, false); }, count_rosenbrock);
}
void rosenbrock_sparse_hessian(benchmark::State& state, std::size_t n) {
  measure(
      state, [n] { return rosenbrock(n, false, true, false); }, count_rosenbrock);
}
void rosenbrock_codegen(benchmark::State& state, std::size_t n) {
  measure(
      state, [n] { return rosenbrock(n, true, false, true); }, count_rosenbrock);
}
void rosenbrock_all(benchmark::State& state, std::size_t n) {
  measure(
      state, [n] { return rosenbrock(n, true, true, true); }, count_rosenbrock);
}

// --- 4. a one-hidden-layer network with symbolic weights --------------------------------------

struct Network {
  std::vector<sym::Expr> entries;  // the Hessian in x, row by row
  std::string c;
};

void network_hessian_codegen(benchmark::State& state, std::size_t n) {
  const std::size_t m = n;
  auto work = [n, m] {
    const std::vector<sym::Expr> x = variables("x", n);
    const std::vector<sym::Expr> w = variables("w", m * n);  // W[k][j] is w[k * n + j]
    const std::vector<sym::Expr> b = variables("b", m);
    const std::vector<sym::Expr> v = variables("v", m);
    sym::Expr y = 0;
    for (std::size_t k = 0; k < m; ++k) {
      sym::Expr z = b[k];
      for (std::size_t j = 0; j < n; ++j) z += w[k * n + j] * x[j];
      y += v[k] * sym::tanh(z);
    }
    Network result;
    for (std::vector<sym::Expr>& row : sym::hessian(y, x)) {
      result.entries.insert(result.entries.end(), row.begin(), row.end());
    }
    std::vector<sym::Expr> all = x;
    all.insert(all.end(), w.begin(), w.end());
    all.insert(all.end(), b.begin(), b.end());
    all.insert(all.end(), v.begin(), v.end());
    result.c = sym::codegen_c(result.entries, all, "network_hessian");
    return result;
  };
  measure(state, work, [](benchmark::State& s, const Network& r) {
    set(s, "nodes", sym::node_count(r.entries));
    set(s, "c_bytes", r.c.size());
    set(s, "emitted_ops", emitted_operations(r.c));
  });
}

// --- 5. parsing and printing a 41 KB polynomial ----------------------------------------------

// The recipe in the comment at the top of this file.
std::string polynomial(std::size_t characters, std::size_t& terms) {
  std::string text;
  terms = 0;
  for (std::size_t k = 0; text.size() < characters; ++k, ++terms) {
    if (k > 0) text.append(" + ");
    text.append(std::to_string((k * 7919) % 97 + 1));
    const std::size_t exponents[3] = {k % 5, (k / 5) % 4, (k / 20) % 3};
    const char* const names[3] = {"x", "y", "z"};
    for (int i = 0; i < 3; ++i) {
      if (exponents[i] == 0) continue;
      text.append("*").append(names[i]);
      if (exponents[i] > 1) text.append("^").append(std::to_string(exponents[i]));
    }
  }
  return text;
}

void polynomial_roundtrip(benchmark::State& state, std::size_t characters) {
  std::size_t terms = 0;
  const std::string text = polynomial(characters, terms);
  const char* path = std::getenv("NABLA_POLYNOMIAL_FILE");
  std::ofstream(path != nullptr ? path : NABLA_BENCH_POLYNOMIAL_FILE, std::ios::binary) << text;
  {
    const sym::Expr e = sym::parse(text);
    const bool exact = sym::parse(sym::to_string(e)).same(e);
    set(state, "nodes", sym::node_count(e));
    set(state, "chars", text.size());
    set(state, "terms", terms);
    set(state, "roundtrip", exact ? 1 : 0);
    if (!exact) {
      state.SkipWithError("parse(to_string(parse(text))) is not parse(text)");
      return;
    }
  }
  for (auto _ : state) {
    std::string printed = sym::to_string(sym::parse(text));
    benchmark::DoNotOptimize(printed.data());
  }
}

const bool registered = [] {
  auto set_up = [](benchmark::internal::Benchmark* b) {
    // No MinTime or UseRealTime: they would add "/min_time:..." and "/real_time" to the names.
    // The default minimum time (or --benchmark_min_time) is enough: the slowest case, about 1.5
    // s per iteration, runs one iteration after the untimed one.
    b->Unit(benchmark::kMillisecond);
  };
  for (std::size_t n : {16, 1000}) {
    set_up(benchmark::RegisterBenchmark(name("logistic", n).c_str(), logistic, n));
  }
  for (int n = 4; n <= 10; ++n) {
    set_up(benchmark::RegisterBenchmark(
        name("sin4_nth_derivative", static_cast<std::size_t>(n)).c_str(), sin4_nth_derivative, n));
  }
  for (std::size_t n : {10, 100, 1000, 10000}) {
    set_up(benchmark::RegisterBenchmark(name("rosenbrock_gradient", n).c_str(), rosenbrock_gradient,
                                        n));
    set_up(benchmark::RegisterBenchmark(name("rosenbrock_sparse_hessian", n).c_str(),
                                        rosenbrock_sparse_hessian, n));
    set_up(
        benchmark::RegisterBenchmark(name("rosenbrock_codegen", n).c_str(), rosenbrock_codegen, n));
    set_up(benchmark::RegisterBenchmark(name("rosenbrock_all", n).c_str(), rosenbrock_all, n));
  }
  set_up(benchmark::RegisterBenchmark(name("network_hessian_codegen", 20).c_str(),
                                      network_hessian_codegen, std::size_t{20}));
  set_up(benchmark::RegisterBenchmark(name("polynomial_roundtrip", 41000).c_str(),
                                      polynomial_roundtrip, std::size_t{41000}));
  return true;
}();

}  // namespace
