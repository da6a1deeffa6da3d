// Finite-difference stencils: which points to sample, and how to weigh them.
//
// Taylor's theorem says that sampling f at x + o_i h for a few offsets o_i gives
//
//   f(x + o_i h) = sum_k f^(k)(x) (o_i h)^k / k!
//
// so a weighted sum  sum_i w_i f(x + o_i h)  equals  sum_k f^(k)(x) h^k (sum_i w_i o_i^k) / k!.
// To read off the d-th derivative, choose the weights so that the moments sum_i w_i o_i^k are
// 0 for every k except k = d, where the moment is d!. n weights can satisfy that for k = 0 ..
// n-1; the first moment left unmatched, k = n, leaves an error term of size h^(n-d):
//
//   f^(d)(x) = (1/h^d) sum_i w_i f(x + o_i h) + O(h^p),   the *accuracy order* p = n - d,
//
// one more when symmetric offsets make moment n vanish as well.
//
// Fornberg's algorithm (Math. Comp. 51, 1988) solves those moment equations for any distinct
// offsets and every derivative order at once, with a recurrence over the points in O(n^2 d)
// work, instead of inverting a Vandermonde matrix (which is notoriously ill-conditioned).
//
// make_stencil() picks the offsets for the schemes people use:
//
//   central,  accuracy p (even):  offsets -p/2 .. p/2 (symmetric: the error goes in h^2 steps)
//   forward,  accuracy p:         0 .. p      (first derivative),  0 .. p+1  (second)
//   backward, accuracy p:         mirrored forward offsets, -p .. 0 or -(p+1) .. 0
//
// and drops offsets whose weight is zero (the centre of a central first derivative), so a
// stencil lists exactly the function evaluations it needs.
#pragma once

#include <span>
#include <string_view>
#include <vector>

namespace nabla::numeric {

// Where the samples lie relative to x: both sides, ahead (x, x+h, ...), or behind.
enum class Difference { forward, backward, central };

// "forward", "backward" or "central".
std::string_view to_string(Difference scheme);

// Weights w_i such that f^(d)(x) ~= (1/h^d) sum_i w_i f(x + offsets_i h), for any distinct finite
// offsets (not necessarily integers, not necessarily sorted), by Fornberg's algorithm. Needs
// derivative_order >= 0 and at least derivative_order + 1 offsets; throws nabla::ArgumentError
// otherwise, or when two offsets coincide.
std::vector<double> finite_difference_weights(int derivative_order,
                                              std::span<const double> offsets);

// A ready-made stencil: offsets in units of the step h, and the matching weights (both without
// the zero-weight entries), for the given derivative order and accuracy order.
struct Stencil {
  Difference scheme;
  int derivative_order;
  int accuracy_order;
  std::vector<int> offsets;
  std::vector<double> weights;
};

// The stencil for derivative order 1 or 2 at the given accuracy: central 2, 4, 6 or 8;
// forward and backward 1 to 6. Throws nabla::ArgumentError naming the scheme and the order for
// any other combination. The weights are computed once (in extended precision, then rounded)
// and cached.
Stencil make_stencil(Difference scheme, int derivative_order, int accuracy_order);

// The same stencil, by reference into the cache: what the drivers use in their inner loops.
// The reference stays valid for the life of the program.
const Stencil& cached_stencil(Difference scheme, int derivative_order, int accuracy_order);

}  // namespace nabla::numeric
