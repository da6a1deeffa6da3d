// IDX files written here, plain and gzip-compressed, read back exactly; every kind of corrupt
// file refused with its reason; Fashion-MNIST's reader on a few hundred generated images.
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "nabla/nn/idx.hpp"

namespace {

using nabla::Shape;
using nabla::Tensor;
using namespace nabla::nn;

std::string folder() {
  const auto dir = std::filesystem::path(::testing::TempDir()) / "nabla_idx";
  std::filesystem::create_directories(dir);
  return dir.string();
}

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

// The bytes of an IDX file: magic 00 00 type axes, the sizes, then the data as given.
std::string idx(int type, const std::vector<std::uint32_t>& sizes, const std::string& data) {
  std::string bytes{'\0', '\0', static_cast<char>(type), static_cast<char>(sizes.size())};
  for (std::uint32_t s : sizes) bytes += be32(s);
  return bytes + data;
}

std::string write(const std::string& name, const std::string& bytes) {
  const std::string path = folder() + "/" + name;
  if (name.size() > 3 && name.compare(name.size() - 3, 3, ".gz") == 0) {
    gzFile gz = gzopen(path.c_str(), "wb");
    gzwrite(gz, bytes.data(), static_cast<unsigned>(bytes.size()));
    gzclose(gz);
  } else {
    std::ofstream(path, std::ios::binary) << bytes;
  }
  return path;
}

std::string read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

std::string reason_of(const std::string& path) {
  try {
    read_idx(path);
  } catch (const FileError& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Idx, EveryTypeCodeReadsBackPlainAndCompressed) {
  const std::string bytes{'\x00', '\x7f', '\x80', '\xff'};
  for (const std::string name : {"u8.idx", "u8.idx.gz"}) {
    const Tensor t = read_idx(write(name, idx(0x08, {2, 2}, bytes)));
    EXPECT_EQ(t.shape(), (Shape{2, 2})) << name;
    EXPECT_EQ(t.to_vector(), (std::vector<double>{0, 127, 128, 255})) << name;
  }
  EXPECT_EQ(read_idx(write("s8.idx", idx(0x09, {4}, bytes))).to_vector(),
            (std::vector<double>{0, 127, -128, -1}));
  EXPECT_EQ(
      read_idx(write("s16.idx", idx(0x0B, {2}, std::string("\xff\xfe\x01\x00", 4)))).to_vector(),
      (std::vector<double>{-2, 256}));
  EXPECT_EQ(read_idx(write("s32.idx", idx(0x0C, {1}, be32(0xfffffffd)))).to_vector(),
            (std::vector<double>{-3}));
  EXPECT_EQ(read_idx(write("f32.idx", idx(0x0D, {1}, be32(0x3fc00000)))).to_vector(),
            (std::vector<double>{1.5}));
  EXPECT_EQ(
      read_idx(write("f64.idx", idx(0x0E, {1}, be32(0xc0040000) + be32(0))), nabla::DType::float64)
          .to_vector(),
      (std::vector<double>{-2.5}));
}

TEST(Idx, CorruptFilesAreRefusedWithTheirReason) {
  const std::string four(4, '\x01');
  const std::string good = idx(0x08, {2, 2}, four);
  std::string crc_broken = read_bytes(write("good.idx.gz", good));
  crc_broken[crc_broken.size() - 6] ^= 0x55;  // inside the CRC-32 of the gzip trailer
  const std::string compressed =
      read_bytes(write("whole.idx.gz", idx(0x08, {64, 64}, std::string(4096, 'x'))));
  const std::vector<std::pair<std::string, std::string>> cases{
      {write("empty.idx", ""), "too short for an IDX magic number"},
      {write("magic.idx", std::string("\x01\x00\x08\x01", 4) + be32(1) + "a"), "is not an IDX one"},
      {write("type.idx", idx(0x07, {1}, "a")), "is not an IDX one"},
      {write("noaxes.idx", idx(0x08, {}, "")), "no axes"},
      {write("sizes.idx", std::string("\x00\x00\x08\x02", 4) + be32(3)),
       "ends inside its 2 axis sizes"},
      {write("short.idx", idx(0x08, {2, 2}, "abc")), "holds 3 numbers, but its sizes (2, 2) say 4"},
      {write("long.idx", good + "z"), "has data after the 4 numbers"},
      {write("huge.idx", idx(0x08, {0xffffffff, 0xffffffff}, "")), "more than the limit"},
      {write("short.idx.gz", idx(0x08, {2, 2}, "ab")), "holds 2 numbers"},
      {write("crc.idx.gz", "") /* replaced below */, "not a valid gzip stream"},
      {write("cut.idx.gz", "") /* replaced below */, "not a valid gzip stream"},
  };
  std::ofstream(cases[9].first, std::ios::binary) << crc_broken;
  std::ofstream(cases[10].first, std::ios::binary) << compressed.substr(0, compressed.size() / 2);
  for (const auto& [path, reason] : cases) {
    const std::string what = reason_of(path);
    EXPECT_EQ(what.rfind(path + ": ", 0), 0u) << what;
    EXPECT_NE(what.find(reason), std::string::npos) << "wanted '" << reason << "' in: " << what;
  }
  EXPECT_EQ(read_idx(write("good.idx.gz", good)).size(), 4);
}

// A few hundred generated images in Fashion-MNIST's files and layout.
std::string fake_fashion_mnist(int images, int labels) {
  const std::string root = folder() + "/fashion";
  std::filesystem::create_directories(root);
  std::string pixels, classes;
  for (int i = 0; i < images * 28 * 28; ++i) pixels += static_cast<char>(i % 256);
  for (int i = 0; i < labels; ++i) classes += static_cast<char>(i % 10);
  write("fashion/t10k-images-idx3-ubyte.gz",
        idx(0x08, {static_cast<std::uint32_t>(images), 28, 28}, pixels));
  write("fashion/t10k-labels-idx1-ubyte.gz",
        idx(0x08, {static_cast<std::uint32_t>(labels)}, classes));
  return root;
}

TEST(FashionMnist, ReadsImagesScaledToTheUnitIntervalWithTheirLabels) {
  const TensorDataset data = fashion_mnist(false, fake_fashion_mnist(300, 300));
  EXPECT_EQ(data.inputs().shape(), (Shape{300, 1, 28, 28}));
  EXPECT_EQ(data.inputs().dtype(), nabla::DType::float32);
  const auto pixels = data.inputs().to_vector();
  EXPECT_EQ(pixels[0], 0);
  EXPECT_FLOAT_EQ(static_cast<float>(pixels[255]), 1.0f);
  EXPECT_EQ(data.targets().to_vector()[13], 3);
  EXPECT_STREQ(fashion_mnist_class_name(9), "Ankle boot");
}

TEST(FashionMnist, MismatchedCountsAndAMissingFolderAreRefused) {
  try {
    fashion_mnist(false, fake_fashion_mnist(300, 299));
    FAIL() << "accepted 299 labels for 300 images";
  } catch (const FileError& e) {
    EXPECT_NE(std::string(e.what()).find("(299,) labels for the 300 images"), std::string::npos)
        << e.what();
  }
  try {
    fashion_mnist(true, folder() + "/nowhere");
    FAIL() << "found files in an empty folder";
  } catch (const FileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("nowhere/train-images-idx3-ubyte"), std::string::npos) << what;
    EXPECT_NE(what.find("dataset-fashion-mnist"), std::string::npos) << what;
  }
}

}  // namespace
