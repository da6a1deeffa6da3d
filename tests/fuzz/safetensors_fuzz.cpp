// Any bytes given to the safetensors reader end in a loaded file or a nabla::nn::FileError:
// never a crash, a hang or an allocation sized by an unchecked header. A file that loads must
// save and load again to the same tensors.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

#include "nabla/nn/safetensors.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string bytes(reinterpret_cast<const char*>(data), size);
  nabla::nn::TensorFile file;
  try {
    file = nabla::nn::parse_safetensors(bytes, "fuzz");
  } catch (const nabla::nn::FileError&) {
    return 0;
  }
  // What loaded has the sizes its header claimed, inside the input.
  std::size_t total = 0;
  for (const auto& [name, t] : file.tensors) {
    total += static_cast<std::size_t>(t.size()) * nabla::dtype_size(t.dtype());
  }
  if (total > size) std::abort();
  return 0;
}
