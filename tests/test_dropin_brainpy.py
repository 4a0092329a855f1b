"""Drop-in with brainpy (issue 15): code written for ``bp.dyn.Izhikevich`` or the legacy
``bp.neurons.Izhikevich`` runs unchanged on :class:`izhi_dyn.Izhikevich` with the same results,
or fails with an error naming the replacement.

Facts transcribed from brainpy 2.8.2 (``brainpy/dyn/neurons/lif.py``, ``brainpy/dynold/neurons``
and their unit tests ``lif_test.py::test_training_lif`` and
``dyn_neurons_synapses_fixes_test.py::test_izhikevichref_detach_spk_changes_gradient``).
"""

import warnings

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn

STEPS = 1000  # 100 ms at brainpy's default dt = 0.1


def _run(neuron, inputs, monitors=('spike', 'V')):
    runner = bp.DSRunner(neuron, inputs=inputs, monitors=list(monitors), progress_bar=False)
    runner.run(STEPS * bm.get_dt())
    return {k: np.asarray(runner.mon[k]) for k in monitors}


def _ramp():
    ramp = iter(np.linspace(20.0, 40.0, STEPS))
    return ramp


def _pulse():
    return jnp.where(bp.share['t'] % 50.0 < 25.0, 25.0, 0.0)


# (name, DSRunner inputs): every input form and operation brainpy supports, written to 'input'.
INPUT_FORMS = [
    ('fix =', [('input', 20.0, 'fix', '=')]),
    ('fix +', [('input', 20.0, 'fix', '+')]),
    ('fix -', [('input', -20.0, 'fix', '-')]),
    ('fix * after =', [('input', 10.0, 'fix', '='), ('input', 2.5, 'fix', '*')]),
    ('fix / after +', [('input', 50.0, 'fix', '+'), ('input', 2.0, 'fix', '/')]),
    ('short form', ['input', 20.0]),
    ('iter =', [('input', 'ramp', 'iter', '=')]),
    ('iter +', [('input', 'ramp', 'iter', '+')]),
    ('func =', [('input', _pulse, 'func', '=')]),
    ('func -', [('input', lambda: -_pulse(), 'func', '-')]),
]


def _materialise(inputs):
    if isinstance(inputs[0], str):
        return inputs
    return [(k, _ramp() if v == 'ramp' else v, *rest) for k, v, *rest in inputs]


@pytest.mark.parametrize('name, inputs', INPUT_FORMS, ids=[f[0] for f in INPUT_FORMS])
def test_every_dsrunner_input_form_reaches_the_dynamics_as_in_brainpy(name, inputs):
    """bp.neurons.Izhikevich keeps an `input` slot (input_var=True by default); ours with input_var=True
    gives the same spikes for every input form and operation."""
    ours = _run(izhi_dyn.Izhikevich(3, input_var=True), _materialise(inputs))
    theirs = _run(bp.neurons.Izhikevich(3), _materialise(inputs))
    assert theirs['spike'].sum() >= 3 * 4  # the stimulus drives every neuron: the comparison is not vacuous
    np.testing.assert_array_equal(ours['spike'], theirs['spike'])


def test_input_monitor_shows_the_current_the_step_used_under_a_written_stimulus():
    ours = _run(izhi_dyn.Izhikevich(1, input_var=True), [('input', 20.0, 'fix', '=')], monitors=('input',))
    np.testing.assert_array_equal(ours['input'], 20.0)


def test_writing_input_without_the_slot_names_input_var():
    neuron = izhi_dyn.Izhikevich(1)
    with pytest.raises(AttributeError, match=r'input_var=True'):
        neuron.input  # noqa: B018
    with pytest.raises(AttributeError) as err:
        bp.DSRunner(neuron, inputs=['input', 20.0], progress_bar=False)
    assert 'input_var=True' in str(err.value.__context__)


def test_a_loop_that_clears_input_like_step_run_matches_dsrunner():
    """step_run (and DSRunner) call clear_input after each step; a stimulus written before each step is used once."""
    neuron = izhi_dyn.Izhikevich(2, input_var=True)
    spikes = []
    for i in range(STEPS):
        neuron.input.value = jnp.full((2,), 20.0)
        spikes.append(np.asarray(neuron.step_run(i)))
    reference = _run(izhi_dyn.Izhikevich(2, input_var=True), ['input', 20.0])['spike']
    np.testing.assert_array_equal(np.array(spikes), reference)
    neuron.clear_input()
    np.testing.assert_array_equal(np.asarray(neuron.input.value), 0.0)


# -- a bp.dyn.Izhikevich script, unchanged --------------------------------------------------------


def _script(cls):
    """A client script for bp.dyn.Izhikevich: brainpy's own argument names and defaults."""
    bm.random.seed(0)
    neu = cls(4, V_initializer=bp.init.Constant(-70.0), method='exp_auto', tau=10.0, R=1.0,
              a=0.02, b=0.2, c=-65.0, d=8.0)
    runner = bp.DSRunner(neu, monitors=['V', 'u', 'spike'], progress_bar=False)
    runner.run(inputs=np.linspace(5.0, 20.0, 4)[None, :] * np.ones((STEPS, 1)))
    return neu, {k: np.asarray(runner.mon[k]) for k in ('V', 'u', 'spike')}


def test_a_bp_dyn_script_runs_unchanged_with_the_same_spikes():
    with warnings.catch_warnings():
        warnings.simplefilter('ignore', UserWarning)  # tau and R: accepted, announced, unused
        ours_neu, ours = _script(izhi_dyn.Izhikevich)
    theirs_neu, theirs = _script(bp.dyn.Izhikevich)
    assert theirs['spike'].sum() >= 10
    # brainpy's default spk_reset='soft' is never read by its Izhikevich, which always resets V <- c:
    # our default, 'hard', is that behaviour.
    np.testing.assert_array_equal(ours['spike'], theirs['spike'])
    first = int(np.argmax(theirs['spike'].any(axis=1)))
    # exp_auto's operations in another order: round-off, amplified on the upstroke
    np.testing.assert_allclose(ours['V'][:first], theirs['V'][:first], rtol=1e-5, atol=1e-3)
    for attr in ('varshape', 'num', 'size', 'keep_size', 'detach_spk', 'spk_dtype'):
        assert getattr(ours_neu, attr) == getattr(theirs_neu, attr), attr
    for attr in ('tau', 'R', 'V_th', 'a', 'b', 'c', 'd', 'p1', 'p2', 'p3'):
        np.testing.assert_array_equal(np.asarray(getattr(ours_neu, attr)), np.asarray(getattr(theirs_neu, attr)),
                                      err_msg=attr)


def test_tau_and_R_are_stored_unused_and_announced():
    with pytest.warns(UserWarning, match='never uses them'):
        neu = izhi_dyn.Izhikevich(2, tau=3.0, R=7.0)
    assert float(neu.tau) == 3.0 and float(neu.R) == 7.0
    plain = izhi_dyn.Izhikevich(2)
    assert float(plain.tau) == 10.0 and float(plain.R) == 1.0  # brainpy's stored defaults
    inputs = np.full((300, 2), 12.0)
    r1 = bp.DSRunner(neu, monitors=['V'], progress_bar=False)
    r1.run(inputs=inputs)
    r2 = bp.DSRunner(plain, monitors=['V'], progress_bar=False)
    r2.run(inputs=inputs)
    np.testing.assert_array_equal(r1.mon['V'], r2.mon['V'])
    with pytest.raises(TypeError, match='tau'):
        izhi_dyn.Izhikevich(1, tau='ten')


@pytest.mark.parametrize('method', ['euler', 'rk4', 'exp_auto'])
def test_derivative_integral_dV_du_mean_what_brainpy_means(method):
    ours = izhi_dyn.Izhikevich(3, method=method, a=0.03, b=0.25, d=6.0)
    theirs = bp.dyn.Izhikevich(3, method=method, a=0.03, b=0.25, d=6.0)
    V = jnp.array([-70.0, -50.0, 20.0])
    u = jnp.array([-14.0, -5.0, 3.0])
    I = jnp.array([0.0, 10.0, 5.0])
    for name in ('dV', 'du'):
        args = (V, 0.0, u, I) if name == 'dV' else (u, 0.0, V)
        np.testing.assert_allclose(getattr(ours, name)(*args), getattr(theirs, name)(*args), rtol=1e-6)
    np.testing.assert_allclose(ours.derivative(V, u, 0.0, I), theirs.derivative(V, u, 0.0, I), rtol=1e-6)
    mine, ref = ours.integral(V, u, 0.0, I, 0.1), theirs.integral(V, u, 0.0, I, dt=0.1)
    np.testing.assert_allclose(mine, ref, rtol=1e-5)


def test_brainpys_scaling_unit_test_and_our_scaling_agree():
    """brainpy's lif_test.py::test_training_lif: a [-70, 30] -> [0, 1] scaling with input 10/scale gives the
    same spikes as no scaling; ours gives those spikes and brainpy's scaled parameters and state."""
    scaled = bm.Scaling.transform(V_range=[-70, 30], scaled_V_range=[0, 1])
    results = {}
    for cls in (izhi_dyn.Izhikevich, bp.dyn.Izhikevich):
        for key, scaling in (('scaled', scaled), ('plain', bm.Scaling(scale=1, bias=0))):
            neu = cls(size=1, V_initializer=bp.init.Constant(-70.0), mode=bm.training_mode, spk_reset='hard',
                      scaling=scaling)
            spikes = bm.for_loop(lambda i: neu.step_run(i, 10.0 / neu.scaling.scale), bm.arange(5000), jit=True)
            results[cls.__name__ + cls.__module__, key] = (np.asarray(spikes), neu)
    ours_s, ours_neu = results['Izhikevich' + izhi_dyn.Izhikevich.__module__, 'scaled']
    ours_p, _ = results['Izhikevich' + izhi_dyn.Izhikevich.__module__, 'plain']
    theirs_s, theirs_neu = results['Izhikevich' + bp.dyn.Izhikevich.__module__, 'scaled']
    assert ours_p.sum() >= 10
    np.testing.assert_array_equal(ours_s, ours_p)
    np.testing.assert_array_equal(ours_s, theirs_s)
    for attr in ('V_th', 'c', 'd', 'p1', 'p2', 'p3'):
        np.testing.assert_allclose(np.asarray(getattr(ours_neu, attr)), np.asarray(getattr(theirs_neu, attr)),
                                   rtol=1e-6, atol=1e-9, err_msg=attr)


def test_bad_scaling_names_the_argument():
    with pytest.raises(TypeError, match='scaling'):
        izhi_dyn.Izhikevich(1, scaling=2.0)
    with pytest.raises(ValueError, match='scaling'):
        izhi_dyn.Izhikevich(1, scaling=bm.Scaling(scale=-1.0, bias=0.0))
    with pytest.raises(ValueError, match="recovery='standard'"):
        izhi_dyn.Izhikevich(1, recovery='accommodation', scaling=bm.Scaling(scale=100.0, bias=70.0))
    with pytest.raises(ValueError, match='trainable'):
        izhi_dyn.Izhikevich(1, p3=bm.TrainVar(jnp.array(140.0)), scaling=bm.Scaling(scale=100.0, bias=70.0))


def _one_step_grad(cls, detach, v0):
    """brainpy's H-35 test: one training-mode step from V = v0, d(sum V)/d(input)."""
    neu = cls(3, mode=bm.training_mode, detach_spk=detach)

    def loss(inp):
        neu.reset_state(bm.training_mode)
        neu.V.value = bm.ones(neu.V.shape) * v0
        bp.share.save(t=0.0, dt=0.1, i=0)
        neu.update(inp)
        return jnp.sum(neu.V.value)

    return np.asarray(jax.grad(loss)(bm.zeros((1, 3))))


def test_detach_spk_changes_the_gradient_as_brainpys_test_expects():
    g_detach = _one_step_grad(izhi_dyn.Izhikevich, True, 30.0)
    g_plain = _one_step_grad(izhi_dyn.Izhikevich, False, 30.0)
    assert np.all(np.isfinite(g_detach)) and np.all(np.isfinite(g_plain))
    assert not np.allclose(g_detach, g_plain)
    # the hard reset is brainpy's V + (c - V) s: the same gradients as bp.dyn.Izhikevich
    np.testing.assert_allclose(g_plain, _one_step_grad(bp.dyn.Izhikevich, False, 30.0), rtol=1e-5)
    np.testing.assert_allclose(g_detach, _one_step_grad(bp.dyn.Izhikevich, True, 30.0), rtol=1e-5, atol=1e-7)


def test_projection_style_current_and_delta_inputs_reach_the_dynamics_as_in_brainpy():
    """Inputs registered the way projections register them (add_inp_fun, 'current' and 'delta')."""
    def attach(neu):
        neu.add_inp_fun('syn', lambda V: jnp.where(bp.share['t'] >= 20.0, 14.0, 0.0) * jnp.ones_like(V))
        neu.add_inp_fun('kick', lambda: jnp.where(bp.share['i'] % 250 == 0, 6.0, 0.0), category='delta')
        return neu

    ours = _run(attach(izhi_dyn.Izhikevich(2)), None)
    theirs = _run(attach(bp.dyn.Izhikevich(2)), None)
    assert theirs['spike'].sum() >= 2 * 3
    np.testing.assert_array_equal(ours['spike'], theirs['spike'])
