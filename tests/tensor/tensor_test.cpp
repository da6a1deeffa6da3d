// The Tensor handle: construction, storage sharing and versions, element access, dtypes,
// factories, reshape and printing.
#include "nabla/tensor/tensor.hpp"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <sstream>

#include "tensor_reference.hpp"

namespace {

using nabla::DType;
using nabla::Generator;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using ::testing::HasSubstr;

using nabla::testing::message_of;

TEST(TensorConstruction, NestedListsGiveShapeAndRowMajorValues) {
  const Tensor scalar = 2.5;
  EXPECT_EQ(scalar.shape(), Shape{});
  EXPECT_EQ(scalar.size(), 1);
  EXPECT_EQ(scalar.item(), 2.5);
  const Tensor vector{1, 2, 3};
  EXPECT_EQ(vector.shape(), Shape{3});
  const Tensor matrix{{1, 2, 3}, {4, 5, 6}};
  EXPECT_EQ(matrix.shape(), (Shape{2, 3}));
  EXPECT_EQ(matrix.to_vector(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
  const Tensor cube{{{1, 2}, {3, 4}}, {{5, 6}, {7, 8}}, {{9, 10}, {11, 12}}};
  EXPECT_EQ(cube.shape(), (Shape{3, 2, 2}));
  EXPECT_EQ(cube.at({2, 0, 1}), 10);
  EXPECT_EQ(cube.dtype(), DType::float64);
}

TEST(TensorConstruction, RaggedNestedListsAreShapeErrors) {
  EXPECT_THROW((Tensor{{1, 2}, {3}}), ShapeError);
  EXPECT_THROW((Tensor{{{1, 2}, {3, 4}}, {{5, 6}}}), ShapeError);
  EXPECT_THROW((Tensor{{{1, 2}, {3, 4}}, {{5, 6}, {7}}}), ShapeError);
  EXPECT_THAT(message_of<ShapeError>([] { Tensor{{1, 2}, {3}}; }), HasSubstr("ragged"));
}

TEST(TensorConstruction, ValueCountMustFillTheShape) {
  EXPECT_THAT(message_of<ShapeError>([] {
                Tensor({2, 3}, std::vector<double>{1, 2});
              }),
              HasSubstr("(2, 3)"));
  const Tensor single({2}, std::vector<float>{1.5F, 2.5F});
  EXPECT_EQ(single.dtype(), DType::float32);
  EXPECT_EQ(single.data<float>()[1], 2.5F);
  const Tensor converted({3}, std::vector<double>{0.1, 0.2, 0.3}, DType::float32);
  EXPECT_EQ(converted.data<float>()[0], 0.1F);
  EXPECT_THROW(Tensor::zeros({2, -1}), ShapeError);
}

TEST(TensorConstruction, UndefinedTensorHasNoStorage) {
  const Tensor undefined;
  EXPECT_FALSE(undefined.defined());
  EXPECT_EQ(undefined.version(), 0U);
  EXPECT_THROW(undefined.item(), std::invalid_argument);
  EXPECT_THROW(nabla::add(undefined, Tensor(1.0)), std::invalid_argument);
  EXPECT_EQ(nabla::to_string(undefined), "undefined");
}

// Up to 64 bytes of numbers live inside the storage object (16-byte aligned); more get a heap
// buffer on a cache-line boundary.
TEST(TensorStorage, BuffersAreAlignedTo64BytesAndSmallOnesTo16) {
  for (const std::int64_t n : {17, 1000, 100000}) {
    const Tensor x = Tensor::zeros({n}, DType::float32);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(x.data<float>()) % 64, 0U) << n;
  }
  for (const std::int64_t n : {1, 3, 16}) {
    const Tensor x = Tensor::full({n}, 2.0, DType::float32);
    EXPECT_EQ(reinterpret_cast<std::uintptr_t>(x.data<float>()) % 16, 0U) << n;
    EXPECT_EQ(x.at({n - 1}), 2.0);
  }
  const Tensor empty = Tensor::empty({0});
  EXPECT_EQ(empty.size(), 0);
  EXPECT_NE(empty.data<double>(), nullptr);
}

TEST(TensorStorage, DataWithTheWrongTypeNamesBothDtypes) {
  const Tensor x{1, 2};
  EXPECT_NO_THROW(x.data<double>());
  const std::string message = message_of<std::invalid_argument>([&] { x.data<float>(); });
  EXPECT_THAT(message, HasSubstr("float64"));
  EXPECT_THAT(message, HasSubstr("float32"));
  Tensor y = Tensor::ones({2}, DType::float32);
  EXPECT_THROW(y.mutable_data<double>(), std::invalid_argument);
}

TEST(TensorStorage, CopiesShareStorageAndClonesDoNot) {
  Tensor x{1, 2, 3};
  Tensor alias = x;
  const Tensor copy = x.clone();
  EXPECT_TRUE(alias.shares_storage(x));
  EXPECT_FALSE(copy.shares_storage(x));
  x.mutable_data<double>()[0] = 10;
  EXPECT_EQ(alias.at({0}), 10);
  EXPECT_EQ(copy.at({0}), 1);
}

// Large buffers are cached by size when their tensor dies, so that a training loop does not
// page-fault fresh memory every step; a reused buffer starts a new storage (version 0).
TEST(TensorStorage, ALargeBufferIsReusedForTheNextTensorOfItsSize) {
  nabla::release_cached_memory();  // no buffer of this size left over from another test
  const void* first = nullptr;
  {
    Tensor big = Tensor::zeros({256, 1000}, DType::float32);
    big.fill_(3.0);
    first = big.data<float>();
  }
  const Tensor again = Tensor::zeros({256, 1000}, DType::float32);
  EXPECT_EQ(again.data<float>(), first);
  EXPECT_EQ(again.version(), 0u);
  EXPECT_EQ(again.at({255, 999}), 0.0);  // zeros are zeros, whatever the buffer held
  const Tensor small_one = Tensor::ones({4}, DType::float32);
  nabla::release_cached_memory();
  EXPECT_EQ(small_one.at({3}), 1.0);
}

TEST(TensorStorage, LiveBytesCountEveryStorageOnceAndReturnToTheBaseline) {
  const nabla::TensorStats before = nabla::tensor_stats();
  {
    const Tensor a = Tensor::zeros({100, 30}, DType::float32);
    const Tensor view = a.reshape({3000});  // shares a's storage: counted once
    const Tensor b = Tensor::ones({7}, DType::float64);
    const nabla::TensorStats during = nabla::tensor_stats();
    EXPECT_EQ(during.live_buffers - before.live_buffers, 2);
    EXPECT_EQ(during.live_bytes - before.live_bytes, 3000 * 4 + 7 * 8);
  }
  const nabla::TensorStats after = nabla::tensor_stats();
  EXPECT_EQ(after.live_buffers, before.live_buffers);
  EXPECT_EQ(after.live_bytes, before.live_bytes);
}

// A shape whose element or byte count does not fit is refused before anything is allocated.
TEST(TensorStorage, ShapesTooLargeToAddressAreShapeErrors) {
  const std::int64_t big = std::int64_t{1} << 31;
  EXPECT_THAT(message_of<ShapeError>([&] {
                Tensor::zeros({big, big, big});
              }),
              HasSubstr("more elements than a 64-bit count holds"));
  EXPECT_THAT(message_of<ShapeError>([&] {
                Tensor::zeros({big, big}, DType::float32);
              }),
              HasSubstr("needs more bytes than can be addressed"));
  EXPECT_THAT(message_of<ShapeError>([&] {
                Tensor::zeros({0}).reshape({big << 1, big << 1});
              }),
              HasSubstr("the sizes differ"));
  EXPECT_EQ(Tensor::zeros({0, big, big}).size(), 0);  // an empty axis makes any shape empty
}

TEST(TensorVersion, InPlaceOperationsBumpTheVersion) {
  Tensor x{1, 2, 3};
  const Tensor view = x.reshape({3, 1});
  std::uint64_t version = x.version();
  x += Tensor(1.0);
  EXPECT_EQ(x.version(), ++version);
  x -= Tensor{1, 1, 1};
  EXPECT_EQ(x.version(), ++version);
  x *= Tensor(2.0);
  EXPECT_EQ(x.version(), ++version);
  x /= Tensor(2.0);
  EXPECT_EQ(x.version(), ++version);
  x.fill_(7);
  EXPECT_EQ(x.version(), ++version);
  x.mutable_data<double>();
  EXPECT_EQ(x.version(), ++version);
  EXPECT_EQ(view.version(), version);  // a reshaped view shares the counter
  EXPECT_EQ(view.at({2, 0}), 7);
}

TEST(TensorVersion, OutOfPlaceOperationsLeaveTheVersionAlone) {
  Tensor x{{1, 2}, {3, 4}};
  const std::uint64_t version = x.version();
  const Tensor results[] = {x + x,
                            x * 2.0,
                            nabla::exp(x),
                            nabla::sum(x),
                            x.clone(),
                            x.to(DType::float32),
                            x.reshape({4}),
                            nabla::transpose(x),
                            nabla::matmul(x, x),
                            nabla::get_item(x, {std::int64_t{0}})};
  (void)x.data<double>();  // reading does not count as writing
  EXPECT_EQ(x.version(), version);
  for (const Tensor& result : results) EXPECT_TRUE(result.defined());
}

TEST(TensorAccess, ItemAndAtCheckTheirIndices) {
  const Tensor x{{1, 2, 3}, {4, 5, 6}};
  EXPECT_EQ(x.at({1, -1}), 6);
  EXPECT_EQ(x.at({-2, 0}), 1);
  const std::string message = message_of<ShapeError>([&] { x.at({0, 3}); });
  EXPECT_THAT(message, HasSubstr("index 3"));
  EXPECT_THAT(message, HasSubstr("axis 1"));
  EXPECT_THAT(message, HasSubstr("length 3"));
  EXPECT_THROW(x.at({0}), ShapeError);
  EXPECT_THAT(message_of<ShapeError>([&] { x.item(); }), HasSubstr("(2, 3)"));
  EXPECT_EQ(Tensor({1, 1, 1}, std::vector<double>{4.5}).item(), 4.5);
}

TEST(TensorDType, ConversionRoundsToFloat32AndBack) {
  const Tensor x{0.1, 1.0 / 3.0};
  const Tensor single = x.to(DType::float32);
  EXPECT_EQ(single.dtype(), DType::float32);
  EXPECT_EQ(single.data<float>()[0], 0.1F);
  const Tensor back = single.to(DType::float64);
  EXPECT_EQ(back.at({1}), static_cast<double>(1.0F / 3.0F));
  const Tensor same = x.to(DType::float64);
  EXPECT_FALSE(same.shares_storage(x));
  EXPECT_EQ(nabla::dtype_name(DType::float32), "float32");
  EXPECT_EQ(nabla::dtype_size(DType::float64), 8U);
}

TEST(TensorDType, MixedDtypesPromoteAndNumbersTakeTheTensorsDtype) {
  const Tensor single = Tensor::ones({2}, DType::float32);
  const Tensor twice = Tensor::ones({2}, DType::float64);
  EXPECT_EQ((single + twice).dtype(), DType::float64);
  EXPECT_EQ((single * 3.0).dtype(), DType::float32);
  EXPECT_EQ((2.0 - single).dtype(), DType::float32);
  Tensor target = Tensor::zeros({2}, DType::float32);
  target += twice;  // in place keeps the target's dtype
  EXPECT_EQ(target.dtype(), DType::float32);
  EXPECT_EQ(target.to_vector(), (std::vector<double>{1, 1}));
}

TEST(TensorFactories, ShapesAndValues) {
  EXPECT_EQ(Tensor::zeros({2, 2}).to_vector(), (std::vector<double>(4, 0.0)));
  EXPECT_EQ(Tensor::ones({3}, DType::float32).to_vector(), (std::vector<double>(3, 1.0)));
  EXPECT_EQ(Tensor::full({2}, 2.5).to_vector(), (std::vector<double>{2.5, 2.5}));
  const Tensor model = Tensor::ones({2, 3}, DType::float32);
  EXPECT_EQ(Tensor::zeros_like(model).dtype(), DType::float32);
  EXPECT_EQ(Tensor::ones_like(model).shape(), (Shape{2, 3}));
  EXPECT_EQ(Tensor::full_like(model, -1).at({1, 2}), -1);
  EXPECT_EQ(Tensor::arange(0, 5).to_vector(), (std::vector<double>{0, 1, 2, 3, 4}));
  EXPECT_EQ(Tensor::arange(1, 2, 0.25).to_vector(), (std::vector<double>{1, 1.25, 1.5, 1.75}));
  EXPECT_EQ(Tensor::arange(5, 0, -2).to_vector(), (std::vector<double>{5, 3, 1}));
  EXPECT_EQ(Tensor::arange(3, 1).size(), 0);
  EXPECT_THROW(Tensor::arange(0, 1, 0), std::invalid_argument);
  EXPECT_EQ(Tensor::linspace(0, 1, 5).to_vector(), (std::vector<double>{0, 0.25, 0.5, 0.75, 1}));
  EXPECT_EQ(Tensor::linspace(2, 3, 1).to_vector(), (std::vector<double>{2}));
  EXPECT_EQ(Tensor::linspace(0, 0.3, 4).at({3}), 0.3);  // the end is exact
}

TEST(TensorRandom, SameSeedSameNumbersAndPlausibleMoments) {
  Generator first(42);
  Generator second(42);
  const Tensor a = Tensor::randn({1000}, first);
  const Tensor b = Tensor::randn({1000}, second);
  EXPECT_TRUE(nabla::array_equal(a, b));
  EXPECT_NEAR(nabla::mean(a).item(), 0.0, 0.1);
  EXPECT_NEAR(nabla::mean(nabla::square(a)).item(), 1.0, 0.1);
  Generator third(42);
  const Tensor single = Tensor::randn({1000}, third, DType::float32);
  EXPECT_TRUE(nabla::array_equal(single, a.to(DType::float32)));
  Generator uniform_source(7);
  const Tensor u = Tensor::rand({2000}, uniform_source, -1, 3);
  EXPECT_GE(nabla::min(u).item(), -1);
  EXPECT_LT(nabla::max(u).item(), 3);
  EXPECT_NEAR(nabla::mean(u).item(), 1.0, 0.1);
}

TEST(TensorReshape, SharesStorageAndInfersOneAxis) {
  Tensor x = Tensor::arange(0, 6);
  const Tensor matrix = x.reshape({2, -1});
  EXPECT_EQ(matrix.shape(), (Shape{2, 3}));
  EXPECT_TRUE(matrix.shares_storage(x));
  x.mutable_data<double>()[4] = 40;
  EXPECT_EQ(matrix.at({1, 1}), 40);
  EXPECT_EQ(nabla::reshape(x, {-1}).shape(), Shape{6});
  EXPECT_EQ(Tensor::zeros({0, 3}).reshape({-1, 3}).shape(), (Shape{0, 3}));
  EXPECT_EQ(Tensor(5.0).reshape({1, 1}).shape(), (Shape{1, 1}));
}

TEST(TensorReshape, AtMost32AxesLikeNumPy) {
  const Tensor x = Tensor::ones(Shape(32, 1));
  EXPECT_EQ(x.ndim(), 32);
  EXPECT_EQ(nabla::sum(x + x).item(), 2);
  EXPECT_THROW(x.reshape(Shape(33, 1)), ShapeError);
  EXPECT_THROW(nabla::expand_dims(x, 0), ShapeError);
  EXPECT_THROW(Tensor::zeros(Shape(40, 1)), ShapeError);
  EXPECT_THROW(nabla::scatter_add(Shape(40, 1), {}, Tensor(1.0)), ShapeError);
}

TEST(TensorReshape, MismatchedSizesNameBothShapes) {
  const Tensor x = Tensor::zeros({2, 3});
  const std::string message = message_of<ShapeError>([&] { x.reshape({4, 2}); });
  EXPECT_THAT(message, HasSubstr("reshape"));
  EXPECT_THAT(message, HasSubstr("(2, 3)"));
  EXPECT_THAT(message, HasSubstr("(4, 2)"));
  EXPECT_THROW(x.reshape({-1, -1}), ShapeError);
  EXPECT_THROW(x.reshape({-1, 4}), ShapeError);
  EXPECT_THROW(x.reshape({-2, -3}), ShapeError);
}

TEST(TensorShapeString, SpellsShapesLikeNumPy) {
  EXPECT_EQ(nabla::shape_string({}), "()");
  EXPECT_EQ(nabla::shape_string({5}), "(5,)");
  EXPECT_EQ(nabla::shape_string({2, 3, 4}), "(2, 3, 4)");
  EXPECT_EQ(nabla::shape_size({2, 3, 4}), 24);
  EXPECT_EQ(nabla::shape_size({}), 1);
}

TEST(TensorCompare, AllcloseAndArrayEqual) {
  const Tensor a{1.0, 2.0};
  EXPECT_TRUE(nabla::allclose(a, Tensor{1.0 + 1e-9, 2.0}));
  EXPECT_FALSE(nabla::allclose(a, Tensor{1.1, 2.0}));
  EXPECT_FALSE(nabla::allclose(a, Tensor{{1.0, 2.0}}));  // shapes differ
  EXPECT_FALSE(nabla::allclose(Tensor{NAN}, Tensor{NAN}));
  EXPECT_TRUE(nabla::allclose(Tensor{INFINITY}, Tensor{INFINITY}));
  EXPECT_FALSE(nabla::allclose(Tensor{5.0}, Tensor{INFINITY}));  // the tolerance would be inf
  EXPECT_FALSE(nabla::allclose(Tensor{INFINITY}, Tensor{-INFINITY}));
  EXPECT_TRUE(nabla::array_equal(a, Tensor{1.0, 2.0}));
  EXPECT_FALSE(nabla::array_equal(a, a.to(DType::float32)));
}

// Expected strings are NumPy 1.24's str() of the same arrays.
TEST(TensorPrint, MatchesNumPyStr) {
  EXPECT_EQ(nabla::to_string(Tensor{{1, 2}, {3, 4}}), "[[1. 2.]\n [3. 4.]]");
  EXPECT_EQ(nabla::to_string(Tensor(0.5)), "0.5");
  EXPECT_EQ(nabla::to_string(Tensor(1.0)), "1.0");
  EXPECT_EQ(nabla::to_string(Tensor(1e-5)), "1e-05");
  EXPECT_EQ(nabla::to_string(Tensor(-0.0)), "-0.0");
  EXPECT_EQ(nabla::to_string(Tensor(123456.789).to(DType::float32)), "123456.79");
  EXPECT_EQ(nabla::to_string(Tensor{1.0, 2.5}), "[1.  2.5]");
  EXPECT_EQ(nabla::to_string(Tensor{3.14159265358979, -1.0}), "[ 3.14159265 -1.        ]");
  EXPECT_EQ(nabla::to_string(Tensor{1.0 / 3.0, 2.0}.to(DType::float32)), "[0.33333334 2.        ]");
  EXPECT_EQ(nabla::to_string(Tensor{1e-5, 1.0}), "[1.e-05 1.e+00]");
  EXPECT_EQ(nabla::to_string(Tensor{1.5e-5, 1.0, -2e10}), "[ 1.5e-05  1.0e+00 -2.0e+10]");
  EXPECT_EQ(nabla::to_string(Tensor{NAN, 1.0, -INFINITY}), "[ nan   1. -inf]");
  EXPECT_EQ(nabla::to_string(Tensor{-0.0, 0.0}), "[-0.  0.]");
  EXPECT_EQ(nabla::to_string(Tensor::zeros({0})), "[]");
  EXPECT_EQ(nabla::to_string(Tensor::arange(0, 24).reshape({2, 3, 4})),
            "[[[ 0.  1.  2.  3.]\n  [ 4.  5.  6.  7.]\n  [ 8.  9. 10. 11.]]\n\n"
            " [[12. 13. 14. 15.]\n  [16. 17. 18. 19.]\n  [20. 21. 22. 23.]]]");
  std::ostringstream stream;
  stream << Tensor{1, 2};
  EXPECT_EQ(stream.str(), "[1. 2.]");
}

TEST(TensorPrint, LongRowsWrapAt75Characters) {
  EXPECT_EQ(nabla::to_string(Tensor::arange(0, 30)),
            "[ 0.  1.  2.  3.  4.  5.  6.  7.  8.  9. 10. 11. 12. 13. 14. 15. 16. 17.\n"
            " 18. 19. 20. 21. 22. 23. 24. 25. 26. 27. 28. 29.]");
}

TEST(TensorPrint, MoreThanAThousandNumbersAreElided) {
  EXPECT_EQ(nabla::to_string(Tensor::arange(0, 1001)), "[   0.    1.    2. ...  998.  999. 1000.]");
  EXPECT_EQ(nabla::to_string(Tensor::arange(0, 2000).reshape({2, 1000})),
            "[[0.000e+00 1.000e+00 2.000e+00 ... 9.970e+02 9.980e+02 9.990e+02]\n"
            " [1.000e+03 1.001e+03 1.002e+03 ... 1.997e+03 1.998e+03 1.999e+03]]");
  EXPECT_EQ(nabla::to_string(Tensor::zeros({100, 100})),
            "[[0. 0. 0. ... 0. 0. 0.]\n [0. 0. 0. ... 0. 0. 0.]\n [0. 0. 0. ... 0. 0. 0.]\n"
            " ...\n [0. 0. 0. ... 0. 0. 0.]\n [0. 0. 0. ... 0. 0. 0.]\n [0. 0. 0. ... 0. 0. 0.]]");
}

}  // namespace
