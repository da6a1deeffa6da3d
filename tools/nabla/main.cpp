// The nabla program: verbs that read like the mathematics. `nabla` alone runs the tour.
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>

#include "tour.hpp"

int main(int argc, char** argv) {
  CLI::App app{"nabla: automatic differentiation in every mode, from one generic function"};
  app.require_subcommand(0, 1);
  auto* tour = app.add_subcommand(
      "tour", "seed 004's f(x, y) = x*x*y + y + 2 through every mode, with each mode's error");
  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    app.exit(e);  // prints the message and a usage hint to stderr
    return 2;     // a misused command line
  }
  try {
    if (app.got_subcommand(tour) || app.get_subcommands().empty()) {
      return nabla::cli::run_tour(std::cout) ? 0 : 1;
    }
  } catch (const std::exception& e) {
    std::cerr << "nabla: " << e.what() << '\n';
    return 1;
  }
  return 0;
}
