// Newton's method with second derivatives from double backward (DeZero step 33).
//
// f(x) = x^4 - 2x^2 has minima at x = ±1. From x = 2, each step is x <- x - f'(x) / f''(x):
// backward with create_graph records f'(x) as a graph of its own, and a second backward through
// that graph gives f''(x). DeZero prints 2, 1.4545..., 1.1510..., ... and reaches 1 at step 7.
#include <iomanip>
#include <iostream>

#include "nabla/tensor/variable.hpp"

using nabla::Tensor;
using nabla::Variable;

int main() {
  auto f = [](const Variable& x) { return pow(x, 4) - 2 * pow(x, 2); };
  Variable x(Tensor(2.0), "x");
  std::cout << std::setprecision(17);
  for (int step = 0; step < 10; ++step) {
    std::cout << step << "  x = " << x.item() << "\n";
    const Variable y = f(x);
    x.cleargrad();
    y.backward({.create_graph = true});
    const Variable first = x.grad();  // f'(x), itself differentiable
    x.cleargrad();
    first.backward();
    const Variable second = x.grad();  // f''(x)
    x.set_data(x.data() - first.data() / second.data());
  }
}
