"""izhi_dyn.state.Izhikevich inside brainpy.state projections (AlignPostProj, Expon, CUBA, COBA,
EventFixedProb), driven the usual way: ``get_spike()`` of the last step feeds the projection.

Reference: the synapse's own conductance, read back beside the neuron's
recorded input current, and the same neuron driven alone by that current.
"""

import brainpy.state as bs
import braintools
import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

from izhi_dyn.state import Izhikevich
from state_sim import run_state

mV, ms = u.mV, u.ms
DT = 0.1


class _Pair(brainstate.nn.Module):
    """A driven presynaptic population projecting onto a silent postsynaptic one."""

    def __init__(self, n_pre, n_post, comm, out, g_unit):
        super().__init__()
        self.pre = Izhikevich(n_pre, spk_fun=None, V_initializer=-70.0)
        self.post = Izhikevich(n_post, spk_fun=None, V_initializer=-70.0, input_var=True)
        self.proj = bs.AlignPostProj(
            comm=comm,
            syn=bs.Expon.desc(n_post, tau=5.0 * ms, g_initializer=braintools.init.Constant(0.0 * g_unit)),
            out=out,
            post=self.post,
        )

    def update(self, k, drive):
        with brainstate.environ.context(t=k * DT * ms):
            self.proj(self.pre.get_spike())
            self.pre(drive * mV / ms)
            self.post(0.0)
            return {'g': u.get_mantissa(self.proj.syn.g.value), 'I': self.post.input.value.to_decimal(mV / ms),
                    'V': self.post.V.value.to_decimal(mV), 'pre': self.pre.spike.value,
                    'post': self.post.spike.value}


def _run(net, drive, steps):
    brainstate.nn.init_all_states(net)
    with brainstate.environ.context(dt=DT * ms):
        mon = brainstate.transform.for_loop(lambda k: net.update(k, drive), jnp.arange(steps))
    return {k: np.asarray(v) for k, v in mon.items()}


def _linear(n_pre, n_post, w):
    return brainstate.nn.Linear(n_pre, n_post, w_init=w, b_init=None)


def test_cuba_current_is_the_conductance_and_drives_post(x64):
    w = np.full((4, 3), 2.0) * mV / ms
    net = _Pair(4, 3, _linear(4, 3, w), bs.CUBA.desc(scale=1.0), mV / ms)
    mon = _run(net, 20.0, 1500)
    assert mon['pre'].sum() >= 4 and mon['post'].sum() >= 1
    first = int(np.flatnonzero(mon['pre'].any(axis=1))[0])
    assert np.all(mon['I'][:first + 1] == 0) and mon['I'][first + 1].min() > 0
    np.testing.assert_array_equal(mon['I'], mon['g'])
    # the post population driven alone by the recorded current follows the same path
    alone = run_state(Izhikevich(3, spk_fun=None, V_initializer=-70.0), mon['I'], DT)
    np.testing.assert_allclose(alone['V'], mon['V'], rtol=1e-10)
    np.testing.assert_array_equal(alone['spike'], mon['post'])


def test_coba_current_is_g_times_driving_force(x64):
    E = 0.0
    net = _Pair(4, 3, _linear(4, 3, np.full((4, 3), 0.05) / ms), bs.COBA.desc(E=E * mV), 1 / ms)
    mon = _run(net, 20.0, 1500)
    assert mon['pre'].sum() >= 4 and mon['g'].max() > 0
    V_before = np.concatenate([np.full((1, 3), -70.0), mon['V'][:-1]])
    np.testing.assert_allclose(mon['I'], mon['g'] * (E - V_before), rtol=1e-12, atol=1e-12)
    inhibitory = _Pair(4, 3, _linear(4, 3, np.full((4, 3), 0.05) / ms), bs.COBA.desc(E=-80 * mV), 1 / ms)
    assert _run(inhibitory, 20.0, 1500)['I'].min() < 0


@pytest.mark.parametrize('batch_size', [None, 2])
def test_event_fixed_prob_projection(x64, batch_size):
    n_pre, n_post = 40, 20
    comm = brainstate.nn.EventFixedProb(n_pre, n_post, conn_num=0.5, conn_weight=3.0 * mV / ms, seed=1)
    net = _Pair(n_pre, n_post, comm, bs.CUBA.desc(scale=1.0), mV / ms)
    brainstate.nn.init_all_states(net, batch_size=batch_size)
    with brainstate.environ.context(dt=DT * ms):
        mon = brainstate.transform.for_loop(lambda k: net.update(k, 20.0), jnp.arange(800))
    mon = {k: np.asarray(v) for k, v in mon.items()}
    shape = (800, n_post) if batch_size is None else (800, batch_size, n_post)
    assert mon['I'].shape == shape
    assert mon['pre'].sum() > 0 and mon['post'].sum() > 0
    np.testing.assert_array_equal(mon['I'], mon['g'])
    # each presynaptic volley adds 3 mV/ms per synapse: the first jump is a multiple of it
    first = int(np.flatnonzero(mon['pre'].reshape(800, -1).any(axis=1))[0])
    jump = mon['g'][first + 1].reshape(-1) / 3.0
    np.testing.assert_allclose(jump, np.round(jump), atol=1e-9)
    assert jump.max() >= 1
