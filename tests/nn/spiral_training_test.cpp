// DeZero's step 48: a two-layer network learns the spiral, which no linear model separates.
// Deterministic: the same seed gives the same loss curve, bit for bit.
#include <gtest/gtest.h>

#include <memory>
#include <vector>

#include "nabla/nn/data.hpp"
#include "nabla/nn/init.hpp"
#include "nabla/nn/layers.hpp"
#include "nabla/nn/module.hpp"
#include "nabla/nn/optim.hpp"

namespace {

using nabla::Variable;
using namespace nabla::nn;

struct TrainingRun {
  std::vector<double> losses;  // the mean loss of each epoch
  double accuracy;
};

TrainingRun train_on_spiral(std::uint64_t seed, int epochs) {
  manual_seed(seed);
  Sequential model{std::make_shared<Linear>(2, 30), std::make_shared<Sigmoid>(),
                   std::make_shared<Linear>(30, 3)};
  SGD optimizer(model.parameters(), {.lr = 1.0});
  const TensorDataset data = spiral();
  DataLoader loader(data, {.batch_size = 30, .shuffle = true, .seed = seed});
  TrainingRun run;
  for (int e = 0; e < epochs; ++e) {
    double total = 0;
    for (const Batch& batch : loader) {
      Variable inputs(batch.inputs);
      inputs.set_requires_grad(false);
      const Variable loss = softmax_cross_entropy(model(inputs), batch.targets);
      optimizer.zero_grad();
      loss.backward();
      optimizer.step();
      total += loss.item();
    }
    run.losses.push_back(total / static_cast<double>(loader.batch_count()));
  }
  model.eval();
  run.accuracy = accuracy(model(Variable(data.inputs())).data(), data.targets());
  return run;
}

TEST(SpiralTraining, ATwoLayerNetworkLearnsTheSpiralTheSameWayEachTime) {
  const TrainingRun first = train_on_spiral(0, 300);
  const TrainingRun second = train_on_spiral(0, 300);
  EXPECT_EQ(first.losses, second.losses);
  EXPECT_EQ(first.accuracy, second.accuracy);
  EXPECT_GT(first.losses.front(), 1.0);  // about log 3 at the start
  EXPECT_LT(first.losses.back(), 0.3);
  EXPECT_GE(first.accuracy, 0.9);
}

}  // namespace
