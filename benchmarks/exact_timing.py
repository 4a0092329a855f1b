"""Cost of exact spike timing: the event-exact step against a surrogate-Euler step and against eventax (issue 13).

One table, every number measured in the same run (medians of ``--repeats``
calls after a compiling call, or of more where they take under a second in
all), forward plus backward (``jax.value_and_grad`` w.r.t. the weights) over
a 100 ms window at batch 32, K inputs x 3 spikes:

- **step cost**: :func:`izhi_dyn.exact_spike_times` (dt = 0.1 ms, vmapped over
  the batch, loss = sum of first-spike times; ``kernel='native'``, the C++ step,
  and ``kernel='jax'``, the pure-JAX one) against a surrogate-gradient
  Euler network of the same size (the layer's update written with the core's
  pieces: grid-bound input spikes, :func:`izhi_dyn.core.exponential_synapse`,
  :func:`izhi_dyn.core.neuron_update` with ``euler`` and a sigmoid surrogate),
  float32, N = 8 (K = 4) and N = 64 (K = 16);
- **exact-gradient training** at N = 64, K = 16, float64, on a layered
  network (:func:`layered_problem`: 16 inputs -> 48 hidden -> 16 outputs,
  masked like the Yin-Yang one) with the loss on the outputs' first-spike
  times: izhi_dyn's exact gradient against eventax 0.1.0 (run by
  ``worker_eventax.py`` in its own venv, ``benchmarks/.venv-eventax``, created
  on demand) with Tsit5 (rtol = atol = 1e-10: the reference gradient; 1e-8:
  its own check) and cheaper settings (looser Tsit5, Euler); beside each, the
  relative error and the cosine of its gradient against the reference on the
  existing synapses, and for each exact setting the cheapest eventax setting
  whose error is no larger, with the speed ratio (issue 13's "equal gradient
  accuracy").

With ``--kernels``, each step-cost row also gives the XLA kernels one step runs
forward plus backward (counted in a ``jax.profiler`` trace of a 5 ms run): the
pure-JAX exact step's cost is their number, not its arithmetic; the native run's
few kernels are shared by all its steps.

    python benchmarks/exact_timing.py [--sizes 8,64] [--repeats 3] [--no-eventax] [--kernels] [--eventax-timeout 3600]
                                      [--eventax-settings tsit5:1e-8,tsit5:1e-6,...] [--exact-dts 0.1]
                                      [--exact-runs 0.1:3:2,0.5:3:6]   (dt:passes:splits; replaces --exact-dts)
                                      [--exact-kernels native,jax]
"""

from __future__ import annotations

import argparse
import glob
import pathlib
import statistics
import subprocess
import sys
import tempfile
import time
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

import izhi_dyn
from izhi_dyn.core import Params, exponential_synapse, get_integrator, neuron_update

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from harness import parse_result, run_process  # noqa: E402

EVENTAX_VENV = HERE / '.venv-eventax'
SETTINGS = ((3, 2), (2, 1))  # (passes, splits) of the exact step: the default, and a cheaper one
DURATION, DT, BATCH, SPIKES_PER_INPUT = 100.0, 0.1, 32, 3


@jax.custom_jvp
def _spike(x):
    return (x >= 0).astype(x.dtype)


@_spike.defjvp
def _spike_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    s = jax.nn.sigmoid(4.0 * x)
    return _spike(x), 4.0 * s * (1.0 - s) * dx


def recurrent_problem(n, k, seed=0):
    """Weights (n + k, n) and input times (BATCH, k, 3), float64 NumPy."""
    rng = np.random.default_rng(seed)
    W = np.concatenate([rng.uniform(-10.0, 2.0, (n, n)) * (1 - np.eye(n)), rng.uniform(5.0, 20.0, (k, n))])
    return W, np.sort(rng.uniform(0.0, 60.0, (BATCH, k, SPIKES_PER_INPUT)), axis=-1)


HIDDEN = 48  # the layered problem: K inputs -> HIDDEN hidden -> N - HIDDEN outputs


def layered_problem(n, k, seed=0):
    """Weights (n + k, n), their mask, the output neurons (n,) and input times (BATCH, k, 3), float64 NumPy.

    Inputs feed the first ``HIDDEN`` neurons (N(1, 4) mV/ms per spike), which feed
    the others, the outputs (N(0.5, 1), about the Yin-Yang example's 4/sqrt(H) and
    8/sqrt(H)); no other synapse. Input times uniform in [0, 60) ms.
    """
    rng = np.random.default_rng(seed)
    mask = np.zeros((n + k, n))
    mask[n:, :HIDDEN] = mask[:HIDDEN, HIDDEN:] = 1.0
    W = np.zeros_like(mask)
    W[n:, :HIDDEN] = rng.normal(1.0, 4.0, (k, HIDDEN))
    W[:HIDDEN, HIDDEN:] = rng.normal(0.5, 1.0, (HIDDEN, n - HIDDEN))
    times = np.sort(rng.uniform(0.0, 60.0, (BATCH, k, SPIKES_PER_INPUT)), axis=-1)
    return W, mask, np.arange(n) >= HIDDEN, times


def exact_loss(W, times, passes=3, splits=2, dt=DT, outputs=None, duration=DURATION, kernel='native'):
    """Sum over the batch and the ``outputs`` (default: all neurons) of the first-spike times, silent ones 0."""
    run = jax.vmap(lambda t: izhi_dyn.exact_spike_times(W, t, duration=duration, dt=dt, max_spikes=4, passes=passes,
                                                        splits=splits, kernel=kernel))
    first = run(times)[..., 0]
    first = first if outputs is None else first[..., outputs]
    return jnp.sum(jnp.where(jnp.isfinite(first), first, 0.0))


def surrogate_loss(W, times, duration=DURATION):
    n = W.shape[1]
    steps = int(round(duration / DT))
    p = Params(0.02, 0.2, -51.0, 2.0, 30.0, 0.04, 5.0, 140.0)
    bins = jnp.floor(times / DT).astype(jnp.int32)
    grid = jax.nn.one_hot(bins, steps, dtype=W.dtype).sum(axis=2)  # (B, K, steps)
    euler = get_integrator('euler')

    def step(carry, i):
        V, u, I, spk = carry
        pre = jnp.concatenate([spk, grid[:, :, i]], axis=1)
        I = exponential_synapse(I, pre, W, DT, 5.0)
        out = neuron_update(V, u, jnp.full_like(V, -1e9), I, i * DT, DT, p, 0.0, integrator=euler,
                            spk_fun=_spike)
        return (out.V, out.u, I, out.spike), jnp.sum(out.spike) * i * DT

    V0 = jnp.full((BATCH, n), -51.0, W.dtype)
    init = (V0, 0.2 * V0, jnp.zeros_like(V0), jnp.zeros_like(V0))
    _, per_step = jax.lax.scan(step, init, jnp.arange(steps))
    return jnp.sum(per_step)


MIN_TIMED = 1.0  # s: calls shorter than this are repeated until their walls add up to it


def _time(f, *args, repeats):
    """Median wall time of at least ``repeats`` calls after a compiling call (more for short calls, until
    ``MIN_TIMED`` seconds), and the last result."""
    out = jax.block_until_ready(f(*args))
    walls = []
    while len(walls) < repeats or sum(walls) < MIN_TIMED:
        start = time.perf_counter()
        out = jax.block_until_ready(f(*args))
        walls.append(time.perf_counter() - start)
    return statistics.median(walls), out


KERNEL_WINDOW = 5.0  # ms run whose XLA kernels --kernels counts


def kernels_per_step(loss, W, times):
    """XLA kernels per step of ``value_and_grad(loss)`` over a ``KERNEL_WINDOW`` run, from a profiler trace."""
    f = jax.jit(jax.value_and_grad(partial(loss, duration=KERNEL_WINDOW)))
    jax.block_until_ready(f(W, times))
    with tempfile.TemporaryDirectory(prefix='izhi_trace_') as tmp:
        with jax.profiler.trace(tmp):
            jax.block_until_ready(f(W, times))
        trace = jax.profiler.ProfileData.from_file(glob.glob(f'{tmp}/**/*.xplane.pb', recursive=True)[0])
        # The CPU runtime marks the completion of every kernel (thunk) with an 'end: <op>' event.
        done = sum(event.name.startswith('end: ') for plane in trace.planes for line in plane.lines
                   for event in line.events)
    return done / round(KERNEL_WINDOW / DT)


def ensure_eventax():
    """Python of the eventax venv (created on demand), or None with the reason."""
    py = EVENTAX_VENV / 'bin' / 'python'
    if not py.exists():
        subprocess.run([sys.executable, '-m', 'venv', str(EVENTAX_VENV)], check=False)
        subprocess.run([str(py), '-m', 'pip', 'install', '-q', 'eventax==0.1.0'], check=False)
    probe = subprocess.run([str(py), '-c', 'import eventax.evnn'], capture_output=True, text=True) \
        if py.exists() else None
    if probe is None or probe.returncode != 0:
        last = (probe.stderr.strip().splitlines() or [''])[-1] if probe else ''
        return None, 'eventax venv not installable: ' + last
    return str(py), None


def run_eventax(py, W, mask, outputs, times, solver, value, repeats, timeout):
    """(median fwd+bwd seconds, gradient) of eventax in its venv, or (None, the reason)."""
    with tempfile.TemporaryDirectory(prefix='izhi_eventax_') as tmp:
        problem, out = f'{tmp}/problem.npz', f'{tmp}/out.npz'
        np.savez(problem, W=W, wmask=mask, outputs=outputs, times=times, duration=DURATION)
        rc, stdout, stderr, _, _ = run_process([py, str(HERE / 'worker_eventax.py'), problem, solver, str(value),
                                                str(repeats), out], timeout)
        result = parse_result(stdout)
        if rc != 0 or result is None:
            return None, f'eventax {solver} failed ({rc}): ' + ((stderr.strip().splitlines() or [''])[-1])[:200]
        return result['wall_s'], np.load(out)['grad']


def compare_gradients(g, ref, mask=None):
    """Relative error and cosine of gradient ``g`` against ``ref`` (on the synapses of ``mask``, if given)."""
    g, ref = (np.ravel(x) if mask is None else np.asarray(x)[mask > 0] for x in (g, ref))
    norm = np.linalg.norm(ref)
    return float(np.linalg.norm(g - ref) / norm), float(g @ ref / np.linalg.norm(g) / norm)


class _Rows(list):
    """The table's rows, each printed as it is added (a long run shows its progress)."""

    def append(self, row):
        super().append(row)
        what, n, k, dtype, wall, ratio, err = row
        print(f'{what:<34} {n:>3} {k:>3} {dtype:>8} {wall:>12.3f}  {ratio:<32} {err}', flush=True)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='8,64',
                        help='comma-separated N for the step cost (K = N / 4, at least 4; empty: none)')
    parser.add_argument('--repeats', type=int, default=3)
    parser.add_argument('--no-eventax', action='store_true', help='skip the comparison with eventax')
    parser.add_argument('--kernels', action='store_true', help='count XLA kernels per step (profiler trace)')
    parser.add_argument('--eventax-timeout', type=float, default=3600.0, help='seconds per eventax run')
    parser.add_argument('--eventax-settings',
                        default='tsit5:1e-8,tsit5:1e-6,tsit5:1e-5,tsit5:1e-4,tsit5:1e-3,euler:0.05',
                        help='eventax settings (solver:tolerance or solver:dt) beside the Tsit5 1e-10 reference')
    parser.add_argument('--exact-dts', default=str(DT), help='comma-separated dt (ms) of the exact gradient runs')
    parser.add_argument('--exact-runs', default='',
                        help='comma-separated dt:passes:splits of the exact gradient runs (replaces --exact-dts)')
    parser.add_argument('--exact-kernels', default='native,jax',
                        help="comma-separated kernel= of the exact rows: 'native' (C++ step), 'jax' (pure JAX)")
    args = parser.parse_args(argv)
    print(f'forward + backward (value_and_grad w.r.t. weights), {DURATION:g} ms, batch {BATCH}, '
          f'{SPIKES_PER_INPUT} spikes per input, {jax.default_backend()}, medians of {args.repeats} calls or more '
          f'(calls under {MIN_TIMED:g} s in all are repeated until they take that long)')
    print("exact <kernel>: izhi_dyn.exact_spike_times(kernel=...) with p passes and s splits per step")
    exact_kernels = [x for x in args.exact_kernels.split(',') if x]
    print(f'{"":<34} {"N":>3} {"K":>3} {"dtype":>8} {"fwd+bwd (s)":>12}  {"ratio":<32} gradient error vs Tsit5',
          flush=True)
    rows = _Rows()
    for n in (int(s) for s in args.sizes.split(',') if s):
        k = max(4, n // 4)
        W, times = (jnp.asarray(x, jnp.float32) for x in recurrent_problem(n, k))
        kernels = (lambda loss: f', {kernels_per_step(loss, W, times):.1f} kernels') if args.kernels else \
            (lambda loss: '')
        surrogate, _ = _time(jax.jit(jax.value_and_grad(surrogate_loss)), W, times, repeats=args.repeats)
        rows.append((f'surrogate Euler dt {DT}', n, k, 'float32', surrogate, '1' + kernels(surrogate_loss), ''))
        for kernel in exact_kernels:
            for passes, splits in SETTINGS:
                loss = partial(exact_loss, passes=passes, splits=splits, kernel=kernel)
                exact, _ = _time(jax.jit(jax.value_and_grad(loss)), W, times, repeats=args.repeats)
                rows.append((f'exact {kernel} dt {DT}, {passes} p, {splits} s', n, k, 'float32', exact,
                             f'{exact / surrogate:.1f}x surrogate' + kernels(loss), ''))
    if not args.no_eventax:
        eventax_table(args, rows, exact_kernels)


def eventax_table(args, rows, exact_kernels):
    """Exact gradients against eventax's at N = 64, K = 16 on the layered problem, float64."""
    n, k = 64, 16
    W, mask, outputs, times = layered_problem(n, k)
    py, why = ensure_eventax()
    settings = [('tsit5', 1e-10)] + [(s.split(':')[0], float(s.split(':')[1]))
                                     for s in args.eventax_settings.split(',') if s]
    found = []  # (wall, error, name) of eventax's settings
    ref = None
    for solver, value in settings:
        what = f'eventax {"Tsit5 tol" if solver == "tsit5" else "Euler dt"} {value:g}'
        # The reference is timed over one call after its compiling call: its gradient is what matters.
        wall, g = run_eventax(py, W, mask, outputs, times, solver, value, 1 if ref is None else args.repeats,
                              args.eventax_timeout) if py else (None, why)
        if wall is None:
            rows.append((what, n, k, 'float64', float('nan'), g, ''))
            if ref is None:
                return
            continue
        if ref is None:
            ref, err = (wall, g), 'reference'
        else:
            rel, cos = compare_gradients(g, ref[1], mask)
            found.append((wall, rel, what))
            err = f'{100 * rel:.3g} % (cos {cos:.6f})'
        rows.append((what, n, k, 'float64', wall, '', err))
    runs = [(float(dt), int(passes), int(splits)) for dt, passes, splits in
            (x.split(':') for x in args.exact_runs.split(',') if x)] or \
        [(float(dt), passes, splits) for dt in args.exact_dts.split(',') for passes, splits in SETTINGS]
    for kernel in exact_kernels:
        for dt, passes, splits in runs:
            with jax.enable_x64(True):
                loss = partial(exact_loss, passes=passes, splits=splits, dt=dt, outputs=np.flatnonzero(outputs),
                               kernel=kernel)
                wall, (_, g) = _time(jax.jit(jax.value_and_grad(loss)), jnp.asarray(W), jnp.asarray(times),
                                     repeats=args.repeats)
            rel, cos = compare_gradients(g, ref[1], mask)
            # eventax's cheapest setting at least as accurate (the reference itself if none is)
            match = min([f for f in found if f[1] <= rel] or [(ref[0], 0.0, 'eventax Tsit5 tol 1e-10')])
            rows.append((f'exact {kernel} dt {dt:g}, {passes} p, {splits} s', n, k, 'float64', wall,
                         f'{match[0] / wall:.1f}x vs {match[2][8:]}', f'{100 * rel:.3g} % (cos {cos:.6f})'))


if __name__ == '__main__':
    main()
