"""Small drivers shared by the tests and ``benchmarks/accuracy.py``."""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import numpy as np

import izhi_dyn


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


def training_loss_and_grad(I, steps=300, dt=0.1, readout='spikes', **kwargs):
    """Value and d/dI of a loss on a one-neuron TrainingMode run with constant input ``I``.

    ``readout='spikes'``: the spike count; ``'V'``: the sum of V over the run.
    """
    import jax
    import jax.numpy as jnp

    def loss(I):
        neuron = izhi_dyn.Izhikevich(1, mode=bm.TrainingMode(1), **kwargs)

        def body(i):
            bp.share.save(t=i * dt, dt=dt, i=i)
            spike = neuron.update(jnp.broadcast_to(I, (1, 1)))
            return spike.sum() if readout == 'spikes' else neuron.V.value.sum()

        return bm.for_loop(body, jnp.arange(steps)).sum()

    return jax.value_and_grad(loss)(jnp.asarray(I, dtype=bm.float_))
