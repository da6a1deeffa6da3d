// The nabla program: verbs that read like the mathematics (commands.hpp). `nabla` alone runs the
// tour.
#include <iostream>

#include "commands.hpp"

int main(int argc, char** argv) {
  return nabla::cli::run(argc, argv, std::cin, std::cout, std::cerr);
}
