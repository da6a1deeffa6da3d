#include "nabla/core/special_functions.hpp"

#include <cmath>
#include <limits>
#include <numbers>
#include <utility>
#include <vector>

namespace nabla {
namespace {

// Bernoulli numbers B_2, B_4, ..., B_20 for the asymptotic series.
constexpr double kBernoulli[] = {1.0 / 6,       -1.0 / 30,      1.0 / 42, -1.0 / 30,
                                 5.0 / 66,      -691.0 / 2730,  7.0 / 6,  -3617.0 / 510,
                                 43867.0 / 798, -174611.0 / 330};

double factorial(int n) { return std::tgamma(n + 1.0); }

// Asymptotic expansion, valid for large x:
//   psi(x)     ~ log x - 1/(2x) - sum_k B_2k / (2k x^2k)
//   psi^(n)(x) ~ (-1)^(n+1) [ (n-1)!/x^n + n!/(2x^(n+1)) + sum_k B_2k (2k+n-1)!/((2k)! x^(2k+n)) ]
double asymptotic(int n, double x) {
  const double inv2 = 1.0 / (x * x);
  if (n == 0) {
    double sum = 0, power = inv2;
    for (int k = 1; k <= 10; ++k, power *= inv2) sum += kBernoulli[k - 1] / (2.0 * k) * power;
    return std::log(x) - 0.5 / x - sum;
  }
  double sum = factorial(n - 1) / std::pow(x, n) + factorial(n) / (2 * std::pow(x, n + 1));
  double power = inv2 / std::pow(x, n);  // x^-(2k+n) for k = 1
  for (int k = 1; k <= 10; ++k, power *= inv2) {
    // (2k+n-1)! / (2k)! as a running product keeps it in range.
    double ratio = 1;
    for (int m = 2 * k + 1; m <= 2 * k + n - 1; ++m) ratio *= m;
    sum += kBernoulli[k - 1] * ratio * power;
  }
  return (n % 2 == 1) ? sum : -sum;
}

// d^n/du^n cot(u) = P_n(cot u), with P_0(c) = c and P_{k+1}(c) = -(1 + c^2) P_k'(c): a
// polynomial of degree n + 1, built by that recurrence and evaluated at c.
double cot_derivative(int n, double c) {
  std::vector<double> p{0.0, 1.0};  // coefficients of P_0, lowest degree first
  for (int k = 0; k < n; ++k) {
    std::vector<double> next(p.size() + 1, 0.0);
    for (std::size_t i = 1; i < p.size(); ++i) {
      const double derivative = static_cast<double>(i) * p[i];  // coefficient of c^(i-1) in P'
      next[i - 1] -= derivative;                                // -1 * P'
      next[i + 1] -= derivative;                                // -c^2 * P'
    }
    p = std::move(next);
  }
  double value = 0;
  for (std::size_t i = p.size(); i-- > 0;) value = value * c + p[i];
  return value;
}

}  // namespace

double polygamma(int n, double x) noexcept {
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  if (n < 0 || std::isnan(x)) return nan;
  if (x <= 0 && x == std::floor(x))
    return (n % 2 == 1) ? std::numeric_limits<double>::infinity() : nan;
  if (std::isinf(x)) return (n == 0 && x > 0) ? x : (x > 0 ? 0.0 : nan);
  if (x < 0) {
    // Reflection, differentiated n times: psi(1 - x) - psi(x) = pi cot(pi x) gives
    //   psi^(n)(x) = (-1)^n psi^(n)(1 - x) - pi^(n+1) P_n(cot(pi x)),
    // so negative arguments cost no more than positive ones (the recurrence below would step
    // |x| times). cot has period 1, and x - round(x) is exact, so the reduction loses nothing.
    const double c = 1 / std::tan(std::numbers::pi * (x - std::round(x)));
    const double reflected = polygamma(n, 1 - x);
    return (n % 2 == 0 ? reflected : -reflected) -
           std::pow(std::numbers::pi, n + 1) * cot_derivative(n, c);
  }
  // Recurrence psi^(n)(x) = psi^(n)(x+1) + (-1)^(n+1) n! / x^(n+1) carries x into the
  // asymptotic range.
  const double threshold = 20.0 + n;
  const double scale = (n % 2 == 1 ? 1.0 : -1.0) * factorial(n);
  double shifted = 0;
  while (x < threshold) {
    shifted += scale / std::pow(x, n + 1);
    x += 1;
  }
  return shifted + asymptotic(n, x);
}

}  // namespace nabla
