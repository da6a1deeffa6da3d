// N-d arrays: the values the tensor autograd engine computes with.
//
// A Tensor is a row-major N-d array of float32 or float64 with NumPy's semantics: elementwise
// operations broadcast (shapes are aligned at their last axis; an axis of length 1 stretches),
// reductions take axes and keepdims, matmul multiplies the last two axes and broadcasts the rest.
//
// A Tensor is a handle: copying one shares its storage, as in NumPy and PyTorch, and clone()
// copies the numbers. Every operation here returns a new tensor except the ones named as
// in-place (operator+= and friends, fill_, mutable_data); those bump the storage's version
// counter, which autograd uses to refuse a backward pass through a tensor modified after it was
// saved. A Tensor is always contiguous; reshape, expand_dims and squeeze share storage (as do
// broadcast_to and sum_to when there is nothing to do), transpose and slicing copy.
// A tensor has at most 32 axes, NumPy's limit (ShapeError beyond).
//
// Mixed dtypes promote to float64; a plain number takes the dtype of the tensor it meets.
// Mismatched shapes throw ShapeError, whose message names the operation and both shapes.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <iosfwd>
#include <memory>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace nabla {

enum class DType : std::uint8_t { float32, float64 };

// "float32", "float64".
std::string_view dtype_name(DType dtype);
std::size_t dtype_size(DType dtype);

using Shape = std::vector<std::int64_t>;
using Axes = std::vector<int>;  // negative axes count from the end, as in NumPy

// "(2, 3)", "()" for a 0-d tensor, "(5,)" for one axis: NumPy's spelling.
std::string shape_string(const Shape& shape);
std::int64_t shape_size(const Shape& shape);

// A shape, axis or index that does not fit the operation. The message names the operation and
// every shape involved, e.g. "add: shapes (2, 3) and (4,) do not broadcast".
class ShapeError : public std::invalid_argument {
 public:
  using std::invalid_argument::invalid_argument;
};

// An index along one axis: an integer (removes the axis; negative counts from the end), a slice
// (start, stop, step with Python's defaults and clamping), or an array of integers (NumPy's
// integer-array indexing). Several arrays are read together, element by element, as in NumPy:
// x[{rows, columns}] picks x[rows[k], columns[k]] (DeZero's x[arange(N), t]); their lengths must
// be equal or 1. The arrays make one axis, which stands where the first array does, even where
// NumPy would move it to the front (arrays not next to each other, or after an integer):
// x[0, :, [1, 2]] has shape (4, 2) for x of shape (3, 4, 5), where NumPy gives (2, 4).
struct Slice {
  std::optional<std::int64_t> start;
  std::optional<std::int64_t> stop;
  std::int64_t step = 1;
};
using Index = std::variant<std::int64_t, Slice, std::vector<std::int64_t>>;
using Indices = std::vector<Index>;  // one per leading axis; missing trailing axes are taken whole

// Seeded random numbers: the same seed gives the same tensor with the same standard library (the
// engine is specified exactly; libstdc++'s and libc++'s distributions differ).
class Generator {
 public:
  explicit Generator(std::uint64_t seed = 0) : engine_(seed) {}
  std::mt19937_64& engine() { return engine_; }

 private:
  std::mt19937_64 engine_;
};

class Tensor {
 public:
  // An undefined tensor (no storage): defined() is false. Autograd uses it for "no gradient".
  Tensor();
  // 0-d (a scalar), 1-d, 2-d and 3-d tensors from numbers and nested lists, float64. Nested
  // lists must be rectangular (ShapeError otherwise). One-element rows such as {{1}, {2}} are
  // ambiguous in C++ ({1} is also a number): write Tensor{1, 2}.reshape({2, 1}).
  Tensor(double value);  // NOLINT: a number is a 0-d tensor wherever a tensor is expected
  Tensor(std::initializer_list<double> values);
  Tensor(std::initializer_list<std::initializer_list<double>> rows);
  Tensor(std::initializer_list<std::initializer_list<std::initializer_list<double>>> planes);
  // From a shape and row-major values (their count must equal the shape's size).
  Tensor(Shape shape, const std::vector<double>& values, DType dtype = DType::float64);
  Tensor(Shape shape, const std::vector<float>& values);

  static Tensor empty(Shape shape, DType dtype = DType::float64);  // uninitialised numbers
  static Tensor zeros(Shape shape, DType dtype = DType::float64);
  static Tensor ones(Shape shape, DType dtype = DType::float64);
  static Tensor full(Shape shape, double value, DType dtype = DType::float64);
  static Tensor zeros_like(const Tensor& t);
  static Tensor ones_like(const Tensor& t);
  static Tensor full_like(const Tensor& t, double value);
  // [start, stop) in steps of step, as numpy.arange; linspace includes both ends.
  static Tensor arange(double start, double stop, double step = 1, DType dtype = DType::float64);
  static Tensor linspace(double start, double stop, std::int64_t count,
                         DType dtype = DType::float64);
  static Tensor randn(Shape shape, Generator& generator, DType dtype = DType::float64);
  static Tensor rand(Shape shape, Generator& generator, double low = 0, double high = 1,
                     DType dtype = DType::float64);

  bool defined() const { return storage_ != nullptr; }
  const Shape& shape() const { return shape_; }
  int ndim() const { return static_cast<int>(shape_.size()); }
  std::int64_t size() const { return size_; }  // number of elements
  DType dtype() const { return dtype_; }

  // The one number of a one-element tensor (any shape); ShapeError otherwise.
  double item() const;
  // The element at a full multi-index (negative indices count from the end).
  double at(const std::vector<std::int64_t>& index) const;
  std::vector<double> to_vector() const;  // row-major, converted to double

  // Raw row-major numbers; T must match the dtype (std::invalid_argument otherwise).
  template <class T>
  const T* data() const;
  // Writable numbers: bumps the version, since the caller is about to write.
  template <class T>
  T* mutable_data();

  // Incremented by every in-place write to the storage (shared by reshaped views).
  std::uint64_t version() const;
  bool shares_storage(const Tensor& other) const { return storage_ == other.storage_; }

  Tensor clone() const;
  Tensor to(DType dtype) const;  // a copy in another dtype (a clone when it is the same)

  // In place: the right side broadcasts to this tensor's shape (ShapeError otherwise).
  Tensor& operator+=(const Tensor& other);
  Tensor& operator-=(const Tensor& other);
  Tensor& operator*=(const Tensor& other);
  Tensor& operator/=(const Tensor& other);
  Tensor& fill_(double value);

  // A view of the same storage with another shape; one axis may be -1 (inferred).
  Tensor reshape(Shape shape) const;

 private:
  struct Storage;
  Tensor(std::shared_ptr<Storage> storage, Shape shape, DType dtype);

  std::shared_ptr<Storage> storage_;
  Shape shape_;
  std::int64_t size_ = 0;
  DType dtype_ = DType::float64;

  friend struct TensorAccess;  // for the implementation files in src/tensor
};

// NumPy's str(): "[[1. 2.]\n [3. 4.]]", "0.5" for 0-d; long axes elided with "...".
std::ostream& operator<<(std::ostream& out, const Tensor& t);
std::string to_string(const Tensor& t);

// ---- Broadcasting --------------------------------------------------------------------------

// The broadcast shape of a and b; ShapeError naming `operation` and both shapes otherwise.
Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view operation);
// broadcast_to and sum_to return x itself (the same storage, no copy) when it already has
// `shape`: they run on every backward pass, mostly with nothing to do.
Tensor broadcast_to(const Tensor& x, const Shape& shape);
// The inverse of broadcast_to: sums over the axes that broadcasting stretched or added, so that
// the result has `shape`. The backward pass of every broadcasting operation.
Tensor sum_to(const Tensor& x, const Shape& shape);

// ---- Elementwise ---------------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b);
Tensor sub(const Tensor& a, const Tensor& b);
Tensor mul(const Tensor& a, const Tensor& b);
Tensor div(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, const Tensor& b);
Tensor pow(const Tensor& a, double exponent);
Tensor maximum(const Tensor& a, const Tensor& b);
Tensor minimum(const Tensor& a, const Tensor& b);
// Comparisons give 1 where true and 0 where false, in the promoted dtype.
Tensor greater(const Tensor& a, const Tensor& b);
Tensor greater_equal(const Tensor& a, const Tensor& b);
Tensor less(const Tensor& a, const Tensor& b);
Tensor less_equal(const Tensor& a, const Tensor& b);
Tensor equal(const Tensor& a, const Tensor& b);

Tensor operator+(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a, const Tensor& b);
Tensor operator*(const Tensor& a, const Tensor& b);
Tensor operator/(const Tensor& a, const Tensor& b);
Tensor operator-(const Tensor& a);
// A number on either side takes the tensor's dtype.
Tensor operator+(const Tensor& a, double b);
Tensor operator+(double a, const Tensor& b);
Tensor operator-(const Tensor& a, double b);
Tensor operator-(double a, const Tensor& b);
Tensor operator*(const Tensor& a, double b);
Tensor operator*(double a, const Tensor& b);
Tensor operator/(const Tensor& a, double b);
Tensor operator/(double a, const Tensor& b);

Tensor neg(const Tensor& x);
Tensor square(const Tensor& x);
Tensor exp(const Tensor& x);
Tensor log(const Tensor& x);
Tensor sin(const Tensor& x);
Tensor cos(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor sqrt(const Tensor& x);
Tensor abs(const Tensor& x);
Tensor sign(const Tensor& x);  // -1, 0, 1 (nan stays nan)
Tensor sigmoid(const Tensor& x);
Tensor relu(const Tensor& x);
Tensor clip(const Tensor& x, double low, double high);
// condition != 0 ? a : b, all three broadcast together.
Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b);

// ---- Reductions ----------------------------------------------------------------------------
// Empty axes mean every axis. Reducing a repeated or out-of-range axis is a ShapeError.

Tensor sum(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor mean(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor max(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
Tensor min(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// Index of the first largest element along `axis`, or into the flattened tensor without one;
// the indices are returned as float64 numbers (exact below 2^53).
Tensor argmax(const Tensor& x, std::optional<int> axis = std::nullopt, bool keepdims = false);
Tensor logsumexp(const Tensor& x, const Axes& axes = {}, bool keepdims = false);
// Along one axis, computed stably (the maximum is subtracted first).
Tensor softmax(const Tensor& x, int axis = -1);
Tensor log_softmax(const Tensor& x, int axis = -1);

// ---- Shapes --------------------------------------------------------------------------------

Tensor reshape(const Tensor& x, const Shape& shape);
Tensor transpose(const Tensor& x);  // every axis reversed, as numpy.transpose
Tensor permute(const Tensor& x, const Axes& axes);
Tensor expand_dims(const Tensor& x, int axis);
Tensor squeeze(const Tensor& x, const Axes& axes = {});  // every length-1 axis without axes
Tensor concatenate(const std::vector<Tensor>& xs, int axis = 0);
Tensor stack(const std::vector<Tensor>& xs, int axis = 0);
// x[indices], NumPy's basic and integer-array indexing.
Tensor get_item(const Tensor& x, const Indices& indices);
// The backward of get_item: a zero tensor of `shape` with `values` added at x[indices]
// (repeated integer-array indices accumulate).
Tensor scatter_add(const Shape& shape, const Indices& indices, const Tensor& values);

// ---- Linear algebra ------------------------------------------------------------------------

// NumPy's matmul: 2-D by 2-D through a GEMM (OpenBLAS's, Eigen's for small products); more axes are
// batches and broadcast; a 1-D operand is a row (left) or a column (right) vector whose axis is
// dropped from the result.
Tensor matmul(const Tensor& a, const Tensor& b);
// matmul of a and b with the last two axes of a (transpose_a) or b (transpose_b) swapped, read in
// place by the GEMM instead of copied: the backward of a matrix product is x^T g and g W^T. A
// 1-D operand is not transposed.
Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b);

// Tensors' buffers of 64 KiB and more are kept for reuse when they die (up to 1 GiB in all; a
// full cache frees others to keep the newest), and so are the emptied chunks of the graph's
// pool (node_pool.hpp; up to 64 MiB per thread): this frees the buffers, and the calling
// thread's chunks (a thread's own go back when it ends).
void release_cached_memory();

// The numbers held by live tensors (every storage counts once, whatever views share it), and
// the bytes kept for reuse (buffers, and spare chunks of every thread).
struct TensorStats {
  std::int64_t live_buffers = 0;
  std::int64_t live_bytes = 0;
  std::int64_t cached_bytes = 0;
};
TensorStats tensor_stats();

// Threads the GEMM of matmul may use (OpenBLAS's own setting: every core by default).
void set_num_threads(int threads);
int num_threads();

// ---- Comparison of whole tensors -----------------------------------------------------------

// Same shape, and |a - b| <= atol + rtol |b| everywhere (nan never close).
bool allclose(const Tensor& a, const Tensor& b, double rtol = 1e-5, double atol = 1e-8);
// Same shape, dtype and numbers.
bool array_equal(const Tensor& a, const Tensor& b);

}  // namespace nabla
