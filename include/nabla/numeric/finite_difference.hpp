// Finite differences: derivatives from nothing but function values.
//
// The oldest way to differentiate a program is to run it twice:
//
//   f'(x) ~= (f(x + h) - f(x)) / h            (forward difference, seed 004's `gradients`)
//
// It needs no special scalar type, so it works on any f, which makes it the reference every
// other mode is checked against. Its price is accuracy, and the step h decides it. Two errors
// pull h in opposite directions:
//
//   truncation  The stencil (nabla/numeric/stencil.hpp) matches Taylor's series up to some
//               order p, so it is off by about C h^p, with C ~ f^(p+d)(x): small h is better.
//   rounding    f is evaluated in floating point, each value wrong by about eps |f| (eps =
//               2^-52, the machine epsilon). The stencil divides those errors by h^d, so they
//               grow like eps |f| / h^d: large h is better.
//
// Their sum C h^p + eps |f| / h^d is least where both are of the same size, at
//
//   h ~ eps^(1 / (p + d)),   giving an error of about eps^(p / (p + d)),
//
// measured relative to the scale of x: a function's features near x = 1000 are usually 1000
// times wider than near x = 1, and the doubles there are 1000 times further apart, so h is
// multiplied by max(|x|, 1). Typical numbers for eps = 2.2e-16:
//
//   scheme                  d   p    h          error
//   forward                 1   1    1.5e-8     1e-8    (half the digits: the seed's method)
//   central                 1   2    6.1e-6     4e-11
//   central                 1   4    7.4e-4     3e-13
//   central                 1   6    5.8e-3     3e-14
//   central                 2   2    1.2e-4     1.5e-8  (second derivatives lose more)
//
// One more rounding is avoidable: the sample is taken at fl(x + h), not at x + h, so the step
// really used can differ from h by half an ulp of x. The automatic step is therefore replaced by
// fl(x + h) - x, the distance really travelled (exact by Sterbenz's lemma while h <= |x| / 2),
// so that x + h - x == h holds exactly in floating point. An explicit step (Options::step > 0) is
// used exactly as given, so
// `{.scheme = Difference::forward, .accuracy = 1, .step = 1e-4}` reproduces seed 004 bit for
// bit.
//
// Richardson extrapolation buys accuracy with more evaluations instead of a better stencil. The
// estimate A(h) = D + c1 h^p + c2 h^(p+q) + ... (q = 2 for central stencils, whose symmetry
// cancels every other term; q = 1 for one-sided ones) is computed again at h/2, and
//
//   (2^p A(h/2) - A(h)) / (2^p - 1) = D + O(h^(p+q))
//
// cancels the leading error term. Repeating with h/4, h/8, ... fills Romberg's table, each level
// gaining q orders; Options::richardson = r adds r levels, so r + 1 times the evaluations, and an
// effective accuracy order p + r q, which the automatic step takes into account.
//
// Cost in evaluations of f, for n inputs, per Richardson level, with a central stencil of
// accuracy p (p nonzero weights for a first derivative, p + 1 for a second), plus one for f(x):
//   derivative, gradient, jacobian   n p
//   hessian                          n p (diagonal) + n (n - 1) / 2 p^2 (off-diagonal)
// against one pass for forward mode per direction, or one backward sweep for the gradient in
// reverse mode. Use finite differences to check the others, or where nothing else applies.
#pragma once

#include <Eigen/Core>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <limits>
#include <optional>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/arguments.hpp"
#include "nabla/numeric/stencil.hpp"

namespace nabla::numeric {

// How to difference. The defaults (central, accuracy 2, automatic step) are the usual
// compromise: two evaluations per input and about 10 correct digits.
struct Options {
  Difference scheme = Difference::central;
  int accuracy = 2;    // the stencil's accuracy order p (see make_stencil for what is supported)
  double step = 0;     // 0: automatic (see above); > 0: used as given, in the units of x
  int richardson = 0;  // extra Richardson extrapolation levels, 0 to 10
};

namespace detail {

inline constexpr int kMaxRichardsonLevels = 10;

// How far apart the exponents of the error expansion lie: h^p, h^(p+q), h^(p+2q), ...
inline int error_exponent_step(Difference scheme) { return scheme == Difference::central ? 2 : 1; }

inline std::string format_number(double value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Throws nabla::ArgumentError for options no driver can honour; the stencil lookup reports a
// bad scheme, derivative order or accuracy order.
inline void check_options(const Options& options, int derivative_order) {
  (void)cached_stencil(options.scheme, derivative_order, options.accuracy);
  if (!(options.step >= 0) || !std::isfinite(options.step)) {
    throw ArgumentError(
        "nabla::numeric: the step must be 0 (automatic) or positive and finite, got " +
        format_number(options.step));
  }
  if (options.richardson < 0 || options.richardson > kMaxRichardsonLevels) {
    throw ArgumentError("nabla::numeric: Richardson extrapolation takes 0 to " +
                        std::to_string(kMaxRichardsonLevels) + " levels, got " +
                        std::to_string(options.richardson));
  }
}

// The distance from x that fl(x + h) really lies at.
inline double representable_step(double x, double h) { return (x + h) - x; }

// The step of Richardson level `level`: h / 2^level, kept representable when automatic.
inline double level_step(double x, double h, int level, bool automatic) {
  const double halved = std::ldexp(h, -level);
  return automatic ? representable_step(x, halved) : halved;
}

// Arithmetic on one estimate: a double, or a std::vector<double> of every output at once.
inline double zero_like(double) { return 0.0; }
inline std::vector<double> zero_like(const std::vector<double>& v) {
  return std::vector<double>(v.size(), 0.0);
}
inline void add_scaled(double& sum, double weight, double value) { sum += weight * value; }
inline void add_scaled(std::vector<double>& sum, double weight, const std::vector<double>& value) {
  for (std::size_t i = 0; i < sum.size(); ++i) sum[i] += weight * value[i];
}
inline void divide(double& value, double by) { value /= by; }
inline void divide(std::vector<double>& value, double by) {
  for (double& v : value) v /= by;
}
// One Romberg step: the combination of A(h/2) (fine) and A(h) (coarse) whose h^e terms cancel,
// where factor = 2^e.
inline double romberg(double fine, double coarse, double factor) {
  return (factor * fine - coarse) / (factor - 1);
}
inline std::vector<double> romberg(const std::vector<double>& fine,
                                   const std::vector<double>& coarse, double factor) {
  std::vector<double> result(fine.size());
  for (std::size_t i = 0; i < fine.size(); ++i) result[i] = romberg(fine[i], coarse[i], factor);
  return result;
}

// Romberg's table over the estimates at levels 0 .. levels (steps h, h/2, ...): column k of a
// row removes the error term h^(p + (k-1) q) from column k - 1. Only the last row is kept.
template <class Estimate>
auto extrapolate(Estimate& estimate_at_level, int levels, int first_exponent, int exponent_step) {
  using Value = std::decay_t<decltype(estimate_at_level(0))>;
  std::vector<Value> row{estimate_at_level(0)};
  for (int level = 1; level <= levels; ++level) {
    std::vector<Value> next{estimate_at_level(level)};
    next.reserve(static_cast<std::size_t>(level) + 1);
    for (int k = 1; k <= level; ++k) {
      const double factor = std::ldexp(1.0, first_exponent + (k - 1) * exponent_step);
      const auto column = static_cast<std::size_t>(k);
      next.push_back(romberg(next[column - 1], row[column - 1], factor));
    }
    row = std::move(next);
  }
  return row.back();
}

// The derivative of order d of t -> sample(t) at t = x, from the stencil the options name, with
// Richardson extrapolation. `center`, f at x itself, is evaluated on first use and kept, so the
// caller can share it between coordinates.
template <class Value, class Sample>
Value stencil_derivative(Sample& sample, std::optional<Value>& center, double x, int d,
                         const Options& options);

}  // namespace detail

// The step a driver uses for the d-th derivative (d = 1 or 2) in the coordinate whose value is
// x: options.step when it is positive; otherwise eps^(1 / (p + d)) max(|x|, 1), with p the
// effective accuracy order (the stencil's plus q per Richardson level), rounded to the distance
// fl(x + h) - x. Throws nabla::ArgumentError for invalid options.
inline double step_size(double x, int derivative_order, const Options& options) {
  detail::check_options(options, derivative_order);
  if (options.step > 0) {
    // A step below half an ulp of x samples f at x itself: the difference would be 0, silently.
    if (x + options.step == x || x - options.step == x) {
      throw ArgumentError("nabla::numeric: the step " + detail::format_number(options.step) +
                          " is too small to move x = " + detail::format_number(x));
    }
    return options.step;
  }
  // The balance h ~ eps^(1/(p+d)) assumes the error constant of order p stays moderate; with
  // many Richardson levels p grows past what that holds for, and h would approach |x| itself
  // (0.29 max(|x|, 1) for accuracy 8 with 10 levels), sampling far from x. Capped at p = 10
  // (h ~ 0.04 max(|x|, 1) for first derivatives), the extra levels still add accuracy.
  const int order = std::min(
      10, options.accuracy + options.richardson * detail::error_exponent_step(options.scheme));
  const double eps = std::numeric_limits<double>::epsilon();
  const double h = std::pow(eps, 1.0 / (order + derivative_order)) * std::max(std::abs(x), 1.0);
  return detail::representable_step(x, h);
}

namespace detail {

template <class Value, class Sample>
Value stencil_derivative(Sample& sample, std::optional<Value>& center, double x, int d,
                         const Options& options) {
  const Stencil& stencil = cached_stencil(options.scheme, d, options.accuracy);
  const double h = step_size(x, d, options);
  const bool automatic = options.step == 0;
  auto estimate_at_level = [&](int level) {
    const double step = level_step(x, h, level, automatic);
    std::optional<Value> sum;
    for (std::size_t k = 0; k < stencil.offsets.size(); ++k) {
      const int offset = stencil.offsets[k];
      if (offset == 0 && !center) center = sample(x);
      // The sum starts from zero and adds w_k f_k in stencil order, so the two-point forward
      // difference is fl(f(x + h) - f(x)) / h, exactly as seed 004 computes it.
      if (offset == 0) {
        if (!sum) sum = zero_like(*center);
        add_scaled(*sum, stencil.weights[k], *center);
      } else {
        const Value value = sample(x + offset * step);
        if (!sum) sum = zero_like(value);
        add_scaled(*sum, stencil.weights[k], value);
      }
    }
    divide(*sum, d == 1 ? step : step * step);
    return std::move(*sum);
  };
  return extrapolate(estimate_at_level, options.richardson, options.accuracy,
                     error_exponent_step(options.scheme));
}

// f at `point`, for a function returning one scalar.
template <class X, class F>
double evaluate_scalar(F& f, const std::vector<double>& point) {
  using Result = std::remove_cvref_t<decltype(nabla::invoke_at<X, double>(f, point))>;
  static_assert(std::is_convertible_v<const Result&, double>,
                "nabla::numeric: gradient, hessian and gradcheck need a function returning one "
                "scalar; use jacobian for a vector-valued function");
  return static_cast<double>(nabla::invoke_at<X, double>(f, point));
}

// f at `point`, every output, for a function returning a scalar or a vector of them.
template <class X, class F>
std::vector<double> evaluate_outputs(F& f, const std::vector<double>& point) {
  decltype(auto) result = nabla::invoke_at<X, double>(f, point);
  std::vector<double> outputs(nabla::output_count<double>(result));
  for (std::size_t i = 0; i < outputs.size(); ++i) outputs[i] = nabla::output_at<double>(result, i);
  return outputs;
}

template <class X, class F>
std::vector<double> gradient_values(F& f, std::vector<double> point, const Options& options) {
  check_options(options, 1);
  std::optional<double> center;
  std::vector<double> gradient(point.size());
  for (std::size_t i = 0; i < point.size(); ++i) {
    const double xi = point[i];
    auto sample = [&](double t) {
      point[i] = t;
      const double value = evaluate_scalar<X>(f, point);
      point[i] = xi;
      return value;
    };
    gradient[i] = stencil_derivative(sample, center, xi, 1, options);
  }
  return gradient;
}

template <class X, class F>
Eigen::MatrixXd jacobian_matrix(F& f, std::vector<double> point, const Options& options) {
  check_options(options, 1);
  std::optional<std::vector<double>> center = evaluate_outputs<X>(f, point);
  const std::size_t outputs = center->size();
  Eigen::MatrixXd jacobian(static_cast<Eigen::Index>(outputs),
                           static_cast<Eigen::Index>(point.size()));
  for (std::size_t i = 0; i < point.size(); ++i) {
    const double xi = point[i];
    auto sample = [&](double t) {
      point[i] = t;
      std::vector<double> values = evaluate_outputs<X>(f, point);
      point[i] = xi;
      if (values.size() != outputs) {
        throw ArgumentError("nabla::numeric::jacobian: the function returned " +
                            std::to_string(outputs) + " outputs at the point but " +
                            std::to_string(values.size()) + " when input " + std::to_string(i) +
                            " moved to " + format_number(t));
      }
      return values;
    };
    const std::vector<double> column = stencil_derivative(sample, center, xi, 1, options);
    for (std::size_t r = 0; r < outputs; ++r) {
      jacobian(static_cast<Eigen::Index>(r), static_cast<Eigen::Index>(i)) = column[r];
    }
  }
  return jacobian;
}

// The diagonal comes from the second-derivative stencil in one coordinate. An off-diagonal entry
// differences in two coordinates at once: the tensor product of two first-derivative stencils,
//
//   H_ij ~= (1 / (h_i h_j)) sum_a sum_b w_a w_b f(x + o_a h_i e_i + o_b h_j e_j),
//
// whose error is O(h_i^p + h_j^p), the same order as the diagonal's. Both use the
// second-derivative step (rounding is divided by h_i h_j). Only i < j is computed and mirrored,
// so the result is exactly symmetric.
template <class X, class F>
Eigen::MatrixXd hessian_matrix(F& f, std::vector<double> point, const Options& options) {
  check_options(options, 2);
  const std::size_t n = point.size();
  const auto at = [](std::size_t i) { return static_cast<Eigen::Index>(i); };
  Eigen::MatrixXd hessian(at(n), at(n));
  if (n == 0) return hessian;
  std::optional<double> center = evaluate_scalar<X>(f, point);
  std::vector<double> steps(n);
  for (std::size_t i = 0; i < n; ++i) steps[i] = step_size(point[i], 2, options);

  for (std::size_t i = 0; i < n; ++i) {
    const double xi = point[i];
    auto sample = [&](double t) {
      point[i] = t;
      const double value = evaluate_scalar<X>(f, point);
      point[i] = xi;
      return value;
    };
    hessian(at(i), at(i)) = stencil_derivative(sample, center, xi, 2, options);
  }

  const Stencil& stencil = cached_stencil(options.scheme, 1, options.accuracy);
  const bool automatic = options.step == 0;
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t j = i + 1; j < n; ++j) {
      const double xi = point[i];
      const double xj = point[j];
      auto estimate_at_level = [&](int level) {
        const double hi = level_step(xi, steps[i], level, automatic);
        const double hj = level_step(xj, steps[j], level, automatic);
        double sum = 0;
        for (std::size_t a = 0; a < stencil.offsets.size(); ++a) {
          for (std::size_t b = 0; b < stencil.offsets.size(); ++b) {
            double value = *center;
            if (stencil.offsets[a] != 0 || stencil.offsets[b] != 0) {
              point[i] = xi + stencil.offsets[a] * hi;
              point[j] = xj + stencil.offsets[b] * hj;
              value = evaluate_scalar<X>(f, point);
              point[i] = xi;
              point[j] = xj;
            }
            sum += stencil.weights[a] * stencil.weights[b] * value;
          }
        }
        return sum / (hi * hj);
      };
      const double entry = extrapolate(estimate_at_level, options.richardson, options.accuracy,
                                       error_exponent_step(options.scheme));
      hessian(at(i), at(j)) = entry;
      hessian(at(j), at(i)) = entry;
    }
  }
  return hessian;
}

}  // namespace detail

// f'(x) for f: double -> double (or any callable taking a double and returning a scalar).
template <class F>
double derivative(F&& f, double x, const Options& options = {}) {
  detail::check_options(options, 1);
  auto sample = [&](double t) { return static_cast<double>(f(t)); };
  std::optional<double> center;
  return detail::stencil_derivative(sample, center, x, 1, options);
}

// f''(x) for f: double -> double.
template <class F>
double second_derivative(F&& f, double x, const Options& options = {}) {
  detail::check_options(options, 2);
  auto sample = [&](double t) { return static_cast<double>(f(t)); };
  std::optional<double> center;
  return detail::stencil_derivative(sample, center, x, 2, options);
}

// The gradient of a scalar f at x (std::vector, std::array, std::span or Eigen vector of
// doubles); f is called in any form nabla::invoke_at accepts. Returns an Eigen vector for an
// Eigen x, a std::vector<double> otherwise. Throws nabla::ArgumentError when f takes separate
// scalars and x has a different number of entries.
template <class F, class X>
requires nabla::detail::IndexableVector<X>
auto gradient(F&& f, const X& x, const Options& options = {}) {
  return nabla::shaped_like(x, detail::gradient_values<X>(f, nabla::to_values(x), options));
}

template <class F>
std::vector<double> gradient(F&& f, std::initializer_list<double> x, const Options& options = {}) {
  return detail::gradient_values<std::vector<double>>(f, std::vector<double>(x), options);
}

// The Jacobian of f at x: one row per output, one column per input. f may return one scalar
// (one row) or a vector of them (std::vector, std::array, Eigen vector).
template <class F, class X>
requires nabla::detail::IndexableVector<X> Eigen::MatrixXd jacobian(F&& f, const X& x,
                                                                    const Options& options = {}) {
  return detail::jacobian_matrix<X>(f, nabla::to_values(x), options);
}

template <class F>
Eigen::MatrixXd jacobian(F&& f, std::initializer_list<double> x, const Options& options = {}) {
  return detail::jacobian_matrix<std::vector<double>>(f, std::vector<double>(x), options);
}

// The Hessian of a scalar f at x, exactly symmetric (see detail::hessian_matrix for the
// stencils).
template <class F, class X>
requires nabla::detail::IndexableVector<X> Eigen::MatrixXd hessian(F&& f, const X& x,
                                                                   const Options& options = {}) {
  return detail::hessian_matrix<X>(f, nabla::to_values(x), options);
}

template <class F>
Eigen::MatrixXd hessian(F&& f, std::initializer_list<double> x, const Options& options = {}) {
  return detail::hessian_matrix<std::vector<double>>(f, std::vector<double>(x), options);
}

}  // namespace nabla::numeric
