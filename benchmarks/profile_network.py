"""Where the time of one step of the 2003 network goes: variants side by side, one process.

Each variant is the same network with parts switched off (their ``update`` made a
no-op), so the differences between rows are the per-step costs of those parts:

* ``full``: what ``run_network(..., record=False)`` runs (the native fused step
  where it is built: ``kernel='auto'``);
* ``+record``: with bit-packed spike recording (the default of ``run_network``);
* ``jax``: ``full`` on ``kernel='jax'``, the brainpy nodes (brainevent's event
  kernel, XLA's neuron update and noise); the rows below switch parts of it off,
  so they always run this path;
* ``-noise``: thalamic noise not drawn;
* ``-recurrent``: no recurrent projection (event kernels) run;
* ``neurons``: neither (neuron updates + the loop);
* ``pairwise``: ``layout='pairwise'`` (four projections, four kernels per step).

Repeats are interleaved over variants; medians of wall and CPU (process) time per
step are reported (CPU time is the less load-sensitive one on a shared machine).
Compile time is split into JAX tracing, lowering to MLIR and XLA's backend
compile (``jax.monitoring`` events), with the wall time of the first call.
For sparse networks a memory-traffic bound per step is printed: bytes of
weights and indices of the synapses of the neurons that fired, plus the neuron
state, over the bandwidth measured by a large array copy.

    python benchmarks/profile_network.py --n 1000 --connectivity dense
    python benchmarks/profile_network.py --n 100000 --connectivity sparse --variants full,-noise,-recurrent
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict

import jax
import numpy as np

import izhi_dyn.networks as nw

VARIANTS = ('full', '+record', 'jax', '-noise', '-recurrent', 'neurons', 'pairwise')
_EVENTS = defaultdict(float)
jax.monitoring.register_event_duration_secs_listener(
    lambda name, secs, **kw: _EVENTS.__setitem__(name.rsplit('/', 1)[-1], _EVENTS[name.rsplit('/', 1)[-1]] + secs))


def _disable(net, kind):
    for node in net.nodes().unique().values():
        if isinstance(node, kind):
            node.update = lambda *args, **kwargs: None


def build(variant, n, connectivity, k, seed):
    kw = dict(connectivity=connectivity, k=k if connectivity == 'sparse' else None, seed=seed)
    if variant == 'pairwise':
        kw['layout'] = 'pairwise'
    if variant == 'jax':
        kw['kernel'] = 'jax'
    net = nw.CorticalNetwork2003(n, **kw)
    if variant in ('-noise', 'neurons'):
        _disable(net, nw.ThalamicNoise)
    if variant in ('-recurrent', 'neurons'):
        _disable(net, nw.CurrentProj)
    return net


def memory_bound(net, spikes_per_step, bandwidth):
    """Seconds per step to read the synapses of the spiking neurons and the neuron state once."""
    comms = [node.comm for node in net.nodes().unique().values() if isinstance(node, nw.CurrentProj)]
    per_syn = statistics.mean(c.weight.value.itemsize + c.indices.value.itemsize for c in comms)
    state = sum(v.value.nbytes for v in net.vars().unique().values() if v.value.ndim == 1
                and v.value.shape[0] in (net.n_exc, net.n_inh, net.n))
    return (spikes_per_step * net.in_degree * per_syn + 2 * state) / bandwidth


def bandwidth(nbytes=1 << 28):
    a = np.ones(nbytes // 8)
    b = np.empty_like(a)
    best = min(_timed(np.copyto, b, a) for _ in range(3))
    return 2 * nbytes / best  # read + write


def _timed(f, *args):
    t = time.perf_counter()
    f(*args)
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--n', type=int, default=1000)
    ap.add_argument('--connectivity', choices=('dense', 'sparse'), default='dense')
    ap.add_argument('--k', type=int, default=100)
    ap.add_argument('--seed', type=int, default=0)
    ap.add_argument('--steps', type=int, default=500, help='steps (ms) per timed repeat')
    ap.add_argument('--repeats', type=int, default=5)
    ap.add_argument('--chunk', type=int, default=100)
    ap.add_argument('--variants', default=','.join(VARIANTS))
    args = ap.parse_args(argv)
    variants = args.variants.split(',')
    unknown = set(variants) - set(VARIANTS)
    if unknown:
        raise SystemExit(f'--variants: unknown {sorted(unknown)}; expected some of {VARIANTS}')

    runners, compile_rows = {}, {}
    for v in variants:
        tb = time.perf_counter()
        net = build(v, args.n, args.connectivity, args.k, args.seed)
        build_s = time.perf_counter() - tb
        _EVENTS.clear()
        runner = nw.NetworkRunner(net, chunk=args.chunk, record=v == '+record')
        cpu = time.process_time()
        runner.compile()
        compile_rows[v] = dict(build=build_s, first_call=runner.compile_s, cpu=time.process_time() - cpu,
                               trace=_EVENTS['jaxpr_trace_duration'],
                               lower=_EVENTS['jaxpr_to_mlir_module_duration'],
                               xla=_EVENTS['backend_compile_duration'])
        runners[v] = runner
    wall, cpu, spikes = defaultdict(list), defaultdict(list), {}
    for _ in range(args.repeats):
        for v in variants:
            c = time.process_time()
            res = runners[v].run(float(args.steps))
            cpu[v].append((time.process_time() - c) / args.steps)
            wall[v].append(res.sim_wall_s / args.steps)
            spikes[v] = (res.counts_exc.sum() + res.counts_inh.sum()) / args.steps

    print(f'# {args.connectivity} N={args.n}' + (f' k={args.k}' if args.connectivity == 'sparse' else '')
          + f', {args.repeats} interleaved repeats of {args.steps} steps, medians')
    print(f'| variant | wall us/step | cpu us/step | spikes/step | build s | first call s | '
          f'compile cpu s | trace s | lower s | XLA s |')
    print('|---|---|---|---|---|---|---|---|---|---|')
    for v in variants:
        c = compile_rows[v]
        print(f'| {v} | {statistics.median(wall[v]) * 1e6:.1f} | {statistics.median(cpu[v]) * 1e6:.1f} | '
              f'{spikes[v]:.1f} | {c["build"]:.2f} | {c["first_call"]:.2f} | {c["cpu"]:.2f} | {c["trace"]:.2f} | '
              f'{c["lower"]:.2f} | {c["xla"]:.2f} |')
    if args.connectivity == 'sparse' and 'full' in variants:
        bw = bandwidth()
        bound = memory_bound(runners['full'].net, spikes['full'], bw)
        print(f'\nmemory bandwidth (copy) {bw / 1e9:.1f} GB/s; traffic bound {bound * 1e6:.1f} us/step; '
              f'full step / bound = {statistics.median(wall["full"]) / bound:.1f}')


if __name__ == '__main__':
    main()
