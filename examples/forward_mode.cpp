// Forward mode in a page: dual numbers by hand, then the drivers on one generic function.
#include <iostream>
#include <nabla/nabla.hpp>
#include <vector>

// Written once, generic over the scalar type: runs on double, Dual, Taylor, ...
template <class T>
T f(T x, T y) {
  return x * x * y + y + 2;
}

int main() {
  using nabla::Dual;
  // Seed 004's dual numbers: (3 + 4ε)(5 + 7ε) = 15 + 41ε.
  std::cout << Dual<double>(3, 4) * Dual<double>(5, 7) << '\n';

  // ∂f/∂x at (3, 4): seed x with tangent 1.
  std::cout << "df/dx = " << f(Dual<double>(3, 1), Dual<double>(4)).tangent() << '\n';

  auto g = [](auto x, auto y) { return f(x, y); };
  const auto gradient = nabla::forward::gradient(g, {3.0, 4.0});
  std::cout << "gradient = (" << gradient[0] << ", " << gradient[1] << ")\n";
  std::cout << "Hessian =\n" << nabla::forward::hessian(g, {3.0, 4.0}) << '\n';

  // Every derivative of a one-variable function from one Taylor pass.
  const auto d = nabla::forward::derivatives<4>([](auto x) { return exp(sin(x)); }, 0.0);
  std::cout << "exp(sin x) at 0: f = " << d[0] << ", f' = " << d[1] << ", f'' = " << d[2]
            << ", f''' = " << d[3] << ", f'''' = " << d[4] << '\n';
}
