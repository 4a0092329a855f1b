"""izhi_dyn.state.Izhikevich2007 against izhi_dyn.Izhikevich2007: the same core, the same numbers.

Every 2007 preset gives the same spikes, and V and u to the last bits, through
both front-ends in float64; units are checked at the door.
"""

import brainstate
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

from izhi_dyn import CELL_CLASSES_2007, PRESETS_2007
from izhi_dyn.state import Izhikevich2007
from sim import book_presets


@pytest.fixture(scope='module')
def both():
    return book_presets('float64'), book_presets('float64', frontend='state')


@pytest.mark.parametrize('key', PRESETS_2007)
def test_same_V_u_and_spikes(both, key):
    dyn, state = both[0][key], both[1][key]
    np.testing.assert_array_equal(state.spike_times, dyn.spike_times)
    # XLA may fuse the u-dependent reset c + rho_u u differently in the two graphs: last-bit differences.
    np.testing.assert_allclose(state.V, dyn.V, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(state.u, dyn.u, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize('kwargs, arg', [
    ({'C': 100 * u.mV}, 'C='), ({'k': -0.7}, 'k='), ({'v_t': -70.0}, 'v_t='), ({'c': 50 * u.mV}, 'c='),
    ({'d': 100 * u.mV}, 'd='), ({'nullcline': 'x'}, 'nullcline'), ({'method': 'riccati'}, 'method='),
    ({'u_max': 3 * u.mV}, 'u_max'),
])
def test_bad_arguments_name_the_argument(kwargs, arg):
    with pytest.raises((ValueError, TypeError), match=arg):
        Izhikevich2007(2, **kwargs)


def test_quantities_equal_plain_numbers(x64):
    cls = CELL_CLASSES_2007['LTS']
    plain = Izhikevich2007(1, **cls.neuron_kwargs(), spk_fun=None, method='izhikevich2007')
    q = Izhikevich2007(1, C=0.1 * u.nF, k=1 * u.nS / u.mV, v_r=-56 * u.mV, v_t=-42 * u.mV, v_peak=40 * u.mV,
                       a=0.03 / u.ms, b=8 * u.nS, c=-53 * u.mV, d=20 * u.pA, peak_u=-0.1 * u.mV / u.pA,
                       reset_u=0.04 * u.mV / u.pA, u_max=670 * u.pA, spk_fun=None, method='izhikevich2007')
    outs = []
    for neu in (plain, q):
        neu.init_state()

        def step(i, neu=neu):
            with brainstate.environ.context(t=i * 0.25 * u.ms):
                spike = neu.update(0.3 * u.nA)
                return neu.V.value.to_decimal(u.mV), spike

        with brainstate.environ.context(dt=0.25 * u.ms):
            outs.append([np.asarray(x) for x in brainstate.transform.for_loop(step, jnp.arange(800))])
    # 0.1 nF is 100 pF up to unit-conversion rounding
    np.testing.assert_allclose(outs[0][0], outs[1][0], rtol=1e-9)
    np.testing.assert_array_equal(outs[0][1], outs[1][1])
    assert outs[0][1].sum() >= 5


def test_trainable_parameter_gets_a_gradient(x64):
    a = brainstate.ParamState(jnp.asarray(0.03))
    neu = Izhikevich2007(1, a=a, method='izhikevich2007')
    neu.init_state()

    def loss():
        neu.reset_state()

        def step(i):
            with brainstate.environ.context(t=i * 0.25 * u.ms):
                neu.update(400.0 * u.pA)
                return neu.u.value.to_decimal(u.pA)

        with brainstate.environ.context(dt=0.25 * u.ms):
            return brainstate.transform.for_loop(step, jnp.arange(80)).sum()

    grads = brainstate.transform.grad(loss, grad_states={'a': a})()
    g = jax.tree_util.tree_leaves(grads)[0]
    assert np.isfinite(g) and g != 0


def _run_state(neu, steps=800, I=100.0):
    neu.init_state()

    def step(i):
        with brainstate.environ.context(t=i * 0.25 * u.ms):
            neu.update(I * u.pA)
            return neu.V.value.to_decimal(u.mV)

    with brainstate.environ.context(dt=0.25 * u.ms):
        return np.asarray(brainstate.transform.for_loop(step, jnp.arange(steps)))


def test_noise_changes_the_run_and_needs_a_stochastic_method(x64):
    brainstate.random.seed(0)
    quiet = _run_state(Izhikevich2007(2, method='izhikevich2007', spk_fun=None))
    noisy = _run_state(Izhikevich2007(2, method='izhikevich2007', spk_fun=None, noise=3 * u.mV / u.ms ** 0.5))
    assert not np.array_equal(quiet, noisy) and not np.array_equal(noisy[:, 0], noisy[:, 1])
    with pytest.raises(ValueError, match='method='):
        Izhikevich2007(2, method='rk4', noise=1.0)
    with pytest.raises(ValueError, match='noise_u'):
        Izhikevich2007(2, method='euler', noise_u=1 * u.mV)
