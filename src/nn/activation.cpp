#include "nabla/nn/activation.hpp"

#include <cmath>
#include <numbers>
#include <string_view>
#include <vector>

namespace nabla::nn {

namespace {

// f applied to every number of x, in x's dtype.
template <class F>
Tensor map(const Tensor& x, F f) {
  Tensor y = Tensor::empty(x.shape(), x.dtype());
  const auto n = static_cast<std::size_t>(x.size());
  if (x.dtype() == DType::float32) {
    const float* a = x.data<float>();
    float* b = y.mutable_data<float>();
    for (std::size_t i = 0; i < n; ++i) b[i] = static_cast<float>(f(static_cast<double>(a[i])));
  } else {
    const double* a = x.data<double>();
    double* b = y.mutable_data<double>();
    for (std::size_t i = 0; i < n; ++i) b[i] = f(a[i]);
  }
  return y;
}

struct Erf final : Function {
  std::string_view name() const override { return "erf"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& x) override {
    return {map(x[0], [](double v) { return std::erf(v); })};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable x = input(0);
    return {gy[0] * (exp(-square(x)) * (2 * std::numbers::inv_sqrtpi))};
  }
};

// log σ(x) = min(x, 0) - log1p(exp(-|x|)): neither exp overflows nor log sees 0.
struct LogSigmoid final : Function {
  std::string_view name() const override { return "log_sigmoid"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& x) override {
    return {
        map(x[0], [](double v) { return std::min(v, 0.0) - std::log1p(std::exp(-std::abs(v))); })};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {gy[0] * sigmoid(-input(0))};
  }
};

}  // namespace

Variable erf(const Variable& x) { return call<Erf>({x})[0]; }

Variable log_sigmoid(const Variable& x) { return call<LogSigmoid>({x})[0]; }

Variable leaky_relu(const Variable& x, double negative_slope) {
  return where(greater(x.data(), Tensor::zeros({}, x.dtype())), x, x * negative_slope);
}

Variable gelu(const Variable& x, GeluApproximation approximate) {
  if (approximate == GeluApproximation::tanh) {
    const double c = std::sqrt(2 * std::numbers::inv_pi);
    return x * 0.5 * (1.0 + tanh((x + 0.044715 * x * square(x)) * c));
  }
  return x * 0.5 * (1.0 + erf(x * std::numbers::sqrt2 * 0.5));
}

}  // namespace nabla::nn
