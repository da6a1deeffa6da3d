// Gradient checks for the tensor autograd: backward against central finite differences.
//
// A function f of Variables is made scalar as L = sum(f(x) ⊙ W) with fixed random weights W, so
// that the check exercises a general output gradient, not only ones. Each element of each input
// is moved by ±h, h = 1e-6 max(1, |x|), and (L(x + h) - L(x - h)) / 2h is compared with the
// gradient from backward: the truncation error is O(h²) and the rounding error O(ε L / h), both
// far below the tolerance of 1e-6 (relative to max(1, |gradient|)) for the float64 inputs used.
// The second-order check does the same to M = Σ_k sum(∂L/∂x_k ⊙ V_k), its gradient formed by
// double backward (create_graph) and its finite differences from first-order gradients.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "nabla/tensor/variable.hpp"

namespace nabla::testing {

using VariableFunction = std::function<Variable(const std::vector<Variable>&)>;

inline std::vector<Variable> variables_of(const std::vector<Tensor>& values) {
  std::vector<Variable> xs;
  for (const Tensor& v : values) xs.emplace_back(v.clone());
  return xs;
}

// L = sum(f(x) ⊙ W), W drawn once per check (same shape as f's output).
struct Scalarized {
  VariableFunction f;
  Tensor weights;
  Variable operator()(const std::vector<Variable>& xs) const {
    return sum(f(xs) * Variable(weights));
  }
};

inline Scalarized scalarize(const VariableFunction& f, const std::vector<Tensor>& inputs,
                            std::uint64_t seed) {
  Tensor shape_probe;
  {
    no_grad scope;
    shape_probe = f(variables_of(inputs)).data();
  }
  Generator generator(seed);
  return {f, Tensor::rand(shape_probe.shape(), generator, 0.5, 1.5)};
}

// Central differences of g (a scalar function of the inputs) with respect to every element.
inline std::vector<std::vector<double>> finite_differences(
    const std::function<double(const std::vector<Tensor>&)>& g, const std::vector<Tensor>& inputs) {
  std::vector<std::vector<double>> result;
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    std::vector<double> column;
    for (std::int64_t j = 0; j < inputs[k].size(); ++j) {
      std::vector<Tensor> plus, minus;
      for (const Tensor& t : inputs) {
        plus.push_back(t.clone());
        minus.push_back(t.clone());
      }
      const double x = inputs[k].to_vector()[static_cast<std::size_t>(j)];
      const double h = 1e-6 * std::max(1.0, std::abs(x));
      plus[k].mutable_data<double>()[j] = x + h;
      minus[k].mutable_data<double>()[j] = x - h;
      column.push_back((g(plus) - g(minus)) / (2 * h));
    }
    result.push_back(column);
  }
  return result;
}

inline void expect_close(const std::vector<Variable>& analytic,
                         const std::vector<std::vector<double>>& numeric, double tolerance,
                         const std::string& what) {
  ASSERT_EQ(analytic.size(), numeric.size()) << what;
  for (std::size_t k = 0; k < analytic.size(); ++k) {
    const std::vector<double> a = analytic[k].data().to_vector();
    ASSERT_EQ(a.size(), numeric[k].size()) << what << ", input " << k;
    for (std::size_t j = 0; j < a.size(); ++j) {
      EXPECT_NEAR(a[j], numeric[k][j], tolerance * std::max(1.0, std::abs(numeric[k][j])))
          << what << ", input " << k << ", element " << j;
    }
  }
}

// First derivatives of f at inputs, by backward, against finite differences.
inline void expect_gradients_match(const VariableFunction& f, const std::vector<Tensor>& inputs,
                                   const std::string& what, double tolerance = 1e-6) {
  const Scalarized L = scalarize(f, inputs, 7);
  const std::vector<Variable> xs = variables_of(inputs);
  const std::vector<Variable> analytic = grad({L(xs)}, xs);
  for (std::size_t k = 0; k < xs.size(); ++k) {
    EXPECT_EQ(analytic[k].shape(), inputs[k].shape()) << what;
    EXPECT_EQ(analytic[k].dtype(), inputs[k].dtype()) << what;
  }
  const auto numeric = finite_differences(
      [&](const std::vector<Tensor>& point) {
        no_grad scope;
        return L(variables_of(point)).item();
      },
      inputs);
  expect_close(analytic, numeric, tolerance, what);
}

// Second derivatives: the gradient of M = Σ_k sum(∂L/∂x_k ⊙ V_k), by double backward, against
// finite differences of first-order gradients.
inline void expect_second_derivatives_match(const VariableFunction& f,
                                            const std::vector<Tensor>& inputs,
                                            const std::string& what, double tolerance = 1e-6) {
  const Scalarized L = scalarize(f, inputs, 11);
  Generator generator(13);
  std::vector<Tensor> directions;
  for (const Tensor& t : inputs) directions.push_back(Tensor::rand(t.shape(), generator, -1, 1));
  auto M = [&](const std::vector<Variable>& xs, bool create_graph) {
    const std::vector<Variable> g = grad({L(xs)}, xs, {.create_graph = create_graph});
    Variable total(0.0);
    for (std::size_t k = 0; k < g.size(); ++k) total = total + sum(g[k] * Variable(directions[k]));
    return total;
  };
  const std::vector<Variable> xs = variables_of(inputs);
  const std::vector<Variable> analytic = grad({M(xs, true)}, xs);
  const auto numeric = finite_differences(
      [&](const std::vector<Tensor>& point) { return M(variables_of(point), false).item(); },
      inputs);
  expect_close(analytic, numeric, tolerance, what + " (second order)");
}

}  // namespace nabla::testing
