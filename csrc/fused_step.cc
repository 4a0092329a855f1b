// One step of the Izhikevich (2003) network as one XLA FFI call on the CPU.
//
// For two populations (excitatory, inhibitory) whose states are separate buffers, the call
//   1. propagates the spikes of the previous step (concatenated, excitatory first) through the
//      recurrent weights: I_rec[j] = sum over spiking i, in increasing i, of W[i, j]
//      (CSR rows in their stored order, or dense rows), into a zeroed scratch buffer;
//   2. draws the thalamic noise of every neuron from the counter-based generator of
//      izhi_dyn/core/counter_rng.py (threefry-2x32-20 keyed by seed, step and neuron index,
//      then the fixed-point inverse-CDF table passed in as an argument);
//   3. advances (V, u) by the published scheme 'izhikevich2003' with
//      I = I_rec + coef * xi, tests V >= V_th, resets (V <- c, u <- u + d), stamps t_last_spike.
//
// The arithmetic follows the pure-JAX path (izhi_dyn.core.integrators._izhikevich2003 as XLA
// compiles it) operation by operation, with fused multiply-adds exactly where XLA's CPU backend
// contracts them when the host has FMA, and nowhere when it has not, so the two give the same
// bits. Build flags keep the compiler from contracting on its own
// (-ffp-contract=off).

#include <cmath>
#include <cstdint>
#include <cstring>
#include <vector>

#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

constexpr uint32_t kParity = 0x1BD11BDAu;
constexpr int kBlock = 64;  // words hashed per vectorisable block

inline uint32_t Rotl(uint32_t x, int r) { return (x << r) | (x >> (32 - r)); }

#define IZHI_ROUND(R) \
  x0 += x1;           \
  x1 = Rotl(x1, R);   \
  x1 ^= x0;

// Threefry-2x32 with 20 rounds (Salmon et al. 2011) of counters (c0[i], c1) under key (k0, k1).
inline void Threefry(uint32_t k0, uint32_t k1, const uint32_t* c0, uint32_t c1, int n, uint32_t* out0,
                     uint32_t* out1) {
  const uint32_t k2 = kParity ^ k0 ^ k1;
  for (int i = 0; i < n; ++i) {
    uint32_t x0 = c0[i] + k0, x1 = c1 + k1;
    IZHI_ROUND(13) IZHI_ROUND(15) IZHI_ROUND(26) IZHI_ROUND(6)
    x0 += k1; x1 += k2 + 1u;
    IZHI_ROUND(17) IZHI_ROUND(29) IZHI_ROUND(16) IZHI_ROUND(24)
    x0 += k2; x1 += k0 + 2u;
    IZHI_ROUND(13) IZHI_ROUND(15) IZHI_ROUND(26) IZHI_ROUND(6)
    x0 += k0; x1 += k1 + 3u;
    IZHI_ROUND(17) IZHI_ROUND(29) IZHI_ROUND(16) IZHI_ROUND(24)
    x0 += k1; x1 += k2 + 4u;
    IZHI_ROUND(13) IZHI_ROUND(15) IZHI_ROUND(26) IZHI_ROUND(6)
    x0 += k2; x1 += k0 + 5u;
    out0[i] = x0;
    out1[i] = x1;
  }
}
#undef IZHI_ROUND

// The standard normal of a 32-bit word in fixed point (units 2^-kFracBits): see counter_rng.py.
// Branch-free (selects and clamped shifts), so that a block of words vectorises.
inline int32_t NormalFixed(uint32_t w, const int32_t* table, int sub_bits) {
  uint32_t r = w & 0x7FFFFFFFu;
  r += (r == 0);
  const int nb = 31 - __builtin_clz(r);  // position of the leading one, 0..30
  const uint32_t f = r - (1u << nb);
  const int sh = nb > sub_bits ? nb - sub_bits : 0;  // bits below the bin index
  const int up = nb < sub_bits ? sub_bits - nb : 0;  // short octaves: exact bin edges
  const uint32_t j = (f >> sh) << up;
  const uint32_t rem = f & ((1u << sh) - 1u);
  const uint32_t frac = (rem >> (sh > 16 ? sh - 16 : 0)) << (sh < 16 ? 16 - sh : 0);
  const int32_t* row = table + (30 - nb) * ((1 << sub_bits) + 1);
  const int32_t hi = row[j], lo = row[j + 1];
  const int32_t x = hi - static_cast<int32_t>((static_cast<uint32_t>(hi - lo) * frac) >> 16);
  return (w >> 31) ? x : -x;
}

template <typename T>
struct Population {
  int64_t n;
  const T *V, *u, *t_last, *a, *b, *c, *d;  // a..d: one value (stride 0) or one per neuron
  int64_t sa, sb, sc, sd;
  T coef;  // thalamic standard deviation / sqrt(dt)
  T *V_out, *u_out, *t_out;
  bool* spike_out;
};

template <typename T, bool kFma>
inline T MulAdd(T x, T y, T z) {
  if constexpr (kFma) {
    return std::fma(x, y, z);
  } else {
    return x * y + z;
  }
}

template <typename T, bool kFma>
inline T Drive(T V, T u, T I, T p1, T p2, T p3) {
  // XLA: ((p1 * V) * V + p2 * V) contracts the second product.
  const T s = MulAdd<T, kFma>(p2, V, (p1 * V) * V);
  return ((s + p3) - u) + I;
}

struct Scalars {
  double V_th, p1, p2, p3, dt, scale;
  uint32_t seed, step;
  int sub_bits;
  const int32_t* table;
};

// Neurons [first, first + pop.n) of the network: noise, integration, threshold, reset. Blocks of
// kSpan neurons pass through branch-free loops (hash, deviates, parameters, update) that vectorise.
template <typename T, bool kFma>
void UpdatePopulation(const Population<T>& pop, int64_t first, const T* rec, T t, const Scalars& s) {
  constexpr int kSpan = 2 * kBlock;
  const T half = static_cast<T>(0.5) * static_cast<T>(s.dt), dt = static_cast<T>(s.dt);
  const T V_th = static_cast<T>(s.V_th), p1 = static_cast<T>(s.p1), p2 = static_cast<T>(s.p2),
          p3 = static_cast<T>(s.p3), unit = static_cast<T>(s.scale), bound = static_cast<T>(1e4);
  const T coef = pop.coef;
  alignas(64) uint32_t counters[kBlock + 1], w0[kBlock + 1], w1[kBlock + 1];
  alignas(64) int32_t fixed[kSpan];
  alignas(64) T pa[kSpan], pb[kSpan], pc[kSpan], pd[kSpan];
  for (int64_t start = 0; start < pop.n; start += kSpan) {
    const int m = static_cast<int>(std::min<int64_t>(kSpan, pop.n - start));
    const int64_t g0 = first + start, pair0 = g0 >> 1;
    // words of pair q = g >> 1 (g: global neuron index): w0 for even g, w1 for odd g
    const int pairs = static_cast<int>(((g0 + m - 1) >> 1) - pair0 + 1);
    for (int q = 0; q < pairs; ++q) counters[q] = static_cast<uint32_t>(pair0 + q);
    Threefry(s.seed, 0u, counters, s.step, pairs, w0, w1);
    for (int k = 0; k < m; ++k) {
      const int64_t g = g0 + k;
      const int q = static_cast<int>((g >> 1) - pair0);
      fixed[k] = NormalFixed((g & 1) ? w1[q] : w0[q], s.table, s.sub_bits);
    }
    for (int k = 0; k < m; ++k) {
      const int64_t i = start + k;
      pa[k] = pop.a[i * pop.sa];
      pb[k] = pop.b[i * pop.sb];
      pc[k] = pop.c[i * pop.sc];
      pd[k] = pop.d[i * pop.sd];
    }
    const T *V0 = pop.V + start, *u0 = pop.u + start, *tl = pop.t_last + start, *r0 = rec + g0;
    T *Vo = pop.V_out + start, *uo = pop.u_out + start, *to = pop.t_out + start;
    bool* so = pop.spike_out + start;
#pragma GCC ivdep  // outputs never alias inputs (XLA buffers)
    for (int k = 0; k < m; ++k) {
      const T xi = static_cast<T>(fixed[k]) * unit;
      const T I = r0[k] + coef * xi;
      const T V = V0[k], u = u0[k];
      T V_new = V + half * Drive<T, kFma>(V, u, I, p1, p2, p3);
      V_new = V_new < -bound ? -bound : (V_new > bound ? bound : V_new);
      V_new = V_new + half * Drive<T, kFma>(V_new, u, I, p1, p2, p3);
      V_new = V_new < -bound ? -bound : (V_new > bound ? bound : V_new);
      // u + dt * a (b V - u): XLA contracts the inner product only (dt * x is exact at dt = 1)
      const T du = MulAdd<T, kFma>(pb[k], V_new, -u);
      const T u_new = u + dt * (pa[k] * du);
      const bool fired = V_new >= V_th;
      Vo[k] = fired ? pc[k] : V_new;
      uo[k] = fired ? u_new + pd[k] : u_new;
      to[k] = fired ? t : tl[k];
      so[k] = fired;
    }
  }
}

template <typename T, bool kFma>
void UpdateAll(const Population<T>& e, const Population<T>& in, const T* rec, T t, const Scalars& s) {
  UpdatePopulation<T, kFma>(e, 0, rec, t, s);
  UpdatePopulation<T, kFma>(in, e.n, rec, t, s);
}

// The library is built for the host (-march=native), as XLA compiles for it: XLA contracts
// multiply-adds exactly when the host has FMA instructions.
#if defined(__FMA__) || defined(__aarch64__)
constexpr bool kHostFma = true;
#else
constexpr bool kHostFma = false;
#endif

template <typename T>
void Step(const Population<T>& e, const Population<T>& in, const T* rec, T t, const Scalars& s) {
  UpdateAll<T, kHostFma>(e, in, rec, t, s);
}

template <typename T>
Population<T> MakePopulation(ffi::AnyBuffer V, ffi::AnyBuffer u, ffi::AnyBuffer t_last, ffi::AnyBuffer a,
                             ffi::AnyBuffer b, ffi::AnyBuffer c, ffi::AnyBuffer d, double coef,
                             ffi::Result<ffi::AnyBuffer> V_out, ffi::Result<ffi::AnyBuffer> u_out,
                             ffi::Result<ffi::AnyBuffer> t_out, ffi::Result<ffi::AnyBuffer> spike_out) {
  Population<T> p;
  p.n = static_cast<int64_t>(V.element_count());
  p.V = V.typed_data<T>();
  p.u = u.typed_data<T>();
  p.t_last = t_last.typed_data<T>();
  p.a = a.typed_data<T>();
  p.b = b.typed_data<T>();
  p.c = c.typed_data<T>();
  p.d = d.typed_data<T>();
  p.sa = a.element_count() > 1;
  p.sb = b.element_count() > 1;
  p.sc = c.element_count() > 1;
  p.sd = d.element_count() > 1;
  p.coef = static_cast<T>(coef);
  p.V_out = V_out->typed_data<T>();
  p.u_out = u_out->typed_data<T>();
  p.t_out = t_out->typed_data<T>();
  p.spike_out = spike_out->typed_data<bool>();
  return p;
}

// Recurrent input of the previous step's spikes, rows in increasing presynaptic order.
template <typename T>
void PropagateCsr(const bool* spikes, int64_t n_pre, const int32_t* indptr, const int32_t* indices,
                  const T* weight, T* rec) {
  for (int64_t i = 0; i < n_pre; ++i) {
    if (!spikes[i]) continue;
    for (int32_t k = indptr[i]; k < indptr[i + 1]; ++k) rec[indices[k]] += weight[k];
  }
}

template <typename T>
void PropagateDense(const bool* spikes, int64_t n_pre, int64_t n_post, const T* W, T* rec) {
  for (int64_t i = 0; i < n_pre; ++i) {
    if (!spikes[i]) continue;
    const T* row = W + i * n_post;
    for (int64_t j = 0; j < n_post; ++j) rec[j] += row[j];
  }
}

// The arguments shared by both connectivities; `propagate` fills the zeroed recurrent input.
template <typename T, typename Propagate>
ffi::Error Run(ffi::AnyBuffer spikes, ffi::AnyBuffer VE, ffi::AnyBuffer uE, ffi::AnyBuffer tE, ffi::AnyBuffer aE,
               ffi::AnyBuffer bE, ffi::AnyBuffer cE, ffi::AnyBuffer dE, ffi::AnyBuffer VI, ffi::AnyBuffer uI,
               ffi::AnyBuffer tI, ffi::AnyBuffer aI, ffi::AnyBuffer bI, ffi::AnyBuffer cI, ffi::AnyBuffer dI,
               ffi::AnyBuffer t, const int32_t* table, const Scalars& s, double coef_e, double coef_i,
               ffi::Result<ffi::AnyBuffer> VE_o, ffi::Result<ffi::AnyBuffer> uE_o,
               ffi::Result<ffi::AnyBuffer> tE_o, ffi::Result<ffi::AnyBuffer> sE_o,
               ffi::Result<ffi::AnyBuffer> VI_o, ffi::Result<ffi::AnyBuffer> uI_o,
               ffi::Result<ffi::AnyBuffer> tI_o, ffi::Result<ffi::AnyBuffer> sI_o, Propagate propagate) {
  auto e = MakePopulation<T>(VE, uE, tE, aE, bE, cE, dE, coef_e, VE_o, uE_o, tE_o, sE_o);
  auto in = MakePopulation<T>(VI, uI, tI, aI, bI, cI, dI, coef_i, VI_o, uI_o, tI_o, sI_o);
  // scratch kept between calls: a fresh allocation of this size would be mapped and faulted in every step
  thread_local std::vector<T> rec;
  rec.assign(static_cast<size_t>(e.n + in.n), static_cast<T>(0));
  propagate(spikes.typed_data<bool>(), static_cast<int64_t>(spikes.element_count()), rec.data());
  Step<T>(e, in, rec.data(), t.typed_data<T>()[0], s);
  return ffi::Error::Success();
}

Scalars MakeScalars(ffi::AnyBuffer step, ffi::AnyBuffer key, ffi::AnyBuffer table, double V_th, double p1, double p2,
                    double p3, double dt, int64_t frac_bits, int64_t sub_bits) {
  Scalars s;
  s.V_th = V_th;
  s.p1 = p1;
  s.p2 = p2;
  s.p3 = p3;
  s.dt = dt;
  s.scale = std::ldexp(1.0, -static_cast<int>(frac_bits));
  s.seed = key.typed_data<uint32_t>()[0];
  s.step = static_cast<uint32_t>(step.typed_data<int32_t>()[0]);
  s.sub_bits = static_cast<int>(sub_bits);
  s.table = table.typed_data<int32_t>();
  return s;
}

#define IZHI_STATE_ARGS                                                                                   \
  ffi::AnyBuffer spikes, ffi::AnyBuffer VE, ffi::AnyBuffer uE, ffi::AnyBuffer tE, ffi::AnyBuffer aE,      \
      ffi::AnyBuffer bE, ffi::AnyBuffer cE, ffi::AnyBuffer dE, ffi::AnyBuffer VI, ffi::AnyBuffer uI,      \
      ffi::AnyBuffer tI, ffi::AnyBuffer aI, ffi::AnyBuffer bI, ffi::AnyBuffer cI, ffi::AnyBuffer dI,      \
      ffi::AnyBuffer t, ffi::AnyBuffer step, ffi::AnyBuffer key, ffi::AnyBuffer table
#define IZHI_ATTR_ARGS                                                                                    \
  double V_th, double p1, double p2, double p3, double dt, double coef_e, double coef_i,    \
      int64_t frac_bits, int64_t sub_bits
#define IZHI_RESULT_ARGS                                                                                  \
  ffi::Result<ffi::AnyBuffer> VE_o, ffi::Result<ffi::AnyBuffer> uE_o, ffi::Result<ffi::AnyBuffer> tE_o,   \
      ffi::Result<ffi::AnyBuffer> sE_o, ffi::Result<ffi::AnyBuffer> VI_o, ffi::Result<ffi::AnyBuffer> uI_o, \
      ffi::Result<ffi::AnyBuffer> tI_o, ffi::Result<ffi::AnyBuffer> sI_o
#define IZHI_FORWARD                                                                                      \
  spikes, VE, uE, tE, aE, bE, cE, dE, VI, uI, tI, aI, bI, cI, dI, t, table.typed_data<int32_t>(), s,      \
      coef_e, coef_i, VE_o, uE_o, tE_o, sE_o, VI_o, uI_o, tI_o, sI_o

ffi::Error CsrStep(IZHI_STATE_ARGS, ffi::AnyBuffer indptr, ffi::AnyBuffer indices, ffi::AnyBuffer weight,
                   IZHI_ATTR_ARGS, IZHI_RESULT_ARGS) {
  const Scalars s = MakeScalars(step, key, table, V_th, p1, p2, p3, dt, frac_bits, sub_bits);
  const int32_t* ptr = indptr.typed_data<int32_t>();
  const int32_t* idx = indices.typed_data<int32_t>();
  switch (VE.element_type()) {
    case ffi::F32:
      return Run<float>(IZHI_FORWARD, [&](const bool* spk, int64_t n, float* rec) {
        PropagateCsr<float>(spk, n, ptr, idx, weight.typed_data<float>(), rec);
      });
    case ffi::F64:
      return Run<double>(IZHI_FORWARD, [&](const bool* spk, int64_t n, double* rec) {
        PropagateCsr<double>(spk, n, ptr, idx, weight.typed_data<double>(), rec);
      });
    default:
      return ffi::Error::InvalidArgument("izhi_fused_step: state must be float32 or float64");
  }
}

ffi::Error DenseStep(IZHI_STATE_ARGS, ffi::AnyBuffer weight, IZHI_ATTR_ARGS, IZHI_RESULT_ARGS) {
  const Scalars s = MakeScalars(step, key, table, V_th, p1, p2, p3, dt, frac_bits, sub_bits);
  const int64_t n_post = static_cast<int64_t>(VE.element_count() + VI.element_count());
  switch (VE.element_type()) {
    case ffi::F32:
      return Run<float>(IZHI_FORWARD, [&](const bool* spk, int64_t n, float* rec) {
        PropagateDense<float>(spk, n, n_post, weight.typed_data<float>(), rec);
      });
    case ffi::F64:
      return Run<double>(IZHI_FORWARD, [&](const bool* spk, int64_t n, double* rec) {
        PropagateDense<double>(spk, n, n_post, weight.typed_data<double>(), rec);
      });
    default:
      return ffi::Error::InvalidArgument("izhi_fused_step: state must be float32 or float64");
  }
}

}  // namespace

#define IZHI_BIND_STATE(B)                                                                                \
  B.Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()              \
      .Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()            \
      .Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()            \
      .Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()            \
      .Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()
#define IZHI_BIND_REST(B)                                                                                 \
  B.Attr<double>("V_th").Attr<double>("p1").Attr<double>("p2").Attr<double>("p3")   \
      .Attr<double>("dt").Attr<double>("coef_e").Attr<double>("coef_i").Attr<int64_t>("frac_bits")       \
      .Attr<int64_t>("sub_bits").Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>()      \
      .Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>()            \
      .Ret<ffi::AnyBuffer>()

XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiFusedStepCsr, CsrStep,
                              IZHI_BIND_REST(IZHI_BIND_STATE(ffi::Ffi::Bind())
                                                 .Arg<ffi::AnyBuffer>()
                                                 .Arg<ffi::AnyBuffer>()
                                                 .Arg<ffi::AnyBuffer>()));
XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiFusedStepDense, DenseStep,
                              IZHI_BIND_REST(IZHI_BIND_STATE(ffi::Ffi::Bind()).Arg<ffi::AnyBuffer>()));

// Entry points for a check from Python (ctypes) that the kernel's generator is the reference's.
extern "C" void IzhiThreefry(uint32_t k0, uint32_t k1, const uint32_t* c0, uint32_t c1, int n, uint32_t* out0,
                             uint32_t* out1) {
  Threefry(k0, k1, c0, c1, n, out0, out1);
}
extern "C" void IzhiNormalFixed(const uint32_t* words, int n, const int32_t* table, int sub_bits, int32_t* out) {
  for (int i = 0; i < n; ++i) out[i] = NormalFixed(words[i], table, sub_bits);
}
