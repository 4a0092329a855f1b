"""Is the eventax comparison of ``exact_timing.py`` well posed? One sample, against an independent reference.

For sample ``--sample`` of one of ``exact_timing.py``'s two N = 64, K = 16
problems (``recurrent``: the all-to-all network of its step-cost table, loss
on the first spikes of all 64 neurons; ``layered``: the network of its eventax
table, loss on the 16 outputs' first spikes), float64:

- the spike times of :func:`izhi_dyn.exact_spike_times` at each ``--dts`` and
  each (passes, splits) of ``exact_timing.SETTINGS`` against the event-located
  ``solve_ivp`` reference :func:`izhi_dyn.analysis.reference_spike_times` (max error over all
  spikes, over the loss's first spikes, and the neurons whose spike count
  differs), and the largest number of spikes inside one 0.1 ms window;
- the loss's gradient w.r.t. ``--entries`` random synapses: central
  differences of the reference at two steps (1e-4 and 1e-6: their agreement
  says whether the loss is well conditioned), the exact gradient at each dt
  and setting, and with ``--eventax`` eventax's Tsit5 gradient
  (rtol = atol = 1e-10), each as relative error and cosine against the
  differences at 1e-6.

    python benchmarks/exact_gradient_check.py {recurrent,layered} [--sample 0] [--dts 0.1,0.05,0.02,0.01]
                                              [--entries 24] [--eventax]
"""

from __future__ import annotations

import argparse
import pathlib
import sys
from functools import partial

import jax
import jax.numpy as jnp
import numpy as np

import izhi_dyn
from izhi_dyn.analysis import reference_spike_times

HERE = pathlib.Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from exact_timing import (DURATION, SETTINGS, compare_gradients, ensure_eventax, exact_loss,  # noqa: E402
                          layered_problem, recurrent_problem, run_eventax)


def _setup(name, n=64, k=16):
    """Weights, mask, output indices and input times (B, K, 3) of ``exact_timing.py``'s problem ``name``."""
    if name == 'layered':
        W, mask, outputs, times = layered_problem(n, k)
        return W, mask, np.flatnonzero(outputs), times
    W, times = recurrent_problem(n, k)
    return W, np.concatenate([1 - np.eye(n), np.ones((k, n))]), np.arange(n), times


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('problem', choices=('recurrent', 'layered'))
    parser.add_argument('--sample', type=int, default=0)
    parser.add_argument('--dts', default='0.1,0.05,0.02,0.01')
    parser.add_argument('--entries', type=int, default=24)
    parser.add_argument('--eventax', action='store_true', help="also eventax's Tsit5 gradient (minutes)")
    args = parser.parse_args(argv)
    jax.config.update('jax_enable_x64', True)
    W, mask, outputs, times = _setup(args.problem)
    times = times[args.sample]

    def reference_loss(W):
        spikes = reference_spike_times(W, times, duration=DURATION, stop_after_first=list(outputs))
        return sum(spikes[o][0] for o in outputs if len(spikes[o]))

    ref = reference_spike_times(W, times, duration=DURATION)
    spikes = np.sort(np.concatenate(ref))
    first = np.array([r[0] if len(r) else np.inf for r in ref])[outputs]
    print(f'{args.problem} sample {args.sample}: {len(spikes)} reference spikes in {DURATION:g} ms, '
          f'{int(np.sum(np.isfinite(first)))}/{len(outputs)} loss neurons fire, '
          f'at most {np.bincount((spikes / 0.1).astype(int)).max()} spikes in one 0.1 ms window')
    print(f'{"dt":>6} {"p,s":>4} {"max err (ms)":>13} {"first-spike err":>16} {"count mismatch":>15}')
    dts = [float(x) for x in args.dts.split(',')]
    for dt in dts:
        for passes, splits in SETTINGS:
            out = np.asarray(izhi_dyn.exact_spike_times(jnp.asarray(W), jnp.asarray(times), duration=DURATION, dt=dt,
                                                        max_spikes=32, passes=passes, splits=splits))
            err, mismatched = 0.0, 0
            for o, r in zip(out, ref):
                o = o[np.isfinite(o)]
                mismatched += len(o) != len(r)
                k = min(len(o), len(r))
                if k:
                    err = max(err, float(np.max(np.abs(o[:k] - r[:k]))))
            f = out[outputs, 0]
            both = np.isfinite(f) & np.isfinite(first)
            f_err = float(np.max(np.abs(f[both] - first[both]), initial=0.0))
            print(f'{dt:>6g} {passes},{splits:<2} {err:>13.2e} {f_err:>16.2e} {mismatched:>15d}', flush=True)

    rng = np.random.default_rng(1)
    synapses = np.argwhere(mask > 0)
    entries = tuple(synapses[rng.choice(len(synapses), args.entries, replace=False)].T)
    fd = {}
    for eps in (1e-4, 1e-6):
        g = []
        for e in zip(*entries):
            up, down = W.copy(), W.copy()
            up[e] += eps
            down[e] -= eps
            g.append((reference_loss(up) - reference_loss(down)) / (2 * eps))
        fd[eps] = np.array(g)
    rel, cos = compare_gradients(fd[1e-4], fd[1e-6])
    print(f'gradient on {args.entries} synapses; central differences of the reference, step 1e-4 vs 1e-6: '
          f'{rel:.2e} relative, cosine {cos:.8f}', flush=True)
    print(f'{"gradient":<28} {"rel. error":>11} {"cosine":>10}')
    for dt in dts:
        for passes, splits in SETTINGS:
            loss = partial(exact_loss, passes=passes, splits=splits, dt=dt, outputs=outputs)
            g = np.asarray(jax.jit(jax.grad(loss))(jnp.asarray(W), jnp.asarray(times)[None]))[entries]
            what = f'exact dt {dt:g}, {passes} p, {splits} s'
            print('{:<28} {:>10.2%} {:>10.6f}'.format(what, *compare_gradients(g, fd[1e-6])), flush=True)
    if args.eventax:
        py, why = ensure_eventax()
        outs = np.zeros(W.shape[1], bool)
        outs[outputs] = True
        wall, g = run_eventax(py, W, mask, outs, times[None], 'tsit5', 1e-10, 0, 3600.0) if py else (None, why)
        if wall is None:
            print('eventax:', g)
        else:
            rel, cos = compare_gradients(g[entries], fd[1e-6])
            print('{:<28} {:>10.2%} {:>10.6f}'.format('eventax Tsit5 tol 1e-10', rel, cos))


if __name__ == '__main__':
    main()
