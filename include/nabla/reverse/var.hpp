// BasicVar<T>: the active number of reverse mode. Var is BasicVar<double>.
//
//     Var a = 3;
//     Var b = a * 4;
//     Var c = b + 3;
//     c.backward();          // one sweep: every partial of c
//     a.grad();              // 4
//     b.grad();              // 1
//
// A BasicVar is a value, its index on the thread's active tape (nabla/reverse/tape.hpp) and the
// tape's generation: 16 bytes for T = double, copied freely. Each operation computes its value
// and, from nabla/core/rules.hpp, its partial derivatives, and records them as one statement,
// or folds them into its operands' statements when those are temporaries (see "recording"
// below): in `s = s + exp(x)`, exp(x) joins s's statement, and the sum takes no new one.
// BasicVar<Dual<double>> runs forward over reverse: its gradients carry directional second
// derivatives (Hessian-vector products).
//
// Comparisons and IEEE classification look at the value, as for Dual.
#pragma once

#include <cmath>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <iterator>
#include <ostream>
#include <type_traits>
#include <utility>
#include <vector>

#include "nabla/core/rules.hpp"
#include "nabla/core/scalar.hpp"
#include "nabla/reverse/tape.hpp"

namespace nabla {

template <class T>
class BasicVar;

using Var = BasicVar<double>;
using Recording = reverse::BasicRecording<double>;

template <class T>
struct is_var : std::false_type {};
template <class T>
struct is_var<BasicVar<T>> : std::true_type {};
template <class T>
inline constexpr bool is_var_v = is_var<T>::value;

template <class T>
struct passive_type<BasicVar<T>> {
  using type = passive_type_t<T>;
};

// What may meet a BasicVar<T> without being one: a built-in number or a T.
template <class U, class T>
concept VarOperand = Arithmetic<U> || std::same_as<U, T>;

// A BasicVar<T> argument, however it is passed (A is deduced from a forwarding reference).
template <class A, class T>
concept VarArgument = std::same_as<std::remove_cvref_t<A>, BasicVar<T>>;

template <class T>
class BasicVar {
 public:
  using value_type = T;
  using Tape = reverse::Tape<T>;

  // A new variable (an input, or a constant) on the active tape: one statement, no operands.
  BasicVar() : BasicVar(T(0)) {}
  template <VarOperand<T> U>
  NABLA_HOT BasicVar(const U& value) : value_(static_cast<T>(value)) {
    Tape& tape = reverse::active_tape<T>();
    index_ = tape.record_input();
    tag_ = tag(tape, kSole);
  }
  template <VarOperand<T> U>
  BasicVar& operator=(const U& value) {
    return *this = BasicVar(value);
  }

  // Copies share the variable; only a variable nobody shares is "sole" (see below), so a copy
  // clears the mark on both sides, and a move hands it over, leaving the source unusable.
  NABLA_HOT BasicVar(const BasicVar& other) noexcept
      : value_(other.value_), index_(other.index_), tag_(other.tag_ & ~kSole) {
    other.share();
  }
  NABLA_HOT BasicVar(BasicVar&& other) noexcept
      : value_(other.value_), index_(other.index_), tag_(other.tag_) {
    other.release();
  }
  NABLA_HOT BasicVar& operator=(const BasicVar& other) noexcept {
    value_ = other.value_;
    index_ = other.index_;
    tag_ = other.tag_ & ~kSole;
    other.share();
    return *this;
  }
  NABLA_HOT BasicVar& operator=(BasicVar&& other) noexcept {
    if (this != &other) {
      value_ = other.value_;
      index_ = other.index_;
      tag_ = other.tag_;
      other.release();
    }
    return *this;
  }
  ~BasicVar() = default;

  // New inputs with the values of x (any indexable vector), recorded in one step: their
  // indices are consecutive, from the returned vector's front().index().
  template <class X>
  static std::vector<BasicVar> inputs(const X& x) {
    const auto n = static_cast<std::size_t>(x.size());
    Tape& tape = reverse::active_tape<T>();
    const reverse::Index first = tape.record_inputs(n);
    // Built from an iterator of known length: one allocation and a plain loop. (A loop of
    // push_back cost about a nanosecond per input, as much as the primal of a product.)
    const InputIterator<X> begin{&x, 0, first, tag(tape, 0)};
    return std::vector<BasicVar>(begin, begin + static_cast<std::ptrdiff_t>(n));
  }

  const T& value() const { return value_; }
  reverse::Index index() const { return index_; }
  std::uint32_t generation() const { return tag_ >> reverse::kGenerationShift; }

  // Runs the backward sweep from this variable: afterwards v.grad() is ∂this/∂v for every v
  // recorded before it. Each call starts from zero adjoints.
  void backward() const {
    Tape& tape = reverse::operation_tape<T>();
    tape.check(tag_);
    tape.backward(index_);
  }
  // ∂y/∂this from the last backward() (of y); 0 if this was recorded after y.
  T grad() const {
    const Tape& tape = reverse::operation_tape<T>();
    tape.check(tag_);
    return tape.adjoint(index_);
  }

  // --- recording ---------------------------------------------------------------------------------
  //
  // Each operation is one statement, except where its operands are temporaries at the end of
  // the tape:
  //   - an operation on a temporary whose statement is the last is folded into that statement
  //     (Tape::scale_last_single, append_to_last): `sin(x) * 3 + 1 - y` is one statement with
  //     partials for x and y, and `s += x` in a loop extends one statement;
  //   - an operation on two temporaries whose statements are the last two merges them into the
  //     first (Tape::merge_last_two): in `s += exp(x)` in a loop, each exp(x) joins s's
  //     statement, so log-sum-exp records one statement of n partials.
  // A temporary is a "sole" variable passed as an rvalue: made by an operation (or a
  // constructor) and neither copied nor shared since, so no other variable refers to its
  // statement. Folding that must rescale the statement's partials is done only for statements
  // of a single partial, which the variable's kSingle flag marks, so a long product never
  // rescales a long list and deciding to fold reads nothing from the tape but its length.

  // y = f(a) with ∂y/∂a = d; kUnit: d is 1, so folding need not rescale.
  template <bool kUnit = false, VarArgument<T> A>
  NABLA_HOT static BasicVar unary(A&& a, const T& value, const T& d) {
    Tape& tape = reverse::operation_tape<T>();
    tape.check(a.tag_);
    return unary_on<kUnit>(tape, std::forward<A>(a), value, d);
  }
  // The same on `tape`, a's generation checked.
  template <bool kUnit, VarArgument<T> A>
  NABLA_HOT static BasicVar unary_on(Tape& tape, A&& a, const T& value, const T& d) {
    if constexpr (is_temporary<A>()) {
      if (a.template foldable<kUnit>(tape)) {
        if constexpr (!kUnit) tape.scale_last_single(d);
        return a.become(value, a.tag_);  // as many partials as before
      }
    }
    return BasicVar(value, tape.record(a.index_, d), (a.tag_ & ~kFlags) | kSole | kSingle);
  }

  // y = f(a, b) with partials da, db; kUnitA, kUnitB: that partial is 1.
  template <bool kUnitA, bool kUnitB, VarArgument<T> A, VarArgument<T> B>
  NABLA_HOT static BasicVar binary(A&& a, B&& b, const T& value, const T& da, const T& db) {
    Tape& tape = reverse::operation_tape<T>();
    tape.check(a.tag_, b.tag_);
    if (a.index_ == b.index_) {  // f(x, x): one partial
      return unary_on<false>(tape, std::forward<A>(a), value, da + db);
    }
    if constexpr (is_temporary<A>() && is_temporary<B>()) {
      // Two temporaries made one after the other, in either order: y takes the first one's
      // statement, and the second one's is gone. `100 * a * a + b * b` is one statement.
      if (merge<kUnitA, kUnitB>(a, b, tape, da, db)) return a.become(value, a.tag_ & ~kSingle);
      if (merge<kUnitB, kUnitA>(b, a, tape, db, da)) return b.become(value, b.tag_ & ~kSingle);
    }
    if (const std::uint32_t flags = fold<kUnitB, B>(b, tape, db, a.index_, da)) {
      return b.become(value, (b.tag_ & ~kFlags) | flags);
    }
    if (const std::uint32_t flags = fold<kUnitA, A>(a, tape, da, b.index_, db)) {
      return a.become(value, (a.tag_ & ~kFlags) | flags);
    }
    return BasicVar(value, tape.record(a.index_, da, b.index_, db), (a.tag_ & ~kFlags) | kSole);
  }

  // Folds y = f(t, other) into t's statement, when t is a sole temporary at the end of the
  // tape: t's partials times dt, and dother for `other`. Returns the flags of y (kSingle when
  // `other` was t's one operand already, as in x * c * x, so its partials were added), or 0 if
  // it cannot fold.
  template <bool kUnit, class A>
  NABLA_HOT static std::uint32_t fold(const BasicVar& t, Tape& tape, const T& dt,
                                      reverse::Index other, const T& dother) {
    if constexpr (!is_temporary<A>()) {
      return 0;
    } else {
      if (!t.template foldable<kUnit>(tape)) return 0;
      if constexpr (!kUnit) {
        if (tape.last_operand() == other) {
          tape.scale_last_single(dt);
          tape.add_to_last_single(dother);
          return kSole | kSingle;
        }
      }
      tape.reserve_operand();
      if constexpr (!kUnit) tape.scale_last_single(dt);
      tape.append_to_last(other, dother);
      return kSole;
    }
  }

  // Merges y = f(u, v) into u's statement when u's statement is second to last and v's is
  // last, both sole temporaries, and v's statement is single (so that the tape can check at one
  // glance that it does not refer to u). v is used up with u.
  template <bool kUnitU, bool kUnitV>
  NABLA_HOT static bool merge(const BasicVar& u, const BasicVar& v, Tape& tape, const T& du,
                              const T& dv) {
    constexpr std::uint32_t u_needs = kUnitU ? kSole : (kSole | kSingle);
    constexpr std::uint32_t v_needs = kSole | kSingle;
    if (u.index_ + 1 != v.index_ || !tape.is_last(v.index_)) return false;
    if ((u.tag_ & u_needs) != u_needs || (v.tag_ & v_needs) != v_needs) return false;
    if (!tape.template merge_last_two<!kUnitU, !kUnitV>(du, dv)) return false;
    v.tag_ = 0;
    return true;
  }

  // --- arithmetic -----------------------------------------------------------------------------

  BasicVar operator+() const { return *this; }
  template <VarArgument<T> A>
  NABLA_HOT_FRIEND BasicVar operator-(A&& a) {
    const T value = -a.value_;
    return unary(std::forward<A>(a), value, T(-1));
  }

  template <VarArgument<T> A, VarArgument<T> B>
  NABLA_HOT_FRIEND BasicVar operator+(A&& a, B&& b) {
    const T value = a.value_ + b.value_;
    return binary<true, true>(std::forward<A>(a), std::forward<B>(b), value, T(1), T(1));
  }
  template <VarArgument<T> A, VarArgument<T> B>
  NABLA_HOT_FRIEND BasicVar operator-(A&& a, B&& b) {
    const T value = a.value_ - b.value_;
    return binary<true, false>(std::forward<A>(a), std::forward<B>(b), value, T(1), T(-1));
  }
  template <VarArgument<T> A, VarArgument<T> B>
  NABLA_HOT_FRIEND BasicVar operator*(A&& a, B&& b) {
    const T value = a.value_ * b.value_, da = b.value_, db = a.value_;
    return binary<false, false>(std::forward<A>(a), std::forward<B>(b), value, da, db);
  }
  // a / b: ∂/∂a = 1/b, ∂/∂b = -(a/b)/b
  template <VarArgument<T> A, VarArgument<T> B>
  NABLA_HOT_FRIEND BasicVar operator/(A&& a, B&& b) {
    const T inverse = T(1) / b.value_;
    const T quotient = a.value_ * inverse;
    return binary<false, false>(std::forward<A>(a), std::forward<B>(b), quotient, inverse,
                                -quotient * inverse);
  }
  template <VarArgument<T> A, VarOperand<T> U>
  NABLA_HOT_FRIEND BasicVar operator+(A&& a, const U& b) {
    const T value = a.value_ + static_cast<T>(b);
    return unary<true>(std::forward<A>(a), value, T(1));
  }
  template <VarOperand<T> U, VarArgument<T> B>
  NABLA_HOT_FRIEND BasicVar operator+(const U& a, B&& b) {
    const T value = static_cast<T>(a) + b.value_;
    return unary<true>(std::forward<B>(b), value, T(1));
  }
  template <VarArgument<T> A, VarOperand<T> U>
  NABLA_HOT_FRIEND BasicVar operator-(A&& a, const U& b) {
    const T value = a.value_ - static_cast<T>(b);
    return unary<true>(std::forward<A>(a), value, T(1));
  }
  template <VarOperand<T> U, VarArgument<T> B>
  NABLA_HOT_FRIEND BasicVar operator-(const U& a, B&& b) {
    const T value = static_cast<T>(a) - b.value_;
    return unary(std::forward<B>(b), value, T(-1));
  }
  template <VarArgument<T> A, VarOperand<T> U>
  NABLA_HOT_FRIEND BasicVar operator*(A&& a, const U& b) {
    const T s = static_cast<T>(b);
    const T value = a.value_ * s;
    return unary(std::forward<A>(a), value, s);
  }
  template <VarOperand<T> U, VarArgument<T> B>
  NABLA_HOT_FRIEND BasicVar operator*(const U& a, B&& b) {
    const T s = static_cast<T>(a);
    const T value = s * b.value_;
    return unary(std::forward<B>(b), value, s);
  }
  template <VarArgument<T> A, VarOperand<T> U>
  NABLA_HOT_FRIEND BasicVar operator/(A&& a, const U& b) {
    const T inverse = T(1) / static_cast<T>(b);
    const T value = a.value_ * inverse;
    return unary(std::forward<A>(a), value, inverse);
  }
  // c / b: ∂/∂b = -(c/b)/b
  template <VarOperand<T> U, VarArgument<T> B>
  NABLA_HOT_FRIEND BasicVar operator/(const U& a, B&& b) {
    const T inverse = T(1) / b.value_;
    const T quotient = static_cast<T>(a) * inverse;
    return unary(std::forward<B>(b), quotient, -quotient * inverse);
  }

  // x op= b is x = x op b with x's old value used up, so it may be folded into.
  template <class B>
  NABLA_HOT BasicVar& operator+=(B&& b) {
    return *this = std::move(*this) + std::forward<B>(b);
  }
  template <class B>
  NABLA_HOT BasicVar& operator-=(B&& b) {
    return *this = std::move(*this) - std::forward<B>(b);
  }
  template <class B>
  NABLA_HOT BasicVar& operator*=(B&& b) {
    return *this = std::move(*this) * std::forward<B>(b);
  }
  template <class B>
  NABLA_HOT BasicVar& operator/=(B&& b) {
    return *this = std::move(*this) / std::forward<B>(b);
  }

  // --- comparisons: on the value, so branches match the double evaluation --------------------

  friend bool operator==(const BasicVar& a, const BasicVar& b) { return a.value_ == b.value_; }
  friend auto operator<=>(const BasicVar& a, const BasicVar& b) { return a.value_ <=> b.value_; }
  template <VarOperand<T> U>
  friend bool operator==(const BasicVar& a, const U& b) {
    return a.value_ == static_cast<T>(b);
  }
  template <VarOperand<T> U>
  friend auto operator<=>(const BasicVar& a, const U& b) {
    return a.value_ <=> static_cast<T>(b);
  }

 private:
  // tag_ is the generation, shifted left by kGenerationShift, above two flags. Generation 0
  // marks a variable moved from (or folded into another), which may no longer be used.
  //   kSole    no other variable refers to this one's statement: it may be folded into
  //   kSingle  its statement has exactly one partial, so folding may rescale it
  static constexpr std::uint32_t kSole = 1;
  static constexpr std::uint32_t kSingle = 2;
  static constexpr std::uint32_t kFlags = kSole | kSingle;
  NABLA_HOT static std::uint32_t tag(const Tape& tape, std::uint32_t flags) {
    return tape.tag_base() | flags;
  }

  NABLA_HOT BasicVar(const T& value, reverse::Index index, std::uint32_t tag)
      : value_(value), index_(index), tag_(tag) {}

  // The variables inputs() makes, in order: x[i] with index first + i.
  template <class X>
  struct InputIterator {
    using iterator_category = std::random_access_iterator_tag;
    using value_type = BasicVar;
    using difference_type = std::ptrdiff_t;
    using pointer = void;
    using reference = BasicVar;

    const X* x;
    std::size_t i;
    reverse::Index first;
    std::uint32_t tag;

    BasicVar operator*() const {
      return BasicVar(static_cast<T>((*x)[i]), first + static_cast<reverse::Index>(i), tag);
    }
    InputIterator& operator++() {
      ++i;
      return *this;
    }
    InputIterator operator++(int) {
      InputIterator old = *this;
      ++i;
      return old;
    }
    InputIterator operator+(difference_type n) const {
      InputIterator moved = *this;
      moved.i += static_cast<std::size_t>(n);
      return moved;
    }
    difference_type operator-(const InputIterator& other) const {
      return static_cast<difference_type>(i) - static_cast<difference_type>(other.i);
    }
    bool operator==(const InputIterator& other) const { return i == other.i; }
  };

  // An argument of type A&& is a temporary the operation may fold into.
  template <class A>
  static constexpr bool is_temporary() {
    return !std::is_lvalue_reference_v<A> && !std::is_const_v<std::remove_reference_t<A>>;
  }
  // May an operation be folded into this variable's statement? It must be sole and last, and
  // for a fold that rescales (not kUnit), single.
  template <bool kUnit>
  NABLA_HOT bool foldable(const Tape& tape) const {
    constexpr std::uint32_t needed = kUnit ? kSole : (kSole | kSingle);
    return (tag_ & needed) == needed && tape.is_last(index_);
  }
  // The result of folding into this variable's statement: the same index with a new value and
  // `tag`. This variable, a temporary, is used up. (const, like share(), so that it compiles for
  // every argument form; fold() has ruled out all but temporaries.)
  NABLA_HOT BasicVar become(const T& value, std::uint32_t tag) const {
    const BasicVar result(value, index_, tag);
    tag_ = 0;
    return result;
  }
  // Copied: no longer the only holder of its statement. (Written only when set, so that
  // copying a shared variable never writes.)
  NABLA_HOT void share() const {
    if (tag_ & kSole) tag_ &= ~kSole;
  }
  // Moved from: a sole variable hands its statement over and becomes unusable; a shared one
  // stays as it was.
  NABLA_HOT void release() {
    if (tag_ & kSole) tag_ = 0;
  }

  T value_;
  reverse::Index index_;
  mutable std::uint32_t tag_;
};

static_assert(sizeof(Var) == 16, "a Var is a double, an index and a generation");

template <class T>
passive_type_t<T> passive_value(const BasicVar<T>& x) {
  return passive_value(x.value());
}

// f(x) recorded with ∂f/∂x from a rule of nabla/core/rules.hpp (folded into x's statement when x
// is a temporary).
template <class Rule, class X>
requires is_var_v<std::remove_cvref_t<X>> std::remove_cvref_t<X> apply_rule(const Rule& rule,
                                                                            X&& x) {
  using T = typename std::remove_cvref_t<X>::value_type;
  const T y = rule.value(x.value());
  const T d = rule.derivative(x.value(), y);
  return std::remove_cvref_t<X>::unary(std::forward<X>(x), y, d);
}
template <class Rule, class T>
BasicVar<T> apply_rule(const Rule& rule, const BasicVar<T>& a, const BasicVar<T>& b) {
  const T y = rule.value(a.value(), b.value());
  const auto partials = rule.partials(a.value(), b.value(), y);
  return BasicVar<T>::template binary<false, false>(a, b, y, partials.first, partials.second);
}

// clang-format off
#define NABLA_VAR_UNARY(function, Rule)                              \
  template <class X>                                                 \
    requires is_var_v<std::remove_cvref_t<X>>                        \
  NABLA_HOT std::remove_cvref_t<X> function(X&& x) {                 \
    return apply_rule(rules::Rule{}, std::forward<X>(x));            \
  }
// clang-format on
NABLA_UNARY_RULES(NABLA_VAR_UNARY)
#undef NABLA_VAR_UNARY

#define NABLA_VAR_BINARY(function, Rule)                                             \
  template <class T>                                                                 \
  BasicVar<T> function(const BasicVar<T>& a, const BasicVar<T>& b) {                 \
    return apply_rule(rules::Rule{}, a, b);                                          \
  }                                                                                  \
  template <class T, VarOperand<T> U>                                                \
  BasicVar<T> function(const BasicVar<T>& a, const U& b) {                           \
    const T bv = static_cast<T>(b);                                                  \
    const T y = rules::Rule::value(a.value(), bv);                                   \
    return BasicVar<T>::unary(a, y, rules::Rule::partials(a.value(), bv, y).first);  \
  }                                                                                  \
  template <class T, VarOperand<T> U>                                                \
  BasicVar<T> function(const U& a, const BasicVar<T>& b) {                           \
    const T av = static_cast<T>(a);                                                  \
    const T y = rules::Rule::value(av, b.value());                                   \
    return BasicVar<T>::unary(b, y, rules::Rule::partials(av, b.value(), y).second); \
  }
NABLA_VAR_BINARY(atan2, Atan2)
NABLA_VAR_BINARY(hypot, Hypot)
#undef NABLA_VAR_BINARY

template <class T>
BasicVar<T> pow(const BasicVar<T>& a, const BasicVar<T>& b) {
  return apply_rule(rules::Pow{}, a, b);
}
template <class T, VarOperand<T> U>
BasicVar<T> pow(const BasicVar<T>& x, const U& exponent) {
  return apply_rule(rules::PowConstantExponent<T>{static_cast<T>(exponent)}, x);
}
template <class T, VarOperand<T> U>
BasicVar<T> pow(const U& base, const BasicVar<T>& x) {
  return apply_rule(rules::PowConstantBase<T>{static_cast<T>(base)}, x);
}
template <class T>
BasicVar<T> polygamma(int n, const BasicVar<T>& x) {
  return apply_rule(rules::Polygamma{n}, x);
}

// min and max choose one argument (ties: the first); fmin and fmax skip a nan argument.
template <class T>
const BasicVar<T>& min(const BasicVar<T>& a, const BasicVar<T>& b) {
  return (b < a) ? b : a;
}
template <class T>
const BasicVar<T>& max(const BasicVar<T>& a, const BasicVar<T>& b) {
  return (a < b) ? b : a;
}
template <class T>
BasicVar<T> fmin(const BasicVar<T>& a, const BasicVar<T>& b) {
  if (std::isnan(passive_value(a))) return b;
  if (std::isnan(passive_value(b))) return a;
  return min(a, b);
}
template <class T>
BasicVar<T> fmax(const BasicVar<T>& a, const BasicVar<T>& b) {
  if (std::isnan(passive_value(a))) return b;
  if (std::isnan(passive_value(b))) return a;
  return max(a, b);
}
#define NABLA_VAR_SELECT_MIXED(function)                   \
  template <class T, VarOperand<T> U>                      \
  BasicVar<T> function(const BasicVar<T>& a, const U& b) { \
    return function(a, BasicVar<T>(b));                    \
  }                                                        \
  template <class T, VarOperand<T> U>                      \
  BasicVar<T> function(const U& a, const BasicVar<T>& b) { \
    return function(BasicVar<T>(a), b);                    \
  }
NABLA_VAR_SELECT_MIXED(min)
NABLA_VAR_SELECT_MIXED(max)
NABLA_VAR_SELECT_MIXED(fmin)
NABLA_VAR_SELECT_MIXED(fmax)
#undef NABLA_VAR_SELECT_MIXED

template <class T>
bool isfinite(const BasicVar<T>& x) {
  return std::isfinite(passive_value(x));
}
template <class T>
bool isnan(const BasicVar<T>& x) {
  return std::isnan(passive_value(x));
}
template <class T>
bool isinf(const BasicVar<T>& x) {
  return std::isinf(passive_value(x));
}

// Real-number helpers Eigen's algorithms call on a scalar type.
template <class T>
const BasicVar<T>& real(const BasicVar<T>& x) {
  return x;
}
template <class T>
BasicVar<T> imag(const BasicVar<T>&) {
  return BasicVar<T>(T(0));
}
template <class T>
const BasicVar<T>& conj(const BasicVar<T>& x) {
  return x;
}
template <class T>
BasicVar<T> abs2(const BasicVar<T>& x) {
  return x * x;
}

template <class T>
std::ostream& operator<<(std::ostream& os, const BasicVar<T>& x) {
  return os << x.value();
}

}  // namespace nabla
