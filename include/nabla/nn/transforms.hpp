// Transforms of image tensors, for data augmentation and preprocessing (torchvision's
// transforms, on nabla's Tensors). Each takes one image (C, H, W) or a batch (N, C, H, W) and
// returns a new tensor of the same dtype; the random ones draw, image by image in order, from
// the Generator given, so that a seed repeats a whole epoch of augmentation bit for bit. They
// read the generator's engine directly (not the standard library's distributions, whose
// algorithms differ between libraries), so the draws are the same with libstdc++ and libc++.
//
//   normalize               (x - mean_c) / std_c for each channel c
//   flatten                 (N, C, H, W) to (N, C H W); (C, H, W) to (C H W)
//   random_horizontal_flip  each image mirrored left to right with probability p
//   random_crop             each image padded by `padding` zeros on every side, then a window
//                           of height x width at a uniformly drawn position
//
// Shapes that do not fit (not 3 or 4 axes, a mean per channel for another channel count, a
// window larger than the padded image) are a ShapeError; a std that is not positive is a
// std::invalid_argument.
#pragma once

#include <cstdint>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla::nn {

Tensor normalize(const Tensor& images, const std::vector<double>& mean,
                 const std::vector<double>& std);
Tensor flatten(const Tensor& images);
Tensor random_horizontal_flip(const Tensor& images, Generator& generator, double p = 0.5);
Tensor random_crop(const Tensor& images, std::int64_t height, std::int64_t width,
                   std::int64_t padding, Generator& generator);

}  // namespace nabla::nn
