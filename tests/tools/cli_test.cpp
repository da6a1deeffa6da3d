// The nabla program's verbs, run in-process through nabla::cli::run with string streams.
#include "commands.hpp"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <tuple>
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
        std::vector<std::string>{"frobnicate"}}) {
    const Result r = nabla_cli(misuse);
    EXPECT_EQ(r.status, 2) << misuse.back();
    EXPECT_EQ(r.out, "") << misuse.back();
    EXPECT_FALSE(r.err.empty()) << misuse.back();
  }
}

// --at may be left out: a formula without variables needs none, one with variables is told
// which value is missing.
TEST(Cli, AtIsNeededOnlyForTheFormulasVariables) {
  const Result constant = nabla_cli({"eval", "2"});
  EXPECT_EQ(constant.status, 0) << constant.err;
  EXPECT_EQ(constant.out, "2\n");
  const Result missing = nabla_cli({"grad", kSeed});
  EXPECT_EQ(missing.status, 1);
  EXPECT_NE(missing.err.find("'x' has no value"), std::string::npos) << missing.err;
}

TEST(Cli, AtAcceptsTheSpacesAPersonTypes) {
  const Result spaced = nabla_cli({"grad", "x*y", "--at", "x = 3,  y=2", "--json"});
  ASSERT_EQ(spaced.status, 0) << spaced.err;
  EXPECT_EQ(nlohmann::json::parse(spaced.out),
            nlohmann::json::parse(R"({"vars": ["x", "y"], "value": 6, "gradient": [2, 3]})"));
  EXPECT_EQ(nabla_cli({"eval", "x", "--at", "x=+2"}).out, "2\n");
  // Spaces inside a name are not a name.
  const Result inner = nabla_cli({"eval", "x", "--at", "x y=1"});
  EXPECT_EQ(inner.status, 2);
  EXPECT_NE(inner.err.find("'x y' is not a variable name"), std::string::npos) << inner.err;
}

TEST(Cli, AtSaysANumberIsOutOfRangeNotThatItIsNoNumber) {
  const Result r = nabla_cli({"eval", "x", "--at", "x=1e400"});
  EXPECT_EQ(r.status, 2);
  EXPECT_NE(r.err.find("'1e400' is out of the range of a double (for x)"), std::string::npos)
      << r.err;
}

TEST(Cli, GivingAConstantAValueIsAnErrorNamingIt) {
  for (const auto& [formula, at, name] :
       {std::tuple{"pi*x", "pi=3,x=1", "'pi'"}, std::tuple{"e^x", "e=1,x=0", "'e'"},
        std::tuple{"sin(x)", "sin=1,x=0", "'sin'"}}) {
    for (const std::string verb : {"eval", "grad"}) {
      const Result r = nabla_cli({verb, formula, "--at", at});
      EXPECT_EQ(r.status, 2) << verb << ' ' << at;
      EXPECT_EQ(r.out, "") << verb << ' ' << at;
      EXPECT_NE(r.err.find(name), std::string::npos) << r.err;
    }
  }
}

// JSON has no infinity or nan: they are the strings the text output prints, so that a reader
// tells sqrt'(0) = inf from log(-1) = nan.
TEST(Cli, JsonEncodesNonFiniteNumbersAsStrings) {
  const Result pole = nabla_cli({"grad", "sqrt(x) + y", "--at", "x=0,y=1", "--json"});
  ASSERT_EQ(pole.status, 0) << pole.err;
  EXPECT_EQ(nlohmann::json::parse(pole.out),
            nlohmann::json::parse(R"({"vars": ["x", "y"], "value": 1, "gradient": ["inf", 1]})"));
  EXPECT_EQ(nlohmann::json::parse(nabla_cli({"eval", "log(x)", "--at", "x=-1", "--json"}).out),
            nlohmann::json::parse(R"({"vars": ["x"], "value": "nan"})"));
  EXPECT_EQ(nlohmann::json::parse(nabla_cli({"eval", "log(x)", "--at", "x=0", "--json"}).out),
            nlohmann::json::parse(R"({"vars": ["x"], "value": "-inf"})"));
  const Result hessian =
      nabla_cli({"hessian", "sqrt(x)", "--at", "x=0", "--mode", "symbolic", "--json"});
  ASSERT_EQ(hessian.status, 0) << hessian.err;
  EXPECT_TRUE(nlohmann::json::parse(hessian.out)["hessian"][0][0].is_string()) << hessian.out;
}

TEST(Cli, DiffWrtAListIsTheMixedPartial) {
  const Result mixed = nabla_cli({"diff", "x*y", "--wrt", "x,y"});
  EXPECT_EQ(mixed.status, 0) << mixed.err;
  EXPECT_EQ(mixed.out, "1\n");
  const Result twice = nabla_cli({"diff", "x^3*y", "--wrt", "x,x,y"});
  EXPECT_EQ(nabla_cli({"eval", twice.out.substr(0, twice.out.find('\n')), "--at", "x=2"}).out,
            "12\n")
      << twice.out;
  const Result with_order = nabla_cli({"diff", "x*y", "--wrt", "x,y", "--order", "2"});
  EXPECT_EQ(with_order.status, 2);
  EXPECT_NE(with_order.err.find("--order applies to one variable"), std::string::npos);
}

TEST(Cli, DiffWrtThatIsNoVariableNameIsAUsageError) {
  for (const std::string wrt : {"1", "x y", "", "x,", "pi", "sin", "2x"}) {
    const Result r = nabla_cli({"diff", "x*y", "--wrt", wrt});
    EXPECT_EQ(r.status, 2) << "'" << wrt << "'";
    EXPECT_EQ(r.out, "") << "'" << wrt << "'";
    EXPECT_NE(r.err.find("--wrt"), std::string::npos) << r.err;
    EXPECT_EQ(r.err.find("sym::"), std::string::npos) << r.err;  // no internals
  }
}

// A variable the formula does not contain has derivative 0, truly; a note on stderr says why, in
// case the name was mistyped.
TEST(Cli, DiffByAnAbsentVariableIsZeroWithANote) {
  const Result r = nabla_cli({"diff", "x*y", "--wrt", "X"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "0\n");
  EXPECT_NE(r.err.find("'X' does not appear in the formula"), std::string::npos) << r.err;
}

TEST(Cli, DiffRefusesAnOrderWhoseCostIsAboveTheLimit) {
  for (const std::string order : {"1000", "2147483647"}) {
    const Result r = nabla_cli({"diff", "exp(sin(x))", "--wrt", "x", "--order", order});
    EXPECT_EQ(r.status, 1) << order;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find("above the limit"), std::string::npos) << r.err;
  }
  // High orders of simple functions are cheap, and allowed.
  EXPECT_EQ(nabla_cli({"diff", "sin(x)", "--wrt", "x", "--order", "400"}).out, "sin(x)\n");
}

// The 40th derivative of exp(sin(x)) is some tens of thousands of distinct terms but far more
// written out: printing it would take gigabytes.
TEST(Cli, DiffRefusesToPrintADerivativeTooLongToRead) {
  const Result r = nabla_cli({"diff", "exp(sin(x))", "--wrt", "x", "--order", "40"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.out, "");
  EXPECT_NE(r.err.find("too long to print"), std::string::npos) << r.err;
}

TEST(Cli, CodegenSaysWhichVariableIsMissingFromWrt) {
  const Result r = nabla_cli({"codegen", "x*y", "--wrt", "x"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("'y' is not in --wrt"), std::string::npos) << r.err;
  const Result empty = nabla_cli({"codegen", "x*y", "--wrt", ""});  // all, as when left out
  EXPECT_EQ(empty.status, 0) << empty.err;
}

// Arguments are echoed with control bytes escaped: an escape sequence cannot recolour the
// terminal.
TEST(Cli, ControlBytesOfArgumentsAreEscapedInMessages) {
  const Result r = nabla_cli({"eval", "x", "--at", "x=\x1b[31m1"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err.find('\x1b'), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("\\x1b[31m1"), std::string::npos) << r.err;
}

TEST(Cli, VersionAndHelpNameTheProgram) {
  const Result version = nabla_cli({"--version"});
  EXPECT_EQ(version.status, 0);
  EXPECT_EQ(version.out, "nabla 0.1.0\n");
  // Started by its full path, the help still says "nabla".
  std::vector<const char*> argv{"/usr/local/bin/nabla"};
  std::istringstream in;
  std::ostringstream out, err;
  EXPECT_EQ(nabla::cli::run(1, argv.data(), in, out, err), 0);
  EXPECT_NE(out.str().find("Usage: nabla [OPTIONS]"), std::string::npos) << out.str();
  EXPECT_EQ(out.str().find("/usr/local"), std::string::npos) << out.str();
  EXPECT_NE(out.str().find("tour"), std::string::npos) << out.str();
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

TEST(Cli, GraphWritesSvgAndRefusesFormatsItCannotWrite) {
  const std::string svg_path = ::testing::TempDir() + "nabla_cli_graph.svg";
  std::remove(svg_path.c_str());
  const Result svg = nabla_cli({"graph", kSeed, "-o", svg_path});
  ASSERT_EQ(svg.status, 0) << svg.err;
  std::ifstream svg_file(svg_path);
  const std::string text{std::istreambuf_iterator<char>(svg_file), {}};
  EXPECT_NE(text.find("<svg"), std::string::npos) << text.substr(0, 200);
  for (const std::string path : {"f.jpg", "f", "f.txt"}) {
    const Result r = nabla_cli({"graph", kSeed, "-o", ::testing::TempDir() + path});
    EXPECT_EQ(r.status, 2) << path;
    EXPECT_NE(r.err.find("cannot write"), std::string::npos) << r.err;
  }
}

}  // namespace
