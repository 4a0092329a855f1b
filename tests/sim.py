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
