"""Time-to-first-spike coding: latency encoding, first-spike readouts (exact and on the grid) and the loss."""

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn


def test_latency_encode_is_the_affine_map():
    t = izhi_dyn.latency_encode(np.array([[0.0, 0.25], [1.0, 0.5]]), t_min=2.0, t_max=12.0)
    np.testing.assert_allclose(t, [[2.0, 4.5], [12.0, 7.0]], rtol=1e-6)
    np.testing.assert_allclose(izhi_dyn.latency_encode([-1.0, 1.0], t_min=0.0, t_max=4.0, lo=-1.0), [0.0, 4.0])
    with pytest.raises(ValueError, match='lo'):
        izhi_dyn.latency_encode([0.5], t_min=0.0, t_max=1.0, lo=1.0, hi=1.0)


def test_first_spike_times_and_prediction():
    times = jnp.array([[[3.0, 7.0], [jnp.inf, jnp.inf], [2.5, jnp.inf]]])
    first = izhi_dyn.first_spike_times(times, 20.0)
    np.testing.assert_allclose(first, [[3.0, 20.0, 2.5]])
    assert izhi_dyn.first_spike_prediction(first).tolist() == [2]
    g = jax.grad(lambda t: jnp.sum(izhi_dyn.first_spike_times(t, 20.0)))(times)
    np.testing.assert_array_equal(g[0, :, 0], [1.0, 0.0, 1.0])  # a silent neuron has no gradient


def test_grid_first_spike_times_reads_the_first_spike():
    spikes = np.zeros((6, 2, 3))
    spikes[2, 0, 0] = spikes[4, 0, 0] = 1.0
    spikes[5, 1, 2] = 1.0
    first = izhi_dyn.grid_first_spike_times(jnp.asarray(spikes), dt=0.5, t_max=9.0)
    np.testing.assert_allclose(first, [[1.0, 9.0, 9.0], [9.0, 9.0, 2.5]])
    # d t / d s_i: the time of step i minus the first-spike time it would mask (the product rule of the readout).
    g = jax.grad(lambda s: izhi_dyn.grid_first_spike_times(s, dt=0.5, t_max=9.0)[0, 0])(jnp.asarray(spikes))
    assert float(g[1, 0, 0]) == pytest.approx(0.5 - 1.0)  # a spike at step 1 would come before the one at 1.0 ms
    assert float(g[2, 0, 0]) == pytest.approx(1.0 - 2.0)  # removing the spike at step 2 leaves the one at 2.0 ms
    assert float(g[5, 0, 0]) == 0.0  # after the first spike nothing counts


def test_first_spike_cross_entropy_is_the_softmax_of_minus_t_over_tau():
    t = jnp.array([[5.0, 9.0, 7.0], [4.0, 4.0, 4.0]])
    labels = jnp.array([2, 0])
    logits = -np.asarray(t) / 2.0
    p = np.exp(logits) / np.exp(logits).sum(-1, keepdims=True)
    expected = -np.mean(np.log(p[[0, 1], [2, 0]]))
    assert float(izhi_dyn.first_spike_cross_entropy(t, labels, tau=2.0)) == pytest.approx(expected, rel=1e-6)
    g = jax.grad(lambda t: izhi_dyn.first_spike_cross_entropy(t, labels, tau=2.0))(t)
    assert float(g[0, 2]) > 0 and float(g[0, 0]) < 0  # the label fires later than it should, the winner earlier
