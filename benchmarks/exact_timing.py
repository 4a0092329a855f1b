"""Cost of exact spike timing: the event-exact step against a surrogate-gradient Euler step (issue 13).

Forward plus backward (``jax.value_and_grad`` w.r.t. the weights) over a
100 ms window at dt = 0.1 ms, batch 32, K inputs x 3 spikes each, for
N = 8 (K = 4) and N = 64 (K = 16). Both programs are jitted and warmed up;
the table prints the median wall time of ``--repeats`` calls and the ratio.

    python benchmarks/exact_timing.py [--sizes 8,64] [--repeats 3]

The exact path is :func:`izhi_dyn.exact_spike_times` (vmapped over the batch,
loss = sum of first-spike times). The surrogate path is the layer's update
written with the core's pieces: grid-bound input spikes, the exponential
synapse (:func:`izhi_dyn.core.exponential_synapse`) and
:func:`izhi_dyn.core.neuron_update` with the ``euler`` integrator and a
sigmoid surrogate (loss = sum of spike indicator x time).
"""

from __future__ import annotations

import argparse
import statistics
import time

import jax
import jax.numpy as jnp
import numpy as np

import izhi_dyn
from izhi_dyn.core import Params, exponential_synapse, get_integrator, neuron_update

DURATION, DT, BATCH, SPIKES_PER_INPUT = 100.0, 0.1, 32, 3


@jax.custom_jvp
def _spike(x):
    return (x >= 0).astype(x.dtype)


@_spike.defjvp
def _spike_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    s = jax.nn.sigmoid(4.0 * x)
    return _spike(x), 4.0 * s * (1.0 - s) * dx


def _problem(n, k, seed=0):
    rng = np.random.default_rng(seed)
    W = np.concatenate([rng.uniform(-10.0, 2.0, (n, n)) * (1 - np.eye(n)), rng.uniform(5.0, 20.0, (k, n))])
    times = np.sort(rng.uniform(0.0, 60.0, (BATCH, k, SPIKES_PER_INPUT)), axis=-1)
    return jnp.asarray(W, jnp.float32), jnp.asarray(times, jnp.float32)


def exact_loss(W, times):
    run = jax.vmap(lambda t: izhi_dyn.exact_spike_times(W, t, duration=DURATION, dt=DT, max_spikes=4))
    first = run(times)[..., 0]
    return jnp.sum(jnp.where(jnp.isfinite(first), first, 0.0))


def surrogate_loss(W, times):
    n = W.shape[1]
    steps = int(round(DURATION / DT))
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


def _time(f, *args, repeats):
    jax.block_until_ready(f(*args))
    walls = []
    for _ in range(repeats):
        start = time.perf_counter()
        jax.block_until_ready(f(*args))
        walls.append(time.perf_counter() - start)
    return statistics.median(walls)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument('--sizes', default='8,64', help='comma-separated N (K = N / 4, at least 4)')
    parser.add_argument('--repeats', type=int, default=3)
    args = parser.parse_args(argv)
    print(f'forward + backward, {DURATION:g} ms at dt = {DT} ms, batch {BATCH}, {jax.default_backend()}')
    print(f'{"N":>4} {"K":>4} {"exact (s)":>10} {"surrogate Euler (s)":>20} {"ratio":>7}')
    for n in (int(s) for s in args.sizes.split(',')):
        k = max(4, n // 4)
        W, times = _problem(n, k)
        exact = _time(jax.jit(jax.value_and_grad(exact_loss)), W, times, repeats=args.repeats)
        surrogate = _time(jax.jit(jax.value_and_grad(surrogate_loss)), W, times, repeats=args.repeats)
        print(f'{n:>4} {k:>4} {exact:>10.3f} {surrogate:>20.3f} {exact / surrogate:>7.1f}')


if __name__ == '__main__':
    main()
