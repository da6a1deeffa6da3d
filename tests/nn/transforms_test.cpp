// Image transforms: normalisation against its formula, flips and crops against the pixels they
// must move, and their seeding.
#include <gtest/gtest.h>

#include <stdexcept>
#include <vector>

#include "nabla/nn/transforms.hpp"

namespace {

using nabla::DType;
using nabla::Generator;
using nabla::Shape;
using nabla::ShapeError;
using nabla::Tensor;
using namespace nabla::nn;

Tensor counting(const Shape& shape, DType dtype = DType::float64) {
  return nabla::reshape(Tensor::arange(0, static_cast<double>(nabla::shape_size(shape)), 1, dtype),
                        shape);
}

TEST(Transforms, NormalizeSubtractsEachChannelsMeanAndDividesByItsDeviation) {
  const Tensor images = counting({2, 3, 2, 2}, DType::float32);
  const Tensor y = normalize(images, {1, 2, 3}, {0.5, 2, 4});
  EXPECT_EQ(y.dtype(), DType::float32);
  const std::vector<double> x = images.to_vector(), v = y.to_vector();
  const double mean[] = {1, 2, 3}, deviation[] = {0.5, 2, 4};
  for (std::size_t i = 0; i < x.size(); ++i) {
    const std::size_t c = (i / 4) % 3;
    EXPECT_FLOAT_EQ(static_cast<float>(v[i]), static_cast<float>((x[i] - mean[c]) / deviation[c]));
  }
  EXPECT_EQ(normalize(counting({3, 2, 2}), {0, 0, 0}, {1, 1, 1}).shape(), (Shape{3, 2, 2}));
  EXPECT_THROW(normalize(images, {1, 2}, {1, 2}), ShapeError);
  EXPECT_THROW(normalize(images, {1, 2, 3}, {1, 0, 1}), std::invalid_argument);
  EXPECT_THROW(normalize(counting({3, 4}), {1, 2, 3}, {1, 1, 1}), ShapeError);
}

TEST(Transforms, FlattenKeepsTheBatchAxis) {
  EXPECT_EQ(flatten(counting({2, 3, 4, 5})).shape(), (Shape{2, 60}));
  EXPECT_EQ(flatten(counting({3, 4, 5})).shape(), (Shape{60}));
}

TEST(Transforms, HorizontalFlipMirrorsWholeImagesAndRepeatsWithTheSeed) {
  const Tensor images = counting({200, 3, 2, 3});
  Generator always(1), never(1);
  const Tensor flipped = random_horizontal_flip(images, always, 1.0);
  for (std::int64_t n : {0, 199})
    for (std::int64_t c = 0; c < 3; ++c)
      for (std::int64_t i = 0; i < 2; ++i)
        for (std::int64_t j = 0; j < 3; ++j)
          EXPECT_EQ(flipped.at({n, c, i, j}), images.at({n, c, i, 2 - j}));
  EXPECT_TRUE(nabla::array_equal(random_horizontal_flip(images, never, 0.0), images));
  Generator a(7), b(7);
  const Tensor some = random_horizontal_flip(images, a);
  EXPECT_TRUE(nabla::array_equal(some, random_horizontal_flip(images, b)));
  int count = 0;
  for (std::int64_t n = 0; n < 200; ++n) {
    const bool mirrored = some.at({n, 0, 0, 0}) == images.at({n, 0, 0, 2});
    count += mirrored;
    EXPECT_EQ(some.at({n, 2, 1, 0}), images.at({n, 2, 1, mirrored ? 2 : 0}));  // all channels
  }
  EXPECT_GT(count, 70);  // about 100 of 200 (binomial, standard deviation 7)
  EXPECT_LT(count, 130);
  EXPECT_THROW(random_horizontal_flip(images, a, 2.0), std::invalid_argument);
}

TEST(Transforms, RandomCropIsAShiftedWindowOfTheZeroPaddedImage) {
  const Tensor images = counting({20, 3, 4, 5}) + 1.0;  // no pixel is 0, the padding is
  Generator generator(3), same(3);
  const Tensor crops = random_crop(images, 4, 5, 2, generator);
  EXPECT_EQ(crops.shape(), (Shape{20, 3, 4, 5}));
  EXPECT_TRUE(nabla::array_equal(crops, random_crop(images, 4, 5, 2, same)));
  int shifted = 0;
  for (std::int64_t n = 0; n < 20; ++n) {
    bool found = false;
    for (std::int64_t top = -2; top <= 2 && !found; ++top) {
      for (std::int64_t left = -2; left <= 2 && !found; ++left) {
        bool match = true;
        for (std::int64_t c = 0; c < 3 && match; ++c)
          for (std::int64_t i = 0; i < 4 && match; ++i)
            for (std::int64_t j = 0; j < 5 && match; ++j) {
              const std::int64_t r = top + i, s = left + j;
              const double expected =
                  r >= 0 && r < 4 && s >= 0 && s < 5 ? images.at({n, c, r, s}) : 0.0;
              match = crops.at({n, c, i, j}) == expected;
            }
        if (match) {
          found = true;
          shifted += top != 0 || left != 0;
        }
      }
    }
    EXPECT_TRUE(found) << "image " << n << " is no window of its padded self";
  }
  EXPECT_GT(shifted, 10);  // 24 of the 25 positions are shifts
  Generator g(1);
  EXPECT_TRUE(nabla::array_equal(random_crop(images, 4, 5, 0, g), images));
  EXPECT_EQ(random_crop(counting({3, 4, 5}), 2, 3, 0, g).shape(), (Shape{3, 2, 3}));
  EXPECT_THROW(random_crop(images, 9, 5, 2, g), ShapeError);
  EXPECT_THROW(random_crop(images, 4, 5, -1, g), ShapeError);
}

}  // namespace
