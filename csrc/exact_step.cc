// The event-exact step of izhi_dyn/core/exact.py as two XLA FFI calls on the CPU: the step, and its
// vector-Jacobian product.
//
// The step is written once, as templates over the scalar type:
//   - `double` for the forward call;
//   - `Var`, a value with an index on a reverse-mode tape, for the backward call, which runs the step
//     again on the tape and sweeps it back from the outputs' cotangents. A segment's flow (the bulk
//     of the arithmetic, exact_segment.h) is one entry on that tape, swept by its hand-written adjoint.
// It follows event_step operation by operation (the same pieces, Magnus segments, Newton root find
// under stop-gradient and one Newton step with gradient, passes), in float64 whatever the buffers'
// type, so its values are the pure-JAX step's to rounding and its gradient is the derivative of the
// same discretisation. Shortcuts that leave values and derivatives unchanged:
//   - a segment of zero length whose ends are constants is the identity;
//   - a neuron that did not cross keeps the flow of the crossing search (the pure-JAX step flows it
//     again from 0 through the same pieces);
//   - when the first pass has no spike, further passes would repeat it;
//   - a step with no event inside it and no crossing is differentiated neuron by neuron, off the tape;
//   - the backward call solves, in a pass before the last one run, only the neurons that crossed in
//     it (the forward call records them): the others' outputs are never read.
// Each call hands the batch's samples (leading dimensions, broadcast where an input has size 1 there)
// to XLA's intra-op thread pool.

#include <algorithm>
#include <array>
#include <initializer_list>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "exact_segment.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using namespace izhi_exact;  // NOLINT: the segment is this file's own maths, kept apart for length

constexpr int kNewton = 3;

// ---- reverse-mode tape --------------------------------------------------------------------------

struct Node {
  int32_t a, b;  // parents (-1: none), or a == kSegmentNode and b a segment record (see Flow)
  double da, db;  // partial derivatives with respect to them
};
constexpr int32_t kSegmentNode = -2;

struct FlowRecord;

// Each thread's tape of the running backward call. The initial-exec model makes an access one load;
// the general model of a shared library costs a call per access.
struct Tape {
  std::vector<Node> nodes;
  size_t size = 0;
  std::vector<FlowRecord> segments;
  size_t segment_count = 0;
};
thread_local Tape* tape __attribute__((tls_model("initial-exec"))) = nullptr;

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

// ---- the model ----------------------------------------------------------------------------------

template <typename T>
struct Neuron {  // one neuron's parameters (ExactParams)
  T a, b, c, d, v_th, tau, bias, p1, p2, p3;
};

// Pointers to a neuron's fields in the order of the calls' inputs 7..16.
template <typename P>
auto Fields(P& p) { return std::array{&p.a, &p.b, &p.c, &p.d, &p.v_th, &p.tau, &p.bias, &p.p1, &p.p2, &p.p3}; }

template <typename T>
struct Extras {  // the events after the cuts, at their own times (Pieces.extra_times / extra_weights)
  int count = 0;
  T time[kExtra];
  T weight[kExtra];
};

template <typename T>
Neuron<double> Values(const Neuron<T>& p) {
  return {val(p.a), val(p.b), val(p.c), val(p.d), val(p.v_th), val(p.tau), val(p.bias), val(p.p1), val(p.p2),
          val(p.p3)};
}

template <typename T>
Extras<double> Values(const Extras<T>& e) {
  Extras<double> out;
  out.count = e.count;
  for (int k = 0; k < e.count; ++k) { out.time[k] = val(e.time[k]); out.weight[k] = val(e.weight[k]); }
  return out;
}

template <typename T>
struct Segment { T x, y, u_end, q; };

// The segment's inputs in FlowInput order (nullptr: an extra slot it does not use).
template <typename T>
std::array<const T*, kFlowInputs> FlowInputs(const T& V, const T& u, const T& I_lo, const T& lo, const T& t,
                                             const Extras<T>& ex, const Neuron<T>& p) {
  std::array<const T*, kFlowInputs> in{&V, &u, &I_lo, &lo, &t, &p.a, &p.b, &p.tau, &p.bias, &p.p1, &p.p2, &p.p3};
  for (int k = 0; k < ex.count; ++k) { in[kTimes + k] = &ex.time[k]; in[kWeights + k] = &ex.weight[k]; }
  return in;
}

FlowIn MakeFlowIn(double V, double u, double I_lo, double lo, double t, const Extras<double>& ex,
                  const Neuron<double>& p) {
  FlowIn in{{}, ex.count};
  const auto inputs = FlowInputs(V, u, I_lo, lo, t, ex, p);
  for (int k = 0; k < kFlowInputs; ++k) in.x[k] = inputs[k] ? *inputs[k] : 0.0;
  return in;
}

Segment<double> Flow(double V, double u, double I_lo, double lo, double t, const Extras<double>& ex,
                     const Neuron<double>& p) {
  const FlowState f = FlowForward<false>(MakeFlowIn(V, u, I_lo, lo, t, ex, p));
  return {f.x, f.y, f.u_end, f.q};
}

struct FlowRecord {
  FlowIn in;
  int32_t index[kFlowInputs];  // the inputs' tape entries (-1: a constant)
};

// Four tape entries for a segment's outputs, the first of them naming its record.
int32_t PushFlow(const FlowRecord& record) {
  Tape& t = *tape;
  if (t.segment_count == t.segments.size()) t.segments.resize(std::max<size_t>(256, 2 * t.segment_count));
  t.segments[t.segment_count] = record;
  const int32_t first = Push(kSegmentNode, 0.0, static_cast<int32_t>(t.segment_count++), 0.0);
  for (int k = 1; k < 4; ++k) Push(-1, 0.0, -1, 0.0);
  return first;
}

// On the tape a segment is one node of four outputs (x, y, u_end, q) whose record keeps its inputs;
// the sweep runs FlowAdjoint there.
Segment<Var> Flow(const Var& V, const Var& u, const Var& I_lo, const Var& lo, const Var& t, const Extras<Var>& ex,
                  const Neuron<Var>& p) {
  const auto inputs = FlowInputs(V, u, I_lo, lo, t, ex, p);
  FlowRecord record;
  bool constant = true;
  for (int k = 0; k < kFlowInputs; ++k) {
    record.in.x[k] = inputs[k] ? inputs[k]->v : 0.0;
    record.index[k] = inputs[k] ? inputs[k]->i : -1;
    constant = constant && record.index[k] < 0;
  }
  record.in.count = ex.count;
  const FlowState f = FlowForward<false>(record.in);
  if (constant) return {f.x, f.y, f.u_end, f.q};
  const int32_t first = PushFlow(record);
  return {Var(f.x, first), Var(f.y, first + 1), Var(f.u_end, first + 2), Var(f.q, first + 3)};
}

// Sweeps `tape` back, `adj` holding the cotangents of its entries (those of the outputs on entry).
void Sweep(const Tape& tape, std::vector<double>* adjoints) {
  std::vector<double>& adj = *adjoints;
  for (int64_t i = static_cast<int64_t>(tape.size) - 1; i >= 0; --i) {
    const Node& node = tape.nodes[i];
    if (node.a == kSegmentNode) {  // its four outputs' entries are i..i+3, all swept by now
      const double* g_out = &adj[i];
      if (g_out[0] == 0.0 && g_out[1] == 0.0 && g_out[2] == 0.0 && g_out[3] == 0.0) continue;
      const FlowRecord& record = tape.segments[node.b];
      double g_in[kFlowInputs] = {};
      FlowAdjoint(record.in, FlowForward<true>(record.in), g_out, g_in);
      for (int k = 0; k < kFlowInputs; ++k)
        if (record.index[k] >= 0) adj[record.index[k]] += g_in[k];
      continue;
    }
    const double g = adj[i];
    if (g == 0.0) continue;
    if (node.a >= 0) adj[node.a] += node.da * g;
    if (node.b >= 0) adj[node.b] += node.db * g;
  }
}

template <typename T>
T EndVoltage(const Segment<T>& s) { return s.x / (val(s.y) > 0 ? s.y : T(1.0)); }

template <typename T>
T ExtraCurrent(const Extras<T>& ex, const T& at, const T& tau) {
  T I(0.0);
  for (int k = 0; k < ex.count; ++k) {
    const T lag = at - ex.time[k];
    if (val(lag) >= 0) I += ex.weight[k] * exp(-lag / tau);
  }
  return I;
}

// ---- one step -----------------------------------------------------------------------------------

// One sample's inputs but the weights (read through a `weight(row, n)` callback), as the run's scalar type.
template <typename T>
struct Sample {
  int N = 0, S = 0;
  double h = 0.0;
  std::vector<T> V0, u0, I0, onsets;
  std::vector<Neuron<T>> neurons;
};

template <typename T>
struct Pieces {  // exact.Pieces for all neurons
  std::vector<T> edges;     // splits + 2
  std::vector<T> currents;  // (splits + 1) * N
  std::vector<Extras<T>> extras;  // N
  std::vector<T> I_end;     // N
  std::vector<int> order;   // CutPieces' workspace: the in-step events in time order,
  std::vector<T> jumps;     // and the current each slot adds to each neuron
};

// I decayed over `span` (exp(-span / tau)); a constant zero span is the identity.
template <typename T>
T Decay(const T& I, const T& span, const T& tau) {
  return val(span) == 0 && is_const(span) ? I : I * exp(-span / tau);
}

// exact.piece_currents: cut at the first `splits` in-step events, the next kExtra at their own times.
// Only the events inside the step (onset <= h) are sorted: the others only ever cut at h.
template <typename T, typename Weight>
void CutPieces(const Sample<T>& s, const std::vector<T>& onsets, int splits, Weight weight, Pieces<T>* P) {
  const int N = s.N, total = static_cast<int>(onsets.size());
  const double h = s.h;
  std::vector<int>& order = P->order;
  order.clear();
  for (int e = 0; e < total; ++e)
    if (val(onsets[e]) <= h) order.push_back(e);
  std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return val(onsets[i]) < val(onsets[j]); });
  const int inside = static_cast<int>(order.size()), slots = std::min(splits + kExtra, inside);
  std::vector<T>& jumps = P->jumps;
  jumps.assign(static_cast<size_t>(slots) * N, T(0.0));
  for (int r = 0; r < inside; ++r) {
    const int slot = r < slots ? r : splits - 1;
    for (int n = 0; n < N; ++n) jumps[static_cast<size_t>(slot) * N + n] += weight(order[r], n);
  }
  auto jump = [&](int slot, int n) { return slot < slots ? jumps[static_cast<size_t>(slot) * N + n] : T(0.0); };
  P->edges.clear();
  P->edges.push_back(T(0.0));
  for (int k = 0; k < splits; ++k) {
    const T o = k < inside ? onsets[order[k]] : T(2.0 * h);  // min(o, h), half the derivative at a tie
    P->edges.push_back(val(o) < h ? o : (val(o) > h ? T(h) : o * T(0.5) + T(0.5 * h)));
  }
  P->edges.push_back(T(h));
  P->currents.resize(static_cast<size_t>(splits + 1) * N);
  P->extras.assign(N, Extras<T>());
  P->I_end.resize(N);
  for (int n = 0; n < N; ++n) {
    const T& tau = s.neurons[n].tau;
    T I = s.I0[n];
    P->currents[n] = I;
    for (int k = 0; k < splits; ++k) {
      I = Decay(I, P->edges[k + 1] - P->edges[k], tau) + jump(k, n);
      P->currents[static_cast<size_t>(k + 1) * N + n] = I;
    }
    Extras<T>& ex = P->extras[n];
    for (int x = splits; x < std::min(splits + kExtra, inside); ++x) {
      ex.time[ex.count] = onsets[order[x]];
      ex.weight[ex.count] = jump(x, n);
      ++ex.count;
    }
    P->I_end[n] = Decay(I, T(h) - P->edges[splits], tau) + ExtraCurrent(ex, T(h), tau);
  }
}

template <typename T>
struct Outcome { T V, u, t_spike; bool crossed; };

// exact._crossing: Newton on x - V_th y without gradient, then one Newton step with it.
template <typename T>
void Crossing(const T& V, const T& u, const T& I_lo, const T& lo, const T& hi, double gap_hi, const Extras<T>& ex,
              const Neuron<T>& p, T* t_star, T* u_star) {
  const Neuron<double> q = Values(p);
  const Extras<double> exv = Values(ex);
  const double Vs = val(V), us = val(u), Is = val(I_lo), los = val(lo), span = val(hi) - val(lo);
  const double gap_lo = Vs - q.v_th;
  double t = span * -gap_lo / (gap_hi > gap_lo ? gap_hi - gap_lo : 1.0);
  t = std::min(std::max(t, 0.0), span);
  for (int it = 0; it < kNewton; ++it) {
    const Segment<double> s = Flow(Vs, us, Is, los, t, exv, q);
    const double g = s.x - q.v_th * s.y;
    const double dg = 0.5 * q.p2 * (s.x + q.v_th * s.y) + s.q * s.y + q.p1 * q.v_th * s.x;
    t = std::min(std::max(t - g / (dg > 0 ? dg : INFINITY), 0.0), span);
  }
  const Segment<T> s = Flow(V, u, I_lo, lo, T(t), ex, p);
  const T I_hat = I_lo * exp(-T(t) / p.tau) + ExtraCurrent(ex, lo + T(t), p.tau);
  const T slope = p.p1 * p.v_th * p.v_th + p.p2 * p.v_th + p.p3 - s.u_end + I_hat + p.bias;
  const T step = -(EndVoltage(s) - p.v_th) / (val(slope) > 0 ? slope : T(1.0));
  const T t_raw = lo + T(t) + step;
  // clipped for rounding only; the derivative stays the implicit one
  *t_star = t_raw + T(std::min(std::max(val(t_raw), val(lo)), val(hi)) - val(t_raw));
  *u_star = s.u_end + p.a * (p.b * p.v_th - s.u_end) * (*t_star - lo - T(t));
}

// exact._solve for one neuron.
template <typename T>
Outcome<T> Solve(const T& V0, const T& u0, const Pieces<T>& P, int n, int N, int splits, double h,
                 const Neuron<T>& p) {
  const Extras<T>& ex = P.extras[n];
  T V = V0, u = u0;
  for (int k = 0; k <= splits; ++k) {
    const T& lo = P.edges[k];
    const T& hi = P.edges[k + 1];
    const T& I_lo = P.currents[static_cast<size_t>(k) * N + n];
    const T span = hi - lo;
    Segment<T> s;
    if (val(span) == 0 && is_const(span)) s = {V, T(1.0), u, T(0.0)};
    else s = Flow(V, u, I_lo, lo, span, ex, p);
    const T V_end = EndVoltage(s);
    if (val(s.y) <= 0 || val(V_end) >= val(p.v_th) || val(V) >= val(p.v_th)) {
      T t_star, u_star;
      Crossing(V, u, I_lo, lo, hi, val(s.x) - val(p.v_th) * val(s.y), ex, p, &t_star, &u_star);
      V = p.c;
      u = u_star + p.d;
      for (int j = k; j <= splits; ++j) {  // from the reset at t* to the end of the step
        const T& e0 = P.edges[j];
        const T& e1 = P.edges[j + 1];
        if (val(t_star) >= val(e1)) continue;  // a piece before t*: zero length, no derivative
        const T start = val(t_star) >= val(e0) ? t_star : e0;
        const T I = P.currents[static_cast<size_t>(j) * N + n] * exp(-(start - e0) / p.tau);
        const Segment<T> r = Flow(V, u, I, start, e1 - start, ex, p);
        V = EndVoltage(r);
        u = r.u_end;
      }
      return {V, u, t_star, true};
    }
    V = V_end;
    u = s.u_end;
  }
  return {V, u, T(h), false};
}

// exact.event_step for one sample; `weight(row, n)` reads the concatenated (inputs, recurrent) weights.
// Bit p of crossed(n) says whether neuron n crossed in pass p: the forward call writes it (`record`),
// the backward call reads it (`known`). Of a pass before the last one run, only the spike times of
// the neurons that crossed are read (the next pass's onsets), so with `known` only those are solved.
template <typename T, typename Weight>
void EventStep(Sample<T>& s, int passes, int splits, Weight weight, std::vector<Outcome<T>>* out,
               std::vector<T>* I_end, int32_t* record, const int32_t* known) {
  const int N = s.N;
  std::vector<T>& onsets = s.onsets;  // inputs, then the layer's in-step spikes of the previous pass
  onsets.resize(s.S + N, T(2.0 * s.h));
  out->resize(N);
  if (record) std::fill(record, record + N, 0);
  bool first_pass_fires = false;
  for (int n = 0; known && n < N; ++n) first_pass_fires = first_pass_fires || (known[n] & 1);
  thread_local Pieces<T> P;
  for (int pass = 0; pass < passes; ++pass) {
    CutPieces(s, onsets, splits, weight, &P);
    const bool last = pass == passes - 1 || (known && !first_pass_fires);
    bool any = false;
    for (int n = 0; n < N; ++n) {
      if (known && !last && !(known[n] >> pass & 1)) {
        (*out)[n] = {s.V0[n], s.u0[n], T(s.h), false};  // never read
        continue;
      }
      (*out)[n] = Solve(s.V0[n], s.u0[n], P, n, N, splits, s.h, s.neurons[n]);
      any = any || (*out)[n].crossed;
      if (record) record[n] |= static_cast<int32_t>((*out)[n].crossed) << pass;
    }
    for (int n = 0; n < N; ++n) onsets[s.S + n] = (*out)[n].crossed ? (*out)[n].t_spike : T(2.0 * s.h);
    if (pass == 0 && !any) { *I_end = P.I_end; return; }  // the next passes would repeat this one
  }
  CutPieces(s, onsets, splits, weight, &P);
  *I_end = P.I_end;
}

// ---- buffers ------------------------------------------------------------------------------------

// An input buffer seen per sample: the trailing `core` dimensions per sample, broadcast over the
// leading (batch) dimensions where it has size 1.
constexpr int kMaxBatchRank = 8;  // leading (vmapped) dimensions
constexpr int kInputs = 17;  // V0 u0 I0 h in_onsets in_weights rec_weights a b c d v_th tau bias p1 p2 p3
constexpr int kMaxBuffers = kInputs + 5;  // and the backward call's cotangents of (V, u, I, t_spike), crossed
constexpr int kCore[kInputs] = {1, 1, 1, 0, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

struct View {
  const void* data;
  bool f64;
  int64_t size;                     // elements per sample
  int64_t strides[kMaxBatchRank];  // per batch dimension, in samples (0: broadcast)
  double at(int64_t offset) const {
    return f64 ? static_cast<const double*>(data)[offset] : static_cast<const float*>(data)[offset];
  }
};

// The batch of a call's buffers, fixed-size so that a copy per thread costs no allocation.
struct Batch {
  int rank = 0, buffers = 0;
  int64_t shape[kMaxBatchRank];
  int64_t count = 1;
  View views[kMaxBuffers];
  int64_t offsets[kMaxBuffers];  // per buffer, for the current sample
  void Seek(int64_t b) {
    for (int k = 0; k < buffers; ++k) {
      int64_t offset = 0, rest = b;
      for (int j = rank - 1; j >= 0; --j) {
        offset += (rest % shape[j]) * views[k].strides[j];
        rest /= shape[j];
      }
      offsets[k] = offset * views[k].size;
    }
  }
  double at(int input, int64_t i) const { return views[input].at(offsets[input] + i); }
  const int32_t* ints(int input) const { return static_cast<const int32_t*>(views[input].data) + offsets[input]; }
  // W[row, n] of the concatenated weights: the S input rows (input 5), then the N recurrent ones (6).
  double weight(int S, int N, int row, int n) const {
    return row < S ? at(5, static_cast<int64_t>(row) * N + n) : at(6, static_cast<int64_t>(row - S) * N + n);
  }
};

// The batch of `in` (the 17 inputs, then any cotangents, of core rank 1): the broadcast of all leading
// dims, each buffer seen per sample (its trailing core dims, broadcast where it has size 1 in front).
ffi::Error MakeBatch(std::initializer_list<ffi::AnyBuffer> in, Batch* batch) {
  auto core = [](int k) { return k < kInputs ? kCore[k] : 1; };
  batch->rank = static_cast<int>(in.begin()->dimensions().size()) - 1;  // V0: (..., N)
  if (batch->rank > kMaxBatchRank)
    return ffi::Error::InvalidArgument("izhi_exact_step: more than 8 batch dimensions (nested vmaps)");
  std::fill(batch->shape, batch->shape + batch->rank, 1);
  for (const ffi::AnyBuffer& buf : in) {
    const auto d = buf.dimensions();
    const int lead = static_cast<int>(d.size()) - core(batch->buffers++);
    for (int j = 0; j < lead; ++j)
      batch->shape[batch->rank - lead + j] = std::max(batch->shape[batch->rank - lead + j], d[j]);
  }
  for (int j = 0; j < batch->rank; ++j) batch->count *= batch->shape[j];
  int k = 0;
  for (const ffi::AnyBuffer& buf : in) {
    View& v = batch->views[k];
    v = {buf.untyped_data(), buf.element_type() == ffi::F64, 1, {}};
    const auto dims = buf.dimensions();
    const int lead = static_cast<int>(dims.size()) - core(k++);
    for (int j = lead; j < static_cast<int>(dims.size()); ++j) v.size *= dims[j];
    int64_t stride = 1;
    for (int j = lead - 1; j >= 0; --j) {
      v.strides[batch->rank - lead + j] = dims[j] == 1 ? 0 : stride;
      stride *= dims[j];
    }
  }
  return ffi::Error::Success();
}

// Reads one sample's inputs as T; `leaf(input, x)` turns input's value x into the run's scalar (a tape
// leaf for Var, where that input needs a cotangent).
template <typename T, typename Leaf>
void ReadSample(const Batch& batch, int N, int S, Leaf leaf, Sample<T>* s) {
  s->N = N;
  s->S = S;
  s->h = batch.at(3, 0);
  for (auto* v : {&s->V0, &s->u0, &s->I0}) v->resize(N);
  s->onsets.resize(S);
  s->neurons.resize(N);
  for (int n = 0; n < N; ++n) {
    s->V0[n] = leaf(0, batch.at(0, n));
    s->u0[n] = leaf(1, batch.at(1, n));
    s->I0[n] = leaf(2, batch.at(2, n));
  }
  for (int e = 0; e < S; ++e) s->onsets[e] = leaf(4, batch.at(4, e));
  for (int n = 0; n < N; ++n) {
    const auto fields = Fields(s->neurons[n]);
    for (int f = 0; f < 10; ++f) *fields[f] = leaf(7 + f, batch.at(7 + f, n));
  }
}

// Runs `body(batch, b)` for every sample b. The samples are handed out one at a time to this thread and
// to tasks on XLA's intra-op thread pool, each with its own copy of `batch` (whose Seek it calls). A task
// that starts once the samples have run out returns at once, touching only the shared counters.
template <typename Body>
void ParallelFor(ffi::ThreadPool& pool, const Batch& batch, Body body) {
  struct Counters {
    std::atomic<int64_t> next{0};
    std::atomic<int> running{0};
  };
  auto counters = std::make_shared<Counters>();
  const int64_t count = batch.count;
  auto work = [counters, count, &batch, &body] {
    counters->running.fetch_add(1);
    std::optional<Batch> own;
    for (int64_t b; (b = counters->next.fetch_add(1)) < count;) {
      if (!own) own.emplace(batch);
      own->Seek(b);
      body(*own, b);
    }
    counters->running.fetch_sub(1);
  };
  for (int64_t w = 1; w < std::min<int64_t>(pool.num_threads(), count); ++w) pool.Schedule(decltype(work)(work));
  work();
  while (counters->running.load() > 0) std::this_thread::yield();
}

template <typename F>
void Store(ffi::Result<ffi::AnyBuffer>& out, int64_t offset, int64_t count, F value) {
  if (out->element_type() == ffi::F64) {
    double* d = out->typed_data<double>() + offset;
    for (int64_t i = 0; i < count; ++i) d[i] = value(i);
  } else {
    float* d = out->typed_data<float>() + offset;
    for (int64_t i = 0; i < count; ++i) d[i] = static_cast<float>(value(i));
  }
}

// The cotangents of one sample's step in which no event falls and no neuron crosses: each neuron then
// flows one segment [0, h] on its own, V = x / y and I = I0 exp(-h / tau), and its VJP is FlowAdjoint's,
// without the tape. Fills `grad` (input k's cotangent for neuron n at k N + n, for the per-neuron inputs)
// and returns true; returns false, with `grad` unspecified, where the step needs the tape.
bool QuietStepVjp(const Batch& batch, int N, int S, std::vector<double>* grad) {
  const double h = batch.at(3, 0);
  for (int e = 0; e < S; ++e)
    if (!(batch.at(4, e) > h)) return false;
  grad->assign(static_cast<size_t>(kInputs) * N, 0.0);
  double* g_state = grad->data();
  for (int n = 0; n < N; ++n) {
    auto at = [&](int input) { return batch.at(input, n); };
    const double V = at(0), I = at(2), tau = at(12);
    const Neuron<double> p{at(7), at(8), at(9), at(10), at(11), tau, at(13), at(14), at(15), at(16)};
    const FlowIn in = MakeFlowIn(V, at(1), I, 0.0, h, Extras<double>(), p);
    const FlowState f = FlowForward<true>(in);
    if (!(V < p.v_th && f.y > 0 && f.x / f.y < p.v_th)) return false;
    const double g_V = batch.at(kInputs, n), r = 1.0 / f.y;
    const double g_out[4] = {g_V * r, -g_V * (f.x * r) * r, batch.at(kInputs + 1, n), 0.0};
    double g[kFlowInputs] = {};
    FlowAdjoint(in, f, g_out, g);
    const double g_I = batch.at(kInputs + 2, n), decay = recalls.exp_exposure(-(h / tau), Exp);
    const int fields[] = {kA, kB, -1, -1, -1, kTau, kBias, kP1, kP2, kP3};  // inputs 7..16 (c, d, v_th: none)
    for (int k = 0; k < 10; ++k)
      if (fields[k] >= 0) g_state[static_cast<size_t>(7 + k) * N + n] = g[fields[k]];
    g_state[n] = g[kV];
    g_state[N + n] = g[kU];
    g_state[2 * N + n] = g[kI] + g_I * decay;
    g_state[12 * N + n] += g_I * I * decay * h / (tau * tau);
  }
  return true;
}

#define IZHI_EXACT_INPUTS                                                                                  \
  ffi::AnyBuffer V0, ffi::AnyBuffer u0, ffi::AnyBuffer I0, ffi::AnyBuffer h, ffi::AnyBuffer in_onsets,     \
      ffi::AnyBuffer in_weights, ffi::AnyBuffer rec_weights, ffi::AnyBuffer a, ffi::AnyBuffer b,           \
      ffi::AnyBuffer c, ffi::AnyBuffer d, ffi::AnyBuffer v_th, ffi::AnyBuffer tau, ffi::AnyBuffer bias,    \
      ffi::AnyBuffer p1, ffi::AnyBuffer p2, ffi::AnyBuffer p3
#define IZHI_EXACT_LIST V0, u0, I0, h, in_onsets, in_weights, rec_weights, a, b, c, d, v_th, tau, bias, p1, p2, p3

ffi::Error Forward(ffi::ThreadPool pool, IZHI_EXACT_INPUTS, int64_t passes, int64_t splits,
                   ffi::Result<ffi::AnyBuffer> V_out,
                   ffi::Result<ffi::AnyBuffer> u_out, ffi::Result<ffi::AnyBuffer> I_out,
                   ffi::Result<ffi::AnyBuffer> spiked_out, ffi::Result<ffi::AnyBuffer> t_out,
                   ffi::Result<ffi::AnyBuffer> crossed_out) {
  Batch batch;
  if (ffi::Error error = MakeBatch({IZHI_EXACT_LIST}, &batch); error.failure()) return error;
  const int N = static_cast<int>(batch.views[0].size), S = static_cast<int>(batch.views[4].size);
  ParallelFor(pool, batch, [&](Batch& batch, int64_t b) {
    thread_local Sample<double> s;
    ReadSample(batch, N, S, [](int, double x) { return x; }, &s);
    auto weight = [&](int row, int n) { return batch.weight(S, N, row, n); };
    thread_local std::vector<Outcome<double>> out;
    thread_local std::vector<double> I_end;
    const int64_t o = b * N;
    EventStep(s, static_cast<int>(passes), static_cast<int>(splits), weight, &out, &I_end,
              crossed_out->typed_data<int32_t>() + o, nullptr);
    Store(V_out, o, N, [&](int64_t n) { return out[n].V; });
    Store(u_out, o, N, [&](int64_t n) { return out[n].u; });
    Store(I_out, o, N, [&](int64_t n) { return I_end[n]; });
    Store(t_out, o, N, [&](int64_t n) { return out[n].t_spike; });
    bool* spiked = spiked_out->typed_data<bool>() + o;
    for (int n = 0; n < N; ++n) spiked[n] = out[n].crossed;
  });
  return ffi::Error::Success();
}

// Cotangents of the 17 inputs, each batched like the outputs; those of inputs whose bit in `perturbed`
// is clear are left unwritten (the caller drops them), and those inputs get no leaves on the tape.
ffi::Error Backward(ffi::ThreadPool pool, IZHI_EXACT_INPUTS, ffi::AnyBuffer gV, ffi::AnyBuffer gu, ffi::AnyBuffer gI,
                    ffi::AnyBuffer gt, ffi::AnyBuffer crossed, int64_t passes, int64_t splits, int64_t perturbed,
                    ffi::Result<ffi::AnyBuffer> dV0,
                    ffi::Result<ffi::AnyBuffer> du0, ffi::Result<ffi::AnyBuffer> dI0, ffi::Result<ffi::AnyBuffer> dh,
                    ffi::Result<ffi::AnyBuffer> d_onsets, ffi::Result<ffi::AnyBuffer> d_in_w,
                    ffi::Result<ffi::AnyBuffer> d_rec_w, ffi::Result<ffi::AnyBuffer> da, ffi::Result<ffi::AnyBuffer> db,
                    ffi::Result<ffi::AnyBuffer> dc, ffi::Result<ffi::AnyBuffer> dd, ffi::Result<ffi::AnyBuffer> dv_th,
                    ffi::Result<ffi::AnyBuffer> dtau, ffi::Result<ffi::AnyBuffer> dbias,
                    ffi::Result<ffi::AnyBuffer> dp1, ffi::Result<ffi::AnyBuffer> dp2,
                    ffi::Result<ffi::AnyBuffer> dp3) {
  Batch batch;  // inputs 17..20: the cotangents; 21: the forward call's crossings
  if (ffi::Error error = MakeBatch({IZHI_EXACT_LIST, gV, gu, gI, gt, crossed}, &batch); error.failure()) return error;
  const int N = static_cast<int>(batch.views[0].size), S = static_cast<int>(batch.views[4].size);
  ffi::Result<ffi::AnyBuffer>* outs[kInputs] = {&dV0, &du0, &dI0, &dh, &d_onsets, &d_in_w, &d_rec_w, &da, &db,
                                                &dc, &dd, &dv_th, &dtau, &dbias, &dp1, &dp2, &dp3};
  auto wanted = [&](int input) { return (perturbed >> input & 1) != 0; };
  ParallelFor(pool, batch, [&](Batch& batch, int64_t b) {
    // The cotangent of input k for sample b, where input k needs one.
    auto store = [&](int k, auto value) {
      const int64_t size = batch.views[k].size;
      if (wanted(k)) Store(*outs[k], b * size, size, value);
    };
    bool moved = false;  // a zero cotangent has a zero VJP: the sample's step need not run again
    for (int k = kInputs; k < kInputs + 4 && !moved; ++k)
      for (int n = 0; n < N && !moved; ++n) moved = batch.at(k, n) != 0.0;
    if (!moved) {
      for (int k = 0; k < kInputs; ++k) store(k, [](int64_t) { return 0.0; });
      return;
    }
    thread_local std::vector<double> quiet;
    if (QuietStepVjp(batch, N, S, &quiet)) {
      for (int k = 0; k < kInputs; ++k) {
        if (k == 3 || k == 4 || k == 5 || k == 6) store(k, [](int64_t) { return 0.0; });  // h; no event
        else store(k, [&](int64_t n) { return quiet[static_cast<size_t>(k) * N + n]; });
      }
      return;
    }
    thread_local Tape local;
    thread_local std::vector<int32_t> weight_leaf;
    thread_local std::vector<double> adj;
    tape = &local;
    local.size = 0;
    local.segment_count = 0;
    auto leaf = [&](int input, double x) { return wanted(input) ? Var(x, Push(-1, 0.0, -1, 0.0)) : Var(x); };
    thread_local Sample<Var> s;
    ReadSample(batch, N, S, leaf, &s);
    weight_leaf.assign(static_cast<size_t>(S + N) * N, -1);  // leaves once an event uses them
    auto weight = [&](int row, int n) {
      const double w = batch.weight(S, N, row, n);
      if (!wanted(row < S ? 5 : 6)) return Var(w);
      int32_t& index = weight_leaf[static_cast<size_t>(row) * N + n];
      if (index < 0) index = Push(-1, 0.0, -1, 0.0);
      return Var(w, index);
    };
    thread_local std::vector<Outcome<Var>> out;
    thread_local std::vector<Var> I_end;
    EventStep(s, static_cast<int>(passes), static_cast<int>(splits), weight, &out, &I_end, nullptr,
              batch.ints(kInputs + 4));
    adj.assign(local.size, 0.0);
    for (int n = 0; n < N; ++n) {
      const Var* outputs[4] = {&out[n].V, &out[n].u, &I_end[n], &out[n].t_spike};
      for (int k = 0; k < 4; ++k)
        if (outputs[k]->i >= 0) adj[outputs[k]->i] += batch.at(kInputs + k, n);
    }
    Sweep(local, &adj);
    auto grad = [&](const Var& x) { return x.i >= 0 ? adj[x.i] : 0.0; };
    store(0, [&](int64_t n) { return grad(s.V0[n]); });
    store(1, [&](int64_t n) { return grad(s.u0[n]); });
    store(2, [&](int64_t n) { return grad(s.I0[n]); });
    store(4, [&](int64_t e) { return grad(s.onsets[e]); });
    // An event uses its whole row of weights; the rows of the others get zeros.
    for (int k : {5, 6}) {
      if (!wanted(k)) continue;
      const int first = k == 5 ? 0 : S, rows = k == 5 ? S : N;
      for (int r = 0; r < rows; ++r) {
        const int32_t* leaves = &weight_leaf[static_cast<size_t>(first + r) * N];
        const int64_t offset = (b * rows + r) * N;
        if (leaves[0] < 0) Store(*outs[k], offset, N, [](int64_t) { return 0.0; });
        else Store(*outs[k], offset, N, [&](int64_t n) { return leaves[n] >= 0 ? adj[leaves[n]] : 0.0; });
      }
    }
    for (int f = 0; f < 10; ++f) store(7 + f, [&](int64_t n) { return grad(*Fields(s.neurons[n])[f]); });
  });
  return ffi::Error::Success();
}

}  // namespace

#define IZHI_BIND_INPUTS(B)                                                                                \
  B.Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()              \
      .Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()            \
      .Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()            \
      .Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()            \
      .Arg<ffi::AnyBuffer>()
#define IZHI_RET4(B) B.Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>()

XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiExactStep, Forward,
                              IZHI_RET4(IZHI_BIND_INPUTS(ffi::Ffi::Bind().Ctx<ffi::ThreadPool>())
                                            .Attr<int64_t>("passes")
                                            .Attr<int64_t>("splits"))
                                  .Ret<ffi::AnyBuffer>()
                                  .Ret<ffi::AnyBuffer>());
XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiExactStepVjp, Backward,
                              IZHI_RET4(IZHI_RET4(IZHI_RET4(IZHI_RET4(
                                  IZHI_BIND_INPUTS(ffi::Ffi::Bind().Ctx<ffi::ThreadPool>())
                                      .Arg<ffi::AnyBuffer>()
                                      .Arg<ffi::AnyBuffer>()
                                      .Arg<ffi::AnyBuffer>()
                                      .Arg<ffi::AnyBuffer>()
                                      .Arg<ffi::AnyBuffer>()
                                      .Attr<int64_t>("passes")
                                      .Attr<int64_t>("splits")
                                      .Attr<int64_t>("perturbed")))))
                                  .Ret<ffi::AnyBuffer>());
