// Elementwise operations: broadcasting, the arithmetic and comparison operators, the in-place
// operators, unary functions, clip and where.
//
// Every binary operation goes through binary_kernel, which picks the cheapest of three paths:
// - equal shapes: one loop over three raw pointers, out[i] = op(a[i], b[i]);
// - one operand of a single element (a scalar, or shape (1, 1) against a matrix): the number is
//   loaded once and the loop runs over the other operand;
// - anything else: the strided walker of access.hpp with stride 0 along stretched axes, whose
//   innermost run is again a plain loop (with the same scalar specialisations when an operand
//   is stretched along it).
// The operation itself is a generic lambda instantiated for float and double, so the compiler
// inlines it into each loop: no per-element call, no per-element index arithmetic, and the
// equal-shape and scalar loops vectorise. The dtype is switched on once per operation.
//
// Mixed dtypes convert the float32 operand to float64 first (NumPy's promotion); a plain number
// takes the tensor's dtype and never allocates a tensor of its own.
#include <cmath>
#include <optional>

#include "access.hpp"

namespace nabla {

using tensor_detail::dispatch;
using tensor_detail::TypeTag;

namespace {

std::optional<Shape> try_broadcast(const Shape& a, const Shape& b) {
  const std::size_t ndim = std::max(a.size(), b.size());
  Shape shape(ndim);
  for (std::size_t i = 0; i < ndim; ++i) {
    const std::int64_t left = i < ndim - a.size() ? 1 : a[i - (ndim - a.size())];
    const std::int64_t right = i < ndim - b.size() ? 1 : b[i - (ndim - b.size())];
    if (left != right && left != 1 && right != 1) return std::nullopt;
    shape[i] = left == 1 ? right : left;
  }
  return shape;
}

// out = op(a, b) with a and b broadcast to out_shape; out may alias a (the in-place operators).
template <class T, class Op>
void binary_kernel(const T* a, const T* b, T* out, const Shape& out_shape, const Shape& a_shape,
                   const Shape& b_shape, Op op) {
  const std::int64_t n = shape_size(out_shape);
  const std::int64_t a_size = shape_size(a_shape);
  const std::int64_t b_size = shape_size(b_shape);
  if (a_size == n && b_size == n) {  // equal shapes, or equal up to length-1 axes
    for (std::int64_t i = 0; i < n; ++i) out[i] = op(a[i], b[i]);
    return;
  }
  if (a_size == 1 && b_size == n) {
    const T left = a[0];
    for (std::int64_t i = 0; i < n; ++i) out[i] = op(left, b[i]);
    return;
  }
  if (b_size == 1 && a_size == n) {
    const T right = b[0];
    for (std::int64_t i = 0; i < n; ++i) out[i] = op(a[i], right);
    return;
  }
  const std::array<tensor_detail::Strides, 3> strides{
      tensor_detail::contiguous_strides(out_shape),
      tensor_detail::broadcast_strides(a_shape, out_shape),
      tensor_detail::broadcast_strides(b_shape, out_shape)};
  tensor_detail::for_each_row(out_shape, strides,
                              [&](const std::array<std::int64_t, 3>& offsets, std::int64_t count,
                                  const std::array<std::int64_t, 3>& inner) {
                                T* o = out + offsets[0];
                                const T* x = a + offsets[1];
                                const T* y = b + offsets[2];
                                if (inner[1] == 1 && inner[2] == 1) {
                                  for (std::int64_t i = 0; i < count; ++i) o[i] = op(x[i], y[i]);
                                } else if (inner[1] == 0 && inner[2] == 1) {
                                  const T left = *x;
                                  for (std::int64_t i = 0; i < count; ++i) o[i] = op(left, y[i]);
                                } else if (inner[1] == 1 && inner[2] == 0) {
                                  const T right = *y;
                                  for (std::int64_t i = 0; i < count; ++i) o[i] = op(x[i], right);
                                } else {
                                  for (std::int64_t i = 0; i < count; ++i)
                                    o[i] = op(x[i * inner[1]], y[i * inner[2]]);
                                }
                              });
}

template <class Op>
Tensor binary(const Tensor& a, const Tensor& b, std::string_view operation, Op op) {
  tensor_detail::require_defined(a, operation);
  tensor_detail::require_defined(b, operation);
  const DType dtype = tensor_detail::promote(a.dtype(), b.dtype());
  Tensor left_holder;
  const Tensor& left = tensor_detail::in_dtype(a, dtype, left_holder);
  Tensor right_holder;
  const Tensor& right = tensor_detail::in_dtype(b, dtype, right_holder);
  Tensor result = TensorAccess::allocate(
      a.shape() == b.shape() ? a.shape() : broadcast_shapes(a.shape(), b.shape(), operation),
      dtype);
  dispatch(dtype, [&]<class T>(TypeTag<T>) {
    binary_kernel<T>(TensorAccess::data<T>(left), TensorAccess::data<T>(right),
                     TensorAccess::data<T>(result), result.shape(), left.shape(), right.shape(),
                     op);
  });
  return result;
}

// A tensor and a plain number, which takes the tensor's dtype.
template <class Op>
Tensor with_number(const Tensor& a, double number, bool number_first, std::string_view operation,
                   Op op) {
  tensor_detail::require_defined(a, operation);
  Tensor result = TensorAccess::allocate(a.shape(), a.dtype());
  dispatch(a.dtype(), [&]<class T>(TypeTag<T>) {
    const T* x = TensorAccess::data<T>(a);
    T* out = TensorAccess::data<T>(result);
    const T s = static_cast<T>(number);
    const std::int64_t n = a.size();
    if (number_first) {
      for (std::int64_t i = 0; i < n; ++i) out[i] = op(s, x[i]);
    } else {
      for (std::int64_t i = 0; i < n; ++i) out[i] = op(x[i], s);
    }
  });
  return result;
}

template <class Op>
Tensor unary(const Tensor& x, std::string_view operation, Op op) {
  tensor_detail::require_defined(x, operation);
  Tensor result = TensorAccess::allocate(x.shape(), x.dtype());
  dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    const T* in = TensorAccess::data<T>(x);
    T* out = TensorAccess::data<T>(result);
    const std::int64_t n = x.size();
    for (std::int64_t i = 0; i < n; ++i) out[i] = op(in[i]);
  });
  return result;
}

template <class Op>
Tensor& in_place(Tensor& self, const Tensor& other, std::string_view operation, Op op) {
  tensor_detail::require_defined(self, operation);
  tensor_detail::require_defined(other, operation);
  if (other.shape() != self.shape()) {
    const std::optional<Shape> shape = try_broadcast(self.shape(), other.shape());
    if (!shape || *shape != self.shape()) {
      throw ShapeError(std::string(operation) + ": shape " + shape_string(other.shape()) +
                       " does not broadcast to shape " + shape_string(self.shape()) +
                       " of the tensor written in place");
    }
  }
  Tensor right_holder;
  const Tensor& right = tensor_detail::in_dtype(other, self.dtype(), right_holder);
  dispatch(self.dtype(), [&]<class T>(TypeTag<T>) {
    T* target = TensorAccess::data<T>(self);
    binary_kernel<T>(target, TensorAccess::data<T>(right), target, self.shape(), self.shape(),
                     right.shape(), op);
  });
  TensorAccess::bump_version(self);
  return self;
}

// NumPy's maximum and minimum: a nan on either side wins.
constexpr auto maximum_of = [](auto x, auto y) { return (x != x || x >= y) ? x : y; };
constexpr auto minimum_of = [](auto x, auto y) { return (x != x || x <= y) ? x : y; };
constexpr auto plus = [](auto x, auto y) { return x + y; };
constexpr auto minus = [](auto x, auto y) { return x - y; };
constexpr auto times = [](auto x, auto y) { return x * y; };
constexpr auto divided = [](auto x, auto y) { return x / y; };
constexpr auto power = [](auto x, auto y) { return std::pow(x, y); };

}  // namespace

// ---- Broadcasting --------------------------------------------------------------------------

Shape broadcast_shapes(const Shape& a, const Shape& b, std::string_view operation) {
  std::optional<Shape> shape = try_broadcast(a, b);
  if (!shape) {
    throw ShapeError(std::string(operation) + ": shapes " + shape_string(a) + " and " +
                     shape_string(b) + " do not broadcast");
  }
  return std::move(*shape);
}

// ---- Binary operations ---------------------------------------------------------------------

Tensor add(const Tensor& a, const Tensor& b) { return binary(a, b, "add", plus); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary(a, b, "sub", minus); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary(a, b, "mul", times); }
Tensor div(const Tensor& a, const Tensor& b) { return binary(a, b, "div", divided); }
Tensor pow(const Tensor& a, const Tensor& b) { return binary(a, b, "pow", power); }
Tensor maximum(const Tensor& a, const Tensor& b) { return binary(a, b, "maximum", maximum_of); }
Tensor minimum(const Tensor& a, const Tensor& b) { return binary(a, b, "minimum", minimum_of); }

Tensor greater(const Tensor& a, const Tensor& b) {
  return binary(a, b, "greater", [](auto x, auto y) { return decltype(x)(x > y); });
}
Tensor greater_equal(const Tensor& a, const Tensor& b) {
  return binary(a, b, "greater_equal", [](auto x, auto y) { return decltype(x)(x >= y); });
}
Tensor less(const Tensor& a, const Tensor& b) {
  return binary(a, b, "less", [](auto x, auto y) { return decltype(x)(x < y); });
}
Tensor less_equal(const Tensor& a, const Tensor& b) {
  return binary(a, b, "less_equal", [](auto x, auto y) { return decltype(x)(x <= y); });
}
Tensor equal(const Tensor& a, const Tensor& b) {
  return binary(a, b, "equal", [](auto x, auto y) { return decltype(x)(x == y); });
}

Tensor operator+(const Tensor& a, const Tensor& b) { return add(a, b); }
Tensor operator-(const Tensor& a, const Tensor& b) { return sub(a, b); }
Tensor operator*(const Tensor& a, const Tensor& b) { return mul(a, b); }
Tensor operator/(const Tensor& a, const Tensor& b) { return div(a, b); }
Tensor operator-(const Tensor& a) { return neg(a); }

Tensor operator+(const Tensor& a, double b) { return with_number(a, b, false, "add", plus); }
Tensor operator+(double a, const Tensor& b) { return with_number(b, a, true, "add", plus); }
Tensor operator-(const Tensor& a, double b) { return with_number(a, b, false, "sub", minus); }
Tensor operator-(double a, const Tensor& b) { return with_number(b, a, true, "sub", minus); }
Tensor operator*(const Tensor& a, double b) { return with_number(a, b, false, "mul", times); }
Tensor operator*(double a, const Tensor& b) { return with_number(b, a, true, "mul", times); }
Tensor operator/(const Tensor& a, double b) { return with_number(a, b, false, "div", divided); }
Tensor operator/(double a, const Tensor& b) { return with_number(b, a, true, "div", divided); }

Tensor pow(const Tensor& a, double exponent) {
  if (exponent == 2) return square(a);
  if (exponent == 1) return unary(a, "pow", [](auto x) { return x; });
  return with_number(a, exponent, false, "pow", power);
}

Tensor& Tensor::operator+=(const Tensor& other) { return in_place(*this, other, "+=", plus); }
Tensor& Tensor::operator-=(const Tensor& other) { return in_place(*this, other, "-=", minus); }
Tensor& Tensor::operator*=(const Tensor& other) { return in_place(*this, other, "*=", times); }
Tensor& Tensor::operator/=(const Tensor& other) { return in_place(*this, other, "/=", divided); }

// ---- Unary operations ----------------------------------------------------------------------

Tensor neg(const Tensor& x) {
  return unary(x, "neg", [](auto v) { return -v; });
}
Tensor square(const Tensor& x) {
  return unary(x, "square", [](auto v) { return v * v; });
}
Tensor exp(const Tensor& x) {
  return unary(x, "exp", [](auto v) { return std::exp(v); });
}
Tensor log(const Tensor& x) {
  return unary(x, "log", [](auto v) { return std::log(v); });
}
Tensor sin(const Tensor& x) {
  return unary(x, "sin", [](auto v) { return std::sin(v); });
}
Tensor cos(const Tensor& x) {
  return unary(x, "cos", [](auto v) { return std::cos(v); });
}
Tensor tanh(const Tensor& x) {
  return unary(x, "tanh", [](auto v) { return std::tanh(v); });
}
Tensor sqrt(const Tensor& x) {
  return unary(x, "sqrt", [](auto v) { return std::sqrt(v); });
}
Tensor abs(const Tensor& x) {
  return unary(x, "abs", [](auto v) { return std::abs(v); });
}
Tensor sign(const Tensor& x) {
  return unary(x, "sign", [](auto v) {
    using T = decltype(v);
    return v > 0 ? T(1) : v < 0 ? T(-1) : v == 0 ? T(0) : v;
  });
}
// 1 / (1 + e^-x), written so that neither branch overflows: e^x for x < 0 is below 1.
Tensor sigmoid(const Tensor& x) {
  return unary(x, "sigmoid", [](auto v) {
    using T = decltype(v);
    if (v >= 0) return T(1) / (T(1) + std::exp(-v));
    const T e = std::exp(v);
    return e / (T(1) + e);
  });
}
// max(x, 0), with nan kept as NumPy's maximum keeps it.
Tensor relu(const Tensor& x) {
  return unary(x, "relu", [](auto v) { return v < 0 ? decltype(v)(0) : v; });
}

Tensor clip(const Tensor& x, double low, double high) {
  tensor_detail::require_defined(x, "clip");
  return dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    const T lower = static_cast<T>(low);
    const T upper = static_cast<T>(high);
    return unary(x, "clip", [=](T v) { return minimum_of(maximum_of(v, lower), upper); });
  });
}

Tensor where(const Tensor& condition, const Tensor& a, const Tensor& b) {
  tensor_detail::require_defined(condition, "where");
  tensor_detail::require_defined(a, "where");
  tensor_detail::require_defined(b, "where");
  std::optional<Shape> shape = try_broadcast(condition.shape(), a.shape());
  if (shape) shape = try_broadcast(*shape, b.shape());
  if (!shape) {
    throw ShapeError("where: shapes " + shape_string(condition.shape()) + ", " +
                     shape_string(a.shape()) + " and " + shape_string(b.shape()) +
                     " do not broadcast");
  }
  const DType dtype = tensor_detail::promote(a.dtype(), b.dtype());
  Tensor left_holder;
  const Tensor& left = tensor_detail::in_dtype(a, dtype, left_holder);
  Tensor right_holder;
  const Tensor& right = tensor_detail::in_dtype(b, dtype, right_holder);
  Tensor result = TensorAccess::allocate(std::move(*shape), dtype);
  const std::array<tensor_detail::Strides, 4> strides{
      tensor_detail::contiguous_strides(result.shape()),
      tensor_detail::broadcast_strides(condition.shape(), result.shape()),
      tensor_detail::broadcast_strides(left.shape(), result.shape()),
      tensor_detail::broadcast_strides(right.shape(), result.shape())};
  // The condition is read in its own dtype: rounding it to float32 could turn 1e-50 into 0.
  dispatch(condition.dtype(), [&]<class C>(TypeTag<C>) {
    dispatch(dtype, [&]<class T>(TypeTag<T>) {
      T* out = TensorAccess::data<T>(result);
      const C* c = TensorAccess::data<C>(condition);
      const T* x = TensorAccess::data<T>(left);
      const T* y = TensorAccess::data<T>(right);
      tensor_detail::for_each_row(
          result.shape(), strides,
          [&](const std::array<std::int64_t, 4>& offsets, std::int64_t count,
              const std::array<std::int64_t, 4>& inner) {
            for (std::int64_t i = 0; i < count; ++i) {
              out[offsets[0] + i] = c[offsets[1] + i * inner[1]] != 0
                                        ? x[offsets[2] + i * inner[2]]
                                        : y[offsets[3] + i * inner[3]];
            }
          });
    });
  });
  return result;
}

}  // namespace nabla
