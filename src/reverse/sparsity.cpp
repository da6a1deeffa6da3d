#include "nabla/reverse/sparsity.hpp"

#include <algorithm>
#include <limits>

namespace nabla::reverse {

bool SparsityPattern::contains(std::size_t i, std::size_t j) const {
  if (i >= n || j >= n) return false;
  const auto first = columns.begin() + static_cast<std::ptrdiff_t>(row_start[i]);
  const auto last = columns.begin() + static_cast<std::ptrdiff_t>(row_start[i + 1]);
  return std::binary_search(first, last, static_cast<Index>(j));
}

namespace {

// Sorted sets of input numbers, stored one after another; a set is a range of the arena.
struct Set {
  static constexpr std::size_t kUnknown = std::numeric_limits<std::size_t>::max();
  std::size_t offset = 0;
  std::size_t size = kUnknown;
  bool known() const { return size != kUnknown; }
};

// Sorts v: insertion sort for the few entries a dependency set usually has.
void sort_small(std::vector<Index>& v) {
  if (v.size() > 16) return std::sort(v.begin(), v.end());
  for (std::size_t i = 1; i < v.size(); ++i) {
    const Index x = v[i];
    std::size_t j = i;
    for (; j > 0 && v[j - 1] > x; --j) v[j] = v[j - 1];
    v[j] = x;
  }
}

class PatternBuilder {
 public:
  PatternBuilder(const PatternTape& tape, std::size_t n, std::optional<std::size_t> max_pairs)
      : tape_(tape),
        n_(n),
        max_pairs_(max_pairs),
        memo_(tape.size()),
        visited_(tape.size(), 0),
        seen_(n, 0) {
    arena_.reserve(2 * n + tape.size());
    for (std::size_t i = 0; i < n; ++i) {
      memo_[i] = Set{arena_.size(), 1};
      arena_.push_back(static_cast<Index>(i));
    }
  }

  std::optional<SparsityPattern> build(Index output) {
    const std::vector<std::uint8_t> live = live_statements(output);
    for (std::size_t s = n_; s < tape_.size(); ++s) {
      if (!live[s]) continue;
      const auto v = static_cast<Index>(s);
      const Interaction kind = tape_.kind(v);
      if (kind == Interaction::input || kind == Interaction::linear) continue;
      const Set a = dependencies(tape_.operand(v, 0));
      const Index second = tape_.operand(v, 1);
      const Set b = second == PatternTape::kConstant ? Set{0, 0} : dependencies(second);
      switch (kind) {
        case Interaction::unary:
          all_pairs(a);
          break;
        case Interaction::product:
          cross_pairs(a, b);
          break;
        case Interaction::quotient:
          cross_pairs(a, b);
          all_pairs(b);
          break;
        default:  // general: every pair of the union
          all_pairs(a);
          all_pairs(b);
          cross_pairs(a, b);
          break;
      }
      if (over_budget_) return std::nullopt;
    }
    return assemble();
  }

 private:
  // Statements the output depends on: one backward pass.
  std::vector<std::uint8_t> live_statements(Index output) const {
    std::vector<std::uint8_t> live(tape_.size(), 0);
    if (output == PatternTape::kConstant) return live;
    live[output] = true;
    for (std::size_t s = output + std::size_t(1); s-- > 0;) {
      if (!live[s]) continue;
      for (int k = 0; k < 2; ++k) {
        const Index operand = tape_.operand(static_cast<Index>(s), k);
        if (operand != PatternTape::kConstant) live[operand] = true;
      }
    }
    return live;
  }

  // The inputs statement u depends on, memoised. A depth-first walk that stops at statements
  // already known; statements are visited once per walk. Operands of earlier nonlinear
  // statements are known, so a walk stops at the nearest nonlinear operation behind it.
  Set dependencies(Index u) {
    if (memo_[u].known()) return memo_[u];
    ++walk_;
    scratch_.clear();
    std::size_t sources = 0;
    Set only{};
    stack_.assign(1, u);
    while (!stack_.empty()) {
      const Index v = stack_.back();
      stack_.pop_back();
      if (visited_[v] == walk_) continue;
      visited_[v] = walk_;
      if (memo_[v].known()) {
        const Set set = memo_[v];
        ++sources;
        only = set;
        for (std::size_t k = 0; k < set.size; ++k) {
          const Index i = arena_[set.offset + k];
          if (seen_[i] != walk_) {
            seen_[i] = walk_;
            scratch_.push_back(i);
          }
        }
        continue;
      }
      for (int k = 0; k < 2; ++k) {
        const Index operand = tape_.operand(v, k);
        if (operand != PatternTape::kConstant && visited_[operand] != walk_)
          stack_.push_back(operand);
      }
    }
    Set result;
    if (sources == 1 && scratch_.size() == only.size) {
      result = only;  // the same set as one known statement: share it
    } else {
      sort_small(scratch_);
      result = Set{arena_.size(), scratch_.size()};
      arena_.insert(arena_.end(), scratch_.begin(), scratch_.end());
    }
    memo_[u] = result;
    return result;
  }

  void add_pair(Index i, Index j) {
    pairs_.push_back(i <= j ? (std::uint64_t(i) << 32) | j : (std::uint64_t(j) << 32) | i);
    if (pairs_.size() >= compact_at_) compact();
  }
  void all_pairs(Set a) {
    for (std::size_t p = 0; p < a.size; ++p) {
      for (std::size_t q = p; q < a.size; ++q) add_pair(arena_[a.offset + p], arena_[a.offset + q]);
    }
  }
  void cross_pairs(Set a, Set b) {
    for (std::size_t p = 0; p < a.size; ++p) {
      for (std::size_t q = 0; q < b.size; ++q) add_pair(arena_[a.offset + p], arena_[b.offset + q]);
    }
  }
  // Drops repeated pairs once the list has doubled since the last time, and notes when the
  // distinct ones pass the budget, so that a dense function stops early.
  void compact() {
    std::sort(pairs_.begin(), pairs_.end());
    pairs_.erase(std::unique(pairs_.begin(), pairs_.end()), pairs_.end());
    compact_at_ = std::max<std::size_t>(2 * pairs_.size(), 1 << 16);
    if (max_pairs_ && pairs_.size() > *max_pairs_) over_budget_ = true;
  }

  // The pattern in compressed rows, both triangles. The upper pairs are bucketed by row and
  // each row sorted on its own, which is cheaper than sorting them all.
  std::optional<SparsityPattern> assemble() {
    std::vector<std::size_t> start(n_ + 1, 0);
    for (std::uint64_t pair : pairs_) ++start[(pair >> 32) + 1];
    for (std::size_t i = 0; i < n_; ++i) start[i + 1] += start[i];
    std::vector<Index> upper(pairs_.size());
    {
      std::vector<std::size_t> next(start.begin(), start.end() - 1);
      for (std::uint64_t pair : pairs_) upper[next[pair >> 32]++] = static_cast<Index>(pair);
    }
    // Sorted and without repeats, row by row, packed to the front: row i is
    // upper[first[i] .. first[i + 1]).
    std::vector<std::size_t> first(n_ + 1, 0);
    std::size_t packed = 0;
    for (std::size_t i = 0; i < n_; ++i) {
      const auto begin = upper.begin() + static_cast<std::ptrdiff_t>(start[i]);
      const auto end = upper.begin() + static_cast<std::ptrdiff_t>(start[i + 1]);
      std::sort(begin, end);
      first[i] = packed;
      packed = static_cast<std::size_t>(
          std::unique_copy(begin, end, upper.begin() + static_cast<std::ptrdiff_t>(packed)) -
          upper.begin());
    }
    first[n_] = packed;
    if (max_pairs_ && packed > *max_pairs_) return std::nullopt;

    SparsityPattern pattern;
    pattern.n = n_;
    pattern.row_start.assign(n_ + 1, 0);
    for (std::size_t i = 0; i < n_; ++i) {
      for (std::size_t p = first[i]; p < first[i + 1]; ++p) {
        ++pattern.row_start[i + 1];
        if (upper[p] != i) ++pattern.row_start[upper[p] + std::size_t(1)];
      }
    }
    for (std::size_t i = 0; i < n_; ++i) pattern.row_start[i + 1] += pattern.row_start[i];
    pattern.columns.resize(pattern.row_start[n_]);
    std::vector<std::size_t> next(pattern.row_start.begin(), pattern.row_start.end() - 1);
    // Row r holds (r, i) for i < r, from earlier rows' upper pairs, then its own (r, j), j >= r:
    // filling every lower entry first keeps each row sorted.
    for (std::size_t i = 0; i < n_; ++i) {
      for (std::size_t p = first[i]; p < first[i + 1]; ++p) {
        if (upper[p] != i) pattern.columns[next[upper[p]]++] = static_cast<Index>(i);
      }
    }
    for (std::size_t i = 0; i < n_; ++i) {
      for (std::size_t p = first[i]; p < first[i + 1]; ++p) pattern.columns[next[i]++] = upper[p];
    }
    return pattern;
  }

  const PatternTape& tape_;
  std::size_t n_;
  std::optional<std::size_t> max_pairs_;
  std::vector<Set> memo_;  // per statement: the inputs it depends on, once known
  std::vector<std::uint32_t> visited_;
  std::vector<std::uint32_t> seen_;
  std::uint32_t walk_ = 0;
  std::vector<Index> arena_;
  std::vector<Index> scratch_;
  std::vector<Index> stack_;
  std::vector<std::uint64_t> pairs_;
  bool over_budget_ = false;
  std::size_t compact_at_ = 1 << 16;
};

}  // namespace

std::optional<SparsityPattern> hessian_pattern(const PatternTape& tape, std::size_t n, Index output,
                                               std::optional<std::size_t> max_pairs) {
  return PatternBuilder(tape, n, max_pairs).build(output);
}

Colouring colour_columns(const SparsityPattern& pattern) {
  constexpr Index kNone = std::numeric_limits<Index>::max();
  Colouring result;
  result.colour.assign(pattern.n, kNone);
  std::vector<std::size_t> forbidden_by;  // per colour: the last column that forbade it
  for (std::size_t j = 0; j < pattern.n; ++j) {
    const std::size_t mark = j + 1;
    for (std::size_t p = pattern.row_start[j]; p < pattern.row_start[j + 1]; ++p) {
      const Index i = pattern.columns[p];  // H_ij != 0, and by symmetry column j has row i
      for (std::size_t q = pattern.row_start[i]; q < pattern.row_start[i + 1]; ++q) {
        const Index c = result.colour[pattern.columns[q]];
        if (c != kNone) forbidden_by[c] = mark;
      }
    }
    Index c = 0;
    while (c < forbidden_by.size() && forbidden_by[c] == mark) ++c;
    if (c == forbidden_by.size()) forbidden_by.push_back(0);
    result.colour[j] = c;
  }
  result.count = static_cast<Index>(forbidden_by.size());
  return result;
}

}  // namespace nabla::reverse
