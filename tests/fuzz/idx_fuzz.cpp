// Any bytes read as an IDX file, plain and as a .gz (zlib reads bytes that are not gzip as they
// are), end in a tensor or a nabla::nn::FileError: never a crash, a hang or an allocation sized
// by an unchecked header.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "nabla/nn/idx.hpp"

namespace {

std::string scratch(const char* suffix) {
  return "/tmp/nabla_idx_fuzz_" + std::to_string(::getpid()) + suffix;
}

void read_as(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (!f) std::abort();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) std::abort();
  std::fclose(f);
  try {
    const nabla::Tensor t = nabla::nn::read_idx(path);
    // A plain file that reads holds at least its numbers.
    if (path.back() == 'x' && static_cast<std::size_t>(t.size()) > size) std::abort();
  } catch (const nabla::nn::FileError&) {
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  read_as(scratch(".idx"), data, size);
  read_as(scratch(".idx.gz"), data, size);
  return 0;
}
