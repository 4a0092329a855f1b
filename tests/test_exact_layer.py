"""The layers' ``timing='exact'`` (both front-ends) against :func:`izhi_dyn.exact_spike_times` and finite differences.

The exact layer and :func:`izhi_dyn.exact_spike_times` share the core step, so
their spike times agree to rounding; the gradient of a first-spike loss taken
through the layer is checked against central differences of the layer's own
forward run (float64), on a path that crosses a recurrent synapse.
"""

import brainpy.math as bm
import brainstate
import jax.numpy as jnp
import numpy as np
import pytest
from sim import central_differences

import izhi_dyn
import izhi_dyn.state as st
from izhi_dyn.core.exact import event_step
from izhi_dyn.exact_native import native_event_step, native_exact_unsupported

N, K, DT, STEPS = 3, 2, 0.1, 80
W = np.array([[0.0, 6.0, 0.0],
              [0.0, 0.0, 5.0],
              [0.0, 0.0, 0.0],
              [14.0, 2.0, 1.0],
              [9.0, 1.5, 3.0]])  # neuron 0 -> 1 -> 2; both inputs reach every neuron
INPUT_TIMES = np.array([[1.234, 12.3456], [4.05, 19.999]])


def step_inputs(input_times, dt=DT, steps=STEPS):
    """In-step input times per grid step ``(steps, K)``, ``+inf`` where an input is silent."""
    x = np.full((steps, input_times.shape[0]), np.inf)
    for k, row in enumerate(input_times):
        for t in row[row < steps * dt]:
            i = int(np.floor(t / dt))
            x[i, k] = t - i * dt
    return x


def absolute_times(out, dt=DT):
    """Spike times ``(N, max)`` (sorted, ``+inf``-padded) from the layer's in-step outputs ``(T, N)``."""
    out = np.asarray(out)
    t = np.arange(out.shape[0])[:, None] * dt + out
    times = [np.sort(t[np.isfinite(t[:, n]), n]) for n in range(out.shape[1])]
    width = max(len(x) for x in times)
    return np.array([np.pad(x, (0, width - len(x)), constant_values=np.inf) for x in times])


def dyn_layer(W, kernel='auto'):
    return izhi_dyn.IzhikevichLayer(N, K, init_weights=W, init_bias=1.0, timing='exact', kernel=kernel,
                                    mode=bm.BatchingMode(1))


def run_dyn(layer, x):
    layer.reset_state(1)
    return izhi_dyn.run_sequence(layer, jnp.asarray(x)[:, None, :], dt=DT)[:, 0]


def run_state(layer, x):
    layer.reset_state()
    return st.run_sequence(layer, jnp.asarray(x), dt=DT)


def reference(W):
    return np.asarray(izhi_dyn.exact_spike_times(jnp.asarray(W), jnp.asarray(INPUT_TIMES), duration=STEPS * DT,
                                                 dt=DT, max_spikes=6, bias=1.0))


@pytest.mark.parametrize('kernel', ['auto', 'jax'])
@pytest.mark.parametrize('frontend', ['dyn', 'state'])
def test_exact_layer_gives_the_spike_times_of_exact_spike_times(frontend, kernel, x64):
    """With either step (the native one where built, by 'auto'; the pure-JAX one), against
    :func:`izhi_dyn.exact_spike_times` with its default step."""
    x = step_inputs(INPUT_TIMES)
    if frontend == 'dyn':
        out = run_dyn(dyn_layer(W, kernel), x)
    else:
        layer = st.IzhikevichLayer(N, K, init_weights=W, init_bias=1.0, timing='exact', kernel=kernel)
        layer.init_state()
        out = run_state(layer, x)
    got, ref = absolute_times(out), reference(W)
    assert np.all(np.isfinite(got[:, 0]))  # every neuron fires, neuron 2 only through the chain 0 -> 1 -> 2
    n = got.shape[1]
    assert np.all(~np.isfinite(ref[:, n:]))
    np.testing.assert_allclose(got, ref[:, :n], rtol=0, atol=1e-9)
    # the in-step times are off the grid
    assert np.all(np.abs(got[np.isfinite(got)] / DT - np.round(got[np.isfinite(got)] / DT)) > 1e-6)


def test_dyn_exact_layer_under_a_dsrunner_gives_the_spike_times_of_exact_spike_times(x64):
    """The way to a long run (the state only, what the monitors record): the layer stepped by a
    ``DSRunner``, its ``spike_time`` monitored, against :func:`izhi_dyn.exact_spike_times`."""
    import brainpy as bp

    layer = izhi_dyn.IzhikevichLayer(N, K, init_weights=W, init_bias=1.0, timing='exact')
    runner = bp.DSRunner(layer, monitors={'spike_time': layer.spike_time}, dt=DT, progress_bar=False)
    out = runner.run(inputs=jnp.asarray(step_inputs(INPUT_TIMES), bm.float_))
    np.testing.assert_array_equal(runner.mon['spike_time'], out)
    got, ref = absolute_times(out), reference(W)
    n = got.shape[1]
    assert n >= 2 and np.all(~np.isfinite(ref[:, n:]))
    np.testing.assert_allclose(got, ref[:, :n], rtol=0, atol=1e-9)


def _first_spike(out, n):
    t = jnp.arange(out.shape[0]) * DT + out[:, n]
    return jnp.min(jnp.where(jnp.isfinite(t), t, jnp.inf))


# Neuron 2's first spike (3.99 ms) comes before input 1's first (4.05 ms): its gradient reaches input 0's
# weights and the recurrent weights 0 -> 1, 0 -> 2 and 1 -> 2 (across synapses, through spike times).
ENTRIES = [(3, 2), (1, 2), (0, 2), (3, 1), (0, 1), (3, 0)]


def _finite_differences(loss):
    return central_differences(loss, W, ENTRIES)[tuple(np.array(ENTRIES).T)]


def test_dyn_exact_layer_gradient_matches_finite_differences(x64):
    x = jnp.asarray(step_inputs(INPUT_TIMES))[:, None, :]
    layer = dyn_layer(W)

    def loss():
        layer.reset_state(1)
        return _first_spike(izhi_dyn.run_sequence(layer, x, dt=DT)[:, 0], 2)

    grad = np.asarray(bm.grad(loss, grad_vars=layer.W)())
    forward = bm.jit(loss)  # compiled once for the 12 runs of the differences (W is read as a variable)

    def loss_at(w):
        layer.W.value = jnp.asarray(w)
        return float(forward())

    fd = _finite_differences(loss_at)
    got = np.array([grad[idx] for idx in ENTRIES])
    assert np.all(np.abs(fd) > 1e-3)  # every entry moves the spike, the recurrent ones across synapses
    # The crossing's derivative takes the continuous model's slope dV/dt at threshold, not that of the
    # second-order flow the forward run solves, hence not the last digits (measured: 3.4e-4 relative).
    np.testing.assert_allclose(got, fd, rtol=1e-3)


def test_state_exact_layer_gradient_matches_finite_differences(x64):
    x = jnp.asarray(step_inputs(INPUT_TIMES))
    layer = st.IzhikevichLayer(N, K, init_weights=W, init_bias=1.0, timing='exact')
    layer.init_state()

    def loss():
        return _first_spike(run_state(layer, x), 2)

    grad = np.asarray(brainstate.transform.grad(loss, grad_states=[layer.W])()[0])
    forward = brainstate.transform.jit(loss)  # compiled once for the 12 runs of the differences

    def loss_at(w):
        layer.W.value = jnp.asarray(w)
        return float(forward())

    fd = _finite_differences(loss_at)
    got = np.array([grad[idx] for idx in ENTRIES])
    assert np.all(np.abs(fd) > 1e-3)
    np.testing.assert_allclose(got, fd, rtol=1e-3)


@pytest.mark.parametrize('cls', [izhi_dyn.IzhikevichLayer, st.IzhikevichLayer])
def test_timing_is_checked_once_at_construction(cls):
    with pytest.raises(ValueError, match='timing'):
        cls(2, 1, timing='event')
    with pytest.raises(ValueError, match="timing='exact'.*tau_ref"):
        cls(2, 1, timing='exact', tau_ref=2.0)
    with pytest.raises(ValueError, match="model='2007'"):
        cls(2, 1, timing='exact', model='2007')
    assert cls(2, 1, timing='exact', p1=0.04).timing == 'exact'
    with pytest.raises(ValueError, match="kernel must be one of"):
        cls(2, 1, timing='exact', kernel='fast')
    with pytest.raises(ValueError, match="kernel='jax' chooses the step of timing='exact'"):
        cls(2, 1, kernel='jax')


@pytest.mark.skipif(native_exact_unsupported() is not None, reason='the native exact step is not built here')
@pytest.mark.parametrize('cls', [izhi_dyn.IzhikevichLayer, st.IzhikevichLayer])
def test_exact_layer_runs_the_native_step_where_it_is_built(cls):
    assert cls(2, 1, timing='exact')._event_step is native_event_step
    assert cls(2, 1, timing='exact', kernel='jax')._event_step is event_step


@pytest.mark.parametrize('frontend', ['dyn', 'state'])
def test_exact_layer_counts_the_steps_that_may_lose_spikes(frontend):
    """A neuron driven by a bias of 200 fires every 0.52 ms: at dt = 2 ms its flow passes the pole about
    four times a step, and every step is counted in ``overrun``; at dt = 0.1 ms none is."""
    counts = []
    for dt in (0.1, 2.0):
        x = np.full((10, 1), np.inf)
        if frontend == 'dyn':
            layer = izhi_dyn.IzhikevichLayer(1, 1, init_weights=np.zeros((2, 1)), init_bias=200.0, timing='exact',
                                             mode=bm.BatchingMode(1))
            layer.reset_state(1)
            izhi_dyn.run_sequence(layer, jnp.asarray(x)[:, None, :], dt=dt)
            counts.append(int(layer.overrun.value[0, 0]))
        else:
            layer = st.IzhikevichLayer(1, 1, init_weights=np.zeros((2, 1)), init_bias=200.0, timing='exact')
            layer.init_state()
            st.run_sequence(layer, jnp.asarray(x), dt=dt)
            counts.append(int(layer.overrun.value[0]))
    assert counts == [0, 10]
