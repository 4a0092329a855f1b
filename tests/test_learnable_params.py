"""Learnable a, b, c, d: TrainVars per neuron or shared, their gradients, and fitting one neuron."""

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn


def _run(neuron, I, steps, dt):
    def body(i):
        bp.share.save(t=i * dt, dt=dt, i=i)
        return neuron.update(jnp.broadcast_to(I, neuron.V.shape))

    return bm.for_loop(body, jnp.arange(steps))


def test_trainable_shapes_and_errors():
    assert izhi_dyn.trainable(0.02, 5).shape == (5,)
    assert izhi_dyn.trainable(8.0, shared=True).shape == ()
    assert isinstance(izhi_dyn.trainable(bp.init.Uniform(0.0, 1.0), (2, 3)), bm.TrainVar)
    with pytest.raises(ValueError, match='size'):
        izhi_dyn.trainable(0.02)
    with pytest.raises(ValueError, match='shared'):
        izhi_dyn.trainable(np.ones(3), shared=True)
    neu = izhi_dyn.Izhikevich(3, a=np.array([0.02, 0.03, 0.04]))
    with pytest.raises(ValueError, match='cannot be shared'):
        izhi_dyn.make_trainable(neu, ['a'], shared=True)
    with pytest.raises(ValueError, match='names'):
        izhi_dyn.make_trainable(neu, ['tau'])


def test_make_trainable_keeps_the_dynamics_and_exposes_train_vars():
    kw = dict(mode=bm.TrainingMode(2), method='euler', a=np.array([0.02, 0.1, 0.02]), d=np.array([8.0, 2.0, 6.0]))
    plain = izhi_dyn.Izhikevich(3, **kw)
    learn = izhi_dyn.Izhikevich(3, **kw)
    made = izhi_dyn.make_trainable(learn, shared=['b', 'c'])
    assert made['a'].shape == (3,) and made['b'].shape == () and made['c'].shape == () and made['d'].shape == (3,)
    assert set(map(id, learn.train_vars().unique().values())) == set(map(id, made.values()))
    s_plain = np.asarray(_run(plain, 10.0, 400, 0.25))
    s_learn = np.asarray(_run(learn, 10.0, 400, 0.25))
    assert s_plain.sum() > 5
    np.testing.assert_array_equal(s_plain, s_learn)


def test_per_neuron_parameters_get_independent_gradients():
    neu = izhi_dyn.Izhikevich(3, mode=bm.TrainingMode(1), method='exp_auto', detach_spk=True)
    params = izhi_dyn.make_trainable(neu, ['a', 'd'])

    def loss():
        neu.reset_state(1)
        return _run(neu, jnp.asarray([[10.0, 0.0, 12.0]]), 600, 0.1)[:, 0, 0].sum()  # neuron 0 only

    grads = bm.grad(loss, grad_vars=params)()
    for g in grads.values():
        g = np.asarray(g)
        assert np.isfinite(g[0]) and g[0] != 0
        assert np.all(g[1:] == 0)


def _subthreshold_loss(neuron, a, b, I, V0, u0, steps=120, dt=0.1):
    neuron.a.value = a
    neuron.b.value = b
    neuron.reset_state(1)
    neuron.V.value = jnp.full((1, 1), V0)
    neuron.u.value = jnp.full((1, 1), u0)
    spikes = _run(neuron, I, steps, dt)
    return neuron.V.value.sum() + 3.0 * neuron.u.value.sum() + 0.0 * spikes.sum()


def test_subthreshold_gradients_wrt_a_b_input_and_initial_state_match_finite_differences(x64):
    # detach_spk: the surrogate is non-zero below threshold, so the u + d*s
    # reset path would add a term that the exact (spike-free) forward never takes.
    neuron = izhi_dyn.Izhikevich(1, mode=bm.TrainingMode(1), method='rk4', detach_spk=True,
                                 a=izhi_dyn.trainable(0.02, shared=True), b=izhi_dyn.trainable(0.2, shared=True))
    x0 = np.array([0.02, 0.2, 3.0, -63.0, -12.0])  # a, b, I, V0, u0

    def f(x):
        return _subthreshold_loss(neuron, *x)

    grad = np.asarray(jax.grad(f)(jnp.asarray(x0)))
    fd = []
    for k in range(len(x0)):
        h = 1e-6 * max(abs(x0[k]), 1.0)
        up, down = x0.copy(), x0.copy()
        up[k] += h
        down[k] -= h
        fd.append((float(f(jnp.asarray(up))) - float(f(jnp.asarray(down)))) / (2 * h))
    fd = np.array(fd)
    assert np.all(fd != 0)
    np.testing.assert_allclose(grad, fd, rtol=1e-5)


def _count_and_grads(d, detach, reset):
    neu = izhi_dyn.Izhikevich(1, mode=bm.TrainingMode(1), method='exp_auto', d=d, detach_spk=detach,
                              spk_reset=reset)
    params = izhi_dyn.make_trainable(neu, ['a', 'b', 'c'], shared=True)

    def count():
        neu.reset_state(1)
        return _run(neu, 10.0, 400, 0.1).sum()

    grads, n = bm.grad(count, grad_vars=params, return_value=True)()
    return float(n), np.array([float(grads[k]) for k in ('a', 'b', 'c')])


def test_detach_spk_only_removes_the_spike_to_reset_path():
    """detach_spk cuts the spike's path into the reset: V + (c - V) s for the hard reset (brainpy's),
    so even with d = 0 (no u path) it changes the gradient, and the forward pass is unchanged."""
    n0, g0 = _count_and_grads(0.0, False, 'hard')
    n1, g1 = _count_and_grads(0.0, True, 'hard')
    assert n0 == n1 >= 2 and np.all(np.isfinite(g0)) and np.all(np.isfinite(g1))
    assert np.all(g0 != g1)
    n2, g2 = _count_and_grads(8.0, False, 'hard')
    n3, g3 = _count_and_grads(8.0, True, 'hard')
    assert n2 == n3 and np.all(np.isfinite(g2)) and np.all(np.isfinite(g3))
    assert np.all(g2 != g3)
    # Soft reset also routes the spike into V (V - (V_th - c) s): even with d = 0 detaching changes it.
    n4, g4 = _count_and_grads(0.0, False, 'soft')
    n5, g5 = _count_and_grads(0.0, True, 'soft')
    assert n4 == n5 and np.all(np.isfinite(g4)) and np.all(g5 != 0)
    assert np.all(g4 != g5)


def test_gradient_descent_fits_a_b_c_d_to_a_target_spike_count():
    dt, steps, I = 0.1, 1000, 10.0  # 100 ms of constant drive
    teacher = izhi_dyn.Izhikevich(1, mode=bm.BatchingMode(1), method='euler')  # regular spiking
    target = float(np.asarray(_run(teacher, I, steps, dt)).sum())

    student = izhi_dyn.Izhikevich(1, mode=bm.TrainingMode(1), method='euler', a=0.03, b=0.22, c=-60.0, d=4.0,
                                  detach_spk=True, spk_fun=bm.surrogate.InvSquareGrad(alpha=0.2))
    params = izhi_dyn.make_trainable(student, shared=True)
    opt = bp.optim.Adam(lr=0.01, train_vars=params)

    def loss():
        student.reset_state(1)
        return (_run(student, I, steps, dt).sum() - target) ** 2

    grad_fun = bm.grad(loss, grad_vars=params, return_value=True)

    @bm.jit
    def step():
        grads, value = grad_fun()
        opt.update(grads)
        return value

    losses, fitted = [], None
    for _ in range(40):
        before = {k: float(v.value) for k, v in params.items()}
        losses.append(float(step()))
        if losses[-1] == 0:
            fitted = before
            break
    assert losses[0] >= 4  # starts at least 2 spikes off
    assert fitted is not None, losses
    # The fitted parameters reproduce the target count in the exact (non-surrogate) mode.
    check = izhi_dyn.Izhikevich(1, mode=bm.BatchingMode(1), method='euler', **fitted)
    assert float(np.asarray(_run(check, I, steps, dt)).sum()) == target


def test_clip_parameters_clips_each_variable_in_place_to_its_bounds():
    a = izhi_dyn.trainable(np.array([-0.1, 0.01, 0.5]), 3)
    d = izhi_dyn.trainable(9.0, shared=True)
    c = izhi_dyn.trainable(np.array([-80.0, -60.0, -40.0]), 3)
    V_th = izhi_dyn.trainable(np.array([20.0, 35.0, 50.0]), 3)
    neuron = izhi_dyn.Izhikevich(3, a=a, c=c, d=d, V_th=V_th)
    before = {name: np.asarray(v.value) for name, v in dict(a=a, c=c, d=d, V_th=V_th).items()}
    izhi_dyn.clip_parameters({a: (0.0, 0.2), d: (None, 8.0), c: (None, None), V_th: (30.0, None)})
    np.testing.assert_array_equal(a.value, np.clip(before['a'], 0.0, 0.2))
    np.testing.assert_array_equal(d.value, 8.0)
    np.testing.assert_array_equal(c.value, before['c'])  # unbounded on both sides
    np.testing.assert_array_equal(V_th.value, np.maximum(before['V_th'], 30.0))
    assert neuron.a is a and neuron.params.a[0] == 0.0  # the neuron sees the clipped values
    assert a.dtype == d.dtype == bm.float_


BAD_BOUNDS = {  # case -> (bounds built around a variable, expected error)
    'not a dict': (lambda var: [(var, (0.0, 1.0))], TypeError),
    'key not a Variable': (lambda var: {'a': (0.0, 1.0)}, TypeError),
    'not a pair': (lambda var: {var: 0.5}, TypeError),
    'NaN bound': (lambda var: {var: (np.nan, 1.0)}, ValueError),
    'lower above upper': (lambda var: {var: (1.0, 0.0)}, ValueError),
}


@pytest.mark.parametrize('case', BAD_BOUNDS)
def test_clip_parameters_bad_bounds_raise_naming_bounds(case):
    build, error = BAD_BOUNDS[case]
    var = izhi_dyn.trainable(0.02, 3)
    before = np.asarray(var.value)
    with pytest.raises(error, match='bounds'):
        izhi_dyn.clip_parameters(build(var))
    np.testing.assert_array_equal(var.value, before)  # nothing clipped on error
