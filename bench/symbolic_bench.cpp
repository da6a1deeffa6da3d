// The symbolic module's compiled form against plain code, in one process. Rosenbrock's f (and
// its gradient) traced once on sym::Expr, then timed per evaluation:
//   primal              the double function itself
//   program             sym::Program::run: the DAG flattened once into an instruction array
//   interpreted         sym::evaluate<double>: flattens on every call
//   program_gradient    the compiled gradient expressions (f and its n partials, shared)
//   reverse_gradient    nabla::reverse::gradient of the double function, for comparison
// bench/report.py prints each as a ratio to primal.
#include <benchmark/benchmark.h>

#include <span>
#include <string>
#include <vector>

#include "functions.hpp"
#include "nabla/reverse/drivers.hpp"
#include "nabla/symbolic/diff.hpp"
#include "nabla/symbolic/evaluate.hpp"
#include "nabla/symbolic/expr.hpp"
#include "problems.hpp"

namespace {

namespace sym = nabla::sym;

struct Traced {
  explicit Traced(std::size_t n) : point(nabla::testing::uniform_values(n, -1, 1, 8)) {
    for (std::size_t i = 0; i < n; ++i) {
      std::string name = "x";
      name.append(std::to_string(i));
      variables.push_back(sym::variable(name));
    }
    f = nabla::testing::rosenbrock<sym::Expr>(std::span<const sym::Expr>(variables));
  }
  std::vector<double> point;
  std::vector<sym::Expr> variables;
  sym::Expr f;
};

void primal(benchmark::State& state, std::size_t n) {
  const Traced t(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(nabla::testing::rosenbrock<double>(std::span<const double>(t.point)));
  }
}

void program(benchmark::State& state, std::size_t n) {
  const Traced t(n);
  const sym::Program p = sym::compile({t.f}, t.variables);
  std::vector<double> out(1);
  for (auto _ : state) {
    p.run(t.point, out);
    benchmark::DoNotOptimize(out.data());
  }
}

void interpreted(benchmark::State& state, std::size_t n) {
  const Traced t(n);
  for (auto _ : state) {
    benchmark::DoNotOptimize(sym::evaluate<double>(t.f, t.variables, t.point));
  }
}

void program_gradient(benchmark::State& state, std::size_t n) {
  const Traced t(n);
  std::vector<sym::Expr> outputs{t.f};
  for (const sym::Expr& g : sym::gradient(t.f, t.variables)) outputs.push_back(g);
  const sym::Program p = sym::compile(outputs, t.variables);
  std::vector<double> out(outputs.size());
  for (auto _ : state) {
    p.run(t.point, out);
    benchmark::DoNotOptimize(out.data());
  }
}

void reverse_gradient(benchmark::State& state, std::size_t n) {
  const Traced t(n);
  auto f = [](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    return nabla::testing::rosenbrock<T>(std::span<const T>(v.data(), v.size()));
  };
  for (auto _ : state) benchmark::DoNotOptimize(nabla::reverse::gradient(f, t.point));
}

// "SymbolicRosenbrock/variant/size", built without std::string's operator+ (GCC 12 warns falsely
// about it).
std::string name(const char* variant, std::size_t n) {
  std::string result = "SymbolicRosenbrock/";
  result.append(variant).append("/").append(std::to_string(n));
  return result;
}

const bool registered = [] {
  for (std::size_t n : {100, 1000}) {
    benchmark::RegisterBenchmark(name("primal", n).c_str(), primal, n);
    benchmark::RegisterBenchmark(name("program", n).c_str(), program, n);
    benchmark::RegisterBenchmark(name("interpreted", n).c_str(), interpreted, n);
    benchmark::RegisterBenchmark(name("program_gradient", n).c_str(), program_gradient, n);
    benchmark::RegisterBenchmark(name("reverse_gradient", n).c_str(), reverse_gradient, n);
  }
  return true;
}();

}  // namespace
