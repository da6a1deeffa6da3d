// The graph's allocator (include/nabla/tensor/node_pool.hpp): chunks carved in order and reused
// when their objects die, objects freed on other threads, and spare memory handed back.
#include <gtest/gtest.h>

#include <cstdint>
#include <mutex>
#include <thread>
#include <vector>

#include "nabla/tensor/node_pool.hpp"
#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

namespace {

using nabla::Tensor;
using nabla::Variable;
namespace detail = nabla::detail;

// x * 1 + x * 2 + ... + x * (n - 1): about a kilobyte of graph per term.
Variable wide_sum(const Variable& x, int terms) {
  Variable y = x * 0.0;
  for (int i = 1; i < terms; ++i) y = y + x * static_cast<double>(i);
  return y;
}

// Each test that looks at addresses runs on a thread of its own, which starts with no chunk.
template <class Body>
void on_new_thread(Body body) {
  std::thread thread(body);
  thread.join();
}

TEST(NodePool, ObjectsAreCarvedInTheOrderTheyAreMade) {
  on_new_thread([] {
    std::vector<char*> blocks;
    for (int i = 0; i < 100; ++i) blocks.push_back(static_cast<char*>(detail::pool_allocate(40)));
    for (std::size_t i = 1; i < blocks.size(); ++i) {
      EXPECT_EQ(blocks[i] - blocks[i - 1], 48) << "sizes round up to 16 bytes";
    }
    for (char* block : blocks) {
      EXPECT_EQ(reinterpret_cast<std::uintptr_t>(block) % detail::kPoolAlignment, 0U);
    }
    for (char* block : blocks) detail::pool_deallocate(block, 40);
  });
}

// A loop that builds and drops the same graph keeps using the same memory.
TEST(NodePool, AChunkWhoseObjectsAllDiedStartsAgainFromTheTop) {
  on_new_thread([] {
    void* first = detail::pool_allocate(32);
    void* next = detail::pool_allocate(32);
    EXPECT_EQ(static_cast<char*>(next) - static_cast<char*>(first), 32);
    detail::pool_deallocate(first, 32);
    detail::pool_deallocate(next, 32);
    void* again = detail::pool_allocate(32);
    EXPECT_EQ(again, first);
    detail::pool_deallocate(again, 32);
    const void* before = nullptr;
    for (int round = 0; round < 3; ++round) {
      const Variable x(Tensor(2.0));
      const Variable y = x * 3.0 + 1.0;
      EXPECT_EQ(y.item(), 7.0);
      if (round == 0) before = y.data().data<double>();
      EXPECT_EQ(y.data().data<double>(), before) << "round " << round;
    }
  });
}

TEST(NodePool, TheGradientsOfAGraphLargerThanAChunkAreRight) {
  const Variable x(Tensor(2.0));
  for (int round = 0; round < 3; ++round) {
    const Variable y = wide_sum(x, 3000);  // some 2.5 MB of graph: about forty chunks
    Variable xc = x;
    xc.cleargrad();
    y.backward();
    EXPECT_EQ(y.item(), 2.0 * 2999.0 * 3000.0 / 2.0);
    EXPECT_EQ(x.grad().item(), 2999.0 * 3000.0 / 2.0);
  }
}

// Chunks emptied by dropping a graph are kept for the next one, and counted as cached.
TEST(NodePool, SpareChunksAreCountedAndHandedBack) {
  nabla::release_cached_memory();
  const std::int64_t baseline = nabla::tensor_stats().cached_bytes;
  {
    const Variable x(Tensor(2.0));
    const Variable y = wide_sum(x, 1000);
    y.backward();
  }
  EXPECT_GT(nabla::tensor_stats().cached_bytes, baseline);
  nabla::release_cached_memory();
  EXPECT_EQ(nabla::tensor_stats().cached_bytes, baseline);
}

// Objects may die on any thread; a chunk emptied there becomes that thread's spare, and a thread
// gives back its chunks when it ends.
TEST(NodePool, GraphsMadeOnOneThreadDieOnAnother) {
  nabla::release_cached_memory();
  const std::int64_t baseline = nabla::tensor_stats().cached_bytes;
  std::vector<Variable> made(4);
  std::thread maker([&] {
    for (int k = 0; k < 4; ++k) {
      const Variable x(Tensor(static_cast<double>(k)));
      made[static_cast<std::size_t>(k)] = wide_sum(x, 500);
    }
  });
  maker.join();
  // The maker has ended: only its chunks still in use by `made` remain.
  for (int k = 0; k < 4; ++k) {
    EXPECT_EQ(made[static_cast<std::size_t>(k)].item(), k * 499.0 * 500.0 / 2.0);
  }
  std::thread dropper([&] {
    made.clear();  // the last objects of the maker's chunks die here: they become spares here
    EXPECT_GT(nabla::tensor_stats().cached_bytes, baseline);
  });
  dropper.join();  // and go back to the system when the dropper ends
  EXPECT_EQ(nabla::tensor_stats().cached_bytes, baseline);
}

// Threads building, differentiating and dropping graphs at once, and handing graphs to each
// other to drop: every gradient stays right, and the counts of live objects return to zero.
TEST(NodePool, ThreadsShareNothingButTheGraphsTheyHandOver) {
  const nabla::AutogradStats before = nabla::autograd_stats();
  std::mutex mutex;
  std::vector<Variable> handed;  // each thread leaves graphs here for another to drop
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int round = 0; round < 200; ++round) {
        const Variable x(Tensor(static_cast<double>(t + 1)));
        const Variable y = wide_sum(x, 50);
        y.backward();
        if (x.grad().item() != 49.0 * 50.0 / 2.0) ++wrong[static_cast<std::size_t>(t)];
        std::lock_guard lock(mutex);
        if (round % 10 == 0) {
          handed.push_back(y);
        } else if (!handed.empty()) {
          handed.pop_back();  // often another thread's graph
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(wrong, std::vector<int>(4, 0));
  handed.clear();
  const nabla::AutogradStats after = nabla::autograd_stats();
  EXPECT_EQ(after.live_variables, before.live_variables);
  EXPECT_EQ(after.live_functions, before.live_functions);
}

// Objects over kPoolMaxObject bytes do not take room in the chunk: two small objects made around
// one stay neighbours.
TEST(NodePool, LargeObjectsComeFromOperatorNew) {
  const std::size_t many = detail::kPoolMaxObject / sizeof(double) + 1;
  EXPECT_FALSE(detail::PoolAllocator<double>::pooled(many));
  EXPECT_TRUE(detail::PoolAllocator<double>::pooled(many - 1));
  on_new_thread([many] {
    detail::PoolAllocator<double> allocator;
    double* before = allocator.allocate(2);
    double* large = allocator.allocate(many);
    double* after = allocator.allocate(2);
    EXPECT_EQ(after - before, 2) << "the large block was carved from the chunk";
    allocator.deallocate(large, many);
    double* pooled = allocator.allocate(many - 1);
    double* next = allocator.allocate(2);
    EXPECT_EQ(next - pooled, static_cast<std::ptrdiff_t>(many - 1));
    allocator.deallocate(next, 2);
    allocator.deallocate(pooled, many - 1);
    allocator.deallocate(after, 2);
    allocator.deallocate(before, 2);
  });
}

}  // namespace
