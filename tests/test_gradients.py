"""Gradients in TrainingMode, against finite differences and the documented reset paths."""

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
from sim import training_loss_and_grad

import izhi_dyn


def test_spike_count_gradient_is_finite_and_nonzero():
    count, grad = training_loss_and_grad(10.0, steps=300)
    assert count >= 2
    assert np.isfinite(grad) and grad != 0


def test_soft_and_hard_reset_give_different_gradients():
    """Hard reset stops the gradient through the spike into V; soft reset keeps it."""
    _, hard = training_loss_and_grad(10.0, steps=300, spk_reset='hard')
    _, soft = training_loss_and_grad(10.0, steps=300, spk_reset='soft')
    assert np.isfinite(hard) and np.isfinite(soft)
    assert not np.isclose(hard, soft, rtol=1e-2)


def _subthreshold_trajectory_sum(x, steps=100, dt=0.1):
    """Sum over the steps of V + u, for x = (a, b, I, V0)."""
    # The surrogate's gradient is non-zero even far below threshold, so the u
    # reset path (u + d s) would add a term the forward pass never takes;
    # detach_spk removes exactly that path.
    a, b, I, V0 = x
    neuron = izhi_dyn.Izhikevich(1, mode=bm.TrainingMode(1), method='rk4', a=a, b=b, detach_spk=True,
                                 V_initializer=lambda s: jnp.broadcast_to(V0, s))

    def step(i):
        bp.share.save(t=i * dt, dt=dt, i=i)
        neuron.update(jnp.broadcast_to(I, (1, 1)))
        return neuron.V.value.sum() + neuron.u.value.sum()

    return bm.for_loop(step, jnp.arange(steps), progress_bar=False).sum()


def test_subthreshold_gradient_matches_finite_differences(x64):
    x0 = jnp.array([0.02, 0.2, 2.0, -62.0])  # a, b, I, V0: subthreshold for 10 ms
    f = jax.jit(_subthreshold_trajectory_sum)  # one compiled run for the 8 of the differences
    grad = np.asarray(jax.jit(jax.grad(_subthreshold_trajectory_sum))(x0))
    h = 1e-5 * np.maximum(np.abs(np.asarray(x0)), 1.0)
    fd = np.array([(f(x0.at[k].add(h[k])) - f(x0.at[k].add(-h[k]))) / (2 * h[k]) for k in range(4)])
    np.testing.assert_allclose(grad, fd, rtol=1e-5)
