// The nabla program's verbs, as a function of its arguments and streams, so that tests can run
// it without a process:
//
//   nabla eval EXPR [--at x=3,y=4]          the value
//   nabla diff EXPR --wrt x [--order n]      the simplified derivative, printed; --wrt x,y is
//                                            the mixed partial d/dy d/dx
//   nabla grad EXPR --at ... [--mode M]      value and gradient, M = forward, reverse (default),
//   nabla hessian EXPR --at ... [--mode M]   symbolic, numeric, or all side by side
//   nabla graph EXPR [-o file]               the expression DAG: .dot/.gv text, .png/.svg/.pdf
//                                            drawn by Graphviz
//   nabla codegen EXPR [--wrt x,y]           C source of f and its gradient
//   nabla tour                               seed 004 in every mode
//   nabla [--help | --version]               the verbs, or the version
//
// EXPR `-` reads the formula from standard input. A formula that starts with a minus sign goes
// after `--`. --json prints exactly one JSON object; inf and nan are the strings "inf", "-inf"
// and "nan". Names in --at and --wrt must be variables (identifiers that are not the constants
// pi and e nor a function). Errors go to `err`: exit status 1 for bad input (a formula that
// does not parse, a variable without a value, a derivative above the size limits), 2 for a
// misused command line.
#pragma once

#include <istream>
#include <ostream>

namespace nabla::cli {

int run(int argc, const char* const* argv, std::istream& in, std::ostream& out, std::ostream& err);

}  // namespace nabla::cli
