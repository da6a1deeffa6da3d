#include "nabla/reverse/var.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <vector>

namespace {

using nabla::Var;

// Seeds 000 and 003: NumberWithGrad, cell by cell.
TEST(Var, SeedChainGivesFourAndOne) {
  nabla::Recording recording;
  Var a = 3;
  Var b = a * 4;
  Var c = b + 3;
  c.backward();
  EXPECT_EQ(a.grad(), 4);
  EXPECT_EQ(b.grad(), 1);
  EXPECT_EQ(c.value(), 15);
}

TEST(Var, SeedProductOfSumsGivesThirtyFive) {
  nabla::Recording recording;
  Var a = 3;
  Var b = a * 4;
  Var c = b + 3;
  Var d = a + 2;
  Var e = c * d;  // (4a + 3)(a + 2): de/da = 4(a + 2) + (4a + 3) = 35 at a = 3
  e.backward();
  EXPECT_EQ(a.grad(), 35);
}

TEST(Var, SeedReusedVariableAccumulatesTwentyFour) {
  nabla::Recording recording;
  Var a = 3;
  Var b = a * 4;
  Var c = b + 3;
  Var d = b * 5;
  Var e = c + d;  // (4a + 3) + 5(4a): b is used twice, de/da = 4 + 20
  e.backward();
  EXPECT_EQ(a.grad(), 24);
  EXPECT_EQ(b.grad(), 6);
}

TEST(Var, SeedFunctionGradientFromOneSweep) {
  nabla::Recording recording;
  Var x = 3, y = 4;
  Var f = x * x * y + y + 2;
  f.backward();
  EXPECT_EQ(f.value(), 42);
  EXPECT_EQ(x.grad(), 24);
  EXPECT_EQ(y.grad(), 10);
}

TEST(Var, WorksWithNoRecordingOpened) {
  // The thread's base tape: `Var a = 3;` needs no set-up, as in the seeds.
  Var a = 3;
  Var c = a * a;
  c.backward();
  EXPECT_EQ(a.grad(), 6);
}

// A thread that has recorded nothing has no tape: operations on another thread's variables
// are errors, on every path (unary, binary, the same variable twice, backward, grad), and the
// thread's own first variable still starts its tape.
TEST(Var, AThreadWithNoTapeRefusesOtherThreadsVariables) {
  nabla::Recording recording;
  const Var x = 2, y = 3;
  std::thread([&] {
    EXPECT_THROW(Var(x * 2.0), nabla::RecordingError);
    EXPECT_THROW(Var(sin(x)), nabla::RecordingError);
    EXPECT_THROW(Var(x + y), nabla::RecordingError);
    EXPECT_THROW(Var(x * x), nabla::RecordingError);
    EXPECT_THROW(x.backward(), nabla::RecordingError);
    EXPECT_THROW((void)x.grad(), nabla::RecordingError);
    Var own = 4;
    Var square = own * own;
    square.backward();
    EXPECT_EQ(own.grad(), 8);
  }).join();
}

TEST(Var, EachBackwardStartsFromZeroAndAnswersForItsOwnOutput) {
  nabla::Recording recording;
  Var x = 2;
  Var square = x * x;
  Var cube = square * x;
  cube.backward();
  EXPECT_EQ(x.grad(), 12);
  square.backward();
  EXPECT_EQ(x.grad(), 4);     // not 16: adjoints are not carried over between sweeps
  EXPECT_EQ(cube.grad(), 0);  // recorded after `square`
}

TEST(Var, ClearedRecordingRefusesItsOldVariables) {
  nabla::Recording recording;
  Var x = 2;
  recording.tape().clear();
  EXPECT_THROW(x * 2, nabla::RecordingError);
  EXPECT_THROW(x.backward(), nabla::RecordingError);
  Var fresh = 5;
  Var y = fresh * 3;  // the tape itself is fine
  y.backward();
  EXPECT_EQ(fresh.grad(), 3);
}

TEST(Var, VariablesOfAnEndedRecordingAreAnErrorWithAMessage) {
  Var outside = 1;
  std::string message;
  {
    nabla::Recording recording;
    try {
      Var inside = outside * 2;
      (void)inside;
    } catch (const nabla::RecordingError& e) {
      message = e.what();
    }
  }
  EXPECT_NE(message.find("another recording"), std::string::npos) << message;
  // After the inner recording ends, the outer one is active again.
  Var y = outside * 2;
  y.backward();
  EXPECT_EQ(outside.grad(), 2);
}

TEST(Var, RecordingsNestAndRestoreTheOuterTape) {
  nabla::Recording outer;
  Var a = 3;
  {
    nabla::Recording inner;
    Var b = 5;
    Var c = b * b;
    c.backward();
    EXPECT_EQ(b.grad(), 10);
  }
  Var d = a * a * a;
  d.backward();
  EXPECT_EQ(a.grad(), 27);
}

TEST(Var, AnExceptionInTheMiddleLeavesTheTapeUsable) {
  nabla::Recording recording;
  Var x = 2;
  auto throws_halfway = [](Var v) -> Var {
    Var w = v * v;
    if (w > 1) throw std::runtime_error("user code failed");
    return w;
  };
  EXPECT_THROW(throws_halfway(x), std::runtime_error);
  Var y = x * x * x;  // the half-recorded statements are harmless
  y.backward();
  EXPECT_EQ(x.grad(), 12);
}

TEST(Var, MixedArithmeticWithPlainNumbers) {
  nabla::Recording recording;
  Var x = 2;
  Var y = 1 + x * 3 - 4 / x + x / 2 - (5 - x) + 2.5f * x;
  y.backward();
  // dy/dx = 3 + 4/x^2 + 1/2 + 1 + 2.5
  EXPECT_DOUBLE_EQ(x.grad(), 3 + 1 + 0.5 + 1 + 2.5);
  Var z = x;
  z += 1;
  z *= x;
  z -= 2;
  z /= x;  // z = ((x + 1) x - 2) / x = x + 1 - 2/x
  z.backward();
  EXPECT_DOUBLE_EQ(x.grad(), 1 + 2 / 4.0);
  Var n = -x;
  n.backward();
  EXPECT_EQ(x.grad(), -1);
}

TEST(Var, ComparisonsAndPrintingLookAtTheValue) {
  nabla::Recording recording;
  Var a = 3, b = 4;
  EXPECT_TRUE(a < b);
  EXPECT_TRUE(a == 3);
  EXPECT_TRUE(2 < a);
  std::ostringstream os;
  os << a * b;
  EXPECT_EQ(os.str(), "12");
}

TEST(Var, SqrtAtZeroDoesNotPoisonOtherInputs) {
  nabla::Recording recording;
  Var x = 0, y = 1;
  Var f = sqrt(x) + y;
  f.backward();
  EXPECT_EQ(x.grad(), std::numeric_limits<double>::infinity());
  EXPECT_EQ(y.grad(), 1);
  // A zero adjoint never meets the infinite partial: g does not depend on sqrt(x) at all.
  Var unused = sqrt(x);
  Var g = y * 2;
  g.backward();
  EXPECT_EQ(x.grad(), 0);
  (void)unused;
}

TEST(Var, SubnormalAdjointsStopPropagating) {
  nabla::Recording recording;
  Var x = 1;
  Var r = x * 2;
  Var s = r * 1e-160;
  Var t = s * 1e-160;
  t.backward();
  EXPECT_EQ(s.grad(), 1e-160);
  EXPECT_EQ(r.grad(), 1e-160 * 1e-160);  // subnormal (about 1e-320): stored as computed...
  EXPECT_EQ(x.grad(), 0);                // ...but not propagated further (it would be 2e-320)
  // Normal adjoints are unaffected however small the partials that made them.
  Var u = x * 1e-310;
  Var v = u * 1e10;
  v.backward();
  EXPECT_EQ(x.grad(), 1e10 * 1e-310);
}

// Inputs recorded in one step, past the tape's first capacity, and a sweep that starts after
// a later constant: every adjoint lands where it belongs.
TEST(Var, InputsRecordedTogetherGetConsecutiveIndicesAndTheirAdjoints) {
  nabla::Recording recording;
  Var before = 1.5;
  std::vector<double> values(3000);
  for (std::size_t i = 0; i < values.size(); ++i) values[i] = 0.001 * double(i);
  const std::vector<Var> x = Var::inputs(values);
  ASSERT_EQ(x.size(), values.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    EXPECT_EQ(x[i].index(), before.index() + 1 + i);
    EXPECT_EQ(x[i].value(), values[i]);
  }
  Var y = before * x[0];
  for (std::size_t i = 1; i < x.size(); ++i) y += double(i) * x[i];
  const Var three = 3;  // an input recorded after operations
  y = y * three + x[1] * x[2];
  y.backward();
  EXPECT_EQ(before.grad(), 3 * values[0]);
  EXPECT_EQ(x[0].grad(), 3 * 1.5);
  EXPECT_EQ(x[1].grad(), 3 * 1.0 + values[2]);
  EXPECT_EQ(x[2].grad(), 3 * 2.0 + values[1]);
  for (std::size_t i = 3; i < x.size(); ++i) EXPECT_EQ(x[i].grad(), 3 * double(i)) << i;
  // before, the inputs, before * x0 (each i * x[i] is merged into it by the +=), three,
  // y * three, and x1 * x2 with the + folded into it.
  EXPECT_EQ(recording.tape().statement_count(), 1 + 3000 + 1 + 1 + 1 + 1);
}

TEST(Var, TapeCostsFourBytesPerOperationAndTwelvePerPartial) {
  nabla::Recording recording;
  Var x = 1, y = 2;       // 2 statements, no partials
  Var z = x * y + x / y;  // x * y and x / y with 2 partials each; + folded into x / y: 1 more
  (void)z;
  const auto& tape = recording.tape();
  EXPECT_EQ(tape.statement_count(), 4u);
  EXPECT_EQ(tape.operand_count(), 5u);
  EXPECT_EQ(tape.recorded_bytes(), 4 * 4 + 5 * 12u);
}

// Operations on temporaries fold into the temporary's statement; named variables, copies and
// shared statements are never folded into, and every gradient stays exact.
TEST(Var, TemporariesAreFoldedIntoOneStatement) {
  nabla::Recording recording;
  const auto& tape = recording.tape();
  Var x = 0.5, y = 2;
  const std::size_t inputs = tape.statement_count();

  // sin(x) * 3 + 1 - y: one statement with partials for x and y.
  Var a = sin(x) * 3.0 + 1.0 - y;
  EXPECT_EQ(tape.statement_count(), inputs + 1);
  EXPECT_EQ(tape.operand_count(), 2u);
  a.backward();
  EXPECT_DOUBLE_EQ(x.grad(), 3 * std::cos(0.5));
  EXPECT_EQ(y.grad(), -1);

  // s += x in a loop extends one statement (s's own, the constant 0 it started as).
  const std::size_t statements = tape.statement_count();
  Var s = 0.0;
  for (int i = 0; i < 5; ++i) s += x;
  EXPECT_EQ(tape.statement_count(), statements + 1);
  s.backward();
  EXPECT_EQ(x.grad(), 5);
  // s += c x merges each product's statement, the last, into the sum's, the one before it.
  for (int i = 0; i < 5; ++i) s += x * double(i + 1);
  EXPECT_EQ(tape.statement_count(), statements + 1);
  s.backward();
  EXPECT_EQ(x.grad(), 20);

  // x * x records one partial, 2x.
  const std::size_t before = tape.operand_count();
  Var square = x * x;
  EXPECT_EQ(tape.operand_count(), before + 1);
  square.backward();
  EXPECT_EQ(x.grad(), 1.0);

  // A copied result is shared: an operation on it must not change what the copy means.
  Var t = x * y;
  Var copy = t;
  Var u = std::move(t) * 10.0;
  u.backward();
  EXPECT_EQ(x.grad(), 20);
  copy.backward();
  EXPECT_EQ(x.grad(), 2);
  EXPECT_EQ(y.grad(), 0.5);

  // A statement used by a later one is not the last, so it is not folded into.
  Var p = x * y;
  Var q = p + 1.0;  // p is named: q is a new statement using p
  Var r = std::move(p) * 3.0;
  r.backward();
  EXPECT_EQ(x.grad(), 6);
  q.backward();
  EXPECT_EQ(x.grad(), 2);
}

// Two temporaries recorded one after the other become one statement with their operation;
// an operand met twice in one statement becomes one partial.
TEST(Var, TemporariesMadeInTurnShareOneStatement) {
  nabla::Recording recording;
  const auto& tape = recording.tape();
  Var x = 0.5, y = 2;
  const double xv = 0.5, yv = 2;

  // sin(x) * cos(y): one statement, partials cos x cos y and -sin x sin y.
  std::size_t statements = tape.statement_count(), operands = tape.operand_count();
  Var p = sin(x) * cos(y);
  EXPECT_EQ(tape.statement_count(), statements + 1);
  EXPECT_EQ(tape.operand_count(), operands + 2);
  p.backward();
  EXPECT_DOUBLE_EQ(x.grad(), std::cos(xv) * std::cos(yv));
  EXPECT_DOUBLE_EQ(y.grad(), -std::sin(xv) * std::sin(yv));

  // The later temporary on the left: merged into the earlier one's statement all the same.
  Var first = x * 2.0;
  Var second = y * 3.0;
  statements = tape.statement_count();
  Var q = std::move(second) / std::move(first);  // 3y / 2x
  EXPECT_EQ(tape.statement_count(), statements - 1);
  EXPECT_EQ(q.index(), statements - 2);
  q.backward();
  EXPECT_DOUBLE_EQ(x.grad(), -3 * yv / (2 * xv * xv));
  EXPECT_DOUBLE_EQ(y.grad(), 3 / (2 * xv));

  // A constant's statement takes the other's partials.
  statements = tape.statement_count();
  Var constant = 2.0;
  Var e = exp(x);
  Var shifted = std::move(constant) + std::move(e);
  EXPECT_EQ(tape.statement_count(), statements + 1);
  shifted.backward();
  EXPECT_DOUBLE_EQ(x.grad(), std::exp(xv));

  // Not when the later statement refers to the earlier: u = sin(t) uses t, so t + u keeps both.
  Var t = x * 2.0;
  Var u = sin(t);  // t named: u refers to t's statement
  statements = tape.statement_count();
  Var r = std::move(t) + std::move(u);
  EXPECT_EQ(tape.statement_count(), statements);  // the + is folded into u
  r.backward();
  EXPECT_DOUBLE_EQ(x.grad(), 2 + 2 * std::cos(2 * xv));

  // Nor when one of them is shared: its copy must keep its meaning.
  Var v = x * 5.0;
  Var copy = v;
  Var w = std::move(v) + y * 7.0;
  w.backward();
  EXPECT_EQ(x.grad(), 5);
  EXPECT_EQ(y.grad(), 7);
  copy.backward();
  EXPECT_EQ(x.grad(), 5);
  EXPECT_EQ(y.grad(), 0);

  // x * 3 * x: one statement of one partial, 6x.
  statements = tape.statement_count();
  operands = tape.operand_count();
  Var cube = x * 3.0 * x;
  EXPECT_EQ(tape.statement_count(), statements + 1);
  EXPECT_EQ(tape.operand_count(), operands + 1);
  cube.backward();
  EXPECT_EQ(x.grad(), 6 * xv);

  // A Rosenbrock term: a, b, and one statement for 100 a a + b b and the running sum.
  Var sum = 0.0;
  statements = tape.statement_count();
  operands = tape.operand_count();
  const Var a = y - x * x;
  const Var b = 1.0 - x;
  sum += 100.0 * a * a + b * b;
  EXPECT_EQ(tape.statement_count(), statements + 3);
  EXPECT_EQ(tape.operand_count(), operands + 2 + 1 + 3);
  sum.backward();
  EXPECT_DOUBLE_EQ(x.grad(), -400 * xv * (yv - xv * xv) - 2 * (1 - xv));
  EXPECT_DOUBLE_EQ(y.grad(), 200 * (yv - xv * xv));
}

TEST(Var, AVariableFoldedIntoOrMovedFromIsAnError) {
  nabla::Recording recording;
  Var x = 1.5;
  Var t = x * x;
  Var u = std::move(t) + 1.0;  // t's statement became u's
  EXPECT_THROW(t.backward(), nabla::RecordingError);
  EXPECT_THROW(Var(t * 2.0), nabla::RecordingError);
  Var v = x * 2.0;
  Var w = std::move(v);  // v handed its statement to w
  EXPECT_THROW(v.grad(), nabla::RecordingError);
  u.backward();
  EXPECT_EQ(x.grad(), 3);
  w.backward();
  EXPECT_EQ(x.grad(), 2);
  // A shared variable moved from stays usable: its statement was never its alone.
  Var shared = x * 4.0;
  Var other = shared;
  Var moved = std::move(shared);
  shared.backward();
  EXPECT_EQ(x.grad(), 4);
  (void)other;
  (void)moved;
}

TEST(Var, ChainOfTenMillionOpsDoesNotRecurse) {
  nabla::Recording recording;
  Var x0 = 0.5;
  Var x = x0;
  for (int i = 0; i < 10'000'000; ++i) x = x * 0.9999999 + 1e-9;
  x.backward();
  // dx/dx0 = 0.9999999^(10^7)
  EXPECT_NEAR(x0.grad(), std::pow(0.9999999, 1e7), 1e-9);
}

}  // namespace
