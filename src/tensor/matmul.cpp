// matmul: NumPy's matrix product, with every 2-D product done by a GEMM.
//
// A tensor is row-major and contiguous, so each (m, k) matrix inside it can be handed to the
// GEMM as it is: no copy in, and the product is written straight into the result's buffer, no
// copy out. Products of at least kBlasWork multiply-adds go to OpenBLAS's cblas_sgemm and
// cblas_dgemm, which choose their kernel for the CPU at run time (AVX-512 where there is one),
// so the library runs at the BLAS's speed without being compiled for one machine (dimensions past
// the BLAS's 32-bit integers go to Eigen too); Eigen,
// compiled for the baseline x86-64 here, reaches less than half of it. Smaller products use
// Eigen's GEMM over Eigen::Map views, which has no call overhead to speak of.
//
// NumPy's rules: the last two axes are the matrices and the axes before them are batches that
// broadcast; a 1-D left operand is a row vector and a 1-D right operand a column vector, and
// the axis each adds is dropped from the result. When the right operand is a single matrix
// (no batch axes, or batch axes of length 1), the batches of the left one are stacked into one
// tall (batch * m, k) matrix and multiplied in one GEMM, which is both fewer calls and a better
// shape for the kernel.
#include <cblas.h>

#include <Eigen/Core>

#include <limits>
#include <type_traits>
#include <utility>

#include "access.hpp"

namespace nabla {

using tensor_detail::dispatch;
using tensor_detail::TypeTag;

namespace {

constexpr std::int64_t kBlasWork = 32 * 32 * 32;

// c (m x n) = op(a) op(b), where op(a) is a (m x k, stored as such) or, with transpose_a, the
// transpose of a stored k x m; likewise b. The BLAS reads transposed operands in place.
template <class T>
void gemm(const T* a, const T* b, T* c, std::int64_t m, std::int64_t k, std::int64_t n,
          bool transpose_a, bool transpose_b) {
  using Matrix = Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>;
  Eigen::Map<Matrix> product(c, m, n);
  if (k == 0) {
    product.setZero();  // the empty sum
    return;
  }
  constexpr std::int64_t blas_limit = std::numeric_limits<blasint>::max();
  if (static_cast<double>(m) * k * n < kBlasWork || m > blas_limit || k > blas_limit ||
      n > blas_limit) {
    const Eigen::Map<const Matrix> left(a, transpose_a ? k : m, transpose_a ? m : k);
    const Eigen::Map<const Matrix> right(b, transpose_b ? n : k, transpose_b ? k : n);
    if (transpose_a && transpose_b) {
      product.noalias() = left.transpose() * right.transpose();
    } else if (transpose_a) {
      product.noalias() = left.transpose() * right;
    } else if (transpose_b) {
      product.noalias() = left * right.transpose();
    } else {
      product.noalias() = left * right;
    }
    return;
  }
  const auto rows = static_cast<blasint>(m), inner = static_cast<blasint>(k),
             columns = static_cast<blasint>(n);
  const CBLAS_TRANSPOSE op_a = transpose_a ? CblasTrans : CblasNoTrans;
  const CBLAS_TRANSPOSE op_b = transpose_b ? CblasTrans : CblasNoTrans;
  const blasint lda = transpose_a ? rows : inner, ldb = transpose_b ? inner : columns;
  if constexpr (std::is_same_v<T, float>) {
    cblas_sgemm(CblasRowMajor, op_a, op_b, rows, columns, inner, 1.0f, a, lda, b, ldb, 0.0f, c,
                columns);
  } else {
    cblas_dgemm(CblasRowMajor, op_a, op_b, rows, columns, inner, 1.0, a, lda, b, ldb, 0.0, c,
                columns);
  }
}

}  // namespace

Tensor matmul(const Tensor& a, const Tensor& b) { return matmul(a, b, false, false); }

Tensor matmul(const Tensor& a, const Tensor& b, bool transpose_a, bool transpose_b) {
  tensor_detail::require_defined(a, "matmul");
  tensor_detail::require_defined(b, "matmul");
  const auto fail = [&](const std::string& why) {
    throw ShapeError("matmul: shapes " + shape_string(a.shape()) +
                     (transpose_a ? " (transposed)" : "") + " and " + shape_string(b.shape()) +
                     (transpose_b ? " (transposed)" : "") + " " + why);
  };
  if (a.ndim() == 0 || b.ndim() == 0) fail("cannot be multiplied: a 0-d operand has no matrix");
  Shape left_shape = a.shape();
  Shape right_shape = b.shape();
  const bool row_vector = left_shape.size() == 1;
  const bool column_vector = right_shape.size() == 1;
  // A transposed operand's matrix is its last two axes swapped; a vector has no transpose.
  transpose_a = transpose_a && !row_vector;
  transpose_b = transpose_b && !column_vector;
  if (transpose_a) std::swap(left_shape[left_shape.size() - 2], left_shape.back());
  if (transpose_b) std::swap(right_shape[right_shape.size() - 2], right_shape.back());
  if (row_vector) left_shape.insert(left_shape.begin(), 1);
  if (column_vector) right_shape.push_back(1);
  const std::int64_t m = left_shape[left_shape.size() - 2];
  const std::int64_t k = left_shape.back();
  const std::int64_t n = right_shape.back();
  if (right_shape[right_shape.size() - 2] != k) {
    fail("do not align: " + std::to_string(k) + " (last axis of the first) != " +
         std::to_string(right_shape[right_shape.size() - 2]) + " (the second's rows)");
  }
  const Shape left_batch(left_shape.begin(), left_shape.end() - 2);
  const Shape right_batch(right_shape.begin(), right_shape.end() - 2);
  Shape batch;
  try {
    batch = broadcast_shapes(left_batch, right_batch, "matmul");
  } catch (const ShapeError&) {
    fail("do not broadcast: batch shapes " + shape_string(left_batch) + " and " +
         shape_string(right_batch));
  }
  Shape shape = batch;
  if (!row_vector) shape.push_back(m);
  if (!column_vector) shape.push_back(n);

  const DType dtype = tensor_detail::promote(a.dtype(), b.dtype());
  Tensor left_holder;
  const Tensor& left = tensor_detail::in_dtype(a, dtype, left_holder);
  Tensor right_holder;
  const Tensor& right = tensor_detail::in_dtype(b, dtype, right_holder);
  Tensor result = TensorAccess::allocate(std::move(shape), dtype);
  dispatch(dtype, [&]<class T>(TypeTag<T>) {
    const T* x = TensorAccess::data<T>(left);
    const T* y = TensorAccess::data<T>(right);
    T* out = TensorAccess::data<T>(result);
    const std::int64_t batches = shape_size(batch);
    if (!transpose_a && shape_size(right_batch) == 1 && shape_size(left_batch) == batches) {
      gemm(x, y, out, batches * m, k, n, false, transpose_b);
      return;
    }
    // One GEMM per batch element; the walker's strides count whole matrices.
    std::array<tensor_detail::Strides, 3> strides{
        tensor_detail::contiguous_strides(batch),
        tensor_detail::broadcast_strides(left_batch, batch),
        tensor_detail::broadcast_strides(right_batch, batch)};
    tensor_detail::for_each_row(
        batch, strides,
        [&](const std::array<std::int64_t, 3>& offsets, std::int64_t count,
            const std::array<std::int64_t, 3>& inner) {
          for (std::int64_t i = 0; i < count; ++i) {
            gemm(x + (offsets[1] + i * inner[1]) * m * k, y + (offsets[2] + i * inner[2]) * k * n,
                 out + (offsets[0] + i * inner[0]) * m * n, m, k, n, transpose_a, transpose_b);
          }
        });
  });
  return result;
}

void set_num_threads(int threads) {
  if (threads < 1) {
    throw std::invalid_argument("set_num_threads: " + std::to_string(threads) +
                                " threads; at least 1 is needed");
  }
  openblas_set_num_threads(threads);
}

int num_threads() { return openblas_get_num_threads(); }

}  // namespace nabla
