// Modules: registration, dotted names, train/eval, errors that name the layer, the summary;
// Linear's values, gradients and PyTorch's initialisation.
#include <gtest/gtest.h>

#include <cmath>
#include <memory>
#include <stdexcept>
#include <string>
#include <vector>

#include "nabla/nn/init.hpp"
#include "nabla/nn/layers.hpp"
#include "nabla/nn/module.hpp"

namespace {

using nabla::DType;
using nabla::Shape;
using nabla::Tensor;
using nabla::Variable;
using namespace nabla::nn;

// A user-defined module, as the README writes one: submodules registered in the constructor.
struct Net : Module {
  std::shared_ptr<Sequential> features;
  std::shared_ptr<Linear> head;
  Net() : Module("Net") {
    LinearOptions f64{.dtype = DType::float64};
    features = register_module(
        "features", std::make_shared<Sequential>(std::initializer_list<std::shared_ptr<Module>>{
                        std::make_shared<Linear>(4, 3, f64), std::make_shared<ReLU>()}));
    head = register_module("head", std::make_shared<Linear>(3, 2, f64));
    register_buffer("calls", Tensor(0.0));
  }
  Variable forward(const Variable& x) override { return (*head)((*features)(x)); }
};

TEST(Modules, NamedParametersHaveDottedPathsInRegistrationOrder) {
  Net net;
  std::vector<std::string> names;
  for (const auto& [name, p] : net.named_parameters()) names.push_back(name);
  EXPECT_EQ(names, (std::vector<std::string>{"features.0.weight", "features.0.bias", "head.weight",
                                             "head.bias"}));
  EXPECT_EQ(net.parameters().size(), 4u);
  EXPECT_EQ(net.parameter_count(), 4 * 3 + 3 + 3 * 2 + 2);
  EXPECT_EQ(net.named_buffers().size(), 1u);
  EXPECT_EQ(net.named_buffers()[0].first, "calls");
  EXPECT_EQ(net.features->path(), "features");
  EXPECT_EQ((*net.features)[0].path(), "features.0");
  std::vector<std::string> modules;
  for (const auto& [path, m] : net.named_modules()) modules.push_back(path + ":" + m->type_name());
  EXPECT_EQ(modules, (std::vector<std::string>{":Net", "features:Sequential", "features.0:Linear",
                                               "features.1:ReLU", "head:Linear"}));
}

struct Tied : Module {
  std::shared_ptr<Linear> a = std::make_shared<Linear>(2, 2);
  Tied() : Module("Tied") {
    register_module("first", a);
    register_module("second", a);
  }
  Variable forward(const Variable& x) override { return (*a)(x); }
};

TEST(Modules, ASharedLayerIsListedOnceUnderItsFirstName) {
  Tied tied;
  ASSERT_EQ(tied.named_parameters().size(), 2u);
  EXPECT_EQ(tied.named_parameters()[0].first, "first.weight");
  EXPECT_EQ(tied.parameter_count(), 6);
}

struct BadNames : Module {
  BadNames() : Module("BadNames") {}
  void twice() {
    register_parameter("w", Tensor(1.0));
    register_parameter("w", Tensor(2.0));
  }
  void dotted() { register_parameter("a.b", Tensor(1.0)); }
  Variable forward(const Variable& x) override { return x; }
};

TEST(Modules, ARepeatedOrDottedNameIsRefused) {
  BadNames m;
  EXPECT_THROW(m.twice(), std::invalid_argument);
  EXPECT_THROW(m.dotted(), std::invalid_argument);
}

TEST(Modules, TrainEvalAndZeroGradReachEverySubmodule) {
  Net net;
  net.eval();
  for (const auto& [path, m] : net.named_modules()) EXPECT_FALSE(m->is_training()) << path;
  net.train();
  for (const auto& [path, m] : net.named_modules()) EXPECT_TRUE(m->is_training()) << path;
  sum(net(Variable(Tensor{{1.0, 2.0, 3.0, 4.0}}))).backward();
  for (const auto& p : net.parameters()) EXPECT_TRUE(p.grad().defined());
  net.zero_grad();
  for (const auto& p : net.parameters()) EXPECT_FALSE(p.grad().defined());
}

TEST(Modules, AWrongShapeNamesTheLayerByItsPathWithBothShapes) {
  Net net;
  try {
    net(Variable(Tensor::zeros({64, 784}, DType::float64)));
    FAIL() << "no error";
  } catch (const nabla::ShapeError& e) {
    EXPECT_EQ(std::string(e.what()), "features.0 (Linear): expected (..., 4), got (64, 784)");
  }
}

TEST(Modules, SummaryListsEveryLayerWithItsOutputShapeAndParameters) {
  Net net;
  const std::string table = net.summary({5, 4}, DType::float64);
  EXPECT_NE(table.find("features.0 (Linear)"), std::string::npos) << table;
  EXPECT_NE(table.find("(5, 3)"), std::string::npos) << table;
  EXPECT_NE(table.find("head (Linear)"), std::string::npos) << table;
  EXPECT_NE(table.find("(5, 2)"), std::string::npos) << table;
  EXPECT_NE(table.find("15"), std::string::npos) << table;  // features.0: 4 * 3 + 3
  EXPECT_NE(table.find("23 parameters"), std::string::npos) << table;
  EXPECT_TRUE(net.is_training());  // restored after the eval-mode pass
  // The rows come in the order of the calls: features before its first layer, head last.
  EXPECT_LT(table.find("features (Sequential)"), table.find("features.0 (Linear)"));
  EXPECT_LT(table.find("features.1 (ReLU)"), table.find("head (Linear)"));
}

// y = x W^T + b, and the gradients of sum(y * r): W̄ = r^T x, b̄ = sum of r's rows, x̄ = r W.
TEST(Linear, ComputesXWTransposePlusBWithItsAnalyticGradients) {
  Linear layer(3, 2, {.dtype = DType::float64});
  const Tensor W = layer.weight().data(), b = layer.bias().data();
  EXPECT_EQ(W.shape(), (Shape{2, 3}));  // PyTorch's layout: (out, in)
  Variable x(Tensor{{1.0, 2.0, 3.0}, {-1.0, 0.5, 2.0}});
  const Tensor r{{1.0, -2.0}, {0.5, 3.0}};
  const Variable y = layer(x);
  const Tensor expected = matmul(x.data(), transpose(W)) + b;
  EXPECT_EQ(y.data().to_vector(), expected.to_vector());
  sum(y * Variable(r)).backward();
  const auto close = [](const Tensor& a, const Tensor& b) {
    const auto u = a.to_vector(), v = b.to_vector();
    ASSERT_EQ(u.size(), v.size());
    for (std::size_t i = 0; i < u.size(); ++i) EXPECT_NEAR(u[i], v[i], 1e-14);
  };
  close(layer.weight().grad().data(), matmul(transpose(r), x.data()));
  close(layer.bias().grad().data(), sum(r, {0}));
  close(x.grad().data(), matmul(r, W));
}

TEST(Linear, DefaultInitialisationIsPyTorchsAndSeeded) {
  manual_seed(7);
  Linear a(100, 50);
  manual_seed(7);
  Linear b(100, 50);
  Linear c(100, 50);  // the generator has moved on
  EXPECT_EQ(a.weight().dtype(), DType::float32);
  EXPECT_EQ(a.weight().data().to_vector(), b.weight().data().to_vector());
  EXPECT_EQ(a.bias().data().to_vector(), b.bias().data().to_vector());
  EXPECT_NE(a.weight().data().to_vector(), c.weight().data().to_vector());
  // kaiming_uniform(a = sqrt 5) is U(-1/sqrt(fan_in), 1/sqrt(fan_in)): 0.1 for fan_in 100.
  const double bound = 0.1;
  double largest = 0;
  for (double w : a.weight().data().to_vector()) largest = std::max(largest, std::abs(w));
  EXPECT_LE(largest, bound);
  EXPECT_GT(largest, 0.99 * bound);  // 5000 uniform draws come close to the bound
  for (double w : a.bias().data().to_vector()) EXPECT_LE(std::abs(w), bound);
  EXPECT_FALSE(Linear(3, 2, {.bias = false}).bias().defined());
}

// The standard deviations of 40 000 draws against the formulas, within 2%.
TEST(Init, KaimingAndXavierHaveTheirDocumentedSpread) {
  nabla::Generator generator(1);
  const Shape shape{200, 100, 2};  // fan_in 200, fan_out 400
  const auto deviation = [](const Tensor& t) {
    double s = 0, s2 = 0;
    const auto v = t.to_vector();
    for (double x : v) s += x, s2 += x * x;
    const double n = static_cast<double>(v.size());
    return std::sqrt(s2 / n - (s / n) * (s / n));
  };
  EXPECT_EQ(fans(shape), (std::pair<std::int64_t, std::int64_t>{200, 400}));
  EXPECT_NEAR(deviation(kaiming_normal(shape, generator)) / std::sqrt(2.0 / 200), 1, 0.02);
  EXPECT_NEAR(deviation(kaiming_uniform(shape, generator)) / std::sqrt(2.0 / 200), 1, 0.02);
  EXPECT_NEAR(deviation(xavier_normal(shape, generator)) / std::sqrt(2.0 / 600), 1, 0.02);
  EXPECT_NEAR(deviation(xavier_uniform(shape, generator, 2)) / (2 * std::sqrt(2.0 / 600)), 1, 0.02);
  EXPECT_THROW(fans({5}), std::invalid_argument);
}

TEST(Layers, FlattenKeepsTheBatchAxisAndActivationsAreTheFunctions) {
  const Variable x(Tensor::arange(-12, 12).reshape({2, 3, 4}));
  EXPECT_EQ(Flatten()(x).shape(), (Shape{2, 12}));
  EXPECT_EQ(ReLU()(x).data().to_vector(), relu(x).data().to_vector());
  EXPECT_EQ(Sigmoid()(x).data().to_vector(), sigmoid(x).data().to_vector());
  EXPECT_EQ(Tanh()(x).data().to_vector(), tanh(x).data().to_vector());
}

TEST(Layers, AccuracyCountsRowsWhoseLargestLogitIsTheLabel) {
  const Tensor logits{{0.1, 0.9, 0.0}, {2.0, 1.0, 0.0}, {0.0, 0.0, 5.0}, {1.0, 3.0, 2.0}};
  EXPECT_DOUBLE_EQ(accuracy(logits, Tensor{1.0, 0.0, 1.0, 1.0}), 0.75);
  EXPECT_THROW(accuracy(logits, Tensor{1.0}), nabla::ShapeError);
}

}  // namespace
