// One segment of the event-exact step (izhi_dyn/core/exact.py, exact._segment) in float64: its flow and
// the flow's hand-written vector-Jacobian product, for one segment (`double`) or eight at once (`Lanes`,
// each lane computing what the `double` version does, bit for bit).

#ifndef IZHI_DYN_EXACT_SEGMENT_H_
#define IZHI_DYN_EXACT_SEGMENT_H_

#include <cmath>
#include <cstdint>
#include <cstring>

namespace izhi_exact {

constexpr int kExtra = 4;  // EXTRA_EVENTS of izhi_dyn/core/exact.py
constexpr int kSeriesTerms = 11;
constexpr int kDoublings = 2;

// A function's last argument and value, per thread and call site: the segments of a step mostly share
// t / tau and a t, so their exponentials are computed once a step. Keyed by the argument's bits, so the
// value is always the function's own (signed zeros, NaNs).
struct Recall {
  bool known = false;
  uint64_t key = 0;
  double value = 0.0;
  template <typename F>
  double operator()(double x, F f) {
    uint64_t k;
    std::memcpy(&k, &x, sizeof k);
    if (!known || k != key) { known = true; key = k; value = f(x); }
    return value;
  }
};
struct SegmentRecalls { Recall expm1_exposure, exp_exposure, expm1_at, exp_at, decay; };
inline thread_local SegmentRecalls recalls __attribute__((tls_model("initial-exec")));
inline double Expm1(double x) { return std::expm1(x); }
inline double Exp(double x) { return std::exp(x); }

// The segment's arithmetic is written once for a `double` and for `Lanes`, eight segments at once
// (GCC vector extensions; comparisons give masks, `c ? a : b` selects lane by lane); functions of
// libm run lane by lane (Map).
constexpr int kLanes = 8;
typedef double Lanes __attribute__((vector_size(kLanes * sizeof(double))));

template <typename F>
double Map(F f, double x) { return f(x); }
template <typename F>
Lanes Map(F f, Lanes x) {
  Lanes r;
  for (int l = 0; l < kLanes; ++l) r[l] = f(x[l]);
  return r;
}
inline double Largest(double x) { return x; }
inline double Largest(Lanes x) {
  double m = x[0];
  for (int l = 1; l < kLanes; ++l) m = x[l] > m ? x[l] : m;
  return m;
}
// log1p(y - 1) where y > 0, else 0.
inline double LogWherePositive(double y, double y_minus_1) { return y > 0 ? std::log1p(y_minus_1) : 0.0; }
inline Lanes LogWherePositive(Lanes y, Lanes y_minus_1) {
  Lanes r;
  for (int l = 0; l < kLanes; ++l) r[l] = LogWherePositive(y[l], y_minus_1[l]);
  return r;
}

// Integral and first moment about t/2 of a unit exponential on [offset, offset + exposure tau], given
// E = 1 - exp(-exposure).
template <typename T, typename O>
void ExponentialMoments(O offset, T exposure, T E, T t, T tau, T* integral, T* moment) {
  *integral = tau * E;
  *moment = (offset - 0.5 * t) * tau * E + tau * tau * (E - exposure * (1.0 - E));
}

// Adds the cotangents of ExponentialMoments' (offset, exposure, t, tau), given those of its outputs,
// E = 1 - exp(-exposure) and dE = exp(-exposure).
template <typename T, typename O>
void ExponentialMomentsAdjoint(O offset, T exposure, T E, T dE, T t, T tau, T g_integral, T g_moment, T* g_offset,
                               T* g_exposure, T* g_t, T* g_tau) {
  const T lever = offset - 0.5 * t;
  const T g_E = g_integral * tau + g_moment * (lever * tau + tau * tau * (1.0 + exposure));
  *g_exposure += g_E * dE - g_moment * tau * tau * (1.0 - E);
  *g_offset += g_moment * tau * E;
  *g_t -= 0.5 * g_moment * tau * E;
  *g_tau += g_integral * E + g_moment * (lever * E + 2.0 * tau * (E - exposure * (1.0 - E)));
}

// 1/(2k)! and 1/(2k-1)!, the coefficients of C(z) = (Ch(z) - 1)/z and Sh(z); and reach[K], the largest
// |z| at which K terms leave out less than 1e-17 of each (the first term left out, z^K / (2K+1)!).
struct SeriesCoefficients {
  double c[kSeriesTerms + 2], s[kSeriesTerms + 2], reach[kSeriesTerms + 1];
  SeriesCoefficients() {
    double f = 1.0;
    for (int k = 1; k <= 2 * kSeriesTerms + 2; ++k) {
      f *= k;
      if (k % 2 == 0) c[k / 2] = 1.0 / f; else s[(k + 1) / 2] = 1.0 / f;
    }
    for (int K = 1; K <= kSeriesTerms; ++K) reach[K] = std::pow(1e-17 / s[K + 1], 1.0 / K);
  }
  int Terms(double z) const {  // the fewest terms (at most kSeriesTerms) that reach |z|
    int K = 1;
    while (K < kSeriesTerms && !(std::fabs(z) <= reach[K])) ++K;
    return K;
  }
};
const SeriesCoefficients kSeries;

// C(z) and Sh(z), with their derivatives where kDerivative: the series at z / 16 (as many terms as
// float64 resolves, at most moebius._series' kSeriesTerms; for Lanes, each lane its own), brought back
// by kDoublings doublings C(4z) = C(z) (z C(z) + 2) / 2, Sh(4z) = Sh(z) (1 + z C(z)).
template <bool kDerivative, typename T>
void Series(T z, T* C_out, T* Sh_out, T* dC_out, T* dSh_out) {
  T zs = z * (1.0 / 16.0);
  double dzs = 1.0 / 16.0;
  const T terms = Map([](double x) { return static_cast<double>(kSeries.Terms(x)); }, zs);
  T C = Map([](double K) { return kSeries.c[static_cast<int>(K)]; }, terms);
  T Sh = Map([](double K) { return kSeries.s[static_cast<int>(K)]; }, terms), dC{}, dSh{};
  for (int k = static_cast<int>(Largest(terms)) - 1; k > 0; --k) {
    const auto on = terms > k;  // the lanes whose series has reached term k
    if (kDerivative) {
      dC = on ? dzs * C + zs * dC : dC;
      dSh = on ? dzs * Sh + zs * dSh : dSh;
    }
    C = on ? kSeries.c[k] + zs * C : C;
    Sh = on ? kSeries.s[k] + zs * Sh : Sh;
  }
  for (int k = 0; k < kDoublings; ++k) {
    const T zC = zs * C;
    if (kDerivative) {
      const T dzC = dzs * C + zs * dC;
      dSh = dSh * (1.0 + zC) + Sh * dzC;
      dC = 0.5 * (dC * (zC + 2.0) + C * dzC);
    }
    const T C_next = C * (zC + 2.0) * 0.5;
    Sh = Sh * (1.0 + zC);
    C = C_next;
    zs *= 4.0;
    dzs *= 4.0;
  }
  *C_out = C;
  *Sh_out = Sh;
  if (kDerivative) { *dC_out = dC; *dSh_out = dSh; }
}

// max(x, 0), and its derivative as JAX takes it (half to each side at a tie).
template <typename T>
T Positive(T x) { return x > 0 ? x : T{}; }
template <typename T>
T PositiveSlope(T x) { return x > 0 ? T{} + 1.0 : (x < 0 ? T{} : T{} + 0.5); }

// exact._segment: the flow over [lo, lo + t] of a piece whose current is I_lo at lo, plus the extras.
//   - The current's start, mean and first moment about t/2: exact exponentials.
//   - u's mean and moment: its Taylor polynomial from u', u'', u''' at lo.
//   - V by moebius.voltage_flow, the Magnus step of dV/dt = p1 V^2 + p2 V + q (mean q, moment m):
//       w = p2^2/4 - p1 q,  z = t^2 w + (p1 m)^2,  D = p2 t/2 - p1 m,
//       x = (1 + z C + Sh D) V + Sh (t q - p2 m),  y = 1 + z C - Sh (t p1 V + D),
//       V_mean = -(log(y)/t + p2/2) / p1.
//   - u_end = u - expm1(-a t) (b V_mean - u) + a^2 b V_moment.
// Its inputs are flat, so that the adjoint names each one's cotangent.
enum FlowInput {
  kV, kU, kI, kLo, kT, kA, kB, kTau, kBias, kP1, kP2, kP3, kTimes, kWeights = kTimes + kExtra,
  kFlowInputs = kWeights + kExtra
};

template <typename T>
struct FlowInOf {
  T x[kFlowInputs];
  int count;  // extras (the same in every lane)
};
using FlowIn = FlowInOf<double>;

template <typename T>
struct FlowStateOf {  // every intermediate the adjoint reads
  T integral0, moment0, I_integral, I_moment, I_start, dV, du, ddu, ddV, dddu, q, m;
  T w, pm, z, C, Sh, dC, dSh, D, A, B, x, y_minus_1, y, log_rate, V_mean, V_moment, decay_at, u_end;
};
using FlowState = FlowStateOf<double>;

// The remembered exponentials of a segment, lane by lane.
template <typename T>
T Expm1Exposure(T x) { return Map([](double v) { return recalls.expm1_exposure(v, Expm1); }, x); }
template <typename T>
T ExpExposure(T x) { return Map([](double v) { return recalls.exp_exposure(v, Exp); }, x); }
template <typename T>
T Expm1At(T x) { return Map([](double v) { return recalls.expm1_at(v, Expm1); }, x); }
template <typename T>
T ExpAt(T x) { return Map([](double v) { return recalls.exp_at(v, Exp); }, x); }

template <bool kDerivative, typename T>
FlowStateOf<T> FlowForward(const FlowInOf<T>& in) {
  const T* x = in.x;
  const T V = x[kV], u = x[kU], I = x[kI], lo = x[kLo], t = x[kT], a = x[kA], b = x[kB], tau = x[kTau];
  const T p1 = x[kP1], p2 = x[kP2];
  FlowStateOf<T> f;
  const T exposure0 = t / tau;
  ExponentialMoments(0.0, exposure0, -Expm1Exposure(-exposure0), t, tau, &f.integral0, &f.moment0);
  f.I_integral = I * f.integral0;
  f.I_moment = I * f.moment0;
  f.I_start = I;
  for (int k = 0; k < in.count; ++k) {
    const T s = x[kTimes + k];
    const T age_lo = Positive(lo - s) / tau, age_hi = Positive(lo + t - s) / tau;
    T e_integral, e_moment;
    const T exposure = age_hi - age_lo;
    ExponentialMoments(Positive(s - lo), exposure, -Map(Expm1, -exposure), t, tau, &e_integral, &e_moment);
    const T amplitude = x[kWeights + k] * Map(Exp, -age_lo);
    f.I_integral += amplitude * e_integral;
    f.I_moment += amplitude * e_moment;
    f.I_start = s <= lo ? f.I_start + amplitude : f.I_start;
  }
  f.dV = p1 * V * V + p2 * V + x[kP3] - u + f.I_start + x[kBias];
  f.du = a * (b * V - u);
  f.ddu = a * (b * f.dV - f.du);
  f.ddV = (2.0 * p1 * V + p2) * f.dV - f.du - f.I_start / tau;
  f.dddu = a * (b * f.ddV - f.ddu);
  const T u_mean = u + t * (f.du / 2.0 + t * (f.ddu / 6.0 + t * f.dddu / 24.0));
  const T u_moment = t * t * t * (f.du / 12.0 + t * (f.ddu / 24.0 + t * f.dddu / 80.0));
  f.q = x[kP3] - u_mean + (t > 0 ? f.I_integral / t : f.I_start) + x[kBias];
  f.m = f.I_moment - u_moment;
  f.w = 0.25 * p2 * p2 - p1 * f.q;
  f.pm = p1 * f.m;
  f.z = t * t * f.w + f.pm * f.pm;
  Series<kDerivative>(f.z, &f.C, &f.Sh, &f.dC, &f.dSh);
  f.D = 0.5 * p2 * t - f.pm;
  f.A = 1.0 + f.z * f.C + f.Sh * f.D;
  f.B = t * f.q - p2 * f.m;
  f.x = f.A * V + f.Sh * f.B;
  f.y_minus_1 = f.z * f.C - f.Sh * (t * p1 * V + f.D);
  f.y = 1.0 + f.y_minus_1;
  f.log_rate = t > 0 ? (f.y > 0 ? LogWherePositive(f.y, f.y_minus_1) / t : T{}) : -(p1 * V + 0.5 * p2);
  f.V_mean = -(f.log_rate + 0.5 * p2) / p1;
  f.V_moment = t * t * t * (f.dV / 12.0 + t * f.ddV / 24.0);
  f.decay_at = Expm1At(-a * t);
  f.u_end = u - f.decay_at * (b * f.V_mean - u) + a * a * b * f.V_moment;
  return f;
}

// The segment's vector-Jacobian product: adds to g (kFlowInputs) the cotangents of the inputs, given
// those of (x, y, u_end, q), by sweeping the statements of f = FlowForward<true>(in) backwards.
template <typename T>
void FlowAdjoint(const FlowInOf<T>& in, const FlowStateOf<T>& f, const T* g_out, T* g) {
  const T* x = in.x;
  const T V = x[kV], u = x[kU], I = x[kI], lo = x[kLo], t = x[kT], a = x[kA], b = x[kB], tau = x[kTau];
  const T p1 = x[kP1], p2 = x[kP2];
  const T t2 = t * t, t3 = t2 * t;
  // u_end = u - decay_at (b V_mean - u) + a^2 b V_moment,  decay_at = expm1(-a t)
  const T g_end = g_out[2], decay = ExpAt(-a * t);
  const T g_mean = -g_end * f.decay_at * b, g_decay = -g_end * (b * f.V_mean - u);
  const T g_V_moment = g_end * a * a * b;
  g[kU] += g_end * (1.0 + f.decay_at);
  g[kB] += g_end * (a * a * f.V_moment - f.decay_at * f.V_mean);
  g[kA] += 2.0 * g_end * a * b * f.V_moment - g_decay * t * decay;
  g[kT] += g_V_moment * (t2 * f.dV / 4.0 + t3 * f.ddV / 6.0) - g_decay * a * decay;
  T g_dV = g_V_moment * t3 / 12.0, g_ddV = g_V_moment * t3 * t / 24.0;
  // V_mean = -(log_rate + p2/2) / p1,  log_rate = log1p(y - 1) / t
  const T g_rate = -g_mean / p1;
  g[kP2] -= 0.5 * g_mean / p1;
  g[kP1] += g_mean * (f.log_rate + 0.5 * p2) / (p1 * p1);
  T g_ym1 = g_out[1];
  const auto logged = (t > 0) & (f.y > 0), still = !(t > 0);
  g_ym1 = logged ? g_ym1 + g_rate / (t * (1.0 + f.y_minus_1)) : g_ym1;
  g[kT] = logged ? g[kT] - g_rate * f.log_rate / t : g[kT];
  g[kP1] = still ? g[kP1] - g_rate * V : g[kP1];
  g[kV] = still ? g[kV] - g_rate * p1 : g[kV];
  g[kP2] = still ? g[kP2] - 0.5 * g_rate : g[kP2];
  // y - 1 = z C - Sh (t p1 V + D),  x = A V + Sh B,  A = 1 + z C + Sh D,  B = t q - p2 m
  const T g_x = g_out[0], g_inner = -g_ym1 * f.Sh, g_A = g_x * V, g_B = g_x * f.Sh;
  T g_z = g_ym1 * f.C + g_A * f.C, g_C = g_ym1 * f.z + g_A * f.z;
  const T g_Sh = -g_ym1 * (t * p1 * V + f.D) + g_A * f.D + g_x * f.B;
  const T g_D = g_inner + g_A * f.Sh;
  T g_q = g_out[3] + g_B * t, g_m = -g_B * p2;
  g[kT] += g_inner * p1 * V + g_B * f.q;
  g[kP1] += g_inner * t * V;
  g[kV] += g_inner * t * p1 + g_x * f.A;
  g[kP2] -= g_B * f.m;
  // D = p2 t / 2 - pm,  z = t^2 w + pm^2,  pm = p1 m,  w = p2^2 / 4 - p1 q
  g_z += g_C * f.dC + g_Sh * f.dSh;
  const T g_w = g_z * t2, g_pm = 2.0 * g_z * f.pm - g_D;
  g[kT] += 0.5 * g_D * p2 + 2.0 * g_z * t * f.w;
  g[kP2] += 0.5 * g_D * t + 0.5 * g_w * p2;
  g[kP1] += g_pm * f.m - g_w * f.q;
  g_m += g_pm * p1;
  g_q -= g_w * p1;
  // m = I_moment - u_moment,  q = p3 - u_mean + (t > 0 ? I_integral / t : I_start) + bias
  const T g_I_moment = g_m, g_u_moment = -g_m, g_u_mean = -g_q;
  g[kP3] += g_q;
  g[kBias] += g_q;
  T g_I_integral = t > 0 ? g_q / t : T{}, g_I_start = t > 0 ? T{} : g_q;
  g[kT] = t > 0 ? g[kT] - g_q * f.I_integral / t2 : g[kT];
  // u_moment = t^3 du/12 + t^4 ddu/24 + t^5 dddu/80,  u_mean = u + t du/2 + t^2 ddu/6 + t^3 dddu/24
  g[kT] += g_u_moment * (t2 * f.du / 4.0 + t3 * f.ddu / 6.0 + t2 * t2 * f.dddu / 16.0) +
           g_u_mean * (f.du / 2.0 + t * f.ddu / 3.0 + t2 * f.dddu / 8.0);
  g[kU] += g_u_mean;
  T g_du = g_u_moment * t3 / 12.0 + g_u_mean * t / 2.0;
  T g_ddu = g_u_moment * t3 * t / 24.0 + g_u_mean * t2 / 6.0;
  const T g_dddu = g_u_moment * t3 * t2 / 80.0 + g_u_mean * t3 / 24.0;
  // dddu = a (b ddV - ddu)
  g[kA] += g_dddu * (b * f.ddV - f.ddu);
  g[kB] += g_dddu * a * f.ddV;
  g_ddV += g_dddu * a * b;
  g_ddu -= g_dddu * a;
  // ddV = (2 p1 V + p2) dV - du - I_start / tau
  g[kP1] += g_ddV * 2.0 * V * f.dV;
  g[kV] += g_ddV * 2.0 * p1 * f.dV;
  g[kP2] += g_ddV * f.dV;
  g[kTau] += g_ddV * f.I_start / (tau * tau);
  g_dV += g_ddV * (2.0 * p1 * V + p2);
  g_du -= g_ddV;
  g_I_start -= g_ddV / tau;
  // ddu = a (b dV - du)
  g[kA] += g_ddu * (b * f.dV - f.du);
  g[kB] += g_ddu * a * f.dV;
  g_dV += g_ddu * a * b;
  g_du -= g_ddu * a;
  // du = a (b V - u)
  g[kA] += g_du * (b * V - u);
  g[kB] += g_du * a * V;
  g[kV] += g_du * a * b;
  g[kU] -= g_du * a;
  // dV = p1 V^2 + p2 V + p3 - u + I_start + bias
  g[kP1] += g_dV * V * V;
  g[kV] += g_dV * (2.0 * p1 * V + p2);
  g[kP2] += g_dV * V;
  g[kP3] += g_dV;
  g[kU] -= g_dV;
  g[kBias] += g_dV;
  g_I_start += g_dV;
  // each extra: amplitude w exp(-age_lo) times its moments over [offset, offset + exposure tau]
  for (int k = 0; k < in.count; ++k) {
    const T s = x[kTimes + k];
    const T age_lo = Positive(lo - s) / tau, age_hi = Positive(lo + t - s) / tau, offset = Positive(s - lo);
    T e_integral, e_moment;
    const T exposure = age_hi - age_lo, E = -Map(Expm1, -exposure);
    ExponentialMoments(offset, exposure, E, t, tau, &e_integral, &e_moment);
    const T decay_k = Map(Exp, -age_lo), amplitude = x[kWeights + k] * decay_k;
    const T g_amplitude = g_I_integral * e_integral + g_I_moment * e_moment + (s <= lo ? g_I_start : T{});
    T g_offset{}, g_exposure{};
    ExponentialMomentsAdjoint(offset, exposure, E, Map(Exp, -exposure), t, tau, g_I_integral * amplitude,
                              g_I_moment * amplitude, &g_offset, &g_exposure, &g[kT], &g[kTau]);
    const T g_age_lo = -g_amplitude * amplitude - g_exposure, g_age_hi = g_exposure;
    const T d_lo = PositiveSlope(lo - s) * g_age_lo / tau, d_hi = PositiveSlope(lo + t - s) * g_age_hi / tau;
    const T d_offset = PositiveSlope(s - lo) * g_offset;
    g[kWeights + k] += g_amplitude * decay_k;
    g[kTau] -= (g_age_lo * age_lo + g_age_hi * age_hi) / tau;
    g[kLo] += d_lo + d_hi - d_offset;
    g[kT] += d_hi;
    g[kTimes + k] += d_offset - d_lo - d_hi;
  }
  // I_lo times the moments of exposure t / tau from offset 0
  T g_offset0{}, g_exposure0{};
  const T exposure0 = t / tau;
  ExponentialMomentsAdjoint(0.0, exposure0, -Expm1Exposure(-exposure0), ExpExposure(-exposure0), t, tau,
                            g_I_integral * I, g_I_moment * I, &g_offset0, &g_exposure0, &g[kT], &g[kTau]);
  g[kI] += g_I_integral * f.integral0 + g_I_moment * f.moment0 + g_I_start;
  g[kT] += g_exposure0 / tau;
  g[kTau] -= g_exposure0 * t / (tau * tau);
}

}  // namespace izhi_exact

#endif  // IZHI_DYN_EXACT_SEGMENT_H_
