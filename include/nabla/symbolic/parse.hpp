// The formula language: text such as "x^2 * sin(y) - 3" turned into an expression, bottom-up,
// by a builder the caller chooses. The parser knows nothing of the expression type: it calls
//   builder.number(2.5)             builder.constant("pi")     builder.variable("x")
//   builder.negate(node)            builder.binary('^', left, right)
//   builder.call("atan2", {node, node})
// so the same grammar serves sym::Expr, a direct evaluator and the tests' printer.
//
// Grammar (EBNF; whitespace -- spaces, tabs, newlines -- may separate any two tokens):
//
//   formula    = expression ;                                       (then the end of the text)
//   expression = term { ( "+" | "-" ) term } ;                      left-associative
//   term       = factor { ( "*" | "/" ) factor } ;                  left-associative
//   factor     = ( "-" | "+" ) factor | power ;                     prefix sign
//   power      = primary [ "^" factor ] ;                           right-associative
//   primary    = number | constant | variable | call | "(" expression ")" ;
//   call       = function "(" [ expression { "," expression } ] ")" ;
//   constant   = "pi" | "e" ;
//   variable   = identifier ;                                       not a constant or function
//   identifier = letter { letter | digit } ;                        letter: A-Z a-z _
//   number     = ( digits [ "." { digit } ] | "." digits ) [ ( "e" | "E" ) [ "+" | "-" ] digits ] ;
//                                                                   "3", "2.5", "1.", ".5", "1e-3"
//
// Precedence, loosest first (what the grammar says, as precedence climbing reads it):
//   1  + -     binary, left     2-3-4 = (2-3)-4
//   2  * /     binary, left     8/4/2 = (8/4)/2
//   3  - +     prefix           -x*y = (-x)*y,  2*-x = 2*(-x),  x--y = x-(-y)
//   4  ^       binary, right    2^3^2 = 2^(3^2) = 512,  -x^2 = -(x^2),  2^-x = 2^(-x)
// A prefix '+' is accepted and builds nothing. '^' binds tighter than the sign, as in
// mathematics: -2^2 is -4.
//
// Names. An identifier followed by '(' is a call (whitespace may come between). The functions
// are the one-argument functions of NABLA_UNARY_RULES (core/rules.hpp, so a rule added there is
// accepted here at once) plus sign (which derivatives of abs print), and the two-argument ones
// of NABLA_BINARY_RULES plus min, max, fmin, fmax and polygamma(n, x) (which derivatives of
// tgamma and lgamma print; the builder decides what an order other than a whole number means).
// 'pi' and 'e' are always the constants, never variables, and 'e(1)' is an unknown function.
// A function name is never a variable: a bare 'sin' is an error that asks for its parentheses.
//
// Errors. Anything outside the grammar throws ParseError with the byte offset of the culprit:
//   - an unknown function or a wrong argument count: at the function's name;
//   - a malformed number ('1e', '1e+', '1.2.3'), or one out of the range of double (1e400,
//     1e-400): at the number's first character;
//   - implicit multiplication ('2 x', '2(x)', '(x)(y)', 'x y'): at the second factor;
//   - a missing ')': at the '(' that is never closed, the innermost one, which says more than
//     "end of formula" when the formula is long; an unmatched ')': at that ')';
//   - a missing operand ('x +', '()', 'x ** 2', empty formula): at the token found instead,
//     where the end of the formula sits just after its last non-blank character;
//   - a bare function name ('sin + 1') at the name, an unexpected character at itself.
// what() draws the line of the formula holding the error (an excerpt when it is long) with a
// caret under the culprit. It is safe to print whatever the formula held: control characters
// and bytes that are not UTF-8 are drawn escaped, as \x1b or \xff (the caret still under the
// culprit), so no formula can recolour a terminal or cut the message short.
// Exceptions thrown by the builder pass through unchanged.
//
// Cost and depth. The text is read once, with one token of look-ahead and no copies of it:
// linear time. A chain of left-associative operators (a 200 000-term sum) is a loop, not a
// recursion. Nesting does recurse, one parse_expression per level: each parenthesis or call,
// each prefix sign, each right operand of '^', and the right operand of a looser operator that
// holds a tighter one ("a + b * (" is three levels deep at the parenthesis). Past
// max_formula_depth levels the parser throws ParseError "nesting deeper than N levels" instead
// of overflowing the stack. The 2000 levels allowed take under 0.8 MB of stack optimised,
// 1.5 MB at -O0 and 3 MB under AddressSanitizer (measured; the builder is called out of line so
// that its code does not sit in every frame): inside any 8 MiB Linux stack, and far beyond a
// formula a person writes (Python stops at 200 nested parentheses). A deeper machine-written
// expression should go to the builder directly, not through text.
#pragma once

#include <algorithm>
#include <charconv>
#include <concepts>
#include <cstddef>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "nabla/core/rules.hpp"

namespace nabla::sym {

// How many levels of nesting a formula may have; see "Cost and depth" above.
inline constexpr std::size_t max_formula_depth = 2000;

namespace detail {
#define NABLA_SYM_FUNCTION_NAME(name, Rule) std::string_view(#name),
// sign, the derivative of abs, is in the language so that every printed derivative reads back.
inline constexpr std::string_view unary_function_names[] = {
    NABLA_UNARY_RULES(NABLA_SYM_FUNCTION_NAME) std::string_view("sign")};
inline constexpr std::string_view binary_function_names[] = {
    NABLA_BINARY_RULES(NABLA_SYM_FUNCTION_NAME) std::string_view("min"), std::string_view("max"),
    std::string_view("fmin"), std::string_view("fmax"), std::string_view("polygamma")};
#undef NABLA_SYM_FUNCTION_NAME
}  // namespace detail

// The names the formula language calls with one argument, and with two.
inline constexpr std::span<const std::string_view> unary_function_names{
    detail::unary_function_names};
inline constexpr std::span<const std::string_view> binary_function_names{
    detail::binary_function_names};

// The number of arguments `name` takes, or 0 when it is not a function.
constexpr std::size_t function_arity(std::string_view name) {
  for (std::string_view f : unary_function_names)
    if (f == name) return 1;
  for (std::string_view f : binary_function_names)
    if (f == name) return 2;
  return 0;
}

constexpr bool is_function_name(std::string_view name) { return function_arity(name) != 0; }

class ParseError : public std::runtime_error {
 public:
  ParseError(std::string_view formula, std::size_t position, std::string reason)
      : std::runtime_error(describe(formula, position, reason)),
        position_(position),
        reason_(std::move(reason)) {}

  // 0-based byte offset into the formula.
  std::size_t position() const noexcept { return position_; }
  // The message without position or picture, e.g. "unknown function 'sinn'".
  const std::string& reason() const noexcept { return reason_; }

 private:
  // "parse error at column 5: unknown function 'sinn'\n  2 + sinn(x)\n      ^"
  // Columns are 1-based bytes; a multi-line formula names the line too and shows only it.
  static std::string describe(std::string_view formula, std::size_t position,
                              const std::string& reason) {
    position = std::min(position, formula.size());
    const std::size_t line_start =
        position == 0 ? 0 : formula.rfind('\n', position - 1) + 1;  // npos + 1 == 0
    const std::size_t line_end = std::min(formula.find('\n', position), formula.size());
    std::string_view line = formula.substr(line_start, line_end - line_start);
    const std::size_t offset = position - line_start;

    std::string message = "parse error at ";
    if (formula.find('\n') != std::string_view::npos) {
      const auto newlines = std::count(formula.begin(), formula.begin() + line_start, '\n');
      message += "line " + std::to_string(newlines + 1) + ", ";
    }
    message += "column " + std::to_string(offset + 1) + ": " + reason + "\n  ";

    // The line is drawn character by character (see ExcerptCharacter); a long one is shown as a
    // window of about `shown` columns around the caret, cut only between characters.
    constexpr std::size_t shown = 72, before = 32;
    std::size_t caret_column = 0, width = 0;  // columns of the characters before the culprit, all
    for (std::size_t i = 0; i < line.size();) {
      const ExcerptCharacter c = ExcerptCharacter::at(line, i);
      if (i + c.bytes <= offset) caret_column += c.width();
      width += c.width();
      i += c.bytes;
    }
    const std::size_t from = width > shown && caret_column > before ? caret_column - before : 0;
    const std::size_t to = from + shown;
    std::string picture, caret;
    std::size_t column = 0;
    bool cut_before = false, cut_after = false;
    for (std::size_t i = 0; i < line.size();) {
      const ExcerptCharacter c = ExcerptCharacter::at(line, i);
      if (column < from) {
        cut_before = true;
      } else if (width > shown && column + c.width() > to) {
        cut_after = true;
        break;
      } else {
        if (i + c.bytes <= offset) caret.append(c.width(), ' ');
        c.draw(picture, line.substr(i, c.bytes));
      }
      column += c.width();
      i += c.bytes;
    }
    if (cut_before) {
      picture.insert(0, "...");
      caret.insert(0, "   ");
    }
    if (cut_after) picture += "...";
    return message + picture + "\n  " + caret + "^";
  }

  // One character of the line as what() draws it. Printable ASCII and well-formed UTF-8 are
  // copied, one column each (a terminal shows a UTF-8 character in one column, mostly); a tab
  // or other blank is a space. Anything a terminal would act on or cannot show is escaped, each
  // byte as \xNN in four columns: the C0 controls and DEL (ESC would start an escape sequence,
  // NUL would end a C string), the C1 controls U+0080-U+009F (U+009B is a CSI on some
  // terminals), and each byte that is not part of well-formed UTF-8.
  struct ExcerptCharacter {
    std::size_t bytes = 1;
    bool escaped = false;

    std::size_t width() const { return escaped ? 4 * bytes : 1; }

    static ExcerptCharacter at(std::string_view line, std::size_t i) {
      const auto c = static_cast<unsigned char>(line[i]);
      if (c == '\t' || c == '\r' || c == '\v' || c == '\f') return {1, false};
      if (c < 0x20 || c == 0x7F) return {1, true};
      if (c < 0x80) return {1, false};
      const std::size_t length = utf8_length(line.substr(i));
      if (length == 0) return {1, true};
      if (c == 0xC2 && static_cast<unsigned char>(line[i + 1]) < 0xA0) return {2, true};  // C1
      return {length, false};
    }

    void draw(std::string& picture, std::string_view text) const {
      if (!escaped) {  // the only unescaped bytes below 0x20 are the blanks
        picture += static_cast<unsigned char>(text[0]) < 0x20 ? std::string_view(" ") : text;
        return;
      }
      constexpr char hex[] = "0123456789abcdef";
      for (const char c : text) {
        const auto byte = static_cast<unsigned char>(c);
        picture += {'\\', 'x', hex[byte / 16], hex[byte % 16]};
      }
    }
  };

  // The length of the well-formed UTF-8 sequence that `text` starts with (the Unicode
  // standard's table 3-7: no overlong forms, no surrogates, nothing above U+10FFFF), 0 if none.
  static constexpr std::size_t utf8_length(std::string_view text) {
    const auto byte = [&](std::size_t k) {
      return k < text.size() ? static_cast<unsigned char>(text[k]) : 0u;
    };
    const unsigned lead = byte(0);
    if (lead < 0x80) return 1;
    std::size_t length = 0;
    unsigned low = 0x80, high = 0xBF;  // the range of the second byte; later ones are 80-BF
    if (lead >= 0xC2 && lead <= 0xDF) {
      length = 2;
    } else if (lead >= 0xE0 && lead <= 0xEF) {
      length = 3;
      if (lead == 0xE0) low = 0xA0;   // no overlong form
      if (lead == 0xED) high = 0x9F;  // no surrogate
    } else if (lead >= 0xF0 && lead <= 0xF4) {
      length = 4;
      if (lead == 0xF0) low = 0x90;   // no overlong form
      if (lead == 0xF4) high = 0x8F;  // nothing above U+10FFFF
    }
    for (std::size_t k = 1; k < length; ++k) {
      if (byte(k) < low || byte(k) > high) return 0;
      low = 0x80;
      high = 0xBF;
    }
    return length;
  }

  std::size_t position_;
  std::string reason_;
};

// What parse_formula needs of a builder: one call per node, children built first.
template <class B>
concept FormulaBuilder = std::movable<typename B::Node> &&
    requires(B& builder, typename B::Node node, std::vector<typename B::Node> arguments,
             std::string_view name, double value, char op) {
  { builder.number(value) } -> std::convertible_to<typename B::Node>;
  { builder.constant(name) } -> std::convertible_to<typename B::Node>;
  { builder.variable(name) } -> std::convertible_to<typename B::Node>;
  { builder.negate(std::move(node)) } -> std::convertible_to<typename B::Node>;
  { builder.binary(op, std::move(node), std::move(node)) } -> std::convertible_to<typename B::Node>;
  { builder.call(name, std::move(arguments)) } -> std::convertible_to<typename B::Node>;
};

namespace detail {

enum class TokenKind { number, identifier, symbol, end };  // symbol: one of + - * / ^ ( ) ,

struct Token {
  TokenKind kind = TokenKind::end;
  std::size_t position = 0;
  std::string_view text;  // the characters of the token, empty at the end
  double value = 0;       // numbers only
  bool is(char symbol) const { return kind == TokenKind::symbol && text[0] == symbol; }
};

constexpr bool is_digit(char c) { return c >= '0' && c <= '9'; }
constexpr bool is_letter(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
constexpr bool is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

// Tokens on demand, one of look-ahead; errors therefore come in reading order.
class FormulaLexer {
 public:
  explicit FormulaLexer(std::string_view text) : text_(text), end_(text.size()) {
    while (end_ > 0 && is_blank(text_[end_ - 1])) --end_;
  }

  const Token& peek() {
    if (!ready_) token_ = lex(), ready_ = true;
    return token_;
  }
  Token take() {
    peek();
    ready_ = false;
    return token_;
  }
  void skip() { ready_ = false; }  // after peek()

  [[noreturn]] void fail(std::size_t position, std::string reason) const {
    throw ParseError(text_, position, std::move(reason));
  }

  // The parser's errors. They are kept out of line (and their strings with them) so that the
  // recursive parser functions keep small stack frames.
  [[noreturn, gnu::cold, gnu::noinline]] void fail_unknown_function(std::string_view name,
                                                                    std::size_t position) const {
    const bool constant = name == "pi" || name == "e";
    fail(position, "unknown function '" + std::string(name) + "'" +
                       (constant ? " (pi and e are constants; multiply with '*')" : ""));
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_arity(std::string_view name,
                                                         std::size_t position, std::size_t arity,
                                                         std::size_t count) const {
    fail(position, "function '" + std::string(name) + "' takes " + std::to_string(arity) +
                       (arity == 1 ? " argument" : " arguments") + ", got " +
                       std::to_string(count));
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_bare_function(std::string_view name,
                                                                 std::size_t position) const {
    const std::string function(name);
    fail(position,
         "function '" + function + "' needs its arguments in parentheses: " + function + "(...)");
  }
  // An operand is complete and the next token is neither an operator nor the expected closer:
  // ')' or ',' inside the parenthesis at `open`, the end of the formula when `open` is npos.
  [[noreturn, gnu::cold, gnu::noinline]] void fail_after_operand(std::size_t open) {
    const Token& token = peek();
    if (token.kind == TokenKind::end) fail(open, "missing ')' for this '('");
    if (token.is(')')) fail(token.position, "unmatched ')'");
    if (token.is(',')) fail(token.position, "',' outside the arguments of a function call");
    fail(token.position, "implicit multiplication: write '*' between factors");
  }
  // The next token should begin an operand and does not.
  [[noreturn, gnu::cold, gnu::noinline]] void fail_expected_operand(bool inside_parentheses) {
    const Token& token = peek();
    if (token.kind == TokenKind::end)
      fail(token.position, "expected an operand, found the end of the formula");
    if (token.is(')') && !inside_parentheses) fail(token.position, "unmatched ')'");
    if (token.is('*') && token.position > 0 && text_[token.position - 1] == '*')
      fail(token.position - 1, "'**' is not an operator: write '^' for a power");
    fail(token.position, "expected an operand, found '" + std::string(token.text) + "'");
  }
  [[noreturn, gnu::cold, gnu::noinline]] void fail_too_deep() {
    fail(peek().position, "nesting deeper than " + std::to_string(max_formula_depth) + " levels");
  }

 private:
  Token lex() {
    while (cursor_ < text_.size() && is_blank(text_[cursor_])) ++cursor_;
    const std::size_t start = cursor_;
    if (start == text_.size()) return {TokenKind::end, end_, {}, 0};
    const char c = text_[start];
    if (is_digit(c) || (c == '.' && start + 1 < text_.size() && is_digit(text_[start + 1])))
      return lex_number(start);
    if (is_letter(c)) {
      while (cursor_ < text_.size() && (is_letter(text_[cursor_]) || is_digit(text_[cursor_])))
        ++cursor_;
      return {TokenKind::identifier, start, text_.substr(start, cursor_ - start), 0};
    }
    if (std::string_view("+-*/^(),").find(c) != std::string_view::npos) {
      ++cursor_;
      return {TokenKind::symbol, start, text_.substr(start, 1), 0};
    }
    if (c > ' ' && c < 127) fail(start, std::string("unexpected character '") + c + "'");
    constexpr char hex[] = "0123456789ABCDEF";
    const auto byte = static_cast<unsigned char>(c);
    fail(start, std::string("unexpected byte 0x") + hex[byte / 16] + hex[byte % 16] +
                    " (formulas are ASCII)");
  }

  // number = ( digits [ "." { digit } ] | "." digits ) [ ( "e" | "E" ) [ "+" | "-" ] digits ]
  Token lex_number(std::size_t start) {
    std::size_t i = start;
    const auto digits = [&] {
      while (i < text_.size() && is_digit(text_[i])) ++i;
    };
    digits();
    if (i < text_.size() && text_[i] == '.') ++i, digits();
    bool malformed = false;
    if (i < text_.size() && (text_[i] == 'e' || text_[i] == 'E')) {
      std::size_t j = i + 1;
      if (j < text_.size() && (text_[j] == '+' || text_[j] == '-')) ++j;
      if (j < text_.size() && is_digit(text_[j]))
        i = j, digits();
      else
        malformed = true;  // "1e", "1e+", "2exp(x)"
    }
    if (i < text_.size() && text_[i] == '.') malformed = true;  // "1.2.3", "1e5.2"
    double value = 0;
    const auto [end, error] = std::from_chars(text_.data() + start, text_.data() + i, value);
    if (malformed || end != text_.data() + i) {
      // Quote the whole would-be number: letters, digits, dots, and a sign after an exponent.
      std::size_t j = start;
      while (j < text_.size() && (is_digit(text_[j]) || is_letter(text_[j]) || text_[j] == '.' ||
                                  ((text_[j] == '+' || text_[j] == '-') &&
                                   (text_[j - 1] == 'e' || text_[j - 1] == 'E'))))
        ++j;
      fail(start, "malformed number '" + std::string(text_.substr(start, j - start)) + "'");
    }
    if (error == std::errc::result_out_of_range)
      fail(start, "number '" + std::string(text_.substr(start, i - start)) +
                      "' is outside the range of double");
    cursor_ = i;
    return {TokenKind::number, start, text_.substr(start, i - start), value};
  }

  std::string_view text_;
  std::size_t end_;  // just after the last non-blank character: where "the end" is reported
  std::size_t cursor_ = 0;
  Token token_;
  bool ready_ = false;
};

// Recursive descent, with precedence climbing for the binary operators: parse_expression(p)
// reads an operand and then every operator of precedence >= p, looping over left-associative
// ones and recursing only for a right operand, so "a + b + c + ..." runs at constant depth.
template <FormulaBuilder Builder>
class FormulaParser {
 public:
  using Node = typename Builder::Node;

  FormulaParser(std::string_view text, Builder& builder) : lexer_(text), builder_(builder) {}

  // formula = expression (end of text)
  Node parse() {
    if (lexer_.peek().kind == TokenKind::end) lexer_.fail(lexer_.peek().position, "empty formula");
    Node result = parse_expression(lowest_precedence);
    if (lexer_.peek().kind != TokenKind::end) lexer_.fail_after_operand(std::string_view::npos);
    return result;
  }

 private:
  static constexpr int lowest_precedence = 1;  // + -
  static constexpr int sign_precedence = 3;    // prefix - +, between * / and ^
  static constexpr int power_precedence = 4;   // ^

  // 0 when the token is no binary operator, which ends every expression.
  static int binary_precedence(const Token& token) {
    if (token.kind != TokenKind::symbol) return 0;
    switch (token.text[0]) {
      case '+':
      case '-':
        return 1;
      case '*':
      case '/':
        return 2;
      case '^':
        return power_precedence;
      default:
        return 0;
    }
  }

  // expression(p) = operand { operator(q >= p) expression(q + 1, or q for right-assoc '^') }
  Node parse_expression(int min_precedence) {
    DepthGuard guard(*this);
    Node left = parse_operand();
    for (;;) {
      const int precedence = binary_precedence(lexer_.peek());
      if (precedence == 0 || precedence < min_precedence) return left;
      const char op = lexer_.take().text[0];
      Node right = parse_expression(op == '^' ? precedence : precedence + 1);
      left = build_binary(op, left, right);
    }
  }

  // operand = ( "-" | "+" ) expression(sign) | number | constant | variable | call
  //         | "(" expression ")"
  // The functions on the recursion path hold no Token, only scalars: small stack frames.
  Node parse_operand() {
    const Token& token = lexer_.peek();
    const std::size_t position = token.position;
    if (token.kind == TokenKind::number) {
      const double value = token.value;
      lexer_.skip();
      return build_number(value);
    }
    if (token.kind == TokenKind::identifier) {
      const std::string_view name = token.text;
      lexer_.skip();
      if (lexer_.peek().is('(')) return parse_call(name, position);
      return build_name(name, position);
    }
    const char symbol = token.kind == TokenKind::symbol ? token.text[0] : '\0';
    if (symbol == '-' || symbol == '+') {
      lexer_.skip();
      Node operand = parse_expression(sign_precedence);
      if (symbol == '+') return operand;  // a prefix '+' builds nothing
      return build_negate(operand);
    }
    if (symbol == '(') {
      lexer_.skip();
      ++open_parentheses_;
      Node inner = parse_expression(lowest_precedence);
      if (!lexer_.peek().is(')')) lexer_.fail_after_operand(position);
      lexer_.skip();
      --open_parentheses_;
      return inner;
    }
    lexer_.fail_expected_operand(open_parentheses_ > 0);
  }

  // call = function "(" [ expression { "," expression } ] ")"
  Node parse_call(std::string_view name, std::size_t position) {
    const std::size_t arity = function_arity(name);
    if (arity == 0) lexer_.fail_unknown_function(name, position);
    const std::size_t open = lexer_.peek().position;
    lexer_.skip();
    std::vector<Node> arguments;
    ++open_parentheses_;
    if (!lexer_.peek().is(')')) {
      for (;;) {
        arguments.push_back(parse_expression(lowest_precedence));
        if (lexer_.peek().is(')')) break;
        if (!lexer_.peek().is(',')) lexer_.fail_after_operand(open);
        lexer_.skip();
      }
    }
    lexer_.skip();  // ')'
    --open_parentheses_;
    if (arguments.size() != arity) lexer_.fail_arity(name, position, arity, arguments.size());
    return build_call(name, arguments);
  }

  // The builder is called out of line: what it would inline (string keys, allocations) would
  // otherwise take stack in every recursive frame, many times over under sanitizers.
  [[gnu::noinline]] Node build_number(double value) { return builder_.number(value); }
  [[gnu::noinline]] Node build_name(std::string_view name, std::size_t position) {
    if (name == "pi" || name == "e") return builder_.constant(name);
    if (is_function_name(name)) lexer_.fail_bare_function(name, position);
    return builder_.variable(name);
  }
  [[gnu::noinline]] Node build_negate(Node& operand) { return builder_.negate(std::move(operand)); }
  [[gnu::noinline]] Node build_binary(char op, Node& left, Node& right) {
    return builder_.binary(op, std::move(left), std::move(right));
  }
  [[gnu::noinline]] Node build_call(std::string_view name, std::vector<Node>& arguments) {
    return builder_.call(name, std::move(arguments));
  }

  // Counts the recursion of parse_expression, which is the formula's nesting.
  class DepthGuard {
   public:
    explicit DepthGuard(FormulaParser& parser) : parser_(parser) {
      if (parser_.depth_ == max_formula_depth) parser_.lexer_.fail_too_deep();
      ++parser_.depth_;
    }
    ~DepthGuard() { --parser_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;

   private:
    FormulaParser& parser_;
  };

  FormulaLexer lexer_;
  Builder& builder_;
  std::size_t depth_ = 0;
  std::size_t open_parentheses_ = 0;  // tells an unmatched ')' from an empty "()"
};

}  // namespace detail

// Parses `text`, calling `builder` once per node, children first; returns the root.
// Throws ParseError for any text outside the grammar above.
template <class Builder>
requires FormulaBuilder<Builder>
typename Builder::Node parse_formula(std::string_view text, Builder& builder) {
  return detail::FormulaParser<Builder>(text, builder).parse();
}

}  // namespace nabla::sym
