"""izhi_dyn.state.IzhikevichLayer against izhi_dyn.IzhikevichLayer, and trained with brainstate + optax.

The reference is the brainpy.dyn layer (tests/test_layer.py checks it against
its definition): from the same seed both layers hold the same weights, and
from the same inputs they give the same spikes, states and surrogate
gradients, bit for bit in float64 (one core: izhi_dyn.core.synapse and
izhi_dyn.core.neuron_update).
"""

import brainpy.math as bm
import brainstate
import braintools
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn
from izhi_dyn.state import IzhikevichLayer, make_train_step, run_sequence

optax = pytest.importorskip('optax')

N, K, B, DT, STEPS = 10, 3, 4, 0.5, 200
LAYER = dict(seed=7, wmean=1.0, wlim=3.0, bmean=0.0, blim=1.0)


def _inputs(rate=0.15, seed=3):
    rng = np.random.default_rng(seed)
    return jnp.asarray((rng.random((STEPS, B, K)) < rate).astype(np.float64))


def _pair(**kwargs):
    dyn = izhi_dyn.IzhikevichLayer(N, K, mode=bm.TrainingMode(B), spk_fun=bm.surrogate.InvSquareGrad(alpha=100.0),
                                   **LAYER, **kwargs)
    state = IzhikevichLayer(N, K, spk_fun=braintools.surrogate.InvSquareGrad(alpha=100.0), **LAYER, **kwargs)
    state.init_state(B)
    return dyn, state


def _count_loss(spikes):
    return jnp.mean((spikes.sum(axis=0) - 4.0) ** 2)


@pytest.mark.parametrize('spk_reset', ['hard', 'soft'])
def test_same_weights_spikes_states_and_gradients_as_the_dyn_layer(spk_reset, x64):
    dyn, state = _pair(spk_reset=spk_reset)
    np.testing.assert_array_equal(np.asarray(state.W.value), np.asarray(dyn.W.value))
    np.testing.assert_array_equal(np.asarray(state.bias.value), np.asarray(dyn.bias.value))
    x = _inputs()

    def dyn_loss():
        dyn.reset_state(B)
        spikes = izhi_dyn.run_sequence(dyn, x, dt=DT)
        return _count_loss(spikes), spikes

    def state_loss():
        state.reset_state(B)
        spikes = run_sequence(state, x, dt=DT)
        return _count_loss(spikes), spikes

    g_dyn, loss_dyn, s_dyn = bm.grad(dyn_loss, grad_vars={'W': dyn.W, 'bias': dyn.bias}, has_aux=True,
                                     return_value=True)()
    g_state, loss_state, s_state = brainstate.transform.grad(state_loss, grad_states=[state.W, state.bias],
                                                             has_aux=True, return_value=True)()
    s_dyn, s_state = np.asarray(s_dyn), np.asarray(s_state)
    assert 0.05 * s_dyn.size < s_dyn.sum() < 0.9 * s_dyn.size  # neither silent nor saturated
    np.testing.assert_array_equal(s_state, s_dyn)
    assert float(loss_state) == float(loss_dyn)
    np.testing.assert_array_equal(np.asarray(state.neuron.V.value.mantissa), np.asarray(dyn.neuron.V.value))
    np.testing.assert_array_equal(np.asarray(state.I.value.mantissa), np.asarray(dyn.I.value))
    for name, g in zip(('W', 'bias'), g_state):
        ref = np.asarray(g_dyn[name])
        assert np.count_nonzero(ref) > ref.size // 2, name  # the comparison is not vacuous
        np.testing.assert_allclose(np.asarray(g), ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_exact_spikes_equal_the_dyn_layer_in_batching_mode(x64):
    """spk_fun=None (brainstate's exact spikes) against the dyn layer outside training."""
    x = _inputs(seed=4)
    dyn = izhi_dyn.IzhikevichLayer(N, K, mode=bm.BatchingMode(B), **LAYER)
    state = IzhikevichLayer(N, K, spk_fun=None, **LAYER)
    state.init_state(B)
    expected = np.asarray(izhi_dyn.run_sequence(dyn, x, dt=DT))
    got = np.asarray(run_sequence(state, x, dt=DT))
    assert expected.sum() > 100
    np.testing.assert_array_equal(got, expected.astype(got.dtype))


def test_trained_neuron_parameter_has_the_dyn_layers_gradient(x64):
    """train_params: per-neuron ParamState (shared: scalar), same gradient as the dyn TrainVar."""
    x = _inputs(seed=5)
    for shared in (False, True):
        dyn, state = _pair(train_params=('d',), shared_params=shared, method='euler')
        assert isinstance(state.neuron.d, brainstate.ParamState)
        assert state.neuron.d.value.shape == (() if shared else (N,))

        def dyn_loss():
            dyn.reset_state(B)
            return _count_loss(izhi_dyn.run_sequence(dyn, x, dt=DT))

        def state_loss():
            state.reset_state(B)
            return _count_loss(run_sequence(state, x, dt=DT))

        ref = np.asarray(bm.grad(dyn_loss, grad_vars={'d': dyn.neuron.d})()['d'])
        got = np.asarray(brainstate.transform.grad(state_loss, grad_states=[state.neuron.d])()[0])
        assert np.all(ref != 0)
        np.testing.assert_allclose(got, ref, rtol=0, atol=1e-12 * np.abs(ref).max())


def test_synaptic_current_jumps_by_the_weight_and_decays_with_tau_syn(x64):
    """The definition, directly: one input spike at step 5 gives I = w exp(-(k - 5) dt / tau)."""
    w, tau = 4.0, 7.0
    W = np.zeros((N + K, N))
    W[N + 1, 2] = w
    layer = IzhikevichLayer(N, K, init_weights=W, init_bias=0.0, tau_syn=tau, spk_fun=None)
    layer.init_state()
    x = np.zeros((40, K))
    x[5, 1] = 1.0
    currents = []
    with brainstate.environ.context(dt=DT):
        for xt in x:
            layer(xt)
            currents.append(np.asarray(layer.I.value.mantissa))
    currents = np.array(currents)
    k = np.arange(40)
    np.testing.assert_allclose(currents[:, 2], np.where(k >= 5, w * np.exp(-(k - 5) * DT / tau), 0.0), rtol=1e-12)
    assert np.all(np.delete(currents, 2, axis=1) == 0)


def test_training_with_optax_reaches_target_spike_counts(x64):
    """Known answer: six regular-spiking neurons (c = -65, d = 8) without recurrence, one trainable
    input weight each, a constant input for 100 ms. The count grows with the weight in steps of one
    (3 spikes at w = 0.8, 2 at 0.5, 7 at 2.1), so the counts 2..7 are reachable and the loss can
    reach exactly 0; the trained weights must then come out in the targets' order. The mask makes
    the recurrent rows 0 with zero gradient, so they stay 0 under adam."""
    n, k = 6, 1
    target = jnp.arange(2.0, n + 2)
    mask = np.zeros((n + k, n))
    mask[n] = 1.0
    layer = IzhikevichLayer(n, k, wmask=mask, init_weights=np.full((n + k, n), 0.8), init_bias=0.0,
                            train_bias=False, c=-65.0, d=8.0)
    layer.init_state()
    drive = jnp.ones((STEPS, k))

    def loss_fun():
        layer.reset_state()
        counts = run_sequence(layer, drive, dt=DT).sum(axis=0)
        return jnp.mean((counts - target) ** 2), counts

    optimizer = optax.adam(0.05)
    step = make_train_step(loss_fun, [layer.W], optimizer)
    opt_state = optimizer.init([layer.W.value])
    losses = []
    for _ in range(300):
        opt_state, loss, counts = step(opt_state)
        losses.append(float(loss))
        if losses[-1] == 0:
            break
    assert losses[0] == pytest.approx(31 / 6)  # every neuron starts at 3 spikes
    assert losses[-1] == 0, (losses[-1], np.asarray(counts))
    np.testing.assert_array_equal(np.asarray(counts), np.asarray(target))
    W = np.asarray(layer.W.value)
    assert np.all(np.diff(W[n]) > 0)
    assert np.all(W[:n] == 0)


@pytest.mark.parametrize('kwargs, error, arg', [
    (dict(n_neurons=0), ValueError, 'n_neurons'),
    (dict(in_size=-1), ValueError, 'in_size'),
    (dict(tau_syn=0.0), ValueError, 'tau_syn'),
    (dict(tau_syn=np.ones(3)), ValueError, 'tau_syn'),
    (dict(wmask=np.full((N + K, N), 0.5)), ValueError, 'wmask'),
    (dict(init_weights=np.zeros((N, N))), ValueError, 'init_weights'),
    (dict(init_bias=np.zeros(3)), ValueError, 'init_bias'),
    (dict(fan_in_mode='cubic'), ValueError, 'fan_in_mode'),
    (dict(wlim=-1.0), ValueError, 'wlim'),
    (dict(train_params=['a', 'tau']), ValueError, 'train_params'),
    (dict(train_params=['a', 'a']), ValueError, 'train_params'),
    (dict(train_params=['d'], shared_params=True, d=np.arange(N, dtype=float)), ValueError, 'd: shared_params'),
    (dict(shared_params='yes'), TypeError, 'shared_params'),
    (dict(train_bias=1), TypeError, 'train_bias'),
    (dict(seed=-1), ValueError, 'seed'),
    (dict(name='not a name'), TypeError, 'name'),
    (dict(c=40.0), ValueError, 'c='),
])
def test_bad_arguments_name_the_argument(kwargs, error, arg):
    args = dict(n_neurons=N, in_size=K)
    args.update(kwargs)
    with pytest.raises(error, match=arg):
        IzhikevichLayer(args.pop('n_neurons'), args.pop('in_size'), **args)


def test_tau_syn_takes_a_quantity_and_rejects_another_unit():
    import brainunit as u

    layer = IzhikevichLayer(2, 1, tau_syn=5.0 * u.ms, seed=0)
    np.testing.assert_array_equal(np.asarray(layer.tau_syn), 5.0)
    with pytest.raises(ValueError, match='tau_syn'):
        IzhikevichLayer(2, 1, tau_syn=5.0 * u.mV, seed=0)


def test_wrong_input_shape_names_x():
    layer = IzhikevichLayer(2, 3, seed=0)
    layer.init_state()
    with brainstate.environ.context(dt=DT), pytest.raises(ValueError, match='x: input of shape'):
        layer(jnp.zeros(2))
