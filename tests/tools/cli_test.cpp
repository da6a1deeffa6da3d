// The nabla program's verbs, run in-process through nabla::cli::run with string streams.
#include "commands.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

namespace {

struct Result {
  int status;
  std::string out;
  std::string err;
};

Result nabla_cli(const std::vector<std::string>& args, const std::string& input = "") {
  std::vector<const char*> argv{"nabla"};
  for (const std::string& a : args) argv.push_back(a.c_str());
  std::istringstream in(input);
  std::ostringstream out, err;
  const int status = nabla::cli::run(static_cast<int>(argv.size()), argv.data(), in, out, err);
  return {status, out.str(), err.str()};
}

const std::string kSeed = "x*x*y + y + 2";

TEST(Cli, EvalPrintsTheSeedValue) {
  const Result r = nabla_cli({"eval", kSeed, "--at", "x=3,y=4"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "42\n");
  const Result json = nabla_cli({"eval", kSeed, "--at", "x=3,y=4", "--json"});
  EXPECT_EQ(nlohmann::json::parse(json.out),
            nlohmann::json::parse(R"({"vars": ["x", "y"], "value": 42})"));
}

TEST(Cli, GradientJsonInEveryMode) {
  for (const std::string mode : {"forward", "reverse", "symbolic"}) {
    const Result r = nabla_cli({"grad", kSeed, "--at", "x=3,y=4", "--mode", mode, "--json"});
    ASSERT_EQ(r.status, 0) << mode << ": " << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out),
              nlohmann::json::parse(R"({"vars": ["x", "y"], "value": 42, "gradient": [24, 10]})"))
        << mode;
  }
  const Result numeric =
      nabla_cli({"grad", kSeed, "--at", "x=3,y=4", "--mode", "numeric", "--json"});
  const auto j = nlohmann::json::parse(numeric.out);
  EXPECT_NEAR(j["gradient"][0].get<double>(), 24, 1e-7);
  EXPECT_NEAR(j["gradient"][1].get<double>(), 10, 1e-7);
  // reverse is the default
  const Result plain = nabla_cli({"grad", kSeed, "--at", "x=3,y=4", "--json"});
  EXPECT_EQ(nlohmann::json::parse(plain.out)["gradient"], nlohmann::json::parse("[24, 10]"));
}

TEST(Cli, HessianJsonIsTheSeedHessian) {
  for (const std::string mode : {"forward", "reverse", "symbolic"}) {
    const Result r = nabla_cli({"hessian", kSeed, "--at", "x=3,y=4", "--mode", mode, "--json"});
    ASSERT_EQ(r.status, 0) << mode << ": " << r.err;
    EXPECT_EQ(nlohmann::json::parse(r.out),
              nlohmann::json::parse(R"({"vars": ["x", "y"], "value": 42, "gradient": [24, 10],
                                        "hessian": [[8, 6], [6, 0]]})"))
        << mode;
  }
}

TEST(Cli, AllModesSideBySideWithTheirDifferences) {
  const Result r = nabla_cli({"hessian", kSeed, "--at", "x=3,y=4", "--mode", "all", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  for (const std::string mode : {"forward", "reverse", "symbolic", "numeric"}) {
    ASSERT_TRUE(j["modes"].contains(mode)) << mode;
    EXPECT_LT(j["modes"][mode]["difference"].get<double>(), 1e-5) << mode;
  }
  EXPECT_EQ(j["modes"]["forward"]["difference"].get<double>(), 0);
  const Result text = nabla_cli({"grad", kSeed, "--at", "x=3,y=4", "--mode", "all"});
  EXPECT_NE(text.out.find("== numeric"), std::string::npos) << text.out;
}

TEST(Cli, VariablesFollowTheOrderOfAtAndUnusedOnesGetZero) {
  const Result r = nabla_cli({"grad", kSeed, "--at", "y=4,z=1,x=3", "--json"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(
      nlohmann::json::parse(r.out),
      nlohmann::json::parse(R"({"vars": ["y", "z", "x"], "value": 42, "gradient": [10, 0, 24]})"));
}

TEST(Cli, ErrorsGoToStderrWithNoJson) {
  const Result missing = nabla_cli({"grad", kSeed, "--at", "x=3", "--json"});
  EXPECT_EQ(missing.status, 1);
  EXPECT_EQ(missing.out, "");
  EXPECT_NE(missing.err.find("'y'"), std::string::npos) << missing.err;

  const Result unparsable = nabla_cli({"grad", "sin(x", "--at", "x=1", "--json"});
  EXPECT_EQ(unparsable.status, 1);
  EXPECT_EQ(unparsable.out, "");
  EXPECT_NE(unparsable.err.find('^'), std::string::npos) << unparsable.err;

  for (const std::vector<std::string>& misuse :
       {std::vector<std::string>{"grad", kSeed, "--at", "x3"},
        std::vector<std::string>{"grad", kSeed, "--at", "x=three"},
        std::vector<std::string>{"grad", kSeed, "--at", "x=1,x=2"},
        std::vector<std::string>{"grad", kSeed, "--at", "x=3,y=4", "--mode", "sideways"},
        std::vector<std::string>{"grad", kSeed}, std::vector<std::string>{"frobnicate"}}) {
    const Result r = nabla_cli(misuse);
    EXPECT_EQ(r.status, 2) << misuse.back();
    EXPECT_EQ(r.out, "") << misuse.back();
    EXPECT_FALSE(r.err.empty()) << misuse.back();
  }
}

TEST(Cli, FormulasFromStdinAndLeadingMinusAfterDoubleDash) {
  const Result piped = nabla_cli({"eval", "-", "--at", "x=3"}, "x^2 + 1\n");
  EXPECT_EQ(piped.status, 0) << piped.err;
  EXPECT_EQ(piped.out, "10\n");
  const Result negative = nabla_cli({"eval", "--at", "x=3", "--", "-x^2"});
  EXPECT_EQ(negative.status, 0) << negative.err;
  EXPECT_EQ(negative.out, "-9\n");
  // A long formula, as from a file: 20 000 terms.
  std::string sum = "x";
  for (int i = 1; i < 20000; ++i) sum += " + x";
  const Result long_sum = nabla_cli({"eval", "-", "--at", "x=0.5"}, sum);
  EXPECT_EQ(long_sum.out, "10000\n") << long_sum.err;
}

// diff prints a formula: read back, it has the derivative's values.
TEST(Cli, DiffPrintsAFormulaOfTheDerivative) {
  const Result first = nabla_cli({"diff", kSeed, "--wrt", "x"});
  ASSERT_EQ(first.status, 0) << first.err;
  std::string formula = first.out.substr(0, first.out.find('\n'));
  const Result at = nabla_cli({"eval", formula, "--at", "x=3,y=4"});
  EXPECT_EQ(at.out, "24\n") << formula;
  const Result second = nabla_cli({"diff", kSeed, "--wrt", "x", "--order", "2"});
  formula = second.out.substr(0, second.out.find('\n'));
  EXPECT_EQ(nabla_cli({"eval", formula, "--at", "x=3,y=4"}).out, "8\n") << formula;
}

TEST(Cli, GraphAndCodegenPrintTheirFormats) {
  const Result graph = nabla_cli({"graph", kSeed});
  EXPECT_EQ(graph.status, 0) << graph.err;
  EXPECT_NE(graph.out.find("digraph"), std::string::npos) << graph.out;
  const Result code = nabla_cli({"codegen", kSeed, "--wrt", "x,y", "--name", "seed"});
  EXPECT_EQ(code.status, 0) << code.err;
  EXPECT_NE(code.out.find("void seed("), std::string::npos) << code.out;
}

// -o file.dot writes the DOT text; -o file.png has Graphviz's dot (a Debian package the set-up
// step installs) draw it.
TEST(Cli, GraphWritesDotAndPngFiles) {
  const std::string dot_path = ::testing::TempDir() + "nabla_cli_graph.dot";
  const std::string png_path = ::testing::TempDir() + "nabla_cli_graph.png";
  std::remove(dot_path.c_str());
  std::remove(png_path.c_str());
  const Result dot = nabla_cli({"graph", kSeed, "-o", dot_path});
  ASSERT_EQ(dot.status, 0) << dot.err;
  std::ifstream dot_file(dot_path);
  const std::string text{std::istreambuf_iterator<char>(dot_file), {}};
  EXPECT_EQ(text, nabla_cli({"graph", kSeed}).out);
  const Result png = nabla_cli({"graph", kSeed, "-o", png_path});
  ASSERT_EQ(png.status, 0) << png.err;
  std::ifstream png_file(png_path, std::ios::binary);
  char magic[8] = {};
  png_file.read(magic, sizeof magic);
  EXPECT_EQ(std::string(magic, 8), std::string("\x89PNG\r\n\x1a\n", 8));
}

}  // namespace
