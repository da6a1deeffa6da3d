// Every mode at the points where a rule has no finite derivative: poles (1/x, log, x/y at 0),
// branch points (sqrt, asin at ±1), infinite values (exp at inf), kinks (abs at 0), steps.
//
// The convention under test (nabla/core/chain.hpp): a tangent, adjoint or partial that is
// exactly zero contributes exactly zero to a derivative, whatever it meets. So along a
// direction that does not move the singular input the derivative is the ordinary one, and the
// modes (forward, nested forward, Taylor, reverse, forward over reverse, symbolic) agree on
// every entry: the same number, the same infinity, or all nan where IEEE has no answer (log of
// a negative). No mode gives nan where another gives a number.
#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <limits>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "nabla/forward/drivers.hpp"
#include "nabla/reverse/drivers.hpp"
#include "nabla/symbolic/diff.hpp"
#include "nabla/symbolic/evaluate.hpp"

namespace {

using nabla::BasicVar;
using nabla::Dual;
using nabla::Taylor;
using nabla::Var;

constexpr double kInf = std::numeric_limits<double>::infinity();

// One mode's reading of an entry (∂f/∂x, say) of a derivative. The symbolic derivative is an
// expression evaluated in IEEE arithmetic: where it holds 0 · inf at the point (sign(sqrt(x)) ·
// 1/(2 sqrt(x)) at 0), it is nan, and nothing can tell that product from one the user wrote.
// So its nan is no verdict (`may_be_nan`), but where it gives a number, every mode must too.
struct Reading {
  std::string mode;
  double value;
  bool may_be_nan = false;
};

// "x = 0" rather than "x = 0.000000".
std::string point_name(double a, double b) {
  std::ostringstream os;
  os << "(" << a << ", " << b << ")";
  return os.str();
}

bool same(double a, double b) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (std::isinf(a) || std::isinf(b)) return a == b;
  return std::abs(a - b) <= 1e-12 * std::max(1.0, std::max(std::abs(a), std::abs(b)));
}

// All readings of one entry are the same: one number, one infinity, or all nan.
void expect_modes_agree(const std::string& what, const std::vector<Reading>& readings) {
  for (const Reading& r : readings) {
    if (r.may_be_nan && std::isnan(r.value)) continue;
    EXPECT_TRUE(same(r.value, readings.front().value))
        << what << ": " << r.mode << " gives " << r.value << " but " << readings.front().mode
        << " gives " << readings.front().value;
  }
}

// Which entries a mode gives: gradient entries 0 and 1, Hessian entries (row-major) 0 to 3.
struct ModeReadings {
  std::array<std::vector<Reading>, 2> gradient;
  std::array<std::vector<Reading>, 4> hessian;
};

// f(x, y) at (a, b) in every mode. `symbolic`: also sym::Expr (false where the symbolic
// derivative's documented conventions differ from the numeric rules, see symbolic/diff.hpp).
template <class F>
ModeReadings read_every_mode(const F& f, double a, double b, bool symbolic) {
  ModeReadings m;
  const auto add_gradient = [&](const std::string& mode, double dx, double dy,
                                bool may_be_nan = false) {
    m.gradient[0].push_back({mode, dx, may_be_nan});
    m.gradient[1].push_back({mode, dy, may_be_nan});
  };
  const auto add_hessian = [&](const std::string& mode, const Eigen::MatrixXd& h,
                               bool may_be_nan = false) {
    for (int i = 0; i < 4; ++i) m.hessian[i].push_back({mode, h(i / 2, i % 2), may_be_nan});
  };

  // Forward mode: both directions in one pass, and one direction per pass (whose reciprocal
  // rules take the t / q path).
  const auto forward2 = nabla::forward::gradient<2>(f, {a, b});
  add_gradient("Dual<double, 2>", forward2[0], forward2[1]);
  const auto forward1 = nabla::forward::gradient<1>(f, {a, b});
  add_gradient("Dual<double>", forward1[0], forward1[1]);

  // Nested forward mode, seeded along e_i twice: the inner and the outer tangent are ∂f/∂x_i.
  {
    using D2 = Dual<Dual<double>>;
    std::array<double, 2> inner{}, outer{};
    for (int i = 0; i < 2; ++i) {
      const double s0 = i == 0 ? 1 : 0, s1 = i == 1 ? 1 : 0;
      const D2 y = f(D2(Dual<double>(a, s0), Dual<double>(s0, 0)),
                     D2(Dual<double>(b, s1), Dual<double>(s1, 0)));
      inner[i] = y.value().tangent();
      outer[i] = y.tangent().value();
    }
    add_gradient("Dual<Dual<double>> inner", inner[0], inner[1]);
    add_gradient("Dual<Dual<double>> outer", outer[0], outer[1]);
  }
  add_hessian("forward::hessian<1>", nabla::forward::hessian<1>(f, {a, b}));
  add_hessian("forward::hessian<2>", nabla::forward::hessian<2>(f, {a, b}));

  // Taylor mode along e_i: the other input is a constant series.
  {
    using T2 = Taylor<double, 2>;
    const T2 along_x = f(T2::variable(a), T2(b));
    const T2 along_y = f(T2(a), T2::variable(b));
    add_gradient("Taylor<double, 2>", along_x.derivative(1), along_y.derivative(1));
    m.hessian[0].push_back({"Taylor<double, 2>", along_x.derivative(2)});
    m.hessian[3].push_back({"Taylor<double, 2>", along_y.derivative(2)});
  }

  // Reverse mode, and forward over reverse along e_i: the adjoints' values are ∇f, their
  // tangents H e_i.
  const auto reverse = nabla::reverse::gradient(f, {a, b});
  add_gradient("Var", reverse[0], reverse[1]);
  {
    using S = BasicVar<Dual<double>>;
    Eigen::MatrixXd h(2, 2);
    for (int i = 0; i < 2; ++i) {
      nabla::reverse::BasicRecording<Dual<double>> recording;
      const S x(Dual<double>(a, i == 0 ? 1 : 0)), y(Dual<double>(b, i == 1 ? 1 : 0));
      const S z = f(x, y);
      z.backward();
      add_gradient("BasicVar<Dual<double>> e" + std::to_string(i), x.grad().value(),
                   y.grad().value());
      h(0, i) = x.grad().tangent();
      h(1, i) = y.grad().tangent();
    }
    add_hessian("BasicVar<Dual<double>>", h);
  }
  add_hessian("reverse::hessian", nabla::reverse::hessian(f, {a, b}));

  if (symbolic) {
    namespace sym = nabla::sym;
    const sym::Expr x = sym::variable("x"), y = sym::variable("y");
    const sym::Expr e = f(x, y);
    const std::vector<sym::Expr> xy = {x, y};
    const auto g = sym::gradient(e, xy);
    add_gradient("sym::gradient", sym::evaluate(g[0], xy, {a, b}), sym::evaluate(g[1], xy, {a, b}),
                 true);
    const auto h = sym::hessian(e, xy);
    Eigen::MatrixXd hm(2, 2);
    for (int i = 0; i < 2; ++i) {
      for (int j = 0; j < 2; ++j) hm(i, j) = sym::evaluate(h[i][j], xy, {a, b});
    }
    add_hessian("sym::hessian", hm, true);
    // The expression itself run through forward and reverse mode by the evaluator, whose
    // instructions (reciprocal, square, x^c) are not those of f.
    using D = Dual<double, 2>;
    const D on_dual = sym::evaluate<D>(e, xy, {D::variable(a, 0), D::variable(b, 1)});
    add_gradient("sym::evaluate<Dual>", on_dual.tangent(0), on_dual.tangent(1));
    nabla::Recording recording;
    const std::vector<Var> inputs = {Var(a), Var(b)};
    const Var on_var = sym::evaluate<Var>(e, xy, inputs);
    on_var.backward();
    add_gradient("sym::evaluate<Var>", inputs[0].grad(), inputs[1].grad());
  }
  return m;
}

// What a case checks: every mode agrees on both gradient entries and on d²/dy² (y does not
// move the singular input), and where given, the gradient entries have the expected values.
// Other Hessian entries may differ, inf against nan, where the second derivative is infinite.
struct Case {
  std::string name;
  double a, b;
  bool symbolic = true;
};
struct Expected {
  const double* dx = nullptr;
  const double* dy = nullptr;
};

template <class F>
void check_case(const F& f, const Case& c, Expected expected = {}) {
  const ModeReadings m = read_every_mode(f, c.a, c.b, c.symbolic);
  const std::string at = c.name + " at " + point_name(c.a, c.b);
  expect_modes_agree(at + ", d/dx", m.gradient[0]);
  expect_modes_agree(at + ", d/dy", m.gradient[1]);
  expect_modes_agree(at + ", d2/dy2", m.hessian[3]);
  const auto expect = [&](const char* entry, const std::vector<Reading>& readings,
                          const double* value) {
    if (!value) return;
    for (const Reading& r : readings) {
      if (r.may_be_nan && std::isnan(r.value)) continue;
      EXPECT_TRUE(same(r.value, *value))
          << at << ", " << entry << ": " << r.mode << " gives " << r.value << ", not " << *value;
    }
  };
  expect("d/dx", m.gradient[0], expected.dx);
  expect("d/dy", m.gradient[1], expected.dy);
}

// The points where the unary rules are singular or infinite: poles and branch points at 0 and
// ±1, infinite values at ±inf.
const std::vector<double> kUnaryPoints = {-kInf, -1.0, 0.0, 1.0, kInf};

// --- the three reported cases, verbatim --------------------------------------------------------

TEST(SingularPoints, ZeroTangentTimesInfinitePartialStaysZero) {
  const auto g = nabla::forward::gradient([](auto x, auto y) { return 1.0 / x + y; }, {0.0, 1.0});
  EXPECT_EQ(g[0], -kInf);
  EXPECT_EQ(g[1], 1.0);
  const auto r = nabla::reverse::gradient([](auto x, auto y) { return 1.0 / x + y; }, {0.0, 1.0});
  EXPECT_EQ(r[0], -kInf);
  EXPECT_EQ(r[1], 1.0);
}

TEST(SingularPoints, QuotientByZeroHasInfinitePartialsNotNan) {
  const auto g = nabla::forward::gradient([](auto x, auto y) { return x / y; }, {1.0, 0.0});
  EXPECT_EQ(g[0], kInf);
  EXPECT_EQ(g[1], -kInf);
  const auto r = nabla::reverse::gradient([](auto x, auto y) { return x / y; }, {1.0, 0.0});
  EXPECT_EQ(r[0], kInf);
  EXPECT_EQ(r[1], -kInf);
}

TEST(SingularPoints, ZeroTangentTimesInfiniteValueStaysZero) {
  const auto f = [](auto x, auto y) {
    using std::log;
    return x * log(y);
  };
  const auto g = nabla::forward::gradient(f, {1.0, 0.0});
  EXPECT_EQ(g[0], -kInf);
  EXPECT_EQ(g[1], kInf);
  const auto r = nabla::reverse::gradient(f, {1.0, 0.0});
  EXPECT_EQ(r[0], -kInf);
  EXPECT_EQ(r[1], kInf);
}

// --- reverse mode's mirror: a zero partial meets an infinite adjoint -----------------------------

// 0 * log(y) is nan at y = 0 (its value is 0 · -inf), but it does not move with y: its derivative
// is 0, as reverse mode's sweep gives when the partial 0 makes log(y)'s adjoint 0. Folding the
// product into log(y)'s statement multiplies the partials 0 and 1/y = inf together; that product
// must follow the same rule, or the folded tape (an rvalue log(y)) says nan where the unfolded
// one (an lvalue) says 0.
TEST(SingularPoints, ZeroPartialFoldedIntoInfinitePartialStaysZero) {
  const auto folded = [](auto x, auto y) {
    using std::log;
    return 0 * log(y) + x;
  };
  const auto unfolded = [](auto x, auto y) {
    using std::log;
    const auto l = log(y);
    return 0 * l + x;
  };
  for (const auto& g : {nabla::reverse::gradient(folded, {1.0, 0.0}),
                        nabla::reverse::gradient(unfolded, {1.0, 0.0}),
                        nabla::forward::gradient(folded, {1.0, 0.0})}) {
    EXPECT_EQ(g[0], 1.0);
    EXPECT_EQ(g[1], 0.0);
  }
}

// sqrt(0 * x): the sweep reaches sqrt's operand with the adjoint inf, and the partial of 0 * x
// with respect to x is 0.
TEST(SingularPoints, InfiniteAdjointTimesZeroPartialStaysZero) {
  const auto f = [](auto x, auto y) {
    using std::sqrt;
    const auto zero = x * 0.0;  // an lvalue: recorded as its own statement, not folded
    return sqrt(zero) + y;
  };
  const auto g = [](auto x, auto y) {
    using std::sqrt;
    return sqrt(x * 0.0) + y;  // folded: the partials 0 and inf multiplied on the tape
  };
  for (const auto& r :
       {nabla::reverse::gradient(f, {2.0, 1.0}), nabla::reverse::gradient(g, {2.0, 1.0}),
        nabla::forward::gradient(f, {2.0, 1.0})}) {
    EXPECT_EQ(r[0], 0.0);
    EXPECT_EQ(r[1], 1.0);
  }
  check_case(f, {"sqrt(x * 0) + y", 2.0, 1.0});
}

// --- every unary rule at its singular points ----------------------------------------------------

// The rules and operations are chosen at run time, by number: every mode's drivers are then
// instantiated once for all of them. A lambda per rule and form instantiated them 176 times,
// which took seven minutes to compile under AddressSanitizer.

// The unary rule number `rule` of NABLA_UNARY_RULES, at x.
template <class S>
S unary_rule(int rule, const S& x) {
  int k = 0;
#define NABLA_APPLY(function, Rule) \
  if (rule == k++) {                \
    using std::function;            \
    return function(x);             \
  }
  NABLA_UNARY_RULES(NABLA_APPLY)
#undef NABLA_APPLY
  ADD_FAILURE() << "no unary rule " << rule;
  return x;
}

#define NABLA_NAME(function, Rule) #function,
constexpr const char* kUnaryRuleNames[] = {NABLA_UNARY_RULES(NABLA_NAME)};
#undef NABLA_NAME

// f(x) + y, y * f(x), 0 * f(x) + y, f(x) * 0 + y and f(sqrt(x)) + y, as forms 0 to 4.
auto unary_form(int rule, int form) {
  return [rule, form](auto x, auto y) -> decltype(x + y) {
    using S = decltype(x + y);
    using std::sqrt;
    switch (form) {
      case 0:
        return unary_rule<S>(rule, x) + y;
      case 1:
        return y * unary_rule<S>(rule, x);
      case 2:
        return 0 * unary_rule<S>(rule, x) + y;
      case 3:
        return unary_rule<S>(rule, x) * 0 + y;
      default:
        return unary_rule<S>(rule, S(sqrt(x))) + y;
    }
  };
}

// f(x) + y, y * f(x), 0 * f(x) + y and f(sqrt(x)) + y, for every function of NABLA_UNARY_RULES
// (expanded from the list the modes use, so a new rule is checked without an edit):
//   - along y, f(x) + y has derivative 1 and y * f(x) has f(a), whatever f'(a) is;
//   - 0 * f(x) does not move with x, even where f(a) or f'(a) is infinite;
//   - sqrt's infinite tangent at 0 meets f'(0), which is 0 for abs and the steps.
// In every form every mode agrees on both gradient entries and on d²/dy².
TEST(SingularPoints, EveryUnaryRuleAgreesAcrossModesAtItsSingularPoints) {
  int cases = 0;
  const double zero = 0, one = 1;
  for (int rule = 0; rule < static_cast<int>(std::size(kUnaryRuleNames)); ++rule) {
    const std::string name = kUnaryRuleNames[rule];
    for (double a : kUnaryPoints) {
      const double value = unary_rule<double>(rule, a);
      check_case(unary_form(rule, 0), {name + "(x) + y", a, 1.0}, {.dy = &one});
      check_case(unary_form(rule, 1), {"y * " + name + "(x)", a, 1.0}, {.dy = &value});
      check_case(unary_form(rule, 2), {"0 * " + name + "(x) + y", a, 1.0},
                 {.dx = &zero, .dy = &one});
      check_case(unary_form(rule, 3), {name + "(x) * 0 + y", a, 1.0}, {.dx = &zero, .dy = &one});
      cases += 4;
    }
    check_case(unary_form(rule, 4), {name + "(sqrt(x)) + y", 0.0, 1.0}, {.dy = &one});
    ++cases;
  }
  EXPECT_EQ(cases, 31 * 21);
}

// --- binary operations and rules, with two inputs and with a plain number -----------------------

enum class Binary { add, subtract, multiply, divide, pow, atan2, hypot };

template <class A, class B>
auto binary(Binary op, const A& a, const B& b) -> decltype(a + b) {
  using std::atan2, std::hypot, std::pow;
  switch (op) {
    case Binary::add:
      return a + b;
    case Binary::subtract:
      return a - b;
    case Binary::multiply:
      return a * b;
    case Binary::divide:
      return a / b;
    case Binary::pow:
      return pow(a, b);
    case Binary::atan2:
      return atan2(a, b);
    default:
      return hypot(a, b);
  }
}

// h(x, y), h(x, b) + y and h(a, x) + y, as forms 0 to 2.
auto binary_form(Binary op, int form, double a, double b) {
  return [op, form, a, b](auto x, auto y) -> decltype(x + y) {
    switch (form) {
      case 0:
        return binary(op, x, y);
      case 1:
        return binary(op, x, b) + y;
      default:
        return binary(op, a, x) + y;
    }
  };
}

// Each binary operation h at every pair of the points, as h(x, y) and with a plain number c in
// either place, h(x, c) + y and h(c, x) + y (Dual / double, pow(double, Dual), ...): there the
// direction y moves nothing h reads, so d/dy is 1 in every mode.
TEST(SingularPoints, EveryBinaryOperationAgreesAcrossModesAtItsSingularPoints) {
  const std::vector<double> with_infinities = {-kInf, -1.0, 0.0, 1.0, kInf};
  const std::vector<double> finite = {-1.0, 0.0, 1.0};
  int cases = 0;
  const auto check = [&](const std::string& name, Binary op, auto symbolic_at,
                         const std::vector<double>& points) {
    const double one = 1;
    for (double a : points) {
      for (double b : points) {
        check_case(binary_form(op, 0, a, b), {name + "(x, y)", a, b, symbolic_at(a, b)});
        check_case(binary_form(op, 1, a, b),
                   {name + "(x, " + std::to_string(b) + ") + y", a, 1.0, symbolic_at(a, b)},
                   {.dy = &one});
        check_case(binary_form(op, 2, a, b),
                   {name + "(" + std::to_string(a) + ", x) + y", b, 1.0, symbolic_at(a, b)},
                   {.dy = &one});
        cases += 3;
      }
    }
  };
  const auto always = [](double, double) { return true; };
  check("+", Binary::add, always, with_infinities);
  check("-", Binary::subtract, always, with_infinities);
  check("*", Binary::multiply, always, with_infinities);
  // The simplifier folds 0/x to 0, which at x = 0 is not IEEE's 0/0 = nan.
  check(
      "/", Binary::divide, [](double a, double) { return a != 0; }, with_infinities);
  // The rules at finite points only: at infinite arguments their partials are themselves
  // indeterminate (hypot's a/h is inf/inf), which no convention for products decides.
  // The symbolic derivative of pow drops the numeric rule's special cases at a zero base
  // (symbolic/diff.hpp).
  check(
      "pow", Binary::pow, [](double a, double) { return a != 0; }, finite);
  // atan2 is nan at the origin in the numeric modes (rules.hpp), where the simplifier may turn
  // a symbolic partial -0/r² into 0.
  check(
      "atan2", Binary::atan2, [](double a, double b) { return a != 0 || b != 0; }, finite);
  // hypot's symbolic partials a/h, b/h are nan at (0, 0), where the numeric rule gives 0.
  check(
      "hypot", Binary::hypot, [](double a, double b) { return a != 0 || b != 0; }, finite);
  EXPECT_EQ(cases, (4 * 25 + 3 * 9) * 3);
}

}  // namespace
