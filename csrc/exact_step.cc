// The event-exact step of izhi_dyn/core/exact.py as two XLA FFI calls on the CPU: the step, and its
// vector-Jacobian product.
//
// The step is written once, as templates over the scalar type:
//   - `double` for the forward call;
//   - `Var`, a value with an index on a reverse-mode tape, for the backward call, which runs the step
//     again on the tape and sweeps it back from the outputs' cotangents.
// It follows event_step operation by operation (the same pieces, Magnus segments, Newton root find
// under stop-gradient and one Newton step with gradient, passes), in float64 whatever the buffers'
// type, so its values are the pure-JAX step's to rounding and its gradient is the derivative of the
// same discretisation. Three shortcuts leave values and derivatives unchanged:
//   - a segment of zero length whose ends are constants is the identity;
//   - a neuron that did not cross keeps the flow of the crossing search (the pure-JAX step flows it
//     again from 0 through the same pieces);
//   - when the first pass has no spike, further passes would repeat it.
// Each call splits the batch (leading dimensions, broadcast where an input has size 1 there) among
// the CPUs the process may use.

#include <sched.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <numeric>
#include <thread>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

constexpr int kExtra = 4;  // EXTRA_EVENTS of izhi_dyn/core/exact.py
constexpr int kNewton = 3;
constexpr int kSeriesTerms = 11;
constexpr int kDoublings = 2;

// ---- reverse-mode tape --------------------------------------------------------------------------

struct Node {
  int32_t a, b;  // parents (-1: none)
  double da, db;  // partial derivatives with respect to them
};

// Each thread's tape of the running backward call. The initial-exec model makes an access one load;
// the general model of a shared library costs a call per access.
struct Tape {
  std::vector<Node> nodes;
  size_t size = 0;
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

[[gnu::always_inline]] inline Var Unary(double v, const Var& x, double dx) { return x.i < 0 ? Var(v) : Var(v, Push(x.i, dx, -1, 0.0)); }
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
inline Var expm1(const Var& x) { return Unary(std::expm1(x.v), x, std::exp(x.v)); }
inline Var log1p(const Var& x) { return Unary(std::log1p(x.v), x, 1.0 / (1.0 + x.v)); }
using std::exp;
using std::expm1;
using std::log1p;

// max(x, 0) with JAX's derivative (half to each side at a tie).
template <typename T>
T Positive(const T& x) { return val(x) > 0 ? x : (val(x) < 0 ? T(0.0) : x * T(0.5)); }

// ---- the model ----------------------------------------------------------------------------------

template <typename T>
struct Neuron {  // one neuron's parameters (ExactParams)
  T a, b, c, d, v_th, tau, bias, p1, p2, p3;
};

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

// Integral and first moment about t/2 of a unit exponential on [offset, offset + exposure tau].
template <typename T>
void ExponentialMoments(const T& offset, const T& exposure, const T& t, const T& tau, T* integral, T* moment) {
  const T E = -expm1(-exposure);
  *integral = tau * E;
  *moment = (offset - T(0.5) * t) * tau * E + tau * tau * (E - exposure * (T(1.0) - E));
}

// 1/(2k)! and 1/(2k-1)!, the coefficients of C(z) = (Ch(z) - 1)/z and Sh(z).
struct Series {
  double c[kSeriesTerms + 1], s[kSeriesTerms + 1];
  Series() {
    double f = 1.0;
    for (int k = 1; k <= 2 * kSeriesTerms; ++k) {
      f *= k;
      if (k % 2 == 0) c[k / 2] = 1.0 / f; else s[(k + 1) / 2] = 1.0 / f;
    }
  }
};
const Series kSeries;

// C(z) and Sh(z) with their derivatives: the series at z / 16, brought back by kDoublings doublings
// C(4z) = C(z) (z C(z) + 2) / 2, Sh(4z) = Sh(z) (1 + z C(z)), as moebius._series and voltage_flow.
template <bool kDerivative>
void Series(double z, double* C_out, double* Sh_out, double* dC_out, double* dSh_out) {
  double zs = z * (1.0 / 16.0), dzs = 1.0 / 16.0;
  double C = kSeries.c[kSeriesTerms], Sh = kSeries.s[kSeriesTerms], dC = 0.0, dSh = 0.0;
  for (int k = kSeriesTerms - 1; k > 0; --k) {
    if (kDerivative) {
      dC = dzs * C + zs * dC;
      dSh = dzs * Sh + zs * dSh;
    }
    C = kSeries.c[k] + zs * C;
    Sh = kSeries.s[k] + zs * Sh;
  }
  for (int k = 0; k < kDoublings; ++k) {
    const double zC = zs * C;
    if (kDerivative) {
      const double dzC = dzs * C + zs * dC;
      dSh = dSh * (1.0 + zC) + Sh * dzC;
      dC = 0.5 * (dC * (zC + 2.0) + C * dzC);
    }
    const double C_next = C * (zC + 2.0) * 0.5;
    Sh = Sh * (1.0 + zC);
    C = C_next;
    zs *= 4.0;
    dzs *= 4.0;
  }
  *C_out = C;
  *Sh_out = Sh;
  if (kDerivative) { *dC_out = dC; *dSh_out = dSh; }
}

inline void SeriesAt(double z, double* C, double* Sh) { Series<false>(z, C, Sh, nullptr, nullptr); }

inline void SeriesAt(const Var& z, Var* C, Var* Sh) {
  double c, s, dc, ds;
  Series<true>(z.v, &c, &s, &dc, &ds);
  *C = Unary(c, z, dc);
  *Sh = Unary(s, z, ds);
}

// moebius.voltage_flow: (x, y, V_mean) under dV/dt = p1 V^2 + p2 V + q (mean q, first moment m).
template <typename T>
void VoltageFlow(const T& V, const T& q, const T& t, const T& p1, const T& p2, const T& m, T* x, T* y, T* V_mean) {
  const T w = T(0.25) * p2 * p2 - p1 * q;
  const T pm = p1 * m;
  const T z = t * t * w + pm * pm;
  T C, Sh;
  SeriesAt(z, &C, &Sh);
  const T diagonal = T(0.5) * p2 * t - pm;
  *x = (T(1.0) + z * C + Sh * diagonal) * V + Sh * (t * q - p2 * m);
  const T y_minus_1 = z * C - Sh * (t * p1 * V + diagonal);
  *y = T(1.0) + y_minus_1;
  T log_rate;
  if (val(t) > 0 && val(*y) > 0) log_rate = log1p(y_minus_1) / t;
  else if (val(t) > 0) log_rate = T(0.0);
  else log_rate = -(p1 * V + T(0.5) * p2);
  *V_mean = -(log_rate + T(0.5) * p2) / p1;
}

// exact._segment: the flow over [lo, lo + t] of a piece whose current is I_lo at lo, plus the extras.
template <typename T>
Segment<T> Flow(const T& V, const T& u, const T& I_lo, const T& lo, const T& t, const Extras<T>& ex,
                const Neuron<T>& p) {
  const bool positive = val(t) > 0;
  const T& tau = p.tau;
  T integral, moment;
  ExponentialMoments(T(0.0), t / tau, t, tau, &integral, &moment);
  T I_integral = I_lo * integral, I_moment = I_lo * moment, I_start = I_lo;
  for (int k = 0; k < ex.count; ++k) {
    const T& s = ex.time[k];
    const T age_lo = Positive(lo - s) / tau;
    const T age_hi = Positive(lo + t - s) / tau;
    T e_integral, e_moment;
    ExponentialMoments(Positive(s - lo), age_hi - age_lo, t, tau, &e_integral, &e_moment);
    const T amplitude = ex.weight[k] * exp(-age_lo);
    I_integral += amplitude * e_integral;
    I_moment += amplitude * e_moment;
    if (val(s) <= val(lo)) I_start += amplitude;
  }
  const T dV = p.p1 * V * V + p.p2 * V + p.p3 - u + I_start + p.bias;
  const T du = p.a * (p.b * V - u);
  const T ddu = p.a * (p.b * dV - du);
  const T ddV = (T(2.0) * p.p1 * V + p.p2) * dV - du - I_start / tau;
  const T dddu = p.a * (p.b * ddV - ddu);
  const T u_mean = u + t * (du / T(2.0) + t * (ddu / T(6.0) + t * dddu / T(24.0)));
  const T u_moment = t * t * t * (du / T(12.0) + t * (ddu / T(24.0) + t * dddu / T(80.0)));
  const T q = p.p3 - u_mean + (positive ? I_integral / t : I_start) + p.bias;
  Segment<T> s;
  T V_mean;
  VoltageFlow(V, q, t, p.p1, p.p2, I_moment - u_moment, &s.x, &s.y, &V_mean);
  const T V_moment = t * t * t * (dV / T(12.0) + t * ddV / T(24.0));
  s.u_end = u - expm1(-p.a * t) * (p.b * V_mean - u) + p.a * p.a * p.b * V_moment;
  s.q = q;
  return s;
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
};

// exact.piece_currents: cut at the first `splits` in-step events, the next kExtra at their own times.
template <typename T, typename Weight>
Pieces<T> CutPieces(const Sample<T>& s, const std::vector<T>& onsets, int splits, Weight weight) {
  const int N = s.N, total = static_cast<int>(onsets.size());
  const double h = s.h;
  std::vector<int> order(total);
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&](int i, int j) { return val(onsets[i]) < val(onsets[j]); });
  const int slots = splits + kExtra;
  std::vector<T> jumps(static_cast<size_t>(slots) * N, T(0.0));
  for (int r = 0; r < total; ++r) {
    const int e = order[r];
    if (!(val(onsets[e]) <= h)) break;  // sorted: the rest are outside the step
    const int slot = r < slots ? r : splits - 1;
    for (int n = 0; n < N; ++n) jumps[static_cast<size_t>(slot) * N + n] += weight(e, n);
  }
  auto onset_at = [&](int r) { return r < total ? onsets[order[r]] : T(2.0 * h); };
  Pieces<T> P;
  P.edges.reserve(splits + 2);
  P.edges.push_back(T(0.0));
  for (int k = 0; k < splits; ++k) {
    const T o = onset_at(k);  // min(o, h), half the derivative at a tie (jnp.minimum)
    P.edges.push_back(val(o) < h ? o : (val(o) > h ? T(h) : o * T(0.5) + T(0.5 * h)));
  }
  P.edges.push_back(T(h));
  P.currents.resize(static_cast<size_t>(splits + 1) * N);
  P.extras.resize(N);
  P.I_end.resize(N);
  for (int n = 0; n < N; ++n) {
    const T& tau = s.neurons[n].tau;
    T I = s.I0[n];
    P.currents[n] = I;
    for (int k = 0; k < splits; ++k) {
      I = I * exp(-(P.edges[k + 1] - P.edges[k]) / tau) + jumps[static_cast<size_t>(k) * N + n];
      P.currents[static_cast<size_t>(k + 1) * N + n] = I;
    }
    Extras<T>& ex = P.extras[n];
    for (int x = 0; x < kExtra; ++x) {
      const T o = onset_at(splits + x);
      if (!(val(o) <= h)) break;  // no event: no current, no derivative
      ex.time[ex.count] = o;
      ex.weight[ex.count] = jumps[static_cast<size_t>(splits + x) * N + n];
      ++ex.count;
    }
    P.I_end[n] = I * exp(-(T(h) - P.edges[splits]) / tau) + ExtraCurrent(ex, T(h), tau);
  }
  return P;
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
    const Segment<double> s = Flow<double>(Vs, us, Is, los, t, exv, q);
    const double g = s.x - q.v_th * s.y;
    const double dg = 0.5 * q.p2 * (s.x + q.v_th * s.y) + s.q * s.y + q.p1 * q.v_th * s.x;
    t = std::min(std::max(t - g / (dg > 0 ? dg : INFINITY), 0.0), span);
  }
  const Segment<T> s = Flow<T>(V, u, I_lo, lo, T(t), ex, p);
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
template <typename T, typename Weight>
void EventStep(Sample<T>& s, int passes, int splits, Weight weight, std::vector<Outcome<T>>* out,
               std::vector<T>* I_end) {
  const int N = s.N;
  std::vector<T>& onsets = s.onsets;  // inputs, then the layer's in-step spikes of the previous pass
  onsets.resize(s.S + N, T(2.0 * s.h));
  out->resize(N);
  for (int pass = 0; pass < passes; ++pass) {
    const Pieces<T> P = CutPieces(s, onsets, splits, weight);
    bool any = false;
    for (int n = 0; n < N; ++n) {
      (*out)[n] = Solve(s.V0[n], s.u0[n], P, n, N, splits, s.h, s.neurons[n]);
      any = any || (*out)[n].crossed;
    }
    for (int n = 0; n < N; ++n) onsets[s.S + n] = (*out)[n].crossed ? (*out)[n].t_spike : T(2.0 * s.h);
    if (pass == 0 && !any) { *I_end = P.I_end; return; }  // the next passes would repeat this one
  }
  *I_end = CutPieces(s, onsets, splits, weight).I_end;
}

// ---- buffers ------------------------------------------------------------------------------------

// An input buffer seen per sample: the trailing `core` dimensions per sample, broadcast over the
// leading (batch) dimensions where it has size 1.
struct View {
  const void* data;
  bool f64;
  int64_t size;                  // elements per sample
  std::vector<int64_t> strides;  // per batch dimension, in samples (0: broadcast)
  double at(int64_t offset) const {
    return f64 ? static_cast<const double*>(data)[offset] : static_cast<const float*>(data)[offset];
  }
};

View MakeView(const ffi::AnyBuffer& buf, int core, const std::vector<int64_t>& batch) {
  View v{buf.untyped_data(), buf.element_type() == ffi::F64, 1, {}};
  const auto dims = buf.dimensions();
  const int lead = static_cast<int>(dims.size()) - core;
  for (int k = lead; k < static_cast<int>(dims.size()); ++k) v.size *= dims[k];
  v.strides.assign(batch.size(), 0);
  int64_t stride = 1;
  for (int k = lead - 1; k >= 0; --k) {
    const int slot = static_cast<int>(batch.size()) - lead + k;
    v.strides[slot] = dims[k] == 1 ? 0 : stride;
    stride *= dims[k];
  }
  return v;
}

int64_t SampleOffset(const View& v, const std::vector<int64_t>& batch, int64_t b) {
  int64_t offset = 0;
  for (int k = static_cast<int>(batch.size()) - 1; k >= 0; --k) {
    offset += (b % batch[k]) * v.strides[k];
    b /= batch[k];
  }
  return offset * v.size;
}

constexpr int kInputs = 17;  // V0 u0 I0 h in_onsets in_weights rec_weights a b c d v_th tau bias p1 p2 p3
constexpr int kCore[kInputs] = {1, 1, 1, 0, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

struct Batch {
  std::vector<int64_t> shape;
  int64_t count = 1;
  std::vector<View> views;
  std::vector<int64_t> offsets;  // per input, for the current sample
  void Seek(int64_t b) {
    offsets.resize(views.size());
    for (size_t k = 0; k < views.size(); ++k) offsets[k] = SampleOffset(views[k], shape, b);
  }
  double at(int input, int64_t i) const { return views[input].at(offsets[input] + i); }
  // W[row, n] of the concatenated weights: the S input rows (input 5), then the N recurrent ones (6).
  double weight(int S, int N, int row, int n) const {
    return row < S ? at(5, static_cast<int64_t>(row) * N + n) : at(6, static_cast<int64_t>(row - S) * N + n);
  }
};

// The batch of `in` (the 17 inputs, then any cotangents, of core rank 1): the broadcast of all leading dims.
Batch MakeBatch(const std::vector<ffi::AnyBuffer>& in) {
  Batch batch;
  const int rank = static_cast<int>(in[0].dimensions().size()) - 1;  // V0: (..., N)
  auto core = [](size_t k) { return k < kInputs ? kCore[k] : 1; };
  batch.shape.assign(rank, 1);
  for (size_t k = 0; k < in.size(); ++k) {
    const auto d = in[k].dimensions();
    const int lead = static_cast<int>(d.size()) - core(k);
    for (int j = 0; j < lead; ++j) batch.shape[rank - lead + j] = std::max(batch.shape[rank - lead + j], d[j]);
  }
  for (int64_t d : batch.shape) batch.count *= d;
  for (size_t k = 0; k < in.size(); ++k) batch.views.push_back(MakeView(in[k], core(k), batch.shape));
  return batch;
}

// Reads one sample's inputs as T; `leaf(input, x)` turns input's value x into the run's scalar (a tape
// leaf for Var, where that input needs a cotangent).
template <typename T, typename Leaf>
Sample<T> ReadSample(const Batch& batch, int N, int S, Leaf leaf) {
  Sample<T> s;
  s.N = N;
  s.S = S;
  s.h = batch.at(3, 0);
  for (auto* v : {&s.V0, &s.u0, &s.I0}) v->reserve(N);
  s.onsets.reserve(S + N);
  s.neurons.reserve(N);
  for (int n = 0; n < N; ++n) {
    s.V0.push_back(leaf(0, batch.at(0, n)));
    s.u0.push_back(leaf(1, batch.at(1, n)));
    s.I0.push_back(leaf(2, batch.at(2, n)));
  }
  for (int e = 0; e < S; ++e) s.onsets.push_back(leaf(4, batch.at(4, e)));
  for (int n = 0; n < N; ++n) {
    Neuron<T> p;
    T* fields[10] = {&p.a, &p.b, &p.c, &p.d, &p.v_th, &p.tau, &p.bias, &p.p1, &p.p2, &p.p3};
    for (int f = 0; f < 10; ++f) *fields[f] = leaf(7 + f, batch.at(7 + f, n));
    s.neurons.push_back(p);
  }
  return s;
}

// Runs `body(batch, b)` for every sample b, the samples split among the CPUs this process may use
// (each thread with its own copy of `batch`, whose Seek it calls).
template <typename Body>
void ParallelFor(const Batch& batch, Body body) {
  cpu_set_t set;
  const int cpus = sched_getaffinity(0, sizeof(set), &set) == 0 ? CPU_COUNT(&set) : 1;
  const int64_t workers = std::max<int64_t>(1, std::min<int64_t>(cpus, batch.count));
  auto run = [&](int64_t w) {
    Batch own = batch;
    for (int64_t b = w; b < batch.count; b += workers) {
      own.Seek(b);
      body(own, b);
    }
  };
  std::vector<std::thread> threads;
  for (int64_t w = 1; w < workers; ++w) threads.emplace_back(run, w);
  run(0);
  for (auto& t : threads) t.join();
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

#define IZHI_EXACT_INPUTS                                                                                  \
  ffi::AnyBuffer V0, ffi::AnyBuffer u0, ffi::AnyBuffer I0, ffi::AnyBuffer h, ffi::AnyBuffer in_onsets,     \
      ffi::AnyBuffer in_weights, ffi::AnyBuffer rec_weights, ffi::AnyBuffer a, ffi::AnyBuffer b,           \
      ffi::AnyBuffer c, ffi::AnyBuffer d, ffi::AnyBuffer v_th, ffi::AnyBuffer tau, ffi::AnyBuffer bias,    \
      ffi::AnyBuffer p1, ffi::AnyBuffer p2, ffi::AnyBuffer p3
#define IZHI_EXACT_LIST V0, u0, I0, h, in_onsets, in_weights, rec_weights, a, b, c, d, v_th, tau, bias, p1, p2, p3

ffi::Error Forward(IZHI_EXACT_INPUTS, int64_t passes, int64_t splits, ffi::Result<ffi::AnyBuffer> V_out,
                   ffi::Result<ffi::AnyBuffer> u_out, ffi::Result<ffi::AnyBuffer> I_out,
                   ffi::Result<ffi::AnyBuffer> spiked_out, ffi::Result<ffi::AnyBuffer> t_out) {
  Batch batch = MakeBatch({IZHI_EXACT_LIST});
  const int N = static_cast<int>(batch.views[0].size), S = static_cast<int>(batch.views[4].size);
  ParallelFor(batch, [&](Batch& batch, int64_t b) {
    Sample<double> s = ReadSample<double>(batch, N, S, [](int, double x) { return x; });
    auto weight = [&](int row, int n) { return batch.weight(S, N, row, n); };
    std::vector<Outcome<double>> out;
    std::vector<double> I_end;
    EventStep(s, static_cast<int>(passes), static_cast<int>(splits), weight, &out, &I_end);
    const int64_t o = b * N;
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
ffi::Error Backward(IZHI_EXACT_INPUTS, ffi::AnyBuffer gV, ffi::AnyBuffer gu, ffi::AnyBuffer gI, ffi::AnyBuffer gt,
                    int64_t passes, int64_t splits, int64_t perturbed, ffi::Result<ffi::AnyBuffer> dV0,
                    ffi::Result<ffi::AnyBuffer> du0, ffi::Result<ffi::AnyBuffer> dI0, ffi::Result<ffi::AnyBuffer> dh,
                    ffi::Result<ffi::AnyBuffer> d_onsets, ffi::Result<ffi::AnyBuffer> d_in_w,
                    ffi::Result<ffi::AnyBuffer> d_rec_w, ffi::Result<ffi::AnyBuffer> da, ffi::Result<ffi::AnyBuffer> db,
                    ffi::Result<ffi::AnyBuffer> dc, ffi::Result<ffi::AnyBuffer> dd, ffi::Result<ffi::AnyBuffer> dv_th,
                    ffi::Result<ffi::AnyBuffer> dtau, ffi::Result<ffi::AnyBuffer> dbias,
                    ffi::Result<ffi::AnyBuffer> dp1, ffi::Result<ffi::AnyBuffer> dp2,
                    ffi::Result<ffi::AnyBuffer> dp3) {
  Batch batch = MakeBatch({IZHI_EXACT_LIST, gV, gu, gI, gt});  // inputs 17..20: the cotangents
  const int N = static_cast<int>(batch.views[0].size), S = static_cast<int>(batch.views[4].size);
  ffi::Result<ffi::AnyBuffer>* outs[kInputs] = {&dV0, &du0, &dI0, &dh, &d_onsets, &d_in_w, &d_rec_w, &da, &db,
                                                &dc, &dd, &dv_th, &dtau, &dbias, &dp1, &dp2, &dp3};
  auto wanted = [&](int input) { return (perturbed >> input & 1) != 0; };
  ParallelFor(batch, [&](Batch& batch, int64_t b) {
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
    thread_local Tape local;
    thread_local std::vector<int32_t> weight_leaf;
    thread_local std::vector<double> adj;
    tape = &local;
    local.size = 0;
    auto leaf = [&](int input, double x) { return wanted(input) ? Var(x, Push(-1, 0.0, -1, 0.0)) : Var(x); };
    Sample<Var> s = ReadSample<Var>(batch, N, S, leaf);
    weight_leaf.assign(static_cast<size_t>(S + N) * N, -1);  // leaves once an event uses them
    auto weight = [&](int row, int n) {
      const double w = batch.weight(S, N, row, n);
      if (!wanted(row < S ? 5 : 6)) return Var(w);
      int32_t& index = weight_leaf[static_cast<size_t>(row) * N + n];
      if (index < 0) index = Push(-1, 0.0, -1, 0.0);
      return Var(w, index);
    };
    std::vector<Outcome<Var>> out;
    std::vector<Var> I_end;
    EventStep(s, static_cast<int>(passes), static_cast<int>(splits), weight, &out, &I_end);
    adj.assign(local.size, 0.0);
    for (int n = 0; n < N; ++n) {
      const Var* outputs[4] = {&out[n].V, &out[n].u, &I_end[n], &out[n].t_spike};
      for (int k = 0; k < 4; ++k)
        if (outputs[k]->i >= 0) adj[outputs[k]->i] += batch.at(kInputs + k, n);
    }
    for (int64_t i = static_cast<int64_t>(local.size) - 1; i >= 0; --i) {
      const double g = adj[i];
      if (g == 0.0) continue;
      const Node& node = local.nodes[i];
      if (node.a >= 0) adj[node.a] += node.da * g;
      if (node.b >= 0) adj[node.b] += node.db * g;
    }
    auto grad = [&](const Var& x) { return x.i >= 0 ? adj[x.i] : 0.0; };
    store(0, [&](int64_t n) { return grad(s.V0[n]); });
    store(1, [&](int64_t n) { return grad(s.u0[n]); });
    store(2, [&](int64_t n) { return grad(s.I0[n]); });
    store(4, [&](int64_t e) { return grad(s.onsets[e]); });
    auto weight_grad = [&](int64_t i) { return weight_leaf[i] >= 0 ? adj[weight_leaf[i]] : 0.0; };
    store(5, weight_grad);
    store(6, [&](int64_t i) { return weight_grad(static_cast<int64_t>(S) * N + i); });
    for (int f = 0; f < 10; ++f) {
      store(7 + f, [&](int64_t n) {
        const Neuron<Var>& p = s.neurons[n];
        const Var* fields[10] = {&p.a, &p.b, &p.c, &p.d, &p.v_th, &p.tau, &p.bias, &p.p1, &p.p2, &p.p3};
        return grad(*fields[f]);
      });
    }
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
                              IZHI_RET4(IZHI_BIND_INPUTS(ffi::Ffi::Bind())
                                            .Attr<int64_t>("passes")
                                            .Attr<int64_t>("splits"))
                                  .Ret<ffi::AnyBuffer>());
XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiExactStepVjp, Backward,
                              IZHI_RET4(IZHI_RET4(IZHI_RET4(IZHI_RET4(
                                  IZHI_BIND_INPUTS(ffi::Ffi::Bind())
                                      .Arg<ffi::AnyBuffer>()
                                      .Arg<ffi::AnyBuffer>()
                                      .Arg<ffi::AnyBuffer>()
                                      .Arg<ffi::AnyBuffer>()
                                      .Attr<int64_t>("passes")
                                      .Attr<int64_t>("splits")
                                      .Attr<int64_t>("perturbed")))))
                                  .Ret<ffi::AnyBuffer>());
