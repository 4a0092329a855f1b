"""The 2007 form in the recurrent layers (model='2007'): finite-difference gradients, a few training steps,
the same spikes through both front-ends, and its arguments."""

import brainpy as bp
import brainpy.math as bm
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest
from sim import central_difference

import izhi_dyn
from izhi_dyn import CELL_CLASSES_2007
from izhi_dyn.state import IzhikevichLayer as StateLayer
from izhi_dyn.simulate import run_neuron
from izhi_dyn.state import run_sequence as run_state_sequence

DT = 0.25
RS = CELL_CLASSES_2007['RS'].neuron_kwargs()


def _inputs(steps, batch, K, rate, seed):
    rng = np.random.default_rng(seed)
    return jnp.asarray((rng.random((steps, batch, K)) < rate).astype(np.float32))


def test_subthreshold_gradients_match_finite_differences(x64):
    """d(sum V + sum u)/d(W, bias) of an RS layer (pA) with no spike, float64, against central differences."""
    N, K, steps = 3, 2, 80
    x = _inputs(steps, 1, K, rate=0.2, seed=5).astype(jnp.float64)
    layer = izhi_dyn.IzhikevichLayer(N, K, model='2007', mode=bm.TrainingMode(1), seed=2, wmean=20.0, wlim=10.0,
                                     bmean=10.0, blim=5.0, method='rk4', detach_spk=True, **RS)
    assert isinstance(layer.neuron, izhi_dyn.Izhikevich2007)
    variables = {'W': layer.W, 'bias': layer.bias}

    def loss():
        layer.reset_state(1)
        spikes = izhi_dyn.run_sequence(layer, x, dt=DT)
        return layer.neuron.V.value.sum() + layer.neuron.u.value.sum() + 0.0 * spikes.sum(), spikes.sum()

    grads, n_spikes = bm.grad(loss, grad_vars=variables, has_aux=True)()
    value = bm.jit(lambda: loss()[0])  # compiled once, read with each perturbed variable
    assert float(n_spikes) == 0.0  # below the peak all along
    for name, var in variables.items():
        for idx in [(N, 0), (N + 1, 2), (0, 1)] if name == 'W' else [(0,), (2,)]:
            fd = central_difference(value, var, idx)
            g = float(np.asarray(grads[name])[idx])
            assert abs(g - fd) <= 1e-5 * abs(fd), (name, idx, g, fd)
            assert fd != 0.0 or idx == (0, 1)  # a recurrent weight has no effect without spikes


def test_a_few_training_steps_decrease_a_spike_count_loss():
    """Surrogate gradients through the 2007 neurons' spikes and resets train the layer towards a spike count."""
    N, K, steps, target = 4, 2, 200, 6.0
    x = _inputs(steps, 4, K, rate=0.05, seed=1)
    layer = izhi_dyn.IzhikevichLayer(N, K, model='2007', mode=bm.TrainingMode(4), seed=0, wmean=30.0, wlim=10.0,
                                     bmean=60.0, blim=5.0, method='euler', **RS)

    def loss_fun(xs):
        layer.reset_state(4)
        spikes = izhi_dyn.run_sequence(layer, xs, dt=DT)
        counts = spikes.sum(axis=0)
        return jnp.mean((counts - target) ** 2), counts.mean()

    opt = bp.optim.Adam(lr=10.0, train_vars=layer.train_vars().unique())  # weights and bias in pA
    step = izhi_dyn.dyn.make_train_step(loss_fun, opt)
    losses, counts = zip(*[tuple(float(v) for v in step(x)) for _ in range(8)])
    assert 0 < counts[0] < counts[-1] < target  # the surrogate has spikes to act on; the count rises
    assert losses[-1] < 0.5 * losses[0], losses  # measured: 26.4 -> 9.7 in 8 steps


def test_state_layer_gives_the_dyn_layer_spikes(x64):
    N, K, steps = 4, 2, 300
    x = _inputs(steps, 2, K, rate=0.05, seed=3).astype(jnp.float64)
    kw = dict(model='2007', seed=4, wmean=40.0, wlim=20.0, bmean=55.0, blim=5.0, method='izhikevich2007',
              **CELL_CLASSES_2007['LTS'].neuron_kwargs())
    dyn = izhi_dyn.IzhikevichLayer(N, K, mode=bm.BatchingMode(2), **kw)
    state = StateLayer(N, K, spk_fun=None, **kw)
    np.testing.assert_array_equal(np.asarray(state.W.value), np.asarray(dyn.W.value))
    state.init_state(2)
    dyn_spikes = np.asarray(izhi_dyn.run_sequence(dyn, x, dt=DT))
    state_spikes = np.asarray(run_state_sequence(state, x, dt=DT))
    assert dyn_spikes.sum() >= 5
    np.testing.assert_array_equal(state_spikes.astype(bool), dyn_spikes.astype(bool))
    assert state.I.value.unit == u.pA  # the 2007 layer's synaptic current is in pA


@pytest.mark.parametrize('cls', [izhi_dyn.IzhikevichLayer, StateLayer])
@pytest.mark.parametrize('kwargs, arg', [
    (dict(model='2005'), 'model'), (dict(model='2007', V_th=30.0), 'V_th'),
    (dict(model='2007', train_params=['V_th']), 'train_params'), (dict(train_params=['v_peak']), 'train_params'),
    (dict(model='2007', g_d=1.2), 'g_d'), (dict(model='2007', g_d=1.2, a_d=0.01, method='rk4'), 'method'),
    (dict(g_d=1.2, a_d=0.01), 'g_d'),
])
def test_bad_layer_form_arguments_are_named(cls, kwargs, arg):
    with pytest.raises((ValueError, TypeError), match=arg):
        cls(3, 1, **kwargs)


def test_2007_parameters_can_be_learned(x64):
    layer = izhi_dyn.IzhikevichLayer(3, 1, model='2007', mode=bm.TrainingMode(1), train_params=('v_peak', 'C'),
                                     **RS)
    assert isinstance(layer.neuron.v_peak, bm.TrainVar) and isinstance(layer.neuron.C, bm.TrainVar)
    np.testing.assert_array_equal(np.asarray(layer.neuron.C.value), [100.0] * 3)


# -- the LS cell's dendritic compartment in the layers (g_d, a_d through **neuron_kwargs) -----------

LS = CELL_CLASSES_2007['LS'].neuron_kwargs()
NO_DENDRITE = {**LS, 'g_d': None, 'a_d': None}


def _ls_layer_run(front, N, K, x, **kw):
    """Spikes of an LS layer (exact spikes, batch 1) and the current each neuron received (I + bias, pA)."""
    args = dict(model='2007', seed=6, wmean=60.0, wlim=30.0, bmean=120.0, blim=10.0, method='izhikevich2007',
                **LS, **kw)
    if front == 'dyn':
        layer = izhi_dyn.IzhikevichLayer(N, K, mode=bm.BatchingMode(1), **args)

        def body(i, xi):
            bp.share.save(t=i * DT, dt=DT, i=i)
            spike = layer.update(xi)
            return spike, layer.I.value + jnp.broadcast_to(layer.bias.value, layer.I.shape)

        spikes, current = bm.for_loop(body, (jnp.arange(x.shape[0]), x))
    else:
        layer = StateLayer(N, K, spk_fun=None, **args)
        layer.init_state(1)

        def step(xi):
            spike = layer.update(xi)
            I = layer.I.value.to_decimal(u.pA)
            return spike, I + jnp.broadcast_to(layer.bias.value, I.shape)

        spikes, current = run_state_sequence(step, x, dt=DT)
    assert layer.neuron.V_d.value.shape == (1, N)  # the compartment is there, per neuron and batch
    return np.asarray(spikes, bool)[:, 0], np.asarray(current)[:, 0]


@pytest.mark.parametrize('front', ['dyn', 'state'])
def test_ls_layer_gives_the_neurons_spikes_with_their_dendrite(front, x64):
    """A layer of LS neurons (g_d, a_d) fires as izhi_dyn.Izhikevich2007 with the same dendrite fed the
    layer's own current (synapse + bias, recurrent spikes included); without the dendrite the same current
    gives other spikes (the layer's neurons do carry it)."""
    N, K, steps = 4, 2, 2000
    x = _inputs(steps, 1, K, rate=0.03, seed=7).astype(jnp.float64)
    spikes, current = _ls_layer_run(front, N, K, x)
    neuron = run_neuron(current, DT, ('spike',), model='2007', method='izhikevich2007', **LS)
    alone = run_neuron(current, DT, ('spike',), model='2007', method='izhikevich2007',
                                         **NO_DENDRITE)
    assert spikes.sum() >= 10 and spikes[:, :].any(axis=0).sum() >= 2
    np.testing.assert_array_equal(spikes, neuron['spike'].astype(bool))
    assert not np.array_equal(spikes, alone['spike'].astype(bool))


def test_ls_layer_gradients_match_finite_differences(x64):
    """d(sum V + sum u + sum V_d)/d(W, bias, C) of an LS layer with no spike, float64, against central
    differences: the gradient runs through the dendrite (it differs from the same layer's without one)."""
    N, K, steps = 3, 2, 160
    x = _inputs(steps, 1, K, rate=0.2, seed=5).astype(jnp.float64)

    def build(kwargs):
        layer = izhi_dyn.IzhikevichLayer(N, K, model='2007', mode=bm.TrainingMode(1), seed=2, wmean=8.0,
                                         wlim=4.0, bmean=30.0, blim=5.0, method='euler', detach_spk=True,
                                         train_params=('C',), **kwargs)
        variables = {'W': layer.W, 'bias': layer.bias, 'C': layer.neuron.C}

        def loss():
            layer.reset_state(1)
            spikes = izhi_dyn.run_sequence(layer, x, dt=DT)
            n = layer.neuron
            V_d = n.V_d.value.sum() if hasattr(n, 'V_d') else 0.0
            return n.V.value.sum() + n.u.value.sum() + V_d + 0.0 * spikes.sum(), spikes.sum()

        return variables, loss

    variables, loss = build(LS)
    grads, n_spikes = bm.grad(loss, grad_vars=variables, has_aux=True)()
    assert float(n_spikes) == 0.0  # below the peak all along
    value = bm.jit(lambda: loss()[0])
    for name, var in variables.items():
        for idx in [(N, 0), (N + 1, 2)] if name == 'W' else [(0,), (2,)]:
            fd = central_difference(value, var, idx)
            g = float(np.asarray(grads[name])[idx])
            assert fd != 0.0 and abs(g - fd) <= 1e-5 * abs(fd), (name, idx, g, fd)
    variables0, loss0 = build(NO_DENDRITE)
    grads0, _ = bm.grad(loss0, grad_vars=variables0, has_aux=True)()
    assert not np.allclose(np.asarray(grads0['W']), np.asarray(grads['W']), rtol=1e-3)
