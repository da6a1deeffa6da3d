// gradcheck: is a claimed gradient right? Compare it with finite differences.
//
// Every hand-written or generated derivative should be checked against a method that cannot
// share its bugs. Finite differences only evaluate f, so they are that method. The reference is
// a high-order central difference (accuracy 6 by default, step eps^(1/7) max(|x_i|, 1) ~ 6e-3),
// whose error is about eps^(6/7) ~ 3e-14 times the scale of f (see finite_difference.hpp).
//
// Input i is judged by its relative error
//
//   error_i = |claimed_i - numeric_i| / max(|claimed_i|, |numeric_i|, floor),
//   floor   = 1e-6 max(1, |f(x)|),
//
// so a gradient twice too large fails however small it is. Only derivatives smaller than the
// floor are compared absolutely at that scale: a derivative that should be 0 cannot meet a
// relative standard, and the reference's own error grows with |f| (its rounding error is about
// eps |f| / h), so the floor does too. The check passes when every error_i is at most the
// tolerance, 1e-6 by default: far above the reference's own error, far below the size of a real
// mistake.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <initializer_list>
#include <iomanip>
#include <ios>
#include <ostream>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/arguments.hpp"
#include "nabla/numeric/finite_difference.hpp"

namespace nabla::numeric {

struct GradcheckOptions {
  // How the numeric reference is computed.
  Options reference{.scheme = Difference::central, .accuracy = 6};
  // The largest error_i that passes.
  double tolerance = 1e-6;
};

struct GradcheckReport {
  std::vector<double> numeric;  // the finite-difference reference, per input
  std::vector<double> claimed;  // the gradient under test, per input
  std::vector<double> error;    // relative error per input (see above)
  std::size_t worst_input;      // the index of the largest error (0 when there are no inputs)
  double worst_error;           // that error (NaN if any error is NaN)
  double tolerance;
  bool passed;  // worst_error <= tolerance
};

// A table with one row per input, the failing ones marked, under a one-line verdict.
inline std::ostream& operator<<(std::ostream& out, const GradcheckReport& report) {
  std::ios saved(nullptr);
  saved.copyfmt(out);
  out << "gradcheck " << (report.passed ? "passed" : "FAILED") << ": worst error "
      << std::setprecision(3) << report.worst_error << " at input " << report.worst_input
      << ", tolerance " << report.tolerance << '\n';
  out << std::setw(7) << "input" << std::setw(24) << "claimed" << std::setw(24) << "numeric"
      << std::setw(12) << "error" << '\n';
  for (std::size_t i = 0; i < report.error.size(); ++i) {
    const bool fails = !(report.error[i] <= report.tolerance);
    out << std::setw(7) << i << std::setprecision(16) << std::setw(24) << report.claimed[i]
        << std::setw(24) << report.numeric[i] << std::setprecision(3) << std::setw(12)
        << report.error[i] << (fails ? "  <- wrong" : "") << '\n';
  }
  out.copyfmt(saved);
  return out;
}

namespace detail {

template <class X, class F>
GradcheckReport gradcheck_values(F& f, std::vector<double> point, std::vector<double> claimed,
                                 const GradcheckOptions& options) {
  if (claimed.size() != point.size()) {
    throw ArgumentError("nabla::numeric::gradcheck: the claimed gradient has " +
                        std::to_string(claimed.size()) + " entries but the point has " +
                        std::to_string(point.size()));
  }
  if (!(options.tolerance >= 0)) {
    throw ArgumentError("nabla::numeric::gradcheck: the tolerance must be >= 0, got " +
                        format_number(options.tolerance));
  }
  const double floor = 1e-6 * std::max(1.0, std::abs(evaluate_scalar<X>(f, point)));
  GradcheckReport report{gradient_values<X>(f, std::move(point), options.reference),
                         std::move(claimed),
                         {},
                         0,
                         0.0,
                         options.tolerance,
                         false};
  report.error.resize(report.numeric.size());
  for (std::size_t i = 0; i < report.error.size(); ++i) {
    const double numeric = report.numeric[i];
    const double scale = std::max({std::abs(report.claimed[i]), std::abs(numeric), floor});
    report.error[i] = std::abs(report.claimed[i] - numeric) / scale;
    // NaN beats everything: a gradient that is NaN somewhere is as wrong as can be.
    const bool worse = std::isnan(report.error[i]) ? !std::isnan(report.worst_error)
                                                   : report.error[i] > report.worst_error;
    if (worse) {
      report.worst_input = i;
      report.worst_error = report.error[i];
    }
  }
  report.passed = report.worst_error <= report.tolerance;
  return report;
}

template <class X, class Claimed>
std::vector<double> claimed_at(Claimed& claimed, const X& x) {
  if constexpr (nabla::detail::IndexableVector<std::remove_cvref_t<Claimed>>) {
    (void)x;
    return nabla::to_values(claimed);
  } else {
    static_assert(std::is_invocable_v<Claimed&, const X&>,
                  "nabla::numeric::gradcheck: the claimed gradient must be a vector of numbers or "
                  "a callable taking the point");
    return nabla::to_values(claimed(x));
  }
}

}  // namespace detail

// Checks `claimed`, the gradient of the scalar f at x, against finite differences. x is any
// point gradient() accepts; claimed is a vector of numbers (std::vector, Eigen vector, ...) or a
// callable returning one, called as claimed(x). Throws nabla::ArgumentError when claimed and x
// have different sizes.
template <class F, class X, class Claimed>
requires nabla::detail::IndexableVector<X> GradcheckReport
gradcheck(F&& f, const X& x, Claimed&& claimed, const GradcheckOptions& options = {}) {
  return detail::gradcheck_values<X>(f, nabla::to_values(x), detail::claimed_at(claimed, x),
                                     options);
}

template <class F, class Claimed>
GradcheckReport gradcheck(F&& f, std::initializer_list<double> x, Claimed&& claimed,
                          const GradcheckOptions& options = {}) {
  const std::vector<double> point(x);
  return detail::gradcheck_values<std::vector<double>>(f, point, detail::claimed_at(claimed, point),
                                                       options);
}

template <class F, class X>
requires nabla::detail::IndexableVector<X> GradcheckReport
gradcheck(F&& f, const X& x, std::initializer_list<double> claimed,
          const GradcheckOptions& options = {}) {
  return detail::gradcheck_values<X>(f, nabla::to_values(x), std::vector<double>(claimed), options);
}

template <class F>
GradcheckReport gradcheck(F&& f, std::initializer_list<double> x,
                          std::initializer_list<double> claimed,
                          const GradcheckOptions& options = {}) {
  return detail::gradcheck_values<std::vector<double>>(f, std::vector<double>(x),
                                                       std::vector<double>(claimed), options);
}

}  // namespace nabla::numeric
