// The private side of Tensor, shared by the files in src/tensor.
//
// Three things every kernel needs and no user should see:
// - Tensor::Storage, the one 64-byte-aligned buffer behind a tensor, with its version counter;
// - TensorAccess, the friend that allocates tensors and reads their buffers without the dtype
//   check and version bump of the public data<T>()/mutable_data<T>() (kernels write into
//   tensors they have just created, which nobody can have saved yet);
// - the strided walker that every broadcasting, reducing and copying kernel runs on.
//
// The walker: an operation over N operands visits the elements of one shape in row-major order;
// operand k sits at offset sum_d index[d] * strides[k][d], where a stride of 0 repeats the
// operand along a stretched (broadcast) or reduced axis. Before walking, axes of length 1 are
// dropped and neighbouring axes merge whenever every operand steps through them as one (stride
// of the outer = stride of the inner * length of the inner), so (64, 3, 32, 32) + (1, 3, 1, 1)
// walks as (64, 3, 1024) and a contiguous copy walks as one row. The innermost axis is then
// handed to a kernel as one run (offsets, count, strides), so the N-d counter costs once per
// row, not once per element, and the kernel's loop over the row can be vectorised.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/tensor/tensor.hpp"

namespace nabla {

// The numbers of a tensor; reshaped tensors share them, and so share their version.
//
// Up to 64 bytes (8 doubles) live inside the object, 16-byte aligned, in an InlineStorage sized
// to fit (16 bytes for a scalar, else 64): scalars and tiny tensors, the bulk of a graph of
// small operations, then cost one allocation (this object and its reference counts, from the
// graph's pool) instead of two, and sit next to their bookkeeping in memory. Larger ones get one
// heap buffer aligned to 64 bytes by hand on a malloc'd block 64 bytes larger, as Eigen's
// handmade_aligned_malloc does: with operator new(align_val_t), glibc's memalign path (which splits
// off and frees the unaligned part of each chunk) took a quarter of the time of a 16-element
// addition.
struct Tensor::Storage {
  static constexpr std::size_t alignment = 64;  // a cache line, and wide enough for AVX-512

  // Numbers at inline_numbers when byte_count fits inline_capacity, else on the heap.
  Storage(std::size_t byte_count, std::byte* inline_numbers, std::size_t inline_capacity);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* allocation;  // what malloc returned; nullptr for numbers held inline
  void* data;        // the inline numbers, or the first 64-byte boundary in allocation
  std::size_t bytes;
  std::uint64_t version = 0;
};

struct TensorAccess {
  template <std::size_t N>
  struct InlineStorage final : Tensor::Storage {
    explicit InlineStorage(std::size_t byte_count) : Storage(byte_count, numbers, N) {}
    alignas(16) std::byte numbers[N];
  };
  // Storage for bytes numbers, from the graph's pool.
  static std::shared_ptr<Tensor::Storage> make_storage(std::size_t bytes);

  // A new tensor whose numbers are uninitialised.
  static Tensor allocate(Shape shape, DType dtype);
  // Another shape over the same storage (the caller has checked the sizes agree).
  static Tensor view(const Tensor& x, Shape shape) {
    return Tensor(x.storage_, std::move(shape), x.dtype_);
  }
  // The buffer, unchecked and without a version bump: for kernels only.
  template <class T>
  static T* data(const Tensor& x) {
    return static_cast<T*>(x.storage_->data);
  }
  static void bump_version(const Tensor& x) { ++x.storage_->version; }
};

namespace tensor_detail {

template <class T>
struct TypeTag {
  using type = T;
};

// Calls f(TypeTag<float>) or f(TypeTag<double>): the one switch on dtype per operation.
template <class F>
decltype(auto) dispatch(DType dtype, F&& f) {
  if (dtype == DType::float32) return std::forward<F>(f)(TypeTag<float>{});
  return std::forward<F>(f)(TypeTag<double>{});
}

template <class T>
constexpr DType dtype_of() {
  return std::is_same_v<T, float> ? DType::float32 : DType::float64;
}

inline DType promote(DType a, DType b) { return a == b ? a : DType::float64; }

// Throws std::invalid_argument when x has no storage, naming the operation.
void require_defined(const Tensor& x, std::string_view operation);

// NumPy's limit on the number of axes; it lets the kernels keep strides on the stack.
inline constexpr int max_ndim = 32;

// Up to max_ndim numbers, one per axis, without a heap allocation (strides, counters).
class Strides {
 public:
  Strides() = default;
  explicit Strides(std::size_t count) : size_(count) {
    if (count > static_cast<std::size_t>(max_ndim)) {
      throw ShapeError("a shape of " + std::to_string(count) + " axes exceeds the limit of " +
                       std::to_string(max_ndim));
    }
    std::fill_n(values_.begin(), count, 0);
  }
  std::size_t size() const { return size_; }
  std::int64_t& operator[](std::size_t d) { return values_[d]; }
  std::int64_t operator[](std::size_t d) const { return values_[d]; }
  std::int64_t back() const { return values_[size_ - 1]; }
  void push_back(std::int64_t value) { values_[size_++] = value; }

 private:
  std::size_t size_ = 0;
  std::array<std::int64_t, max_ndim> values_;
};

// Row-major strides in elements.
inline Strides contiguous_strides(const Shape& shape) {
  Strides strides(shape.size());
  std::int64_t stride = 1;
  for (std::size_t d = shape.size(); d-- > 0;) {
    strides[d] = stride;
    stride *= shape[d];
  }
  return strides;
}

// Strides that read a contiguous tensor of `shape` as if it had `target` (its broadcast shape):
// 0 along axes that broadcasting adds or stretches.
inline Strides broadcast_strides(const Shape& shape, const Shape& target) {
  Strides strides(target.size());
  const Strides own = contiguous_strides(shape);
  const std::size_t lead = target.size() - shape.size();
  for (std::size_t d = 0; d < shape.size(); ++d) {
    strides[lead + d] = shape[d] == target[lead + d] ? own[d] : 0;
  }
  return strides;
}

// axis in [-ndim, ndim) → [0, ndim); ShapeError naming the operation and shape otherwise.
int normalize_axis(int axis, int ndim, std::string_view operation, const Shape& shape);
// Every axis when `axes` is empty; ShapeError on a repeated or out-of-range axis. The result is
// a mask, one flag per axis of `shape`.
std::vector<bool> reduced_axes(const Axes& axes, const Shape& shape, std::string_view operation);

std::string axes_string(const Axes& axes);

// Copies x into a new tensor of another dtype (or returns x when the dtype already matches).
Tensor converted(const Tensor& x, DType dtype);

// x itself when it has `dtype`, otherwise its conversion, kept alive in `holder`. Unlike
// converted() this copies no handle (a Tensor copy copies its shape) on the common path.
inline const Tensor& in_dtype(const Tensor& x, DType dtype, Tensor& holder) {
  if (x.dtype() == dtype) return x;
  holder = converted(x, dtype);
  return holder;
}

// A shape walked by N operands, after dropping length-1 axes and merging compatible ones.
template <std::size_t N>
struct StridedLayout {
  Strides shape;
  std::array<Strides, N> strides;
};

template <std::size_t N>
StridedLayout<N> collapse(const Shape& shape, const std::array<Strides, N>& strides) {
  StridedLayout<N> layout;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == 1) continue;
    const std::size_t last = layout.shape.size();
    bool merges = last > 0;
    for (std::size_t k = 0; k < N && merges; ++k) {
      merges = layout.strides[k][last - 1] == strides[k][d] * shape[d];
    }
    if (merges) {
      layout.shape[last - 1] *= shape[d];
      for (std::size_t k = 0; k < N; ++k) layout.strides[k][last - 1] = strides[k][d];
    } else {
      layout.shape.push_back(shape[d]);
      for (std::size_t k = 0; k < N; ++k) layout.strides[k].push_back(strides[k][d]);
    }
  }
  return layout;
}

// Calls row(offsets, count, inner_strides) once per innermost run of `shape`, in row-major
// order; nothing when the shape has a zero-length axis. A 0-d shape is one run of one element.
template <std::size_t N, class Row>
void for_each_row(const Shape& shape, const std::array<Strides, N>& strides, Row&& row) {
  for (const std::int64_t length : shape) {
    if (length == 0) return;
  }
  const StridedLayout<N> layout = collapse(shape, strides);
  std::array<std::int64_t, N> offsets{};
  std::array<std::int64_t, N> inner{};
  const int ndim = static_cast<int>(layout.shape.size());
  if (ndim == 0) {
    row(offsets, std::int64_t{1}, inner);
    return;
  }
  for (std::size_t k = 0; k < N; ++k) inner[k] = layout.strides[k][ndim - 1];
  const std::int64_t count = layout.shape[ndim - 1];
  if (ndim == 1) {
    row(offsets, count, inner);
    return;
  }
  std::int64_t rows = 1;
  for (int d = 0; d + 1 < ndim; ++d) rows *= layout.shape[d];
  Strides counter(static_cast<std::size_t>(ndim));
  for (std::int64_t r = 0; r < rows; ++r) {
    row(offsets, count, inner);
    for (int d = ndim - 2; d >= 0; --d) {
      for (std::size_t k = 0; k < N; ++k) offsets[k] += layout.strides[k][d];
      if (++counter[d] < layout.shape[d]) break;
      for (std::size_t k = 0; k < N; ++k) offsets[k] -= layout.strides[k][d] * layout.shape[d];
      counter[d] = 0;
    }
  }
}

}  // namespace tensor_detail
}  // namespace nabla
