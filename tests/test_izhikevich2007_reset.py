"""The 2007 form's soft reset and monitor flags, in both front-ends, against the rule stated in
docs/reset_refractory.rst with the threshold read as the peak v_peak + pi_u u and the reset as c + rho_u u."""

import brainpy as bp
import brainstate
import brainunit as u
import jax.numpy as jnp
import numpy as np
import pytest

from izhi_dyn import CELL_CLASSES_2007, Izhikevich2007
from izhi_dyn.simulate import run_neuron
from izhi_dyn.state import Izhikevich2007 as StateIzhikevich2007

LTS = CELL_CLASSES_2007['LTS']


def _book_euler_step(cell, v, uu, I, dt, soft):
    """Plain NumPy, one step of each state in the arrays: the book's Euler (V, u from the old V, u), spike test V >= peak(u_new), a reset."""
    v_new = v + dt * (cell.k * (v - cell.v_r) * (v - cell.v_t) - uu + I) / cell.C
    u_new = uu + dt * cell.a * (cell.b * (v - cell.v_b) - uu)
    peak, c_u = cell.v_peak + cell.peak_u * u_new, cell.c + cell.reset_u * u_new
    fired = v_new >= peak
    reset = np.minimum(v_new - (peak - c_u), c_u + 0.5 * (peak - c_u)) if soft else c_u
    return (np.where(fired, reset, v_new), np.where(fired, np.minimum(u_new + cell.d, cell.u_max), u_new), fired)


@pytest.mark.parametrize('frontend', ['dyn', 'state'])
@pytest.mark.parametrize('spk_reset', ['hard', 'soft'])
def test_reset_equals_the_stated_rule_with_u_dependent_peak_and_reset(x64, frontend, spk_reset):
    """Each step of the run against the rule from the run's own state before it (the soft reset can leave
    V just below the peak, so last-bit differences decide the next step: whole runs are not compared)."""
    steps, I = 1200, 300.0
    mon = run_neuron(np.full((steps, 1), I), 0.25, ('V', 'u', 'spike'), frontend=frontend, model='2007',
                     method='izhikevich2007', spk_reset=spk_reset, **LTS.neuron_kwargs())
    V, U, S = mon['V'][:, 0], mon['u'][:, 0], np.asarray(mon['spike'][:, 0], bool)
    V_prev, U_prev = np.r_[LTS.v_r, V[:-1]], np.r_[0.0, U[:-1]]
    V_ref, U_ref, S_ref = _book_euler_step(LTS, V_prev, U_prev, I, 0.25, spk_reset == 'soft')
    assert S.sum() >= 5
    np.testing.assert_array_equal(S, S_ref)
    np.testing.assert_allclose(V, V_ref, rtol=0, atol=1e-9)
    np.testing.assert_allclose(U, U_ref, rtol=0, atol=1e-9)


def test_soft_reset_carries_the_overshoot_and_stays_below_the_peak(x64):
    mon = {r: run_neuron(np.full((1200, 1), 300.0), 0.25, ('V', 'u', 'spike'), model='2007', method='izhikevich2007',
                         spk_reset=r, **LTS.neuron_kwargs()) for r in ('hard', 'soft')}
    soft = mon['soft']
    fired = np.asarray(soft['spike'][:, 0], bool)
    u_before = soft['u'][fired, 0] - LTS.d  # the jump is below the ceiling in this run
    peak, c_u = LTS.v_peak + LTS.peak_u * u_before, LTS.c + LTS.reset_u * u_before
    assert np.all(soft['V'][fired, 0] > c_u) and np.all(soft['V'][fired, 0] <= c_u + 0.5 * (peak - c_u))
    assert not np.array_equal(soft['spike'], mon['hard']['spike'])  # the argument changes the run


def test_soft_equals_hard_where_the_crossing_is_exact(x64):
    """riccati stops at the crossing (V = peak there), so the soft reset gives c, as docs/reset_refractory says."""
    rs = CELL_CLASSES_2007['RS'].neuron_kwargs()
    runs = [run_neuron(np.full((2000, 1), 100.0), 0.25, ('V', 'spike'), model='2007', method='riccati', spk_reset=r,
                       **rs) for r in ('hard', 'soft')]
    assert runs[0]['spike'].sum() >= 5
    np.testing.assert_array_equal(runs[0]['spike'], runs[1]['spike'])
    np.testing.assert_allclose(runs[0]['V'], runs[1]['V'], rtol=0, atol=1e-9)


def test_bad_spk_reset_is_named():
    for cls in (Izhikevich2007, StateIzhikevich2007):
        with pytest.raises(ValueError, match='spk_reset'):
            cls(1, spk_reset='medium')


def test_state_monitor_flags_match_the_dyn_class(x64):
    """ref_var, spike_time_var and input_var of the state class equal the dyn class's refractory/spike_time and
    the input it was given (pA)."""
    steps, I = 400, 300.0
    dyn = Izhikevich2007(1, ref_var=True, spike_time_var=True, method='izhikevich2007', tau_ref=1.0)
    runner = bp.DSRunner(dyn, monitors=['spike', 'refractory', 'spike_time'], dt=0.25, progress_bar=False)
    runner.run(inputs=np.full((steps, 1), I))

    neu = StateIzhikevich2007(1, ref_var=True, spike_time_var=True, input_var=True, method='izhikevich2007',
                              tau_ref=1.0, spk_fun=None)
    neu.init_state()

    def step(i):
        with brainstate.environ.context(t=i * 0.25 * u.ms):
            spike = neu.update(I * u.pA)
            return (spike, neu.refractory.value, neu.spike_time.value.to_decimal(u.ms),
                    neu.input.value.to_decimal(u.pA))

    with brainstate.environ.context(dt=0.25 * u.ms):
        spike, refractory, spike_time, inp = (np.asarray(x) for x in brainstate.transform.for_loop(step, jnp.arange(steps)))
    assert spike.sum() >= 3 and refractory.any()
    np.testing.assert_array_equal(spike.astype(bool), runner.mon['spike'].astype(bool))
    np.testing.assert_array_equal(refractory, runner.mon['refractory'])
    np.testing.assert_allclose(spike_time, runner.mon['spike_time'], rtol=0, atol=1e-9)
    np.testing.assert_array_equal(inp, np.full((steps, 1), I))
    assert not hasattr(StateIzhikevich2007(1), 'refractory')
