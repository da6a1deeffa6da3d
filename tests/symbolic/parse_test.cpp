// The formula parser against two builders: one that evaluates as it goes, one that prints the
// tree fully parenthesised so that precedence and associativity are visible.
#include "nabla/symbolic/parse.hpp"

#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <functional>
#include <map>
#include <numbers>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

namespace {

using nabla::sym::max_formula_depth;
using nabla::sym::parse_formula;
using nabla::sym::ParseError;

// Evaluates each node at once; variables come from `lookup` (x = 3, y = 4, z = 0.5 by default).
struct Evaluator {
  using Node = double;
  std::function<double(std::string_view)> lookup = [](std::string_view name) {
    static const std::map<std::string, double, std::less<>> values = {
        {"x", 3}, {"y", 4}, {"z", 0.5}, {"long_name_2", 7}};
    const auto found = values.find(name);
    if (found == values.end()) throw std::out_of_range("no value for " + std::string(name));
    return found->second;
  };

  double number(double value) { return value; }
  double constant(std::string_view name) {
    if (name == "pi") return std::numbers::pi;
    if (name == "e") return std::numbers::e;
    throw std::logic_error("unknown constant " + std::string(name));
  }
  double variable(std::string_view name) { return lookup(name); }
  double negate(double operand) { return -operand; }
  double binary(char op, double left, double right) {
    switch (op) {
      case '+':
        return left + right;
      case '-':
        return left - right;
      case '*':
        return left * right;
      case '/':
        return left / right;
      case '^':
        return std::pow(left, right);
    }
    throw std::logic_error(std::string("unknown operator ") + op);
  }
  double call(std::string_view function, std::vector<double> arguments) {
#define NABLA_TEST_UNARY(name, Rule) \
  if (function == #name) return nabla::rules::Rule::value(arguments.at(0));
    NABLA_UNARY_RULES(NABLA_TEST_UNARY)
#undef NABLA_TEST_UNARY
    if (function == "pow") return std::pow(arguments.at(0), arguments.at(1));
    if (function == "atan2") return std::atan2(arguments.at(0), arguments.at(1));
    if (function == "hypot") return std::hypot(arguments.at(0), arguments.at(1));
    if (function == "min") return std::min(arguments.at(0), arguments.at(1));
    if (function == "max") return std::max(arguments.at(0), arguments.at(1));
    if (function == "fmin") return std::fmin(arguments.at(0), arguments.at(1));
    if (function == "fmax") return std::fmax(arguments.at(0), arguments.at(1));
    if (function == "sign") return nabla::rules::sign(arguments.at(0));
    if (function == "polygamma")
      return nabla::polygamma(static_cast<int>(arguments.at(0)), arguments.at(1));
    throw std::logic_error("unknown function " + std::string(function));
  }
};

// Prints every operation in parentheses: "-x^2" becomes "(-(x ^ 2))".
struct Printer {
  using Node = std::string;
  std::string number(double value) {
    char text[32];
    std::snprintf(text, sizeof text, "%.17g", value);
    return text;
  }
  std::string constant(std::string_view name) { return "#" + std::string(name); }
  std::string variable(std::string_view name) { return std::string(name); }
  std::string negate(std::string operand) { return "(-" + operand + ")"; }
  std::string binary(char op, std::string left, std::string right) {
    return "(" + left + " " + op + " " + right + ")";
  }
  std::string call(std::string_view function, std::vector<std::string> arguments) {
    std::string text = std::string(function) + "(";
    for (std::size_t i = 0; i < arguments.size(); ++i) text += (i ? ", " : "") + arguments[i];
    return text + ")";
  }
};

double evaluate(std::string_view formula) {
  Evaluator evaluator;
  return parse_formula(formula, evaluator);
}

std::string print(std::string_view formula) {
  Printer printer;
  return parse_formula(formula, printer);
}

// Parses `formula`, which must fail; returns the error.
ParseError parse_failure(std::string_view formula) {
  try {
    Printer printer;
    const std::string tree = parse_formula(formula, printer);
    ADD_FAILURE() << "parsed '" << formula << "' as " << tree;
  } catch (const ParseError& error) {
    return error;
  }
  return ParseError("", 0, "no error");
}

// The error is at `position`, its reason contains `reason`, and what() shows the formula with a
// caret under the culprit (single-line formulas short enough to be shown whole).
void expect_error(std::string_view formula, std::size_t position, std::string_view reason) {
  SCOPED_TRACE("formula: '" + std::string(formula) + "'");
  const ParseError error = parse_failure(formula);
  EXPECT_EQ(error.position(), position);
  EXPECT_NE(error.reason().find(reason), std::string::npos) << error.reason();
  const std::string expected = "parse error at column " + std::to_string(position + 1) + ": " +
                               error.reason() + "\n  " + std::string(formula) + "\n  " +
                               std::string(position, ' ') + "^";
  EXPECT_EQ(std::string(error.what()), expected);
}

std::string repeat(std::string_view piece, std::size_t count) {
  std::string text;
  text.reserve(piece.size() * count);
  for (std::size_t i = 0; i < count; ++i) text += piece;
  return text;
}

TEST(ParsePrecedence, PowerBindsTighterThanTheSign) {
  EXPECT_EQ(evaluate("-x^2"), -9);
  EXPECT_EQ(evaluate("-2^2"), -4);
  EXPECT_EQ(print("-x^2"), "(-(x ^ 2))");
  EXPECT_EQ(print("-2^2"), "(-(2 ^ 2))");
}

TEST(ParsePrecedence, PowerIsRightAssociative) {
  EXPECT_EQ(evaluate("2^3^2"), 512);
  EXPECT_EQ(print("2^3^2"), "(2 ^ (3 ^ 2))");
  EXPECT_EQ(print("(2^3)^2"), "((2 ^ 3) ^ 2)");
}

TEST(ParsePrecedence, SumsAndProductsAreLeftAssociative) {
  EXPECT_EQ(evaluate("2-3-4"), -5);
  EXPECT_EQ(evaluate("8/4/2"), 1);
  EXPECT_EQ(print("2-3-4"), "((2 - 3) - 4)");
  EXPECT_EQ(print("8/4/2"), "((8 / 4) / 2)");
  EXPECT_EQ(print("a-b+c"), "((a - b) + c)");
  EXPECT_EQ(print("a/b*c"), "((a / b) * c)");
}

TEST(ParsePrecedence, ProductsBindTighterThanSums) {
  EXPECT_EQ(evaluate("2*3+4*5"), 26);
  EXPECT_EQ(evaluate("(1+2)*3"), 9);
  EXPECT_EQ(print("2*3+4*5"), "((2 * 3) + (4 * 5))");
  EXPECT_EQ(print("a+b*c^d"), "(a + (b * (c ^ d)))");
  EXPECT_EQ(print("(1+2)*3"), "((1 + 2) * 3)");
}

TEST(ParsePrecedence, SignsBindBetweenProductsAndPowers) {
  EXPECT_EQ(print("-x*y"), "((-x) * y)");
  EXPECT_EQ(print("2*-x"), "(2 * (-x))");
  EXPECT_EQ(print("x--y"), "(x - (-y))");
  EXPECT_EQ(print("2^-x^2"), "(2 ^ (-(x ^ 2)))");
  EXPECT_EQ(print("2^-x*y"), "((2 ^ (-x)) * y)");
  EXPECT_EQ(print("--x"), "(-(-x))");
  EXPECT_EQ(print("+x"), "x");  // a prefix '+' builds nothing
  EXPECT_EQ(print("-x+y"), "((-x) + y)");
  EXPECT_EQ(evaluate("2*-x"), -6);
  EXPECT_EQ(evaluate("2^-1"), 0.5);
  EXPECT_EQ(evaluate("x--y"), 7);
  EXPECT_EQ(evaluate("+-+x"), -3);
}

TEST(ParseNumbers, EveryFormIsRead) {
  EXPECT_EQ(evaluate("3"), 3);
  EXPECT_EQ(evaluate("2.5"), 2.5);
  EXPECT_EQ(evaluate("1e-3"), 1e-3);
  EXPECT_EQ(evaluate("2.5E+2"), 250);
  EXPECT_EQ(evaluate(".5"), 0.5);
  EXPECT_EQ(evaluate("1."), 1);
  EXPECT_EQ(evaluate("1.e2"), 100);
  EXPECT_EQ(evaluate("007"), 7);
  EXPECT_EQ(evaluate("6.02214076e23"), 6.02214076e23);
  EXPECT_EQ(evaluate("0.1"), 0.1);  // correctly rounded, not 1 * 10^-1 computed
  EXPECT_EQ(evaluate("4.9e-324"), 4.9e-324);
}

TEST(ParseFunctions, EveryUnaryRuleIsCallable) {
  // Independent of the rules table: each name against its <cmath> function.
#define NABLA_TEST_CMATH(f)                \
  {                                        \
#f, [](double v) { return std::f(v); } \
  }
  const std::map<std::string, double (*)(double), std::less<>> cmath = {NABLA_TEST_CMATH(exp),
                                                                        NABLA_TEST_CMATH(exp2),
                                                                        NABLA_TEST_CMATH(expm1),
                                                                        NABLA_TEST_CMATH(log),
                                                                        NABLA_TEST_CMATH(log2),
                                                                        NABLA_TEST_CMATH(log10),
                                                                        NABLA_TEST_CMATH(log1p),
                                                                        NABLA_TEST_CMATH(sqrt),
                                                                        NABLA_TEST_CMATH(cbrt),
                                                                        NABLA_TEST_CMATH(sin),
                                                                        NABLA_TEST_CMATH(cos),
                                                                        NABLA_TEST_CMATH(tan),
                                                                        NABLA_TEST_CMATH(asin),
                                                                        NABLA_TEST_CMATH(acos),
                                                                        NABLA_TEST_CMATH(atan),
                                                                        NABLA_TEST_CMATH(sinh),
                                                                        NABLA_TEST_CMATH(cosh),
                                                                        NABLA_TEST_CMATH(tanh),
                                                                        NABLA_TEST_CMATH(asinh),
                                                                        NABLA_TEST_CMATH(acosh),
                                                                        NABLA_TEST_CMATH(atanh),
                                                                        NABLA_TEST_CMATH(abs),
                                                                        NABLA_TEST_CMATH(fabs),
                                                                        NABLA_TEST_CMATH(erf),
                                                                        NABLA_TEST_CMATH(erfc),
                                                                        NABLA_TEST_CMATH(tgamma),
                                                                        NABLA_TEST_CMATH(lgamma),
                                                                        NABLA_TEST_CMATH(floor),
                                                                        NABLA_TEST_CMATH(ceil),
                                                                        NABLA_TEST_CMATH(round),
                                                                        NABLA_TEST_CMATH(trunc),
                                                                        {"sign", [](double v) { return v > 0 ? 1.0 : v < 0 ? -1.0 : 0.0; }}};
#undef NABLA_TEST_CMATH
  EXPECT_EQ(nabla::sym::unary_function_names.size(), 32u);  // the rules' 31, and sign
  for (std::string_view name : nabla::sym::unary_function_names) {
    SCOPED_TRACE(std::string(name));
    const auto function = cmath.find(name);
    ASSERT_NE(function, cmath.end()) << "a new rule: add it to this test";
    // Outside a domain (log(-0.75), acosh(0.5)) both sides are nan; inside, exactly equal.
    int finite = 0;
    for (double argument : {0.5, -0.75, 1.5}) {
      const std::string formula = std::string(name) + "(" + std::to_string(argument) + ")";
      const double expected = function->second(argument);
      const double value = evaluate(formula);
      if (std::isnan(expected)) {
        EXPECT_TRUE(std::isnan(value)) << formula << " = " << value;
      } else {
        EXPECT_EQ(value, expected) << formula;
        ++finite;
      }
    }
    EXPECT_GE(finite, 1);
    EXPECT_TRUE(nabla::sym::is_function_name(name));
    EXPECT_EQ(nabla::sym::function_arity(name), 1u);
    EXPECT_EQ(print(std::string(name) + "(x)"), std::string(name) + "(x)");
  }
}

TEST(ParseFunctions, TwoArgumentFunctions) {
  EXPECT_EQ(evaluate("pow(2, 10)"), 1024);
  EXPECT_EQ(evaluate("atan2(1, -1)"), std::atan2(1.0, -1.0));
  EXPECT_EQ(evaluate("hypot(x, y)"), 5);
  EXPECT_EQ(evaluate("min(x, y)"), 3);
  EXPECT_EQ(evaluate("max(x, -y)"), 3);
  EXPECT_EQ(print("atan2(y, x + 1)"), "atan2(y, (x + 1))");
  EXPECT_EQ(print("pow(sin(x), 2)"), "pow(sin(x), 2)");
  EXPECT_EQ(evaluate("fmin(x, y)"), 3);
  EXPECT_EQ(evaluate("fmax(x, -y)"), 3);
  EXPECT_EQ(evaluate("polygamma(0, 1)"), nabla::polygamma(0, 1.0));
  for (std::string_view name : {"pow", "atan2", "hypot", "min", "max", "fmin", "fmax", "polygamma"})
    EXPECT_EQ(nabla::sym::function_arity(name), 2u) << name;
  EXPECT_EQ(nabla::sym::binary_function_names.size(), 8u);
  EXPECT_FALSE(nabla::sym::is_function_name("x"));
  EXPECT_FALSE(nabla::sym::is_function_name("pi"));
  EXPECT_FALSE(nabla::sym::is_function_name("Sin"));
}

TEST(ParseFunctions, PiAndEAreConstants) {
  EXPECT_EQ(evaluate("pi"), std::numbers::pi);
  EXPECT_EQ(evaluate("e"), std::numbers::e);
  EXPECT_EQ(evaluate("2*pi"), 2 * std::numbers::pi);
  EXPECT_EQ(evaluate("log(e)"), 1);
  EXPECT_EQ(print("e^x"), "(#e ^ x)");
  EXPECT_EQ(print("pi_2 + E + PI"), "((pi_2 + E) + PI)");  // only exactly 'pi' and 'e'
  EXPECT_EQ(evaluate("long_name_2 * 2"), 14);
}

TEST(ParseWhitespace, BlanksAndNewlinesSeparateTokens) {
  EXPECT_EQ(evaluate(" \t x\n+\r\n y \n"), 7);
  EXPECT_EQ(print("sin (x)"), "sin(x)");
  EXPECT_EQ(print("atan2(\n  y,\n  x\n)"), "atan2(y, x)");
  EXPECT_EQ(evaluate("2\t^\t3"), 8);
}

TEST(ParseErrors, UnknownFunctionsAndArgumentCounts) {
  expect_error("2 + sinn(x)", 4, "unknown function 'sinn'");
  expect_error("x(2)", 0, "unknown function 'x'");
  expect_error("e(1)", 0, "unknown function 'e'");
  expect_error("1 + pi(2)", 4, "unknown function 'pi'");
  expect_error("atan2(y)", 0, "function 'atan2' takes 2 arguments, got 1");
  expect_error("x * sin(x, y)", 4, "function 'sin' takes 1 argument, got 2");
  expect_error("sin()", 0, "function 'sin' takes 1 argument, got 0");
  expect_error("min(1, 2, 3)", 0, "function 'min' takes 2 arguments, got 3");
  expect_error("sin + 1", 0, "function 'sin' needs its arguments in parentheses");
  // The exact wording of one message, whole.
  EXPECT_STREQ(parse_failure("2 + sinn(x)").what(),
               "parse error at column 5: unknown function 'sinn'\n  2 + sinn(x)\n      ^");
}

TEST(ParseErrors, ImplicitMultiplicationIsRefused) {
  expect_error("2 x", 2, "implicit multiplication");
  expect_error("2x", 1, "implicit multiplication");
  expect_error("2(x)", 1, "implicit multiplication");
  expect_error("(x)(y)", 3, "implicit multiplication");
  expect_error("x y", 2, "implicit multiplication");
  expect_error("sin(x) cos(x)", 7, "implicit multiplication");
  expect_error("atan2(y x)", 8, "implicit multiplication");
  expect_error("(1 2)", 3, "implicit multiplication");
  expect_error("1e5x", 3, "write '*'");
}

TEST(ParseErrors, MissingOperands) {
  expect_error("", 0, "empty formula");
  expect_error("x +", 3, "expected an operand, found the end of the formula");
  expect_error("x + ", 3, "expected an operand, found the end of the formula");
  expect_error("x + * y", 4, "expected an operand, found '*'");
  expect_error("x ** 2", 2, "'**' is not an operator: write '^'");
  expect_error("()", 1, "expected an operand, found ')'");
  expect_error("atan2(x,)", 8, "expected an operand, found ')'");
  expect_error("sin(,x)", 4, "expected an operand, found ','");
  expect_error("-", 1, "expected an operand");
  expect_error("2^", 2, "expected an operand");
  EXPECT_EQ(parse_failure("   ").reason(), "empty formula");
  EXPECT_EQ(parse_failure("   ").position(), 0u);
}

TEST(ParseErrors, UnbalancedParentheses) {
  // A missing ')' is reported at the innermost '(' left open.
  expect_error("(x", 0, "missing ')'");
  expect_error("((x)", 0, "missing ')'");
  expect_error("(1 + (2", 5, "missing ')'");
  expect_error("x * sin(x", 7, "missing ')'");
  expect_error("x)", 1, "unmatched ')'");
  expect_error("(x))", 3, "unmatched ')'");
  expect_error(")", 0, "unmatched ')'");
  expect_error("x + )", 4, "unmatched ')'");
  expect_error("(x, y)", 2, "',' outside the arguments of a function call");
  expect_error("x, y", 1, "','");
}

TEST(ParseErrors, MalformedNumbersAndCharacters) {
  expect_error("1e", 0, "malformed number '1e'");
  expect_error("x + 1.2.3", 4, "malformed number '1.2.3'");
  expect_error("1e+", 0, "malformed number '1e+'");
  expect_error("2 * 1e-x", 4, "malformed number '1e-x'");
  expect_error("1e5.5", 0, "malformed number '1e5.5'");
  expect_error("1..2", 0, "malformed number '1..2'");
  expect_error("1e400", 0, "number '1e400' is outside the range of double");
  expect_error("x + 1e-400", 4, "outside the range of double");
  expect_error("x # y", 2, "unexpected character '#'");
  expect_error("x = 2", 2, "unexpected character '='");
  expect_error("x . y", 2, "unexpected character '.'");
  expect_error("x [1]", 2, "unexpected character '['");
  EXPECT_EQ(parse_failure("x + \x7f").position(), 4u);
  EXPECT_EQ(parse_failure("x + \x7f").reason(), "unexpected byte 0x7F (formulas are ASCII)");
}

TEST(ParseErrors, CaretSitsUnderTheCulpritInMultiLineAndTabbedFormulas) {
  const ParseError multi_line = parse_failure("a +\n  b * c $\n+ d");
  EXPECT_EQ(multi_line.position(), 12u);
  EXPECT_STREQ(multi_line.what(),
               "parse error at line 2, column 9: unexpected character '$'\n"
               "    b * c $\n"
               "          ^");
  // A tab is drawn as a space, so the caret column counts it as one.
  EXPECT_STREQ(parse_failure("x\t+\t?").what(),
               "parse error at column 5: unexpected character '?'\n  x + ?\n      ^");
  // A UTF-8 character before the culprit is one column wide, not two bytes.
  EXPECT_STREQ(parse_failure("(\"\xC3\xA9\" ?").what(),
               "parse error at column 2: unexpected character '\"'\n  (\"\xC3\xA9\" ?\n   ^");
}

// what() goes to terminals and logs: the bytes a terminal would act on, or that would cut the
// message short, are drawn escaped (\xNN, four columns), and the caret stays under the culprit.
TEST(ParseErrors, ExcerptEscapesControlAndNonUtf8Bytes) {
  EXPECT_STREQ(parse_failure("x + \x1b[31mred").what(),
               "parse error at column 5: unexpected byte 0x1B (formulas are ASCII)\n"
               "  x + \\x1b[31mred\n"
               "      ^");
  // A NUL no longer ends what() before its caret line.
  EXPECT_EQ(std::string(parse_failure(std::string_view("x + \0 + y", 9)).what()),
            "parse error at column 5: unexpected byte 0x00 (formulas are ASCII)\n"
            "  x + \\x00 + y\n"
            "      ^");
  EXPECT_STREQ(parse_failure("x + \xff").what(),
               "parse error at column 5: unexpected byte 0xFF (formulas are ASCII)\n"
               "  x + \\xff\n"
               "      ^");
  EXPECT_STREQ(parse_failure("x + \x7f").what(),
               "parse error at column 5: unexpected byte 0x7F (formulas are ASCII)\n"
               "  x + \\x7f\n"
               "      ^");
  // After the culprit: an escape sequence that would set the terminal's title.
  EXPECT_STREQ(parse_failure("sinn(x) \x1b]0;title\x07").what(),
               "parse error at column 1: unknown function 'sinn'\n"
               "  sinn(x) \\x1b]0;title\\x07\n"
               "  ^");
}

// The parser stops at the first such byte, so only a ParseError made directly has one before
// its position; the caret counts each escape as the four columns it takes.
TEST(ParseErrors, CaretStaysUnderTheCulpritAfterEscapedBytes) {
  const auto what = [](std::string_view formula, std::size_t position) {
    return std::string(ParseError(formula, position, "here").what());
  };
  const std::string head = "parse error at column ";
  EXPECT_EQ(what("a\x1b"
                 "b?",
                 3),
            head + "4: here\n  a\\x1bb?\n  " + std::string(6, ' ') + "^");
  EXPECT_EQ(what(std::string_view("\0\0x", 3), 2),
            head + "3: here\n  \\x00\\x00x\n  " + std::string(8, ' ') + "^");
  EXPECT_EQ(what("\xff"
                 "x",
                 1),
            head + "2: here\n  \\xffx\n  " + std::string(4, ' ') + "^");
  // Well-formed UTF-8 is copied, one column a character; malformed sequences are escaped byte
  // by byte: a lead byte without its continuation, an overlong '/', a surrogate, and the C1
  // control U+009B (a CSI on some terminals), which is well-formed but acts like ESC [.
  EXPECT_EQ(what("\xC3\xA9\xE2\x88\x87?", 5), head + "6: here\n  \xC3\xA9\xE2\x88\x87?\n    ^");
  EXPECT_EQ(what("\xC3(?", 2), head + "3: here\n  \\xc3(?\n  " + std::string(5, ' ') + "^");
  EXPECT_EQ(what("\xC0\xAF?", 2), head + "3: here\n  \\xc0\\xaf?\n  " + std::string(8, ' ') + "^");
  EXPECT_EQ(what("\xED\xA0\x80?", 3),
            head + "4: here\n  \\xed\\xa0\\x80?\n  " + std::string(12, ' ') + "^");
  EXPECT_EQ(what("\xC2\x9B"
                 "31m?",
                 5),
            head + "6: here\n  \\xc2\\x9b31m?\n  " + std::string(11, ' ') + "^");
}

// Four columns a byte could make the picture four times as long: the window is counted in
// columns, so a line of escapes is still an excerpt, cut between escapes.
TEST(ParseErrors, ExcerptOfEscapedBytesStaysShort) {
  const std::string formula = repeat("\x1b", 10'000) + "?" + repeat("\x80", 10'000);
  const std::string what = ParseError(formula, 10'000, "here").what();
  EXPECT_LT(what.size(), 300u);
  const std::size_t first_newline = what.find('\n');
  const std::size_t second_newline = what.find('\n', first_newline + 1);
  ASSERT_NE(second_newline, std::string::npos);
  const std::string picture = what.substr(first_newline + 1, second_newline - first_newline - 1);
  const std::string caret_line = what.substr(second_newline + 1);
  EXPECT_EQ(picture, "  ..." + repeat("\\x1b", 8) + "?" + repeat("\\x80", 9) + "...");
  EXPECT_EQ(picture.substr(caret_line.size() - 1, 5), "?\\x80");
}

TEST(ParseErrors, LongFormulaShowsAnExcerptAroundTheCulprit) {
  std::string formula = repeat("x + ", 5000) + "sinn(x)" + repeat(" + x", 5000);
  const std::size_t culprit = 4 * 5000;
  const ParseError error = parse_failure(formula);
  EXPECT_EQ(error.position(), culprit);
  EXPECT_EQ(error.reason(), "unknown function 'sinn'");
  const std::string what = error.what();
  EXPECT_LT(what.size(), 300u);  // an excerpt, not 40 000 characters
  const std::size_t first_newline = what.find('\n');
  const std::size_t second_newline = what.find('\n', first_newline + 1);
  ASSERT_NE(second_newline, std::string::npos);
  EXPECT_EQ(what.substr(0, first_newline),
            "parse error at column " + std::to_string(culprit + 1) + ": unknown function 'sinn'");
  const std::string picture = what.substr(first_newline + 1, second_newline - first_newline - 1);
  const std::string caret_line = what.substr(second_newline + 1);
  EXPECT_EQ(picture.substr(0, 5), "  ...");
  EXPECT_EQ(picture.substr(picture.size() - 3), "...");
  ASSERT_EQ(caret_line.find_first_not_of(' '), caret_line.size() - 1);
  EXPECT_EQ(caret_line.back(), '^');
  EXPECT_EQ(picture.substr(caret_line.size() - 1, 7), "sinn(x)");
}

TEST(ParseScale, TwoHundredThousandTermSumParsesInLinearTime) {
  constexpr int terms = 200'000;
  std::string formula;
  for (int k = 1; k <= terms; ++k) formula += (k > 1 ? " + x" : "x") + std::to_string(k);
  Evaluator evaluator;
  evaluator.lookup = [](std::string_view name) {
    return static_cast<double>(std::stoi(std::string(name.substr(1))));
  };
  const auto start = std::chrono::steady_clock::now();
  const double sum = parse_formula(formula, evaluator);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(sum, 200'000.0 * 200'001.0 / 2);  // exact: every partial sum is an integer < 2^53
  EXPECT_LT(seconds, 1.0);

  EXPECT_EQ(evaluate("1" + repeat("+1", terms - 1)), terms);
  EXPECT_EQ(evaluate("1" + repeat("*1", terms - 1)), 1);
  EXPECT_EQ(evaluate(repeat("1-", terms) + "0"), 1 - (terms - 1));  // 1-1-...-1-0
}

TEST(ParseDepth, ThousandLevelsOfNestingParse) {
  constexpr std::size_t levels = 1000;
  EXPECT_EQ(evaluate(repeat("(", levels) + "x" + repeat(")", levels)), 3);
  EXPECT_EQ(evaluate(repeat("-(", levels / 2) + "x" + repeat(")", levels / 2)), 3);  // 2 each
  EXPECT_EQ(evaluate(repeat("-", levels + 1) + "x"), -3);
  EXPECT_EQ(evaluate(repeat("floor(", levels) + "x" + repeat(")", levels)), 3);
  EXPECT_EQ(evaluate(repeat("1^", levels) + "1"), 1);
  EXPECT_EQ(print(repeat("(", levels) + "x" + repeat(")", levels)), "x");
}

TEST(ParseDepth, LimitIsExactAndReportedWhereItIsCrossed) {
  // The outer expression is level 1, so max_formula_depth - 1 parentheses are the most.
  const std::size_t most = max_formula_depth - 1;
  EXPECT_EQ(evaluate(repeat("(", most) + "x" + repeat(")", most)), 3);
  const ParseError error = parse_failure(repeat("(", most + 1) + "x" + repeat(")", most + 1));
  EXPECT_EQ(error.position(), max_formula_depth);  // the expression inside the last '('
  EXPECT_EQ(error.reason(), "nesting deeper than " + std::to_string(max_formula_depth) + " levels");
}

TEST(ParseDepth, HundredThousandLevelsAreRefusedNotACrash) {
  constexpr std::size_t levels = 100'000;
  const std::string reason = "nesting deeper than " + std::to_string(max_formula_depth);
  for (const std::string& formula :
       {repeat("(", levels) + "x" + repeat(")", levels),
        repeat("-(", levels) + "x" + repeat(")", levels), repeat("-", levels) + "x",
        repeat("sin(", levels) + "x" + repeat(")", levels), repeat("2^", levels) + "2",
        repeat("(", levels) /* never closed: the depth is found first */}) {
    const ParseError error = parse_failure(formula);
    EXPECT_EQ(error.reason().find(reason), 0u) << error.reason();
    EXPECT_LT(std::string(error.what()).size(), 300u);
  }
}

TEST(ParseBuilder, BuilderExceptionsPassThrough) {
  EXPECT_THROW(evaluate("x + unknown_variable"), std::out_of_range);
}

}  // namespace
