// The allocator of the autograd graph's small objects: Variables, Functions, their edges, and
// the headers of tensor storage (not the numbers of large tensors, which BufferCache serves).
//
// A graph of small operations is mostly bookkeeping, a few hundred bytes per operation, and the
// backward pass walks all of it. From malloc, those objects land wherever the free lists of the
// last graph's teardown put them, so a large graph is scattered over memory and each node costs
// a cache miss; glibc also gives the memory of a large freed graph back to the system, and the
// next graph pays a page fault per 4 KiB. Here each thread carves its objects, in the order it
// makes them, out of 64 KiB chunks of its own: a graph lies in memory in the order it was built,
// which is the order (reversed) that backward walks it, and memory is reused without faults.
//
// A chunk counts the objects it holds, plus one while a thread allocates from it. When that count
// falls to zero the chunk goes to a list of spare chunks of the thread that freed its last
// object (objects may die on any thread); a thread whose current chunk holds nothing any more
// starts it again from the top, so a loop that builds and drops the same graph keeps using the
// same memory. Spare chunks beyond kSpareBytes per thread go back to the system, and
// release_cached_memory() hands back the calling thread's. The price: one surviving object keeps
// its whole chunk, so a program that keeps one node in a thousand (say a running total's graph)
// holds 64 KiB per survivor until it lets go.
#pragma once

#include <cstddef>
#include <cstdint>
#include <new>

namespace nabla::detail {

// Objects up to this size come from the pool; larger ones (and over-aligned ones) from
// operator new. Both sides decide from the size alone, so no header is needed.
inline constexpr std::size_t kPoolMaxObject = 1024;
inline constexpr std::size_t kPoolAlignment = 16;

void* pool_allocate(std::size_t bytes);
void pool_deallocate(void* p, std::size_t bytes) noexcept;

// Bytes in spare chunks, summed over the threads; tensor_stats() counts them as cached.
std::size_t pool_spare_bytes();
// Hands the calling thread's spare chunks back to the system.
void pool_release_spare();

// For std::allocate_shared and containers of graph objects.
template <class T>
struct PoolAllocator {
  using value_type = T;

  PoolAllocator() = default;
  template <class U>
  PoolAllocator(const PoolAllocator<U>&) noexcept {}  // NOLINT: rebinding is implicit

  static constexpr bool pooled(std::size_t n) {
    return alignof(T) <= kPoolAlignment && n <= kPoolMaxObject / sizeof(T);
  }
  T* allocate(std::size_t n) {
    if (pooled(n)) return static_cast<T*>(pool_allocate(n * sizeof(T)));
    return static_cast<T*>(::operator new (n * sizeof(T), std::align_val_t{alignof(T)}));
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (pooled(n)) {
      pool_deallocate(p, n * sizeof(T));
    } else {
      ::operator delete (p, n * sizeof(T), std::align_val_t{alignof(T)});
    }
  }
};

template <class T, class U>
bool operator==(const PoolAllocator<T>&, const PoolAllocator<U>&) noexcept {
  return true;  // stateless: any one frees what another allocated
}

}  // namespace nabla::detail
