#include "nabla/nn/transforms.hpp"

#include <stdexcept>
#include <string>

namespace nabla::nn {

namespace {

// The sizes of images as a batch: (N, C, H, W), N = 1 for a single image.
struct Geometry {
  std::int64_t n, c, h, w;
};

Geometry geometry(const Tensor& images, const char* transform) {
  const Shape& s = images.shape();
  if (s.size() == 3) return {1, s[0], s[1], s[2]};
  if (s.size() == 4) return {s[0], s[1], s[2], s[3]};
  throw ShapeError(std::string(transform) +
                   ": expected an image (C, H, W) or a batch (N, C, H, W), got " + shape_string(s));
}

// A uniform number in [0, 1) and an integer in [0, count), from the engine's raw 64 bits.
double uniform(Generator& generator) {
  return static_cast<double>(generator.engine()() >> 11) * 0x1.0p-53;
}

std::int64_t below(Generator& generator, std::int64_t count) {
  return static_cast<std::int64_t>(generator.engine()() % static_cast<std::uint64_t>(count));
}

template <class T, class Body>
void with_numbers(const Tensor& in, Tensor& out, Body body) {
  body(in.data<T>(), out.mutable_data<T>());
}

template <class Body>
void dispatch(const Tensor& in, Tensor& out, Body body) {
  if (in.dtype() == DType::float32) {
    with_numbers<float>(in, out, body);
  } else {
    with_numbers<double>(in, out, body);
  }
}

}  // namespace

Tensor normalize(const Tensor& images, const std::vector<double>& mean,
                 const std::vector<double>& std) {
  const Geometry g = geometry(images, "normalize");
  if (static_cast<std::int64_t>(mean.size()) != g.c ||
      static_cast<std::int64_t>(std.size()) != g.c) {
    throw ShapeError("normalize: images " + shape_string(images.shape()) + " have " +
                     std::to_string(g.c) + " channels, but there are " +
                     std::to_string(mean.size()) + " means and " + std::to_string(std.size()) +
                     " deviations");
  }
  for (const double s : std) {
    if (!(s > 0)) {
      throw std::invalid_argument("normalize: a deviation must be positive, not " +
                                  std::to_string(s));
    }
  }
  const Tensor m(Shape{g.c, 1, 1}, mean, images.dtype());
  const Tensor s(Shape{g.c, 1, 1}, std, images.dtype());
  return (images - m) / s;
}

Tensor flatten(const Tensor& images) {
  const Geometry g = geometry(images, "flatten");
  return images.ndim() == 3 ? images.reshape({-1}) : images.reshape({g.n, -1});
}

Tensor random_horizontal_flip(const Tensor& images, Generator& generator, double p) {
  if (!(p >= 0 && p <= 1)) {
    throw std::invalid_argument("random_horizontal_flip: p must be in [0, 1], not " +
                                std::to_string(p));
  }
  const Geometry g = geometry(images, "random_horizontal_flip");
  Tensor out = images.clone();
  dispatch(images, out, [&](const auto* in, auto* y) {
    const std::int64_t image_size = g.c * g.h * g.w;
    for (std::int64_t n = 0; n < g.n; ++n) {
      if (!(uniform(generator) < p)) continue;
      for (std::int64_t row = 0; row < g.c * g.h; ++row) {
        const std::int64_t start = n * image_size + row * g.w;
        for (std::int64_t j = 0; j < g.w; ++j) y[start + j] = in[start + g.w - 1 - j];
      }
    }
  });
  return out;
}

Tensor random_crop(const Tensor& images, std::int64_t height, std::int64_t width,
                   std::int64_t padding, Generator& generator) {
  const Geometry g = geometry(images, "random_crop");
  if (padding < 0 || height < 1 || width < 1 || height > g.h + 2 * padding ||
      width > g.w + 2 * padding) {
    throw ShapeError("random_crop: a window of " + std::to_string(height) + " x " +
                     std::to_string(width) + " does not fit images " +
                     shape_string(images.shape()) + " padded by " + std::to_string(padding));
  }
  Shape shape = images.shape();
  shape[shape.size() - 2] = height;
  shape[shape.size() - 1] = width;
  Tensor out = Tensor::zeros(shape, images.dtype());
  dispatch(images, out, [&](const auto* in, auto* y) {
    for (std::int64_t n = 0; n < g.n; ++n) {
      // The window's corner in the padded image, then in the image's own coordinates.
      const std::int64_t top = below(generator, g.h + 2 * padding - height + 1) - padding;
      const std::int64_t left = below(generator, g.w + 2 * padding - width + 1) - padding;
      for (std::int64_t c = 0; c < g.c; ++c) {
        for (std::int64_t i = 0; i < height; ++i) {
          const std::int64_t source_row = top + i;
          if (source_row < 0 || source_row >= g.h) continue;  // padding: stays 0
          for (std::int64_t j = 0; j < width; ++j) {
            const std::int64_t source_column = left + j;
            if (source_column < 0 || source_column >= g.w) continue;
            y[((n * g.c + c) * height + i) * width + j] =
                in[((n * g.c + c) * g.h + source_row) * g.w + source_column];
          }
        }
      }
    }
  });
  return out;
}

}  // namespace nabla::nn
