// A program that knows nabla only through find_package(nabla).
#include <cmath>
#include <iostream>
#include <nabla/nabla.hpp>

int main() {
  auto f = [](auto x, auto y) { return x * x * y + y + 2; };
  auto g = nabla::forward::gradient(f, std::vector<double>{3, 4});
  std::cout << "gradient " << g[0] << ' ' << g[1] << '\n';
  // Finite differences use the compiled part of the library (the stencil weights).
  auto n = nabla::numeric::gradient(f, {3.0, 4.0}, {.accuracy = 6});
  std::cout << "numeric " << std::round(n[0] * 1e6) / 1e6 << ' ' << std::round(n[1] * 1e6) / 1e6
            << '\n';
  return 0;
}
