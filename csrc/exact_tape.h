// A reverse-mode tape for the backward calls of the event-exact step (exact_step.cc, exact_run.cc):
// `Var`, a float64 value with an index on the running thread's tape, and the arithmetic that records
// each operation's partial derivatives there.

#ifndef IZHI_DYN_EXACT_TAPE_H_
#define IZHI_DYN_EXACT_TAPE_H_

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <vector>

namespace izhi_exact {

struct FlowRecord;
struct LanesRecord;

struct Node {
  int32_t a, b;  // parents (-1: none), or a == kSegmentNode / kLanesNode and b a record (see Flow, FlowLanes)
  double da, db;  // partial derivatives with respect to them
};
constexpr int32_t kSegmentNode = -2, kLanesNode = -3;

// Each thread's tape of the running backward call. The initial-exec model makes an access one load;
// the general model of a shared library costs a call per access.
struct Tape {
  std::vector<Node> nodes;
  size_t size = 0;
  std::vector<FlowRecord> segments;
  size_t segment_count = 0;
  std::vector<LanesRecord> lanes;
  size_t lanes_count = 0;
};
inline thread_local Tape* tape __attribute__((tls_model("initial-exec"))) = nullptr;

[[gnu::always_inline]] inline int32_t Push(int32_t a, double da, int32_t b, double db) {
  Tape& t = *tape;
  if (t.size == t.nodes.size()) t.nodes.resize(std::max<size_t>(4096, 2 * t.size));
  t.nodes[t.size] = {a, b, da, db};
  return static_cast<int32_t>(t.size++);
}

struct Var {
  double v = 0.0;
  int32_t i = -1;  // -1: a constant
  Var() = default;
  Var(double value) : v(value) {}  // NOLINT: constants convert implicitly
  Var(double value, int32_t index) : v(value), i(index) {}
};

inline double val(double x) { return x; }
inline double val(const Var& x) { return x.v; }
inline bool is_const(double) { return true; }
inline bool is_const(const Var& x) { return x.i < 0; }

[[gnu::always_inline]] inline Var Unary(double v, const Var& x, double dx) {
  return x.i < 0 ? Var(v) : Var(v, Push(x.i, dx, -1, 0.0));
}
[[gnu::always_inline]] inline Var Binary(double v, const Var& x, double dx, const Var& y, double dy) {
  if (x.i < 0) return Unary(v, y, dy);
  if (y.i < 0) return Unary(v, x, dx);
  return Var(v, Push(x.i, dx, y.i, dy));
}

[[gnu::always_inline]] inline Var operator+(const Var& x, const Var& y) {
  if (y.i < 0) return Var(x.v + y.v, x.i);
  if (x.i < 0) return Var(x.v + y.v, y.i);
  return Var(x.v + y.v, Push(x.i, 1.0, y.i, 1.0));
}
[[gnu::always_inline]] inline Var operator-(const Var& x) { return Unary(-x.v, x, -1.0); }
[[gnu::always_inline]] inline Var operator-(const Var& x, const Var& y) {
  if (y.i < 0) return Var(x.v - y.v, x.i);
  return Binary(x.v - y.v, x, 1.0, y, -1.0);
}
[[gnu::always_inline]] inline Var operator*(const Var& x, const Var& y) { return Binary(x.v * y.v, x, y.v, y, x.v); }
[[gnu::always_inline]] inline Var operator/(const Var& x, const Var& y) {
  const double r = 1.0 / y.v, q = x.v * r;
  return Binary(q, x, r, y, -q * r);
}
inline Var& operator+=(Var& x, const Var& y) { return x = x + y; }

inline Var exp(const Var& x) { const double e = std::exp(x.v); return Unary(e, x, e); }
using std::exp;

}  // namespace izhi_exact

#endif  // IZHI_DYN_EXACT_TAPE_H_
