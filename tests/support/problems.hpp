// The problems of the FastAD / ADBenchmark comparison, generic over the scalar type, shared by
// the reverse-mode benchmarks (which time them) and tests (which check their gradients against
// forward mode). Each takes its inputs as a span and returns one scalar. Data (regressors,
// observations) is generated deterministically from the size. Literals are doubles so that
// ADOL-C's adouble runs the same code.
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <random>
#include <span>
#include <vector>

namespace nabla::testing {

inline std::vector<double> uniform_values(std::size_t n, double low, double high, unsigned seed) {
  std::mt19937_64 random(seed);
  std::uniform_real_distribution<double> uniform(low, high);
  std::vector<double> values(n);
  for (double& v : values) v = uniform(random);
  return values;
}

template <class T>
T sum(std::span<const T> x) {
  T s(0.0);
  for (const T& v : x) s += v;
  return s;
}

template <class T>
T product(std::span<const T> x) {
  T p(1.0);
  for (const T& v : x) p *= v;
  return p;
}

template <class T>
T log_sum_exp(std::span<const T> x) {
  using std::exp, std::log;
  T s(0.0);
  for (const T& v : x) s += exp(v);
  return log(s);
}

// log of N(x_i | mu, sigma), summed, with mu and sigma fixed.
template <class T>
T normal_log_density(std::span<const T> x) {
  constexpr double mu = 0.3, sigma = 1.7;
  const double constant = -std::log(sigma) - 0.5 * std::log(2 * std::numbers::pi);
  T s(0.0);
  for (const T& v : x) {
    const T z = (v - mu) / sigma;
    s += -0.5 * z * z + constant;
  }
  return s;
}

template <class T>
T normal_log_pdf(const T& x, const T& mu, const T& sigma) {
  using std::log;
  const T z = (x - mu) / sigma;
  return -0.5 * z * z - log(sigma) - 0.5 * std::log(2 * std::numbers::pi);
}

// Bayesian linear regression: y ~ N(X w + b, sigma), w_j ~ N(0, 1), b ~ N(0, 1),
// log sigma ~ N(0, 1), with X 1000 x p. Inputs: w (p), b, log sigma.
struct Regression {
  static constexpr std::size_t kRows = 1000;
  std::size_t p;
  std::vector<double> X;  // row-major kRows x p
  std::vector<double> y;

  explicit Regression(std::size_t parameters)
      : p(parameters),
        X(uniform_values(kRows * parameters, -1, 1, 11)),
        y(uniform_values(kRows, -2, 2, 12)) {}
  std::size_t inputs() const { return p + 2; }

  template <class T>
  T operator()(std::span<const T> theta) const {
    using std::exp;
    const T& b = theta[p];
    const T sigma = exp(theta[p + 1]);
    T lp(0.0);
    for (std::size_t i = 0; i < kRows; ++i) {
      T mean = b;
      for (std::size_t j = 0; j < p; ++j) mean += X[i * p + j] * theta[j];
      lp += normal_log_pdf<T>(T(y[i]), mean, sigma);
    }
    for (std::size_t j = 0; j < p + 2; ++j) lp += -0.5 * theta[j] * theta[j];
    return lp;
  }
};

// AR(1) stochastic volatility: y_t ~ N(0, exp(h_t / 2)), h_t ~ N(mu + phi (h_{t-1} - mu), sigma),
// h_0 ~ N(mu, sigma / sqrt(1 - phi^2)), phi = tanh(phi_raw), sigma = exp(log_sigma).
// Inputs: h (n), mu, phi_raw, log_sigma.
struct StochasticVolatility {
  std::size_t n;
  std::vector<double> y;

  explicit StochasticVolatility(std::size_t steps)
      : n(steps), y(uniform_values(steps, -1, 1, 21)) {}
  std::size_t inputs() const { return n + 3; }

  template <class T>
  T operator()(std::span<const T> theta) const {
    using std::exp, std::sqrt, std::tanh;
    const T& mu = theta[n];
    const T phi = tanh(theta[n + 1]);
    const T sigma = exp(theta[n + 2]);
    T lp = normal_log_pdf<T>(theta[0], mu, sigma / sqrt(1.0 - phi * phi));
    for (std::size_t t = 1; t < n; ++t) {
      lp += normal_log_pdf<T>(theta[t], mu + phi * (theta[t - 1] - mu), sigma);
    }
    for (std::size_t t = 0; t < n; ++t)
      lp += normal_log_pdf<T>(T(y[t]), T(0.0), exp(0.5 * theta[t]));
    return lp;
  }
};

// sum of the entries of A B for n x n matrices, A and B row-major in the inputs (2 n^2 of them).
template <class T>
T matrix_product_sum(std::span<const T> x) {
  const auto n = static_cast<std::size_t>(std::lround(std::sqrt(x.size() / 2.0)));
  const T* A = x.data();
  const T* B = x.data() + n * n;
  T s(0.0);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = 0; j < n; ++j) {
      T c(0.0);
      for (std::size_t k = 0; k < n; ++k) c += A[i * n + k] * B[k * n + j];
      s += c;
    }
  }
  return s;
}

// x <- sin(x) * 1.0001 + 0.1, repeated: a chain with no parallelism at all.
template <class T>
T sine_chain(const T& x0, std::size_t steps) {
  using std::sin;
  T x = x0;
  for (std::size_t i = 0; i < steps; ++i) x = sin(x) * 1.0001 + 0.1;
  return x;
}

}  // namespace nabla::testing
