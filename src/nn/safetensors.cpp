#include "nabla/nn/safetensors.hpp"

#include <unistd.h>
#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iterator>
#include <limits>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "nabla/nn/module.hpp"

namespace nabla::nn {

// The format is little-endian; so are the machines nabla is built for (x86-64, AArch64).
static_assert(std::endian::native == std::endian::little,
              "nabla's safetensors reader and writer assume a little-endian machine");

namespace {

using json = nlohmann::json;

const char* format_dtype(DType dtype) { return dtype == DType::float32 ? "F32" : "F64"; }

const void* bytes_of(const Tensor& t) {
  return t.dtype() == DType::float32 ? static_cast<const void*>(t.data<float>())
                                     : static_cast<const void*>(t.data<double>());
}

void* mutable_bytes_of(Tensor& t) {
  return t.dtype() == DType::float32 ? static_cast<void*>(t.mutable_data<float>())
                                     : static_cast<void*>(t.mutable_data<double>());
}

[[noreturn]] void fail(const std::string& name, const std::string& what) {
  throw FileError(name + ": " + what);
}

// Checks a JSON object for a repeated key at the top level (nlohmann keeps the last silently).
json parse_header(const std::string& text, const std::string& name) {
  std::set<std::string> keys;
  std::string repeated;
  const json::parser_callback_t callback = [&](int depth, json::parse_event_t event, json& parsed) {
    if (event == json::parse_event_t::key && depth == 1 && parsed.is_string()) {
      if (!keys.insert(parsed.get<std::string>()).second && repeated.empty()) {
        repeated = parsed.get<std::string>();
      }
    }
    return true;
  };
  json header;
  try {
    header = json::parse(text, callback);
  } catch (const json::exception& e) {  // a syntax error, or a number out of range (1e400)
    fail(name, std::string("the header is not valid JSON (") + e.what() + ")");
  }
  if (!repeated.empty()) fail(name, "the header names '" + repeated + "' twice");
  if (!header.is_object()) fail(name, "the header is not a JSON object");
  return header;
}

std::uint64_t checked_product(const Shape& shape, std::uint64_t element, const std::string& name,
                              const std::string& tensor) {
  std::uint64_t bytes = element;
  for (std::int64_t d : shape) {
    const auto u = static_cast<std::uint64_t>(d);
    if (u != 0 && bytes > std::numeric_limits<std::uint64_t>::max() / u) {
      fail(name, "'" + tensor + "': the shape " + shape_string(shape) + " is too large");
    }
    bytes *= u;
  }
  return bytes;
}

struct Entry {
  std::string name;
  DType dtype;
  Shape shape;
  std::uint64_t begin;
  std::uint64_t end;
};

Entry read_entry(const std::string& key, const json& value, const std::string& name) {
  const std::string where = "'" + key + "'";
  if (!value.is_object()) fail(name, where + " is not an object");
  for (const char* field : {"dtype", "shape", "data_offsets"}) {
    if (!value.contains(field)) fail(name, where + " has no \"" + field + "\"");
  }
  Entry entry{key, DType::float32, {}, 0, 0};
  const json& dtype = value["dtype"];
  if (!dtype.is_string()) fail(name, where + ": the dtype is not a string");
  const std::string code = dtype.get<std::string>();
  if (code == "F32") {
    entry.dtype = DType::float32;
  } else if (code == "F64") {
    entry.dtype = DType::float64;
  } else {
    fail(name, where + ": the dtype '" + code + "' is not one nabla reads (F32, F64)");
  }
  const json& shape = value["shape"];
  if (!shape.is_array()) fail(name, where + ": the shape is not an array");
  for (const json& d : shape) {
    if (!d.is_number_unsigned()) {
      fail(name, where + ": the shape " + shape.dump() + " is not a list of sizes");
    }
    const auto size = d.get<std::uint64_t>();
    if (size > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      fail(name, where + ": the size " + std::to_string(size) + " is too large");
    }
    entry.shape.push_back(static_cast<std::int64_t>(size));
  }
  const json& offsets = value["data_offsets"];
  if (!offsets.is_array() || offsets.size() != 2 || !offsets[0].is_number_unsigned() ||
      !offsets[1].is_number_unsigned()) {
    fail(name, where + ": data_offsets " + offsets.dump() + " is not [begin, end]");
  }
  entry.begin = offsets[0].get<std::uint64_t>();
  entry.end = offsets[1].get<std::uint64_t>();
  if (entry.end < entry.begin) {
    fail(name, where + ": data_offsets [" + std::to_string(entry.begin) + ", " +
                   std::to_string(entry.end) + "] end before they begin");
  }
  const std::uint64_t bytes = checked_product(entry.shape, dtype_size(entry.dtype), name, key);
  if (bytes != entry.end - entry.begin) {
    fail(name, where + ": the shape " + shape_string(entry.shape) + " of " + code + " takes " +
                   std::to_string(bytes) + " bytes, but data_offsets span " +
                   std::to_string(entry.end - entry.begin));
  }
  return entry;
}

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(path, "cannot be opened");
  std::string bytes{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) fail(path, "could not be read");
  return bytes;
}

// The numbers of src, converted to dst's dtype, written over dst's (the shapes are equal).
void copy_into(Tensor dst, const Tensor& src) {
  const Tensor converted = src.dtype() == dst.dtype() ? src : src.to(dst.dtype());
  std::memcpy(mutable_bytes_of(dst), bytes_of(converted),
              static_cast<std::size_t>(dst.size()) * dtype_size(dst.dtype()));
}

}  // namespace

void save_safetensors(const std::string& path, const NamedTensors& tensors,
                      const std::map<std::string, std::string>& metadata) {
  json header = json::object();
  std::uint64_t offset = 0;
  for (const auto& [key, t] : tensors) {
    if (key == "__metadata__" || key.empty()) {
      throw std::invalid_argument("save_safetensors: '" + key + "' cannot name a tensor");
    }
    if (header.contains(key)) {
      throw std::invalid_argument("save_safetensors: '" + key + "' is given twice");
    }
    const std::uint64_t bytes = static_cast<std::uint64_t>(t.size()) * dtype_size(t.dtype());
    header[key] = {{"dtype", format_dtype(t.dtype())},
                   {"shape", t.shape()},
                   {"data_offsets", {offset, offset + bytes}}};
    offset += bytes;
  }
  if (!metadata.empty()) header["__metadata__"] = metadata;
  std::string text = header.dump();
  text.append((8 - text.size() % 8) % 8, ' ');  // the data starts 8-byte aligned
  // A temporary file beside the target, then a rename: readers see the old file or the new one.
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    if (!out) throw FileError(path + ": cannot write " + temporary);
    const std::uint64_t length = text.size();
    char prefix[8];
    std::memcpy(prefix, &length, 8);
    out.write(prefix, 8);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const auto& [key, t] : tensors) {
      out.write(
          static_cast<const char*>(bytes_of(t)),
          static_cast<std::streamsize>(static_cast<std::size_t>(t.size()) * dtype_size(t.dtype())));
    }
    out.flush();
    if (!out) {
      std::remove(temporary.c_str());
      throw FileError(path + ": writing " + temporary + " failed");
    }
  }
  if (std::rename(temporary.c_str(), path.c_str()) != 0) {
    std::remove(temporary.c_str());
    throw FileError(path + ": could not rename " + temporary + " to it");
  }
}

TensorFile parse_safetensors(const std::string& bytes, const std::string& name) {
  if (bytes.size() < 8) {
    fail(name, "is " + std::to_string(bytes.size()) +
                   " bytes long, shorter than the 8-byte header length");
  }
  std::uint64_t length = 0;
  std::memcpy(&length, bytes.data(), 8);
  if (length > max_safetensors_header) {
    fail(name, "the header length " + std::to_string(length) + " is above the limit of " +
                   std::to_string(max_safetensors_header));
  }
  if (length > bytes.size() - 8) {
    fail(name, "the header length " + std::to_string(length) + " runs past the end of the " +
                   std::to_string(bytes.size()) + "-byte file");
  }
  const json header = parse_header(bytes.substr(8, length), name);
  const std::uint64_t data_size = bytes.size() - 8 - length;
  TensorFile file;
  std::vector<Entry> entries;
  for (const auto& [key, value] : header.items()) {
    if (key == "__metadata__") {
      if (!value.is_object()) fail(name, "__metadata__ is not an object");
      for (const auto& [k, v] : value.items()) {
        if (!v.is_string()) fail(name, "__metadata__ '" + k + "' is not a string");
        file.metadata[k] = v.get<std::string>();
      }
      continue;
    }
    entries.push_back(read_entry(key, value, name));
  }
  // The spans tile the data: sorted by their start, each begins where the previous one ends.
  std::sort(entries.begin(), entries.end(),
            [](const Entry& a, const Entry& b) { return a.begin < b.begin; });
  std::uint64_t expected = 0;
  for (const Entry& e : entries) {
    if (e.begin < expected) fail(name, "the data of '" + e.name + "' overlaps another tensor's");
    if (e.begin > expected) {
      fail(name, "the bytes " + std::to_string(expected) + " to " + std::to_string(e.begin) +
                     " before '" + e.name + "' belong to no tensor");
    }
    if (e.end > data_size) {
      fail(name, "the data of '" + e.name + "' ends at byte " + std::to_string(e.end) +
                     ", past the " + std::to_string(data_size) + " bytes of data");
    }
    expected = e.end;
  }
  if (expected != data_size) {
    fail(name, "the file has " + std::to_string(data_size - expected) +
                   " bytes of data after its last tensor");
  }
  const char* data = bytes.data() + 8 + length;
  for (const Entry& e : entries) {
    Tensor t = Tensor::empty(e.shape, e.dtype);
    std::memcpy(mutable_bytes_of(t), data + e.begin, e.end - e.begin);
    file.tensors.emplace_back(e.name, std::move(t));
  }
  return file;
}

TensorFile load_safetensors(const std::string& path) {
  return parse_safetensors(read_file(path), path);
}

NamedTensors state_dict(const Module& module) {
  NamedTensors result;
  for (const auto& [name, p] : module.named_parameters()) result.emplace_back(name, p.data());
  for (const auto& [name, t] : module.named_buffers()) result.emplace_back(name, t);
  return result;
}

void load_state_dict(Module& module, const NamedTensors& tensors, const LoadOptions& options,
                     const std::string& source) {
  const NamedTensors targets = state_dict(module);
  std::map<std::string, const Tensor*> given;
  for (const auto& [name, t] : tensors) given[name] = &t;
  // Every check first, every write after: a refused file changes nothing.
  std::vector<std::string> problems, missing, unexpected;
  std::set<std::string> known;
  for (const auto& [name, target] : targets) {
    known.insert(name);
    const auto it = given.find(name);
    if (it == given.end()) {
      missing.push_back(name);
    } else if (it->second->shape() != target.shape()) {
      problems.push_back(name + ": the model has " + shape_string(target.shape()) + ", the " +
                         "file " + shape_string(it->second->shape()));
    }
  }
  for (const auto& [name, t] : tensors) {
    if (!known.contains(name)) unexpected.push_back(name);
  }
  const auto list = [](const std::vector<std::string>& names) {
    std::string text;
    for (const std::string& n : names) text += (text.empty() ? "" : ", ") + n;
    return text;
  };
  if (options.strict) {
    if (!missing.empty()) problems.push_back("missing from the file: " + list(missing));
    if (!unexpected.empty()) problems.push_back("not in the model: " + list(unexpected));
  }
  if (!problems.empty()) {
    std::string message = source + ": does not fit the model";
    for (const std::string& p : problems) message += "\n  " + p;
    throw FileError(message);
  }
  for (const auto& [name, target] : targets) {
    const auto it = given.find(name);
    if (it != given.end()) copy_into(target, *it->second);
  }
}

void save(const Module& module, const std::string& path,
          const std::map<std::string, std::string>& metadata) {
  save_safetensors(path, state_dict(module), metadata);
}

void load(Module& module, const std::string& path, const LoadOptions& options) {
  load_state_dict(module, load_safetensors(path).tensors, options, path);
}

}  // namespace nabla::nn
