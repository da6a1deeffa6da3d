// Dropout (Srivastava et al.), inverted as PyTorch and DeZero do it: in training each number is
// kept with probability 1 - p and scaled by 1 / (1 - p), so that the expectation of the output
// is the input and evaluation needs no rescaling; in evaluation the layer is the identity (the
// input Variable itself is returned).
//
//   y = x ⊙ mask / (1 - p),   mask_i ~ Bernoulli(1 - p)  (mask_i = 1 when u_i < 1 - p, u ~ U[0, 1))
//
// The uniform numbers come from the layer's own Generator(seed) when a seed is given, else from
// the Generator given at construction, else from default_generator() at each call: a seed
// (manual_seed, or the generator's) fixes every mask, bit for bit, whatever the dtype. p = 1 drops
// everything (zeros, with zero gradient). The gradient is the same mask and scale, so x̄ = ȳ ⊙ mask
// / (1 - p), differentiable again. Training means the module is (train()/eval()) and the thread's
// training flag is on.
#pragma once

#include <cstdint>
#include <optional>

#include "nabla/nn/module.hpp"

namespace nabla::nn {

struct DropoutOptions {
  Generator* generator = nullptr;  // nullptr: default_generator(); must outlive the layer
  std::optional<std::uint64_t> seed = std::nullopt;  // the layer's own Generator(seed)
};

class Dropout : public Module {
 public:
  explicit Dropout(double p = 0.5, const DropoutOptions& options = {});
  Variable forward(const Variable& x) override;
  double p() const { return p_; }

 private:
  double p_;
  Generator own_;
  Generator* generator_;
};

// The scaled mask itself (keep / (1 - p) or 0 for each number of `shape`, in dtype), drawn from
// generator as Dropout draws it.
Tensor dropout_mask(const Shape& shape, double p, Generator& generator,
                    DType dtype = DType::float32);

}  // namespace nabla::nn
