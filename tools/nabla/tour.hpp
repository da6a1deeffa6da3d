// `nabla tour`: seed 004's function through every mode the library has, one row per mode.
#pragma once

#include <ostream>

namespace nabla::cli {

// Prints the tour table to `out`; returns true when every row is within its tolerance of the
// exact answer (the program's exit status says so, which makes the tour a test too).
bool run_tour(std::ostream& out);

}  // namespace nabla::cli
