"""IzhikevichLayer: synapse, weights, mask, initialisation, modes, brainpy integration, gradients."""

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from sim import central_difference

import izhi_dyn
from izhi_dyn.dyn.layer import init_weights_and_bias

DT = 0.5


def _inputs(steps, batch, K, rate=0.1, seed=0):
    rng = np.random.default_rng(seed)
    shape = (steps, K) if batch is None else (steps, batch, K)
    return jnp.asarray((rng.random(shape) < rate).astype(np.float32))


def test_synaptic_current_jumps_by_the_weight_and_decays_with_tau_syn():
    N, K, w, tau = 3, 2, 4.0, 7.0
    W = np.zeros((N + K, N))
    W[N + 1, 2] = w  # input 1 -> neuron 2
    layer = izhi_dyn.IzhikevichLayer(N, K, init_weights=W, init_bias=0.0, tau_syn=tau)
    x = np.zeros((40, K), np.float32)
    x[5, 1] = 1.0
    Is = []
    for i in range(40):
        bp.share.save(t=i * DT, dt=DT, i=i)
        layer.update(jnp.asarray(x[i]))
        Is.append(np.asarray(layer.I.value))
    Is = np.array(Is)
    expected = np.where(np.arange(40) >= 5, w * np.exp(-(np.arange(40) - 5) * DT / tau), 0.0)
    np.testing.assert_allclose(Is[:, 2], expected, rtol=1e-5, atol=1e-6)
    assert np.all(Is[:, :2] == 0)


def test_recurrent_spike_reaches_its_target_one_step_later():
    N, K = 2, 1
    W = np.zeros((N + K, N))
    W[N, 0] = 500.0  # the input drives neuron 0 over threshold at once
    W[0, 1] = 3.0  # neuron 0 -> neuron 1
    layer = izhi_dyn.IzhikevichLayer(N, K, init_weights=W, init_bias=0.0, tau_syn=1e6)
    spikes, I1 = [], []
    for i in range(10):
        bp.share.save(t=i * DT, dt=DT, i=i)
        s = layer.update(jnp.asarray([1.0 if i == 0 else 0.0]))
        spikes.append(np.asarray(s))
        I1.append(float(layer.I.value[1]))
    first = int(np.flatnonzero(np.array(spikes)[:, 0])[0])
    assert I1[first] == 0.0
    np.testing.assert_allclose(I1[first + 1], 3.0, rtol=1e-6)


def test_weight_init_mean_half_range_and_fan_in_scaling():
    N, K = 5, 3
    mask = np.ones((N + K, N))
    mask[:, 0] = 0
    mask[:4, 1] = 0  # neuron 1 has 4 inputs
    key = jax.random.PRNGKey(0)
    W, _ = init_weights_and_bias(key, N, K, wmean=2.0)
    assert W.shape == (N + K, N) and np.all(np.asarray(W) == 2.0)
    W, bias = init_weights_and_bias(key, N, K, wmean=1.0, wlim=0.5, bmean=3.0, blim=0.25)
    assert np.all(np.abs(np.asarray(W) - 1.0) <= 0.5) and np.std(np.asarray(W)) > 0.1
    assert np.all(np.abs(np.asarray(bias) - 3.0) <= 0.25) and np.std(np.asarray(bias)) > 0
    for mode, scale in (('sqrt', np.sqrt), ('linear', lambda f: f)):
        W, _ = init_weights_and_bias(key, N, K, wmean=1.0, mask=jnp.asarray(mask), fan_in_mode=mode)
        np.testing.assert_allclose(np.asarray(W)[0, 1], 1.0 / scale(4.0), rtol=1e-6)
        np.testing.assert_allclose(np.asarray(W)[0, 2], 1.0 / scale(8.0), rtol=1e-6)
    with pytest.raises(ValueError, match='fan_in_mode'):
        init_weights_and_bias(key, N, K, fan_in_mode='cubic')
    with pytest.raises(ValueError, match='init_weights'):
        init_weights_and_bias(key, N, K, init_weights=np.zeros((N, N)))


def test_mask_zeroes_weights_and_their_gradients():
    N, K = 4, 2
    mask = np.ones((N + K, N))
    mask[np.arange(N), np.arange(N)] = 0  # no autapses
    mask[N, :2] = 0
    layer = izhi_dyn.IzhikevichLayer(N, K, wmask=mask, wmean=20.0, wlim=10.0, seed=1, bmean=5.0,
                                     mode=bm.TrainingMode(2), spk_fun=bm.surrogate.InvSquareGrad(alpha=1.0))
    assert np.all(np.asarray(layer.weights)[mask == 0] == 0)
    x = _inputs(60, 2, K, rate=0.3)

    def loss():
        layer.reset_state(2)
        return izhi_dyn.run_sequence(layer, x, dt=DT).sum()

    grads = bm.grad(loss, grad_vars={'W': layer.W})()
    g = np.asarray(grads['W'])
    assert np.all(np.isfinite(g))
    assert np.all(g[mask == 0] == 0)
    assert np.count_nonzero(g[mask == 1]) > 0
    with pytest.raises(ValueError, match='wmask'):
        izhi_dyn.IzhikevichLayer(N, K, wmask=np.full((N + K, N), 0.5))


def test_reset_state_gives_V_c_u_bc_I_zero():
    layer = izhi_dyn.IzhikevichLayer(3, 1, c=-60.0, b=0.25, wmean=30.0, mode=bm.BatchingMode(2))
    izhi_dyn.run_sequence(layer, _inputs(20, 2, 1, rate=0.5), dt=DT)
    assert np.any(np.asarray(layer.I.value) != 0)
    layer.reset_state(2)
    np.testing.assert_array_equal(np.asarray(layer.neuron.V.value), -60.0)
    np.testing.assert_allclose(np.asarray(layer.neuron.u.value), -15.0)
    np.testing.assert_array_equal(np.asarray(layer.I.value), 0.0)


@pytest.mark.parametrize('reset', ['hard', 'soft'])
def test_same_definition_gives_same_spikes_in_every_mode(reset):
    """Only the mode changes; with a very sharp surrogate, training mode reproduces the exact spikes."""
    N, K, B = 10, 3, 4
    x = _inputs(200, B, K, rate=0.15, seed=3)

    def build(mode):
        return izhi_dyn.IzhikevichLayer(N, K, mode=mode, seed=7, wmean=8.0, wlim=12.0, bmean=2.0, blim=2.0,
                                        spk_reset=reset, spk_fun=bm.surrogate.Sigmoid(alpha=1e4))

    batched = np.asarray(izhi_dyn.run_sequence(build(bm.BatchingMode(B)), x, dt=DT))
    training = np.asarray(izhi_dyn.run_sequence(build(bm.TrainingMode(B)), x, dt=DT))
    single = np.asarray(izhi_dyn.run_sequence(build(bm.NonBatchingMode()), x[:, 1], dt=DT))
    assert batched.dtype == bool and training.dtype == bm.float_
    assert batched.sum() > 50  # the comparison is not vacuous
    np.testing.assert_array_equal(training, batched.astype(training.dtype))
    np.testing.assert_array_equal(single, batched[:, 1])


def test_layer_runs_inside_a_brainpy_network_with_DSRunner():
    N, K = 6, 2

    class Net(bp.DynSysGroup):
        def __init__(self):
            super().__init__()
            self.inp = bp.dyn.PoissonGroup(K, freqs=200.0)
            self.layer = izhi_dyn.IzhikevichLayer(N, K, wmean=40.0, seed=0)

        def update(self):
            return self.layer(jnp.asarray(self.inp(), dtype=bm.float_))

    net = Net()
    runner = bp.DSRunner(net, monitors={'spike': net.layer.spike, 'I': net.layer.I}, progress_bar=False, dt=DT)
    runner.run(100.0)
    spikes, I = np.asarray(runner.mon['spike']), np.asarray(runner.mon['I'])
    assert spikes.shape == (200, N) and I.shape == (200, N)
    assert spikes.sum() > 0 and np.all(I >= 0)


def test_train_bias_false_keeps_the_bias_out_of_train_vars():
    trained = izhi_dyn.IzhikevichLayer(3, 1, mode=bm.TrainingMode(1))
    fixed = izhi_dyn.IzhikevichLayer(3, 1, mode=bm.TrainingMode(1), train_bias=False)
    assert any(v is trained.bias for v in trained.train_vars().unique().values())
    assert len(fixed.train_vars().unique()) == 1  # W only


def test_layer_subthreshold_gradients_match_finite_differences(x64):
    """d(sum V)/d(W, bias, tau-free input) with no spike, in float64, against central differences."""
    N, K, steps = 3, 2, 60
    x = _inputs(steps, 1, K, rate=0.2, seed=5).astype(jnp.float64)
    layer = izhi_dyn.IzhikevichLayer(N, K, mode=bm.TrainingMode(1), seed=2, wmean=0.5, wlim=0.5, bmean=0.5,
                                     blim=0.25, method='rk4', detach_spk=True, c=-65.0)
    variables = {'W': layer.W, 'bias': layer.bias}

    def loss():
        layer.reset_state(1)
        spikes = izhi_dyn.run_sequence(layer, x, dt=DT)
        return layer.neuron.V.value.sum() + layer.neuron.u.value.sum() + 0.0 * spikes.sum()

    def trajectory():
        layer.reset_state(1)

        def body(i, xt):
            bp.share.save(t=i * DT, dt=DT, i=i)
            layer.update(xt)
            return layer.neuron.V.value

        return np.asarray(bm.for_loop(body, (jnp.arange(steps), x)))

    assert trajectory().max() < -45  # subthreshold all along
    grads = bm.grad(loss, grad_vars=variables)()
    value = bm.jit(loss)  # compiled once, read with each perturbed variable
    for name, var in variables.items():
        for idx in [(N, 0), (N + 1, 2), (0, 1)] if name == 'W' else [(0,), (2,)]:
            fd = central_difference(value, var, idx, rel_step=1e-5)
            g = float(np.asarray(grads[name])[idx])
            assert abs(g - fd) <= 1e-5 * abs(fd), (name, idx, g, fd)


# -- learnable neuron parameters: train_params, shared_params ------------------------
def _learnable_layer(name, shared):
    return izhi_dyn.IzhikevichLayer(4, 2, mode=bm.TrainingMode(2), seed=3, wmean=10.0, wlim=5.0, bmean=4.0,
                                    train_params=(name,), shared_params=shared, method='euler')


@pytest.mark.parametrize('name', izhi_dyn.dyn.training.TRAINABLE_PARAMS)
def test_train_params_learns_that_parameter_per_neuron_or_shared(name, x64):
    """Per neuron: a TrainVar of shape (N,); shared: one of shape (), and the
    same run, so its gradient is the sum of the per-neuron gradients (chain
    rule through the broadcast). In float64 the two reductions differ only in
    summation order: a relative error of about (steps + B N) eps = 6e-14 of
    the summed magnitudes, asserted with margin as 1e-10.
    """
    x = _inputs(40, 2, 2, rate=0.3, seed=4).astype(jnp.float64)
    grads, spike_counts = {}, {}
    for shared in (False, True):
        layer = _learnable_layer(name, shared)
        var = getattr(layer.neuron, name)
        assert isinstance(var, bm.TrainVar) and var.shape == (() if shared else (4,))
        assert any(v is var for v in layer.train_vars().unique().values())
        others = set(izhi_dyn.dyn.training.TRAINABLE_PARAMS) - {name}
        assert not any(isinstance(getattr(layer.neuron, p), bm.Variable) for p in others)

        def loss():
            layer.reset_state(2)
            spikes = izhi_dyn.run_sequence(layer, x, dt=DT)
            return spikes.sum() + 0.01 * layer.neuron.V.value.sum(), spikes.sum()

        grad, spike_counts[shared] = bm.grad(loss, grad_vars={name: var}, has_aux=True)()
        grads[shared] = np.asarray(grad[name])
    assert spike_counts[False] == spike_counts[True] > 0  # same dynamics either way
    per_neuron, shared = grads[False], grads[True]
    assert np.count_nonzero(per_neuron) > 1 and np.ptp(per_neuron) > 0  # one gradient per neuron
    assert abs(shared - per_neuron.sum()) <= 1e-10 * np.abs(per_neuron).sum()


@pytest.mark.parametrize('kwargs, error, arg', [
    (dict(train_params='a'), TypeError, 'train_params'),
    (dict(train_params=['a', 'tau']), ValueError, 'train_params'),
    (dict(train_params=['a', 'a']), ValueError, 'train_params'),
    (dict(train_params=['a'], shared_params='yes'), TypeError, 'shared_params'),
    (dict(train_bias=1), TypeError, 'train_bias'),
])
def test_bad_learnable_options_raise_naming_the_argument(kwargs, error, arg):
    with pytest.raises(error, match=arg):
        izhi_dyn.IzhikevichLayer(3, 1, mode=bm.TrainingMode(1), **kwargs)
