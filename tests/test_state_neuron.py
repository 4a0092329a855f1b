"""izhi_dyn.state.Izhikevich: published spikes, units, arguments, monitors, noise and batching.

References: the author's 2004 algorithm (:mod:`reference_2004`, independent of
the package), the brainpy.dyn front-end where semantics match, and analytic
values (the noise increment's variance, the threshold rule).
"""

import collections

import brainstate
import braintools
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn
import reference_2004
from izhi_dyn.core import NonFiniteStateError
from izhi_dyn.presets import FEATURES_2004, PRESETS
from izhi_dyn.state import Izhikevich
from state_sim import both_front_ends, preset_population, run_state

mV, ms = u.mV, u.ms


def test_2004_features_give_the_authors_spike_samples(x64):
    """All 20 features of 2004 Fig. 1 through the state class, method='izhikevich2004', float64."""
    expected = {reference_2004.snake_case(f['name']): reference_2004.run(f)[0]
                for f in reference_2004.load()['features']}
    groups = collections.defaultdict(list)
    for key in FEATURES_2004:
        groups[(PRESETS[key].dt, PRESETS[key].recovery)].append(key)
    for (dt, _), keys in groups.items():
        kwargs, inputs = preset_population(keys, dt)
        neu = Izhikevich(len(keys), method='izhikevich2004', spk_fun=None, **kwargs)
        spikes = run_state(neu, inputs, dt)['spike'].astype(bool)
        for j, key in enumerate(keys):
            n = int(round(PRESETS[key].duration / dt)) + 1
            assert np.flatnonzero(spikes[:n, j]).tolist() == expected[key], key


def test_quantities_and_plain_numbers_are_the_same_run(x64):
    inputs = np.full((500, 2), 12.0)
    plain = Izhikevich(2, a=0.03, b=0.25, c=-60.0, d=4.0, V_th=25.0, p1=0.04, p2=5.0, p3=140.0, tau_ref=1.0,
                       V_initializer=-68.0, spk_fun=None)
    quantities = Izhikevich(2, a=0.03 / ms, b=0.25 / ms, c=-60 * mV, d=4 * mV / ms, V_th=25 * mV,
                            p1=0.04 / (mV * ms), p2=5 / ms, p3=140 * mV / ms, tau_ref=1 * ms,
                            V_initializer=braintools.init.Constant(-68 * mV), spk_fun=None)
    a, b = run_state(plain, inputs, 0.1), run_state(quantities, inputs, 0.1)
    assert a['spike'].sum() >= 4
    np.testing.assert_array_equal(a['V'], b['V'])
    # other scales of the same dimension are converted
    volts = Izhikevich(2, a=0.03 / ms, b=0.25 / ms, c=-0.060 * u.volt, d=4000 * mV / u.second, V_th=25 * mV,
                       tau_ref=1 * ms, V_initializer=-68.0, spk_fun=None)
    np.testing.assert_allclose(run_state(volts, inputs, 0.1)['V'], a['V'], rtol=1e-9)


@pytest.mark.parametrize('kwargs, match', [
    (dict(a=0.02 * mV), 'a='),
    (dict(c=-65 * ms), 'c='),
    (dict(d=8 * mV), 'd='),
    (dict(V_th=30 * mV / ms), 'V_th='),
    (dict(tau_ref=2 * mV), 'tau_ref='),
    (dict(V_initializer=-70 * ms), 'V_initializer='),
    (dict(u_initializer=-14 * mV), 'u_initializer='),
    (dict(V_initializer=[-70 * mV, 2 * ms]), 'V_initializer='),
    (dict(noise=1 * mV), 'noise='),
    (dict(method='nope'), 'riccati'),
    (dict(method='rk4', noise=1.0), 'method='),
    (dict(method='riccati'), 'spk_fun=None'),
    (dict(c=30.0), 'c='),
    (dict(p1=0.0), 'p1='),
    (dict(tau_ref=-1.0), 'tau_ref='),
    (dict(spk_reset='medium'), 'spk_reset'),
    (dict(recovery='fast'), 'recovery='),
    (dict(a=np.ones(3)), 'a:'),
])
def test_bad_arguments_name_themselves(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Izhikevich(2, **kwargs)


@pytest.mark.parametrize('kwargs, match', [
    (dict(spk_fun=3), 'spk_fun='),
    (dict(detach_spk=1), 'detach_spk='),
    (dict(check_finite='yes'), 'check_finite='),
    (dict(name='not a name'), 'name='),
])
def test_bad_argument_types_name_themselves(kwargs, match):
    with pytest.raises(TypeError, match=match):
        Izhikevich(2, **kwargs)


def test_a_wrong_input_unit_names_the_input():
    neu = Izhikevich(1)
    neu.init_state()
    with brainstate.environ.context(dt=0.1 * ms, t=0 * ms), pytest.raises(ValueError, match='x'):
        neu.update(3 * mV)


def test_heterogeneous_initializers_derive_u_per_neuron(x64):
    brainstate.random.seed(0)
    neu = Izhikevich(50, a=braintools.init.Uniform(0.02, 0.1), b=braintools.init.Uniform(0.2, 0.25),
                     V_initializer=braintools.init.Uniform(-70 * mV, -60 * mV))
    neu.init_state()
    a, b = np.asarray(neu.a), np.asarray(neu.b)
    assert a.shape == (50,) and np.ptp(a) > 0.01 and np.ptp(b) > 0.01
    V, U = neu.V.value.to_decimal(mV), neu.u.value.to_decimal(mV / ms)
    assert np.ptp(V) > 1
    np.testing.assert_array_equal(U, b * V)
    neu.reset_state()  # a new V draw, u derived again
    np.testing.assert_array_equal(neu.u.value.to_decimal(mV / ms), b * neu.V.value.to_decimal(mV))


def test_batching_matches_unbatched_runs(x64):
    drive = np.array([[4.0, 10.0, 20.0], [6.0, 14.0, 30.0]])  # (batch, neurons)
    inputs = np.broadcast_to(drive, (600, 2, 3))
    neu = Izhikevich(3, a=np.array([0.02, 0.02, 0.1]), d=np.array([8.0, 2.0, 2.0]), spk_fun=None)
    batched = run_state(neu, inputs, 0.1, batch_size=2)
    assert batched['V'].shape == (600, 2, 3)
    for row in range(2):
        alone = run_state(neu, inputs[:, row], 0.1)
        np.testing.assert_array_equal(batched['spike'][:, row], alone['spike'])
        np.testing.assert_allclose(batched['V'][:, row], alone['V'], rtol=1e-12)
    assert batched['spike'][:, 1].sum() > batched['spike'][:, 0].sum() > 0


def test_jit_step_by_step_equals_for_loop(x64):
    neu = Izhikevich(2, spk_fun=None)
    loop = run_state(neu, np.full((300, 2), 10.0), 0.1)
    neu.init_state()
    step = brainstate.transform.jit(lambda x: neu.update(x))
    spikes = []
    with brainstate.environ.context(dt=0.1 * ms):
        for k in range(300):
            with brainstate.environ.context(t=k * 0.1 * ms):
                spikes.append(np.asarray(step(10.0 * mV / ms)))
    np.testing.assert_array_equal(np.array(spikes), loop['spike'])
    assert loop['spike'].sum() >= 2


def test_get_spike_returns_the_last_spikes_and_applies_the_threshold():
    neu = Izhikevich(3, spk_fun=None)
    neu.init_state()
    with brainstate.environ.context(dt=0.5 * ms, t=0 * ms):
        out = neu.update(jnp.array([0.0, 0.0, 1e4]) * mV / ms)
    np.testing.assert_array_equal(neu.get_spike(), out)
    np.testing.assert_array_equal(out, [0.0, 0.0, 1.0])
    np.testing.assert_array_equal(neu.get_spike(jnp.array([29.0, 30.0, 31.0]) * mV), [0.0, 1.0, 1.0])
    smooth = Izhikevich(1)
    g = jax.grad(lambda v: smooth.get_spike(v * mV).sum())(jnp.array([29.999]))
    assert g[0] > 0


def test_monitors_and_refractoriness_match_the_dyn_class(x64):
    """spike_time (riccati: exact in-step time), refractory and input, against izhi_dyn.Izhikevich."""
    inputs = np.broadcast_to(np.array([10.0, 25.0]), (800, 2))
    monitors = ('V', 'spike', 'spike_time', 'refractory', 'input')
    dyn, state = both_front_ends(2, inputs, 0.1, method='riccati', tau_ref=2.0, ref_var=True, V_initializer=-70.0,
                                 spike_time_var=True, input_var=True, monitors=monitors)
    assert dyn['refractory'].sum() > 50
    for m in monitors:
        np.testing.assert_allclose(state[m].astype(float), dyn[m].astype(float), rtol=1e-12, err_msg=m)
    spike_steps = np.flatnonzero(state['spike'][:, 1])
    t_spike = state['spike_time'][spike_steps, 1]
    assert np.all((t_spike > spike_steps * 0.1) & (t_spike <= spike_steps * 0.1 + 0.1))


def test_noise_increment_has_the_documented_variance(x64):
    """One step from rest: V differs from the noiseless step by sigma sqrt(dt) xi; u by noise_u sqrt(dt) xi."""
    n, dt, sigma, sigma_u = 20000, 0.25, 3.0, 0.5

    def one_step(**kw):
        neu = Izhikevich(n, method='euler', spk_fun=None, **kw)
        neu.init_state()
        with brainstate.environ.context(dt=dt * ms, t=0 * ms):
            neu.update(0.0)
        return neu.V.value.to_decimal(mV), neu.u.value.to_decimal(mV / ms)

    brainstate.random.seed(1)
    V, U = one_step(noise=sigma, noise_u=sigma_u * mV / ms ** 1.5)
    V0, U0 = one_step()
    dV, dU = np.asarray(V - V0), np.asarray(U - U0)
    assert abs(dV.std() / (sigma * np.sqrt(dt)) - 1) < 0.03 and abs(dV.mean()) < 0.05
    assert abs(dU.std() / (sigma_u * np.sqrt(dt)) - 1) < 0.03
    brainstate.random.seed(1)
    again, _ = one_step(noise=sigma, noise_u=sigma_u)
    np.testing.assert_array_equal(again, V)


def test_time_dependent_noise_amplitude(x64):
    neu = Izhikevich(1000, method='euler', spk_fun=None, noise=lambda t: jnp.where(t < 1.0, 0.0, 2.0))
    V = []
    neu.init_state()
    with brainstate.environ.context(dt=0.5 * ms):
        for k in range(4):
            with brainstate.environ.context(t=k * 0.5 * ms):
                neu.update(0.0)
            V.append(np.asarray(neu.V.value.to_decimal(mV)))
    assert np.ptp(V[1]) == 0 and np.ptp(V[2]) > 1


def test_check_finite_names_step_and_neuron():
    neu = Izhikevich(3, check_finite=True)
    neu.init_state()
    with brainstate.environ.context(dt=0.1 * ms, t=0.3 * ms, i=3):
        with pytest.raises(NonFiniteStateError, match='step 3.*neuron index 1'):
            neu.update(jnp.array([0.0, jnp.nan, 0.0]))


def test_accommodation_recovery_law_changes_u(x64):
    """du/dt = a b (V + 65): from V = -70, u0 = b V0, one Euler step lowers u by dt a b 5."""
    neu = Izhikevich(1, recovery='accommodation', method='izhikevich2004', V_initializer=-70.0, spk_fun=None,
                     p1=0.04)
    neu.init_state()
    with brainstate.environ.context(dt=0.5 * ms, t=0 * ms):
        neu.update(0.0)
    V1 = float(neu.V.value.to_decimal(mV)[0])
    np.testing.assert_allclose(float(neu.u.value.to_decimal(mV / ms)[0]), -14.0 + 0.5 * 0.02 * 0.2 * (V1 + 65),
                               rtol=1e-12)


def test_detach_spk_changes_the_gradient_not_the_spikes(x64):
    def count(detach, bias):
        neu = Izhikevich(1, detach_spk=detach, V_initializer=-70.0)
        return run_state(neu, jnp.full((400, 1), 15.0 + bias), 0.1, monitors=('spike',))['spike'].sum()

    plain = jax.value_and_grad(lambda b: count(False, b))(0.0)
    detached = jax.value_and_grad(lambda b: count(True, b))(0.0)
    assert float(plain[0]) == float(detached[0]) >= 3
    assert float(plain[1]) != float(detached[1]) and float(detached[1]) > 0


def test_the_dyn_and_state_classes_share_the_core():
    assert Izhikevich(1, method='izhikevich2003').integrator is izhi_dyn.INTEGRATORS['izhikevich2003']
    assert izhi_dyn.state.Izhikevich is Izhikevich


def test_float32_runs_in_float32():
    """Without x64 (brainpy's default) states and spikes are float32 and the neuron still fires."""
    if jax.config.jax_enable_x64:
        pytest.skip('the suite runs in float64 (IZHI_DYN_X64=1)')
    mon = run_state(Izhikevich(2, spk_fun=None), np.full((500, 2), 10.0, dtype=np.float32), 0.1)
    assert mon['V'].dtype == np.float32 and mon['spike'].dtype == np.float32
    assert mon['spike'].sum() >= 4


def test_a_second_jitted_call_does_not_retrace(x64):
    neu = Izhikevich(3)
    neu.init_state()
    traces = []

    def step(x):
        traces.append(1)
        return neu.update(x)

    jitted = brainstate.transform.jit(step)
    with brainstate.environ.context(dt=0.1 * ms, t=0.0 * ms):
        first = jitted(jnp.full(3, 10.0))
        second = jitted(jnp.full(3, 10.0))
    assert len(traces) == 1 and first.dtype == second.dtype == jnp.float64
    assert neu.V.value.to_decimal(mV).dtype == jnp.float64
