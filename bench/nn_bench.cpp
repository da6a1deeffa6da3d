// Convolution, forward and backward, against the GEMMs it is built on and against libtorch:
//   NnConv2dStep/<engine>   Conv2d(32 -> 64, 3x3, padding 1) on a float32 batch of 64 images of
//                           28 x 28: the forward pass, then the gradients of the input, weight
//                           and bias of sum(y). counter flops = the three GEMMs' 2 N O K L per
//                           second (K = 32 · 9, L = 28 · 28), so the engines read as a fraction
//                           of the BLAS's rate
// <engine> is nabla (nabla::nn::Conv2d: im2col, matmul, col2im), blas (the same three GEMMs
// per image, cblas_sgemm straight on preallocated buffers: the ceiling of this design) or
// torch (torch::conv2d and backward, compiled in with libtorch-dev). One thread each, as in
// tensor_bench.cpp.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdint>
#include <vector>

#include "nabla/nn/conv.hpp"
#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

#ifdef NABLA_BENCH_HAVE_TORCH
#include <torch/torch.h>
#endif

namespace {

constexpr std::int64_t kBatch = 64, kIn = 32, kOut = 64, kSize = 28;
constexpr std::int64_t kRows = kIn * 9, kPositions = kSize * kSize;  // K and L

void one_thread() {
  nabla::set_num_threads(1);
#ifdef NABLA_BENCH_HAVE_TORCH
  at::set_num_threads(1);
#endif
}

void count_flops(benchmark::State& state) {
  state.counters["flops"] = benchmark::Counter(3.0 * 2 * kBatch * kOut * kRows * kPositions,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

void NnConv2dStep_nabla(benchmark::State& state) {
  one_thread();
  nabla::Generator generator(1);
  nabla::nn::Conv2d conv(kIn, kOut, 3, {.padding = 1, .generator = &generator});
  nabla::Variable x(
      nabla::Tensor::randn({kBatch, kIn, kSize, kSize}, generator, nabla::DType::float32));
  for (auto _ : state) {
    conv.zero_grad();
    x.cleargrad();
    sum(conv(x)).backward();
    benchmark::DoNotOptimize(conv.weight().grad().data().data<float>());
  }
  count_flops(state);
}

void NnConv2dStep_blas(benchmark::State& state) {
  one_thread();
  const std::int64_t K = kRows, L = kPositions, O = kOut;
  std::vector<float> weight(O * K, 0.01f), columns(kBatch * K * L, 0.5f), y(kBatch * O * L);
  std::vector<float> weight_grad(O * K), column_grad(kBatch * K * L);
  const auto k = static_cast<blasint>(K), l = static_cast<blasint>(L), o = static_cast<blasint>(O);
  for (auto _ : state) {
    for (std::int64_t n = 0; n < kBatch; ++n) {
      float* y_n = y.data() + n * O * L;
      float* columns_n = columns.data() + n * K * L;
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, o, l, k, 1, weight.data(), k,
                  columns_n, l, 0, y_n, l);
      cblas_sgemm(CblasRowMajor, CblasTrans, CblasNoTrans, k, l, o, 1, weight.data(), k, y_n, l, 0,
                  column_grad.data() + n * K * L, l);
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, o, k, l, 1, y_n, l, columns_n, l,
                  n == 0 ? 0.0f : 1.0f, weight_grad.data(), k);
    }
    benchmark::DoNotOptimize(weight_grad.data());
  }
  count_flops(state);
}

#ifdef NABLA_BENCH_HAVE_TORCH
void NnConv2dStep_torch(benchmark::State& state) {
  one_thread();
  torch::manual_seed(1);
  const torch::Tensor x = torch::randn({kBatch, kIn, kSize, kSize}).requires_grad_(true);
  const torch::Tensor weight = (torch::randn({kOut, kIn, 3, 3}) * 0.05).requires_grad_(true);
  const torch::Tensor bias = torch::zeros({kOut}).requires_grad_(true);
  for (auto _ : state) {
    torch::conv2d(x, weight, bias, 1, 1).sum().backward();
    benchmark::DoNotOptimize(weight.grad().data_ptr<float>());
    x.mutable_grad().reset();
    weight.mutable_grad().reset();
    bias.mutable_grad().reset();
  }
  count_flops(state);
}
#endif

}  // namespace

BENCHMARK(NnConv2dStep_nabla)
    ->Name("NnConv2dStep/nabla")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
BENCHMARK(NnConv2dStep_blas)
    ->Name("NnConv2dStep/blas")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#ifdef NABLA_BENCH_HAVE_TORCH
BENCHMARK(NnConv2dStep_torch)
    ->Name("NnConv2dStep/torch")
    ->Unit(benchmark::kMillisecond)
    ->UseRealTime();
#endif
