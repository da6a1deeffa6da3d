// Model files in the safetensors format, which Python reads with `safetensors` (NumPy or
// PyTorch) without nabla:
//
//   8 bytes     N, the header's length, an unsigned little-endian integer
//   N bytes     a JSON object: for each tensor, "name": {"dtype": "F32", "shape": [2, 3],
//               "data_offsets": [begin, end]}, and optionally "__metadata__": {"key": "text"}
//   the rest    the tensors' numbers, raw little-endian, row-major; offsets count from here
//
// Writing goes to a temporary file beside the target, flushed and then renamed over it, so a
// crash in the middle leaves the previous file whole. Reading checks everything before it
// returns anything: the header's length against the file's, the JSON (one object, no repeated
// name), each entry's dtype, shape and offsets, that shape x dtype size = the span, that the
// spans lie inside the data, neither overlap nor leave holes. Any failure is a FileError that
// names the file and what was wrong; nothing is half-read.
//
// Modules: save(module, path) writes the parameters and buffers under their dotted names;
// load(module, path) checks every name and shape against the module before it changes
// anything ("conv1.weight: the model has (32, 1, 3, 3), the file (16, 1, 3, 3)"; missing and
// unexpected names listed). The strict mode (the default) wants the names to match exactly;
// the non-strict one loads the names both have. A file's float64 tensor loads into a float32
// parameter by conversion, as PyTorch's load_state_dict copies.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn {

class Module;

// A file that is not what it claims: the message starts with the file's path.
class FileError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using NamedTensors = std::vector<std::pair<std::string, Tensor>>;

struct TensorFile {
  NamedTensors tensors;  // in the order of their data in the file
  std::map<std::string, std::string> metadata;
};

// The dtypes nabla writes and reads: F32 and F64. Other dtypes of the format (F16, I64, ...)
// are refused by name when read.
void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata = {});
TensorFile load_safetensors(const std::string& path);
// The same checks on bytes in memory (the file's name only labels the messages).
TensorFile parse_safetensors(const std::string& bytes, const std::string& name = "<memory>");

// The largest header read, as the format's reference reader allows: 100 MB.
inline constexpr std::size_t max_safetensors_header = 100'000'000;

struct LoadOptions {
  bool strict = true;  // every name of the model in the file, and no other
};

NamedTensors state_dict(const Module& module);  // parameters, then buffers
void load_state_dict(Module& module, const NamedTensors& tensors, const LoadOptions& options = {},
                     const std::string& source = "state");
void save(const Module& module, const std::string& path,
          const std::map<std::string, std::string>& metadata = {});
void load(Module& module, const std::string& path, const LoadOptions& options = {});

}  // namespace nabla::nn
