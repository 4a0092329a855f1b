"""Gradients through a synchronous burst against central differences of the float64 reference (issue 13).

A small all-to-all network started at V = c (1 mV below the saddle) answers its
first input spikes with a burst: 20 spikes in 25 ms, up to 5 inside
one 0.1 ms step, close enough to act on each other inside the step. This
tests the two limits of :func:`izhi_dyn.exact_spike_times`'s step: the events it keeps at
their own times (``splits`` + ``EXTRA_EVENTS``) and the causal chains it
resolves (``passes`` - 1). The sparse networks of ``test_exact_spike_times.py``
reach neither.
"""

import jax
import jax.numpy as jnp
import numpy as np
from sim import central_differences, cosine_and_relative_error

import izhi_dyn
from izhi_dyn.analysis import reference_spike_times

DURATION = 25.0


def burst_network(n=24, k=4, seed=1):
    """Weights (n + k, n) (recurrent U(-10, 2), inputs U(5, 20) mV/ms) and one spike per input in [0, 10) ms."""
    rng = np.random.default_rng(seed)
    W = np.concatenate([rng.uniform(-10.0, 2.0, (n, n)) * (1 - np.eye(n)), rng.uniform(5.0, 20.0, (k, n))])
    return W, np.sort(rng.uniform(0.0, 10.0, (k, 1)), axis=1)


def first_spike_gradient(W, times, passes=3, splits=2):
    """Gradient of the sum of all first-spike times (silent neurons 0) w.r.t. the weights, at dt = 0.1."""
    def loss(W):
        first = izhi_dyn.exact_spike_times(W, times, duration=DURATION, dt=0.1, max_spikes=1, passes=passes,
                                           splits=splits)[:, 0]
        return jnp.sum(jnp.where(jnp.isfinite(first), first, 0.0))

    return np.asarray(jax.jit(jax.grad(loss))(jnp.asarray(W, jnp.asarray(0.0).dtype)), np.float64)


def reference_loss(W, times):
    """The same loss on the float64 solve_ivp reference."""
    spikes = reference_spike_times(W, times, duration=DURATION, stop_after_first=range(W.shape[1]))
    return sum(s[0] for s in spikes if len(s))


# ~20 s on two loaded cores (compiling the run is most of it). It is the default suite's only check of the
# step on synchronous activity: 2 passes and 1 split were once the default and nothing else here caught them.
def test_burst_gradient_matches_central_differences():
    """Default step (3 passes, 2 splits): cosine >= 0.999 and relative error <= 2 % (issue 13's goal at dt 0.1),
    and within 0.2 %, which 2 passes and 1 split miss."""
    W, times = burst_network()
    spikes = np.concatenate(reference_spike_times(W, times, duration=DURATION))
    assert np.bincount((spikes / 0.1).astype(int)).max() >= 5  # a burst: 5 spikes in one step
    n = W.shape[1]
    entries = [(row, col) for row in range(n, W.shape[0]) for col in range(n)]  # the input block: through the burst
    index = tuple(np.array(entries).T)
    fd = central_differences(lambda W: reference_loss(W, times), W, entries, eps=1e-6)[index]
    cos, rel = cosine_and_relative_error(first_spike_gradient(W, times)[index], fd)
    assert cos >= 0.999 and rel <= 0.02, (cos, rel)  # issue 13's goal
    # measured 0.010 % (float32) and 0.0074 % (float64); 2 passes and 1 split: 1.06 %; the second-order step
    # (up to a4c303e): 0.50 %, with 2 passes and 1 split 5.4 %, with 2 events after the cuts 8.7 %
    assert rel <= 2e-3, rel
