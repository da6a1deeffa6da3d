// Finite differences done properly, and gradcheck for checking a hand-written gradient.
#include <cmath>
#include <iostream>
#include <nabla/nabla.hpp>
#include <vector>

int main() {
  namespace numeric = nabla::numeric;
  auto f = [](auto x, auto y) { return x * x * y + y + 2; };

  // Seed 004's approximation: forward difference, h = 1e-4 -> 24.0004, 10.
  const auto seed = numeric::gradient(
      f, {3.0, 4.0}, {.scheme = numeric::Difference::forward, .accuracy = 1, .step = 1e-4});
  std::cout << "seed's forward difference: " << seed[0] << ", " << seed[1] << '\n';

  // Central differences of order 6 with the automatic step: accurate to ~1e-12.
  const auto central = numeric::gradient(f, {3.0, 4.0}, {.accuracy = 6});
  std::cout << "central, order 6: " << central[0] << ", " << central[1] << '\n';

  // A hand-written gradient with a deliberate mistake in its second entry.
  auto claimed = [](const std::vector<double>& p) {
    return std::vector<double>{2 * p[0] * p[1], p[0] * p[0]};  // forgot the + 1
  };
  std::cout << numeric::gradcheck(f, std::vector<double>{3, 4}, claimed) << '\n';
}
