// Memory measured in bytes: after training-like loops of build, backward and drop, the numbers
// held by live tensors are back at their baseline (buffers kept for reuse are counted apart).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

namespace {

using nabla::DType;
using nabla::Tensor;
using nabla::Variable;

TEST(TensorMemory, TenThousandBuildAndBackwardIterationsReturnToTheBaselineInBytes) {
  nabla::Generator generator(9);
  Variable w(Tensor::randn({8, 4}, generator), "w");
  const Tensor x = Tensor::randn({16, 8}, generator);
  const std::vector<std::int64_t> labels(16, 1);
  w.cleargrad();
  const nabla::TensorStats baseline = nabla::tensor_stats();
  for (int i = 0; i < 10000; ++i) {
    const Variable loss = nabla::softmax_cross_entropy(nabla::tanh(nabla::matmul(x, w)), labels);
    w.cleargrad();
    loss.backward();
  }
  w.cleargrad();
  const nabla::TensorStats after = nabla::tensor_stats();
  EXPECT_EQ(after.live_buffers, baseline.live_buffers);
  EXPECT_EQ(after.live_bytes, baseline.live_bytes);
}

// The gradient kept in w.grad() is the only thing a finished step leaves behind.
TEST(TensorMemory, AKeptGradientIsTheOnlyMemoryLeftAfterAStep) {
  Variable w(Tensor::ones({64, 64}, DType::float32), "w");
  const nabla::TensorStats baseline = nabla::tensor_stats();
  {
    const Variable loss = nabla::sum(nabla::square(nabla::matmul(w, w)));
    loss.backward();
  }
  const nabla::TensorStats after = nabla::tensor_stats();
  EXPECT_EQ(after.live_buffers - baseline.live_buffers, 1);
  EXPECT_EQ(after.live_bytes - baseline.live_bytes, 64 * 64 * 4);
  w.cleargrad();
  EXPECT_EQ(nabla::tensor_stats().live_bytes, baseline.live_bytes);
}

}  // namespace
