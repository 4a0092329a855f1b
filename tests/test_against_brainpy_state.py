"""Each defect of ``brainpy.state.Izhikevich`` / ``IzhikevichRef`` (brainpy 2.8.2, brainpy_state 0.1.0),
measured beside what :class:`izhi_dyn.state.Izhikevich` does on the same drive.

Every test asserts the defect in brainpy.state too, so it documents it: when
an upgrade fixes one, its test fails and the note here must change.
"""

import brainpy.state as bs
import braintools
import brainstate
import brainunit as u
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import reference_2004
from izhi_dyn.state import Izhikevich

mV, ms = u.mV, u.ms
I_UNIT = u.mV / u.ms


def _run(neuron, inputs, dt, monitors=('V', 'u'), with_t=True, batch_size=None):
    """Spikes and monitors (plain arrays) of ``neuron`` over ``inputs`` (steps, ...) in mV/ms."""
    neuron.init_state(batch_size)

    def step(k, x):
        if with_t:
            with brainstate.environ.context(t=k * dt * ms):
                spike = neuron.update(x * I_UNIT)
        else:
            spike = neuron.update(x * I_UNIT)
        return spike, {m: u.get_mantissa(getattr(neuron, m).value) for m in monitors}

    with brainstate.environ.context(dt=dt * ms):
        spikes, mon = brainstate.transform.for_loop(step, jnp.arange(inputs.shape[0]), jnp.asarray(inputs))
    return np.asarray(spikes), {m: np.asarray(v) for m, v in mon.items()}


def _tonic_inputs():
    """2004 Fig. 1A protocol: I = 14 from t = 10 ms, dt = 0.25 ms, 100 ms."""
    ts = np.arange(401) * 0.25
    return np.where(ts > 10, 14.0, 0.0)[:, None]


def test_spk_reset_is_read(x64):
    """brainpy.state: hard and soft reset give the same run and gradient. Ours: soft keeps V - (V_th - c)."""
    inputs = np.full((300, 1), 20.0)

    def loss(cls, reset, **kw):
        def f(bias):
            neu = cls(1, spk_reset=reset, **kw)
            neu.init_state()

            def step(k):
                with brainstate.environ.context(t=k * 0.1 * ms):
                    return neu.update((inputs[0] + bias) * I_UNIT).sum() + u.get_mantissa(neu.V.value).sum()

            with brainstate.environ.context(dt=0.1 * ms):
                return brainstate.transform.for_loop(step, jnp.arange(300)).sum()
        return jax.value_and_grad(f)(0.0)

    theirs = {r: loss(bs.Izhikevich, r) for r in ('hard', 'soft')}
    assert theirs['hard'][0] == theirs['soft'][0] and theirs['hard'][1] == theirs['soft'][1]
    ours = {r: loss(Izhikevich, r) for r in ('hard', 'soft')}
    assert ours['hard'][0] != ours['soft'][0] and ours['hard'][1] != ours['soft'][1]

    # The soft reset's rule, checked on the step that fires: V_after = V_before_threshold - (V_th - c).
    neu = Izhikevich(1, spk_reset='soft', spk_fun=None, method='euler')
    spikes, mon = _run(neu, inputs, 0.1)
    k = int(np.argmax(spikes[:, 0]))
    V_prev, u_prev = mon['V'][k - 1, 0], mon['u'][k - 1, 0]
    V_pre = V_prev + 0.1 * (0.04 * V_prev ** 2 + 5 * V_prev + 140 - u_prev + 20.0)
    assert V_pre >= 30
    np.testing.assert_allclose(mon['V'][k, 0], V_pre - (30 - (-65)), rtol=1e-12)


def test_u_starts_at_b_V_and_tonic_spiking_gives_the_authors_5_spikes(x64):
    """brainpy.state: u0 = 0, 3 spikes. Ours: u0 = b V0 = -14, the author's 5 spikes at his samples."""
    feature = next(f for f in reference_2004.load()['features'] if f['name'] == 'tonic spiking')
    expected, _ = reference_2004.run(feature)
    assert len(expected) == 5
    kw = dict(a=0.02 / ms, b=0.2 / ms, c=-65 * mV, d=6 * mV / ms)
    theirs = bs.Izhikevich(1, V_initializer=braintools.init.Constant(-70 * mV), **kw)
    spikes_theirs, mon = _run(theirs, _tonic_inputs(), 0.25)
    theirs.init_state()
    assert float(u.get_mantissa(theirs.u.value)[0]) == 0.0
    assert int((spikes_theirs > 0).sum()) == 3

    ours = Izhikevich(1, V_initializer=-70 * mV, method='izhikevich2004', spk_fun=None, **kw)
    ours.init_state()
    assert float(ours.u.value.to_decimal(mV / ms)[0]) == -14.0
    spikes, _ = _run(ours, _tonic_inputs(), 0.25)
    assert np.flatnonzero(spikes[:, 0]).tolist() == expected


def test_reset_state_rederives_u_from_the_current_b(x64):
    b = brainstate.ParamState(jnp.asarray(0.2))
    neu = Izhikevich(2, b=b, V_initializer=-70.0)
    neu.init_state()
    np.testing.assert_array_equal(neu.u.value.to_decimal(mV / ms), [-14.0, -14.0])
    b.value = jnp.asarray(0.25)
    neu.reset_state()
    np.testing.assert_array_equal(neu.u.value.to_decimal(mV / ms), [-17.5, -17.5])
    theirs = bs.Izhikevich(2)  # u_initializer is a constant 0: no b V at all
    theirs.init_state()
    theirs.reset_state()
    assert np.all(u.get_mantissa(theirs.u.value) == 0)


def test_method_and_noise_exist_and_V_stays_bounded(x64):
    """brainpy.state: no method=/noise=, V reaches ~1.8e4 mV at dt = 1 ms, I = 100. Ours: bounded, fires."""
    with pytest.raises(TypeError):
        bs.Izhikevich(1, method='rk4')
    with pytest.raises(TypeError):
        bs.Izhikevich(1, noise=1.0)
    inputs = np.full((50, 1), 100.0)
    _, mon = _run(bs.Izhikevich(1), inputs, 1.0)
    assert np.nanmax(np.abs(mon['V'])) > 1e4
    for method in ('exp_auto', 'euler', 'rk4', 'izhikevich2004', 'riccati'):
        spikes, mon = _run(Izhikevich(1, method=method, spk_fun=None), inputs, 1.0)
        assert np.all(np.isfinite(mon['V'])) and np.max(mon['V']) <= 30, method  # riccati may stop at V_th
        assert spikes.sum() >= 10, method
    spikes, mon = _run(Izhikevich(1, method='euler', noise=2.0, spk_fun=None), np.zeros((20, 1)), 0.1)
    assert np.ptp(np.diff(mon['V'][:, 0])) > 0.1  # noise moves V at rest


def test_threshold_is_a_difference_not_a_ratio(x64):
    """brainpy.state tests (V - V_th) / V_th > 0: V_th = -40 fires at rest on every step, and with
    V_th = 0 the surrogate divides by zero, so the gradient is NaN. (The issue also said V_th = 0 never
    fires; measured here, it does fire, where V > 0.) Ours tests V - V_th >= 0."""
    rest = np.zeros((100, 1))
    spikes, _ = _run(bs.Izhikevich(1, V_th=-40 * mV), rest, 0.1)
    assert np.all(spikes > 0)
    spikes, _ = _run(Izhikevich(1, V_th=-40 * mV, spk_fun=None), rest, 0.1)
    assert spikes.sum() == 0  # rest is at -70 mV, below -40
    spikes, _ = _run(Izhikevich(1, V_th=-40 * mV), rest, 0.1)  # the surrogate too
    assert spikes.sum() == 0

    def count(neuron, bias):
        return _run_traced(neuron, 20.0 + bias, 400, 0.1)[0].sum()

    theirs = bs.Izhikevich(1, V_th=0 * mV)
    assert float(count(theirs, 0.0)) >= 1
    assert np.isnan(float(jax.grad(lambda b: count(theirs, b))(0.0)))
    ours = Izhikevich(1, V_th=0 * mV)
    assert float(count(ours, 0.0)) >= 3
    grad = float(jax.grad(lambda b: count(ours, b))(0.0))
    assert np.isfinite(grad) and grad > 0
    spikes, mon = _run(Izhikevich(1, V_th=0 * mV, spk_fun=None), np.full((400, 1), 20.0), 0.1)
    assert spikes.sum() >= 3 and np.max(mon['V']) < 0  # every crossing of 0 mV is reset at once


@pytest.mark.parametrize('name', ['a', 'b', 'c', 'd'])
def test_paramstate_parameters_train(x64, name):
    """brainpy.state raises TypeError for a ParamState; ours differentiates through it."""
    defaults = dict(a=0.02, b=0.2, c=-65.0, d=8.0)
    units = dict(a=1 / ms, b=1 / ms, c=mV, d=mV / ms)
    theirs = bs.Izhikevich(1, **{name: brainstate.ParamState(jnp.full((1,), defaults[name]) * units[name])})
    theirs.init_state()
    with pytest.raises(TypeError), brainstate.environ.context(dt=0.1 * ms):
        theirs.update(10 * I_UNIT)

    param = brainstate.ParamState(jnp.full((3,), defaults[name]))
    neu = Izhikevich(3, V_initializer=-70.0, **{name: param})
    inputs = np.broadcast_to(np.array([8.0, 15.0, 30.0]), (1000, 3))

    grads = brainstate.transform.grad(lambda: _loss_traced(neu, inputs), grad_states=[param])()
    g = np.asarray(grads[0])
    assert g.shape == (3,) and np.all(np.isfinite(g)) and np.any(g != 0)


def _loss_traced(neu, inputs):
    neu.init_state()

    def step(k, x):
        with brainstate.environ.context(t=k * 0.1 * ms):
            return neu.update(x * I_UNIT).sum() + 1e-3 * neu.V.value.to_decimal(mV).sum()

    with brainstate.environ.context(dt=0.1 * ms):
        return brainstate.transform.for_loop(step, jnp.arange(inputs.shape[0]), jnp.asarray(inputs)).sum()


def test_default_surrogate_gives_spike_counts_that_grow_with_input(x64):
    """d(spike count)/d(bias) must be >= 0 (counts grow with input). brainpy.state's default ReluGrad
    gives negative values for some neurons; our default (InvSquareGrad on V - V_th) does not."""
    bias = jnp.linspace(0.0, 40.0, 40)

    def counts(make, x):
        spikes, _ = _run_traced(make(), x, 1000, 0.1)
        return spikes

    for make, wrong in ((lambda: bs.Izhikevich(40), True), (lambda: Izhikevich(40), False)):
        c = np.asarray(counts(make, bias))
        assert np.all(np.diff(c) >= 0) and c[-1] >= 10  # the true dependence is non-decreasing
        grad = np.asarray(jax.grad(lambda x: counts(make, x).sum())(bias))
        assert np.any(grad < 0) == wrong


def _run_traced(neuron, bias, steps, dt):
    neuron.init_state()

    def step(k):
        with brainstate.environ.context(t=k * dt * ms):
            return neuron.update(bias * I_UNIT)

    with brainstate.environ.context(dt=dt * ms):
        return brainstate.transform.for_loop(step, jnp.arange(steps)).sum(0), None


def _clamp_lengths(spikes, V, c):
    """Samples at V == c from the spike's reset on, for each spike."""
    out = []
    for k in np.flatnonzero(spikes):
        j = k + 1
        while j < len(V) and V[j] == c:
            j += 1
        out.append(j - k - 1)
    return out


def test_refractory_u_relaxes_clamp_is_exact_and_t_is_optional(x64):
    """IzhikevichRef: u frozen while clamped, clamp of 19 or 20 steps for tau_ref = 2 ms at dt = 0.1 ms,
    KeyError without t. Ours: u follows its recovery flow, the clamp is round(tau_ref / dt) samples
    at V = c every time, and a missing t is the neuron's own clock."""
    drive = np.full((5000, 1), 20.0)
    kw = dict(V_initializer=braintools.init.Constant(-70 * mV), d=2 * mV / ms)
    theirs = bs.IzhikevichRef(1, tau_ref=2 * ms, u_initializer=braintools.init.Constant(-14 * mV / ms), **kw)
    spikes, mon = _run(theirs, drive, 0.1)
    # brainpy.state resets at the step after the spike, so its clamp starts there.
    lengths = _clamp_lengths(spikes[:, 0] > 0, mon['V'][:, 0], -65.0)[:-1]
    assert set(lengths) == {19, 20}
    first = int(np.flatnonzero(spikes[:, 0])[0])
    assert mon['u'][first + 2, 0] == mon['u'][first + 10, 0]  # u frozen
    with pytest.raises(KeyError), brainstate.environ.context(dt=0.1 * ms):
        theirs.init_state()
        theirs.update(0 * I_UNIT)

    ours = Izhikevich(1, tau_ref=2 * ms, spk_fun=None, **kw)
    spikes, mon = _run(ours, drive, 0.1)
    # ours resets inside the spike's step: that sample and the next 19 hold V = c.
    lengths = _clamp_lengths(spikes[:, 0] > 0, mon['V'][:, 0], -65.0)
    assert len(lengths) > 20 and set(lengths[:-1]) == {19}
    first = int(np.flatnonzero(spikes[:, 0])[0])
    assert mon['u'][first + 2, 0] != mon['u'][first + 10, 0]  # u relaxes towards b c
    a, b, c = 0.02, 0.2, -65.0
    u0 = mon['u'][first, 0]
    np.testing.assert_allclose(mon['u'][first + 10, 0], b * c + (u0 - b * c) * np.exp(-a * 1.0), rtol=1e-12)

    with_t, _ = _run(ours, drive[:600], 0.1)
    without_t, _ = _run(ours, drive[:600], 0.1, with_t=False)
    np.testing.assert_array_equal(without_t, with_t)
