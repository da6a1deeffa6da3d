// Special functions that derivative rules need but <cmath> lacks.
//
// d/dx lgamma(x) = digamma(x) = polygamma(0, x), and each polygamma's derivative is the next one,
// so tgamma and lgamma are differentiable to any order once polygamma(n, x) exists.
#pragma once

namespace nabla {

// The polygamma function: the (n+1)-th derivative of log Γ(x), for n >= 0.
// IEEE conventions at the poles x = 0, -1, -2, ...: +inf for odd n (where the function goes to
// +inf from both sides), nan for even n (where the sign flips). nan for n < 0 or nan x.
// Accurate to a few ulps for n <= 10, for negative x through the reflection formula.
double polygamma(int n, double x) noexcept;

inline double digamma(double x) noexcept { return polygamma(0, x); }
inline double trigamma(double x) noexcept { return polygamma(1, x); }

}  // namespace nabla
