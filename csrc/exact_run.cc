// A run of event-exact steps (izhi_dyn/core/exact.py, event_run) as two XLA FFI calls on the CPU: the
// steps in sequence, each sample's whole run on one thread of XLA's intra-op pool, and their
// vector-Jacobian product, swept back from the last step. Each step is exact_step.cc's, with the same
// per-sample code (exact_sample.h), and the state between steps is rounded to the buffers' type, as
// the outputs of a scan of that step are: the values are those of the scan, bit for bit. One call
// replaces a step's XLA bookkeeping and two thread-pool hand-offs per step.
//
// Inputs are the step's 17, with the onsets one row per step, (steps, S); outputs V, u, I, spiked,
// t_spike and the crossings, (steps, N) per sample. The backward call takes the forward call's
// states, the outputs' cotangents and the crossings, and carries the state's cotangents in float64
// from step to step.

#include <cstdint>
#include <vector>

#include "exact_sample.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using namespace izhi_exact;  // NOLINT: the step's own maths, kept apart for length

constexpr int kOnsets = 4;
constexpr int kStates = kInputs;              // backward: the forward call's V, u, I (steps, N): 17..19
constexpr int kCotangents = kInputs + 3;      // the outputs' cotangents V, u, I, t_spike (steps, N): 20..23
constexpr int kCrossed = kInputs + 7;         // the forward call's crossings (steps, N): 24

// Per sample: the inputs as the step's, but the onsets (steps, S) and the weights; then (steps, N).
int Core(int k) { return k == kOnsets || k == 5 || k == 6 || k >= kInputs ? 2 : (k == 3 ? 0 : 1); }

double Load(ffi::Result<ffi::AnyBuffer>& out, int64_t offset) {
  if (out->element_type() == ffi::F64) return out->typed_data<double>()[offset];
  return out->typed_data<float>()[offset];
}

// Step `step`'s inputs: the run's inputs, its row of onsets, and the state `state(k, n)` it starts from.
template <typename State>
struct StepOfRun {
  const Batch& batch;
  int64_t step;
  int S;
  State state;
  double at(int k, int64_t i) const {
    if (k < 3) return step == 0 ? batch.at(k, i) : state(k, i);
    return batch.at(k, k == kOnsets ? step * S + i : i);
  }
};

ffi::Error RunForward(ffi::ThreadPool pool, IZHI_EXACT_INPUTS, int64_t passes, int64_t splits,
                      ffi::Result<ffi::AnyBuffer> V_out, ffi::Result<ffi::AnyBuffer> u_out,
                      ffi::Result<ffi::AnyBuffer> I_out, ffi::Result<ffi::AnyBuffer> spiked_out,
                      ffi::Result<ffi::AnyBuffer> t_out, ffi::Result<ffi::AnyBuffer> crossed_out) {
  Batch batch;
  if (ffi::Error error = MakeBatch({IZHI_EXACT_LIST}, Core, &batch); error.failure()) return error;
  const int N = static_cast<int>(batch.views[0].size);
  const auto dims = V_out->dimensions();
  const int64_t steps = dims[dims.size() - 2];
  if (N == 0 || steps == 0) return ffi::Error::Success();
  const int S = static_cast<int>(batch.views[5].size / N);
  ffi::Result<ffi::AnyBuffer>* states[3] = {&V_out, &u_out, &I_out};
  ParallelFor(pool, batch, [&](Batch& batch, int64_t b) {
    StepResult& r = ThreadWorkspace().step;
    for (int64_t step = 0; step < steps; ++step) {
      const int64_t o = (b * steps + step) * N;
      auto state = [&](int k, int64_t n) { return Load(*states[k], o - N + n); };
      StepForward(StepOfRun<decltype(state)>{batch, step, S, state}, N, S, static_cast<int>(passes),
                  static_cast<int>(splits), &r, step > 0);
      StoreStep(r, o, N, V_out, u_out, I_out, spiked_out, t_out, crossed_out);
    }
  });
  return ffi::Error::Success();
}

// A step's inputs in the backward sweep: the cotangents of its outputs are the run's at that step plus
// those its successor carried back to its state (`carry`, 3 N).
template <typename State>
struct StepOfSweep : StepOfRun<State> {
  const double* carry;
  double cotangent(int k, int n) const {
    const double stacked = this->batch.at(kCotangents + k, this->step * N() + n);
    return k < 3 ? carry[k * N() + n] + stacked : stacked;
  }
  const int32_t* crossed() const { return this->batch.ints(kCrossed) + this->step * N(); }
  int64_t N() const { return this->batch.views[0].size; }
};

// Collects a step's cotangents: the state's for the step before (`carry`), the onsets' in the step's
// row of the output, and the sums over steps of the others (`sums`: input k's at offset[k]).
struct SweepSink {
  std::vector<double>& carry;
  std::vector<double>& sums;
  const int64_t* offset;
  ffi::Result<ffi::AnyBuffer>& d_onsets;
  int64_t onsets_row;  // the step's row of d_onsets
  int N, S;
  template <typename F>
  void Vector(int k, F value) {
    if (k == kOnsets) return Store(d_onsets, onsets_row, S, value);
    double* to = k < 3 ? &carry[static_cast<size_t>(k) * N] : &sums[offset[k]];
    for (int n = 0; n < N; ++n) to[n] = k < 3 ? value(n) : to[n] + value(n);
  }
  template <typename F>
  void Row(int k, int r, F value) {
    double* to = &sums[offset[k] + static_cast<int64_t>(r) * N];
    for (int n = 0; n < N; ++n) to[n] += value(n);
  }
  void Zero(int k) {
    if (k == kOnsets) Store(d_onsets, onsets_row, S, [](int64_t) { return 0.0; });
    if (k < 3) std::fill_n(carry.begin() + static_cast<int64_t>(k) * N, N, 0.0);
  }
};

// Cotangents of the 17 inputs, each batched like the outputs; those of inputs whose bit in `perturbed`
// is clear are left unwritten (the caller drops them), and those inputs get no leaves on the tape.
ffi::Error RunBackward(ffi::ThreadPool pool, IZHI_EXACT_INPUTS, ffi::AnyBuffer V_run, ffi::AnyBuffer u_run,
                       ffi::AnyBuffer I_run, ffi::AnyBuffer gV, ffi::AnyBuffer gu, ffi::AnyBuffer gI,
                       ffi::AnyBuffer gt, ffi::AnyBuffer crossed, int64_t passes, int64_t splits, int64_t perturbed,
                       ffi::Result<ffi::AnyBuffer> dV0, ffi::Result<ffi::AnyBuffer> du0,
                       ffi::Result<ffi::AnyBuffer> dI0, ffi::Result<ffi::AnyBuffer> dh,
                       ffi::Result<ffi::AnyBuffer> d_onsets, ffi::Result<ffi::AnyBuffer> d_in_w,
                       ffi::Result<ffi::AnyBuffer> d_rec_w, ffi::Result<ffi::AnyBuffer> da,
                       ffi::Result<ffi::AnyBuffer> db, ffi::Result<ffi::AnyBuffer> dc, ffi::Result<ffi::AnyBuffer> dd,
                       ffi::Result<ffi::AnyBuffer> dv_th, ffi::Result<ffi::AnyBuffer> dtau,
                       ffi::Result<ffi::AnyBuffer> dbias, ffi::Result<ffi::AnyBuffer> dp1,
                       ffi::Result<ffi::AnyBuffer> dp2, ffi::Result<ffi::AnyBuffer> dp3) {
  Batch batch;
  if (ffi::Error error = MakeBatch({IZHI_EXACT_LIST, V_run, u_run, I_run, gV, gu, gI, gt, crossed}, Core, &batch);
      error.failure())
    return error;
  const int N = static_cast<int>(batch.views[0].size);
  const int64_t steps = N ? batch.views[kStates].size / N : 0;
  if (N == 0 || steps == 0) return ffi::Error::Success();
  const int S = static_cast<int>(batch.views[5].size / N);
  ffi::Result<ffi::AnyBuffer>* outs[kInputs] = {&dV0, &du0, &dI0, &dh, &d_onsets, &d_in_w, &d_rec_w, &da, &db,
                                                &dc, &dd, &dv_th, &dtau, &dbias, &dp1, &dp2, &dp3};
  auto wanted = [&](int k) { return k != 3 && (perturbed >> k & 1) != 0; };
  int64_t offset[kInputs] = {};  // where input k's sum over steps lies in a sample's `sums` (not 0..4)
  int64_t total = 0;
  for (int k = 5; k < kInputs; ++k) { offset[k] = total; total += batch.views[k].size; }
  ParallelFor(pool, batch, [&](Batch& batch, int64_t b) {
    Workspace& w = ThreadWorkspace();
    std::vector<double>&carry = w.carry, &next = w.next, &sums = w.sums;
    carry.assign(3 * static_cast<size_t>(N), 0.0);
    next.assign(carry.size(), 0.0);
    sums.assign(total, 0.0);
    ReadNeurons(batch, N, &w.neurons);  // the neurons' inputs are the batch's own
    for (int64_t step = steps - 1; step >= 0; --step) {
      auto state = [&](int k, int64_t n) { return batch.at(kStates + k, (step - 1) * N + n); };
      StepOfSweep<decltype(state)> in{{batch, step, S, state}, carry.data()};
      SweepSink sink{next, sums, offset, d_onsets, (b * steps + step) * S, N, S};
      // The state between steps carries a cotangent whether or not the initial one is wanted.
      StepVjp(in, N, S, static_cast<int>(passes), static_cast<int>(splits), perturbed | 0b111, w.neurons, sink);
      carry.swap(next);
    }
    for (int k = 0; k < kInputs; ++k) {
      if (!wanted(k) || k == kOnsets) continue;
      const int64_t size = batch.views[k].size;
      const double* from = k < 3 ? &carry[static_cast<size_t>(k) * N] : &sums[offset[k]];
      Store(*outs[k], b * size, size, [&](int64_t i) { return from[i]; });
    }
  });
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiExactRun, RunForward,
                              IZHI_RETS4(IZHI_BIND_INPUTS(ffi::Ffi::Bind().Ctx<ffi::ThreadPool>())
                                             .Attr<int64_t>("passes")
                                             .Attr<int64_t>("splits"))
                                  .Ret<ffi::AnyBuffer>()
                                  .Ret<ffi::AnyBuffer>());
XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiExactRunVjp, RunBackward,
                              IZHI_RETS4(IZHI_RETS4(IZHI_RETS4(IZHI_RETS4(
                                  IZHI_ARGS4(IZHI_ARGS4(IZHI_BIND_INPUTS(ffi::Ffi::Bind().Ctx<ffi::ThreadPool>())))
                                      .Attr<int64_t>("passes")
                                      .Attr<int64_t>("splits")
                                      .Attr<int64_t>("perturbed")))))
                                  .Ret<ffi::AnyBuffer>());
