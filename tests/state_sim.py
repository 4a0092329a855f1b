"""Drivers that run the two front-ends on the same input array and the same time grid.

Both loops set ``t_k = k * dt`` themselves (the brainpy.dyn one through
``bp.share``, the brainstate one through ``brainstate.environ``), so the only
difference left between them is the front-end.
"""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np

import izhi_dyn
import izhi_dyn.state
from izhi_dyn.presets import PRESETS


def run_state(neuron, inputs, dt, batch_size=None, monitors=('V', 'spike')):
    """Run an ``izhi_dyn.state.Izhikevich`` over ``inputs`` (steps, ...) in mV/ms; monitors as plain arrays."""
    neuron.init_state(batch_size)
    inputs = jnp.asarray(inputs)

    def step(k, x):
        with brainstate.environ.context(t=k * dt, i=k):
            neuron.update(x * (u.mV / u.ms))
        return {m: u.get_mantissa(getattr(neuron, m).value) for m in monitors}

    with brainstate.environ.context(dt=dt):
        return brainstate.transform.for_loop(step, jnp.arange(inputs.shape[0]), inputs)


def run_dyn(neuron, inputs, dt, monitors=('V', 'spike')):
    """Run an ``izhi_dyn.Izhikevich`` over ``inputs`` with ``t_k = k * dt``; monitors as arrays."""
    inputs = jnp.asarray(inputs, dtype=bm.float_)

    def step(k, x):
        bp.share.save(t=k * dt, dt=dt, i=k)
        neuron.update(x)
        mon = {m: getattr(neuron, m).value for m in monitors}
        neuron.clear_input()  # as DSRunner does after each step (empties the `input` slot)
        return mon

    return bm.for_loop(step, (jnp.arange(inputs.shape[0]), inputs), progress_bar=False)


def preset_population(keys, dt):
    """Per-neuron parameters, initial state and inputs (steps, n) of presets run together at ``dt``."""
    presets = [PRESETS[k] for k in keys]
    n_steps = max(int(round(p.duration / dt)) + 1 for p in presets)
    ts = np.arange(n_steps, dtype=np.float64) * dt
    inputs = np.stack([p.protocol(ts) for p in presets], axis=1)
    col = lambda field: np.array([getattr(p, field) for p in presets], dtype=np.float64)  # noqa: E731
    kwargs = dict(recovery=presets[0].recovery, a=col('a'), b=col('b'), c=col('c'), d=col('d'),
                  p2=col('p2'), p3=col('p3'), V_initializer=col('V0'), u_initializer=col('u0'))
    return kwargs, inputs


def both_front_ends(n, inputs, dt, spk_fun=None, monitors=('V', 'spike'), **kwargs):
    """Monitors of the dyn and the state neuron built from the same ``kwargs`` and run on ``inputs``.

    ``spk_fun=None``: exact spikes (dyn in its default mode); otherwise both use
    ``spk_fun`` (dyn in ``TrainingMode``, batch of one).
    """
    if spk_fun is None:
        dyn = izhi_dyn.Izhikevich(n, **kwargs)
        state = izhi_dyn.state.Izhikevich(n, spk_fun=None, **kwargs)
        return _numpy(run_dyn(dyn, inputs, dt, monitors)), _numpy(run_state(state, inputs, dt, None, monitors))
    dyn = izhi_dyn.Izhikevich(n, mode=bm.TrainingMode(1), spk_fun=spk_fun, **kwargs)
    state = izhi_dyn.state.Izhikevich(n, spk_fun=spk_fun, **kwargs)
    return (_numpy(run_dyn(dyn, inputs[:, None], dt, monitors)),
            _numpy(run_state(state, inputs[:, None], dt, 1, monitors)))


def _numpy(mon):
    return {m: np.asarray(v) for m, v in mon.items()}
