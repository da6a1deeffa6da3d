#include "nabla/numeric/stencil.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <limits>
#include <string>

#include "nabla/core/arguments.hpp"

namespace nabla::numeric {

namespace {

// Fornberg's recurrence (B. Fornberg, "Calculation of weights in finite difference formulas",
// SIAM Review 40, 1998), expanding about 0. After point i has been added, c[j][k] holds the
// weight of point j in the k-th derivative formula that uses points 0 .. i: adding a point
// updates the old weights by one division each (the factor (o_i - o_j) its Lagrange polynomial
// gains) and gives the new point its weight from the previous last one. Real is double for the
// public function and long double for the cached stencils.
template <class Real>
std::vector<Real> fornberg(int derivative_order, const std::vector<Real>& offsets) {
  const std::size_t n = offsets.size();
  const auto m = static_cast<std::size_t>(derivative_order);
  std::vector<std::vector<Real>> c(n, std::vector<Real>(m + 1, Real(0)));
  c[0][0] = 1;
  Real c1 = 1;
  Real c4 = offsets[0];
  for (std::size_t i = 1; i < n; ++i) {
    const std::size_t top = std::min(i, m);
    Real c2 = 1;
    const Real c5 = c4;
    c4 = offsets[i];
    for (std::size_t j = 0; j < i; ++j) {
      const Real c3 = offsets[i] - offsets[j];
      c2 *= c3;
      if (j == i - 1) {
        for (std::size_t k = top; k >= 1; --k) {
          c[i][k] = c1 * (static_cast<Real>(k) * c[i - 1][k - 1] - c5 * c[i - 1][k]) / c2;
        }
        c[i][0] = -c1 * c5 * c[i - 1][0] / c2;
      }
      for (std::size_t k = top; k >= 1; --k) {
        c[j][k] = (c4 * c[j][k] - static_cast<Real>(k) * c[j][k - 1]) / c3;
      }
      c[j][0] = c4 * c[j][0] / c3;
    }
    c1 = c2;
  }
  std::vector<Real> weights(n);
  for (std::size_t i = 0; i < n; ++i) weights[i] = c[i][m];
  return weights;
}

constexpr int kDerivativeOrders = 2;
constexpr int kMaxCentralAccuracy = 8;
constexpr int kMaxOneSidedAccuracy = 6;

bool supported(Difference scheme, int accuracy_order) {
  if (scheme == Difference::central) {
    return accuracy_order >= 2 && accuracy_order <= kMaxCentralAccuracy && accuracy_order % 2 == 0;
  }
  return accuracy_order >= 1 && accuracy_order <= kMaxOneSidedAccuracy;
}

void check_stencil_request(Difference scheme, int derivative_order, int accuracy_order) {
  if (scheme != Difference::central && scheme != Difference::forward &&
      scheme != Difference::backward) {
    throw ArgumentError("nabla::numeric: unknown difference scheme " +
                        std::to_string(static_cast<int>(scheme)));
  }
  const std::string name(to_string(scheme));
  if (derivative_order < 1 || derivative_order > kDerivativeOrders) {
    throw ArgumentError("nabla::numeric: no " + name + " stencil for derivative order " +
                        std::to_string(derivative_order) +
                        ": only derivative orders 1 and 2 are supported");
  }
  if (!supported(scheme, accuracy_order)) {
    const std::string allowed = scheme == Difference::central
                                    ? "the even orders 2, 4, 6 and 8"
                                    : "orders 1 to " + std::to_string(kMaxOneSidedAccuracy);
    throw ArgumentError("nabla::numeric: no " + name + " stencil of accuracy order " +
                        std::to_string(accuracy_order) + ": " + name +
                        " differences have accuracy " + allowed);
  }
}

// The integer offsets of a scheme (see the header): p + 1 points for a first derivative, p + 2
// for a second (one-sided), p + 1 for a second central (symmetry gives the extra order).
std::vector<int> scheme_offsets(Difference scheme, int derivative_order, int accuracy_order) {
  std::vector<int> offsets;
  if (scheme == Difference::central) {
    for (int o = -accuracy_order / 2; o <= accuracy_order / 2; ++o) offsets.push_back(o);
  } else {
    const int last = accuracy_order + derivative_order - 1;
    const int sign = scheme == Difference::forward ? 1 : -1;
    for (int o = 0; o <= last; ++o) offsets.push_back(sign * o);
  }
  return offsets;
}

Stencil build_stencil(Difference scheme, int derivative_order, int accuracy_order) {
  const std::vector<int> all_offsets = scheme_offsets(scheme, derivative_order, accuracy_order);
  std::vector<long double> points(all_offsets.begin(), all_offsets.end());
  std::vector<long double> weights = fornberg<long double>(derivative_order, points);

  // A central stencil's weights are exactly (anti)symmetric: even derivatives weigh o and -o
  // alike, odd ones with opposite signs. Enforce it, so rounding leaves no stray centre weight.
  if (scheme == Difference::central) {
    const std::size_t n = weights.size();
    const long double parity = derivative_order % 2 == 0 ? 1.0L : -1.0L;
    for (std::size_t i = 0; i < n / 2; ++i) {
      const long double w = (weights[n - 1 - i] + parity * weights[i]) / 2;
      weights[n - 1 - i] = w;
      weights[i] = parity * w;
    }
    if (derivative_order % 2 == 1) weights[n / 2] = 0;
  }

  Stencil stencil{scheme, derivative_order, accuracy_order, {}, {}};
  for (std::size_t i = 0; i < weights.size(); ++i) {
    const auto w = static_cast<double>(weights[i]);
    if (w == 0) continue;
    stencil.offsets.push_back(all_offsets[i]);
    stencil.weights.push_back(w);
  }
  return stencil;
}

// Every supported stencil, built once on first use (thread-safe as a function-local static).
// Indexed by [scheme][derivative order - 1][accuracy order].
using StencilTable =
    std::array<std::array<std::array<Stencil, kMaxCentralAccuracy + 1>, kDerivativeOrders>, 3>;

const StencilTable& stencil_table() {
  static const StencilTable table = [] {
    StencilTable t{};
    for (Difference scheme : {Difference::forward, Difference::backward, Difference::central}) {
      for (int d = 1; d <= kDerivativeOrders; ++d) {
        for (int p = 0; p <= kMaxCentralAccuracy; ++p) {
          if (supported(scheme, p)) {
            t[static_cast<std::size_t>(scheme)][static_cast<std::size_t>(d - 1)]
             [static_cast<std::size_t>(p)] = build_stencil(scheme, d, p);
          }
        }
      }
    }
    return t;
  }();
  return table;
}

}  // namespace

std::string_view to_string(Difference scheme) {
  switch (scheme) {
    case Difference::forward:
      return "forward";
    case Difference::backward:
      return "backward";
    case Difference::central:
      return "central";
  }
  return "unknown";
}

std::vector<double> finite_difference_weights(int derivative_order,
                                              std::span<const double> offsets) {
  if (derivative_order < 0) {
    throw ArgumentError("nabla::numeric::finite_difference_weights: derivative order " +
                        std::to_string(derivative_order) + " is negative");
  }
  if (offsets.size() < static_cast<std::size_t>(derivative_order) + 1) {
    throw ArgumentError("nabla::numeric::finite_difference_weights: derivative order " +
                        std::to_string(derivative_order) + " needs at least " +
                        std::to_string(derivative_order + 1) + " offsets, got " +
                        std::to_string(offsets.size()));
  }
  for (std::size_t i = 0; i < offsets.size(); ++i) {
    if (!std::isfinite(offsets[i])) {
      throw ArgumentError("nabla::numeric::finite_difference_weights: offset " + std::to_string(i) +
                          " is " + std::to_string(offsets[i]));
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (offsets[i] == offsets[j]) {
        throw ArgumentError("nabla::numeric::finite_difference_weights: offsets " +
                            std::to_string(j) + " and " + std::to_string(i) + " are both " +
                            std::to_string(offsets[i]));
      }
    }
  }
  return fornberg<double>(derivative_order, std::vector<double>(offsets.begin(), offsets.end()));
}

const Stencil& cached_stencil(Difference scheme, int derivative_order, int accuracy_order) {
  check_stencil_request(scheme, derivative_order, accuracy_order);
  return stencil_table()[static_cast<std::size_t>(scheme)][static_cast<std::size_t>(
      derivative_order - 1)][static_cast<std::size_t>(accuracy_order)];
}

Stencil make_stencil(Difference scheme, int derivative_order, int accuracy_order) {
  return cached_stencil(scheme, derivative_order, accuracy_order);
}

}  // namespace nabla::numeric
