// Code generation: expressions as C source, compilable as is.
//
//     codegen_c({f, dfdx, dfdy}, {x, y}, "f_and_gradient")
//
// gives a C99 function `void f_and_gradient(const double* in, double* out)` with in[i] the value
// of variables[i] and out[k] that of outputs[k]. The body is the flattened DAG (see
// nabla/symbolic/evaluate.hpp): one `const double` temporary per shared or compound
// subexpression, each computed once, so a gradient that shares most of its work with the value
// (as a reverse-mode derivative does) costs little more than the value. It needs <math.h> only
// (link with -lm); min, max and sign are written out so that ties and nan behave as in nabla.
// polygamma has no C equivalent: an expression that uses it throws std::invalid_argument.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "nabla/symbolic/expr.hpp"

namespace nabla::sym {

// A C function computing outputs from variables. `function_name` must be a C identifier.
std::string codegen_c(const std::vector<Expr>& outputs, const std::vector<Expr>& variables,
                      std::string_view function_name);

// The value of e followed by its gradient: out[0] = e, out[1 + i] = ∂e/∂variables[i].
std::string codegen_c_gradient(const Expr& e, const std::vector<Expr>& variables,
                               std::string_view function_name);

}  // namespace nabla::sym
