// The define-by-run engine: the seeds' DeZero walk-through, the Variable interface, overloads
// next to the Tensor ones, configuration scopes, version counters, errors and graph pictures.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"
#include "tensor_reference.hpp"

namespace {

using nabla::AutogradError;
using nabla::DType;
using nabla::Function;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using nabla::Variable;
using ::testing::HasSubstr;

using nabla::testing::message_of;

// ---- Seed 001: y = (e^{x²})² by hand, then automatically ---------------------------------------

TEST(Seed001, CompositeSquareExpSquareAtHalfGivesTheNotebooksGradient) {
  Variable x(Tensor(0.5));
  Variable a = square(x);
  Variable b = exp(a);
  Variable y = square(b);
  // The graph as the notebook walks it: creators and inputs back to x.
  ASSERT_TRUE(y.creator());
  EXPECT_EQ(y.creator()->name(), "square");
  EXPECT_TRUE(y.creator()->input(0).is(b));
  EXPECT_EQ(b.creator()->name(), "exp");
  EXPECT_TRUE(b.creator()->input(0).is(a));
  EXPECT_TRUE(a.creator()->input(0).is(x));
  EXPECT_TRUE(x.is_leaf());
  y.backward();
  EXPECT_DOUBLE_EQ(x.grad().item(), 3.297442541400256);
  EXPECT_NEAR(x.grad().item(), 3.297442541400256, 1e-15);
}

// ---- Seed 002: variadic add, reuse, cleargrad, appendix A ---------------------------------------

TEST(Seed002, ReusedVariableAccumulatesItsGradient) {
  Variable x(Tensor(3.0));
  Variable y = add(x, x);
  EXPECT_EQ(y.item(), 6.0);
  y.backward();
  EXPECT_EQ(x.grad().item(), 2.0);

  Variable x2(Tensor(3.0));
  Variable y2 = add(add(x2, x2), x2);
  y2.backward();
  EXPECT_EQ(x2.grad().item(), 3.0);
}

TEST(Seed002, SecondComputationAccumulatesUntilCleargrad) {
  Variable x(Tensor(3.0));
  Variable y = add(x, x);
  y.backward();
  EXPECT_EQ(x.grad().item(), 2.0);
  y = add(add(x, x), x);
  y.backward();
  EXPECT_EQ(x.grad().item(), 5.0);  // 2 + 3: the notebook's surprise

  x.cleargrad();
  EXPECT_FALSE(x.grad().defined());
  y = add(add(x, x), x);
  y.backward();
  EXPECT_EQ(x.grad().item(), 3.0);
}

TEST(Seed002, AppendixAInPlaceTrapCannotHappen) {
  Variable x(Tensor(3.0));
  Variable y = add(x, x);
  y.backward();
  // With x.grad += gx the notebook printed y.grad = 2: both were one array.
  EXPECT_EQ(y.grad().item(), 1.0);
  EXPECT_EQ(x.grad().item(), 2.0);
  EXPECT_FALSE(x.grad().data().shares_storage(y.grad().data()));
}

TEST(Seed002, LeafGradientsNeverShareStorageWithEachOther) {
  // add sends the same gradient to both inputs; each leaf still owns its own.
  Variable a(Tensor{1.0, 2.0});
  Variable b(Tensor{3.0, 4.0});
  Variable y = a + b;
  y.backward();
  EXPECT_FALSE(a.grad().data().shares_storage(b.grad().data()));
  EXPECT_FALSE(a.grad().data().shares_storage(y.grad().data()));
  Tensor(a.grad().data()) *= Tensor(5.0);
  EXPECT_EQ(b.grad().data().to_vector(), (std::vector<double>{1, 1}));
}

TEST(Seed002, CreateGraphGradientsNeverShareStorageAndStillDifferentiate) {
  Variable a(Tensor{1.0, 2.0});
  Variable b(Tensor{3.0, 4.0});
  Variable y = a + b;
  y.backward({.create_graph = true});
  EXPECT_FALSE(a.grad().data().shares_storage(b.grad().data()));
  EXPECT_FALSE(a.grad().data().shares_storage(y.grad().data()));
  EXPECT_FALSE(b.grad().data().shares_storage(y.grad().data()));
  Tensor(a.grad().data()) *= Tensor(5.0);
  EXPECT_EQ(b.grad().data().to_vector(), (std::vector<double>{1, 1}));
  EXPECT_EQ(y.grad().data().to_vector(), (std::vector<double>{1, 1}));

  // x and w receive one gradient, 2 (x + w); the second holder's copy still differentiates.
  Variable x(Tensor{1.0, 2.0});
  Variable w(Tensor{0.5, -1.0});
  sum(square(x + w)).backward({.create_graph = true});
  const Variable gx = x.grad();
  const Variable gw = w.grad();
  EXPECT_FALSE(gx.data().shares_storage(gw.data()));
  EXPECT_EQ(gx.data().to_vector(), (std::vector<double>{3, 2}));
  EXPECT_EQ(gw.data().to_vector(), (std::vector<double>{3, 2}));
  x.cleargrad();
  w.cleargrad();
  sum(gx * gw).backward();  // d/dx sum(4 (x + w)^2) = 8 (x + w), the same for w
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{12, 8}));
  EXPECT_EQ(w.grad().data().to_vector(), (std::vector<double>{12, 8}));
}

// ---- Variable interface ------------------------------------------------------------------------

TEST(VariableInterface, ConstructionNamesAndProperties) {
  Variable undefined;
  EXPECT_FALSE(undefined.defined());
  EXPECT_THROW((void)undefined.data(), AutogradError);

  Variable x(Tensor{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, "x");
  EXPECT_TRUE(x.defined());
  EXPECT_EQ(x.name(), "x");
  EXPECT_EQ(x.shape(), (Shape{2, 3}));
  EXPECT_EQ(x.ndim(), 2);
  EXPECT_EQ(x.size(), 6);
  EXPECT_EQ(x.dtype(), DType::float64);
  EXPECT_FALSE(x.grad().defined());
  EXPECT_EQ(x.generation(), 0);
  EXPECT_FALSE(x.creator());

  Variable c(3.0);
  EXPECT_EQ(c.shape(), Shape{});
  EXPECT_EQ(c.item(), 3.0);
  Variable named(2.0, "c");
  EXPECT_EQ(named.name(), "c");
  Variable from_tensor = Tensor(0.5);  // implicit from a Tensor
  EXPECT_EQ(from_tensor.item(), 0.5);

  std::ostringstream text;
  text << Variable(Tensor{1.0, 2.0});
  EXPECT_EQ(text.str(), "variable([1. 2.])");
}

TEST(VariableInterface, GenerationsCountDepth) {
  Variable x(1.0);
  Variable a = square(x);
  Variable b = exp(a);
  Variable c = a + b;
  EXPECT_EQ(a.generation(), 1);
  EXPECT_EQ(b.generation(), 2);
  EXPECT_EQ(c.generation(), 3);
  EXPECT_EQ(c.creator()->generation(), 2);
}

TEST(VariableInterface, BackwardOnALeafGivesOnes) {
  Variable x(Tensor{1.0, 2.0, 3.0});
  x.backward();
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{1, 1, 1}));
}

TEST(VariableInterface, NonScalarOutputIsSeededWithOnes) {
  Variable x(Tensor{1.0, 2.0, 3.0});
  Variable y = x * x;
  y.backward();
  EXPECT_EQ(y.grad().data().to_vector(), (std::vector<double>{1, 1, 1}));
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{2, 4, 6}));
}

TEST(VariableInterface, IntermediateGradientsAreReleasedUnlessRetained) {
  Variable x(Tensor(2.0));
  Variable a = x * 3.0;
  Variable y = exp(a);
  y.backward();
  EXPECT_FALSE(a.grad().defined());
  EXPECT_TRUE(y.grad().defined());
  EXPECT_TRUE(x.grad().defined());

  x.cleargrad();
  y.cleargrad();
  y.backward({.retain_grad = true});
  ASSERT_TRUE(a.grad().defined());
  EXPECT_DOUBLE_EQ(a.grad().item(), std::exp(6.0));
  EXPECT_DOUBLE_EQ(x.grad().item(), 3 * std::exp(6.0));
}

TEST(VariableInterface, DetachAndUnchainStopGradients) {
  Variable x(Tensor(2.0));
  Variable a = x * x;
  Variable y = a.detach() * x;  // d/dx = a = 4, a held constant
  y.backward();
  EXPECT_EQ(x.grad().item(), 4.0);

  Variable b = x * x;
  Variable z = b * 3.0;
  b.unchain();
  x.cleargrad();
  z.backward();
  EXPECT_FALSE(x.grad().defined());
  EXPECT_EQ(b.grad().item(), 3.0);  // b is a leaf now: its gradient is kept
}

// A leaf set not to require a gradient is a constant for the operations recorded afterwards:
// no gradient, and backward does not compute one (the product's backward is called, but asked
// for w's gradient only).
TEST(VariableInterface, ALeafThatDoesNotRequireAGradientIsAConstant) {
  nabla::Generator generator(3);
  Variable batch(Tensor::randn({4, 3}, generator), "batch");
  Variable w(Tensor::randn({3, 2}, generator), "w");
  EXPECT_TRUE(batch.requires_grad());
  batch.set_requires_grad(false);
  EXPECT_FALSE(batch.requires_grad());
  const Variable loss =
      sum(square(matmul(batch, w))) + sum(batch * 2.0) + sum(batch + Tensor::ones({3}));
  loss.backward();
  EXPECT_FALSE(batch.grad().defined());
  // d/dw sum((B w)^2) = 2 B^T (B w)
  const Tensor expected =
      nabla::matmul(batch.data(), nabla::matmul(batch.data(), w.data()), true, false) * 2.0;
  const std::vector<double> got = w.grad().data().to_vector();
  const std::vector<double> want = expected.to_vector();
  ASSERT_EQ(got.size(), want.size());
  for (std::size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-12);

  // Set back, later operations differentiate it again; earlier ones do not.
  batch.set_requires_grad(true);
  const Variable again = sum(batch * 3.0);
  again.backward();
  EXPECT_EQ(batch.grad().data().to_vector(), std::vector<double>(12, 3.0));

  Variable made = batch * 2.0;
  EXPECT_TRUE(made.requires_grad());
  EXPECT_THAT(message_of<AutogradError>([&] { made.set_requires_grad(false); }),
              HasSubstr("only a leaf's can be set"));
  Variable constant(Tensor(1.0));
  constant.set_requires_grad(false);
  EXPECT_THAT(message_of<AutogradError>([&] { constant.backward(); }),
              HasSubstr("a leaf set not to require a gradient"));
}

TEST(VariableInterface, SetDataReplacesALeafsDataOnly) {
  Variable x(Tensor(2.0));
  x.set_data(Tensor(5.0));
  EXPECT_EQ(x.item(), 5.0);
  Variable y = x * x;
  EXPECT_THROW(y.set_data(Tensor(1.0)), AutogradError);
  // The graph keeps the data it was computed from: d(x*x)/dx at 5.
  x.set_data(Tensor(7.0));
  y.backward();
  EXPECT_EQ(x.grad().item(), 10.0);
}

// ---- Overloads beside the Tensor ones ----------------------------------------------------------

template <class T>
T make();

// Numbers on either side, Variables and Tensors mixed: the Variable overloads win, and the Tensor
// overloads keep working on Tensors.
static_assert(std::is_same_v<decltype(make<Variable>() * 2.0), Variable>);
static_assert(std::is_same_v<decltype(2.0 * make<Variable>()), Variable>);
static_assert(std::is_same_v<decltype(make<Variable>() + 1), Variable>);
static_assert(std::is_same_v<decltype(1 - make<Variable>()), Variable>);
static_assert(std::is_same_v<decltype(make<Variable>() / 2.0f), Variable>);
static_assert(std::is_same_v<decltype(make<Variable>() + make<Variable>()), Variable>);
static_assert(std::is_same_v<decltype(make<Variable>() * make<Tensor>()), Variable>);
static_assert(std::is_same_v<decltype(make<Tensor>() - make<Variable>()), Variable>);
static_assert(std::is_same_v<decltype(-make<Variable>()), Variable>);
static_assert(std::is_same_v<decltype(exp(make<Variable>())), Variable>);
static_assert(std::is_same_v<decltype(sum(make<Variable>())), Variable>);
static_assert(std::is_same_v<decltype(pow(make<Variable>(), 2)), Variable>);
static_assert(std::is_same_v<decltype(nabla::add(make<Variable>(), 2.0)), Variable>);
static_assert(std::is_same_v<decltype(nabla::mul(3, make<Variable>())), Variable>);
static_assert(
    std::is_same_v<decltype(nabla::stack({make<Variable>(), make<Variable>()})), Variable>);
static_assert(std::is_same_v<decltype(make<Tensor>() * 2.0), Tensor>);
static_assert(std::is_same_v<decltype(2.0 * make<Tensor>()), Tensor>);
static_assert(std::is_same_v<decltype(make<Tensor>() + make<Tensor>()), Tensor>);
static_assert(std::is_same_v<decltype(-make<Tensor>()), Tensor>);
static_assert(std::is_same_v<decltype(exp(make<Tensor>())), Tensor>);
static_assert(std::is_same_v<decltype(sum(make<Tensor>())), Tensor>);
static_assert(std::is_same_v<decltype(pow(make<Tensor>(), 2.0)), Tensor>);
static_assert(std::is_same_v<decltype(nabla::add(make<Tensor>(), 2.0)), Tensor>);
static_assert(std::is_same_v<decltype(nabla::stack({make<Tensor>(), make<Tensor>()})), Tensor>);
static_assert(!std::is_convertible_v<double, Variable>);  // Variable(3.0) is explicit

// A layer's parameter, as nn will derive one: the operations take it as a Variable.
struct Parameter : Variable {
  using Variable::Variable;
};
static_assert(std::is_same_v<decltype(make<Parameter>() * 2.0), Variable>);
static_assert(std::is_same_v<decltype(exp(make<Parameter>())), Variable>);

TEST(Overloads, NumbersOnEitherSideAndSeedFunctionOnVariables) {
  Variable x(Tensor(3.0));
  Variable y(Tensor(4.0));
  EXPECT_EQ((x * 2.0).item(), 6.0);
  EXPECT_EQ((2.0 * x).item(), 6.0);
  EXPECT_EQ((x - 1).item(), 2.0);
  EXPECT_EQ((1 - x).item(), -2.0);
  EXPECT_EQ((x / 2).item(), 1.5);
  EXPECT_EQ((6 / x).item(), 2.0);
  EXPECT_EQ((x + y).item(), 7.0);
  EXPECT_EQ((-x).item(), -3.0);
  // Seed 004's f, the generic lambda every mode runs, on Variables.
  auto f = [](auto a, auto b) { return a * a * b + b + 2; };
  Variable z = f(x, y);
  EXPECT_EQ(z.item(), 42.0);
  z.backward();
  EXPECT_EQ(x.grad().item(), 24.0);
  EXPECT_EQ(y.grad().item(), 10.0);
}

TEST(Overloads, TensorOperationsStayTensorOperations) {
  const Tensor t{1.0, 2.0};
  EXPECT_EQ((t * 2.0).to_vector(), (std::vector<double>{2, 4}));
  EXPECT_EQ(nabla::stack({t, t}).shape(), (Shape{2, 2}));
  EXPECT_EQ(nabla::add(t, 1.0).to_vector(), (std::vector<double>{2, 3}));
}

TEST(Overloads, ANumberKeepsAFloat32VariableFloat32) {
  Variable x(Tensor({2, 2}, std::vector<float>{0.5f, 1.0f, 1.5f, 2.0f}));
  Variable y = sum(sqrt(x) * 2.0 + tanh(x) + log(x) / 3.0 + exp(x) - 1.0 + sigmoid(x));
  EXPECT_EQ(y.dtype(), DType::float32);
  y.backward();
  EXPECT_EQ(x.grad().dtype(), DType::float32);
}

TEST(Overloads, CompoundAssignmentRebindsOutOfPlace) {
  Variable x(Tensor(2.0));
  Variable total = x;
  const Tensor original = total.data();
  total += x * 3.0;
  EXPECT_EQ(total.item(), 8.0);
  EXPECT_EQ(original.item(), 2.0);  // x's data untouched
  total.backward();
  EXPECT_EQ(x.grad().item(), 4.0);
}

// ---- Conventions where a derivative does not exist ---------------------------------------------

TEST(Conventions, KinksTiesAndBoundsFollowTheDocumentedChoices) {
  Variable x(Tensor{-1.0, 0.0, 2.0});
  sum(abs(x)).backward();  // abs'(0) = 0, as rules::Abs
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{-1, 0, 1}));
  x.cleargrad();
  sum(relu(x)).backward();  // relu'(0) = 0
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{0, 0, 1}));
  x.cleargrad();
  sum(clip(x, 0.0, 2.0)).backward();  // the bounds themselves pass the gradient
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{0, 1, 1}));

  Variable m(Tensor{{1.0, 3.0, 3.0}, {5.0, 2.0, 5.0}});
  sum(max(m, {1})).backward();  // ties share the gradient equally
  EXPECT_EQ(m.grad().data().to_vector(), (std::vector<double>{0, 0.5, 0.5, 0.5, 0, 0.5}));
  m.cleargrad();
  min(m).backward();
  EXPECT_EQ(m.grad().data().to_vector(), (std::vector<double>{1, 0, 0, 0, 0, 0}));
}

TEST(Conventions, SoftmaxOfAZeroDimensionalVariableIsOneWithZeroGradient) {
  // One element is its own axis: softmax is 1 and log_softmax 0 whatever x, so x̄ = 0.
  Variable x(Tensor(0.7));
  Variable s = softmax(x);
  EXPECT_EQ(s.item(), 1.0);
  s.backward();
  EXPECT_EQ(x.grad().item(), 0.0);
  x.cleargrad();
  Variable l = log_softmax(x);
  EXPECT_EQ(l.item(), 0.0);
  l.backward();
  EXPECT_EQ(x.grad().item(), 0.0);
  x.cleargrad();
  (softmax(x) * x + log_softmax(x) * x).backward({.create_graph = true});
  const Variable gx = x.grad();
  EXPECT_EQ(gx.item(), 1.0);
  x.cleargrad();
  gx.backward();  // the second derivative through both backward passes
  EXPECT_EQ(x.grad().item(), 0.0);
}

TEST(Conventions, AstypeSendsGradientsBackInTheInputsDtype) {
  Variable x(Tensor{1.0, 2.0});
  Variable y = sum(astype(x, DType::float32) * 3.0);
  EXPECT_EQ(y.dtype(), DType::float32);
  y.backward();
  EXPECT_EQ(x.grad().dtype(), DType::float64);
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{3, 3}));
  // Mixed dtypes promote to float64; the float32 input still gets a float32 gradient.
  Variable a(Tensor({2}, std::vector<float>{1.0f, 2.0f}));
  Variable b(Tensor{3.0, 4.0});
  sum(a * b).backward();
  EXPECT_EQ(a.grad().dtype(), DType::float32);
  EXPECT_EQ(a.grad().data().to_vector(), (std::vector<double>{3, 4}));
}

// ---- A user-defined Function, as in the notebooks ----------------------------------------------

struct CubeFunction : Function {
  std::string_view name() const override { return "cube"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& x) override {
    return {x[0] * x[0] * x[0]};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const Variable x = input(0);
    return {gy[0] * 3.0 * x * x};
  }
};

struct SplitFunction : Function {  // two outputs: x + 1 and 2 x
  std::string_view name() const override { return "split"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& x) override {
    return {x[0] + 1.0, x[0] * 2.0};
  }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    return {gy[0] + gy[1] * 2.0};
  }
};

TEST(UserFunctions, CustomFunctionDifferentiatesTwice) {
  Variable x(Tensor(2.0));
  Variable y = nabla::call<CubeFunction>({x})[0];
  EXPECT_EQ(y.item(), 8.0);
  EXPECT_EQ(y.creator()->name(), "cube");
  y.backward({.create_graph = true});
  Variable gx = x.grad();
  EXPECT_EQ(gx.item(), 12.0);
  x.cleargrad();
  gx.backward();
  EXPECT_EQ(x.grad().item(), 12.0);  // 6 x
}

TEST(UserFunctions, MultipleOutputsAndAnOutputWithoutGradient) {
  Variable x(Tensor{1.0, 2.0});
  std::vector<Variable> ys = Function::apply(std::make_shared<SplitFunction>(), {x});
  ASSERT_EQ(ys.size(), 2U);
  sum(ys[0] * ys[1]).backward();  // d/dx (x + 1)(2x) = 4x + 2
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{6, 10}));
  x.cleargrad();
  sum(ys[1]).backward();  // ys[0] receives nothing: its gradient is zeros
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{2, 2}));
}

TEST(UserFunctions, BackwardReturningAWrongShapeIsReported) {
  struct Bad : Function {
    std::string_view name() const override { return "bad"; }
    std::vector<Tensor> forward(const std::vector<Tensor>& x) override { return {x[0] * 2.0}; }
    std::vector<Variable> backward(const std::vector<Variable>&) override {
      return {Variable(Tensor{1.0, 2.0, 3.0})};
    }
  };
  Variable x(Tensor{1.0, 2.0});
  Variable y = nabla::call<Bad>({x})[0];
  EXPECT_THAT(message_of<AutogradError>([&] { y.backward(); }),
              HasSubstr("bad: backward gave a gradient of shape (3,) for input 0 of shape (2,)"));
  // The failed pass left nothing behind: a correct pass afterwards works.
  Variable z = x * 2.0;
  z.backward();
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{2, 2}));
}

TEST(UserFunctions, ApplyingOneFunctionObjectTwiceIsAnError) {
  auto cube = std::make_shared<CubeFunction>();
  Variable x(Tensor(2.0));
  Variable y = Function::apply(cube, {x})[0];
  EXPECT_THAT(message_of<AutogradError>([&] { (void)Function::apply(cube, {x}); }),
              HasSubstr("cube: this Function object was already applied"));
  EXPECT_EQ(cube->num_inputs(), 1U);  // the graph it is part of is unchanged
  EXPECT_EQ(cube->num_outputs(), 1U);
  y.backward();
  EXPECT_EQ(x.grad().item(), 12.0);
}

TEST(UserFunctions, ABackwardThatThrowsLeavesEveryGradUntouched) {
  struct Failing : Function {
    std::string_view name() const override { return "failing"; }
    std::vector<Tensor> forward(const std::vector<Tensor>& x) override { return {x[0] * 2.0}; }
    std::vector<Variable> backward(const std::vector<Variable>&) override {
      throw AutogradError("failing: no backward");
    }
  };
  Variable x(Tensor{1.0, 2.0}, "x");
  Variable w(Tensor{3.0, 4.0}, "w");
  sum(x).backward();
  // x * 3 is differentiated before failing is reached (the later input's branch goes first);
  // its contribution must not be left in x.grad by the pass that failed.
  Variable y = sum(nabla::call<Failing>({w})[0]) + sum(x * 3.0);
  EXPECT_THAT(message_of<AutogradError>([&] { y.backward(); }), HasSubstr("failing"));
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{1, 1}));
  EXPECT_FALSE(w.grad().defined());
  EXPECT_FALSE(y.grad().defined());
}

// A Function whose backward takes a gradient of its own with grad(): w * w is a separate graph,
// but w is also one of the inputs the enclosing grad() asked for.
struct PenalizedDouble : Function {
  explicit PenalizedDouble(Variable w) : w(std::move(w)) {}
  Variable w;
  std::vector<double> inner;  // what the nested grad() gave
  std::string_view name() const override { return "penalized_double"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& x) override { return {x[0] * 2.0}; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    const nabla::enable_grad recording;  // backward runs without grad mode unless create_graph
    inner = nabla::grad({sum(w * w)}, {w})[0].data().to_vector();
    return {gy[0] * 2.0};
  }
};

TEST(UserFunctions, GradInsideABackwardRunsItsOwnPass) {
  Variable x(Tensor{1.0, 2.0}, "x");
  Variable u(Tensor(7.0), "u");
  Variable w(Tensor{3.0, 4.0}, "w");
  auto f = std::make_shared<PenalizedDouble>(w);
  Variable y = sum(Function::apply(f, {x})[0]) + sum(w * 3.0) + u;
  const std::vector<Variable> gs = nabla::grad({y}, {x, u, w});
  EXPECT_EQ(f->inner, (std::vector<double>{6, 8}));  // 2 w, in the nested pass's own slot
  EXPECT_EQ(gs[0].data().to_vector(), (std::vector<double>{2, 2}));
  EXPECT_EQ(gs[1].item(), 1.0);
  EXPECT_EQ(gs[2].data().to_vector(), (std::vector<double>{3, 3}));
}

// A nested pass may not run through Functions the enclosing pass has still to finish: it
// would overwrite the scratch they hold (the gradient flowing into a, sin's waiting count).
struct GradOfInputInside : Function {
  explicit GradOfInputInside(Variable x) : x(std::move(x)) {}
  Variable x;
  std::string_view name() const override { return "grad_of_input_inside"; }
  std::vector<Tensor> forward(const std::vector<Tensor>& a) override { return {a[0] * 2.0}; }
  std::vector<Variable> backward(const std::vector<Variable>& gy) override {
    (void)nabla::grad({input(0)}, {x}, {.retain_graph = true});
    return {gy[0] * 2.0};
  }
};

TEST(UserFunctions, NestedPassThroughTheEnclosingPassesGraphIsRefused) {
  Variable x(Tensor(0.5), "x");
  Variable a = sin(x);
  Variable y = nabla::call<GradOfInputInside>({a}, x)[0];
  EXPECT_THAT(message_of<AutogradError>([&] { y.backward(); }),
              HasSubstr("sin: reached by a backward pass started inside"));
  EXPECT_FALSE(x.grad().defined());
  EXPECT_DOUBLE_EQ(nabla::grad({a}, {x})[0].item(), std::cos(0.5));  // sin's scratch is intact
}

// ---- grad(), the functional form ---------------------------------------------------------------

TEST(GradFunction, LeavesGradUntouchedAndSumsOutputs) {
  Variable x(Tensor(3.0), "x");
  Variable y(Tensor(4.0), "y");
  Variable f = x * x * y;
  Variable g = x + y;
  const std::vector<Variable> gs = nabla::grad({f, g}, {x, y});
  EXPECT_EQ(gs[0].item(), 24.0 + 1.0);
  EXPECT_EQ(gs[1].item(), 9.0 + 1.0);
  EXPECT_FALSE(x.grad().defined());
  EXPECT_FALSE(y.grad().defined());
  EXPECT_FALSE(f.grad().defined());
}

TEST(GradFunction, UnusedInputGetsZerosOrAnErrorNamingIt) {
  Variable x(Tensor(3.0), "x");
  Variable z(Tensor{1.0, 2.0}, "z");
  Variable f = x * x;
  const std::vector<Variable> gs = nabla::grad({f}, {x, z}, {.retain_graph = true});
  EXPECT_EQ(gs[0].item(), 6.0);
  EXPECT_EQ(gs[1].data().to_vector(), (std::vector<double>{0, 0}));
  EXPECT_THAT(message_of<AutogradError>([&] {
                nabla::grad({f}, {x, z}, {.allow_unused = false});
              }),
              HasSubstr("input 1 ('z')"));
}

TEST(GradFunction, IntermediateInputsAndRepeatedInputs) {
  Variable x(Tensor(2.0));
  Variable a = x * x;
  Variable y = exp(a);
  const std::vector<Variable> gs = nabla::grad({y}, {a, x, a});
  EXPECT_DOUBLE_EQ(gs[0].item(), std::exp(4.0));
  EXPECT_DOUBLE_EQ(gs[1].item(), 4 * std::exp(4.0));
  EXPECT_DOUBLE_EQ(gs[2].item(), std::exp(4.0));
}

TEST(GradFunction, ResultsNeverShareStorageWithEachOther) {
  // add sends its gradient, the seed, to both inputs: each result still owns its numbers.
  Variable a(Tensor{1.0, 2.0});
  Variable b(Tensor{3.0, 4.0});
  const std::vector<Variable> gs = nabla::grad({a + b}, {a, b, a});
  for (std::size_t i = 0; i < gs.size(); ++i) {
    EXPECT_EQ(gs[i].data().to_vector(), (std::vector<double>{1, 1}));
    for (std::size_t j = 0; j < i; ++j) {
      EXPECT_FALSE(gs[i].data().shares_storage(gs[j].data())) << i << " and " << j;
    }
  }
  Tensor(gs[0].data()) *= Tensor(5.0);
  EXPECT_EQ(gs[1].data().to_vector(), (std::vector<double>{1, 1}));
  EXPECT_EQ(gs[2].data().to_vector(), (std::vector<double>{1, 1}));
}

TEST(GradFunction, CreateGraphResultsNeverShareStorageAndStillDifferentiate) {
  Variable a(Tensor{1.0, 2.0});
  Variable b(Tensor{0.5, -1.0});
  const std::vector<Variable> gs =
      nabla::grad({sum(square(a + b))}, {a, b}, {.create_graph = true});
  EXPECT_FALSE(gs[0].data().shares_storage(gs[1].data()));
  EXPECT_EQ(gs[0].data().to_vector(), (std::vector<double>{3, 2}));  // 2 (a + b)
  EXPECT_EQ(gs[1].data().to_vector(), (std::vector<double>{3, 2}));
  EXPECT_FALSE(gs[1].is_leaf());  // the copy is recorded
  const std::vector<Variable> second = nabla::grad({sum(gs[0] * gs[1])}, {a, b});
  EXPECT_EQ(second[0].data().to_vector(), (std::vector<double>{12, 8}));  // 8 (a + b)
  EXPECT_EQ(second[1].data().to_vector(), (std::vector<double>{12, 8}));
}

TEST(GradFunction, WithoutRetainGraphASecondPassIsAnError) {
  Variable x(Tensor(2.0));
  Variable y = sin(x) * x;
  (void)nabla::grad({y}, {x});
  EXPECT_THAT(message_of<AutogradError>([&] { (void)nabla::grad({y}, {x}); }),
              HasSubstr("retain_graph"));
  Variable z = sin(x) * x;
  (void)nabla::grad({z}, {x}, {.retain_graph = true});
  EXPECT_NO_THROW((void)nabla::grad({z}, {x}));
}

// ---- Configuration -----------------------------------------------------------------------------

TEST(Configuration, NoGradRecordsNothingAndRestores) {
  Variable x(Tensor(2.0));
  EXPECT_TRUE(nabla::is_grad_enabled());
  {
    nabla::no_grad scope;
    EXPECT_FALSE(nabla::is_grad_enabled());
    Variable y = exp(x * x);
    EXPECT_TRUE(y.is_leaf());
    {
      nabla::enable_grad inner;
      EXPECT_FALSE((x * x).is_leaf());
    }
    EXPECT_FALSE(nabla::is_grad_enabled());
  }
  EXPECT_TRUE(nabla::is_grad_enabled());
  EXPECT_FALSE((x * x).is_leaf());
}

TEST(Configuration, EvaluationAndTrainingModesNest) {
  EXPECT_TRUE(nabla::is_training());
  {
    nabla::evaluation_mode evaluation;
    EXPECT_FALSE(nabla::is_training());
    {
      nabla::training_mode training;
      EXPECT_TRUE(nabla::is_training());
    }
    EXPECT_FALSE(nabla::is_training());
  }
  EXPECT_TRUE(nabla::is_training());
}

TEST(Configuration, GradModeAndTrainingFlagArePerThread) {
  nabla::no_grad scope;
  nabla::evaluation_mode evaluation;
  bool other_grad = false, other_training = false, other_recorded = false;
  std::thread other([&] {
    other_grad = nabla::is_grad_enabled();
    other_training = nabla::is_training();
    Variable x(Tensor(1.0));
    other_recorded = !(x * x).is_leaf();
  });
  other.join();
  EXPECT_TRUE(other_grad);
  EXPECT_TRUE(other_training);
  EXPECT_TRUE(other_recorded);
  EXPECT_FALSE(nabla::is_grad_enabled());
  EXPECT_FALSE(nabla::is_training());
  Variable x(Tensor(1.0));
  EXPECT_TRUE((x * x).is_leaf());
}

// ---- Version counters --------------------------------------------------------------------------

TEST(VersionCounter, InPlaceChangeOfASavedInputIsAnError) {
  Variable x(Tensor{1.0, 2.0, 3.0});
  Variable y = sum(x * x);
  const std::uint64_t before = x.data().version();
  Tensor handle = x.data();
  handle += Tensor(1.0);  // in place, through a handle on the same storage
  const std::string message = message_of<AutogradError>([&] { y.backward(); });
  EXPECT_THAT(message, HasSubstr("mul: an input saved for backward was modified in place"));
  EXPECT_THAT(message, HasSubstr("(version " + std::to_string(before) + ", now " +
                                 std::to_string(before + 1) + ")"));
}

TEST(VersionCounter, InPlaceChangeOfASavedOutputIsAnError) {
  Variable x(Tensor{1.0, 2.0});
  Variable y = exp(x);
  Variable z = sum(y);
  Tensor handle = y.data();
  handle.mutable_data<double>()[0] = 0;  // mutable_data bumps the version too
  EXPECT_THAT(message_of<AutogradError>([&] { z.backward(); }),
              HasSubstr("exp: an output saved for backward was modified in place"));
}

TEST(VersionCounter, InPlaceChangeOfWheresConditionIsAnError) {
  Variable a(Tensor{1.0, 2.0});
  Variable b(Tensor{3.0, 4.0});
  Tensor condition{1.0, 0.0};
  Variable y = sum(where(condition, a, b) * Variable(Tensor{1.0, 10.0}));
  const std::uint64_t before = condition.version();
  condition.fill_(1.0);  // would send both gradients to a
  const std::string message = message_of<AutogradError>([&] { y.backward(); });
  EXPECT_THAT(message, HasSubstr("where: the condition saved for backward was modified in place"));
  EXPECT_THAT(message, HasSubstr("(version " + std::to_string(before) + ", now " +
                                 std::to_string(before + 1) + ")"));
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(b.grad().defined());
}

TEST(VersionCounter, OperationsThatSaveNothingDoNotCare) {
  Variable x(Tensor{1.0, 2.0});
  Variable y = sum(x + x * 3.0);
  Tensor(x.data()) += Tensor(1.0);
  y.backward();  // add and multiplication by a number never read x
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{4, 4}));
}

// ---- Errors ------------------------------------------------------------------------------------

TEST(Errors, ShapeErrorsNameTheOperationAndBothShapes) {
  Variable a(Tensor::zeros({2, 3}));
  Variable b(Tensor::zeros({4}));
  const std::string message = message_of<ShapeError>([&] { (void)(a + b); });
  EXPECT_THAT(message, HasSubstr("add"));
  EXPECT_THAT(message, HasSubstr("(2, 3)"));
  EXPECT_THAT(message, HasSubstr("(4,)"));
  EXPECT_THAT(message_of<ShapeError>([&] { (void)matmul(a, a); }), HasSubstr("matmul"));
  EXPECT_THAT(message_of<ShapeError>([&] {
                (void)softmax_cross_entropy(a, {0, 3});
              }),
              HasSubstr("label 3 of row 1"));
  EXPECT_THAT(message_of<ShapeError>([&] { (void)softmax_cross_entropy(a, {0}); }),
              HasSubstr("2 rows but there are 1 labels"));
}

TEST(Errors, UndefinedVariablesAreReported) {
  Variable undefined;
  Variable x(1.0);
  EXPECT_THROW((void)(x + undefined), AutogradError);
  EXPECT_THROW(undefined.backward(), AutogradError);
  EXPECT_THROW((void)nabla::grad({x}, {undefined}), AutogradError);
}

// ---- Pictures ----------------------------------------------------------------------------------

TEST(GraphPictures, DotShowsNamesShapesDtypesAndFunctions) {
  Variable x(Tensor{{1.0, 2.0}, {3.0, 4.0}}, "x");
  Variable w(Tensor({2}, std::vector<float>{1.0f, 2.0f}), "w");
  Variable y = sum(square(exp(x)) * w);
  y.set_name("y");
  const std::string dot = nabla::to_dot(y);
  EXPECT_THAT(dot, HasSubstr("digraph g {"));
  EXPECT_THAT(dot, HasSubstr("label=\"x\\n(2, 2) float64\""));
  EXPECT_THAT(dot, HasSubstr("label=\"w\\n(2,) float32\""));
  EXPECT_THAT(dot, HasSubstr("label=\"y\\n() float64\""));
  for (const char* f : {"\"exp\"", "\"square\"", "\"mul\"", "\"sum\""}) {
    EXPECT_THAT(dot, HasSubstr(std::string("[label=") + f +
                               ", color=lightblue, style=filled, "
                               "shape=box]"));
  }
  EXPECT_EQ(nabla::to_dot(y), dot);  // deterministic
  EXPECT_THAT(nabla::to_dot(y, true), HasSubstr("[[1. 2.]\\n [3. 4.]]"));
}

TEST(GraphPictures, PlotWritesDotFiles) {
  Variable x(Tensor(0.5), "x");
  Variable y = square(exp(square(x)));
  const std::string path = ::testing::TempDir() + "nabla_graph_test.dot";
  nabla::plot_dot_graph(y, path);
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  EXPECT_EQ(text.str(), nabla::to_dot(y));
  std::remove(path.c_str());
}

TEST(GraphPictures, PlotDrawsPngWithGraphviz) {
  if (std::system("command -v dot >/dev/null 2>&1") != 0) GTEST_SKIP() << "Graphviz not installed";
  Variable x(Tensor(0.5), "x");
  Variable y = square(exp(square(x)));
  const std::string path = ::testing::TempDir() + "nabla_graph_test.png";
  nabla::plot_dot_graph(y, path);
  std::ifstream file(path, std::ios::binary);
  char signature[4] = {};
  file.read(signature, 4);
  EXPECT_EQ(std::string(signature + 1, 3), "PNG");
  std::remove(path.c_str());
}

}  // namespace
