// Printing and parsing are inverse: a printed expression reads back as the same node.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "nabla/symbolic/diff.hpp"
#include "nabla/symbolic/expr.hpp"
#include "nabla/symbolic/formula.hpp"

namespace {

namespace sym = nabla::sym;
using sym::Expr;

// A random expression over x, y, z: numbers of awkward shapes, every unary function of the
// rules table, the operators, and the two-argument functions.
class RandomExpressions {
 public:
  explicit RandomExpressions(unsigned seed) : random_(seed) {}

  Expr operator()(int depth) {
    std::uniform_int_distribution<int> pick(0, depth <= 0 ? 1 : 9);
    switch (pick(random_)) {
      case 0:
        return leaf_variable();
      case 1:
        return leaf_number();
      case 2:
        return (*this)(depth - 1) + (*this)(depth - 1);
      case 3:
        return (*this)(depth - 1) - (*this)(depth - 1);
      case 4:
        return (*this)(depth - 1) * (*this)(depth - 1);
      case 5:
        return (*this)(depth - 1) / (*this)(depth - 1);
      case 6:
        return pow((*this)(depth - 1), (*this)(depth - 1));
      case 7:
        return -(*this)(depth - 1);
      case 8:
        return unary((*this)(depth - 1));
      default:
        return binary((*this)(depth - 1), (*this)(depth - 1));
    }
  }

 private:
  Expr leaf_variable() {
    static const Expr variables[] = {sym::variable("x"), sym::variable("y"), sym::variable("z")};
    return variables[std::uniform_int_distribution<int>(0, 2)(random_)];
  }
  Expr leaf_number() {
    static const Expr numbers[] = {Expr(2.0),           Expr(0.1),         Expr(-3.0),
                                   Expr(1e-7),          Expr(2.5e10),      Expr(1.0 / 3),
                                   sym::constant("pi"), sym::constant("e")};
    return numbers[std::uniform_int_distribution<int>(0, 7)(random_)];
  }
  Expr unary(const Expr& a) {
    using Function = Expr (*)(const Expr&);
#define NABLA_ROUNDTRIP_UNARY(name, Rule) [](const Expr& v) { return name(v); },
    static const Function functions[] = {NABLA_UNARY_RULES(NABLA_ROUNDTRIP_UNARY)};
#undef NABLA_ROUNDTRIP_UNARY
    const auto count = static_cast<int>(std::size(functions));
    return functions[std::uniform_int_distribution<int>(0, count - 1)(random_)](a);
  }
  Expr binary(const Expr& a, const Expr& b) {
    switch (std::uniform_int_distribution<int>(0, 3)(random_)) {
      case 0:
        return atan2(a, b);
      case 1:
        return hypot(a, b);
      case 2:
        return min(a, b);
      default:
        return max(a, b);
    }
  }

  std::mt19937 random_;
};

TEST(SymbolicRoundTrip, PrintedExpressionsParseBackToTheSameNode) {
  RandomExpressions random(17);
  int checked = 0;
  for (int trial = 0; trial < 2000; ++trial) {
    const Expr e = random(4);
    const std::string text = sym::to_string(e);
    Expr back;
    ASSERT_NO_THROW(back = sym::parse(text)) << text;
    EXPECT_TRUE(back.same(e)) << text << "\n read back as " << sym::to_string(back);
    ++checked;
  }
  EXPECT_EQ(checked, 2000);
}

// Derivatives print in the language too (abs differentiates to sign).
TEST(SymbolicRoundTrip, PrintedDerivativesParseBack) {
  RandomExpressions random(23);
  const Expr x = sym::variable("x");
  for (int trial = 0; trial < 300; ++trial) {
    const Expr d = sym::diff(random(3), x);
    const std::string text = sym::to_string(d);
    Expr back;
    ASSERT_NO_THROW(back = sym::parse(text)) << text;
    EXPECT_TRUE(back.same(d)) << text << "\n read back as " << sym::to_string(back);
  }
}

// The language has no inf or nan literal; the divisions that fold to them read back.
TEST(SymbolicRoundTrip, NonFiniteNumbersPrintAsDivisions) {
  const double inf = std::numeric_limits<double>::infinity();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const Expr x = sym::variable("x");
  EXPECT_EQ(sym::to_string(Expr(inf)), "1/0");
  EXPECT_EQ(sym::to_string(Expr(-inf)), "-1/0");
  EXPECT_EQ(sym::to_string(Expr(nan)), "0/0");
  EXPECT_TRUE(Expr(std::copysign(nan, -1.0)).same(Expr(nan)));  // every nan is one node
  EXPECT_EQ(sym::to_string(inf * x), "1/0*x");
  EXPECT_EQ(sym::to_string(pow(x, Expr(inf))), "x^(1/0)");
  EXPECT_EQ(sym::to_string(pow(x, Expr(-inf))), "1/x^(1/0)");
  EXPECT_EQ(sym::to_string(x - inf), "x - 1/0");
  for (const Expr& e :
       {Expr(inf), Expr(-inf), Expr(nan), inf * x, nan * x, -inf * x, pow(x, Expr(inf)),
        pow(x, Expr(-inf)), pow(Expr(inf), x), x - inf, sin(x) * nan + inf})
    EXPECT_TRUE(sym::parse(sym::to_string(e)).same(e)) << sym::to_string(e);
}

// `*` and `/` read left to right, so a product prints its factors in the order of its chain.
TEST(SymbolicRoundTrip, ProductsPrintTheirFactorsInOrder) {
  const Expr x = sym::variable("x"), y = sym::variable("y"), z = sym::variable("z");
  EXPECT_EQ(sym::to_string(x / y / z), "x/y/z");      // x*y^-1*z^-1
  EXPECT_EQ(sym::to_string(x / (y * z)), "x/(y*z)");  // x*(y*z)^-1
  EXPECT_EQ(sym::to_string(1 / y * x), "1/y*x");
  EXPECT_EQ(sym::to_string(x / y * z), "x/y*z");
  EXPECT_EQ(sym::to_string(pow(sqrt(x), -2)), "sqrt(x)^-2");  // sqrt(x)^2 would read back as x
  EXPECT_EQ(sym::to_string(y * pow(sqrt(x), -2)), "y*sqrt(x)^-2");
  for (const Expr& e : {x / y / z, x / (y * z), 1 / y * x, x / y * z, pow(sqrt(x), -2),
                        y * pow(sqrt(x), -2), -2 * x / pow(y, 3)})
    EXPECT_TRUE(sym::parse(sym::to_string(e)).same(e)) << sym::to_string(e);
}

// A node is what the constructors make of its own operands, however the expression was grouped.
TEST(SymbolicRoundTrip, GroupingDoesNotChangeTheNode) {
  const Expr x = sym::variable("x"), y = sym::variable("y");
  // x * (y * (x*y)^-2): the product x*y, once built, meets its own power.
  EXPECT_TRUE((x * (y * pow(x * y, -2))).same(pow(x * y, -1)));
  EXPECT_TRUE(((x * y) * pow(x * y, -2)).same(pow(x * y, -1)));
  // x + v1 + ... + v16 + x: the second x is 17 terms from the first, too far to meet it. Once
  // v5 cancels it is 16, and the sum becomes what adding its terms one by one gives.
  std::vector<Expr> v;
  for (int i = 1; i <= 16; ++i)
    v.push_back(sym::variable(std::string("v").append(std::to_string(i))));
  Expr apart = x;
  for (const Expr& t : v) apart += t;
  apart += x;
  EXPECT_EQ(sym::to_string(apart).substr(0, 8), "x + v1 +");
  const Expr cancelled = apart - v[4];
  Expr direct = 2 * x;
  for (int i = 0; i < 16; ++i) {
    if (i != 4) direct += v[static_cast<std::size_t>(i)];
  }
  EXPECT_TRUE(cancelled.same(direct)) << sym::to_string(cancelled);
  EXPECT_TRUE(sym::parse(sym::to_string(cancelled)).same(cancelled));
  // The same for factors.
  Expr factors = x;
  for (const Expr& t : v) factors *= t;
  factors *= x;
  Expr direct_product = pow(x, 2);
  for (int i = 0; i < 16; ++i) {
    if (i != 4) direct_product *= v[static_cast<std::size_t>(i)];
  }
  EXPECT_TRUE((factors / v[4]).same(direct_product)) << sym::to_string(factors / v[4]);
}

// Two chains longer than 16 are joined without taking the right one apart (O(1), not O(length)):
// the printer keeps its parentheses, and parsing joins them the same way.
TEST(SymbolicRoundTrip, LongChainsJoinedKeepTheirParentheses) {
  Expr a_sum = 0, b_sum = 0, a_product = 1, b_product = 1;
  for (int i = 0; i < 20; ++i) {
    const Expr a = sym::variable(std::string("a").append(std::to_string(i)));
    const Expr b = sym::variable(std::string("b").append(std::to_string(i)));
    a_sum += a;
    b_sum += b;
    a_product *= a;
    b_product /= b;
  }
  const Expr sum = a_sum + b_sum, product = a_product * b_product;
  EXPECT_TRUE(sum.operand(1).same(b_sum));
  EXPECT_NE(sym::to_string(sum).find("a19 + (b0 + b1 + "), std::string::npos);
  EXPECT_TRUE(product.operand(1).same(b_product));
  EXPECT_NE(sym::to_string(product).find("a19*(1/b0/b1/"), std::string::npos);
  for (const Expr& e : {sum, product, sum - 2 * b_sum, product / b_product})
    EXPECT_TRUE(sym::parse(sym::to_string(e)).same(e)) << sym::to_string(e);
}

// Derivatives of tgamma and lgamma print polygamma(n, x), which the language reads.
TEST(SymbolicRoundTrip, PolygammaIsInTheLanguage) {
  const Expr x = sym::variable("x");
  EXPECT_TRUE(sym::parse("polygamma(1, x + 1)").same(polygamma(1, x + 1)));
  EXPECT_TRUE(sym::parse(sym::to_string(diff(lgamma(x * x), x))).same(diff(lgamma(x * x), x)));
  EXPECT_THROW(sym::parse("polygamma(0.5, x)"), std::invalid_argument);
  EXPECT_THROW(sym::parse("polygamma(x, x)"), std::invalid_argument);
  EXPECT_THROW(sym::parse("polygamma(-1, x)"), std::invalid_argument);
}

}  // namespace
