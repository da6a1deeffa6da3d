// The IDX files of MNIST-like data sets, plain or gzip-compressed, and Fashion-MNIST.
//
// An IDX file is a 4-byte magic number (0, 0, a type code, the number of axes), each axis's size
// as a big-endian 32-bit integer, then the numbers, big-endian, row-major. Type codes: 0x08
// unsigned byte, 0x09 signed byte, 0x0B 16-bit, 0x0C 32-bit integer, 0x0D float, 0x0E double.
// A file whose name ends in ".gz" is read through zlib, which checks the gzip CRC.
//
// read_idx refuses, with a FileError that names the file and says what was wrong, a wrong magic
// number, an unknown type code, sizes whose product overflows or exceeds the limit, data shorter
// or longer than the sizes say, and a corrupt or truncated gzip stream. It allocates only what
// the data turns out to hold, never what an unchecked header claims.
#pragma once

#include <cstdint>
#include <string>

#include "nabla/nn/data.hpp"
#include "nabla/nn/safetensors.hpp"  // FileError
#include "nabla/tensor/tensor.hpp"

namespace nabla::nn {

// The numbers of an IDX file as a tensor of `dtype` (the values converted: bytes 0..255 stay
// 0..255; scale them yourself).
Tensor read_idx(const std::string& path, DType dtype = DType::float32);

// The most numbers read_idx accepts from one file: 2^31 (8 GiB of float32).
inline constexpr std::uint64_t max_idx_elements = std::uint64_t{1} << 31;

// Where Debian's dataset-fashion-mnist package puts the files.
inline constexpr const char* fashion_mnist_default_root = "/usr/share/datasets/fashion-mnist";

// Fashion-MNIST's training (60 000) or test (10 000) images, (N, 1, 28, 28) float32 scaled to
// [0, 1], with labels 0 to 9. Reads train-images-idx3-ubyte(.gz) and train-labels-idx1-ubyte
// (.gz), or the t10k- files, from root. A missing file is a FileError that says where it looked
// and that Debian's dataset-fashion-mnist package provides it; images and labels of different
// counts, or images that are not 28 x 28, are refused.
TensorDataset fashion_mnist(bool train, const std::string& root = fashion_mnist_default_root);

// The ten classes, in label order: "T-shirt/top", "Trouser", ..., "Ankle boot".
const char* fashion_mnist_class_name(int label);

}  // namespace nabla::nn
