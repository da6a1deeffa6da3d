// Formulas as text, read into expressions: the language of nabla/symbolic/parse.hpp, built with
// nabla/symbolic/expr.hpp (so simplification applies as the formula is read).
//
//     sym::parse("x*x*y + y + 2")        // seed 004's f
//     sym::parse("sin(x")                // throws sym::ParseError, with the position and a caret
#pragma once

#include <string_view>

#include "nabla/symbolic/expr.hpp"
#include "nabla/symbolic/parse.hpp"

namespace nabla::sym {

Expr parse(std::string_view formula);

}  // namespace nabla::sym
