// Evaluation through every mode, the compiled Program, and generated C compiled and run.
#include "nabla/symbolic/evaluate.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "functions.hpp"
#include "nabla/forward/dual.hpp"
#include "nabla/reverse/var.hpp"
#include "nabla/symbolic/codegen.hpp"
#include "nabla/symbolic/diff.hpp"

namespace {

using nabla::Dual;
using nabla::Var;
using nabla::sym::Expr;
using nabla::sym::variable;

// A function that touches most kinds of node: quotients, powers, functions, min/max, atan2.
constexpr auto g = [](auto x, auto y) {
  using std::sin, std::exp, std::pow, std::hypot, std::atan2, std::max, std::sqrt, std::log1p,
      std::abs, std::cosh;
  return sin(x) * exp(y) / (1.0 + x * x) + pow(x, 3.0) - hypot(x, y) + atan2(y, x) +
         max(x, y) * sqrt(y) - log1p(x * y) + abs(x - y) / cosh(y) + pow(y, x);
};

void expect_relative(double actual, double expected, double tolerance, const std::string& what) {
  EXPECT_LE(std::abs(actual - expected), tolerance * std::max(1.0, std::abs(expected)))
      << what << ": " << actual << " vs " << expected;
}

TEST(SymbolicEvaluate, DoubleDualAndVarAgreeWithTheFunctionWrittenDirectly) {
  const Expr x = variable("x"), y = variable("y");
  const Expr e = g(x, y);
  const double px = 0.8, py = 1.7;
  const double direct = g(px, py);
  expect_relative(nabla::sym::evaluate(e, {x, y}, {px, py}), direct, 1e-14, "double");

  using D = Dual<double, 2>;
  const D dual_direct = g(D::variable(px, 0), D::variable(py, 1));
  const std::vector<D> dual_inputs = {D::variable(px, 0), D::variable(py, 1)};
  const D dual = nabla::sym::evaluate<D>(e, {x, y}, dual_inputs);
  expect_relative(dual.value(), dual_direct.value(), 1e-14, "Dual value");
  expect_relative(dual.tangent(0), dual_direct.tangent(0), 1e-13, "Dual d/dx");
  expect_relative(dual.tangent(1), dual_direct.tangent(1), 1e-13, "Dual d/dy");

  nabla::Recording recording;
  const std::vector<Var> var_inputs = {Var(px), Var(py)};
  Var out = nabla::sym::evaluate<Var>(e, {x, y}, var_inputs);
  out.backward();
  expect_relative(out.value(), direct, 1e-14, "Var value");
  expect_relative(var_inputs[0].grad(), dual_direct.tangent(0), 1e-13, "Var d/dx");
  expect_relative(var_inputs[1].grad(), dual_direct.tangent(1), 1e-13, "Var d/dy");

  // and the symbolic gradient agrees with both
  const auto grad = nabla::sym::gradient(e, {x, y});
  expect_relative(nabla::sym::evaluate(grad[0], {x, y}, {px, py}), dual_direct.tangent(0), 1e-13,
                  "symbolic d/dx");
  expect_relative(nabla::sym::evaluate(grad[1], {x, y}, {px, py}), dual_direct.tangent(1), 1e-13,
                  "symbolic d/dy");
}

TEST(SymbolicEvaluate, EvaluatingWithExpressionsSubstitutes) {
  const Expr x = variable("x"), y = variable("y"), t = variable("t");
  const Expr e = x * x * y + y + 2;
  const Expr substituted = nabla::sym::evaluate<Expr>(e, {x, y}, {2 * t, t});
  EXPECT_EQ(nabla::sym::to_string(substituted), "4*t^3 + t + 2");
}

TEST(SymbolicEvaluate, AMissingVariableIsNamedInTheError) {
  const Expr x = variable("x"), y = variable("why_not");
  try {
    (void)nabla::sym::evaluate(x * y, {x}, {1.0});
    FAIL() << "no exception";
  } catch (const std::invalid_argument& error) {
    EXPECT_NE(std::string(error.what()).find("why_not"), std::string::npos) << error.what();
  }
  EXPECT_THROW((void)nabla::sym::evaluate(x * x, {x}, {1.0, 2.0}), std::invalid_argument);
}

TEST(SymbolicEvaluate, NamedConstantsHaveTheirValues) {
  const Expr e = nabla::sym::constant("pi") * nabla::sym::constant("e");
  EXPECT_EQ(nabla::sym::evaluate<double>(e, {}, std::vector<double>{}),
            std::numbers::pi * std::numbers::e);
  EXPECT_EQ(nabla::sym::to_string(e), "pi*e");
  EXPECT_THROW(nabla::sym::constant("tau"), std::invalid_argument);
}

TEST(SymbolicEvaluate, CompiledProgramMatchesEvaluate) {
  const Expr x = variable("x"), y = variable("y");
  const Expr e = g(x, y);
  std::vector<Expr> outputs{e};
  for (const Expr& d : nabla::sym::gradient(e, {x, y})) outputs.push_back(d);
  const nabla::sym::Program program = nabla::sym::compile(outputs, {x, y});
  EXPECT_EQ(program.output_count(), 3u);
  EXPECT_LT(program.instruction_count(), nabla::sym::node_count(outputs) + 1);
  std::mt19937 generator(7);
  std::uniform_real_distribution<double> point(0.2, 2.0);
  std::vector<double> out(3);
  for (int k = 0; k < 50; ++k) {
    const std::vector<double> in = {point(generator), point(generator)};
    program.run(in, out);
    for (std::size_t i = 0; i < 3; ++i) {
      expect_relative(out[i], nabla::sym::evaluate<double>(outputs[i], {x, y}, in), 1e-14,
                      "output " + std::to_string(i));
    }
  }
  std::vector<double> wrong(2);
  EXPECT_THROW(program.run(std::vector<double>{1.0, 2.0}, wrong), std::invalid_argument);
  // the same instructions through forward mode
  using D = Dual<double>;
  const std::vector<D> dual_in = {D::variable(0.9), D(1.3)};
  const auto dual_out = program.evaluate<D>(dual_in);
  const double dx = nabla::sym::evaluate<double>(outputs[1], {x, y}, {0.9, 1.3});
  expect_relative(dual_out[0].tangent(), dx, 1e-13, "Program over Dual");
}

TEST(SymbolicEvaluate, CompiledRosenbrockGradientMatchesTheAnalyticOne) {
  std::vector<Expr> x;
  for (int i = 0; i < 50; ++i) x.push_back(variable(std::string("x").append(std::to_string(i))));
  const Expr f = nabla::testing::rosenbrock<Expr>(x);
  const auto program = nabla::sym::compile(nabla::sym::gradient(f, x), x);
  std::vector<double> at(50);
  for (int i = 0; i < 50; ++i) at[i] = std::sin(i + 0.5);
  const auto out = program(at);
  const auto expected = nabla::testing::rosenbrock_gradient(at);
  for (int i = 0; i < 50; ++i) expect_relative(out[i], expected[i], 1e-13, "gradient");
}

// --- generated C, compiled by the system compiler ------------------------------------------

TEST(SymbolicCodegen, GeneratedCCompilesAndMatchesEvaluate) {
  if (std::system("cc --version > /dev/null 2>&1") != 0) GTEST_SKIP() << "no C compiler (cc)";
  const Expr x = variable("x"), y = variable("y"), z = variable("z");
  const Expr f = g(x, y) * z + min(x, z) + sign(y - 1.0) * floor(z) + erf(x);
  const std::vector<Expr> vars = {x, y, z};
  std::vector<Expr> outputs{f};
  for (const Expr& d : nabla::sym::gradient(f, vars)) outputs.push_back(d);
  for (const auto& entry : nabla::sym::sparse_hessian(f, vars)) outputs.push_back(entry.value);
  const std::string source = nabla::sym::codegen_c(outputs, vars, "f_gradient_hessian");
  EXPECT_NE(source.find("void f_gradient_hessian(const double* in, double* out)"),
            std::string::npos);

  const auto dir = std::filesystem::temp_directory_path() /
                   ("nabla_codegen_" + std::to_string(std::random_device{}()));
  std::filesystem::create_directories(dir);
  std::ofstream(dir / "generated.c") << source;
  std::ofstream(dir / "main.c") << "#include <stdio.h>\n#include <stdlib.h>\n"
                                   "void f_gradient_hessian(const double* in, double* out);\n"
                                   "int main(int argc, char** argv) {\n"
                                   "  double in[3], out["
                                << outputs.size()
                                << "];\n"
                                   "  for (int i = 0; i < 3; ++i) in[i] = strtod(argv[i + 1], 0);\n"
                                   "  (void)argc;\n"
                                   "  f_gradient_hessian(in, out);\n"
                                   "  for (int k = 0; k < "
                                << outputs.size()
                                << "; ++k) printf(\"%.17g\\n\", out[k]);\n  return 0;\n}\n";
  const std::string compile = "cc -std=c99 -O1 -Wall -Werror -o " + (dir / "program").string() +
                              " " + (dir / "generated.c").string() + " " +
                              (dir / "main.c").string() + " -lm";
  ASSERT_EQ(std::system(compile.c_str()), 0) << compile << "\n" << source;

  const std::vector<double> at = {0.7, 1.9, 2.3};
  const std::string run =
      (dir / "program").string() + " 0.7 1.9 2.3 > " + (dir / "out.txt").string();
  ASSERT_EQ(std::system(run.c_str()), 0);
  std::ifstream results(dir / "out.txt");
  for (std::size_t k = 0; k < outputs.size(); ++k) {
    double value = 0;
    ASSERT_TRUE(results >> value) << "output " << k;
    expect_relative(value, nabla::sym::evaluate<double>(outputs[k], vars, at), 1e-13,
                    "C output " + std::to_string(k));
  }
  std::filesystem::remove_all(dir);
}

TEST(SymbolicCodegen, SharedSubexpressionsBecomeOneTemporary) {
  const Expr x = variable("x"), y = variable("y");
  const Expr s = sin(x * y);
  const std::string source = nabla::sym::codegen_c({s * s + s, cos(s)}, {x, y}, "shared");
  std::size_t count = 0;
  for (auto at = source.find("sin("); at != std::string::npos; at = source.find("sin(", at + 1))
    ++count;
  EXPECT_EQ(count, 1u) << source;
  EXPECT_THROW(nabla::sym::codegen_c({s}, {x, y}, "not an identifier"), std::invalid_argument);
}

// Variable names are any text; in the generated header comment, one cannot close the comment.
TEST(SymbolicCodegen, AVariableNameCannotEndTheHeaderComment) {
  const Expr evil = variable("a*/ int injected; /*");
  const std::string source = nabla::sym::codegen_c({evil * 2}, {evil}, "f");
  // The first "*/" is the one that ends the header, after the names.
  EXPECT_EQ(source.find("*/"), source.find("). */") + 3) << source;
  EXPECT_NE(source.find("a* / int"), std::string::npos) << source;
}

// The Hessian in x of sum_k v_k tanh(W_k . x + b_k), with every weight a variable: entry (i, j)
// is sum_k c_k W_ki W_kj with c_k = -2 v_k t_k (1 - t_k^2). As the simplifier builds them, the
// terms share nothing across i and j; flattened with shared products, c_k W_kj is computed once
// and each term costs one multiplication and one addition.
TEST(SymbolicCodegen, ProductsWithCommonFactorsShareTheirPartialProducts) {
  constexpr std::size_t n = 4;
  std::vector<Expr> x, all;
  for (std::size_t i = 0; i < n; ++i) x.push_back(variable("x" + std::to_string(i)));
  all = x;
  Expr y = 0;
  for (std::size_t k = 0; k < n; ++k) {
    Expr z = variable("b" + std::to_string(k));
    all.push_back(z);
    for (std::size_t j = 0; j < n; ++j) {
      // built with append: GCC 12 warns falsely (-Wrestrict) about chained operator+
      const Expr w = variable(
          std::string("w").append(std::to_string(k)).append("_").append(std::to_string(j)));
      all.push_back(w);
      z += w * x[j];
    }
    const Expr v = variable("v" + std::to_string(k));
    all.push_back(v);
    y += v * tanh(z);
  }
  std::vector<Expr> entries;
  for (const auto& row : nabla::sym::hessian(y, x))
    entries.insert(entries.end(), row.begin(), row.end());

  auto operations = [](const nabla::sym::detail::Flat& flat) {
    std::size_t count = 0;
    for (const auto& in : flat.code) {
      count += in.op != nabla::sym::detail::Op::input && in.op != nabla::sym::detail::Op::number;
    }
    return count;
  };
  const std::size_t as_built = operations(nabla::sym::detail::flatten(entries, all, false));
  const std::size_t shared = operations(nabla::sym::detail::flatten(entries, all, true));
  // One multiplication and one addition per term of the lower triangle, plus per k: W_k . x + b_k
  // (2n), tanh, 1 - t^2 (2), c_k (3), c_k W_kj and W_kj^2 and its product (3n).
  const std::size_t terms = n * (n + 1) / 2 * n;
  EXPECT_LE(shared, 2 * terms + n * (2 * n + 6 + 3 * n)) << "as built: " << as_built;
  EXPECT_LT(shared, as_built);

  std::mt19937 generator(7);
  std::uniform_real_distribution<double> uniform(-1.0, 1.0);
  std::vector<double> at(all.size());
  for (double& value : at) value = uniform(generator);
  const nabla::sym::Program program = nabla::sym::compile(entries, all);
  std::vector<double> compiled(entries.size());
  program.run(at, compiled);
  for (std::size_t k = 0; k < entries.size(); ++k) {
    expect_relative(compiled[k], nabla::sym::evaluate<double>(entries[k], all, at), 1e-13,
                    "entry " + std::to_string(k));
  }
}

}  // namespace
