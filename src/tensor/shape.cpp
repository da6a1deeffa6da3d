// Operations that move numbers without computing new ones: broadcast_to, transpose and permute,
// expand_dims and squeeze, concatenate and stack, and indexing (get_item with its adjoint
// scatter_add).
//
// Tensors are always contiguous, so only the operations that keep the row-major order
// (reshape, expand_dims, squeeze) are views; the rest copy. Copies run on the strided walker of
// access.hpp: the output is walked in order and the input is read through permuted or
// broadcast strides, so a copy that happens to be contiguous collapses to one run.
//
// Indexing first turns each index into a table of element offsets along its axis (an integer
// is a single fixed offset and removes the axis; a slice or an integer array keeps it). The
// axes after the last index are taken whole, so they form one contiguous block that is copied
// at once; the walk visits one block per combination of table entries. scatter_add walks the
// same tables and adds instead of copying, so repeated integer-array entries accumulate, which
// is what makes it the adjoint of get_item.
#include <algorithm>
#include <cstring>

#include "access.hpp"

namespace nabla {

using tensor_detail::dispatch;
using tensor_detail::TypeTag;

namespace {

// out[r, c] = in[r + c * column_stride] for an (rows, columns) output: one 2-D transpose, in
// 32 x 32 tiles so that both the reads and the writes stay within a few cache lines.
template <class T>
void transpose_tiles(const T* in, T* out, std::int64_t rows, std::int64_t columns,
                     std::int64_t column_stride) {
  constexpr std::int64_t tile = 32;
  for (std::int64_t r0 = 0; r0 < rows; r0 += tile) {
    const std::int64_t r1 = std::min(rows, r0 + tile);
    for (std::int64_t c0 = 0; c0 < columns; c0 += tile) {
      const std::int64_t c1 = std::min(columns, c0 + tile);
      for (std::int64_t r = r0; r < r1; ++r) {
        for (std::int64_t c = c0; c < c1; ++c) out[r * columns + c] = in[r + c * column_stride];
      }
    }
  }
}

// Copies x, read through `source_strides` (one per axis of `shape`), into a new tensor. When,
// after merging axes, the source is read along its contiguous axis by the second-to-last output
// axis (a transpose of the last two axes, batched or not), the copy goes tile by tile.
Tensor strided_copy(const Tensor& x, Shape shape, const tensor_detail::Strides& source_strides) {
  Tensor result = TensorAccess::allocate(std::move(shape), x.dtype());
  const std::array<tensor_detail::Strides, 2> strides{
      tensor_detail::contiguous_strides(result.shape()), source_strides};
  const tensor_detail::StridedLayout<2> layout = tensor_detail::collapse(result.shape(), strides);
  const std::size_t ndim = layout.shape.size();
  const bool transposes = result.size() > 0 && ndim >= 2 && layout.strides[1][ndim - 2] == 1 &&
                          layout.strides[1][ndim - 1] > 1;
  dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    const T* in = TensorAccess::data<T>(x);
    T* out = TensorAccess::data<T>(result);
    if (transposes) {
      const std::int64_t rows = layout.shape[ndim - 2];
      const std::int64_t columns = layout.shape[ndim - 1];
      Shape batch;
      std::array<tensor_detail::Strides, 2> batch_strides;
      for (std::size_t d = 0; d + 2 < ndim; ++d) {
        batch.push_back(layout.shape[d]);
        batch_strides[0].push_back(layout.strides[0][d]);
        batch_strides[1].push_back(layout.strides[1][d]);
      }
      tensor_detail::for_each_row(
          batch, batch_strides,
          [&](const std::array<std::int64_t, 2>& offsets, std::int64_t count,
              const std::array<std::int64_t, 2>& inner) {
            for (std::int64_t i = 0; i < count; ++i) {
              transpose_tiles(in + offsets[1] + i * inner[1], out + offsets[0] + i * inner[0], rows,
                              columns, layout.strides[1][ndim - 1]);
            }
          });
      return;
    }
    tensor_detail::for_each_row(result.shape(), strides,
                                [&](const std::array<std::int64_t, 2>& offsets, std::int64_t count,
                                    const std::array<std::int64_t, 2>& inner) {
                                  T* o = out + offsets[0];
                                  const T* s = in + offsets[1];
                                  if (inner[1] == 1) {
                                    std::copy_n(s, count, o);
                                  } else if (inner[1] == 0) {
                                    std::fill_n(o, count, *s);
                                  } else {
                                    for (std::int64_t i = 0; i < count; ++i) o[i] = s[i * inner[1]];
                                  }
                                });
  });
  return result;
}

// Where x[indices] reads from: see the opening comment.
struct Selection {
  Shape result_shape;
  std::int64_t base = 0;                          // offset contributed by integer indices
  std::vector<std::vector<std::int64_t>> tables;  // element offsets along each kept indexed axis
  std::int64_t block = 1;                         // elements in the untouched trailing axes
};

std::int64_t checked_index(std::int64_t index, std::size_t axis, const Shape& shape,
                           std::string_view operation) {
  const std::int64_t length = shape[axis];
  if (index < -length || index >= length) {
    throw ShapeError(std::string(operation) + ": index " + std::to_string(index) +
                     " is out of range for axis " + std::to_string(axis) + " with length " +
                     std::to_string(length) + " (shape " + shape_string(shape) + ")");
  }
  return index < 0 ? index + length : index;
}

// Python's slice.indices(length), then the positions it selects.
std::vector<std::int64_t> slice_positions(const Slice& slice, std::int64_t length,
                                          std::string_view operation) {
  if (slice.step == 0) throw ShapeError(std::string(operation) + ": slice step cannot be zero");
  const std::int64_t step = slice.step;
  const auto clamp = [&](std::optional<std::int64_t> bound, std::int64_t fallback) {
    if (!bound) return fallback;
    std::int64_t value = *bound < 0 ? *bound + length : *bound;
    if (step > 0) return std::clamp<std::int64_t>(value, 0, length);
    return std::clamp<std::int64_t>(value, -1, length - 1);
  };
  const std::int64_t start = clamp(slice.start, step > 0 ? 0 : length - 1);
  const std::int64_t stop = clamp(slice.stop, step > 0 ? length : -1);
  std::vector<std::int64_t> positions;
  for (std::int64_t i = start; step > 0 ? i < stop : i > stop; i += step) positions.push_back(i);
  return positions;
}

Selection select(const Shape& shape, const Indices& indices, std::string_view operation) {
  if (indices.size() > shape.size()) {
    throw ShapeError(std::string(operation) + ": " + std::to_string(indices.size()) +
                     " indices for a tensor of shape " + shape_string(shape));
  }
  const tensor_detail::Strides strides = tensor_detail::contiguous_strides(shape);
  // The integer arrays are read together (x[rows, columns] picks x[rows[k], columns[k]]): their
  // lengths broadcast (equal, or 1), and they make one axis, where the first of them stands.
  std::size_t first_array = indices.size();
  std::size_t zipped = 1;
  std::size_t zipped_from = 0;  // the axis whose array set `zipped`
  for (std::size_t axis = 0; axis < indices.size(); ++axis) {
    const auto* array = std::get_if<std::vector<std::int64_t>>(&indices[axis]);
    if (array == nullptr) continue;
    if (first_array == indices.size()) {
      first_array = axis;
      zipped = array->size();
      zipped_from = axis;
    } else if (array->size() != zipped && array->size() != 1) {
      if (zipped != 1) {
        throw ShapeError(std::string(operation) + ": index arrays of lengths " +
                         std::to_string(zipped) + " (axis " + std::to_string(zipped_from) +
                         ") and " + std::to_string(array->size()) + " (axis " +
                         std::to_string(axis) + ") do not broadcast, for shape " +
                         shape_string(shape));
      }
      zipped = array->size();
      zipped_from = axis;
    }
  }
  Selection selection;
  for (std::size_t axis = 0; axis < indices.size(); ++axis) {
    const Index& index = indices[axis];
    if (const auto* integer = std::get_if<std::int64_t>(&index)) {
      selection.base += checked_index(*integer, axis, shape, operation) * strides[axis];
      continue;
    }
    std::vector<std::int64_t> positions;
    if (const auto* slice = std::get_if<Slice>(&index)) {
      positions = slice_positions(*slice, shape[axis], operation);
      for (std::int64_t& position : positions) position *= strides[axis];
    } else if (axis == first_array) {
      positions.assign(zipped, 0);
      for (std::size_t a = axis; a < indices.size(); ++a) {
        const auto* array = std::get_if<std::vector<std::int64_t>>(&indices[a]);
        if (array == nullptr) continue;
        for (std::size_t k = 0; k < zipped; ++k) {
          const std::int64_t entry = (*array)[array->size() == 1 ? 0 : k];
          positions[k] += checked_index(entry, a, shape, operation) * strides[a];
        }
      }
    } else {
      continue;  // a later array: read with the first one
    }
    selection.result_shape.push_back(static_cast<std::int64_t>(positions.size()));
    selection.tables.push_back(std::move(positions));
  }
  for (std::size_t axis = indices.size(); axis < shape.size(); ++axis) {
    selection.result_shape.push_back(shape[axis]);
    selection.block *= shape[axis];
  }
  return selection;
}

// Calls visit(source_offset, result_offset) for each block, in the result's row-major order.
template <class Visit>
void walk(const Selection& selection, Visit&& visit) {
  if (selection.block == 0) return;
  const std::size_t axes = selection.tables.size();
  for (const auto& table : selection.tables) {
    if (table.empty()) return;
  }
  if (axes == 0) {
    visit(selection.base, std::int64_t{0});
    return;
  }
  const std::vector<std::int64_t>& last = selection.tables.back();
  std::vector<std::size_t> counter(axes - 1, 0);
  std::int64_t outer = selection.base;  // offset of the axes before the last indexed one
  for (std::size_t d = 0; d + 1 < axes; ++d) outer += selection.tables[d][0];
  std::int64_t result_offset = 0;
  while (true) {
    for (const std::int64_t offset : last) {
      visit(outer + offset, result_offset);
      result_offset += selection.block;
    }
    std::size_t d = axes - 1;
    while (d > 0) {
      --d;
      const auto& table = selection.tables[d];
      outer -= table[counter[d]];
      if (++counter[d] < table.size()) {
        outer += table[counter[d]];
        break;
      }
      counter[d] = 0;
      outer += table[0];
      if (d == 0) return;
    }
    if (axes == 1) return;
  }
}

}  // namespace

Tensor broadcast_to(const Tensor& x, const Shape& shape) {
  tensor_detail::require_defined(x, "broadcast_to");
  if (x.shape() == shape) return x;
  bool fits = x.shape().size() <= shape.size();
  for (std::size_t d = 0; fits && d < x.shape().size(); ++d) {
    const std::int64_t have = x.shape()[d];
    const std::int64_t want = shape[shape.size() - x.shape().size() + d];
    fits = have == want || have == 1;
  }
  if (!fits) {
    throw ShapeError("broadcast_to: shape " + shape_string(x.shape()) +
                     " cannot be broadcast to shape " + shape_string(shape));
  }
  return strided_copy(x, shape, tensor_detail::broadcast_strides(x.shape(), shape));
}

Tensor permute(const Tensor& x, const Axes& axes) {
  tensor_detail::require_defined(x, "permute");
  const int ndim = x.ndim();
  std::vector<bool> seen(static_cast<std::size_t>(ndim), false);
  const auto fail = [&] {
    throw ShapeError("permute: axes " + tensor_detail::axes_string(axes) +
                     " are not a permutation of the axes of shape " + shape_string(x.shape()));
  };
  if (static_cast<int>(axes.size()) != ndim) fail();
  const tensor_detail::Strides strides = tensor_detail::contiguous_strides(x.shape());
  Shape shape(axes.size());
  tensor_detail::Strides source_strides(axes.size());
  for (std::size_t d = 0; d < axes.size(); ++d) {
    if (axes[d] < -ndim || axes[d] >= ndim) fail();
    const int axis = axes[d] < 0 ? axes[d] + ndim : axes[d];
    if (seen[axis]) fail();
    seen[axis] = true;
    shape[d] = x.shape()[axis];
    source_strides[d] = strides[axis];
  }
  return strided_copy(x, std::move(shape), source_strides);
}

Tensor transpose(const Tensor& x) {
  Axes reversed(static_cast<std::size_t>(x.ndim()));
  for (int d = 0; d < x.ndim(); ++d) reversed[d] = x.ndim() - 1 - d;
  return permute(x, reversed);
}

Tensor expand_dims(const Tensor& x, int axis) {
  tensor_detail::require_defined(x, "expand_dims");
  const int d = tensor_detail::normalize_axis(axis, x.ndim() + 1, "expand_dims", x.shape());
  Shape shape = x.shape();
  shape.insert(shape.begin() + d, 1);
  return TensorAccess::view(x, std::move(shape));
}

Tensor squeeze(const Tensor& x, const Axes& axes) {
  tensor_detail::require_defined(x, "squeeze");
  std::vector<bool> drop(x.shape().size(), false);
  if (axes.empty()) {
    for (std::size_t d = 0; d < drop.size(); ++d) drop[d] = x.shape()[d] == 1;
  } else {
    drop = tensor_detail::reduced_axes(axes, x.shape(), "squeeze");
    for (std::size_t d = 0; d < drop.size(); ++d) {
      if (drop[d] && x.shape()[d] != 1) {
        throw ShapeError("squeeze: axis " + std::to_string(d) + " of shape " +
                         shape_string(x.shape()) + " has length " + std::to_string(x.shape()[d]) +
                         ", not 1");
      }
    }
  }
  Shape shape;
  for (std::size_t d = 0; d < drop.size(); ++d) {
    if (!drop[d]) shape.push_back(x.shape()[d]);
  }
  return TensorAccess::view(x, std::move(shape));
}

Tensor concatenate(const std::vector<Tensor>& xs, int axis) {
  if (xs.empty()) throw ShapeError("concatenate: no tensors to join");
  for (const Tensor& x : xs) tensor_detail::require_defined(x, "concatenate");
  const Shape& first = xs.front().shape();
  if (first.empty()) throw ShapeError("concatenate: 0-d tensors of shape () cannot be joined");
  const int d =
      tensor_detail::normalize_axis(axis, static_cast<int>(first.size()), "concatenate", first);
  Shape shape = first;
  shape[d] = 0;
  DType dtype = xs.front().dtype();
  for (const Tensor& x : xs) {
    bool matches = x.shape().size() == first.size();
    for (std::size_t k = 0; matches && k < first.size(); ++k) {
      matches = static_cast<int>(k) == d || x.shape()[k] == first[k];
    }
    if (!matches) {
      throw ShapeError("concatenate: shapes " + shape_string(first) + " and " +
                       shape_string(x.shape()) + " differ outside axis " + std::to_string(axis));
    }
    shape[d] += x.shape()[d];
    dtype = tensor_detail::promote(dtype, x.dtype());
  }
  std::int64_t outer = 1;
  for (int k = 0; k < d; ++k) outer *= first[k];
  const std::int64_t row = shape_size(shape) / std::max<std::int64_t>(outer, 1);
  Tensor result = TensorAccess::allocate(std::move(shape), dtype);
  dispatch(dtype, [&]<class T>(TypeTag<T>) {
    T* out = TensorAccess::data<T>(result);
    std::int64_t offset = 0;  // where this input's chunk starts within each output row
    for (const Tensor& x : xs) {
      Tensor source_holder;
      const Tensor& source = tensor_detail::in_dtype(x, dtype, source_holder);
      const T* in = TensorAccess::data<T>(source);
      const std::int64_t chunk = outer == 0 ? 0 : x.size() / outer;
      for (std::int64_t o = 0; o < outer; ++o) {
        std::copy_n(in + o * chunk, chunk, out + o * row + offset);
      }
      offset += chunk;
    }
  });
  return result;
}

Tensor stack(const std::vector<Tensor>& xs, int axis) {
  if (xs.empty()) throw ShapeError("stack: no tensors to stack");
  tensor_detail::require_defined(xs.front(), "stack");
  const int d =
      tensor_detail::normalize_axis(axis, xs.front().ndim() + 1, "stack", xs.front().shape());
  std::vector<Tensor> expanded;
  expanded.reserve(xs.size());
  for (const Tensor& x : xs) {
    tensor_detail::require_defined(x, "stack");
    if (x.shape() != xs.front().shape()) {
      throw ShapeError("stack: shapes " + shape_string(xs.front().shape()) + " and " +
                       shape_string(x.shape()) + " differ");
    }
    expanded.push_back(expand_dims(x, d));
  }
  return concatenate(expanded, d);
}

Tensor get_item(const Tensor& x, const Indices& indices) {
  tensor_detail::require_defined(x, "get_item");
  const Selection selection = select(x.shape(), indices, "get_item");
  Tensor result = TensorAccess::allocate(selection.result_shape, x.dtype());
  dispatch(x.dtype(), [&]<class T>(TypeTag<T>) {
    const T* in = TensorAccess::data<T>(x);
    T* out = TensorAccess::data<T>(result);
    const std::int64_t block = selection.block;
    walk(selection, [&](std::int64_t source, std::int64_t target) {
      if (block == 1) {
        out[target] = in[source];
      } else {
        std::copy_n(in + source, block, out + target);
      }
    });
  });
  return result;
}

Tensor scatter_add(const Shape& shape, const Indices& indices, const Tensor& values) {
  tensor_detail::require_defined(values, "scatter_add");
  const Selection selection = select(shape, indices, "scatter_add");
  Tensor addend;
  try {
    addend = broadcast_to(values, selection.result_shape);
  } catch (const ShapeError&) {
    throw ShapeError("scatter_add: values of shape " + shape_string(values.shape()) +
                     " do not fit the selection of shape " + shape_string(selection.result_shape) +
                     " from shape " + shape_string(shape));
  }
  Tensor result = Tensor::zeros(shape, values.dtype());
  dispatch(values.dtype(), [&]<class T>(TypeTag<T>) {
    const T* in = TensorAccess::data<T>(addend);
    T* out = TensorAccess::data<T>(result);
    const std::int64_t block = selection.block;
    walk(selection, [&](std::int64_t target, std::int64_t source) {
      for (std::int64_t i = 0; i < block; ++i) out[target + i] += in[source + i];
    });
  });
  return result;
}

}  // namespace nabla
