// The chunk allocator of include/nabla/tensor/node_pool.hpp.
//
// A chunk is kChunkBytes aligned to its own size, so the chunk of any object is its address with
// the low bits cleared. Its header holds the count of live objects (+1 while it is some thread's
// current chunk); the owning thread bumps a cursor through the rest. Under AddressSanitizer every
// byte not handed out is poisoned, so a use after free of a graph object is still reported.
#include "nabla/tensor/node_pool.hpp"

#include <atomic>
#include <cstdlib>
#include <new>

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define NABLA_POISON(p, n) ASAN_POISON_MEMORY_REGION(p, n)
#define NABLA_UNPOISON(p, n) ASAN_UNPOISON_MEMORY_REGION(p, n)
#else
#define NABLA_POISON(p, n) ((void)(p), (void)(n))
#define NABLA_UNPOISON(p, n) ((void)(p), (void)(n))
#endif

namespace nabla::detail {

namespace {

constexpr std::size_t kChunkBytes = std::size_t{64} << 10;
constexpr std::size_t kHeaderBytes = 64;
constexpr std::size_t kSpareBytes = std::size_t{64} << 20;  // per thread
constexpr std::size_t kSpareChunks = kSpareBytes / kChunkBytes;
static_assert(kPoolMaxObject <= kChunkBytes - kHeaderBytes);

struct Chunk {
  std::atomic<std::int64_t> live{0};  // objects, + 1 while a thread allocates from it
  Chunk* next_spare = nullptr;

  std::byte* begin() { return reinterpret_cast<std::byte*>(this) + kHeaderBytes; }
  std::byte* end() { return reinterpret_cast<std::byte*>(this) + kChunkBytes; }
};
static_assert(sizeof(Chunk) <= kHeaderBytes);

Chunk* chunk_of(void* p) {
  return reinterpret_cast<Chunk*>(reinterpret_cast<std::uintptr_t>(p) & ~(kChunkBytes - 1));
}

std::atomic<std::size_t> spare_total{0};

// Trivially destructible, so that objects dying after the thread's destructors ran (statics at
// exit) can still be freed; ThreadExit below empties it when the thread ends.
struct ThreadState {
  Chunk* current = nullptr;
  std::byte* cursor = nullptr;
  Chunk* spare = nullptr;
  std::size_t spare_count = 0;
  bool exited = false;
};
thread_local ThreadState state;

void free_chunk(Chunk* c);
Chunk* pop_spare(ThreadState& s);
void retire(ThreadState& s);

// Empties the thread's state when it ends.
struct ThreadExit {
  ThreadExit() = default;
  ThreadExit(const ThreadExit&) = delete;
  ThreadExit& operator=(const ThreadExit&) = delete;
  ~ThreadExit() {
    ThreadState& s = state;
    s.exited = true;
    retire(s);
    while (Chunk* c = pop_spare(s)) free_chunk(c);
  }
};

// The thread's state, with its clean-up registered: called before the thread first holds a chunk
// (its current one or a spare; a thread that only frees objects can receive spares too).
ThreadState& owned_state() {
  static thread_local ThreadExit at_exit;
  (void)at_exit;
  return state;
}

void free_chunk(Chunk* c) {
  NABLA_UNPOISON(c, kChunkBytes);
  c->~Chunk();
  std::free(c);
}

void push_spare(Chunk* c) {
  ThreadState& s = owned_state();
  if (s.exited || s.spare_count >= kSpareChunks) {
    free_chunk(c);
    return;
  }
  c->next_spare = s.spare;
  s.spare = c;
  ++s.spare_count;
  spare_total.fetch_add(kChunkBytes, std::memory_order_relaxed);
}

Chunk* pop_spare(ThreadState& s) {
  Chunk* c = s.spare;
  if (c == nullptr) return nullptr;
  s.spare = c->next_spare;
  --s.spare_count;
  spare_total.fetch_sub(kChunkBytes, std::memory_order_relaxed);
  c->next_spare = nullptr;
  return c;
}

// The thread stops allocating from its current chunk, which lives on while its objects do.
void retire(ThreadState& s) {
  Chunk* c = s.current;
  s.current = nullptr;
  if (c != nullptr && c->live.fetch_sub(1, std::memory_order_acq_rel) == 1) push_spare(c);
}

void start_chunk(ThreadState& s) {
  (void)owned_state();
  retire(s);
  Chunk* c = pop_spare(s);
  if (c == nullptr) {
    void* memory = std::aligned_alloc(kChunkBytes, kChunkBytes);
    if (memory == nullptr) throw std::bad_alloc();
    c = new (memory) Chunk;
    NABLA_POISON(c->begin(), kChunkBytes - kHeaderBytes);
  }
  c->live.store(1, std::memory_order_relaxed);
  s.current = c;
  s.cursor = c->begin();
}

}  // namespace

void* pool_allocate(std::size_t bytes) {
  bytes = (bytes + kPoolAlignment - 1) & ~(kPoolAlignment - 1);
  ThreadState& s = state;
  Chunk* c = s.current;
  if (c != nullptr && c->live.load(std::memory_order_acquire) == 1) {
    s.cursor = c->begin();  // everything it held has died: start it again from the top
  }
  if (c == nullptr || static_cast<std::size_t>(c->end() - s.cursor) < bytes) {
    start_chunk(s);
    c = s.current;
  }
  void* p = s.cursor;
  s.cursor += bytes;
  c->live.fetch_add(1, std::memory_order_relaxed);
  NABLA_UNPOISON(p, bytes);
  return p;
}

void pool_deallocate(void* p, std::size_t bytes) noexcept {
  bytes = (bytes + kPoolAlignment - 1) & ~(kPoolAlignment - 1);
  NABLA_POISON(p, bytes);
  Chunk* c = chunk_of(p);
  if (c->live.fetch_sub(1, std::memory_order_acq_rel) == 1) push_spare(c);
}

std::size_t pool_spare_bytes() { return spare_total.load(std::memory_order_relaxed); }

void pool_release_spare() {
  ThreadState& s = state;
  while (Chunk* c = pop_spare(s)) free_chunk(c);
}

}  // namespace nabla::detail
