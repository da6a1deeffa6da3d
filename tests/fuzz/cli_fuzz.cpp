// libFuzzer target: the nabla program's command line, nabla::cli::run (tools/nabla/commands.hpp).
//
// The input is read as
//   byte 0             the verb: eval, diff, grad, hessian, graph or codegen (byte mod 6, so
//                      the digits '0' to '5' name them in that order)
//   up to a NUL byte   the other words of the command line, one per line ('\n')
//   after the NUL      standard input (read when the formula is '-')
// so that mutations of the words keep the verb, and a command line is easy to write by hand
// (tests/fuzz/corpus/cli/). The verb is fixed because `tour`, and no verb at all, runs one
// input-independent demonstration. run() must return 0, 1 or 2 and throw nothing, whatever the
// words are.
//
// The fuzzer must not write files or start programs: `graph -o FILE` writes FILE, or runs
// Graphviz's dot for .png. Every word that could name -o/--output before a `--` is dropped
// (an option word with an 'o' in it: -o, -oFILE, --output=FILE, a group of short flags).
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <iterator>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "commands.hpp"

namespace {

constexpr std::string_view verbs[] = {"eval", "diff", "grad", "hessian", "graph", "codegen"};
// More words than any verb takes; a longer command line only repeats options.
constexpr std::size_t max_words = 64;

bool could_name_output(std::string_view word) {
  return word.size() > 1 && word[0] == '-' && word != "--" &&
         word.find_first_of("oO") != std::string_view::npos;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const std::string_view verb = verbs[static_cast<unsigned char>(input[0]) % std::size(verbs)];
  const std::string_view rest = input.substr(1);
  const std::size_t nul = rest.find('\0');
  const std::string_view command_line = rest.substr(0, nul);
  const std::string standard_input(nul == std::string_view::npos ? std::string_view()
                                                                 : rest.substr(nul + 1));

  std::vector<std::string> words{"nabla", std::string(verb)};
  bool options_ended = false;
  for (std::size_t start = 0; !command_line.empty() && words.size() < 2 + max_words;) {
    const std::size_t newline = command_line.find('\n', start);
    const std::string_view word = command_line.substr(start, newline - start);
    if (word == "--") options_ended = true;
    if (verb != "graph" || options_ended || !could_name_output(word)) words.emplace_back(word);
    if (newline == std::string_view::npos) break;
    start = newline + 1;
  }
  std::vector<const char*> argv;
  for (const std::string& word : words) argv.push_back(word.c_str());

  std::istringstream in(standard_input);
  std::ostringstream out, err;
  const int status = nabla::cli::run(static_cast<int>(argv.size()), argv.data(), in, out, err);
  if (status < 0 || status > 2) {
    std::fprintf(stderr, "cli_fuzz: exit status %d\n", status);
    std::abort();
  }
  return 0;
}
