// Hessian sparsity: which entries of ∇²f(x) can be non-zero, found by running f once on tracers.
//
// A SparsityTracer is a scalar that keeps its value (so that f takes the same branches as on
// doubles) and records, for every operation, only which variables it combined and how:
//
//     linear     a ± b, c·a, a / c, −a, |a|           no second derivative of its own
//     unary      sin(a), a², c / a, pow(a, c), ...    ∂²/∂a² ≠ 0
//     product    a · b                                only ∂²/∂a∂b ≠ 0
//     quotient   a / b                                ∂²/∂a∂b and ∂²/∂b² ≠ 0
//     general    pow(a, b), atan2, hypot              every second partial
//
// Functions with a zero derivative (floor, ceil, round, trunc) give a constant. Constants are
// never recorded. Then, for each operation that the output depends on, the pairs of inputs its
// operands depend on interact as the list says (Walther's nonlinear interaction domains):
// H_ij can be non-zero only for such a pair. The result is exact for the path f took at x: an
// entry outside the pattern is zero there, and one inside is non-zero unless values cancel.
//
// Dependency sets are computed only for the operands of nonlinear operations, and shared where
// they do not grow, so that a chain of 10^6 operations or a long sum costs linear time. Pairs are
// generated per operation, so a function with a dense Hessian costs as much as its pattern; the
// Hessian driver gives up on the pattern (and computes densely) once it is half full.
//
// Columns of H whose patterns share no row can be computed together: greedy distance-2 colouring
// groups them, and forward over reverse then needs one Hessian-vector product per colour rather
// than per input. For the extended Rosenbrock function, tridiagonal, that is 3 whatever n is.
#pragma once

#include <cmath>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <ostream>
#include <vector>

#include "nabla/core/rules.hpp"
#include "nabla/core/scalar.hpp"
#include "nabla/reverse/tape.hpp"

namespace nabla {

namespace reverse {

// How an operation's result depends on its operands, to second order.
enum class Interaction : std::uint8_t { input, linear, unary, product, quotient, general };

// The record of one tracing: per statement, its interaction and operands (at most two).
class PatternTape {
 public:
  static constexpr Index kConstant = 0xFFFFFFFFu;

  Index record(Interaction kind, Index a, Index b = kConstant) {
    const auto index = static_cast<Index>(kinds_.size());
    kinds_.push_back(kind);
    operands_.push_back(a);
    operands_.push_back(b);
    return index;
  }
  std::size_t size() const { return kinds_.size(); }
  Interaction kind(Index s) const { return kinds_[s]; }
  // Operand k (0 or 1) of statement s; kConstant where there is none.
  Index operand(Index s, int k) const { return operands_[2 * std::size_t(s) + std::size_t(k)]; }

 private:
  std::vector<Interaction> kinds_;
  std::vector<Index> operands_;
};

namespace detail {
inline thread_local PatternTape* active_pattern_tape = nullptr;
}

// The tape tracers of this thread record on, for a scope.
class PatternRecording {
 public:
  PatternRecording() : previous_(detail::active_pattern_tape) {
    detail::active_pattern_tape = &tape_;
  }
  PatternRecording(const PatternRecording&) = delete;
  PatternRecording& operator=(const PatternRecording&) = delete;
  ~PatternRecording() { detail::active_pattern_tape = previous_; }
  PatternTape& tape() { return tape_; }

 private:
  PatternTape* previous_;
  PatternTape tape_;
};

// A symmetric n × n sparsity pattern in compressed rows: the columns of row i are
// columns[row_start[i] .. row_start[i + 1]), ascending. Both triangles are stored.
struct SparsityPattern {
  std::size_t n = 0;
  std::vector<std::size_t> row_start{0};
  std::vector<Index> columns;

  std::size_t nonzeros() const { return columns.size(); }
  bool contains(std::size_t i, std::size_t j) const;
  friend bool operator==(const SparsityPattern&, const SparsityPattern&) = default;
};

// The Hessian pattern of the statement `output` of a tape whose statements 0..n-1 are the
// inputs. With `max_pairs`, gives up (nullopt) once more than that many distinct pairs
// (i <= j) interact; repeats of a pair count once, so a long sparse function is not refused.
std::optional<SparsityPattern> hessian_pattern(const PatternTape& tape, std::size_t n, Index output,
                                               std::optional<std::size_t> max_pairs = {});

// A greedy distance-2 colouring of the pattern's columns: columns that share a non-zero row get
// different colours, so H_ij = (H S)_{i, colour[j]} where S sums each colour's unit vectors.
struct Colouring {
  std::vector<Index> colour;  // per column
  Index count = 0;
};
Colouring colour_columns(const SparsityPattern& pattern);

}  // namespace reverse

// The scalar of sparsity detection: a value and the statement that made it.
class SparsityTracer {
 public:
  using Interaction = reverse::Interaction;
  static constexpr reverse::Index kConstant = reverse::PatternTape::kConstant;

  SparsityTracer() : SparsityTracer(0.0) {}
  template <Arithmetic U>
  SparsityTracer(U value) : value_(static_cast<double>(value)) {}

  // Input number `index` of the active pattern tape, recorded by the driver in order.
  static SparsityTracer input(double value) {
    return SparsityTracer(value, tape().record(Interaction::input, kConstant));
  }

  double value() const { return value_; }
  reverse::Index index() const { return index_; }
  bool is_constant() const { return index_ == kConstant; }

  // The result of an operation of `kind` on a (and b): constant operands drop out, and an
  // operation with a single varying operand reduces as its kind says.
  static SparsityTracer combine(double value, Interaction kind, const SparsityTracer& a,
                                const SparsityTracer& b = SparsityTracer()) {
    if (a.is_constant() && b.is_constant()) return SparsityTracer(value);
    if (a.is_constant() || b.is_constant()) {
      const SparsityTracer& varying = a.is_constant() ? b : a;
      // c·b and a·c are linear; a / c is linear but c / b is not.
      if (kind == Interaction::product) kind = Interaction::linear;
      if (kind == Interaction::quotient)
        kind = b.is_constant() ? Interaction::linear : Interaction::unary;
      if (kind == Interaction::general) kind = Interaction::unary;
      return SparsityTracer(value, tape().record(kind, varying.index_));
    }
    return SparsityTracer(value, tape().record(kind, a.index_, b.index_));
  }

  SparsityTracer operator+() const { return *this; }
  SparsityTracer operator-() const { return combine(-value_, Interaction::linear, *this); }

#define NABLA_TRACER_BINARY(op, kind)                                                   \
  friend SparsityTracer operator op(const SparsityTracer& a, const SparsityTracer& b) { \
    return combine(a.value_ op b.value_, Interaction::kind, a, b);                      \
  }                                                                                     \
  template <Arithmetic U>                                                               \
  friend SparsityTracer operator op(const SparsityTracer& a, U b) {                     \
    return a op SparsityTracer(b);                                                      \
  }                                                                                     \
  template <Arithmetic U>                                                               \
  friend SparsityTracer operator op(U a, const SparsityTracer& b) {                     \
    return SparsityTracer(a) op b;                                                      \
  }                                                                                     \
  template <class B>                                                                    \
  SparsityTracer& operator op##=(const B& b) {                                          \
    return *this = *this op b;                                                          \
  }
  NABLA_TRACER_BINARY(+, linear)
  NABLA_TRACER_BINARY(-, linear)
  NABLA_TRACER_BINARY(*, product)
  NABLA_TRACER_BINARY(/, quotient)
#undef NABLA_TRACER_BINARY

  friend bool operator==(const SparsityTracer& a, const SparsityTracer& b) {
    return a.value_ == b.value_;
  }
  friend auto operator<=>(const SparsityTracer& a, const SparsityTracer& b) {
    return a.value_ <=> b.value_;
  }
  template <Arithmetic U>
  friend bool operator==(const SparsityTracer& a, U b) {
    return a.value_ == static_cast<double>(b);
  }
  template <Arithmetic U>
  friend auto operator<=>(const SparsityTracer& a, U b) {
    return a.value_ <=> static_cast<double>(b);
  }

 private:
  SparsityTracer(double value, reverse::Index index) : value_(value), index_(index) {}

  static reverse::PatternTape& tape() {
    reverse::PatternTape* tape = reverse::detail::active_pattern_tape;
    if (!tape) [[unlikely]] {
      throw RecordingError(
          "nabla: a sparsity tracer was used outside the pattern recording that created it");
    }
    return *tape;
  }

  double value_;
  reverse::Index index_ = kConstant;
};

template <>
struct passive_type<SparsityTracer> {
  using type = double;
};
inline double passive_value(const SparsityTracer& x) { return x.value(); }

namespace reverse::detail {
// The second-order character of a unary rule: its own second derivative vanishes for |x|, and
// its first for the rounding functions, whose results are constants.
template <class Rule>
inline constexpr Interaction unary_interaction = Interaction::unary;
template <>
inline constexpr Interaction unary_interaction<rules::Abs> = Interaction::linear;
template <>
inline constexpr Interaction unary_interaction<rules::Floor> = Interaction::input;
template <>
inline constexpr Interaction unary_interaction<rules::Ceil> = Interaction::input;
template <>
inline constexpr Interaction unary_interaction<rules::Round> = Interaction::input;
template <>
inline constexpr Interaction unary_interaction<rules::Trunc> = Interaction::input;

template <class Rule>
SparsityTracer trace_unary(const Rule& rule, const SparsityTracer& x) {
  const double y = rule.value(x.value());
  constexpr Interaction kind = unary_interaction<Rule>;
  if constexpr (kind == Interaction::input) {
    return SparsityTracer(y);  // a zero derivative: nothing depends on x
  } else {
    return SparsityTracer::combine(y, kind, x);
  }
}
}  // namespace reverse::detail

#define NABLA_TRACER_UNARY(function, Rule)                  \
  inline SparsityTracer function(const SparsityTracer& x) { \
    return reverse::detail::trace_unary(rules::Rule{}, x);  \
  }
NABLA_UNARY_RULES(NABLA_TRACER_UNARY)
#undef NABLA_TRACER_UNARY

// f(a, c) and f(c, a) with c a plain number: f(a, SparsityTracer(c)), c a constant.
#define NABLA_TRACER_MIXED(function)                      \
  template <Arithmetic U>                                 \
  SparsityTracer function(const SparsityTracer& a, U b) { \
    return function(a, SparsityTracer(b));                \
  }                                                       \
  template <Arithmetic U>                                 \
  SparsityTracer function(U a, const SparsityTracer& b) { \
    return function(SparsityTracer(a), b);                \
  }

#define NABLA_TRACER_BINARY_FUNCTION(function, Rule)                                 \
  inline SparsityTracer function(const SparsityTracer& a, const SparsityTracer& b) { \
    return SparsityTracer::combine(rules::Rule::value(a.value(), b.value()),         \
                                   reverse::Interaction::general, a, b);             \
  }                                                                                  \
  NABLA_TRACER_MIXED(function)
NABLA_BINARY_RULES(NABLA_TRACER_BINARY_FUNCTION)
#undef NABLA_TRACER_BINARY_FUNCTION

inline SparsityTracer polygamma(int n, const SparsityTracer& x) {
  return reverse::detail::trace_unary(rules::Polygamma{n}, x);
}

// min and max choose one argument (ties: the first); fmin and fmax skip a nan argument.
inline const SparsityTracer& min(const SparsityTracer& a, const SparsityTracer& b) {
  return (b < a) ? b : a;
}
inline const SparsityTracer& max(const SparsityTracer& a, const SparsityTracer& b) {
  return (a < b) ? b : a;
}
inline SparsityTracer fmin(const SparsityTracer& a, const SparsityTracer& b) {
  if (std::isnan(a.value())) return b;
  if (std::isnan(b.value())) return a;
  return min(a, b);
}
inline SparsityTracer fmax(const SparsityTracer& a, const SparsityTracer& b) {
  if (std::isnan(a.value())) return b;
  if (std::isnan(b.value())) return a;
  return max(a, b);
}
NABLA_TRACER_MIXED(min)
NABLA_TRACER_MIXED(max)
NABLA_TRACER_MIXED(fmin)
NABLA_TRACER_MIXED(fmax)
#undef NABLA_TRACER_MIXED

inline bool isfinite(const SparsityTracer& x) { return std::isfinite(x.value()); }
inline bool isnan(const SparsityTracer& x) { return std::isnan(x.value()); }
inline bool isinf(const SparsityTracer& x) { return std::isinf(x.value()); }

// Real-number helpers Eigen's algorithms call on a scalar type.
inline const SparsityTracer& real(const SparsityTracer& x) { return x; }
inline SparsityTracer imag(const SparsityTracer&) { return SparsityTracer(0.0); }
inline const SparsityTracer& conj(const SparsityTracer& x) { return x; }
inline SparsityTracer abs2(const SparsityTracer& x) { return x * x; }

inline std::ostream& operator<<(std::ostream& os, const SparsityTracer& x) {
  return os << x.value();
}

}  // namespace nabla
