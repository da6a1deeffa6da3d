// The reverse-mode tape: a linear record of every operation, swept backwards once.
//
// Reverse mode runs f forwards, recording for each new variable v_s the partial derivatives
// ∂v_s/∂v_j of the operation that made it, then propagates adjoints v̄ = ∂y/∂v backwards:
//
//     v̄_j += (∂v_s/∂v_j) · v̄_s        for s = last, ..., 0
//
// One sweep gives ∂y/∂x for every input x, at a cost of a small multiple of evaluating f,
// whatever the number of inputs.
//
// The partials are computed when an operation is recorded, so the sweep is one loop over
// contiguous arrays: no recursion, no virtual call, no allocation per operation. The layout
// (after Adept's statement and operand stacks):
//
//     statement_start[s] 4 bytes per operation: the first operand of statement s
//     multiplier[k]      sizeof(T) bytes per partial: ∂v_s/∂v_j  (8 bytes for double)
//     operand[k]         4 bytes per partial: j
//
// that is 4 bytes per operation and 12 per partial derivative for T = double. Variable s *is*
// statement s, so no left-hand index is stored: an input is a statement with no operands, and
// a binary operation adds one statement and two operands. Statement s's partials run to the
// next statement's start, or for the last statement to the end of the operands, so adding a
// partial to the last statement writes nothing but the partial.
//
// Each thread records on its own tape (a thread_local pointer), so gradients can be taken in
// several threads at once. `Recording` starts a fresh tape for a scope and restores the previous
// one after it; tapes are kept in a per-thread pool, so repeated recordings reuse their memory.
// Every tape carries a generation number, and every variable the generation it was recorded in:
// using a variable after its recording was cleared or ended is an error with a message, never a
// read of someone else's memory.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "nabla/core/chain.hpp"
#include "nabla/core/scalar.hpp"

namespace nabla {

// A variable used outside the recording it belongs to, or a recording misused.
class RecordingError : public std::logic_error {
 public:
  using std::logic_error::logic_error;
};

namespace reverse {

// The recording path is a handful of instructions per operation; GCC would otherwise keep it
// out of line (a call per operation, its arguments through memory), which cost about half of
// recording. Growth and errors stay out of line.
#define NABLA_HOT [[gnu::always_inline]] inline
#define NABLA_COLD [[gnu::noinline, gnu::cold]]
// For hidden friends (operators), where `inline` would be redundant and `friend` comes first.
#define NABLA_HOT_FRIEND [[gnu::always_inline]] friend

using Index = std::uint32_t;

// Generations are 30 bits (a variable keeps two flags beside its generation). They are never 0,
// which marks a variable that may no longer be used, nor kNoGeneration, which belongs to the
// stand-in for "no tape" (detail::no_tape below).
inline constexpr int kGenerationShift = 2;
inline constexpr std::uint32_t kNoGeneration = 0xFFFFFFFFu >> kGenerationShift;
inline std::uint32_t next_generation() {
  static std::atomic<std::uint32_t> counter{0};
  std::uint32_t generation;
  do {
    generation = ++counter & kNoGeneration;
  } while (generation == 0 || generation == kNoGeneration);
  return generation;
}

template <class T>
class Tape {
 public:
  Tape() : tag_base_(next_generation() << kGenerationShift) {}
  // The stand-in for "no tape": its generation is no variable's, so every operation that
  // reaches it fails the generation check. constexpr, so that it is constant-initialised.
  struct Empty {};
  constexpr explicit Tape(Empty) : tag_base_(kNoGeneration << kGenerationShift) {}
  Tape(const Tape&) = delete;
  Tape& operator=(const Tape&) = delete;

  std::uint32_t generation() const { return tag_base_ >> kGenerationShift; }
  // The generation as it stands in a variable's tag: shifted left by kGenerationShift.
  std::uint32_t tag_base() const { return tag_base_; }
  std::size_t statement_count() const { return statement_count_; }
  std::size_t operand_count() const { return operand_count_; }
  // Bytes the record occupies: 4 per statement plus sizeof(T) + 4 per partial derivative.
  std::size_t recorded_bytes() const {
    return statement_count() * sizeof(Index) + operand_count_ * (sizeof(T) + sizeof(Index));
  }

  // --- recording -----------------------------------------------------------------------------

  // A new variable with `count` partial derivatives: returns its index and where to write the
  // (multiplier, operand) pairs. One capacity check per operation.
  struct Slots {
    Index index;
    T* multipliers;
    Index* operands;
  };
  NABLA_HOT Slots record(std::size_t count) {
    if (statement_count_ == statement_capacity_ || operand_count_ + count > operand_capacity_)
        [[unlikely]] {
      grow(1, count);
    }
    const std::size_t first = operand_count_;
    operand_count_ += count;
    const auto index = static_cast<Index>(statement_count_);
    statement_start_[statement_count_++] = static_cast<Index>(first);
    return {index, multipliers_.get() + first, operands_.get() + first};
  }

  NABLA_HOT Index record_input() { return record(0).index; }
  // `count` inputs at once: the index of the first; the others follow it.
  Index record_inputs(std::size_t count) {
    if (statement_capacity_ - statement_count_ < count) grow(count, 0);
    const auto first = static_cast<Index>(statement_count_);
    std::fill_n(statement_start_.get() + statement_count_, count,
                static_cast<Index>(operand_count_));
    statement_count_ += count;
    return first;
  }
  NABLA_HOT Index record(Index a, const T& da) {
    const Slots s = record(1);
    s.multipliers[0] = da;
    s.operands[0] = a;
    return s.index;
  }
  NABLA_HOT Index record(Index a, const T& da, Index b, const T& db) {
    const Slots s = record(2);
    s.multipliers[0] = da;
    s.operands[0] = a;
    s.multipliers[1] = db;
    s.operands[1] = b;
    return s.index;
  }

  // --- folding an operation into the last statement ---------------------------------------------
  //
  // y = f(t, b) where t is the last statement and nothing else refers to it (a temporary) need
  // not be a new statement: t's partials times ∂f/∂t, plus ∂f/∂b for b, are y's partials, so
  // statement t can become y. Likewise y = f(u, v) for two temporaries that are the last two
  // statements: their partials are already next to each other, so u can become y and v go.
  // BasicVar does this for temporaries; these are its tools.

  NABLA_HOT bool is_last(Index index) const { return std::size_t(index) + 1 == statement_count_; }
  // Multiplies the partial of the last statement by `factor`; that statement must have exactly
  // one partial (BasicVar knows which of its variables do, so nothing is looked up here).
  NABLA_HOT void scale_last_single(const T& factor) {
    scale(multipliers_[operand_count_ - 1], factor);
  }
  // ... adds `multiplier` to it ...
  NABLA_HOT void add_to_last_single(const T& multiplier) {
    multipliers_[operand_count_ - 1] += multiplier;
  }
  // ... and the operand it refers to.
  NABLA_HOT Index last_operand() const { return operands_[operand_count_ - 1]; }

  // Joins the last two statements u and v into u, for y = f(u, v) when nothing else refers to
  // either: u's partials, times du if kScaleU (u must then have a single partial), then v's
  // single partial, times dv if kScaleV. Returns false, changing nothing, if v refers to u.
  template <bool kScaleU, bool kScaleV>
  NABLA_HOT bool merge_last_two(const T& du, const T& dv) {
    const std::size_t v = statement_count_ - 1;
    if (std::size_t(operands_[operand_count_ - 1]) + 1 == v) return false;
    if constexpr (kScaleV) scale(multipliers_[operand_count_ - 1], dv);
    if constexpr (kScaleU) scale(multipliers_[operand_count_ - 2], du);
    statement_count_ = v;
    return true;
  }
  // Room for one more partial: call before scale_last_single, so that a failed allocation
  // changes nothing.
  NABLA_HOT void reserve_operand() {
    if (operand_count_ == operand_capacity_) [[unlikely]] {
      grow(0, 1);
    }
  }
  // Adds the partial (multiplier, operand) to the last statement, after reserve_operand.
  NABLA_HOT void append_to_last(Index operand, const T& multiplier) {
    multipliers_[operand_count_] = multiplier;
    operands_[operand_count_] = operand;
    ++operand_count_;
  }

  // Was a variable with this tag (a generation shifted left by kGenerationShift, above flags)
  // made on this tape since its last clear()? Checked for every operand recorded.
  NABLA_HOT void check(std::uint32_t tag) const {
    if ((tag ^ tag_base_) >> kGenerationShift) [[unlikely]]
      throw_foreign();
  }
  // The same for both operands of a binary operation, with one branch.
  NABLA_HOT void check(std::uint32_t a, std::uint32_t b) const {
    if (((a ^ tag_base_) | (b ^ tag_base_)) >> kGenerationShift) [[unlikely]]
      throw_foreign();
  }

  // --- the sweep -------------------------------------------------------------------------------

  // Adjoints of every variable up to `output` for y = variable `output`, seeded with
  // ȳ = seed. Earlier adjoints are overwritten, not accumulated: each backward() answers for
  // one output. Statements with a zero adjoint are skipped, which also keeps an infinite
  // partial (sqrt at 0) from meeting a zero adjoint as inf · 0 = nan; an infinite adjoint meets
  // a zero partial (0 · sqrt(x) at 0) as chain_product does it, 0 (nabla/core/chain.hpp).
  //
  // Subnormal adjoints (below 2.2e-308 in magnitude) are skipped too, so they propagate as
  // zero. A subnormal carries few or no significant bits, and arithmetic on it costs x86 tens of
  // cycles. In a long contracting chain (x <- sin(x) 1.0001 + 0.1, 10^6 times) the true adjoint,
  // near 10^-180000, rounds to the smallest subnormal and would stay there for the whole sweep,
  // ten times slower than skipping it, to report 4.9e-324 instead of the better answer 0.
  void backward(Index output, const T& seed = T(1)) {
    // The last statement's end, which recording leaves implicit (a slot is kept for it).
    if (statement_count_ > 0)
      statement_start_[statement_count_] = static_cast<Index>(operand_count_);
    adjoints_.assign(static_cast<std::size_t>(output) + 1, T(0));
    adjoints_[output] = seed;
    sweep(output);
  }

  // The adjoint of variable `index` from the last backward(); 0 for variables recorded after
  // it.
  T adjoint(Index index) const { return index < adjoints_.size() ? adjoints_[index] : T(0); }
  // The adjoints of `count` consecutive variables from `first`, into out[0, count).
  void copy_adjoints(Index first, std::size_t count, T* out) const {
    const std::size_t known =
        first < adjoints_.size() ? std::min(count, adjoints_.size() - first) : 0;
    std::copy_n(adjoints_.data() + (known > 0 ? first : 0), known, out);
    std::fill_n(out + known, count - known, T(0));
  }
  // Sets all adjoints to zero.
  void zero_adjoints() { std::fill(adjoints_.begin(), adjoints_.end(), T(0)); }

  // Forgets every statement (keeping the memory) and starts a new generation: variables from
  // before can no longer be used with this tape.
  void clear() {
    statement_count_ = 0;
    operand_count_ = 0;
    adjoints_.clear();
    tag_base_ = next_generation() << kGenerationShift;
  }

 private:
  static constexpr std::size_t kMaxIndex = 0xFFFFFFFFu;

  // The loop of backward(), over adjoints already sized and seeded by it.
  //
  // Most statements use the one just before them (s = s' + x, p = p' * x, x = sin(x)) or the
  // one before that (s = s' + exp(x), where exp(x) comes between): contributions to
  // adjoint[s - 1] and adjoint[s - 2] are carried to the next iterations in registers instead of
  // through memory, where each step would wait for its own store to come back. Carried sums are
  // still written to their adjoints, so grad() reads every adjoint as before. (Carrying s - 2
  // halved the sweep of log-sum-exp.)
  //
  // Statements with no operands (inputs, constants) have nothing to propagate. Those recorded
  // before any operation, usually all the inputs, are not visited at all: the sweep ends at the
  // first statement with operands. Statement starts are non-decreasing, so that statement is
  // found by bisection.
  //
  // Not inlined: every backward() runs this one copy. (Inlined into each caller, its speed
  // moved by a tenth or more with the layout of the code around it.)
  [[gnu::noinline]] void sweep(Index output) {
    const Index* end = statement_start_.get() + 1;  // end[s] is statement s + 1's start
    const T* multiplier = multipliers_.get();
    const Index* operand = operands_.get();
    T* adjoint = adjoints_.data();
    const std::size_t last = static_cast<std::size_t>(output) + 1;
    const auto leaves = static_cast<std::size_t>(std::upper_bound(end, end + last, Index(0)) - end);
    T carry(0);       // what later statements added to adjoint[s]
    T carry_next(0);  // ... and to adjoint[s - 1]
    // Statement 0 has no operands (there is nothing before it to refer to), so leaves >= 1 and
    // every statement visited has one before it: statement s's partials are
    // [end[s - 1], end[s]), and end[s - 1] is the next statement's end.
    std::size_t stop = end[last - 1];
    for (std::size_t s = last; s-- > leaves;) {
      const T a = adjoint[s] + carry;
      adjoint[s] = a;
      carry = carry_next;
      carry_next = T(0);
      const std::size_t first = end[s - 1];
      // One test of the adjoint per statement: a normal finite adjoint times any partial
      // follows the chain rule's convention by plain arithmetic; an infinite or nan one (rare)
      // needs chain_product's test of each partial.
      if (plain_adjoint(a)) [[likely]] {
        propagate<false>(a, s, first, stop, multiplier, operand, adjoint, carry, carry_next);
      } else if (!negligible(a)) {
        propagate<true>(a, s, first, stop, multiplier, operand, adjoint, carry, carry_next);
      }
      stop = first;
    }
    if (leaves < last) adjoint[leaves - 1] += carry;
    if (leaves > 1 && leaves < last) adjoint[leaves - 2] += carry_next;
  }

  // Statement s's partials [first, stop) times its adjoint a, added to its operands' adjoints
  // (to the carries for the two statements before s). kCareful: by chain_product, for an
  // infinite or nan a.
  template <bool kCareful>
  NABLA_HOT static void propagate(const T& a, std::size_t s, std::size_t first, std::size_t stop,
                                  const T* multiplier, const Index* operand, T* adjoint, T& carry,
                                  T& carry_next) {
    for (std::size_t k = first; k != stop; ++k) {
      T contribution;
      if constexpr (kCareful) {
        contribution = chain_product(multiplier[k], a);
      } else {
        contribution = multiplier[k] * a;
      }
      const std::size_t j = operand[k];
      const std::size_t distance = s - j;  // j < s, so at least 1
      if (distance > 2) [[likely]] {
        adjoint[j] += contribution;
      } else if (distance == 1) {
        carry += contribution;
      } else {
        carry_next += contribution;
      }
    }
  }

  // Nothing to propagate: zero, or (for plain floating-point adjoints) subnormal.
  static bool negligible(const T& a) {
    if constexpr (std::is_floating_point_v<T>) {
      return std::abs(a) < std::numeric_limits<T>::min();
    } else {
      return is_zero(a);
    }
  }
  // To propagate by plain products: a normal finite number, or for a Dual adjoint, a plain value
  // (its own products then follow the convention). Neither negligible nor infinite nor nan.
  static bool plain_adjoint(const T& a) {
    if constexpr (std::is_floating_point_v<T>) {
      const T magnitude = std::abs(a);
      return magnitude >= std::numeric_limits<T>::min() &&
             magnitude <= std::numeric_limits<T>::max();
    } else {
      return plain_factor(a);
    }
  }

  // m · factor when folding one operation into another's partial: partials multiplied along a
  // path, by the chain rule's convention, so that 0 * log(y) at y = 0 folds to the partial 0,
  // not to 0 · inf = nan.
  NABLA_HOT static void scale(T& m, const T& factor) {
    if (plain_factor(factor)) [[likely]] {
      m *= factor;
    } else {
      m = chain_product(m, factor);
    }
  }

  // Grows whichever array lacks room for `statements` more statements and `operands` more
  // operands, at least doubling it. Indices are 32 bits, so neither may pass 2^32 - 1 entries.
  // Each array is replaced only once its successor is allocated, and a capacity only changes
  // with its arrays, so a failed allocation leaves the tape as it was.
  NABLA_COLD void grow(std::size_t statements, std::size_t operands) {
    const std::size_t statements_needed = statement_count_ + statements;
    if (statements_needed > statement_capacity_) {
      if (statements_needed > kMaxIndex) throw_too_long();
      const std::size_t capacity =
          std::min(kMaxIndex, std::max(statements_needed, 2 * statement_capacity_ + 1024));
      // One more than the statements: backward() writes the last one's end after them.
      statement_start_ = regrow(statement_start_, statement_count_, capacity + 1);
      statement_capacity_ = capacity;
    }
    const std::size_t operands_needed = operand_count_ + operands;
    if (operands_needed > operand_capacity_) {
      if (operands_needed > kMaxIndex) throw_too_long();
      const std::size_t capacity =
          std::min(kMaxIndex, std::max(operands_needed, 2 * operand_capacity_ + 1024));
      auto multipliers = regrow(multipliers_, operand_count_, capacity);
      operands_ = regrow(operands_, operand_count_, capacity);
      multipliers_ = std::move(multipliers);
      operand_capacity_ = capacity;
    }
  }
  template <class U>
  static std::unique_ptr<U[]> regrow(const std::unique_ptr<U[]>& old, std::size_t used,
                                     std::size_t capacity) {
    auto grown = std::make_unique_for_overwrite<U[]>(capacity);
    std::copy_n(old.get(), used, grown.get());
    return grown;
  }
  [[noreturn]] NABLA_COLD static void throw_too_long() {
    throw std::length_error("nabla: a recording is limited to 2^32 - 1 operations and partials");
  }
  [[noreturn]] NABLA_COLD static void throw_foreign() {
    throw RecordingError(
        "nabla: a variable from another recording was used (its recording was cleared, ended, or "
        "belongs to another thread), or a variable used after std::move; variables can only be "
        "combined within the recording that created them");
  }

  std::uint32_t tag_base_;  // the generation, shifted as in a variable's tag
  std::unique_ptr<Index[]> statement_start_;
  std::size_t statement_count_ = 0;
  std::size_t statement_capacity_ = 0;
  std::unique_ptr<T[]> multipliers_;
  std::unique_ptr<Index[]> operands_;
  std::size_t operand_count_ = 0;
  std::size_t operand_capacity_ = 0;
  std::vector<T> adjoints_;
};

namespace detail {

// The tapes of this thread: the active one, and a pool of cleared ones for Recording to reuse.
template <class T>
struct ThreadTapes {
  std::vector<std::unique_ptr<Tape<T>>> pool;
  std::unique_ptr<Tape<T>> base;  // the tape in use when no Recording is open
};

template <class T>
ThreadTapes<T>& thread_tapes() {
  thread_local ThreadTapes<T> tapes;
  return tapes;
}

// What active_tape points to while this thread has no tape: never null, so that an operation
// reads the tape's generation without testing the pointer first.
template <class T>
inline constinit Tape<T> no_tape{typename Tape<T>::Empty{}};

// Constant-initialised, so reading it is one thread-local load.
template <class T>
inline thread_local constinit Tape<T>* active_tape = &no_tape<T>;

template <class T>
[[gnu::noinline]] Tape<T>& start_base_tape() {
  auto& tapes = thread_tapes<T>();
  if (!tapes.base) tapes.base = std::make_unique<Tape<T>>();
  active_tape<T> = tapes.base.get();
  return *tapes.base;
}

}  // namespace detail

// The tape this thread records on now. Each thread starts with one, so `Var a = 3;` works with
// no set-up, as in the seeds.
template <class T>
NABLA_HOT Tape<T>& active_tape() {
  Tape<T>* tape = detail::active_tape<T>;
  if (tape == &detail::no_tape<T>) [[unlikely]]
    return detail::start_base_tape<T>();
  return *tape;
}

// The tape as an operation on existing variables needs it: when this thread has none, the
// stand-in, on which the operands' generation check fails (a variable exists only if a tape
// did), so no tape is started for it.
template <class T>
NABLA_HOT Tape<T>& operation_tape() {
  return *detail::active_tape<T>;
}

// A fresh recording for a scope: variables created inside belong to it, and the previous tape is
// active again when it ends. Recordings nest. The tape's memory is kept for the next Recording
// on this thread.
template <class T>
class BasicRecording {
 public:
  BasicRecording() : previous_(detail::active_tape<T>) {
    auto& pool = detail::thread_tapes<T>().pool;
    if (pool.empty()) {
      tape_ = std::make_unique<Tape<T>>();
    } else {
      tape_ = std::move(pool.back());
      pool.pop_back();
    }
    detail::active_tape<T> = tape_.get();
  }
  BasicRecording(const BasicRecording&) = delete;
  BasicRecording& operator=(const BasicRecording&) = delete;
  ~BasicRecording() {
    detail::active_tape<T> = previous_;
    tape_->clear();
    detail::thread_tapes<T>().pool.push_back(std::move(tape_));
  }

  Tape<T>& tape() { return *tape_; }

 private:
  Tape<T>* previous_;
  std::unique_ptr<Tape<T>> tape_;
};

}  // namespace reverse
}  // namespace nabla
