// Printing a Tensor the way NumPy's str() prints an array, so that numbers can be compared with
// a NumPy session by eye (NumPy 1.24's defaults: precision 8, line width 75, threshold 1000,
// three edge items).
//
// Numbers: each is its shortest round-trip decimal (std::to_chars, in the tensor's own dtype, so
// float32 0.1 prints as 0.1), cut to 8 digits after the point. One format serves the whole array:
// positional ("1.5", "2.", padded so the points line up) unless the non-zero magnitudes reach
// 1e8, fall below 1e-4 or span more than a factor 1000, in which case every number is printed in
// scientific notation with the same number of mantissa digits ("1.5e-05 1.0e+00"). A 0-d tensor
// prints as NumPy prints a scalar: "0.5", "1.0", "1e-05".
//
// Layout: NumPy's _formatArray, transcribed: rows wrap at 75 characters with a hanging indent,
// axes beyond the last are separated by as many newlines as they are deep, and a tensor of more
// than 1000 numbers shows the first and last three entries of each long axis around "...". The
// format is chosen from the numbers that are shown.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>
#include <ostream>

#include "access.hpp"

namespace nabla {

namespace {

constexpr int precision = 8;
constexpr std::size_t line_width = 75;
constexpr std::int64_t threshold = 1000;
constexpr std::int64_t edge_items = 3;

// The shortest digits that read back as the same float or double.
std::string shortest(double value, bool single, std::chars_format format) {
  char buffer[512];
  const auto result =
      single ? std::to_chars(buffer, buffer + sizeof buffer, static_cast<float>(value), format)
             : std::to_chars(buffer, buffer + sizeof buffer, value, format);
  return std::string(buffer, result.ptr);
}

std::string fixed_digits(double value) {
  char buffer[512];
  const int length = std::snprintf(buffer, sizeof buffer, "%.*f", precision, value);
  return std::string(buffer, static_cast<std::size_t>(std::max(length, 0)));
}

void trim_zeros(std::string& digits) {
  while (!digits.empty() && digits.back() == '0') digits.pop_back();
}

// Integer part (with sign) and fraction digits of a positional number, at most 8 of them.
struct Positional {
  std::string integer;
  std::string fraction;
};

Positional positional(double value, bool single) {
  std::string text = shortest(value, single, std::chars_format::fixed);
  std::size_t point = text.find('.');
  if (point != std::string::npos && text.size() - point - 1 > precision) {
    text = fixed_digits(value);
    point = text.find('.');
  }
  if (point == std::string::npos) return {text, ""};
  Positional parts{text.substr(0, point), text.substr(point + 1)};
  trim_zeros(parts.fraction);
  return parts;
}

// Mantissa integer part (with sign), mantissa fraction, exponent sign and exponent digits.
struct Scientific {
  std::string integer;
  std::string fraction;
  char exponent_sign = '+';
  std::string exponent;
};

Scientific split_scientific(const std::string& text) {
  const std::size_t e = text.find('e');
  const std::size_t point = text.find('.');
  Scientific parts;
  parts.integer = text.substr(0, point == std::string::npos ? e : point);
  if (point != std::string::npos) parts.fraction = text.substr(point + 1, e - point - 1);
  parts.exponent_sign = text[e + 1];
  parts.exponent = text.substr(e + 2);
  while (parts.exponent.size() > 1 && parts.exponent.front() == '0') parts.exponent.erase(0, 1);
  return parts;
}

// `digits` mantissa fraction digits of the exact value, correctly rounded.
Scientific scientific_digits(double value, int digits) {
  char buffer[512];
  const int length = std::snprintf(buffer, sizeof buffer, "%.*e", digits, value);
  return split_scientific(std::string(buffer, static_cast<std::size_t>(std::max(length, 0))));
}

// The shortest scientific digits, at most 8 after the point.
Scientific scientific(double value, bool single) {
  Scientific parts = split_scientific(shortest(value, single, std::chars_format::scientific));
  if (parts.fraction.size() > precision) parts = scientific_digits(value, precision);
  trim_zeros(parts.fraction);
  return parts;
}

// NumPy's FloatingFormat: one layout for every number of the array.
class FloatFormat {
 public:
  FloatFormat(const std::vector<double>& shown, bool single) : single_(single) {
    double largest = 0;
    double smallest = INFINITY;
    bool any_finite = false;
    bool negative_infinity = false;
    bool any_non_finite = false;
    for (const double v : shown) {
      if (!std::isfinite(v)) {
        any_non_finite = true;
        negative_infinity = negative_infinity || v < 0;
        continue;
      }
      any_finite = true;
      if (v == 0) continue;
      largest = std::max(largest, std::abs(v));
      smallest = std::min(smallest, std::abs(v));
    }
    if (largest > 0) {
      exponential_ = largest >= 1e8 || smallest < 1e-4 || largest / smallest > 1e3;
    }
    if (any_finite) measure(shown);
    if (any_non_finite) {
      const int offset = pad_right_ + 1;
      pad_left_ = std::max({pad_left_, 3 - offset, 3 + (negative_infinity ? 1 : 0) - offset});
    }
  }

  std::string operator()(double v) const {
    if (!std::isfinite(v)) {
      const std::string word = std::isnan(v) ? "nan" : v < 0 ? "-inf" : "inf";
      return pad(word, pad_left_ + pad_right_ + 1);
    }
    if (exponential_) {
      Scientific parts = scientific(v, single_);
      if (static_cast<int>(parts.fraction.size()) < digits_) {
        // NumPy pads with the value's further digits, not with zeros.
        parts = scientific_digits(v, digits_);
      }
      parts.exponent.insert(0, static_cast<std::size_t>(exponent_size_) - parts.exponent.size(),
                            '0');
      return pad(parts.integer, pad_left_) + "." + parts.fraction + "e" + parts.exponent_sign +
             parts.exponent;
    }
    Positional parts = positional(v, single_);
    parts.fraction.resize(static_cast<std::size_t>(pad_right_), ' ');
    return pad(parts.integer, pad_left_) + "." + parts.fraction;
  }

 private:
  static std::string pad(const std::string& text, int width) {
    const auto missing =
        static_cast<std::size_t>(std::max(0, width - static_cast<int>(text.size())));
    return std::string(missing, ' ') + text;
  }

  void measure(const std::vector<double>& shown) {
    for (const double v : shown) {
      if (!std::isfinite(v)) continue;
      if (exponential_) {
        const Scientific parts = scientific(v, single_);
        pad_left_ = std::max(pad_left_, static_cast<int>(parts.integer.size()));
        digits_ = std::max(digits_, static_cast<int>(parts.fraction.size()));
        exponent_size_ = std::max({exponent_size_, 2, static_cast<int>(parts.exponent.size())});
      } else {
        const Positional parts = positional(v, single_);
        pad_left_ = std::max(pad_left_, static_cast<int>(parts.integer.size()));
        pad_right_ = std::max(pad_right_, static_cast<int>(parts.fraction.size()));
      }
    }
    if (exponential_) pad_right_ = exponent_size_ + 2 + digits_;
  }

  bool single_;
  bool exponential_ = false;
  int pad_left_ = 0;
  int pad_right_ = 0;
  int digits_ = 0;         // mantissa fraction digits, in scientific notation
  int exponent_size_ = 0;  // exponent digits, in scientific notation
};

// NumPy's str() of a scalar: positional with at least one fraction digit between 1e-4 and 1e16,
// scientific outside, shortest digits either way.
std::string scalar_string(double v, bool single) {
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v < 0 ? "-inf" : "inf";
  const double magnitude = std::abs(v);
  if (v != 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
    Scientific parts = scientific(v, single);
    if (parts.exponent.size() < 2) parts.exponent.insert(parts.exponent.begin(), '0');
    return parts.integer + (parts.fraction.empty() ? "" : "." + parts.fraction) + "e" +
           parts.exponent_sign + parts.exponent;
  }
  std::string text = shortest(v, single, std::chars_format::fixed);
  if (text.find('.') == std::string::npos) text += ".0";
  return text;
}

class Printer {
 public:
  Printer(const Tensor& x, std::vector<double> values)
      : shape_(x.shape()),
        strides_(tensor_detail::contiguous_strides(x.shape())),
        summarize_(x.size() > threshold),
        values_(std::move(values)),
        format_(shown_values(), x.dtype() == DType::float32) {}

  std::string print() { return recurse(0, 0, " ", line_width); }

 private:
  // The indices along `axis` that are printed; -1 stands for the "..." between them.
  std::vector<std::int64_t> shown_indices(std::size_t axis) const {
    const std::int64_t length = shape_[axis];
    std::vector<std::int64_t> indices;
    if (summarize_ && 2 * edge_items < length) {
      for (std::int64_t i = 0; i < edge_items; ++i) indices.push_back(i);
      indices.push_back(-1);
      for (std::int64_t i = length - edge_items; i < length; ++i) indices.push_back(i);
    } else {
      for (std::int64_t i = 0; i < length; ++i) indices.push_back(i);
    }
    return indices;
  }

  std::vector<double> shown_values() const {
    std::vector<double> shown;
    collect(0, 0, shown);
    return shown;
  }

  void collect(std::size_t axis, std::int64_t offset, std::vector<double>& shown) const {
    if (axis == shape_.size()) {
      shown.push_back(values_[static_cast<std::size_t>(offset)]);
      return;
    }
    for (const std::int64_t i : shown_indices(axis)) {
      if (i >= 0) collect(axis + 1, offset + i * strides_[axis], shown);
    }
  }

  // NumPy's _extendLine: wrap before `word` if it would pass the width, unless that would not
  // help (the line holds only its indent).
  static void extend(std::string& text, std::string& line, const std::string& word,
                     std::size_t width, const std::string& indent) {
    if (line.size() + word.size() > width && line.size() > indent.size()) {
      while (!line.empty() && line.back() == ' ') line.pop_back();
      text += line + "\n";
      line = indent;
    }
    line += word;
  }

  std::string recurse(std::size_t axis, std::int64_t offset, const std::string& indent,
                      std::size_t width) const {
    if (axis == shape_.size()) return format_(values_[static_cast<std::size_t>(offset)]);
    const std::string next_indent = indent + " ";
    const std::size_t axes_left = shape_.size() - axis;
    const std::vector<std::int64_t> indices = shown_indices(axis);
    std::string text;
    if (axes_left == 1) {
      const std::size_t element_width = width - 1;  // room for the closing "]"
      std::string line = indent;
      for (std::size_t i = 0; i < indices.size(); ++i) {
        const std::string word =
            indices[i] < 0
                ? "..."
                : recurse(axis + 1, offset + indices[i] * strides_[axis], next_indent, width - 1);
        extend(text, line, word, element_width, indent);
        if (i + 1 < indices.size()) line += " ";
      }
      text += line;
    } else {
      const std::string separator(axes_left - 1, '\n');
      for (std::size_t i = 0; i < indices.size(); ++i) {
        text += indent;
        text += indices[i] < 0 ? "..."
                               : recurse(axis + 1, offset + indices[i] * strides_[axis],
                                         next_indent, width - 1);
        if (i + 1 < indices.size()) text += separator;
      }
    }
    std::string bracketed(1, '[');
    bracketed.append(text, indent.size());
    bracketed += ']';
    return bracketed;
  }

  Shape shape_;
  tensor_detail::Strides strides_;
  bool summarize_;
  std::vector<double> values_;
  FloatFormat format_;
};

}  // namespace

std::string to_string(const Tensor& t) {
  if (!t.defined()) return "undefined";
  const bool single = t.dtype() == DType::float32;
  if (t.ndim() == 0) return scalar_string(t.item(), single);
  if (t.size() == 0) return "[]";
  return Printer(t, t.to_vector()).print();
}

std::ostream& operator<<(std::ostream& out, const Tensor& t) { return out << to_string(t); }

}  // namespace nabla
