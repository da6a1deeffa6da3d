// Model files: a bit-exact round trip, a reader written here from the format's specification
// that agrees, every kind of corrupt or mismatched file refused with its reason, and loads into
// modules that check names and shapes before they change anything.
#include <gtest/gtest.h>

#include <unistd.h>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "nabla/nn/init.hpp"
#include "nabla/nn/layers.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/nn/safetensors.hpp"

namespace {

using nabla::DType;
using nabla::Shape;
using nabla::Tensor;
using namespace nabla::nn;

std::string scratch(const std::string& name) {
  return (std::filesystem::path(::testing::TempDir()) / ("nabla_st_" + name)).string();
}

std::string file_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// A file from a header's text and data bytes, as the specification lays it out.
std::string file_of(const std::string& header, const std::string& data) {
  std::string bytes(8, '\0');
  const std::uint64_t n = header.size();
  for (int i = 0; i < 8; ++i)
    bytes[static_cast<std::size_t>(i)] = static_cast<char>((n >> (8 * i)) & 0xff);
  return bytes + header + data;
}

std::string floats(std::initializer_list<float> values) {
  std::string bytes(values.size() * 4, '\0');
  std::memcpy(bytes.data(), values.begin(), bytes.size());
  return bytes;
}

TEST(Safetensors, RoundTripIsBitExactWithMetadata) {
  const std::string path = scratch("round_trip.safetensors");
  const float tiny = std::numeric_limits<float>::denorm_min();
  const Tensor a({2, 3}, std::vector<float>{1.5f, -0.0f, tiny, 3e38f, -7.25f, 1.0f / 3});
  const Tensor b({4}, std::vector<double>{M_PI, -1e-300, 0.0, std::nextafter(1.0, 2.0)});
  const Tensor empty = Tensor::zeros({0, 5});
  save_safetensors(path, {{"layer.weight", a}, {"b", b}, {"empty", empty}}, {{"epoch", "3"}});
  const TensorFile file = load_safetensors(path);
  ASSERT_EQ(file.tensors.size(), 3u);
  EXPECT_EQ(file.metadata.at("epoch"), "3");
  for (const auto& [name, t] : file.tensors) {
    const Tensor& original = name == "b" ? b : name == "empty" ? empty : a;
    EXPECT_EQ(t.shape(), original.shape()) << name;
    EXPECT_EQ(t.dtype(), original.dtype()) << name;
    EXPECT_EQ(0,
              std::memcmp(t.dtype() == DType::float32 ? static_cast<const void*>(t.data<float>())
                                                      : static_cast<const void*>(t.data<double>()),
                          original.dtype() == DType::float32
                              ? static_cast<const void*>(original.data<float>())
                              : static_cast<const void*>(original.data<double>()),
                          static_cast<std::size_t>(t.size()) * nabla::dtype_size(t.dtype())))
        << name;
  }
  // No temporary file is left beside it.
  for (const auto& entry : std::filesystem::directory_iterator(::testing::TempDir())) {
    EXPECT_EQ(entry.path().string().find("round_trip.safetensors.tmp"), std::string::npos);
  }
}

// An independent reader, from the specification alone: u64 little-endian N, N bytes of JSON,
// then the data; each entry's numbers at data_offsets.
TEST(Safetensors, AReaderWrittenFromTheSpecificationReadsOurFiles) {
  const std::string path = scratch("spec.safetensors");
  const Tensor w({2, 2}, std::vector<float>{1, 2, 3, 4});
  const Tensor v({3}, std::vector<double>{-1, 0.5, 8});
  save_safetensors(path, {{"w", w}, {"v", v}});
  const std::string bytes = file_bytes(path);
  ASSERT_GE(bytes.size(), 8u);
  std::uint64_t n = 0;
  for (int i = 7; i >= 0; --i)
    n = (n << 8) | static_cast<unsigned char>(bytes[static_cast<std::size_t>(i)]);
  const auto header = nlohmann::json::parse(bytes.substr(8, n));
  const std::string data = bytes.substr(8 + n);
  ASSERT_EQ(header["w"]["dtype"], "F32");
  ASSERT_EQ(header["w"]["shape"], nlohmann::json::parse("[2, 2]"));
  ASSERT_EQ(header["v"]["dtype"], "F64");
  const auto span = [&](const char* key) {
    const auto& offsets = header[key]["data_offsets"];
    return data.substr(offsets[0].get<std::size_t>(),
                       offsets[1].get<std::size_t>() - offsets[0].get<std::size_t>());
  };
  std::vector<float> w_read(4);
  std::memcpy(w_read.data(), span("w").data(), 16);
  EXPECT_EQ(w_read, (std::vector<float>{1, 2, 3, 4}));
  std::vector<double> v_read(3);
  std::memcpy(v_read.data(), span("v").data(), 24);
  EXPECT_EQ(v_read, (std::vector<double>{-1, 0.5, 8}));
  EXPECT_EQ((8 + n) % 8, 0u);  // the data is 8-byte aligned
}

// Each corrupt file, with a piece of the reason its refusal must give.
TEST(Safetensors, CorruptFilesAreRefusedWithTheirReason) {
  const std::string four = floats({1, 2, 3, 4});
  const std::string good = R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]}})";
  std::string huge_length(8, '\xff');
  const std::vector<std::pair<std::string, std::string>> cases{
      {"", "shorter than the 8-byte header length"},
      {std::string("\x05\0\0", 3), "shorter than the 8-byte header length"},
      {file_of(good, four).substr(0, 20), "runs past the end"},
      {huge_length + good, "above the limit"},
      {file_of("{\"w\": ", four), "not valid JSON"},
      {file_of("[1, 2]", ""), "not a JSON object"},
      {file_of(R"({"w":{"dtype":"I64","shape":[2],"data_offsets":[0,16]}})", four),
       "'I64' is not one nabla reads"},
      {file_of(R"({"w":{"dtype":"F32","shape":[2,2]}})", four), "has no \"data_offsets\""},
      {file_of(R"({"w":{"dtype":"F32","shape":[2,-2],"data_offsets":[0,16]}})", four),
       "not a list of sizes"},
      {file_of(R"({"w":{"dtype":"F32","shape":[3,2],"data_offsets":[0,16]}})", four),
       "takes 24 bytes, but data_offsets span 16"},
      {file_of(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[16,0]}})", four),
       "end before they begin"},
      {file_of(R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[8,24]}})", four),
       "belong to no tensor"},
      {file_of(R"({"a":{"dtype":"F32","shape":[4],"data_offsets":[0,16]},
                   "b":{"dtype":"F32","shape":[2],"data_offsets":[8,16]}})",
               four),
       "overlaps"},
      {file_of(R"({"w":{"dtype":"F32","shape":[8],"data_offsets":[0,32]}})", four), "past the 16"},
      {file_of(good, four + "junk"), "after its last tensor"},
      {file_of(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
                   "w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})",
               four),
       "names 'w' twice"},
      {file_of(R"({"w":{"dtype":"F32","shape":[2,2],"data_offsets":[0,16]},
                   "__metadata__":{"epoch":3}})",
               four),
       "'epoch' is not a string"},
      {file_of(R"({"w":{"dtype":"F32","shape":[4294967296,4294967296,4294967296],
                   "data_offsets":[0,16]}})",
               four),
       "too large"},
      {file_of(R"({"w":3})", ""), "is not an object"},
      // Found by the fuzzer: nlohmann's out_of_range for a number past a double's range.
      {file_of(R"({"w":{"dtype":"F32","shape":[1e400],"data_offsets":[0,4]}})", floats({1})),
       "not valid JSON"},
  };
  EXPECT_NO_THROW(parse_safetensors(file_of(good, four)));
  for (const auto& [bytes, reason] : cases) {
    try {
      parse_safetensors(bytes, "model.safetensors");
      ADD_FAILURE() << "accepted a file that should fail with: " << reason;
    } catch (const FileError& e) {
      const std::string what = e.what();
      EXPECT_EQ(what.rfind("model.safetensors: ", 0), 0u) << what;
      EXPECT_NE(what.find(reason), std::string::npos) << "wanted '" << reason << "' in: " << what;
    }
  }
  EXPECT_THROW(load_safetensors(scratch("does_not_exist")), FileError);
}

TEST(Safetensors, AFailedSaveLeavesThePreviousFileWhole) {
  const std::string path = scratch("atomic.safetensors");
  save_safetensors(path, {{"w", Tensor{1.0, 2.0}}});
  const std::string before = file_bytes(path);
  // The temporary file's name taken by a directory: the save cannot write, and says so.
  const std::string blocker = path + ".tmp-" + std::to_string(::getpid());
  std::filesystem::create_directory(blocker);
  EXPECT_THROW(save_safetensors(path, {{"w", Tensor{3.0, 4.0, 5.0}}}), FileError);
  std::filesystem::remove(blocker);
  EXPECT_EQ(file_bytes(path), before);
}

struct Small : Module {
  std::shared_ptr<Linear> first, second;
  explicit Small(std::int64_t hidden = 3) : Module("Small") {
    first = register_module("first", std::make_shared<Linear>(2, hidden));
    second = register_module("second", std::make_shared<Linear>(hidden, 1));
    register_buffer("seen", Tensor::zeros({1}));
  }
  nabla::Variable forward(const nabla::Variable& x) override { return (*second)((*first)(x)); }
};

TEST(ModelFiles, AModuleRoundTripsThroughAFile) {
  manual_seed(1);
  Small a;
  manual_seed(2);
  Small b;
  ASSERT_NE(a.first->weight().data().to_vector(), b.first->weight().data().to_vector());
  const std::string path = scratch("small.safetensors");
  save(a, path);
  load(b, path);
  for (std::size_t i = 0; i < a.parameters().size(); ++i) {
    EXPECT_EQ(a.parameters()[i].data().to_vector(), b.parameters()[i].data().to_vector());
  }
  std::vector<std::string> names;
  for (const auto& [name, t] : load_safetensors(path).tensors) names.push_back(name);
  std::sort(names.begin(), names.end());
  EXPECT_EQ(names, (std::vector<std::string>{"first.bias", "first.weight", "second.bias",
                                             "second.weight", "seen"}));
}

TEST(ModelFiles, AMismatchedFileNamesBothShapesAndChangesNothing) {
  Small wide(4);
  const std::string path = scratch("wide.safetensors");
  save(wide, path);
  Small narrow(3);
  const std::vector<double> before = narrow.first->weight().data().to_vector();
  try {
    load(narrow, path);
    FAIL() << "loaded a file of other shapes";
  } catch (const FileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("first.weight: the model has (3, 2), the file (4, 2)"), std::string::npos)
        << what;
    EXPECT_NE(what.find("second.weight: the model has (1, 3), the file (1, 4)"), std::string::npos)
        << what;
  }
  EXPECT_EQ(narrow.first->weight().data().to_vector(), before);
}

TEST(ModelFiles, StrictLoadingListsMissingAndUnexpectedNamesNonStrictLoadsTheRest) {
  Small model;
  const Tensor w = model.first->weight().data().clone();
  NamedTensors partial{{"first.weight", Tensor::ones({3, 2})}, {"extra", Tensor::zeros({1})}};
  try {
    load_state_dict(model, partial);
    FAIL() << "a partial state loaded strictly";
  } catch (const FileError& e) {
    const std::string what = e.what();
    EXPECT_NE(what.find("missing from the file: first.bias, second.weight, second.bias, seen"),
              std::string::npos)
        << what;
    EXPECT_NE(what.find("not in the model: extra"), std::string::npos) << what;
  }
  EXPECT_EQ(model.first->weight().data().to_vector(), w.to_vector());
  load_state_dict(model, partial, {.strict = false});
  EXPECT_EQ(model.first->weight().data().to_vector(), std::vector<double>(6, 1.0));
  EXPECT_EQ(model.first->weight().dtype(), DType::float32);
  // A float64 tensor loads into a float32 parameter by conversion.
  load_state_dict(model, {{"first.weight", Tensor::full({3, 2}, 0.5)}}, {.strict = false});
  EXPECT_EQ(model.first->weight().data().to_vector(), std::vector<double>(6, 0.5));
}

}  // namespace
