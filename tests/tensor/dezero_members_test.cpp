// The members DeZero and NumPy users write (x.reshape(2, 3), x.T(), x.sum(), x[i]): each is the
// free function of the same name, with the same values and the same gradients.
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "nabla/tensor/tensor.hpp"
#include "nabla/tensor/variable.hpp"

namespace {

using nabla::Shape;
using nabla::Slice;
using nabla::Tensor;
using nabla::Variable;

Variable two_by_three() { return Variable(Tensor{{1.0, 2.0, 3.0}, {4.0, 5.0, 6.0}}, "x"); }

TEST(DezeroMembers, ReshapeTakesSizesOrAShapeAndSendsTheGradientBack) {
  Variable x = two_by_three();
  const Variable y = x.reshape(3, 2);
  EXPECT_EQ(y.shape(), (Shape{3, 2}));
  EXPECT_EQ(y.data().to_vector(), x.data().to_vector());
  EXPECT_EQ(x.reshape(Shape{6}).shape(), (Shape{6}));
  // d/dx sum(w * reshape(x)) = reshape(w) back to x's shape.
  const Variable w(Tensor{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  sum(w * y).backward();
  EXPECT_EQ(x.grad().shape(), (Shape{2, 3}));
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{1, 2, 3, 4, 5, 6}));
}

TEST(DezeroMembers, TransposeAndTAreTheFreeTranspose) {
  Variable x = two_by_three();
  EXPECT_EQ(x.T().shape(), (Shape{3, 2}));
  EXPECT_EQ(x.T().data().to_vector(), (std::vector<double>{1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(x.transpose().data().to_vector(), transpose(x).data().to_vector());
  EXPECT_EQ(x.transpose({1, 0}).data().to_vector(), x.T().data().to_vector());
  const Variable w(Tensor{{1.0, 2.0}, {3.0, 4.0}, {5.0, 6.0}});
  sum(w * x.T()).backward();  // the gradient is w transposed back
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{1, 3, 5, 2, 4, 6}));
}

TEST(DezeroMembers, SumAndMeanReduceLikeTheFreeFunctions) {
  Variable x = two_by_three();
  EXPECT_EQ(x.sum().item(), 21);
  EXPECT_EQ(x.sum({0}).data().to_vector(), (std::vector<double>{5, 7, 9}));
  EXPECT_EQ(x.sum({1}, true).shape(), (Shape{2, 1}));
  EXPECT_EQ(x.mean().item(), 3.5);
  x.mean().backward();
  EXPECT_EQ(x.grad().data().to_vector(), std::vector<double>(6, 1.0 / 6));
}

TEST(DezeroMembers, SubscriptIsGetItem) {
  Variable x = two_by_three();
  EXPECT_EQ(x[1].data().to_vector(), (std::vector<double>{4, 5, 6}));
  EXPECT_EQ(x[-1].data().to_vector(), (std::vector<double>{4, 5, 6}));
  const Variable column = x[{Slice{}, 1}];
  EXPECT_EQ(column.data().to_vector(), (std::vector<double>{2, 5}));
  // DeZero's x[np.arange(N), t]: one element per row.
  const Variable picked = x[{std::vector<std::int64_t>{0, 1}, std::vector<std::int64_t>{2, 0}}];
  EXPECT_EQ(picked.data().to_vector(), (std::vector<double>{3, 4}));
  picked.sum().backward();
  EXPECT_EQ(x.grad().data().to_vector(), (std::vector<double>{0, 0, 1, 1, 0, 0}));
  EXPECT_THROW(x[2], nabla::ShapeError);
}

}  // namespace
