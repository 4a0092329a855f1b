"""Small drivers shared by the tests."""

from __future__ import annotations

import functools
import os
import pathlib
import re
import subprocess
import sys

import brainpy as bp
import brainpy.math as bm
import numpy as np

import izhi_dyn


@functools.lru_cache(maxsize=None)
def features_2004(dtype):
    """``simulate_many`` of the 20 features of 2004 with their published numerics in ``dtype``, run once per
    test process and shared by test_features.py and test_reproduction.py (treat the result as read-only)."""
    from izhi_dyn.presets import FEATURES_2004
    from izhi_dyn.simulate import simulate_many

    return simulate_many(FEATURES_2004, dtype=dtype)


@functools.lru_cache(maxsize=None)
def book_presets(dtype, frontend='dyn'):
    """``simulate_many`` of every 2007 preset (:data:`izhi_dyn.PRESETS_2007`) in ``dtype`` through ``frontend``, run
    once per test process and shared by test_izhikevich2007.py and test_izhikevich2007_state.py (read-only)."""
    from izhi_dyn import PRESETS_2007
    from izhi_dyn.simulate import simulate_many

    return simulate_many(list(PRESETS_2007), dtype=dtype, frontend=frontend)


def run(neuron, inputs, dt, monitors=('V', 'u', 'spike'), **runner_kw):
    """Run ``neuron`` over ``inputs`` (an array of shape (steps, ...)) and return numpy monitors."""
    runner = bp.DSRunner(neuron, monitors=list(monitors), progress_bar=False, dt=dt, **runner_kw)
    runner.run(inputs=np.asarray(inputs, dtype=bm.float_))
    return {k: np.asarray(runner.mon[k]) for k in monitors}


def spike_times(method, dt, I, T, **kwargs):
    """Sub-step spike times (ms) of one neuron under constant input ``I`` for ``T`` ms."""
    steps = int(round(T / dt))
    neuron = izhi_dyn.Izhikevich(1, method=method, spike_time_var=True, **kwargs)
    mon = run(neuron, np.full((steps, 1), I), dt, monitors=('spike', 'spike_time'))
    return mon['spike_time'][mon['spike'][:, 0], 0]


def central_difference(value, var, idx, rel_step=1e-4):
    """Central difference of the scalar ``value()`` w.r.t. entry ``idx`` of the variable ``var``
    (step ``rel_step * max(|entry|, 1)``; ``var`` is restored after)."""
    import jax.numpy as jnp

    base = np.asarray(var.value)
    h = rel_step * max(abs(base[idx]), 1.0)
    var.value = jnp.asarray(base).at[idx].add(h)
    up = float(value())
    var.value = jnp.asarray(base).at[idx].add(-h)
    down = float(value())
    var.value = jnp.asarray(base)
    return (up - down) / (2 * h)


def training_loss_and_grad(I, steps=300, dt=0.1, readout='spikes', **kwargs):
    """Value and d/dI of a loss on a one-neuron TrainingMode run with constant input ``I``.

    ``readout='spikes'``: the spike count; ``'V'``: the sum of V over the run;
    ``'both'``: both, from one run, as arrays ``[count, sum of V]`` of values and of derivatives.
    """
    import jax
    import jax.numpy as jnp

    def losses(I):
        neuron = izhi_dyn.Izhikevich(1, mode=bm.TrainingMode(1), **kwargs)

        def body(i):
            bp.share.save(t=i * dt, dt=dt, i=i)
            spike = neuron.update(jnp.broadcast_to(I, (1, 1)))
            return jnp.stack([spike.sum(), neuron.V.value.sum()])

        return bm.for_loop(body, jnp.arange(steps)).sum(axis=0)

    values, pullback = jax.vjp(losses, jnp.asarray(I, dtype=bm.float_))
    grads = jax.vmap(pullback)(jnp.eye(2, dtype=values.dtype))[0]
    if readout == 'both':
        return values, grads
    k = {'spikes': 0, 'V': 1}[readout]
    return values[k], grads[k]


def multidevice_run(devices, connectivity='dense', x64=None):
    """Run ``tests/_multidevice_run.py`` (the 2003 network, N = 400, 300 ms) in a new process with 4
    forced host devices, on ``devices`` of them; ``x64`` (None: the suite's) sets the precision.

    Returns ``(jax devices, shards of V, spike count, SHA-256 of the events, synapse share of one device)``.
    """
    env = dict(os.environ, XLA_FLAGS='--xla_force_host_platform_device_count=4', JAX_PLATFORMS='cpu')
    if x64 is not None:
        env['IZHI_DYN_X64'] = '1' if x64 else '0'
    helper = pathlib.Path(__file__).with_name('_multidevice_run.py')
    out = subprocess.run([sys.executable, str(helper), str(devices), connectivity], env=env, capture_output=True,
                         text=True, timeout=300, check=True).stdout
    m = re.search(r'NDEV (\d+) SHARDS (\d+) NSPK (\d+) SHA (\w+) SYN (\d+) (\d+)', out)
    assert m, out
    return int(m[1]), int(m[2]), int(m[3]), m[4], int(m[5]) / int(m[6])


def central_differences(f, x, entries, eps=1e-5):
    """Central differences of the scalar ``f`` at the array ``x``, at each index in ``entries`` (0 elsewhere)."""
    g = np.zeros_like(x)
    for idx in entries:
        xp, xm = x.copy(), x.copy()
        xp[idx] += eps
        xm[idx] -= eps
        g[idx] = (f(xp) - f(xm)) / (2 * eps)
    return g


def cosine_and_relative_error(g, g_ref):
    """Cosine between ``g`` and ``g_ref`` and the relative error ``|g - g_ref| / |g_ref|``."""
    cos = float(np.sum(g * g_ref) / np.linalg.norm(g) / np.linalg.norm(g_ref))
    return cos, float(np.linalg.norm(g - g_ref) / np.linalg.norm(g_ref))
