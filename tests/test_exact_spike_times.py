"""izhi_dyn.exact_spike_times against the float64 event-driven solve_ivp reference (issue 13).

Goals (issue 13, item 3): spike-time error <= 1e-3 ms at dt = 0.01 and
<= 0.1 ms at dt = 0.1 in coupled networks, no spike-count mismatch at
dt <= 0.05, gradient cosine >= 0.999 and relative error <= 2 % at dt = 0.1
against central finite differences of the reference. The asserted bounds are
the measured figures with a margin (measured on networks 0..4 of
``random_network``: see the slow test's table). The reference is
:func:`izhi_dyn.analysis.reference_spike_times`.
"""

import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sim import central_differences, cosine_and_relative_error

import izhi_dyn
from izhi_dyn.analysis import reference_spike_times



def random_network(seed, n=8, k=4, m=3, duration=100.0, w_rec=(-10.0, 2.0), w_in=(5.0, 20.0), bias=(-3.0, -1.0)):
    """A random coupled network like issue 13's: weights (n + k, n), input times (k, m), bias (n,)."""
    rng = np.random.default_rng(seed)
    W = np.concatenate([rng.uniform(*w_rec, (n, n)) * (1 - np.eye(n)), rng.uniform(*w_in, (k, n))])
    times = np.sort(rng.uniform(0.0, 0.6 * duration, (k, m)), axis=1)
    return W, times, rng.uniform(*bias, n)


ONE_NEURON = dict(weights=np.array([[0.0], [15.0]]), input_times=np.array([[1.2345, 20.77, 40.3]]), bias=3.0)


def _max_error(out, ref):
    """Max |spike-time error| over all neurons, and the number of neurons whose spike count differs."""
    err, mismatched = 0.0, 0
    for n, r in enumerate(ref):
        o = out[n][np.isfinite(out[n])]
        mismatched += len(o) != len(r)
        k = min(len(o), len(r))
        if k:
            err = max(err, float(np.max(np.abs(o[:k] - r[:k]))))
    return err, mismatched


def _run(W, times, bias, dt, duration=100.0, max_spikes=24):
    return np.asarray(izhi_dyn.exact_spike_times(jnp.asarray(W), jnp.asarray(times), duration=duration, dt=dt,
                                                 max_spikes=max_spikes, bias=jnp.asarray(bias)))


def _order(dts, errs):
    return float(np.polyfit(np.log(dts), np.log(errs), 1)[0])


def test_single_neuron_is_fourth_order(x64):
    # The reference at rtol = atol = 1e-12: the step's errors at dt = 0.025 are about 2e-9 ms.
    ref = reference_spike_times(duration=60.0, rtol=1e-12, atol=1e-12, **ONE_NEURON)
    dts = [0.1, 0.05, 0.025]
    errs = []
    for dt in dts:
        err, mismatched = _max_error(_run(ONE_NEURON['weights'], ONE_NEURON['input_times'], ONE_NEURON['bias'],
                                          dt, 60.0, 8), ref)
        assert mismatched == 0
        errs.append(err)
    assert len(ref[0]) == 6
    assert errs[0] < 1e-6  # measured 3.5e-7 ms at dt = 0.1 (9.5e-4 with the drive frozen at its mean)
    assert _order(dts, errs) > 3.3  # measured 3.68 (local error O(h^5); 2.1 with the drive frozen)


def test_coupled_network_meets_the_goals(x64):
    W, times, bias = random_network(1)
    ref = reference_spike_times(W, times, duration=100.0, bias=bias, rtol=1e-12, atol=1e-12)
    assert sum(len(r) for r in ref) >= 25
    dts = [0.1, 0.05, 0.01]
    errs = []
    for dt in dts:
        err, mismatched = _max_error(_run(W, times, bias, dt), ref)
        assert mismatched == 0, dt
        errs.append(err)
    assert errs[0] <= 1e-4  # goal 0.1 ms; measured 3.3e-5 ms
    assert errs[2] <= 1e-8  # goal 1e-3 ms; measured 3.2e-9 ms
    assert _order(dts, errs) > 3.5  # measured 4.0 (max over 34 spikes of a recurrent net)


@pytest.mark.slow
def test_random_networks_table(x64):
    """Spike-time error vs dt on five random networks (8 neurons, 4 inputs x 3 spikes, 100 ms)."""
    dts = [0.1, 0.05, 0.02, 0.01]
    rows = []
    for seed in range(5):
        W, times, bias = random_network(seed)
        ref = reference_spike_times(W, times, duration=100.0, bias=bias, rtol=1e-12, atol=1e-12)
        errs = []
        for dt in dts:
            err, mismatched = _max_error(_run(W, times, bias, dt), ref)
            assert mismatched == 0, (seed, dt)
            errs.append(err)
        rows.append((seed, sum(len(r) for r in ref), *errs, _order(dts, errs)))
        assert errs[0] <= 0.1 and errs[-1] <= 1e-3, (seed, errs)
    print('\nseed spikes ' + ' '.join(f'dt={dt:<7}' for dt in dts) + ' order')
    for row in rows:
        print(f'{row[0]:4d} {row[1]:6d} ' + ' '.join(f'{e:.2e}  ' for e in row[2:-1]) + f' {row[-1]:.2f}')


def _first_spike_loss(W, times, bias, outs, duration, dt):
    s = izhi_dyn.exact_spike_times(W, times, duration=duration, dt=dt, max_spikes=4, bias=bias)
    return sum(s[o, 0] for o in outs)


def _reference_loss(W, times, bias, outs, duration):
    sp = reference_spike_times(W, times, duration=duration, bias=bias, stop_after_first=outs)
    return sum(sp[o][0] for o in outs)


# ~40 s (about 130 float64 solve_ivp runs): CI's slow step. The default suite keeps the gradient path through
# the same core step: test_spike_existence_is_not_differentiated_and_losses here, and the exact layers'
# central differences in test_exact_layer.py.
@pytest.mark.slow
def test_gradients_through_spike_times_match_finite_differences(x64):
    """L = first-spike times of two neurons; gradient w.r.t. weights (recurrent and input), bias, input times."""
    W, times, bias = random_network(1)
    outs, duration = [7, 4], 42.0
    grads = jax.jit(jax.grad(_first_spike_loss, argnums=(0, 1, 2)), static_argnums=(3, 4, 5))(
        jnp.asarray(W), jnp.asarray(times), jnp.asarray(bias), tuple(outs), duration, 0.1)
    g_W, g_t, g_b = (np.asarray(g) for g in grads)
    rng = np.random.default_rng(0)
    # Every input row and a sample of recurrent weights into hidden neurons: the paths across synapses.
    entries = [(r, c) for r in range(8, 12) for c in range(8)] + [tuple(e) for e in rng.integers(0, 8, (12, 2))]
    fd_W = central_differences(lambda x: _reference_loss(x, times, bias, outs, duration + 5), W, entries)
    mask = np.zeros_like(W, bool)
    mask[tuple(np.array(entries).T)] = True
    cos, rel = cosine_and_relative_error(g_W[mask], fd_W[mask])
    assert cos >= 0.999 and rel <= 0.02, (cos, rel)  # measured 0.99999 / 0.2 %, all 96 weights
    assert np.count_nonzero(fd_W[8:]) > 10 and np.count_nonzero(g_W[8:]) > 10  # input block reached
    fd_t = central_differences(lambda x: _reference_loss(W, x, bias, outs, duration + 5), times,
                                list(np.ndindex(*times.shape)))
    cos, rel = cosine_and_relative_error(g_t, fd_t)
    assert cos >= 0.999 and rel <= 0.02, (cos, rel)
    fd_b = central_differences(lambda x: _reference_loss(W, times, x, outs, duration + 5), bias, range(8))
    cos, rel = cosine_and_relative_error(g_b, fd_b)
    assert cos >= 0.999 and rel <= 0.02, (cos, rel)


def test_spike_existence_is_not_differentiated_and_losses():
    """A silent neuron's (absent) spikes give exactly zero gradient, the surrogate penalty a non-zero one.

    Also: the current at ``duration`` is the exact decay of the input's jump, and
    the first-spike loss differentiates through the firing neuron only.
    """
    W = jnp.array([[0.0, 0.0], [0.0, 0.0], [30.0, 2.0]])  # the input drives neuron 0 to fire; neuron 1 stays silent
    t_in, T = 1.0, 30.0

    def losses(W):
        run = izhi_dyn.exact_spike_times(W, jnp.array([[t_in]]), duration=T, dt=0.1, max_spikes=3, V0=-70.0,
                                         full_output=True)
        masked_sum = jnp.sum(jnp.where(jnp.isfinite(run.times), run.times, 0.0))
        first = izhi_dyn.first_spike_loss(run.times, jnp.array([5.0, 5.0]), t_max=T)
        return jnp.stack([masked_sum, izhi_dyn.silent_neuron_penalty(run), first]), run

    g, run = jax.jacrev(losses, has_aux=True)(W)
    g = np.asarray(g)
    assert g.dtype == jnp.asarray(0.0).dtype and np.all(np.isfinite(g))  # the suite's precision (float32 or 64)
    assert np.isfinite(run.times[0, 0]) and np.all(np.isinf(run.times[1]))
    assert np.all(g[0][:, 1] == 0.0)  # the silent neuron's column: no pseudo-derivative
    assert g[0][2, 0] < 0.0  # a stronger input makes neuron 0 fire earlier
    # The penalty raises the silent neuron's input; the firing neuron's weights only move the in-step cut
    # points of neuron 1's integration (a discretisation-level effect).
    assert g[1][2, 1] < 0.0 and np.max(np.abs(g[1][:, 0])) < 1e-4 * abs(g[1][2, 1])
    assert np.all(g[2][:, 1] == 0.0) and g[2][2, 0] != 0.0
    np.testing.assert_allclose(run.I[1], 2.0 * np.exp(-(T - t_in) / 5.0), rtol=1e-5)
    assert float(run.V_peak[0]) == 30.0 and float(run.V_peak[1]) < 30.0
    np.testing.assert_array_equal(izhi_dyn.spike_times_until(jnp.array([[1.0, 3.0, np.inf]]), 2.0),
                                  [[1.0, np.inf, np.inf]])


def test_float32_jit_matches_float64_and_does_not_recompile():
    W, times, bias = random_network(0)
    traces = []

    @jax.jit
    def run(W, times, bias):
        traces.append(1)
        return izhi_dyn.exact_spike_times(W, times, duration=50.0, dt=0.1, max_spikes=12, bias=bias)

    args32 = [jnp.asarray(x, jnp.float32) for x in (W, times, bias)]
    out = run(*args32)
    run(*args32)
    assert out.dtype == jnp.float32 and len(traces) == 1
    ref = reference_spike_times(W, times, duration=50.0, bias=bias)
    err, mismatched = _max_error(np.asarray(out, np.float64), ref)
    assert mismatched == 0 and err < 0.05  # float32 rounding of t0 + t* at ~50 ms is ~4e-6 ms


def test_spike_lands_at_its_own_time_not_the_grid():
    """Moving an input spike inside one step moves the postsynaptic spike (a grid-bound synapse would not)."""
    run = jax.jit(lambda x: izhi_dyn.exact_spike_times(jnp.array([[0.0], [40.0]]), x, duration=10.0, dt=0.5,
                                                       max_spikes=1))
    t = [float(run(jnp.array([[x]]))[0, 0]) for x in (1.01, 1.21, 1.41)]
    assert np.all(np.isfinite(t))
    assert t[0] < t[1] < t[2]
    np.testing.assert_allclose(np.diff(t), 0.2, rtol=0.2)


@pytest.mark.slow
def test_parameter_gradients_match_finite_differences(x64):
    """d/d(a, b, c, d, tau_syn) of four spike times (hidden neuron 1's first three, neuron 7's first)."""
    W, times, bias = random_network(1)
    names = ('a', 'b', 'c', 'd', 'tau_syn')
    x = np.array([0.02, 0.2, -51.0, 2.0, 5.0])

    def loss(vals):
        s = izhi_dyn.exact_spike_times(W, times, duration=40.0, dt=0.1, max_spikes=4, bias=bias,
                                       **dict(zip(names, vals)))
        return s[1, 0] + s[1, 1] + s[1, 2] + s[7, 0]

    def reference(vals):
        sp = reference_spike_times(W, times, duration=45.0, bias=bias, **dict(zip(names, vals)))
        return sp[1][0] + sp[1][1] + sp[1][2] + sp[7][0]

    g = np.asarray(jax.grad(loss)(jnp.asarray(x)))
    fd = np.array([(reference(x + e) - reference(x - e)) / (2 * e[i])
                   for i, e in enumerate(np.diag(1e-6 * np.maximum(1.0, np.abs(x))))])
    np.testing.assert_allclose(g, fd, rtol=0.01)  # measured 0.03-0.3 % at dt = 0.1


def test_simultaneous_spikes_keep_each_neurons_own_gradient(x64):
    """Two identical neurons spike at the same instant: one's spike time is an edge of the
    other's step pieces, and its derivative must not leak there (it used to: 1.5 and 0.5 times
    the right value). Both gradients equal central differences."""
    W = jnp.full((3, 2), 12.0).at[:2].set(0.0)           # no recurrence: each neuron's loss is its own
    t_in = jnp.array([[1.0, 5.0, jnp.inf]])

    run = jax.jit(lambda W: izhi_dyn.exact_spike_times(W, t_in, duration=30.0, dt=0.1, max_spikes=3))

    def loss(W):  # the differences below reuse the one compiled forward run
        return izhi_dyn.first_spike_loss(run(W), jnp.array([8.0, 8.0]), t_max=30.0)

    first = run(W)[:, 0]
    assert first[0] == first[1]
    grad = np.asarray(jax.grad(loss)(W)[2])
    eps = 1e-5
    fd = np.array([(loss(W.at[2, n].add(eps)) - loss(W.at[2, n].add(-eps))) / (2 * eps) for n in range(2)])
    assert abs(fd[0]) > 0.1
    np.testing.assert_allclose(grad, fd, rtol=1e-3)
