// Reductions (sum, mean, max, min, argmax, logsumexp), softmax and log_softmax, and sum_to.
//
// sum, max and min are one kernel. The input is walked in its own (contiguous) order with the
// strided walker of access.hpp, and the output is addressed with stride 0 along reduced axes.
// After length-1 axes are dropped and neighbours merged, the innermost run is one of:
// - a reduced axis (the output stride is 0): the run folds into one number. This is the whole
//   tensor for a full reduction and each row for a last-axis reduction, so both are one tight
//   loop, summed in eight independent lanes (which the compiler can vectorise without
//   reassociating) and pairwise over blocks, as NumPy does, to keep float32 sums accurate;
// - a kept axis (the output stride is 1): the run adds elementwise into an output row, which is
//   how a first-axis reduction (the backward pass of a bias) stays a vector loop.
// sum_to, the backward pass of every broadcasting operation, is this sum over the stretched
// axes followed by a free reshape; it returns its argument untouched when nothing was stretched.
//
// softmax and log_softmax view the tensor as (outer, n, inner) around their axis and keep a
// running maximum and sum per inner position, so the last axis (inner = 1) and any other axis
// share one loop without transposing.
#include <cmath>
#include <limits>

#include "access.hpp"

namespace nabla {

using tensor_detail::dispatch;
using tensor_detail::TypeTag;

namespace {

enum class Reduction { sum, max, min };

template <class T>
T sum_run(const T* x, std::int64_t count) {
  constexpr std::int64_t block = 1024;
  if (count > block) {  // pairwise over halves: the error grows with log(count), not count
    const std::int64_t half = (count / 2 + 7) / 8 * 8;
    return sum_run(x, half) + sum_run(x + half, count - half);
  }
  T lanes[8] = {};
  std::int64_t i = 0;
  for (; i + 8 <= count; i += 8) {
    for (int k = 0; k < 8; ++k) lanes[k] += x[i + k];
  }
  T total = ((lanes[0] + lanes[1]) + (lanes[2] + lanes[3])) +
            ((lanes[4] + lanes[5]) + (lanes[6] + lanes[7]));
  for (; i < count; ++i) total += x[i];
  return total;
}

// NumPy's maximum and minimum: nan wins.
template <class T>
T larger(T x, T y) {
  return (x != x || x >= y) ? x : y;
}
template <class T>
T smaller(T x, T y) {
  return (x != x || x <= y) ? x : y;
}

template <class T, Reduction kind>
T combine(T x, T y) {
  if constexpr (kind == Reduction::sum) return x + y;
  if constexpr (kind == Reduction::max) return larger(x, y);
  if constexpr (kind == Reduction::min) return smaller(x, y);
}

template <class T, Reduction kind>
T fold_run(const T* x, std::int64_t count) {
  if constexpr (kind == Reduction::sum) {
    return sum_run(x, count);
  } else {
    T result = x[0];
    for (std::int64_t i = 1; i < count; ++i) result = combine<T, kind>(result, x[i]);
    return result;
  }
}

template <class T, Reduction kind>
void reduce_kernel(const T* in, T* out, const Shape& in_shape, const Shape& kept_shape,
                   const std::vector<bool>& mask) {
  T initial = T(0);
  if constexpr (kind == Reduction::max) initial = -std::numeric_limits<T>::infinity();
  if constexpr (kind == Reduction::min) initial = std::numeric_limits<T>::infinity();
  std::fill_n(out, shape_size(kept_shape), initial);
  tensor_detail::Strides out_strides = tensor_detail::contiguous_strides(kept_shape);
  for (std::size_t d = 0; d < mask.size(); ++d) {
    if (mask[d]) out_strides[d] = 0;
  }
  const std::array<tensor_detail::Strides, 2> strides{tensor_detail::contiguous_strides(in_shape),
                                                      out_strides};
  tensor_detail::for_each_row(in_shape, strides,
                              [&](const std::array<std::int64_t, 2>& offsets, std::int64_t count,
                                  const std::array<std::int64_t, 2>& inner) {
                                const T* x = in + offsets[0];
                                T* o = out + offsets[1];
                                if (inner[1] == 0) {
                                  *o = combine<T, kind>(*o, fold_run<T, kind>(x, count));
                                } else if (inner[1] == 1) {
                                  for (std::int64_t i = 0; i < count; ++i)
                                    o[i] = combine<T, kind>(o[i], x[i]);
                                } else {
                                  for (std::int64_t i = 0; i < count; ++i) {
                                    o[i * inner[1]] = combine<T, kind>(o[i * inner[1]], x[i]);
                                  }
                                }
                              });
}

// The reduction over the axes in `mask`, keeping them as length 1.
template <Reduction kind>
Tensor reduce_keepdims(const Tensor& x, const std::vector<bool>& mask, std::string_view operation) {
  Shape kept = x.shape();
  for (std::size_t d = 0; d < mask.size(); ++d) {
    if (!mask[d]) continue;
    if (kept[d] == 0 && kind != Reduction::sum) {
      throw ShapeError(std::string(operation) + ": cannot reduce over axis " + std::to_string(d) +
                       " of length 0 in shape " + shape_string(x.shape()));
    }
    kept[d] = 1;
  }
  Tensor result = TensorAccess::allocate(std::move(kept), x.dtype());
  dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    reduce_kernel<T, kind>(TensorAccess::data<T>(x), TensorAccess::data<T>(result), x.shape(),
                           result.shape(), mask);
  });
  return result;
}

Shape without_reduced(const Shape& shape, const std::vector<bool>& mask) {
  Shape kept;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (!mask[d]) kept.push_back(shape[d]);
  }
  return kept;
}

template <Reduction kind>
Tensor reduce(const Tensor& x, const Axes& axes, bool keepdims, std::string_view operation) {
  tensor_detail::require_defined(x, operation);
  const std::vector<bool> mask = tensor_detail::reduced_axes(axes, x.shape(), operation);
  Tensor result = reduce_keepdims<kind>(x, mask, operation);
  return keepdims ? result : TensorAccess::view(result, without_reduced(x.shape(), mask));
}

// The tensor seen as (outer, length, inner) around one axis.
struct AxisView {
  std::int64_t outer = 1;
  std::int64_t length = 1;
  std::int64_t inner = 1;
};

AxisView view_around(const Shape& shape, int axis) {
  AxisView view;
  for (int d = 0; d < static_cast<int>(shape.size()); ++d) {
    if (d < axis) view.outer *= shape[d];
    if (d == axis) view.length = shape[d];
    if (d > axis) view.inner *= shape[d];
  }
  return view;
}

template <bool logarithmic>
Tensor softmax_along(const Tensor& x, int axis, std::string_view operation) {
  tensor_detail::require_defined(x, operation);
  if (x.ndim() == 0) return softmax_along<logarithmic>(x.reshape({1}), 0, operation).reshape({});
  const int d = tensor_detail::normalize_axis(axis, x.ndim(), operation, x.shape());
  const AxisView view = view_around(x.shape(), d);
  Tensor result = TensorAccess::allocate(x.shape(), x.dtype());
  if (x.size() == 0) return result;
  dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    const T* in = TensorAccess::data<T>(x);
    T* out = TensorAccess::data<T>(result);
    const std::int64_t plane = view.length * view.inner;
    if (view.inner == 1) {  // the last axis: each row in registers
      for (std::int64_t o = 0; o < view.outer; ++o) {
        const T* row = in + o * plane;
        T* out_row = out + o * plane;
        T maximum = row[0];
        for (std::int64_t k = 1; k < view.length; ++k) maximum = larger(maximum, row[k]);
        // A row whose maximum is infinite would give inf - inf; shifting by 0 keeps IEEE
        // results.
        if (!std::isfinite(maximum)) maximum = T(0);
        T total = 0;
        for (std::int64_t k = 0; k < view.length; ++k) {
          const T shifted = row[k] - maximum;
          const T e = std::exp(shifted);
          total += e;
          out_row[k] = logarithmic ? shifted : e;
        }
        const T divisor = logarithmic ? std::log(total) : total;
        for (std::int64_t k = 0; k < view.length; ++k) {
          if constexpr (logarithmic) {
            out_row[k] -= divisor;
          } else {
            out_row[k] /= divisor;
          }
        }
      }
      return;
    }
    // Another axis: a running maximum and sum per inner position, rows read in memory order.
    std::vector<T> maxima(static_cast<std::size_t>(view.inner));
    std::vector<T> sums(static_cast<std::size_t>(view.inner));
    for (std::int64_t o = 0; o < view.outer; ++o) {
      const T* x_plane = in + o * plane;
      T* out_plane = out + o * plane;
      std::copy_n(x_plane, view.inner, maxima.begin());
      std::fill(sums.begin(), sums.end(), T(0));
      for (std::int64_t k = 1; k < view.length; ++k) {
        for (std::int64_t j = 0; j < view.inner; ++j) {
          maxima[j] = larger(maxima[j], x_plane[k * view.inner + j]);
        }
      }
      for (T& m : maxima) {
        if (!std::isfinite(m)) m = T(0);
      }
      for (std::int64_t k = 0; k < view.length; ++k) {
        for (std::int64_t j = 0; j < view.inner; ++j) {
          const T shifted = x_plane[k * view.inner + j] - maxima[j];
          const T e = std::exp(shifted);
          sums[j] += e;
          out_plane[k * view.inner + j] = logarithmic ? shifted : e;
        }
      }
      if constexpr (logarithmic) {
        for (T& total : sums) total = std::log(total);
      }
      for (std::int64_t k = 0; k < view.length; ++k) {
        for (std::int64_t j = 0; j < view.inner; ++j) {
          if constexpr (logarithmic) {
            out_plane[k * view.inner + j] -= sums[j];
          } else {
            out_plane[k * view.inner + j] /= sums[j];
          }
        }
      }
    }
  });
  return result;
}

}  // namespace

Tensor sum(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce<Reduction::sum>(x, axes, keepdims, "sum");
}

Tensor max(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce<Reduction::max>(x, axes, keepdims, "max");
}

Tensor min(const Tensor& x, const Axes& axes, bool keepdims) {
  return reduce<Reduction::min>(x, axes, keepdims, "min");
}

Tensor mean(const Tensor& x, const Axes& axes, bool keepdims) {
  tensor_detail::require_defined(x, "mean");
  const std::vector<bool> mask = tensor_detail::reduced_axes(axes, x.shape(), "mean");
  std::int64_t count = 1;
  for (std::size_t d = 0; d < mask.size(); ++d) {
    if (mask[d]) count *= x.shape()[d];
  }
  Tensor result = reduce_keepdims<Reduction::sum>(x, mask, "mean");
  dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    T* out = TensorAccess::data<T>(result);
    const T denominator = static_cast<T>(count);  // 0 gives nan, as NumPy's mean of nothing
    for (std::int64_t i = 0; i < result.size(); ++i) out[i] /= denominator;
  });
  return keepdims ? result : TensorAccess::view(result, without_reduced(x.shape(), mask));
}

Tensor argmax(const Tensor& x, std::optional<int> axis, bool keepdims) {
  tensor_detail::require_defined(x, "argmax");
  if (!axis) {
    Tensor flat = argmax(x.reshape({x.size()}), 0, false);
    return keepdims ? flat.reshape(Shape(x.shape().size(), 1)) : flat;
  }
  const int ndim = std::max(x.ndim(), 1);
  const int d = tensor_detail::normalize_axis(*axis, ndim, "argmax", x.shape());
  const Shape shape = x.ndim() == 0 ? Shape{1} : x.shape();
  const AxisView view = view_around(shape, d);
  if (view.length == 0) {
    throw ShapeError("argmax: cannot take the argmax over axis " + std::to_string(*axis) +
                     " of length 0 in shape " + shape_string(x.shape()));
  }
  Shape kept = shape;
  kept[d] = 1;
  Tensor result = TensorAccess::allocate(kept, DType::float64);
  dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    const T* in = TensorAccess::data<T>(x);
    double* out = TensorAccess::data<double>(result);
    std::vector<T> best(static_cast<std::size_t>(view.inner));
    for (std::int64_t o = 0; o < view.outer; ++o) {
      const T* x_plane = in + o * view.length * view.inner;
      double* out_row = out + o * view.inner;
      for (std::int64_t j = 0; j < view.inner; ++j) {
        best[j] = x_plane[j];
        out_row[j] = 0;
      }
      for (std::int64_t k = 1; k < view.length; ++k) {
        for (std::int64_t j = 0; j < view.inner; ++j) {
          const T value = x_plane[k * view.inner + j];
          // The first nan wins, as in NumPy; otherwise the first largest.
          if (best[j] == best[j] && (value > best[j] || value != value)) {
            best[j] = value;
            out_row[j] = static_cast<double>(k);
          }
        }
      }
    }
  });
  if (keepdims) return x.ndim() == 0 ? result.reshape({}) : result;
  Shape reduced = shape;
  reduced.erase(reduced.begin() + d);
  return result.reshape(x.ndim() == 0 ? Shape{} : reduced);
}

// log sum exp x = m + log sum exp(x - m) with m the maximum, so nothing overflows; an infinite
// maximum is replaced by 0 (then exp gives the IEEE answer: +inf, or -inf for an all -inf slice).
Tensor logsumexp(const Tensor& x, const Axes& axes, bool keepdims) {
  tensor_detail::require_defined(x, "logsumexp");
  const std::vector<bool> mask = tensor_detail::reduced_axes(axes, x.shape(), "logsumexp");
  Tensor shift = reduce_keepdims<Reduction::max>(x, mask, "logsumexp");
  dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    T* m = TensorAccess::data<T>(shift);
    for (std::int64_t i = 0; i < shift.size(); ++i) {
      if (!std::isfinite(m[i])) m[i] = T(0);
    }
  });
  Tensor result = log(reduce_keepdims<Reduction::sum>(exp(x - shift), mask, "logsumexp"));
  result += shift;
  return keepdims ? result : TensorAccess::view(result, without_reduced(x.shape(), mask));
}

Tensor softmax(const Tensor& x, int axis) { return softmax_along<false>(x, axis, "softmax"); }

Tensor log_softmax(const Tensor& x, int axis) {
  return softmax_along<true>(x, axis, "log_softmax");
}

Tensor sum_to(const Tensor& x, const Shape& shape) {
  tensor_detail::require_defined(x, "sum_to");
  if (x.shape() == shape) return x;
  const std::size_t ndim = x.shape().size();
  const auto fail = [&] {
    throw ShapeError("sum_to: shape " + shape_string(x.shape()) + " cannot be summed to shape " +
                     shape_string(shape));
  };
  if (shape.size() > ndim) fail();
  const std::size_t lead = ndim - shape.size();
  std::vector<bool> mask(ndim, true);
  for (std::size_t d = 0; d < shape.size(); ++d) {
    const std::int64_t have = x.shape()[lead + d];
    if (shape[d] == have) {
      mask[lead + d] = false;
    } else if (shape[d] != 1) {
      fail();
    }
  }
  return TensorAccess::view(reduce_keepdims<Reduction::sum>(x, mask, "sum_to"), shape);
}

}  // namespace nabla
