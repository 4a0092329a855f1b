"""Behaviour of :class:`izhi_dyn.Izhikevich`: every argument, analytic drives, errors.

Each constructor argument is checked twice: changing it changes a measured
output, and an invalid value raises an error that names the argument.
"""

import inspect
import os

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np
import pytest
from sim import run, training_loss_and_grad

import izhi_dyn

DT = 0.1
EPS = lambda: float(np.finfo(np.dtype(bm.float_)).eps)  # noqa: E731


def _mon(steps=500, I=10.0, dt=DT, monitors=('V', 'u', 'spike'), **kw):
    neuron = izhi_dyn.Izhikevich(2, **kw)
    return run(neuron, np.full((steps, 2), I), dt, monitors=monitors)


def _trace(**kw):
    """V, u and spikes of 50 ms at I = 10 (nonlinear mode), flattened."""
    m = _mon(**kw)
    return np.concatenate([m['V'].ravel(), m['u'].ravel(), m['spike'].ravel().astype(float)])


def _differs(base, changed):
    if isinstance(base, float):
        return not np.isclose(base, changed)
    if not isinstance(base, np.ndarray):
        return base != changed
    return base.shape != changed.shape or not np.allclose(base, changed)


def _grad_V(**kw):
    return float(training_loss_and_grad(10.0, steps=200, readout='V', **kw)[1])


def _raises_on_nan(**kw):
    neuron = izhi_dyn.Izhikevich(1, **kw)
    inputs = np.full((20, 1), 5.0)
    inputs[10] = np.nan
    try:
        run(neuron, inputs, DT, monitors=('V',))
    except Exception as err:  # noqa: BLE001 - the absence/presence is the measurement
        return type(err).__name__
    return 'no error'


# argument -> (measure(**kwargs), changed value, invalid value)
CASES = {
    'size': (lambda **k: izhi_dyn.Izhikevich(k.pop('size', 2), **k).V.shape, 3, 0),
    'sharding': (lambda **k: izhi_dyn.Izhikevich(2, **k).V.axis_names, ['neuron'], 3),
    'keep_size': (lambda **k: izhi_dyn.Izhikevich((2, 3), **k).V.shape, True, 'yes'),
    'mode': (lambda **k: izhi_dyn.Izhikevich(2, **k).spike.dtype, bm.TrainingMode(), 'training'),
    'name': (lambda **k: izhi_dyn.Izhikevich(2, **k).name, 'my_neurons', 3),
    'spk_fun': (_grad_V, bm.surrogate.Sigmoid(), 3.0),
    'spk_dtype': (lambda **k: izhi_dyn.Izhikevich(2, **k).spike.dtype, np.float32, 'banana'),
    'spk_reset': (_trace, 'soft', 'medium'),
    'detach_spk': (lambda **k: float(training_loss_and_grad(10.0, steps=200, spk_reset='soft', **k)[1]),
                   True, 'yes'),
    'method': (_trace, 'rk4', 'rk5'),
    'init_var': (lambda **k: hasattr(izhi_dyn.Izhikevich(2, **k), 'V'), False, 'no'),
    'V_th': (_trace, 0.0, np.nan),
    'p1': (_trace, 0.05, 0.0),
    'p2': (_trace, 5.5, np.inf),
    'p3': (_trace, 130.0, np.nan),
    'a': (_trace, 0.1, np.nan),
    'b': (_trace, 0.25, np.ones(5)),
    'c': (_trace, -50.0, 40.0),
    'd': (_trace, 2.0, 'x'),
    'tau_ref': (_trace, 5.0, -1.0),
    'recovery': (_trace, 'accommodation', 'adaptive'),
    'V_initializer': (_trace, bp.init.OneInit(-60.0), 'x'),
    'u_initializer': (_trace, bp.init.OneInit(-10.0), 'x'),
    'noise': (_trace, 2.0, -1.0),
    'noise_u': (_trace, 2.0, -1.0),
    'ref_var': (lambda **k: hasattr(izhi_dyn.Izhikevich(2, **k), 'refractory'), True, 'yes'),
    'spike_time_var': (lambda **k: hasattr(izhi_dyn.Izhikevich(2, **k), 'spike_time'), True, 'yes'),
    'input_var': (lambda **k: hasattr(izhi_dyn.Izhikevich(2, **k), 'input'), True, 'yes'),
    'check_finite': (_raises_on_nan, True, 'yes'),
    'scaling': (_trace, bm.Scaling.transform([-70.0, 30.0]), 2.0),
    # brainpy stores tau and R and never uses them; so do we (test_dropin_brainpy: same V either way)
    'tau': (lambda **k: float(izhi_dyn.Izhikevich(2, **k).tau), 3.0, 'x'),
    'R': (lambda **k: float(izhi_dyn.Izhikevich(2, **k).R), 3.0, 'x'),
}


def test_cases_cover_every_constructor_argument():
    params = set(inspect.signature(izhi_dyn.Izhikevich).parameters)
    assert params == set(CASES)
    # every argument of brainpy's Izhikevich is accepted (drop-in, issue 15)
    brainpy_args = set(inspect.signature(bp.dyn.Izhikevich).parameters) - {'args', 'kwargs'}
    assert brainpy_args <= params


@pytest.mark.parametrize('arg', sorted(CASES))
def test_argument_changes_behaviour(arg):
    measure, changed, _ = CASES[arg]
    bm.random.seed(0)
    base = measure()
    bm.random.seed(0)
    assert _differs(base, measure(**{arg: changed})), arg


@pytest.mark.parametrize('arg', sorted(CASES))
def test_invalid_argument_names_it(arg):
    _, _, invalid = CASES[arg]
    kw = {arg: invalid}
    if arg == 'size':
        kw = {}
        call = lambda: izhi_dyn.Izhikevich(invalid)  # noqa: E731
    else:
        call = lambda: izhi_dyn.Izhikevich(4, **kw)  # noqa: E731
    with pytest.raises((ValueError, TypeError), match=arg):
        call()


@pytest.mark.parametrize('size', [0, -3, 1.5, (2, 0), True, ()])
def test_bad_sizes(size):
    with pytest.raises(ValueError, match='size'):
        izhi_dyn.Izhikevich(size)


def test_noise_with_non_stochastic_method_is_a_construction_error():
    with pytest.raises(ValueError, match="method='rk4'.*noise"):
        izhi_dyn.Izhikevich(2, method='rk4', noise=1.0)
    with pytest.raises(ValueError, match="method='riccati'"):
        izhi_dyn.Izhikevich(2, method='riccati', noise_u=1.0)


@pytest.mark.parametrize('dt', [0.0, -0.1, float('nan')])
def test_non_positive_dt_errors(dt):
    neuron = izhi_dyn.Izhikevich(2)
    bp.share.save(t=0.0, dt=dt, i=0)
    with pytest.raises(ValueError, match='dt='):
        neuron.update(10.0)


# -- heterogeneous parameters -----------------------------------------------
HETERO = ('a', 'b', 'c', 'd', 'V_th', 'p1', 'p2', 'p3', 'tau_ref')
RANGES = dict(a=(0.02, 0.1), b=(0.2, 0.25), c=(-65.0, -50.0), d=(2.0, 8.0), V_th=(0.0, 30.0),
              p1=(0.04, 0.05), p2=(4.8, 5.2), p3=(135.0, 145.0), tau_ref=(0.0, 3.0))


@pytest.mark.parametrize('name', HETERO)
def test_heterogeneous_parameter_scalar_array_initializer(name):
    lo, hi = RANGES[name]
    n = 6
    arr = np.linspace(lo, hi, n)
    bm.random.seed(1)
    neuron = izhi_dyn.Izhikevich(n, **{name: bp.init.Uniform(lo, hi)})
    drawn = np.asarray(getattr(neuron, name))
    assert drawn.shape == (n,) and np.all((drawn >= lo) & (drawn <= hi)) and np.ptp(drawn) > 0
    by_array = _mon_n(n, **{name: arr})
    by_scalar = _mon_n(n, **{name: float(arr[0])})
    # Neuron 0 has the same parameter in both runs (same spikes; V equal up to
    # round-off that each spike amplifies); the others differ from it.
    np.testing.assert_array_equal(by_array['spike'][:, 0], by_scalar['spike'][:, 0])
    first = np.argmax(by_array['spike'][:, 0])
    assert first > 0
    np.testing.assert_allclose(by_array['V'][:first, 0], by_scalar['V'][:first, 0], rtol=100 * EPS())
    assert not np.allclose(by_array['V'][:, -1], by_scalar['V'][:, -1])


def _mon_n(n, **kw):
    return run(izhi_dyn.Izhikevich(n, **kw), np.full((1000, n), 10.0), DT, monitors=('V', 'spike'))


def test_brainpy_crashes_on_uniform_b_and_we_do_not():
    with pytest.raises(Exception):  # noqa: B017 - any failure of brainpy 2.8.2 proves the point
        bp.dyn.Izhikevich(4, b=bp.init.Uniform(0.2, 0.25))
    neuron = izhi_dyn.Izhikevich(4, b=bp.init.Uniform(0.2, 0.25))
    np.testing.assert_allclose(neuron.u.value, neuron.b * neuron.V.value, rtol=EPS())


# -- state ---------------------------------------------------------------------
def test_u_rederived_on_every_reset_where_brainpy_keeps_it_stale():
    ours = izhi_dyn.Izhikevich(3, V_initializer=bp.init.OneInit(-70.0))
    theirs = bp.dyn.Izhikevich(3, V_initializer=bp.init.OneInit(-70.0))
    for neuron in (ours, theirs):
        neuron._V_initializer = bp.init.OneInit(-60.0)
        neuron.reset_state()
    np.testing.assert_allclose(ours.u.value, 0.2 * -60.0, rtol=EPS())
    # brainpy: u stays at b * V_old = -14 after the first reset.
    assert not np.allclose(theirs.u.value, 0.2 * -60.0)


def test_u_rederived_after_b_changes_and_random_V():
    bm.random.seed(2)
    neuron = izhi_dyn.Izhikevich(5, V_initializer=bp.init.Uniform(-70.0, -60.0))
    first_V = np.asarray(neuron.V.value)
    neuron.reset_state()
    assert not np.allclose(neuron.V.value, first_V)
    np.testing.assert_allclose(neuron.u.value, 0.2 * neuron.V.value, rtol=EPS())


def test_reset_state_with_a_new_batch_size():
    neuron = izhi_dyn.Izhikevich(4, mode=bm.BatchingMode(2))
    assert neuron.V.shape == (2, 4)
    neuron.reset_state(5)
    for var in ('V', 'u', 'spike', 't_last_spike'):
        assert getattr(neuron, var).shape == (5, 4), var
    np.testing.assert_allclose(neuron.u.value, 0.2 * neuron.V.value, rtol=EPS())
    bp.share.save(t=0.0, dt=DT, i=0)
    assert neuron.update(jnp.full((5, 4), 10.0, dtype=bm.float_)).shape == (5, 4)


def test_accommodation_recovery_law():
    """du/dt = a b (V + 65): with V held at -65 by u_init, u must not move."""
    V0 = -65.0
    m = _mon(steps=50, I=0.0, recovery='accommodation', V_initializer=bp.init.OneInit(V0),
             u_initializer=bp.init.OneInit(-10.0), method='euler')
    # dV/dt = 0.04*65^2 - 325 + 140 + 10 = 1 at the start; u follows a b (V + 65) exactly.
    V, u = m['V'][:, 0], m['u'][:, 0]
    V_prev = np.concatenate([[V0], V[:-1]])
    np.testing.assert_allclose(np.diff(np.concatenate([[-10.0], u])), DT * 0.02 * 0.2 * (V_prev + 65.0),
                               rtol=1e-4, atol=100 * EPS())
    standard = _mon(steps=50, I=0.0, V_initializer=bp.init.OneInit(V0), u_initializer=bp.init.OneInit(-10.0),
                    method='euler')
    assert not np.allclose(standard['u'], m['u'])


# -- refractoriness ---------------------------------------------------------
@pytest.mark.parametrize('method', ['euler', 'riccati'])
def test_refractory_holds_V_at_c_and_relaxes_u_exactly(method):
    """Drive: I = 100 for the spiking step, then a huge input during refractoriness.

    V must stay exactly at c for tau_ref (5 ms = 50 steps), emit no spike,
    ignore the input, and u must follow u(t) = b c + (u_0 - b c) exp(-a t).
    """
    tau_ref, a, b, c = 5.0, 0.02, 0.2, -65.0
    neuron = izhi_dyn.Izhikevich(1, method=method, tau_ref=tau_ref, ref_var=True,
                                 V_initializer=bp.init.OneInit(29.0))
    inputs = np.full((100, 1), 1000.0)
    inputs[50:] = 0.0
    m = run(neuron, inputs, DT, monitors=('V', 'u', 'spike', 't_last_spike', 'refractory'))
    assert m['spike'][0, 0] and m['t_last_spike'][0, 0] == 0.0
    held = slice(1, 50)  # steps whose start time t satisfies t - 0 < tau_ref
    assert np.all(m['refractory'][held]) and not m['refractory'][50, 0]
    assert not m['spike'][held].any()
    V_after_spike = m['V'][0, 0]
    assert V_after_spike == c
    np.testing.assert_array_equal(m['V'][held, 0], V_after_spike)
    t = DT * np.arange(1, 50)
    u0 = m['u'][0, 0]
    np.testing.assert_allclose(m['u'][held, 0], b * V_after_spike + (u0 - b * V_after_spike) * np.exp(-a * t),
                               rtol=100 * EPS())
    assert m['V'][51, 0] != V_after_spike  # the input acts again after the hold


# -- noise ---------------------------------------------------------------------
def test_noise_matches_hand_euler_maruyama(x64):
    sigma, steps, n = 3.0, 50, 1000
    bm.random.seed(7)
    neuron = izhi_dyn.Izhikevich(n, method='euler', noise=sigma)
    m = run(neuron, np.zeros((steps, n)), DT, monitors=('V', 'u'))
    V, u = m['V'], m['u']
    V_prev = np.concatenate([np.full((1, n), -70.0), V[:-1]])
    u_prev = np.concatenate([np.full((1, n), -14.0), u[:-1]])
    drift = 0.04 * V_prev ** 2 + 5 * V_prev + 140 - u_prev
    xi = (V - V_prev - DT * drift) / (sigma * np.sqrt(DT))
    # The increments' residual is standard normal: mean 0, variance 1 (50 000 draws).
    assert abs(xi.mean()) < 5 / np.sqrt(xi.size)
    assert abs(xi.var() - 1) < 5 * np.sqrt(2 / xi.size)
    # u is deterministic without noise_u: its Euler step is exact to round-off.
    np.testing.assert_allclose(u - u_prev, DT * 0.02 * (0.2 * V_prev - u_prev), rtol=1e-9, atol=1e-12)


def test_noise_u_goes_to_u():
    bm.random.seed(3)
    m = _mon(steps=200, I=0.0, method='exp_auto', noise_u=1.0)
    q = _mon(steps=200, I=0.0, method='exp_auto')
    assert not np.allclose(m['u'], q['u'])


# -- finiteness -------------------------------------------------------------
def test_check_finite_names_step_and_neuron():
    neuron = izhi_dyn.Izhikevich(4, check_finite=True)
    inputs = np.full((30, 4), 5.0)
    inputs[17, 2] = np.nan
    with pytest.raises(Exception, match=r'step 17.*neuron index 2') as info:
        run(neuron, inputs, DT, monitors=('V',))
    assert 'NonFiniteStateError' in repr(info.value) or isinstance(info.value, izhi_dyn.NonFiniteStateError)


@pytest.mark.parametrize('method', sorted(izhi_dyn.INTEGRATORS))
def test_no_nan_for_dt_up_to_1ms_and_input_up_to_100(method):
    currents = np.array([-100.0, -30.0, -1.0, 0.0, 1.0, 4.0, 10.0, 30.0, 100.0])
    for dt in (1.0, 0.5, 0.1):
        neuron = izhi_dyn.Izhikevich(len(currents), method=method, check_finite=True,
                                     V_initializer=bp.init.Uniform(-80.0, 29.0))
        m = run(neuron, np.tile(currents, (int(200 / dt), 1)), dt, monitors=('V', 'u'))
        assert np.isfinite(m['V']).all() and np.isfinite(m['u']).all(), dt


# -- spike dtype ----------------------------------------------------------------
@pytest.mark.parametrize('mode', [bm.NonBatchingMode(), bm.BatchingMode(1), bm.TrainingMode(1)])
@pytest.mark.parametrize('dtype', [None, bool, np.float32, np.int32])
def test_spike_dtype_honoured_in_every_mode(mode, dtype):
    neuron = izhi_dyn.Izhikevich(3, mode=mode, spk_dtype=dtype)
    expected = dtype if dtype is not None else (bm.float_ if isinstance(mode, bm.TrainingMode) else bool)
    bp.share.save(t=0.0, dt=DT, i=0)
    neuron.V.value = jnp.full(neuron.V.shape, 29.9, dtype=bm.float_)
    out = neuron.update(jnp.full(neuron.V.shape, 50.0, dtype=bm.float_))
    assert out.dtype == np.dtype(expected) and neuron.spike.dtype == np.dtype(expected)
    assert np.all(np.asarray(out) == 1)


# -- batched populations ---------------------------------------------------------
PER_NEURON = dict(a=np.array([0.02, 0.1, 0.02, 0.03]), b=np.array([0.2, 0.2, 0.25, 0.25]),
                  c=np.array([-65.0, -65.0, -55.0, -50.0]), d=np.array([8.0, 2.0, 0.05, 4.0]),
                  tau_ref=np.array([0.0, 2.0, 0.0, 1.0]))


@pytest.mark.parametrize('mode', [bm.BatchingMode, bm.TrainingMode], ids=['batching', 'training'])
def test_batched_per_neuron_parameters_match_separate_unbatched_runs(mode):
    """Parameters of shape (N,) on a state (B, N), under the suite's rank promotion 'raise'.

    Each batch row sees its own input. Spikes must equal those of an unbatched
    population (``NonBatchingMode``) driven by that row alone. V and u are
    compared with a batch-of-one run in the same mode: the arithmetic per
    element is then identical, so they must be equal (across modes they are
    not: the training mode's surrogate reset ``V + (c - V) s`` differs from
    ``V = c`` by an ulp, which the next upstroke amplifies).
    """
    B, N, steps = 3, 4, 1000
    inputs = np.stack([np.full((steps, N), I) for I in (4.0, 10.0, 15.0)], axis=1)  # (steps, B, N)
    kw = dict(method='euler', **PER_NEURON)
    batched = run(izhi_dyn.Izhikevich(N, mode=mode(B), **kw), inputs, DT, data_first_axis='T')
    for row in range(B):
        alone = run(izhi_dyn.Izhikevich(N, **kw), inputs[:, row], DT, monitors=('spike',))
        assert alone['spike'].sum() > 0
        np.testing.assert_array_equal(batched['spike'][:, row] > 0, alone['spike'])
        one = run(izhi_dyn.Izhikevich(N, mode=mode(1), **kw), inputs[:, row:row + 1], DT, data_first_axis='T')
        for var in ('V', 'u'):
            np.testing.assert_array_equal(batched[var][:, row], one[var][:, 0])



@pytest.mark.parametrize('method', ['exp_auto', 'rk4', 'izhikevich2004', 'riccati'])
def test_every_kind_of_integrator_runs_batched_per_neuron_parameters(method):
    """Default, explicit, published and exact-event schemes: each batch row equals its unbatched run."""
    inputs = np.stack([np.full((600, 4), I) for I in (6.0, 14.0)], axis=1)  # (steps, B=2, N=4)
    batched = run(izhi_dyn.Izhikevich(4, mode=bm.BatchingMode(2), method=method, **PER_NEURON), inputs, DT,
                  data_first_axis='T')
    # both rows unbatched, side by side in one population of 8 (one compiled run): row r is neurons 4r..4r+3
    unbatched = run(izhi_dyn.Izhikevich(8, method=method, **{k: np.tile(v, 2) for k, v in PER_NEURON.items()}),
                    inputs.reshape(600, 8), DT)
    for row in range(2):
        alone = {var: mon[:, 4 * row:4 * row + 4] for var, mon in unbatched.items()}
        assert alone['spike'].sum() > 0
        for var in ('spike', 'V', 'u'):
            np.testing.assert_array_equal(batched[var][:, row], alone[var], err_msg=var)

@pytest.mark.parametrize('mode', [bm.NonBatchingMode(), bm.BatchingMode(2), bm.TrainingMode(2)],
                         ids=['nonbatching', 'batching', 'training'])
def test_state_keeps_the_suite_precision_through_a_run(mode):
    """float32 by default, float64 under IZHI_DYN_X64=1 (``make test-x64``): no silent up- or downcast."""
    expected = np.dtype(np.float64 if os.environ.get('IZHI_DYN_X64') == '1' else np.float32)
    assert np.dtype(bm.float_) == expected
    neuron = izhi_dyn.Izhikevich(4, mode=mode, method='euler', spike_time_var=True, input_var=True, **PER_NEURON)
    shape = neuron.V.shape
    for i in range(200):
        bp.share.save(t=i * DT, dt=DT, i=i)
        neuron.update(jnp.full(shape, 20.0, dtype=expected))
        neuron.clear_input()  # as step_run and DSRunner do: `input` is brainpy's per-step input slot
    assert np.any(np.asarray(neuron.t_last_spike.value) >= 0)  # spikes and resets took place
    for var in ('V', 'u', 't_last_spike', 'spike_time', 'input'):
        assert getattr(neuron, var).dtype == expected, var
    assert neuron.spike.dtype == (expected if isinstance(mode, bm.TrainingMode) else np.bool_)
