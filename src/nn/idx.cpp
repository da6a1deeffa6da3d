#include "nabla/nn/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <vector>

namespace nabla::nn {

namespace {

[[noreturn]] void fail(const std::string& path, const std::string& what) {
  throw FileError(path + ": " + what);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// Reads bytes from a plain or gzip file; read() returns how many it got (fewer only at the end).
class Reader {
 public:
  explicit Reader(const std::string& path) : path_(path), gzip_(ends_with(path, ".gz")) {
    if (gzip_) {
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) fail(path, "cannot be opened");
      gzbuffer(gz_, 1 << 17);
    } else {
      file_ = std::fopen(path.c_str(), "rb");
      if (!file_) fail(path, "cannot be opened");
    }
  }
  ~Reader() {
    if (gz_) gzclose(gz_);
    if (file_) std::fclose(file_);
  }
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  std::size_t read(void* target, std::size_t count) {
    std::size_t total = 0;
    auto* bytes = static_cast<unsigned char*>(target);
    while (total < count) {
      const std::size_t chunk = std::min<std::size_t>(count - total, 1 << 30);
      std::size_t got = 0;
      if (gzip_) {
        const int n = gzread(gz_, bytes + total, static_cast<unsigned>(chunk));
        if (n < 0) {
          int code = 0;
          fail(path_, std::string("is not a valid gzip stream (") + gzerror(gz_, &code) + ")");
        }
        got = static_cast<std::size_t>(n);
        if (got == 0) {
          // gzread returns 0 at the end and also when the stream is cut short: tell them apart.
          int code = Z_OK;
          const char* message = gzerror(gz_, &code);
          if (code != Z_OK && code != Z_STREAM_END) {
            fail(path_, std::string("is not a valid gzip stream (") + message + ")");
          }
        }
      } else {
        got = std::fread(bytes + total, 1, chunk, file_);
        if (got == 0 && std::ferror(file_)) fail(path_, "could not be read");
      }
      if (got == 0) break;
      total += got;
    }
    return total;
  }

  // Whether the file ends here; a gzip stream is read to its end, which checks its CRC.
  bool at_end() {
    unsigned char extra;
    return read(&extra, 1) == 0;
  }

 private:
  std::string path_;
  bool gzip_;
  gzFile gz_ = nullptr;
  std::FILE* file_ = nullptr;
};

std::uint32_t big_endian(const unsigned char* b) {
  return (std::uint32_t{b[0]} << 24) | (std::uint32_t{b[1]} << 16) | (std::uint32_t{b[2]} << 8) |
         std::uint32_t{b[3]};
}

// The numbers of one type code, big-endian in the file, as doubles.
template <class Store>
void decode(int type, const unsigned char* data, std::uint64_t count, Store store) {
  for (std::uint64_t i = 0; i < count; ++i) {
    switch (type) {
      case 0x08:
        store(i, data[i]);
        break;
      case 0x09:
        store(i, static_cast<std::int8_t>(data[i]));
        break;
      case 0x0B: {
        const auto u = static_cast<std::uint16_t>((data[2 * i] << 8) | data[2 * i + 1]);
        store(i, static_cast<std::int16_t>(u));
        break;
      }
      case 0x0C:
        store(i, static_cast<std::int32_t>(big_endian(data + 4 * i)));
        break;
      case 0x0D: {
        const std::uint32_t u = big_endian(data + 4 * i);
        float f;
        std::memcpy(&f, &u, 4);
        store(i, f);
        break;
      }
      default: {  // 0x0E
        const std::uint64_t u =
            (std::uint64_t{big_endian(data + 8 * i)} << 32) | big_endian(data + 8 * i + 4);
        double d;
        std::memcpy(&d, &u, 8);
        store(i, d);
      }
    }
  }
}

std::size_t element_size(int type) {
  switch (type) {
    case 0x08:
    case 0x09:
      return 1;
    case 0x0B:
      return 2;
    case 0x0C:
    case 0x0D:
      return 4;
    case 0x0E:
      return 8;
    default:
      return 0;
  }
}

}  // namespace

Tensor read_idx(const std::string& path, DType dtype) {
  Reader reader(path);
  std::array<unsigned char, 4> magic{};
  if (reader.read(magic.data(), 4) != 4) fail(path, "is too short for an IDX magic number");
  const int type = magic[2], axes = magic[3];
  if (magic[0] != 0 || magic[1] != 0 || element_size(type) == 0) {
    char text[16];
    std::snprintf(text, sizeof text, "%02x %02x %02x %02x", magic[0], magic[1], magic[2], magic[3]);
    fail(path, std::string("the magic number ") + text + " is not an IDX one (00 00 type axes)");
  }
  if (axes == 0) fail(path, "an IDX file with no axes holds nothing");
  std::vector<unsigned char> sizes(4 * static_cast<std::size_t>(axes));
  if (reader.read(sizes.data(), sizes.size()) != sizes.size()) {
    fail(path, "ends inside its " + std::to_string(axes) + " axis sizes");
  }
  Shape shape;
  std::uint64_t count = 1;
  for (int a = 0; a < axes; ++a) {
    const std::uint32_t size = big_endian(sizes.data() + 4 * a);
    shape.push_back(size);
    if (size != 0 && count > max_idx_elements / size) {
      fail(path, "the sizes " + shape_string(shape) + "... hold more than the limit of " +
                     std::to_string(max_idx_elements) + " numbers");
    }
    count *= size;
  }
  // Read in chunks that grow with what has arrived (64 KiB, then doubling up to 16 MiB), so
  // that memory follows the data actually there, not the header's claim.
  const std::size_t element = element_size(type);
  const std::uint64_t expected = count * element;
  std::vector<unsigned char> data;
  while (data.size() < expected) {
    const std::size_t chunk = std::clamp<std::size_t>(data.size(), 1 << 16, 1 << 24);
    const std::size_t want =
        static_cast<std::size_t>(std::min<std::uint64_t>(chunk, expected - data.size()));
    const std::size_t before = data.size();
    data.resize(before + want);
    const std::size_t got = reader.read(data.data() + before, want);
    if (got < want) {
      fail(path, "holds " + std::to_string((before + got) / element) + " numbers, but its sizes " +
                     shape_string(shape) + " say " + std::to_string(count));
    }
  }
  if (!reader.at_end()) {
    fail(path, "has data after the " + std::to_string(count) + " numbers its sizes " +
                   shape_string(shape) + " say");
  }
  Tensor result = Tensor::empty(shape, dtype);
  if (dtype == DType::float32) {
    float* target = result.mutable_data<float>();
    decode(type, data.data(), count,
           [&](std::uint64_t i, auto v) { target[i] = static_cast<float>(v); });
  } else {
    double* target = result.mutable_data<double>();
    decode(type, data.data(), count,
           [&](std::uint64_t i, auto v) { target[i] = static_cast<double>(v); });
  }
  return result;
}

namespace {

// root/name.gz, or root/name when only the uncompressed file is there.
std::string find_file(const std::string& root, const std::string& name) {
  for (const std::string& candidate : {root + "/" + name + ".gz", root + "/" + name}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  throw FileError(root + "/" + name +
                  "(.gz): no such file; Fashion-MNIST comes with Debian's "
                  "dataset-fashion-mnist package (apt-get install dataset-fashion-mnist), or pass "
                  "the folder holding the IDX files");
}

}  // namespace

TensorDataset fashion_mnist(bool train, const std::string& root) {
  const std::string prefix = train ? "train" : "t10k";
  const std::string images_path = find_file(root, prefix + "-images-idx3-ubyte");
  const std::string labels_path = find_file(root, prefix + "-labels-idx1-ubyte");
  Tensor images = read_idx(images_path, DType::float32);
  const Tensor labels = read_idx(labels_path, DType::float64);
  if (images.ndim() != 3 || images.shape()[1] != 28 || images.shape()[2] != 28) {
    fail(images_path, "holds " + shape_string(images.shape()) + ", not (N, 28, 28) images");
  }
  if (labels.ndim() != 1 || labels.shape()[0] != images.shape()[0]) {
    fail(labels_path, "holds " + shape_string(labels.shape()) + " labels for the " +
                          std::to_string(images.shape()[0]) + " images of " + images_path);
  }
  for (double label : labels.to_vector()) {
    if (label < 0 || label > 9) fail(labels_path, "holds the label " + std::to_string(label));
  }
  images *= Tensor(1.0 / 255);
  return TensorDataset(images.reshape({images.shape()[0], 1, 28, 28}), labels);
}

const char* fashion_mnist_class_name(int label) {
  static constexpr const char* names[] = {"T-shirt/top", "Trouser",   "Pullover", "Dress",
                                          "Coat",        "Sandal",    "Shirt",    "Sneaker",
                                          "Bag",         "Ankle boot"};
  return label >= 0 && label < 10 ? names[label] : "?";
}

}  // namespace nabla::nn
