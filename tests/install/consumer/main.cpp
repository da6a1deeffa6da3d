// A program that knows nabla only through find_package(nabla).
#include <iostream>
#include <nabla/nabla.hpp>

int main() {
  auto f = [](auto x, auto y) { return x * x * y + y + 2; };
  auto g = nabla::forward::gradient(f, std::vector<double>{3, 4});
  std::cout << "gradient " << g[0] << ' ' << g[1] << '\n';
  return 0;
}
