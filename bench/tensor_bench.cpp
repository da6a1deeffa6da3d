// The tensor engine against the code it is measured by, in one process:
//   TensorChain/<engine>    1000 operations on a small tensor (4 float32 numbers), alternating
//                           sin and multiplication by a number, then the sum and backward():
//                           the overhead per operation, forward and backward (report.py divides
//                           by 1000)
//   TensorWideSum/<engine>/<n>  backward() of x*1 + x*2 + ... + x*n, n = 1000 and 16000: the time
//                           per term must not grow with n (DeZero's re-sorted work list goes
//                           quadratic there); report.py divides by n
//   TensorGemm/<engine>/<dtype>   a 1024 x 1024 by 1024 x 1024 matrix product: nabla::matmul,
//                           the BLAS it calls used directly (cblas_sgemm / cblas_dgemm), and
//                           torch::matmul; counter flops = 2 n^3 per second
//   TensorMlpStep/<engine>  one training step of a 784-1000-10 perceptron with ReLU on a batch of
//                           256, softmax cross-entropy, and SGD (lr 0.01): forward, backward,
//                           update, float32
// <engine> is nabla, blas (GEMM only) or torch: libtorch on the CPU, compiled in when Debian's
// libtorch-dev is installed (`make bench` installs it). Every engine runs on one thread
// (nabla::set_num_threads(1) for OpenBLAS, at::set_num_threads(1) for libtorch).
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdint>
#include <random>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

#ifdef NABLA_BENCH_HAVE_TORCH
#include <torch/torch.h>
#endif

namespace {

constexpr int kChainLength = 1000;  // operations per chain: 500 sin, 500 multiplications
constexpr std::int64_t kGemmSize = 1024;
constexpr std::int64_t kBatch = 256, kInputs = 784, kHidden = 1000, kClasses = 10;
constexpr double kLearningRate = 0.01;

void one_thread() {
  nabla::set_num_threads(1);
#ifdef NABLA_BENCH_HAVE_TORCH
  at::set_num_threads(1);
#endif
}

std::vector<std::int64_t> labels() {
  std::mt19937 generator(3);
  std::uniform_int_distribution<std::int64_t> label(0, kClasses - 1);
  std::vector<std::int64_t> result(kBatch);
  for (auto& l : result) l = label(generator);
  return result;
}

// --- overhead per operation ------------------------------------------------------------------

void TensorChain_nabla(benchmark::State& state) {
  one_thread();
  const nabla::Tensor start =
      nabla::Tensor(nabla::Shape{4}, std::vector<float>{0.1f, 0.2f, 0.3f, 0.4f});
  for (auto _ : state) {
    nabla::Variable x(start);
    nabla::Variable y = x;
    for (int k = 0; k < kChainLength / 2; ++k) y = nabla::sin(y) * 1.01;
    nabla::sum(y).backward();
    benchmark::DoNotOptimize(x.grad().data().data<float>());
  }
  state.counters["ops"] = kChainLength;
}

void TensorWideSum_nabla(benchmark::State& state) {
  const auto terms = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    nabla::Variable x(nabla::Tensor(2.0));
    nabla::Variable y = x * 0.0;
    for (int i = 1; i < terms; ++i) y = y + x * static_cast<double>(i);
    state.ResumeTiming();
    y.backward();
    benchmark::DoNotOptimize(x.grad().item());
    state.PauseTiming();  // tearing the graph down is not part of the measurement
    x = nabla::Variable();
    y = nabla::Variable();
    state.ResumeTiming();
  }
  state.counters["terms"] = terms;
}

// --- GEMM ------------------------------------------------------------------------------------

template <class T>
void set_flops(benchmark::State& state) {
  state.counters["flops"] = benchmark::Counter(2.0 * kGemmSize * kGemmSize * kGemmSize,
                                               benchmark::Counter::kIsIterationInvariantRate);
}

template <class T>
nabla::Tensor square_matrix(std::uint64_t seed) {
  nabla::Generator generator(seed);
  const nabla::DType dtype =
      std::is_same_v<T, float> ? nabla::DType::float32 : nabla::DType::float64;
  return nabla::Tensor::randn({kGemmSize, kGemmSize}, generator, dtype);
}

template <class T>
void TensorGemm_nabla(benchmark::State& state) {
  one_thread();
  const nabla::Tensor a = square_matrix<T>(1), b = square_matrix<T>(2);
  for (auto _ : state) benchmark::DoNotOptimize(nabla::matmul(a, b).data<T>());
  set_flops<T>(state);
}

template <class T>
void TensorGemm_blas(benchmark::State& state) {
  one_thread();
  const nabla::Tensor a = square_matrix<T>(1), b = square_matrix<T>(2);
  std::vector<T> c(static_cast<std::size_t>(kGemmSize * kGemmSize));
  const auto n = static_cast<blasint>(kGemmSize);
  for (auto _ : state) {
    if constexpr (std::is_same_v<T, float>) {
      cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0f, a.data<float>(), n,
                  b.data<float>(), n, 0.0f, c.data(), n);
    } else {
      cblas_dgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, n, n, n, 1.0, a.data<double>(), n,
                  b.data<double>(), n, 0.0, c.data(), n);
    }
    benchmark::DoNotOptimize(c.data());
  }
  set_flops<T>(state);
}

// --- one training step -----------------------------------------------------------------------

void TensorMlpStep_nabla(benchmark::State& state) {
  one_thread();
  using nabla::DType;
  using nabla::Tensor;
  using nabla::Variable;
  nabla::Generator generator(4);
  // The batch is a Tensor, not a Variable the loop holds: as with libtorch's requires_grad
  // false, no gradient is computed for it.
  const Tensor x = Tensor::randn({kBatch, kInputs}, generator, DType::float32);
  Variable w1(Tensor::randn({kInputs, kHidden}, generator, DType::float32) * 0.05);
  Variable b1(Tensor::zeros({kHidden}, DType::float32));
  Variable w2(Tensor::randn({kHidden, kClasses}, generator, DType::float32) * 0.05);
  Variable b2(Tensor::zeros({kClasses}, DType::float32));
  const std::vector<std::int64_t> targets = labels();
  std::vector<Variable> parameters = {w1, b1, w2, b2};
  double loss_value = 0;
  for (auto _ : state) {
    const Variable hidden = nabla::relu(nabla::linear(x, w1, b1));
    const Variable loss = nabla::softmax_cross_entropy(nabla::linear(hidden, w2, b2), targets);
    for (Variable& p : parameters) p.cleargrad();
    loss.backward();
    for (Variable& p : parameters) {
      Tensor data = p.data();  // shares the parameter's storage: the update is in place
      data -= p.grad().data() * kLearningRate;
    }
    loss_value = loss.item();
  }
  state.counters["loss"] = loss_value;
}

#ifdef NABLA_BENCH_HAVE_TORCH

void TensorChain_torch(benchmark::State& state) {
  one_thread();
  const torch::Tensor start = torch::tensor({0.1f, 0.2f, 0.3f, 0.4f});
  for (auto _ : state) {
    torch::Tensor x = start.clone().requires_grad_(true);
    torch::Tensor y = x;
    for (int k = 0; k < kChainLength / 2; ++k) y = torch::sin(y) * 1.01;
    y.sum().backward();
    benchmark::DoNotOptimize(x.grad().data_ptr<float>());
  }
  state.counters["ops"] = kChainLength;
}

void TensorWideSum_torch(benchmark::State& state) {
  one_thread();
  const auto terms = static_cast<int>(state.range(0));
  for (auto _ : state) {
    state.PauseTiming();
    torch::Tensor x = torch::tensor(2.0, torch::kFloat64).requires_grad_(true);
    torch::Tensor y = x * 0.0;
    for (int i = 1; i < terms; ++i) y = y + x * static_cast<double>(i);
    state.ResumeTiming();
    y.backward();
    benchmark::DoNotOptimize(x.grad().item<double>());
    state.PauseTiming();
    x = torch::Tensor();
    y = torch::Tensor();
    state.ResumeTiming();
  }
  state.counters["terms"] = terms;
}

template <class T>
void TensorGemm_torch(benchmark::State& state) {
  one_thread();
  const auto dtype = std::is_same_v<T, float> ? torch::kFloat32 : torch::kFloat64;
  torch::manual_seed(1);
  const torch::Tensor a = torch::randn({kGemmSize, kGemmSize}, dtype);
  const torch::Tensor b = torch::randn({kGemmSize, kGemmSize}, dtype);
  for (auto _ : state) benchmark::DoNotOptimize(torch::matmul(a, b).data_ptr<T>());
  set_flops<T>(state);
}

void TensorMlpStep_torch(benchmark::State& state) {
  one_thread();
  torch::manual_seed(4);
  const torch::Tensor x = torch::randn({kBatch, kInputs});
  torch::Tensor w1 = (torch::randn({kInputs, kHidden}) * 0.05).requires_grad_(true);
  torch::Tensor b1 = torch::zeros({kHidden}).requires_grad_(true);
  torch::Tensor w2 = (torch::randn({kHidden, kClasses}) * 0.05).requires_grad_(true);
  torch::Tensor b2 = torch::zeros({kClasses}).requires_grad_(true);
  const std::vector<std::int64_t> target_values = labels();
  const torch::Tensor targets = torch::tensor(target_values, torch::kInt64);
  std::vector<torch::Tensor> parameters = {w1, b1, w2, b2};
  double loss_value = 0;
  for (auto _ : state) {
    const torch::Tensor hidden = torch::relu(torch::addmm(b1, x, w1));
    const torch::Tensor loss =
        torch::nn::functional::cross_entropy(torch::addmm(b2, hidden, w2), targets);
    for (torch::Tensor& p : parameters) {
      if (p.grad().defined()) p.grad().zero_();
    }
    loss.backward();
    {
      torch::NoGradGuard no_grad;
      for (torch::Tensor& p : parameters) p.sub_(p.grad() * kLearningRate);
    }
    loss_value = loss.item<double>();
  }
  state.counters["loss"] = loss_value;
}

#endif

}  // namespace

BENCHMARK(TensorChain_nabla)->Name("TensorChain/nabla");
BENCHMARK(TensorWideSum_nabla)->Name("TensorWideSum/nabla")->Arg(1000)->Arg(16000);
BENCHMARK(TensorGemm_nabla<float>)->Name("TensorGemm/nabla/float32")->Unit(benchmark::kMillisecond);
BENCHMARK(TensorGemm_blas<float>)->Name("TensorGemm/blas/float32")->Unit(benchmark::kMillisecond);
BENCHMARK(TensorGemm_nabla<double>)
    ->Name("TensorGemm/nabla/float64")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(TensorGemm_blas<double>)->Name("TensorGemm/blas/float64")->Unit(benchmark::kMillisecond);
BENCHMARK(TensorMlpStep_nabla)->Name("TensorMlpStep/nabla")->Unit(benchmark::kMillisecond);
#ifdef NABLA_BENCH_HAVE_TORCH
BENCHMARK(TensorChain_torch)->Name("TensorChain/torch");
BENCHMARK(TensorWideSum_torch)->Name("TensorWideSum/torch")->Arg(1000)->Arg(16000);
BENCHMARK(TensorGemm_torch<float>)->Name("TensorGemm/torch/float32")->Unit(benchmark::kMillisecond);
BENCHMARK(TensorGemm_torch<double>)
    ->Name("TensorGemm/torch/float64")
    ->Unit(benchmark::kMillisecond);
BENCHMARK(TensorMlpStep_torch)->Name("TensorMlpStep/torch")->Unit(benchmark::kMillisecond);
#endif
