"""The LS cell's passive dendritic compartment (core/dendrite.py) through the core and both front-ends.

Order: the first-order methods keep order 1 against float64 ``solve_ivp`` of the
three equations (an independent reference); higher-order and exact-in-step
methods are refused, by name. Spikes of the presets against the NumPy
transcription are in ``test_izhikevich2007.py``; dyn against state in
``test_izhikevich2007_state.py``.
"""

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn
import izhi_dyn.state
from izhi_dyn import CELL_CLASSES_2007, Izhikevich2007
from izhi_dyn.core import Dendrite
from izhi_dyn.core.dendrite import dendrite_step, dendritic_current

LS = CELL_CLASSES_2007['LS']


def _ode_final(I, T):
    """(V, u, V_d) at T from rest, below threshold: float64 DOP853 of the three equations as the book writes them."""
    from scipy.integrate import solve_ivp

    C, k, vr, vt, a, b, gd, ad = 20.0, 0.3, -66.0, -40.0, 0.17, 5.0, 1.2, 0.01

    def rhs(t, y):
        v, u, vd = y
        return [(k * (v - vr) * (v - vt) + gd * (vd - v) - u + I) / C, a * (b * (v - vr) - u), ad * (v - vd)]

    sol = solve_ivp(rhs, (0.0, T), [vr, 0.0, vr], method='DOP853', rtol=1e-12, atol=1e-12)
    return sol.y[:, -1]


@pytest.mark.parametrize('method', ['euler', 'izhikevich2007', 'exp_euler'])
def test_first_order_methods_keep_their_order_with_the_dendrite(x64, method):
    integ, p, dend = izhi_dyn.get_integrator(method), LS.params(), Dendrite(LS.g_d, LS.a_d)
    I, T = 120.0, 40.0  # below LS's rheobase (136.5 pA): no spike, a smooth trajectory

    def final(dt):
        def body(_, s):
            V, u, V_d = s
            step = integ.step(V, u, I + dendritic_current(V, V_d, dend), dt, p)
            return step.V, step.u, dendrite_step(V, V_d, dt, dend)

        run = jax.jit(lambda s: jax.lax.fori_loop(0, int(round(T / dt)), body, s))
        return np.array(run((LS.v_r, 0.0, LS.v_r)))

    exact = _ode_final(I, T)
    assert exact[0] < LS.v_t  # the reference stayed below threshold
    dts = np.array([0.2, 0.1, 0.05])
    err = [np.abs(final(h) - exact).max() for h in dts]
    slope = np.polyfit(np.log(dts), np.log(err), 1)[0]
    assert 0.8 < slope < 1.3 and err[-1] < 0.05


@pytest.mark.parametrize('method', ['rk4', 'rk2', 'riccati'])
def test_other_methods_are_refused_by_name(method):
    with pytest.raises(ValueError, match=f"method='{method}'"):
        Izhikevich2007(1, **LS.neuron_kwargs(), method=method)
    with pytest.raises(ValueError, match=f"method='{method}'"):
        izhi_dyn.state.Izhikevich2007(1, **LS.neuron_kwargs(), method=method, spk_fun=None)
    Izhikevich2007(1, **{**LS.neuron_kwargs(), 'g_d': None, 'a_d': None}, method=method)  # no dendrite: fine


def test_half_a_compartment_is_refused():
    with pytest.raises(ValueError, match='a_d='):
        Izhikevich2007(1, g_d=1.2)
    with pytest.raises(ValueError, match='g_d='):
        izhi_dyn.state.Izhikevich2007(1, a_d=0.01)
    with pytest.raises(ValueError, match='a_d='):
        izhi_dyn.CellClass('X', 'x', 'x', 'x', 20, 0.3, -66, -40, 30, 0.17, 5, -45, 100, g_d=1.2)


def test_dendrite_follows_the_soma_slowly(x64):
    neu = Izhikevich2007(1, **LS.neuron_kwargs(), method='izhikevich2007')
    runner = bp.DSRunner(neu, monitors=['V', 'V_d', 'spike'], dt=0.25, progress_bar=False)
    runner.run(inputs=np.full((2000, 1), 140.0))
    V_d = runner.mon['V_d'][:, 0]
    assert V_d[0] == LS.v_r  # the first step starts from V = V_d = v_r
    assert np.all(np.abs(np.diff(V_d)) < 0.25 * LS.a_d * 120.0)  # at most a_d dt |V - V_d| per step
    assert V_d[1000:].mean() > V_d[:40].mean() + 5.0 and np.all(V_d < 0.0)  # charged by the firing soma


def test_training_mode_gives_a_gradient_through_the_dendrite(x64):
    def loss(g_d):
        neu = Izhikevich2007(1, **{**LS.neuron_kwargs(), 'g_d': g_d}, mode=bm.TrainingMode(),
                             method='izhikevich2007')
        neu.reset_state(2)

        def step(k):
            bp.share.save(t=k * 0.25, dt=0.25, i=k)
            neu.update(120.0 * bm.ones((2, 1)))
            return neu.V.value.sum()

        return bm.for_loop(step, jnp.arange(200), progress_bar=False).sum()

    g = jax.jit(jax.grad(loss))(1.2)
    h = 1e-4
    fd = (jax.jit(loss)(1.2 + h) - jax.jit(loss)(1.2 - h)) / (2 * h)
    assert np.isfinite(g) and g == pytest.approx(float(fd), rel=1e-4)
