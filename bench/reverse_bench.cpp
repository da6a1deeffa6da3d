// Reverse mode against the plain double function, in one process: each problem of the FastAD /
// ADBenchmark comparison (tests/support/problems.hpp) at several sizes, timed
//   primal     the function on doubles
//   gradient   nabla::reverse::gradient as users call it: record and sweep, every call
//   resweep    the backward sweep alone, over a recording made once
//   adolc_*    the same two with ADOL-C, when libadolc-dev is installed
// bench/report.py prints each time as a ratio to primal.
#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <span>
#include <string>
#include <vector>

#include "functions.hpp"
#include "nabla/reverse/drivers.hpp"
#include "problems.hpp"

#ifdef NABLA_BENCH_HAVE_ADOLC
#include <adolc/adolc.h>
#endif

namespace {

namespace t = nabla::testing;

// A problem: how to build it for a size, its input count and its point.
struct Sum {
  explicit Sum(std::size_t n) : size(n) {}
  std::size_t size;
  std::size_t inputs() const { return size; }
  std::vector<double> point() const { return t::uniform_values(size, -1, 1, 1); }
  template <class T>
  T operator()(std::span<const T> x) const {
    return t::sum(x);
  }
};
struct Product {
  explicit Product(std::size_t n) : size(n) {}
  std::size_t size;
  std::size_t inputs() const { return size; }
  // Near 1, so that the product neither overflows nor vanishes at n = 16384.
  std::vector<double> point() const { return t::uniform_values(size, 0.99, 1.01, 2); }
  template <class T>
  T operator()(std::span<const T> x) const {
    return t::product(x);
  }
};
struct LogSumExp {
  explicit LogSumExp(std::size_t n) : size(n) {}
  std::size_t size;
  std::size_t inputs() const { return size; }
  std::vector<double> point() const { return t::uniform_values(size, -1, 1, 3); }
  template <class T>
  T operator()(std::span<const T> x) const {
    return t::log_sum_exp(x);
  }
};
struct NormalLogDensity {
  explicit NormalLogDensity(std::size_t n) : size(n) {}
  std::size_t size;
  std::size_t inputs() const { return size; }
  std::vector<double> point() const { return t::uniform_values(size, -2, 2, 4); }
  template <class T>
  T operator()(std::span<const T> x) const {
    return t::normal_log_density(x);
  }
};
struct Regression : t::Regression {
  explicit Regression(std::size_t n) : t::Regression(n) {}
  std::vector<double> point() const { return t::uniform_values(inputs(), -0.5, 0.5, 5); }
};
struct StochasticVolatility : t::StochasticVolatility {
  explicit StochasticVolatility(std::size_t n) : t::StochasticVolatility(n) {}
  std::vector<double> point() const { return t::uniform_values(inputs(), -0.5, 0.5, 6); }
};
// n x n matrices: 2 n^2 inputs.
struct MatrixProduct {
  explicit MatrixProduct(std::size_t n) : size(n) {}
  std::size_t size;
  std::size_t inputs() const { return 2 * size * size; }
  std::vector<double> point() const { return t::uniform_values(inputs(), -1, 1, 7); }
  template <class T>
  T operator()(std::span<const T> x) const {
    return t::matrix_product_sum(x);
  }
};
struct Rosenbrock {
  explicit Rosenbrock(std::size_t n) : size(n) {}
  std::size_t size;
  std::size_t inputs() const { return size; }
  std::vector<double> point() const { return t::uniform_values(size, -1, 1, 8); }
  template <class T>
  T operator()(std::span<const T> x) const {
    return t::rosenbrock(x);
  }
};
struct Chain {
  explicit Chain(std::size_t n) : steps(n) {}
  std::size_t steps;
  std::size_t inputs() const { return 1; }
  std::vector<double> point() const { return {0.3}; }
  template <class T>
  T operator()(std::span<const T> x) const {
    return t::sine_chain(x[0], steps);
  }
};

// The problem as a generic callable on a container, the form the drivers take.
template <class P>
auto as_function(const P& problem) {
  return [&problem](const auto& v) {
    using T = typename std::remove_cvref_t<decltype(v)>::value_type;
    return problem(std::span<const T>(v.data(), v.size()));
  };
}

// "Case/variant/size", built without std::string's operator+ (GCC 12 warns falsely about it).
std::string benchmark_name(const std::string& name, const char* variant, std::size_t size) {
  std::string result = name;
  result.append("/").append(variant).append("/").append(std::to_string(size));
  return result;
}

template <class P>
void Primal(benchmark::State& state, std::size_t size) {
  const P problem(size);
  const auto x = problem.point();
  for (auto _ : state) benchmark::DoNotOptimize(problem(std::span<const double>(x)));
}

// As users call it: record and sweep, every call. Once untimed first, so that the thread's tape
// has grown to the problem's size, as it would in a loop of many gradients.
template <class P>
void Gradient(benchmark::State& state, std::size_t size) {
  const P problem(size);
  const auto x = problem.point();
  const auto f = as_function(problem);
  benchmark::DoNotOptimize(nabla::reverse::gradient(f, x));
  for (auto _ : state) benchmark::DoNotOptimize(nabla::reverse::gradient(f, x));
}

// The backward sweep alone over one recording; reports the tape's bytes per operation.
template <class P>
void Resweep(benchmark::State& state, std::size_t size) {
  const P problem(size);
  const auto x = problem.point();
  nabla::Recording recording;
  const std::vector<nabla::Var> args(x.begin(), x.end());
  const nabla::Var y = problem(std::span<const nabla::Var>(args));
  for (auto _ : state) {
    recording.tape().backward(y.index());
    benchmark::DoNotOptimize(recording.tape().adjoint(0));
  }
  state.counters["bytes_per_op"] =
      double(recording.tape().recorded_bytes()) / double(recording.tape().statement_count());
}

template <class P>
void Hessian(benchmark::State& state, std::size_t size) {
  const P problem(size);
  const auto x = problem.point();
  const auto f = as_function(problem);
  benchmark::DoNotOptimize(nabla::reverse::hessian(f, x));
  for (auto _ : state) benchmark::DoNotOptimize(nabla::reverse::hessian(f, x));
}

#ifdef NABLA_BENCH_HAVE_ADOLC
// ADOL-C: trace the function on adoubles under `tag`, then its reverse sweep.
template <class P>
void adolc_record(const P& problem, const std::vector<double>& x, short tag) {
  trace_on(tag);
  std::vector<adouble> ax(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) ax[i] <<= x[i];
  adouble ay = problem(std::span<const adouble>(ax));
  double y;
  ay >>= y;
  trace_off();
}

template <class P>
void AdolcGradient(benchmark::State& state, std::size_t size) {
  const P problem(size);
  const auto x = problem.point();
  std::vector<double> g(x.size());
  const auto record_and_sweep = [&] {
    adolc_record(problem, x, 1);
    gradient(1, static_cast<int>(x.size()), x.data(), g.data());
    benchmark::DoNotOptimize(g.data());
  };
  record_and_sweep();  // untimed, as for nabla
  for (auto _ : state) record_and_sweep();
}

template <class P>
void AdolcResweep(benchmark::State& state, std::size_t size) {
  const P problem(size);
  const auto x = problem.point();
  std::vector<double> g(x.size());
  adolc_record(problem, x, 2);
  for (auto _ : state) {
    gradient(2, static_cast<int>(x.size()), x.data(), g.data());
    benchmark::DoNotOptimize(g.data());
  }
}
#endif

template <class P>
void register_problem(const std::string& name, const std::vector<std::size_t>& sizes) {
  for (std::size_t size : sizes) {
    benchmark::RegisterBenchmark(benchmark_name(name, "primal", size).c_str(), Primal<P>, size);
    benchmark::RegisterBenchmark(benchmark_name(name, "gradient", size).c_str(), Gradient<P>, size);
    benchmark::RegisterBenchmark(benchmark_name(name, "resweep", size).c_str(), Resweep<P>, size);
#ifdef NABLA_BENCH_HAVE_ADOLC
    benchmark::RegisterBenchmark(benchmark_name(name, "adolc_gradient", size).c_str(),
                                 AdolcGradient<P>, size);
    benchmark::RegisterBenchmark(benchmark_name(name, "adolc_resweep", size).c_str(),
                                 AdolcResweep<P>, size);
#endif
  }
}

// The dense Hessian by forward over reverse, against primal and against one gradient.
void register_hessian(std::size_t n) {
  benchmark::RegisterBenchmark(benchmark_name("RosenbrockHessian", "primal", n).c_str(),
                               Primal<Rosenbrock>, n);
  benchmark::RegisterBenchmark(benchmark_name("RosenbrockHessian", "gradient", n).c_str(),
                               Gradient<Rosenbrock>, n);
  benchmark::RegisterBenchmark(benchmark_name("RosenbrockHessian", "hessian", n).c_str(),
                               Hessian<Rosenbrock>, n);
}

// The fixed cost of a gradient: one input, one multiplication, the point a std::array.
void FixedCost_primal(benchmark::State& s) {
  std::array<double, 1> x{1.5};
  for (auto _ : s) {
    benchmark::DoNotOptimize(x);
    benchmark::DoNotOptimize(x[0] * x[0]);
  }
}
void FixedCost_gradient(benchmark::State& s) {
  std::array<double, 1> x{1.5};
  auto f = [](const auto& v) { return v[0] * v[0]; };
  for (auto _ : s) {
    benchmark::DoNotOptimize(x);
    benchmark::DoNotOptimize(nabla::reverse::gradient(f, x));
  }
}

const bool registered = [] {
  const std::vector<std::size_t> sizes{1, 16, 256, 4096, 16384};
  register_problem<Sum>("Sum", sizes);
  register_problem<Product>("Product", sizes);
  register_problem<LogSumExp>("LogSumExp", sizes);
  register_problem<NormalLogDensity>("NormalLogDensity", sizes);
  // 1000 x p regressors: p = 16384 would record 16 million products per gradient.
  register_problem<Regression>("Regression", {1, 16, 256, 4096});
  register_problem<StochasticVolatility>("StochasticVolatility", sizes);
  // n x n matrices of 2 n^2 inputs: 2, 18, 242, 4050 and 16200 inputs.
  register_problem<MatrixProduct>("MatrixProduct", {1, 3, 11, 45, 90});
  register_problem<Rosenbrock>("Rosenbrock", {2, 100, 1000});
  register_problem<Chain>("Chain", {1000000});
  register_hessian(2);
  register_hessian(100);
  benchmark::RegisterBenchmark("FixedCost/primal", FixedCost_primal);
  benchmark::RegisterBenchmark("FixedCost/gradient", FixedCost_gradient);
  return true;
}();

}  // namespace
