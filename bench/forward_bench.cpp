// Forward mode against its baselines, in one process: the plain double function, a hand-written
// derivative, and Ceres Solver's Jet (when installed). bench/report.py turns the medians into
// the ratios of docs/benchmarks.md.
#include <benchmark/benchmark.h>

#include <cmath>
#include <random>
#include <span>
#include <vector>

#include "functions.hpp"  // tests/support: the problems the tests check
#include "nabla/forward/dual.hpp"

#ifdef NABLA_BENCH_HAVE_CERES
#include <ceres/jet.h>
#endif

namespace {

// --- f(x) = exp(sin x) log(1 + x^2) / sqrt(x), one variable --------------------------------------

template <class T>
T scalar_function(const T& x) {
  using std::exp, std::log, std::sin, std::sqrt;
  return exp(sin(x)) * log(1.0 + x * x) / sqrt(x);
}

// f' by hand: f = e L / r with e = exp(sin x), L = log(1 + x^2), r = sqrt(x):
// f' = f (cos x + 2x / ((1 + x^2) L) - 1 / (2x)).
struct ValueAndDerivative {
  double value, derivative;
};
ValueAndDerivative scalar_by_hand(double x) {
  const double s = std::sin(x), c = std::cos(x), e = std::exp(s);
  const double q = 1 + x * x, L = std::log(q), r = std::sqrt(x);
  const double f = e * L / r;
  return {f, e * c * L / r + e * (2 * x / q) / r - f / (2 * x)};
}

std::vector<double> scalar_points() {
  std::mt19937_64 random(1);
  std::uniform_real_distribution<double> uniform(0.5, 3.0);
  std::vector<double> xs(1024);
  for (double& x : xs) x = uniform(random);
  return xs;
}

void ScalarPrimal(benchmark::State& state) {
  const auto xs = scalar_points();
  for (auto _ : state) {
    for (double x : xs) benchmark::DoNotOptimize(scalar_function(x));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * xs.size()));
}
BENCHMARK(ScalarPrimal);

void ScalarHandWritten(benchmark::State& state) {
  const auto xs = scalar_points();
  for (auto _ : state) {
    for (double x : xs) benchmark::DoNotOptimize(scalar_by_hand(x));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * xs.size()));
}
BENCHMARK(ScalarHandWritten);

void ScalarDual(benchmark::State& state) {
  const auto xs = scalar_points();
  for (auto _ : state) {
    for (double x : xs) benchmark::DoNotOptimize(scalar_function(nabla::Dual<double>(x, 1.0)));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * xs.size()));
}
BENCHMARK(ScalarDual);

#ifdef NABLA_BENCH_HAVE_CERES
void ScalarCeresJet(benchmark::State& state) {
  const auto xs = scalar_points();
  for (auto _ : state) {
    for (double x : xs) benchmark::DoNotOptimize(scalar_function(ceres::Jet<double, 1>(x, 0)));
  }
  state.SetItemsProcessed(static_cast<int64_t>(state.iterations() * xs.size()));
}
BENCHMARK(ScalarCeresJet);
#endif

// --- directional derivative of the extended Rosenbrock function, n = 1000 ------------------------

// The derivative as a user writes it by hand: the gradient, derived on paper, then ∇f · v.
// The gradient buffer is allocated once, outside the timed loop.
ValueAndDerivative rosenbrock_gradient_dot_by_hand(std::span<const double> x,
                                                   std::span<const double> v,
                                                   std::span<double> gradient) {
  double f = 0;
  for (double& g : gradient) g = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i], b = 1 - x[i];
    f += 100 * a * a + b * b;
    gradient[i] += -400 * x[i] * a - 2 * b;
    gradient[i + 1] += 200 * a;
  }
  double directional = 0;
  for (std::size_t i = 0; i < x.size(); ++i) directional += gradient[i] * v[i];
  return {f, directional};
}

// A stricter reference than the issue names: ∇f · v fused with f in one loop, with no gradient
// in between. No AD tool can skip work this way: it is the floor, not the usual hand code.

ValueAndDerivative rosenbrock_directional_by_hand(std::span<const double> x,
                                                  std::span<const double> v) {
  double f = 0, df = 0;
  for (std::size_t i = 0; i + 1 < x.size(); ++i) {
    const double a = x[i + 1] - x[i] * x[i], da = v[i + 1] - 2 * x[i] * v[i];
    const double b = 1 - x[i], db = -v[i];
    f += 100 * a * a + b * b;
    df += 200 * a * da + 2 * b * db;
  }
  return {f, df};
}

constexpr std::size_t kRosenbrockSize = 1000;

struct RosenbrockPoint {
  std::vector<double> x, v;
  RosenbrockPoint() : x(kRosenbrockSize), v(kRosenbrockSize) {
    std::mt19937_64 random(2);
    std::uniform_real_distribution<double> uniform(-1, 1);
    for (std::size_t i = 0; i < kRosenbrockSize; ++i) {
      x[i] = uniform(random);
      v[i] = uniform(random);
    }
  }
};

void RosenbrockPrimal(benchmark::State& state) {
  const RosenbrockPoint p;
  for (auto _ : state) benchmark::DoNotOptimize(nabla::testing::rosenbrock<double>(p.x));
}
BENCHMARK(RosenbrockPrimal);

void RosenbrockHandWritten(benchmark::State& state) {
  const RosenbrockPoint p;
  std::vector<double> gradient(kRosenbrockSize);
  for (auto _ : state) {
    benchmark::DoNotOptimize(rosenbrock_gradient_dot_by_hand(p.x, p.v, gradient));
  }
}
BENCHMARK(RosenbrockHandWritten);

void RosenbrockHandFused(benchmark::State& state) {
  const RosenbrockPoint p;
  for (auto _ : state) benchmark::DoNotOptimize(rosenbrock_directional_by_hand(p.x, p.v));
}
BENCHMARK(RosenbrockHandFused);

// The seeded input is built once; the timed part is the function on active numbers, as for the
// hand-written code (which reads x and v as they are).
void RosenbrockDual(benchmark::State& state) {
  const RosenbrockPoint p;
  std::vector<nabla::Dual<double>> x(kRosenbrockSize);
  for (std::size_t i = 0; i < kRosenbrockSize; ++i) x[i] = nabla::Dual<double>(p.x[i], p.v[i]);
  for (auto _ : state) benchmark::DoNotOptimize(nabla::testing::rosenbrock<nabla::Dual<double>>(x));
}
BENCHMARK(RosenbrockDual);

#ifdef NABLA_BENCH_HAVE_CERES
void RosenbrockCeresJet(benchmark::State& state) {
  const RosenbrockPoint p;
  using Jet = ceres::Jet<double, 1>;
  std::vector<Jet> x(kRosenbrockSize);
  for (std::size_t i = 0; i < kRosenbrockSize; ++i) {
    x[i] = Jet(p.x[i]);
    x[i].v[0] = p.v[i];
  }
  for (auto _ : state) benchmark::DoNotOptimize(nabla::testing::rosenbrock<Jet>(x));
}
BENCHMARK(RosenbrockCeresJet);
#endif

}  // namespace
