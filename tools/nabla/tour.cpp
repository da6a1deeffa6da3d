#include "tour.hpp"

#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <span>
#include <sstream>
#include <string>
#include <vector>

#include "nabla/forward/drivers.hpp"
#include "nabla/numeric/finite_difference.hpp"
#include "nabla/reverse/drivers.hpp"
#include "nabla/symbolic/diff.hpp"
#include "nabla/symbolic/evaluate.hpp"
#include "nabla/symbolic/expr.hpp"
#include "nabla/tensor/variable.hpp"

namespace nabla::cli {
namespace {

// Seed 004: f(x, y) = x*x*y + y + 2 at (3, 4).
constexpr auto f = [](auto x, auto y) { return x * x * y + y + 2; };
const std::vector<double> kPoint{3, 4};
constexpr double kValue = 42;
const std::vector<double> kGradient{24, 10};
const Eigen::Matrix2d kHessian{{8, 6}, {6, 0}};

struct Row {
  std::string mode;
  std::string scalar;
  double value;
  std::vector<double> gradient;
  Eigen::MatrixXd hessian;
  double tolerance;  // the row fails above this: exact modes 1e-12, differences by their order

  double error() const {
    double e = std::abs(value - kValue);
    for (std::size_t i = 0; i < 2; ++i) e = std::max(e, std::abs(gradient[i] - kGradient[i]));
    return std::max(e, (hessian - kHessian).cwiseAbs().maxCoeff());
  }
};

std::string format(double v) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%.10g", v);
  return buffer;
}

std::string format_gradient(const std::vector<double>& g) {
  std::ostringstream out;
  out << '(' << format(g[0]) << ", " << format(g[1]) << ')';
  return out.str();
}

std::string format_hessian(const Eigen::MatrixXd& H) {
  std::ostringstream out;
  out << "[[" << format(H(0, 0)) << ", " << format(H(0, 1)) << "], [" << format(H(1, 0)) << ", "
      << format(H(1, 1)) << "]]";
  return out.str();
}

Row seed_forward_differences() {
  // The seed's own method: one-sided differences with h = 1e-4, nested for the Hessian.
  const numeric::Options seed{.scheme = numeric::Difference::forward, .accuracy = 1, .step = 1e-4};
  auto partial = [&](std::size_t i) {
    return [=](double x, double y) { return numeric::gradient(f, {x, y}, seed)[i]; };
  };
  Eigen::MatrixXd H(2, 2);
  for (std::size_t i = 0; i < 2; ++i) {
    const auto row = numeric::gradient(partial(i), kPoint, seed);
    H(static_cast<Eigen::Index>(i), 0) = row[0];
    H(static_cast<Eigen::Index>(i), 1) = row[1];
  }
  return {"finite differences, seed's h = 1e-4", "double", f(3.0, 4.0),
          numeric::gradient(f, kPoint, seed),    H,        1e-3};
}

Row central_differences() {
  const numeric::Options options{.scheme = numeric::Difference::central, .accuracy = 6};
  return {"central differences, order 6, auto h",
          "double",
          f(3.0, 4.0),
          numeric::gradient(f, kPoint, options),
          numeric::hessian(f, kPoint, options),
          1e-6};
}

Row richardson() {
  const numeric::Options options{
      .scheme = numeric::Difference::central, .accuracy = 2, .richardson = 2};
  return {"central + Richardson (2 levels)",
          "double",
          f(3.0, 4.0),
          numeric::gradient(f, kPoint, options),
          numeric::hessian(f, kPoint, options),
          1e-6};
}

Row forward_dual() {
  // Gradient in one pass of Dual<double, 2>; Hessian forward over forward.
  const auto [value, gradient] = forward::value_and_gradient<2>(f, kPoint);
  return {"forward mode", "Dual<double, 2>", value, gradient, forward::hessian<2>(f, kPoint),
          1e-12};
}

Row taylor() {
  // Second-order Taylor series along the lines x + t u: f'(u) = c_1, u^T H u = 2 c_2, so the
  // directions e_x, e_y and e_x + e_y give all of H (polarisation).
  using T2 = Taylor<double, 2>;
  auto along = [](double ux, double uy) {
    return f(T2(T2::Coefficients{3, ux, 0}), T2(T2::Coefficients{4, uy, 0}));
  };
  const T2 x = along(1, 0), y = along(0, 1), xy = along(1, 1);
  Eigen::MatrixXd H(2, 2);
  H(0, 0) = 2 * x[2];
  H(1, 1) = 2 * y[2];
  H(0, 1) = H(1, 0) = (2 * xy[2] - H(0, 0) - H(1, 1)) / 2;
  return {"Taylor mode (3 directions)", "Taylor<double, 2>", x[0], {x[1], y[1]}, H, 1e-12};
}

Row reverse_var() {
  // Gradient from one backward sweep of Var; Hessian forward over reverse, BasicVar<Dual>.
  const auto [value, gradient] = reverse::value_and_gradient(f, kPoint);
  return {"reverse mode, H forward over reverse", "Var", value, gradient,
          reverse::hessian<2>(f, kPoint),         1e-12};
}

Row tensor_double_backward() {
  // f on 0-d tensors: the gradient from grad() with create_graph, which records the backward
  // pass itself; each Hessian row is then the gradient of one gradient entry (double backward).
  const Tensor x0 = kPoint[0], y0 = kPoint[1];  // 0-d
  const Variable x(x0, "x"), y(y0, "y");
  const Variable z = f(x, y);
  const std::vector<Variable> g = grad({z}, {x, y}, {.create_graph = true});
  Eigen::MatrixXd H(2, 2);
  for (Eigen::Index i = 0; i < 2; ++i) {
    // Both rows run through the graph of g: the first pass must leave it for the second.
    const std::vector<Variable> row =
        grad({g[static_cast<std::size_t>(i)]}, {x, y}, {.retain_graph = i == 0});
    H(i, 0) = row[0].item();
    H(i, 1) = row[1].item();
  }
  return {"tensor autograd, H by double backward",
          "Variable (0-d)",
          z.item(),
          {g[0].item(), g[1].item()},
          H,
          1e-12};
}

// f traced on sym::Expr: its derivatives as expressions, evaluated at the point.
struct Symbolic {
  sym::Expr x = sym::variable("x"), y = sym::variable("y");
  sym::Expr f_xy = f(x, y);
  std::vector<sym::Expr> variables{x, y};
  std::vector<sym::Expr> gradient = sym::gradient(f_xy, variables);
  std::vector<std::vector<sym::Expr>> hessian = sym::hessian(f_xy, variables);

  double at(const sym::Expr& e) const {
    return sym::evaluate<double>(e, variables, std::span<const double>(kPoint));
  }
  Row row() const {
    Eigen::MatrixXd H(2, 2);
    for (Eigen::Index i = 0; i < 2; ++i) {
      for (Eigen::Index j = 0; j < 2; ++j) {
        H(i, j) = at(hessian[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)]);
      }
    }
    return {"symbolic, f traced on sym::Expr",  "sym::Expr", at(f_xy),
            {at(gradient[0]), at(gradient[1])}, H,           1e-12};
  }
  void print(std::ostream& out) const {
    out << "\nsymbolic derivatives of f = " << sym::to_string(f_xy) << ":\n"
        << "  df/dx    = " << sym::to_string(gradient[0]) << '\n'
        << "  df/dy    = " << sym::to_string(gradient[1]) << '\n'
        << "  d2f/dx2  = " << sym::to_string(hessian[0][0]) << '\n'
        << "  d2f/dxdy = " << sym::to_string(hessian[0][1]) << '\n'
        << "  d2f/dy2  = " << sym::to_string(hessian[1][1]) << '\n';
  }
};

}  // namespace

bool run_tour(std::ostream& out) {
  const Symbolic symbolic;
  const std::vector<Row> rows{seed_forward_differences(),
                              central_differences(),
                              richardson(),
                              forward_dual(),
                              taylor(),
                              reverse_var(),
                              tensor_double_backward(),
                              symbolic.row()};
  out << "nabla tour: seed 004's f(x, y) = x*x*y + y + 2 at (x, y) = (3, 4), in every mode\n"
      << "exact: value 42, gradient (24, 10), Hessian [[8, 6], [6, 0]]\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%-38s %-18s %-6s %-28s %-62s %s\n", "mode", "scalar type",
                "value", "gradient", "Hessian", "max error");
  out << line;
  bool all_within = true;
  for (const Row& row : rows) {
    const double error = row.error();
    const bool within = error <= row.tolerance;
    all_within = all_within && within;
    std::snprintf(line, sizeof line, "%-38s %-18s %-6s %-28s %-62s %.1e%s\n", row.mode.c_str(),
                  row.scalar.c_str(), format(row.value).c_str(),
                  format_gradient(row.gradient).c_str(), format_hessian(row.hessian).c_str(), error,
                  within ? "" : "  <-- above tolerance");
    out << line;
  }
  symbolic.print(out);
  return all_within;
}

}  // namespace nabla::cli
