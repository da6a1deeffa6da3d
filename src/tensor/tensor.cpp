// The Tensor handle: its storage, constructors and factories, element access, dtype conversion,
// reshape, and whole-tensor comparison.
//
// Storage holds the numbers (inline up to 64 bytes, else one heap buffer aligned to 64 bytes: a
// cache line; Eigen's maps and the compiler's vector loops both like aligned rows), their size
// in bytes and a version counter (src/tensor/access.hpp says why). A
// Tensor holds a shared_ptr to it, so copying a tensor and reshaping one are O(1) and alias, and
// the version counter is shared by every view, which is what autograd needs to detect "modified
// after it was saved". Only the named in-place operations bump it.
//
// Kernels in the other files reach the buffer through TensorAccess (src/tensor/access.hpp),
// which skips the dtype check and the version bump of the public accessors: an operation that
// writes into the tensor it has just allocated is not an in-place modification.
#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <new>
#include <sstream>
#include <unordered_map>

#include "access.hpp"
#include "nabla/tensor/node_pool.hpp"

namespace nabla {

using tensor_detail::dispatch;

// ---- Storage and access ------------------------------------------------------------------

namespace {

// Buffers of 64 KiB and more are kept for reuse when their tensor dies, instead of going back to
// malloc. glibc serves such sizes with fresh mmap'd pages, and a training step that allocates a
// 3 MB gradient and frees it again paid a page fault per 4 KiB page on every step: with the
// cache, the second step onwards finds its buffers ready (the MLP step of bench/tensor_bench.cpp
// went from 35 to 8.5 ms here). Buffers are matched by exact size, which is what a loop over
// the same shapes asks for, and the cache keeps at most kCacheBytes; release_cached_memory()
// hands everything back.
class BufferCache {
 public:
  static constexpr std::size_t kMinimumBytes = std::size_t{64} << 10;
  static constexpr std::size_t kCacheBytes = std::size_t{1} << 30;

  static BufferCache& instance() {
    static BufferCache* cache = new BufferCache;  // never destroyed: tensors may die at exit
    return *cache;
  }

  void* take(std::size_t bytes) {
    if (bytes < kMinimumBytes) return nullptr;
    std::lock_guard lock(mutex_);
    auto it = free_.find(bytes);
    if (it == free_.end()) return nullptr;
    void* buffer = it->second;
    free_.erase(it);
    cached_bytes_ -= bytes;
    return buffer;
  }

  // Keeps the buffer, evicting others when the cache is full: the one just freed is the likelier
  // to be asked for again. False when it is not kept (too small, too large, or no memory for
  // the bookkeeping): the caller frees it. Called from a destructor, so it never throws.
  bool give(void* buffer, std::size_t bytes) noexcept {
    if (bytes < kMinimumBytes || bytes > kCacheBytes) return false;
    std::lock_guard lock(mutex_);
    while (cached_bytes_ + bytes > kCacheBytes && !free_.empty()) {
      const auto victim = free_.begin();
      std::free(victim->second);
      cached_bytes_ -= victim->first;
      free_.erase(victim);
    }
    try {
      free_.emplace(bytes, buffer);
    } catch (...) {
      return false;
    }
    cached_bytes_ += bytes;
    return true;
  }

  void release() {
    std::lock_guard lock(mutex_);
    for (const auto& [bytes, buffer] : free_) std::free(buffer);
    free_.clear();
    cached_bytes_ = 0;
  }

  std::size_t cached_bytes() {
    std::lock_guard lock(mutex_);
    return cached_bytes_;
  }

 private:
  std::mutex mutex_;
  std::unordered_multimap<std::size_t, void*> free_;
  std::size_t cached_bytes_ = 0;
};

// Every tensor's numbers, for tensor_stats(): memory tests compare it with a baseline.
std::atomic<std::int64_t> live_buffers{0};
std::atomic<std::int64_t> live_bytes{0};

void* allocate_buffer(std::size_t bytes) {
  if (void* buffer = BufferCache::instance().take(bytes)) return buffer;
  return std::malloc(bytes);
}

}  // namespace

void release_cached_memory() {
  BufferCache::instance().release();
  detail::pool_release_spare();
}

TensorStats tensor_stats() {
  return {live_buffers.load(std::memory_order_relaxed), live_bytes.load(std::memory_order_relaxed),
          static_cast<std::int64_t>(BufferCache::instance().cached_bytes() +
                                    detail::pool_spare_bytes())};
}

Tensor::Storage::Storage(std::size_t byte_count, std::byte* inline_numbers,
                         std::size_t inline_capacity)
    : allocation(nullptr), data(inline_numbers), bytes(byte_count) {
  if (byte_count > inline_capacity) {
    allocation = allocate_buffer(byte_count + alignment);
    if (allocation == nullptr) throw std::bad_alloc();
    const auto address = reinterpret_cast<std::uintptr_t>(allocation);
    data = reinterpret_cast<void*>((address + alignment) & ~(std::uintptr_t{alignment} - 1));
  }
  live_buffers.fetch_add(1, std::memory_order_relaxed);
  live_bytes.fetch_add(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
}

Tensor::Storage::~Storage() {
  live_buffers.fetch_sub(1, std::memory_order_relaxed);
  live_bytes.fetch_sub(static_cast<std::int64_t>(bytes), std::memory_order_relaxed);
  if (allocation != nullptr && !BufferCache::instance().give(allocation, bytes + alignment)) {
    std::free(allocation);
  }
}

Tensor::Tensor(std::shared_ptr<Storage> storage, Shape shape, DType dtype)
    : storage_(std::move(storage)),
      shape_(std::move(shape)),
      size_(shape_size(shape_)),
      dtype_(dtype) {
  if (shape_.size() > static_cast<std::size_t>(tensor_detail::max_ndim)) {
    throw ShapeError("Tensor: shape " + shape_string(shape_) + " has more than " +
                     std::to_string(tensor_detail::max_ndim) + " axes");
  }
}

std::shared_ptr<Tensor::Storage> TensorAccess::make_storage(std::size_t bytes) {
  using detail::PoolAllocator;
  if (bytes <= 16) {
    return std::allocate_shared<InlineStorage<16>>(PoolAllocator<InlineStorage<16>>{}, bytes);
  }
  if (bytes <= 64) {
    return std::allocate_shared<InlineStorage<64>>(PoolAllocator<InlineStorage<64>>{}, bytes);
  }
  return std::allocate_shared<Tensor::Storage>(PoolAllocator<Tensor::Storage>{}, bytes, nullptr,
                                               std::size_t{0});
}

Tensor TensorAccess::allocate(Shape shape, DType dtype) {
  for (const std::int64_t length : shape) {
    if (length < 0) throw ShapeError("Tensor: negative length in shape " + shape_string(shape));
  }
  const auto size = static_cast<std::size_t>(shape_size(shape));
  constexpr auto limit = static_cast<std::size_t>(PTRDIFF_MAX) - Tensor::Storage::alignment;
  if (size > limit / dtype_size(dtype)) {
    throw ShapeError("Tensor: shape " + shape_string(shape) + " of " +
                     std::string(dtype_name(dtype)) + " needs more bytes than can be addressed");
  }
  const std::size_t bytes = size * dtype_size(dtype);
  return Tensor(make_storage(bytes), std::move(shape), dtype);
}

std::string_view dtype_name(DType dtype) { return dtype == DType::float32 ? "float32" : "float64"; }

std::size_t dtype_size(DType dtype) { return dtype == DType::float32 ? 4 : 8; }

std::string shape_string(const Shape& shape) {
  std::string text = "(";
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (d > 0) text += ", ";
    text += std::to_string(shape[d]);
  }
  if (shape.size() == 1) text += ",";
  return text + ")";
}

std::int64_t shape_size(const Shape& shape) {
  if (std::find(shape.begin(), shape.end(), 0) != shape.end()) return 0;
  std::int64_t size = 1;
  for (const std::int64_t length : shape) {
    if (__builtin_mul_overflow(size, length, &size)) {
      throw ShapeError("Tensor: shape " + shape_string(shape) +
                       " has more elements than a 64-bit count holds");
    }
  }
  return size;
}

namespace tensor_detail {

void require_defined(const Tensor& x, std::string_view operation) {
  if (!x.defined()) {
    throw std::invalid_argument(std::string(operation) + ": the tensor is undefined");
  }
}

int normalize_axis(int axis, int ndim, std::string_view operation, const Shape& shape) {
  if (axis < -ndim || axis >= ndim) {
    throw ShapeError(std::string(operation) + ": axis " + std::to_string(axis) +
                     " is out of range for shape " + shape_string(shape));
  }
  return axis < 0 ? axis + ndim : axis;
}

std::vector<bool> reduced_axes(const Axes& axes, const Shape& shape, std::string_view operation) {
  const int ndim = static_cast<int>(shape.size());
  std::vector<bool> mask(shape.size(), axes.empty());
  for (const int axis : axes) {
    const int d = normalize_axis(axis, ndim, operation, shape);
    if (mask[d]) {
      throw ShapeError(std::string(operation) + ": axis " + std::to_string(axis) +
                       " is repeated in axes " + axes_string(axes) + " for shape " +
                       shape_string(shape));
    }
    mask[d] = true;
  }
  return mask;
}

std::string axes_string(const Axes& axes) {
  Shape as_shape(axes.begin(), axes.end());
  return shape_string(as_shape);
}

Tensor converted(const Tensor& x, DType dtype) {
  if (x.dtype() == dtype) return x;
  Tensor result = TensorAccess::allocate(x.shape(), dtype);
  dispatch(x.dtype(), [&]<class From>(TypeTag<From>) {
    dispatch(dtype, [&]<class To>(TypeTag<To>) {
      const From* source = TensorAccess::data<From>(x);
      To* target = TensorAccess::data<To>(result);
      for (std::int64_t i = 0; i < x.size(); ++i) target[i] = static_cast<To>(source[i]);
    });
  });
  return result;
}

}  // namespace tensor_detail

template <class T>
const T* Tensor::data() const {
  tensor_detail::require_defined(*this, "data");
  constexpr DType wanted = tensor_detail::dtype_of<T>();
  if (dtype_ != wanted) {
    throw std::invalid_argument("data: the tensor's dtype is " + std::string(dtype_name(dtype_)) +
                                ", not the requested " + std::string(dtype_name(wanted)));
  }
  return static_cast<const T*>(storage_->data);
}

template <class T>
T* Tensor::mutable_data() {
  const T* pointer = data<T>();
  ++storage_->version;
  return const_cast<T*>(pointer);
}

template const float* Tensor::data<float>() const;
template const double* Tensor::data<double>() const;
template float* Tensor::mutable_data<float>();
template double* Tensor::mutable_data<double>();

std::uint64_t Tensor::version() const { return storage_ ? storage_->version : 0; }

// ---- Construction --------------------------------------------------------------------------

namespace {

Tensor from_values(Shape shape, const double* values, std::size_t count, DType dtype) {
  if (static_cast<std::int64_t>(count) != shape_size(shape)) {
    throw ShapeError("Tensor: " + std::to_string(count) + " values do not fill shape " +
                     shape_string(shape) + " of " + std::to_string(shape_size(shape)) +
                     " elements");
  }
  Tensor result = TensorAccess::allocate(std::move(shape), dtype);
  dispatch(dtype, [&]<class T>(tensor_detail::TypeTag<T>) {
    T* target = TensorAccess::data<T>(result);
    for (std::size_t i = 0; i < count; ++i) target[i] = static_cast<T>(values[i]);
  });
  return result;
}

[[noreturn]] void throw_ragged(const std::string& where, std::size_t length, std::size_t expected) {
  throw ShapeError("Tensor: nested lists are ragged: " + where + " has " + std::to_string(length) +
                   " entries where " + std::to_string(expected) + " were expected");
}

}  // namespace

Tensor::Tensor() = default;

Tensor::Tensor(double value) : Tensor(from_values({}, &value, 1, DType::float64)) {}

Tensor::Tensor(std::initializer_list<double> values)
    : Tensor(from_values({static_cast<std::int64_t>(values.size())}, values.begin(), values.size(),
                         DType::float64)) {}

Tensor::Tensor(std::initializer_list<std::initializer_list<double>> rows) {
  const std::size_t columns = rows.size() == 0 ? 0 : rows.begin()->size();
  std::vector<double> values;
  values.reserve(rows.size() * columns);
  std::size_t r = 0;
  for (const auto& row : rows) {
    if (row.size() != columns) throw_ragged("row " + std::to_string(r), row.size(), columns);
    values.insert(values.end(), row.begin(), row.end());
    ++r;
  }
  *this = from_values({static_cast<std::int64_t>(rows.size()), static_cast<std::int64_t>(columns)},
                      values.data(), values.size(), DType::float64);
}

Tensor::Tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> planes) {
  const std::size_t rows = planes.size() == 0 ? 0 : planes.begin()->size();
  const std::size_t columns = rows == 0 ? 0 : planes.begin()->begin()->size();
  std::vector<double> values;
  values.reserve(planes.size() * rows * columns);
  std::size_t p = 0;
  for (const auto& plane : planes) {
    if (plane.size() != rows) throw_ragged("plane " + std::to_string(p), plane.size(), rows);
    std::size_t r = 0;
    for (const auto& row : plane) {
      if (row.size() != columns) {
        throw_ragged("row " + std::to_string(r) + " of plane " + std::to_string(p), row.size(),
                     columns);
      }
      values.insert(values.end(), row.begin(), row.end());
      ++r;
    }
    ++p;
  }
  *this = from_values({static_cast<std::int64_t>(planes.size()), static_cast<std::int64_t>(rows),
                       static_cast<std::int64_t>(columns)},
                      values.data(), values.size(), DType::float64);
}

Tensor::Tensor(Shape shape, const std::vector<double>& values, DType dtype)
    : Tensor(from_values(std::move(shape), values.data(), values.size(), dtype)) {}

Tensor::Tensor(Shape shape, const std::vector<float>& values) {
  if (static_cast<std::int64_t>(values.size()) != shape_size(shape)) {
    throw ShapeError("Tensor: " + std::to_string(values.size()) + " values do not fill shape " +
                     shape_string(shape) + " of " + std::to_string(shape_size(shape)) +
                     " elements");
  }
  *this = TensorAccess::allocate(std::move(shape), DType::float32);
  if (!values.empty()) {
    std::memcpy(TensorAccess::data<float>(*this), values.data(), values.size() * sizeof(float));
  }
}

Tensor Tensor::empty(Shape shape, DType dtype) {
  return TensorAccess::allocate(std::move(shape), dtype);
}

Tensor Tensor::zeros(Shape shape, DType dtype) { return full(std::move(shape), 0, dtype); }

Tensor Tensor::ones(Shape shape, DType dtype) { return full(std::move(shape), 1, dtype); }

Tensor Tensor::full(Shape shape, double value, DType dtype) {
  Tensor result = TensorAccess::allocate(std::move(shape), dtype);
  dispatch(dtype, [&]<class T>(tensor_detail::TypeTag<T>) {
    std::fill_n(TensorAccess::data<T>(result), result.size(), static_cast<T>(value));
  });
  return result;
}

Tensor Tensor::zeros_like(const Tensor& t) { return full(t.shape(), 0, t.dtype()); }
Tensor Tensor::ones_like(const Tensor& t) { return full(t.shape(), 1, t.dtype()); }
Tensor Tensor::full_like(const Tensor& t, double value) {
  return full(t.shape(), value, t.dtype());
}

Tensor Tensor::arange(double start, double stop, double step, DType dtype) {
  if (step == 0 || !std::isfinite(step)) {
    throw std::invalid_argument("arange: step must be finite and non-zero, not " +
                                std::to_string(step));
  }
  const double count = std::ceil((stop - start) / step);
  const auto length = count > 0 ? static_cast<std::int64_t>(count) : std::int64_t{0};
  Tensor result = TensorAccess::allocate({length}, dtype);
  dispatch(dtype, [&]<class T>(tensor_detail::TypeTag<T>) {
    T* target = TensorAccess::data<T>(result);
    for (std::int64_t i = 0; i < length; ++i) {
      target[i] = static_cast<T>(start + static_cast<double>(i) * step);
    }
  });
  return result;
}

Tensor Tensor::linspace(double start, double stop, std::int64_t count, DType dtype) {
  if (count < 0) {
    throw std::invalid_argument("linspace: count must be non-negative, not " +
                                std::to_string(count));
  }
  Tensor result = TensorAccess::allocate({count}, dtype);
  const double step = count > 1 ? (stop - start) / static_cast<double>(count - 1) : 0;
  dispatch(dtype, [&]<class T>(tensor_detail::TypeTag<T>) {
    T* target = TensorAccess::data<T>(result);
    for (std::int64_t i = 0; i < count; ++i) {
      target[i] = static_cast<T>(start + static_cast<double>(i) * step);
    }
    if (count > 1) target[count - 1] = static_cast<T>(stop);
  });
  return result;
}

// Both dtypes draw doubles, so a float32 tensor is the float64 one from the same seed, rounded.
Tensor Tensor::randn(Shape shape, Generator& generator, DType dtype) {
  Tensor result = TensorAccess::allocate(std::move(shape), dtype);
  std::normal_distribution<double> normal(0.0, 1.0);
  dispatch(dtype, [&]<class T>(tensor_detail::TypeTag<T>) {
    T* target = TensorAccess::data<T>(result);
    for (std::int64_t i = 0; i < result.size(); ++i) {
      target[i] = static_cast<T>(normal(generator.engine()));
    }
  });
  return result;
}

Tensor Tensor::rand(Shape shape, Generator& generator, double low, double high, DType dtype) {
  if (!(low <= high)) {
    throw std::invalid_argument("rand: low " + std::to_string(low) + " exceeds high " +
                                std::to_string(high));
  }
  Tensor result = TensorAccess::allocate(std::move(shape), dtype);
  std::uniform_real_distribution<double> uniform(low, high);
  dispatch(dtype, [&]<class T>(tensor_detail::TypeTag<T>) {
    T* target = TensorAccess::data<T>(result);
    for (std::int64_t i = 0; i < result.size(); ++i) {
      target[i] = static_cast<T>(uniform(generator.engine()));
    }
  });
  return result;
}

// ---- Element access ------------------------------------------------------------------------

double Tensor::item() const {
  tensor_detail::require_defined(*this, "item");
  if (size_ != 1) {
    throw ShapeError("item: a tensor of shape " + shape_string(shape_) + " has " +
                     std::to_string(size_) + " elements, not 1");
  }
  return dispatch(dtype_, [&]<class T>(tensor_detail::TypeTag<T>) {
    return static_cast<double>(*TensorAccess::data<T>(*this));
  });
}

double Tensor::at(const std::vector<std::int64_t>& index) const {
  tensor_detail::require_defined(*this, "at");
  if (static_cast<int>(index.size()) != ndim()) {
    throw ShapeError("at: " + std::to_string(index.size()) + " indices for a tensor of shape " +
                     shape_string(shape_));
  }
  std::int64_t offset = 0;
  for (std::size_t d = 0; d < index.size(); ++d) {
    const std::int64_t length = shape_[d];
    if (index[d] < -length || index[d] >= length) {
      throw ShapeError("at: index " + std::to_string(index[d]) + " is out of range for axis " +
                       std::to_string(d) + " with length " + std::to_string(length) + " (shape " +
                       shape_string(shape_) + ")");
    }
    offset = offset * length + (index[d] < 0 ? index[d] + length : index[d]);
  }
  return dispatch(dtype_, [&]<class T>(tensor_detail::TypeTag<T>) {
    return static_cast<double>(TensorAccess::data<T>(*this)[offset]);
  });
}

std::vector<double> Tensor::to_vector() const {
  tensor_detail::require_defined(*this, "to_vector");
  return dispatch(dtype_, [&]<class T>(tensor_detail::TypeTag<T>) {
    const T* source = TensorAccess::data<T>(*this);
    return std::vector<double>(source, source + size_);
  });
}

Tensor Tensor::clone() const {
  tensor_detail::require_defined(*this, "clone");
  Tensor result = TensorAccess::allocate(shape_, dtype_);
  if (size_ > 0) {
    std::memcpy(result.storage_->data, storage_->data,
                static_cast<std::size_t>(size_) * dtype_size(dtype_));
  }
  return result;
}

Tensor Tensor::to(DType dtype) const {
  tensor_detail::require_defined(*this, "to");
  return dtype == dtype_ ? clone() : tensor_detail::converted(*this, dtype);
}

Tensor& Tensor::fill_(double value) {
  tensor_detail::require_defined(*this, "fill_");
  dispatch(dtype_, [&]<class T>(tensor_detail::TypeTag<T>) {
    std::fill_n(TensorAccess::data<T>(*this), size_, static_cast<T>(value));
  });
  ++storage_->version;
  return *this;
}

Tensor Tensor::reshape(Shape shape) const {
  tensor_detail::require_defined(*this, "reshape");
  const auto fail = [&](const std::string& why) {
    throw ShapeError("reshape: cannot reshape shape " + shape_string(shape_) + " (" +
                     std::to_string(size_) + " elements) into " + shape_string(shape) + ": " + why);
  };
  std::int64_t known = 1;
  std::optional<std::size_t> inferred;
  for (std::size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] == -1) {
      if (inferred) fail("more than one axis is -1");
      inferred = d;
    } else if (shape[d] < 0) {
      fail("negative length");
    } else if (__builtin_mul_overflow(known, shape[d], &known)) {
      fail("the sizes differ");
    }
  }
  if (inferred) {
    if (known == 0 || size_ % known != 0) fail("the -1 axis cannot be inferred");
    shape[*inferred] = size_ / known;
  } else if (known != size_) {
    fail("the sizes differ");
  }
  return Tensor(storage_, std::move(shape), dtype_);
}

Tensor reshape(const Tensor& x, const Shape& shape) { return x.reshape(shape); }

// ---- Whole-tensor comparison ---------------------------------------------------------------

bool allclose(const Tensor& a, const Tensor& b, double rtol, double atol) {
  tensor_detail::require_defined(a, "allclose");
  tensor_detail::require_defined(b, "allclose");
  if (a.shape() != b.shape()) return false;
  const std::vector<double> left = a.to_vector();
  const std::vector<double> right = b.to_vector();
  for (std::size_t i = 0; i < left.size(); ++i) {
    if (left[i] == right[i]) continue;  // equal infinities are close
    // inf against anything else is not (the tolerance below would be infinite), nor is nan
    if (std::isinf(left[i]) || std::isinf(right[i])) return false;
    if (!(std::abs(left[i] - right[i]) <= atol + rtol * std::abs(right[i]))) return false;
  }
  return true;
}

bool array_equal(const Tensor& a, const Tensor& b) {
  tensor_detail::require_defined(a, "array_equal");
  tensor_detail::require_defined(b, "array_equal");
  if (a.shape() != b.shape() || a.dtype() != b.dtype()) return false;
  return a.to_vector() == b.to_vector();
}

}  // namespace nabla
