// The event-exact step's XLA FFI calls, their part shared by the step (exact_step.cc) and the run of
// steps (exact_run.cc): a call's buffers seen per sample (Batch), the samples handed to XLA's thread
// pool (ParallelFor), and one sample's step forward (StepForward) and its vector-Jacobian product
// (StepVjp), reading their inputs through an `In` and handing the VJP's cotangents to a `Sink`:
//
//   In:   double at(int k, int64_t i)    element i of input k (the 17 inputs of one step, in order:
//                                        V0 u0 I0 h in_onsets in_weights rec_weights a b c d v_th tau
//                                        bias p1 p2 p3; a weight W[r, n] at r N + n)
//         double cotangent(int k, int n) the cotangent of the step's output k (V, u, I, t_spike)
//         const int32_t* crossed()       the forward call's crossings (bit p: crossed in pass p)
//   Sink: Vector(k, value)               the cotangents value(i) of input k (not 3, 5, 6)
//         Row(k, r, value)               those of row r of the weights, input k (5 or 6)
//         Zero(k)                        input k's cotangents are all zero (rows: those not given)

#ifndef IZHI_DYN_EXACT_SAMPLE_H_
#define IZHI_DYN_EXACT_SAMPLE_H_

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <initializer_list>
#include <memory>
#include <optional>
#include <thread>
#include <vector>

#include "exact_model.h"
#include "xla/ffi/api/ffi.h"

namespace izhi_exact {

namespace ffi = xla::ffi;

// ---- buffers ------------------------------------------------------------------------------------

constexpr int kMaxBatchRank = 8;  // leading (vmapped) dimensions
constexpr int kInputs = 17;  // V0 u0 I0 h in_onsets in_weights rec_weights a b c d v_th tau bias p1 p2 p3
constexpr int kMaxBuffers = kInputs + 8;  // and a backward call's states, cotangents and crossings

// An input buffer seen per sample: the trailing core dimensions per sample, broadcast over the
// leading (batch) dimensions where it has size 1.
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
};

// The batch of `in` (buffer k with core(k) trailing dimensions per sample; the first one's core rank
// is 1 or more): the broadcast of all leading dims, each buffer seen per sample (broadcast where it has
// size 1 in front).
template <typename Core>
ffi::Error MakeBatch(std::initializer_list<ffi::AnyBuffer> in, Core core, Batch* batch) {
  if (in.size() > kMaxBuffers) return ffi::Error::InvalidArgument("izhi_exact: too many buffers");
  batch->rank = static_cast<int>(in.begin()->dimensions().size()) - core(0);
  if (batch->rank > kMaxBatchRank)
    return ffi::Error::InvalidArgument("izhi_exact: more than 8 batch dimensions (nested vmaps)");
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

// The calls' 17 inputs, as handler parameters, as a list of them, and bound (IZHI_BIND_INPUTS).
#define IZHI_EXACT_INPUTS                                                                                  \
  ffi::AnyBuffer V0, ffi::AnyBuffer u0, ffi::AnyBuffer I0, ffi::AnyBuffer h, ffi::AnyBuffer in_onsets,     \
      ffi::AnyBuffer in_weights, ffi::AnyBuffer rec_weights, ffi::AnyBuffer a, ffi::AnyBuffer b,           \
      ffi::AnyBuffer c, ffi::AnyBuffer d, ffi::AnyBuffer v_th, ffi::AnyBuffer tau, ffi::AnyBuffer bias,    \
      ffi::AnyBuffer p1, ffi::AnyBuffer p2, ffi::AnyBuffer p3
#define IZHI_EXACT_LIST V0, u0, I0, h, in_onsets, in_weights, rec_weights, a, b, c, d, v_th, tau, bias, p1, p2, p3
#define IZHI_ARGS4(B) B.Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>().Arg<ffi::AnyBuffer>()
#define IZHI_RETS4(B) B.Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>().Ret<ffi::AnyBuffer>()
#define IZHI_BIND_INPUTS(B) IZHI_ARGS4(IZHI_ARGS4(IZHI_ARGS4(IZHI_ARGS4(B)))).Arg<ffi::AnyBuffer>()

// ---- one sample's step --------------------------------------------------------------------------

// W[row, n] of the concatenated weights: the S input rows (input 5), then the N recurrent ones (6).
template <typename In>
double Weight(const In& in, int S, int N, int row, int n) {
  return row < S ? in.at(5, static_cast<int64_t>(row) * N + n) : in.at(6, static_cast<int64_t>(row - S) * N + n);
}

// Reads one sample's inputs as T; `leaf(input, x)` turns input's value x into the run's scalar (a tape
// leaf for Var, where that input needs a cotangent). With `neurons` false, the parameters already in
// `s` (a run's earlier step) are kept.
template <typename T, typename In, typename Leaf>
void ReadSample(const In& in, int N, int S, Leaf leaf, Sample<T>* s, bool neurons = true) {
  s->N = N;
  s->S = S;
  s->h = in.at(3, 0);
  for (auto* v : {&s->V0, &s->u0, &s->I0}) v->resize(N);
  s->onsets.resize(S);
  s->neurons.resize(N);
  for (int n = 0; n < N; ++n) {
    s->V0[n] = leaf(0, in.at(0, n));
    s->u0[n] = leaf(1, in.at(1, n));
    s->I0[n] = leaf(2, in.at(2, n));
  }
  for (int e = 0; e < S; ++e) s->onsets[e] = leaf(4, in.at(4, e));
  for (int n = 0; n < N && neurons; ++n) {
    const auto fields = Fields(s->neurons[n]);
    for (int f = 0; f < 10; ++f) *fields[f] = leaf(7 + f, in.at(7 + f, n));
  }
}

// One sample's step: its outcomes, the currents at its end, and its crossings (bit p: pass p).
struct StepResult {
  std::vector<Outcome<double>> out;
  std::vector<double> I_end;
  std::vector<int32_t> crossed;
};

// A thread's buffers, kept from call to call so that a step allocates nothing once they have grown.
// Held by pointer: a library loaded at run time has little static thread-local storage, which the
// initial-exec variables (`tape`, `recalls`) need.
struct Workspace {
  Sample<double> sample;
  Pieces<double> pieces;
  StepResult step;
  Sample<Var> tape_sample;
  Pieces<Var> tape_pieces;
  std::vector<Outcome<Var>> tape_out;
  std::vector<Var> tape_I_end;
  Tape tape;
  std::vector<double> adjoints, quiet, quiet_state;
  std::vector<int32_t> weight_leaf;
  std::vector<double> carry, next, sums;  // a run's backward sweep (exact_run.cc)
  std::vector<Neuron<double>> neurons;
};

inline Workspace& ThreadWorkspace() {
  thread_local std::unique_ptr<Workspace> workspace;
  if (!workspace) workspace = std::make_unique<Workspace>();
  return *workspace;
}

// Writes a sample's step at element `o` of the calls' outputs V, u, I, spiked, t_spike and crossed.
inline void StoreStep(const StepResult& r, int64_t o, int N, ffi::Result<ffi::AnyBuffer>& V_out,
                      ffi::Result<ffi::AnyBuffer>& u_out, ffi::Result<ffi::AnyBuffer>& I_out,
                      ffi::Result<ffi::AnyBuffer>& spiked_out, ffi::Result<ffi::AnyBuffer>& t_out,
                      ffi::Result<ffi::AnyBuffer>& crossed_out) {
  Store(V_out, o, N, [&](int64_t n) { return r.out[n].V; });
  Store(u_out, o, N, [&](int64_t n) { return r.out[n].u; });
  Store(I_out, o, N, [&](int64_t n) { return r.I_end[n]; });
  Store(t_out, o, N, [&](int64_t n) { return r.out[n].t_spike; });
  bool* spiked = spiked_out->typed_data<bool>() + o;
  int32_t* crossed = crossed_out->typed_data<int32_t>() + o;
  for (int n = 0; n < N; ++n) { spiked[n] = r.out[n].crossed; crossed[n] = r.crossed[n]; }
}

// ---- a step without events or crossings, eight neurons at a time -------------------------------

// The segments [0, h] without extras of neurons first..first + 7 (the last neuron repeated past N).
inline FlowInOf<Lanes> QuietLanes(int first, int N, double h, const double* V, const double* u, const double* I,
                                  const Neuron<double>* neurons) {
  FlowInOf<Lanes> lanes{};
  lanes.count = 0;
  for (int l = 0; l < kLanes; ++l) {
    const int n = std::min(first + l, N - 1);
    const FlowIn one = MakeFlowIn(V[n], u[n], I[n], 0.0, h, Extras<double>(), neurons[n]);
    for (int k = 0; k < kFlowInputs; ++k) lanes.x[k][l] = one.x[k];
  }
  return lanes;
}

// A sample's step in which no event falls and no neuron crosses: each neuron flows one segment [0, h],
// V = x / y, and I = I0 exp(-h / tau), EventStep's values bit for bit. Returns false, with `r`
// unspecified, where the step has an event inside it or a neuron crosses.
inline bool QuietStepForward(const Sample<double>& s, StepResult* r) {
  const int N = s.N;
  const double h = s.h;
  for (int e = 0; e < s.S; ++e)
    if (s.onsets[e] <= h) return false;
  r->out.resize(N);
  r->I_end.resize(N);
  r->crossed.assign(N, 0);
  for (int first = 0; first < N; first += kLanes) {
    const FlowStateOf<Lanes> f =
        FlowForward<false>(QuietLanes(first, N, h, s.V0.data(), s.u0.data(), s.I0.data(), s.neurons.data()));
    for (int l = 0; l < kLanes && first + l < N; ++l) {
      const int n = first + l;
      const double v_th = s.neurons[n].v_th, V_end = f.x[l] / (f.y[l] > 0 ? f.y[l] : 1.0);
      if (!(f.y[l] > 0) || V_end >= v_th || s.V0[n] >= v_th) return false;
      r->out[n] = {V_end, f.u_end[l], h, false};
      r->I_end[n] = s.I0[n] * DecayFactor(-h / s.neurons[n].tau) + 0.0;  // CutPieces' sum, a zero jump added
    }
  }
  return true;
}

// ---- one sample's step ----------------------------------------------------------------------------

// `same_neurons`: the parameters are those of the thread's previous call (a run's earlier step).
template <typename In>
void StepForward(const In& in, int N, int S, int passes, int splits, StepResult* r, bool same_neurons = false) {
  Workspace& w = ThreadWorkspace();
  ReadSample(in, N, S, [](int, double x) { return x; }, &w.sample, !same_neurons);
  if (QuietStepForward(w.sample, r)) return;
  r->crossed.resize(N);
  EventStep(w.sample, passes, splits, [&](int row, int n) { return Weight(in, S, N, row, n); }, w.pieces, &r->out,
            &r->I_end, r->crossed.data(), nullptr);
}

// The cotangents of one sample's step in which no event falls and no neuron crosses: each neuron then
// flows one segment [0, h] on its own, V = x / y and I = I0 exp(-h / tau), and its VJP is FlowAdjoint's,
// without the tape, eight neurons at a time. Fills `grad` (input k's cotangent for neuron n at k N + n,
// for the per-neuron inputs) and returns true; returns false, with `grad` unspecified, where the step
// needs the tape.
template <typename In>
bool QuietStepVjp(const In& in, int N, int S, const Neuron<double>* neurons, std::vector<double>* grad) {
  const double h = in.at(3, 0);
  for (int e = 0; e < S; ++e)
    if (!(in.at(4, e) > h)) return false;
  std::vector<double>& state = ThreadWorkspace().quiet_state;
  state.resize(3 * static_cast<size_t>(N));
  for (int k = 0; k < 3; ++k)
    for (int n = 0; n < N; ++n) state[static_cast<size_t>(k) * N + n] = in.at(k, n);
  const double *V = state.data(), *u = V + N, *I = u + N;
  grad->assign(static_cast<size_t>(kInputs) * N, 0.0);
  double* g_state = grad->data();
  for (int first = 0; first < N; first += kLanes) {
    const FlowInOf<Lanes> lanes = QuietLanes(first, N, h, V, u, I, neurons);
    const FlowStateOf<Lanes> f = FlowForward<true>(lanes);
    Lanes g_V, g_u;
    for (int l = 0; l < kLanes; ++l) {
      const int n = std::min(first + l, N - 1);
      if (!(V[n] < neurons[n].v_th && f.y[l] > 0 && f.x[l] / f.y[l] < neurons[n].v_th)) return false;
      g_V[l] = in.cotangent(0, n);
      g_u[l] = in.cotangent(1, n);
    }
    const Lanes r = 1.0 / f.y;
    const Lanes g_out[4] = {g_V * r, -g_V * (f.x * r) * r, g_u, Lanes{}};
    Lanes g[kFlowInputs] = {};
    FlowAdjoint(lanes, f, g_out, g);
    for (int l = 0; l < kLanes && first + l < N; ++l) {
      const int n = first + l;
      const double tau = neurons[n].tau, g_I = in.cotangent(2, n), decay = recalls.exp_exposure(-(h / tau), Exp);
      const int fields[] = {kA, kB, -1, -1, -1, kTau, kBias, kP1, kP2, kP3};  // inputs 7..16 (c, d, v_th: none)
      for (int k = 0; k < 10; ++k)
        if (fields[k] >= 0) g_state[static_cast<size_t>(7 + k) * N + n] = g[fields[k]][l];
      g_state[n] = g[kV][l];
      g_state[N + n] = g[kU][l];
      g_state[2 * N + n] = g[kI][l] + g_I * decay;
      g_state[12 * N + n] += g_I * I[n] * decay * h / (tau * tau);
    }
  }
  return true;
}

// A sample's neurons (inputs 7..16) as float64.
template <typename In>
void ReadNeurons(const In& in, int N, std::vector<Neuron<double>>* neurons) {
  neurons->resize(N);
  for (int n = 0; n < N; ++n) {
    const auto fields = Fields((*neurons)[n]);
    for (int f = 0; f < 10; ++f) *fields[f] = in.at(7 + f, n);
  }
}

// One sample's step VJP, for the inputs whose bit in `wanted` is set (the others get no leaves on the
// tape and nothing in `sink`; h never has one); `neurons` are the sample's (ReadNeurons).
template <typename In, typename Sink>
void StepVjp(const In& in, int N, int S, int passes, int splits, int64_t wanted_bits,
             const std::vector<Neuron<double>>& neurons, Sink& sink) {
  auto wanted = [&](int input) { return input != 3 && (wanted_bits >> input & 1) != 0; };
  auto zero_all = [&] {
    for (int k = 0; k < kInputs; ++k)
      if (wanted(k)) sink.Zero(k);
  };
  bool moved = false;  // a zero cotangent has a zero VJP: the sample's step need not run again
  for (int k = 0; k < 4 && !moved; ++k)
    for (int n = 0; n < N && !moved; ++n) moved = in.cotangent(k, n) != 0.0;
  if (!moved) return zero_all();
  Workspace& w = ThreadWorkspace();
  const std::vector<double>& quiet = w.quiet;
  if (QuietStepVjp(in, N, S, neurons.data(), &w.quiet)) {
    for (int k = 0; k < kInputs; ++k) {
      if (!wanted(k)) continue;
      if (k >= 3 && k <= 6) sink.Zero(k);  // no event
      else sink.Vector(k, [&](int64_t n) { return quiet[static_cast<size_t>(k) * N + n]; });
    }
    return;
  }
  Tape& local = w.tape;
  std::vector<int32_t>& weight_leaf = w.weight_leaf;
  std::vector<double>& adj = w.adjoints;
  tape = &local;
  local.size = 0;
  local.segment_count = 0;
  local.lanes_count = 0;
  auto leaf = [&](int input, double x) { return wanted(input) ? Var(x, Push(-1, 0.0, -1, 0.0)) : Var(x); };
  Sample<Var>& s = w.tape_sample;
  ReadSample(in, N, S, leaf, &s);
  weight_leaf.assign(static_cast<size_t>(S + N) * N, -1);  // leaves once an event uses them
  auto weight = [&](int row, int n) {
    const double w = Weight(in, S, N, row, n);
    if (!wanted(row < S ? 5 : 6)) return Var(w);
    int32_t& index = weight_leaf[static_cast<size_t>(row) * N + n];
    if (index < 0) index = Push(-1, 0.0, -1, 0.0);
    return Var(w, index);
  };
  std::vector<Outcome<Var>>& out = w.tape_out;
  std::vector<Var>& I_end = w.tape_I_end;
  EventStep(s, passes, splits, weight, w.tape_pieces, &out, &I_end, nullptr, in.crossed());
  adj.assign(local.size, 0.0);
  for (int n = 0; n < N; ++n) {
    const Var* outputs[4] = {&out[n].V, &out[n].u, &I_end[n], &out[n].t_spike};
    for (int k = 0; k < 4; ++k)
      if (outputs[k]->i >= 0) adj[outputs[k]->i] += in.cotangent(k, n);
  }
  Sweep(local, &adj);
  auto grad = [&](const Var& x) { return x.i >= 0 ? adj[x.i] : 0.0; };
  const std::vector<Var>* state[3] = {&s.V0, &s.u0, &s.I0};
  for (int k = 0; k < 3; ++k)
    if (wanted(k)) sink.Vector(k, [&](int64_t n) { return grad((*state[k])[n]); });
  if (wanted(4)) sink.Vector(4, [&](int64_t e) { return grad(s.onsets[e]); });
  // An event uses its whole row of weights; the rows of the others get zeros.
  for (int k : {5, 6}) {
    if (!wanted(k)) continue;
    sink.Zero(k);
    const int first = k == 5 ? 0 : S, rows = k == 5 ? S : N;
    for (int r = 0; r < rows; ++r) {
      const int32_t* leaves = &weight_leaf[static_cast<size_t>(first + r) * N];
      if (leaves[0] >= 0) sink.Row(k, r, [&](int64_t n) { return leaves[n] >= 0 ? adj[leaves[n]] : 0.0; });
    }
  }
  for (int f = 0; f < 10; ++f)
    if (wanted(7 + f)) sink.Vector(7 + f, [&](int64_t n) { return grad(*Fields(s.neurons[n])[f]); });
}

}  // namespace izhi_exact

#endif  // IZHI_DYN_EXACT_SAMPLE_H_
