// The event-exact step of izhi_dyn/core/exact.py as two XLA FFI calls on the CPU: the step, and its
// vector-Jacobian product, for a batch of samples (leading dimensions, broadcast where an input has size
// 1 there), each handed to XLA's intra-op thread pool.
//
// The step is written once (exact_model.h), as templates over the scalar type: `double` for the forward
// call; `Var` (exact_tape.h) for the backward call, which runs the step again on a reverse-mode tape and
// sweeps it back from the outputs' cotangents. A segment's flow (the bulk of the arithmetic,
// exact_segment.h) is one entry on that tape, swept by its hand-written adjoint, and a step with no
// event inside it and no crossing is differentiated neuron by neuron, off the tape (exact_sample.h).

#include <cstdint>

#include "exact_sample.h"
#include "xla/ffi/api/ffi.h"

namespace ffi = xla::ffi;

namespace {

using namespace izhi_exact;  // NOLINT: the step's own maths, kept apart for length

constexpr int kCore[kInputs] = {1, 1, 1, 0, 1, 2, 2, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1};

int Core(int k) { return k < kInputs ? kCore[k] : 1; }  // the cotangents and crossings: (N,) per sample

// A sample's inputs, the cotangents of its outputs (buffers 17..20) and its crossings (21).
struct SampleInputs {
  const Batch& batch;
  double at(int k, int64_t i) const { return batch.at(k, i); }
  double cotangent(int k, int n) const { return batch.at(kInputs + k, n); }
  const int32_t* crossed() const { return batch.ints(kInputs + 4); }
};

// Stores a sample's cotangents in the call's outputs.
struct StoreSink {
  ffi::Result<ffi::AnyBuffer>* const* outs;
  const Batch& batch;
  int64_t b;
  int N;
  template <typename F>
  void Vector(int k, F value) {
    const int64_t size = batch.views[k].size;
    Store(*outs[k], b * size, size, value);
  }
  template <typename F>
  void Row(int k, int r, F value) {
    Store(*outs[k], b * batch.views[k].size + static_cast<int64_t>(r) * N, N, value);
  }
  void Zero(int k) { Vector(k, [](int64_t) { return 0.0; }); }
};

ffi::Error Forward(ffi::ThreadPool pool, IZHI_EXACT_INPUTS, int64_t passes, int64_t splits,
                   ffi::Result<ffi::AnyBuffer> V_out,
                   ffi::Result<ffi::AnyBuffer> u_out, ffi::Result<ffi::AnyBuffer> I_out,
                   ffi::Result<ffi::AnyBuffer> spiked_out, ffi::Result<ffi::AnyBuffer> t_out,
                   ffi::Result<ffi::AnyBuffer> crossed_out) {
  Batch batch;
  if (ffi::Error error = MakeBatch({IZHI_EXACT_LIST}, Core, &batch); error.failure()) return error;
  const int N = static_cast<int>(batch.views[0].size), S = static_cast<int>(batch.views[4].size);
  ParallelFor(pool, batch, [&](Batch& batch, int64_t b) {
    StepResult& r = ThreadWorkspace().step;
    StepForward(SampleInputs{batch}, N, S, static_cast<int>(passes), static_cast<int>(splits), &r);
    const int64_t o = b * N;
    StoreStep(r, o, N, V_out, u_out, I_out, spiked_out, t_out, crossed_out);
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
  Batch batch;
  if (ffi::Error error = MakeBatch({IZHI_EXACT_LIST, gV, gu, gI, gt, crossed}, Core, &batch); error.failure())
    return error;
  const int N = static_cast<int>(batch.views[0].size), S = static_cast<int>(batch.views[4].size);
  ffi::Result<ffi::AnyBuffer>* outs[kInputs] = {&dV0, &du0, &dI0, &dh, &d_onsets, &d_in_w, &d_rec_w, &da, &db,
                                                &dc, &dd, &dv_th, &dtau, &dbias, &dp1, &dp2, &dp3};
  ParallelFor(pool, batch, [&](Batch& batch, int64_t b) {
    StoreSink sink{outs, batch, b, N};
    const SampleInputs in{batch};
    std::vector<Neuron<double>>& neurons = ThreadWorkspace().neurons;
    ReadNeurons(in, N, &neurons);
    StepVjp(in, N, S, static_cast<int>(passes), static_cast<int>(splits), perturbed, neurons, sink);
  });
  return ffi::Error::Success();
}

}  // namespace

XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiExactStep, Forward,
                              IZHI_RETS4(IZHI_BIND_INPUTS(ffi::Ffi::Bind().Ctx<ffi::ThreadPool>())
                                            .Attr<int64_t>("passes")
                                            .Attr<int64_t>("splits"))
                                  .Ret<ffi::AnyBuffer>()
                                  .Ret<ffi::AnyBuffer>());
XLA_FFI_DEFINE_HANDLER_SYMBOL(IzhiExactStepVjp, Backward,
                              IZHI_RETS4(IZHI_RETS4(IZHI_RETS4(IZHI_RETS4(
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
