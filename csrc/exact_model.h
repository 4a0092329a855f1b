// The event-exact step of izhi_dyn/core/exact.py for one sample, as templates over the scalar type:
// `double` for the forward calls, `Var` (exact_tape.h) for the backward calls, which run the step again on
// the tape. It follows event_step operation by operation (the same pieces, Magnus segments, Newton root
// find under stop-gradient and one Newton step with gradient, passes), in float64, so its values are the
// pure-JAX step's to rounding and its gradient is the derivative of the same discretisation. Shortcuts
// that leave values and derivatives unchanged:
//   - a segment of zero length whose ends are constants is the identity;
//   - a neuron that did not cross keeps the flow of the crossing search (the pure-JAX step flows it
//     again from 0 through the same pieces);
//   - when the first pass has no spike, further passes would repeat it;
//   - the backward call solves, in a pass before the last one run, only the neurons that crossed in
//     it (the forward call records them): the others' outputs are never read.
// A pass flows the step's pieces (the same for every neuron) eight neurons at a time, forward and on the
// tape, and hands a neuron that crosses to the one-neuron solve from that piece on.

#ifndef IZHI_DYN_EXACT_MODEL_H_
#define IZHI_DYN_EXACT_MODEL_H_

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <vector>

#include "exact_segment.h"
#include "exact_tape.h"

namespace izhi_exact {

constexpr int kNewton = 3;

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

// Hands each of the segment's inputs to `visit(k, value)`, k its FlowInput (the extras it has only).
template <typename T, typename Visit>
void VisitFlowInputs(const T& V, const T& u, const T& I_lo, const T& lo, const T& t, const Extras<T>& ex,
                     const Neuron<T>& p, Visit visit) {
  visit(kV, V), visit(kU, u), visit(kI, I_lo), visit(kLo, lo), visit(kT, t);
  visit(kA, p.a), visit(kB, p.b), visit(kTau, p.tau), visit(kBias, p.bias);
  visit(kP1, p.p1), visit(kP2, p.p2), visit(kP3, p.p3);
  for (int k = 0; k < ex.count; ++k) visit(kTimes + k, ex.time[k]), visit(kWeights + k, ex.weight[k]);
}

inline FlowIn MakeFlowIn(double V, double u, double I_lo, double lo, double t, const Extras<double>& ex,
                         const Neuron<double>& p) {
  FlowIn in{};
  in.count = ex.count;
  VisitFlowInputs(V, u, I_lo, lo, t, ex, p, [&](int k, double x) { in.x[k] = x; });
  return in;
}

inline Segment<double> Flow(double V, double u, double I_lo, double lo, double t, const Extras<double>& ex,
                            const Neuron<double>& p) {
  const FlowState f = FlowForward<false>(MakeFlowIn(V, u, I_lo, lo, t, ex, p));
  return {f.x, f.y, f.u_end, f.q};
}

struct FlowRecord {
  FlowIn in;
  int32_t index[kFlowInputs];  // the inputs' tape entries (-1: a constant)
  FlowState state;             // the flow's intermediates, for its adjoint
};

// A segment's record on the tape, with four tape entries for its outputs (x, y, u_end, q) after it;
// returns the first of them.
inline int32_t PushFlow(const FlowIn& in, const int32_t* index) {
  Tape& t = *tape;
  if (t.segment_count == t.segments.size()) t.segments.resize(std::max<size_t>(256, 2 * t.segment_count));
  FlowRecord& record = t.segments[t.segment_count];
  record.in = in;
  std::copy_n(index, kFlowInputs, record.index);
  record.state = FlowForward<true>(in);
  const int32_t first = Push(kSegmentNode, 0.0, static_cast<int32_t>(t.segment_count++), 0.0);
  for (int k = 1; k < 4; ++k) Push(-1, 0.0, -1, 0.0);
  return first;
}

// On the tape a segment is one node of four outputs whose record keeps its inputs and intermediates;
// the sweep runs FlowAdjoint there.
inline Segment<Var> Flow(const Var& V, const Var& u, const Var& I_lo, const Var& lo, const Var& t,
                         const Extras<Var>& ex, const Neuron<Var>& p) {
  FlowIn in{};
  int32_t index[kFlowInputs];
  std::fill_n(index, kFlowInputs, -1);
  in.count = ex.count;
  bool constant = true;
  VisitFlowInputs(V, u, I_lo, lo, t, ex, p, [&](int k, const Var& x) {
    in.x[k] = x.v;
    index[k] = x.i;
    constant = constant && x.i < 0;
  });
  if (constant) {
    const FlowState f = FlowForward<false>(in);
    return {f.x, f.y, f.u_end, f.q};
  }
  const int32_t first = PushFlow(in, index);
  const FlowState& f = tape->segments[tape->segment_count - 1].state;
  return {Var(f.x, first), Var(f.y, first + 1), Var(f.u_end, first + 2), Var(f.q, first + 3)};
}

// Eight segments' flows at once, lane l from the l-th entry of each input (the extras: as many in every
// lane): their values, and on the tape one node of 32 outputs (x, y, u_end, q, each eight lanes) whose
// record keeps the inputs and intermediates, swept by FlowAdjoint over Lanes.
struct LanesRecord {
  FlowInOf<Lanes> in;
  int32_t index[kFlowInputs][kLanes];  // the inputs' tape entries (-1: a constant)
  FlowStateOf<Lanes> state;
};

inline void FlowLanes(const double* V, const double* u, const double* I_lo, double lo, double t,
                      const Extras<double>* const* ex, const Neuron<double>* const* p, Segment<double>* out) {
  FlowInOf<Lanes> in{};
  in.count = ex[0]->count;
  for (int l = 0; l < kLanes; ++l)
    VisitFlowInputs(V[l], u[l], I_lo[l], lo, t, *ex[l], *p[l], [&](int k, double x) { in.x[k][l] = x; });
  const FlowStateOf<Lanes> f = FlowForward<false>(in);
  for (int l = 0; l < kLanes; ++l) out[l] = {f.x[l], f.y[l], f.u_end[l], f.q[l]};
}

inline void FlowLanes(const Var* V, const Var* u, const Var* I_lo, const Var& lo, const Var& t,
                      const Extras<Var>* const* ex, const Neuron<Var>* const* p, Segment<Var>* out) {
  Tape& tp = *tape;
  if (tp.lanes_count == tp.lanes.size()) tp.lanes.resize(std::max<size_t>(64, 2 * tp.lanes_count));
  LanesRecord& r = tp.lanes[tp.lanes_count];
  r.in = FlowInOf<Lanes>{};
  r.in.count = ex[0]->count;
  std::fill_n(&r.index[0][0], kFlowInputs * kLanes, -1);
  bool constant = true;
  for (int l = 0; l < kLanes; ++l)
    VisitFlowInputs(V[l], u[l], I_lo[l], lo, t, *ex[l], *p[l], [&](int k, const Var& x) {
      r.in.x[k][l] = x.v;
      r.index[k][l] = x.i;
      constant = constant && x.i < 0;
    });
  r.state = FlowForward<true>(r.in);
  const FlowStateOf<Lanes>& f = r.state;
  if (constant) {  // the record's slot is left for the next one
    for (int l = 0; l < kLanes; ++l) out[l] = {f.x[l], f.y[l], f.u_end[l], f.q[l]};
    return;
  }
  const int32_t first = Push(kLanesNode, 0.0, static_cast<int32_t>(tp.lanes_count++), 0.0);
  for (int e = 1; e < 4 * kLanes; ++e) Push(-1, 0.0, -1, 0.0);
  for (int l = 0; l < kLanes; ++l)
    out[l] = {Var(f.x[l], first + l), Var(f.y[l], first + kLanes + l), Var(f.u_end[l], first + 2 * kLanes + l),
              Var(f.q[l], first + 3 * kLanes + l)};
}

// Sweeps `tape` back, `adj` holding the cotangents of its entries (those of the outputs on entry).
inline void Sweep(const Tape& tape, std::vector<double>* adjoints) {
  std::vector<double>& adj = *adjoints;
  for (int64_t i = static_cast<int64_t>(tape.size) - 1; i >= 0; --i) {
    const Node& node = tape.nodes[i];
    if (node.a == kLanesNode) {  // its 32 outputs' entries are i..i+31, all swept by now
      Lanes g_out[4];
      bool active[kLanes] = {}, any = false;
      for (int k = 0; k < 4; ++k)
        for (int l = 0; l < kLanes; ++l) {
          g_out[k][l] = adj[i + k * kLanes + l];
          active[l] = active[l] || g_out[k][l] != 0.0;
        }
      for (int l = 0; l < kLanes; ++l) any = any || active[l];
      if (!any) continue;
      const LanesRecord& record = tape.lanes[node.b];
      Lanes g_in[kFlowInputs] = {};
      FlowAdjoint(record.in, record.state, g_out, g_in);
      for (int k = 0; k < kFlowInputs; ++k)
        for (int l = 0; l < kLanes; ++l)  // a lane without cotangents adds nothing, as a segment's would
          if (active[l] && record.index[k][l] >= 0) adj[record.index[k][l]] += g_in[k][l];
      continue;
    }
    if (node.a == kSegmentNode) {  // its four outputs' entries are i..i+3, all swept by now
      const double* g_out = &adj[i];
      if (g_out[0] == 0.0 && g_out[1] == 0.0 && g_out[2] == 0.0 && g_out[3] == 0.0) continue;
      const FlowRecord& record = tape.segments[node.b];
      double g_in[kFlowInputs] = {};
      FlowAdjoint(record.in, record.state, g_out, g_in);
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

// exp(x), remembered per thread for its last argument: a step's pieces mostly decay over the same span.
inline double DecayFactor(double x) { return recalls.decay(x, Exp); }
inline Var DecayFactor(const Var& x) { const double e = recalls.decay(x.v, Exp); return Unary(e, x, e); }

// I decayed over `span` (exp(-span / tau)); a constant zero span is the identity.
template <typename T>
T Decay(const T& I, const T& span, const T& tau) {
  return val(span) == 0 && is_const(span) ? I : I * DecayFactor(-span / tau);
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
  P->extras.resize(N);
  for (Extras<T>& ex : P->extras) ex.count = 0;
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

// exact._solve for one neuron, from the start of piece `first_piece` (V0, u0 there).
template <typename T>
Outcome<T> Solve(const T& V0, const T& u0, const Pieces<T>& P, int n, int N, int splits, double h,
                 const Neuron<T>& p, int first_piece = 0) {
  const Extras<T>& ex = P.extras[n];
  T V = V0, u = u0;
  for (int k = first_piece; k <= splits; ++k) {
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

// Solve for neurons first..first + 7 (those below N): their pieces flowed eight at a time (FlowLanes),
// until a neuron crosses in one, from where Solve takes it over. The same outcomes; for double bit for bit.
template <typename T>
void SolveLanes(const Sample<T>& s, const Pieces<T>& P, int first, int splits, std::vector<Outcome<T>>* out) {
  const int N = s.N;
  auto neuron = [&](int l) { return std::min(first + l, N - 1); };  // past N: the last one again, unread
  T V[kLanes], u[kLanes];
  const Extras<T>* ex[kLanes];
  const Neuron<T>* p[kLanes];
  bool open[kLanes];
  int left = 0;
  for (int l = 0; l < kLanes; ++l) {
    const int n = neuron(l);
    open[l] = first + l < N;
    left += open[l];
    V[l] = open[l] ? s.V0[n] : T(val(s.V0[n]));  // a lane not read: constants, finite
    u[l] = open[l] ? s.u0[n] : T(val(s.u0[n]));
    ex[l] = &P.extras[n];
    p[l] = &s.neurons[n];
  }
  for (int k = 0; k <= splits && left > 0; ++k) {
    const T& lo = P.edges[k];
    const T span = P.edges[k + 1] - lo;
    Segment<T> seg[kLanes];
    if (val(span) == 0 && is_const(span)) {  // a piece of zero length is the identity
      for (int l = 0; l < kLanes; ++l) seg[l] = {V[l], T(1.0), u[l], T(0.0)};
    } else {
      T I_lo[kLanes];
      for (int l = 0; l < kLanes; ++l) I_lo[l] = P.currents[static_cast<size_t>(k) * N + neuron(l)];
      FlowLanes(V, u, I_lo, lo, span, ex, p, seg);
    }
    for (int l = 0; l < kLanes; ++l) {
      if (!open[l]) continue;
      const int n = first + l;
      const T V_end = EndVoltage(seg[l]);
      if (val(seg[l].y) <= 0 || val(V_end) >= val(p[l]->v_th) || val(V[l]) >= val(p[l]->v_th)) {
        (*out)[n] = Solve(V[l], u[l], P, n, N, splits, s.h, s.neurons[n], k);
        open[l] = false;
        --left;
        V[l] = T(val(s.V0[n])), u[l] = T(val(s.u0[n]));
      } else {
        V[l] = V_end, u[l] = seg[l].u_end;
      }
    }
  }
  for (int l = 0; l < kLanes; ++l)
    if (open[l]) (*out)[first + l] = {V[l], u[l], T(s.h), false};
}

// exact.event_step for one sample; `weight(row, n)` reads the concatenated (inputs, recurrent) weights.
// Bit p of crossed(n) says whether neuron n crossed in pass p: the forward call writes it (`record`),
// the backward call reads it (`known`). Of a pass before the last one run, only the spike times of
// the neurons that crossed are read (the next pass's onsets), so with `known` only those are solved.
template <typename T, typename Weight>
void EventStep(Sample<T>& s, int passes, int splits, Weight weight, Pieces<T>& P, std::vector<Outcome<T>>* out,
               std::vector<T>* I_end, int32_t* record, const int32_t* known) {
  const int N = s.N;
  std::vector<T>& onsets = s.onsets;  // inputs, then the layer's in-step spikes of the previous pass
  onsets.resize(s.S + N, T(2.0 * s.h));
  out->resize(N);
  if (record) std::fill(record, record + N, 0);
  bool first_pass_fires = false;
  for (int n = 0; known && n < N; ++n) first_pass_fires = first_pass_fires || (known[n] & 1);
  for (int pass = 0; pass < passes; ++pass) {
    CutPieces(s, onsets, splits, weight, &P);
    const bool last = pass == passes - 1 || (known && !first_pass_fires);
    bool any = false;
    if (!known || last) {  // every neuron, eight at a time
      for (int first = 0; first < N; first += kLanes) SolveLanes(s, P, first, splits, out);
    } else {  // those that crossed
      for (int n = 0; n < N; ++n) {
        if (known[n] >> pass & 1) (*out)[n] = Solve(s.V0[n], s.u0[n], P, n, N, splits, s.h, s.neurons[n]);
        else (*out)[n] = {s.V0[n], s.u0[n], T(s.h), false};  // never read
      }
    }
    for (int n = 0; n < N; ++n) {
      any = any || (*out)[n].crossed;
      if (record) record[n] |= static_cast<int32_t>((*out)[n].crossed) << pass;
    }
    for (int n = 0; n < N; ++n) onsets[s.S + n] = (*out)[n].crossed ? (*out)[n].t_spike : T(2.0 * s.h);
    if (pass == 0 && !any) { *I_end = P.I_end; return; }  // the next passes would repeat this one
  }
  CutPieces(s, onsets, splits, weight, &P);
  *I_end = P.I_end;
}

}  // namespace izhi_exact

#endif  // IZHI_DYN_EXACT_MODEL_H_
