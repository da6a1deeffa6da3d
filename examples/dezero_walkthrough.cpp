// The DeZero walk-through of seeds 001 and 002, on nabla's tensor autograd.
//
// Seed 001 (DeZero step 7): y = (e^{x²})² at x = 0.5, first by walking the graph by hand, then
// by backward(). Seed 002 (steps 11-14 and appendix A): functions of several inputs, a variable
// used twice, cleargrad, and the in-place trap. Each number printed is the notebook's.
#include <iomanip>
#include <iostream>

#include "nabla/tensor/variable.hpp"

using nabla::Tensor;
using nabla::Variable;

int main() {
  std::cout << std::setprecision(16);

  std::cout << "-- seed 001: y = square(exp(square(x))) at x = 0.5\n";
  {
    Variable x(Tensor(0.5), "x");
    Variable a = square(x);
    Variable b = exp(a);
    Variable y = square(b);
    // Backwards along the graph, as the notebook does: each creator, its input, its creator...
    std::cout << "y.creator = " << y.creator()->name()
              << ", its input's creator = " << y.creator()->input(0).creator()->name()
              << ", and before it = " << a.creator()->name() << "\n";
    y.backward();
    std::cout << "x.grad = " << x.grad().item() << "   (notebook: 3.297442541400256)\n";
  }

  std::cout << "\n-- seed 002: a variable used more than once\n";
  {
    Variable x(Tensor(3.0));
    Variable y = add(x, x);
    std::cout << "y = " << y.item() << "\n";
    y.backward();
    std::cout << "add(x, x): x.grad = " << x.grad().item() << "   (2)\n";

    Variable x2(Tensor(3.0));
    Variable y2 = add(add(x2, x2), x2);
    y2.backward();
    std::cout << "add(add(x, x), x): x.grad = " << x2.grad().item() << "   (3)\n";
  }

  std::cout << "\n-- seed 002: reusing x without and with cleargrad\n";
  {
    Variable x(Tensor(3.0));
    Variable y = add(x, x);
    y.backward();
    std::cout << "first computation: x.grad = " << x.grad().item() << "   (2)\n";
    y = add(add(x, x), x);
    y.backward();
    std::cout << "second, without cleargrad: x.grad = " << x.grad().item()
              << "   (5: the gradients add up)\n";
    x.cleargrad();
    y = add(add(x, x), x);
    y.backward();
    std::cout << "second, after cleargrad: x.grad = " << x.grad().item() << "   (3)\n";
  }

  std::cout << "\n-- seed 002, appendix A: gradients accumulate out of place\n";
  {
    Variable x(Tensor(3.0));
    Variable y = add(x, x);
    y.backward();
    std::cout << "y.grad = " << y.grad().item() << ", x.grad = " << x.grad().item()
              << "   (1 and 2; with x.grad += gx both would print 2)\n";
    std::cout << "they share storage: " << std::boolalpha
              << x.grad().data().shares_storage(y.grad().data()) << "\n";
  }

  std::cout << "\n-- the graph of seed 001, as Graphviz DOT\n";
  {
    Variable x(Tensor(0.5), "x");
    Variable y = square(exp(square(x)));
    y.set_name("y");
    std::cout << nabla::to_dot(y);
  }
  return 0;
}
