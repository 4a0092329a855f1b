"""Agreement with norse's ``izhikevich_feed_forward_step`` (forward and gradient).

Facts transcribed from norse (``norse/torch/functional/izhikevich.py``): with ``tau_inv = 250``
and ``dt = 0.001`` the step is forward Euler over ``tau_inv * dt = 0.25`` ms, V and u both from the
old values; ``z = threshold(v - v_th)`` with the SuperSpike surrogate (forward: Heaviside; derivative
``1 / (alpha |x| + 1)^2``, ``alpha = 100``); then ``v = (1 - z) v + z c`` and
``u = (1 - z) u + z (u + d)``, without detaching z. Our mapping: ``method='euler'`` at
``dt = 0.25``, ``TrainingMode``, ``spk_reset='hard'`` (``V + (c - V) s``), ``detach_spk=False``,
``spk_fun=bm.surrogate.InvSquareGrad(alpha=100)`` (the same derivative).
"""

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

import izhi_dyn

ALPHA = 100.0
H = 250 * 0.001  # norse's tau_inv * dt, in ms


@jax.custom_jvp
def superspike(x):
    return (x > 0).astype(x.dtype)


@superspike.defjvp
def _superspike_jvp(primals, tangents):
    (x,), (dx,) = primals, tangents
    return superspike(x), dx / (ALPHA * jnp.abs(x) + 1.0) ** 2


def norse_run(I, steps, a=0.02, b=0.2, c=-65.0, d=6.0, v=-70.0):
    """norse's tonic_spiking preset under constant input ``I``; returns (spikes, V) per step."""
    def step(state, _):
        v, u = state
        v_ = v + H * (0.04 * v ** 2 + 5 * v + 140 - u + I)
        u_ = u + H * a * (b * v - u)
        z = superspike(v_ - 30.0)
        v_ = (1 - z) * v_ + z * c
        u_ = (1 - z) * u_ + z * (u_ + d)
        return (v_, u_), (z, v_)

    v0 = jnp.asarray(v, dtype=jnp.result_type(I))
    return jax.lax.scan(step, (v0, v0 * b), None, length=steps)[1]


def ours_run(I, steps):
    neuron = izhi_dyn.Izhikevich(1, mode=bm.TrainingMode(1), method='euler', a=0.02, b=0.2, c=-65.0, d=6.0,
                                 spk_reset='hard', spk_fun=bm.surrogate.InvSquareGrad(alpha=ALPHA),
                                 V_initializer=bp.init.Constant(-70.0))

    def body(i):
        bp.share.save(t=i * H, dt=H, i=i)
        spike = neuron.update(jnp.broadcast_to(I, (1, 1)))
        return spike[0, 0], neuron.V.value[0, 0]

    return bm.for_loop(body, jnp.arange(steps))


def test_same_spikes_voltages_and_gradients_as_norse(x64):
    steps, I = 800, jnp.asarray(10.0)  # 200 ms
    z_norse, V_norse = norse_run(I, steps)
    z_ours, V_ours = ours_run(I, steps)
    assert float(z_norse.sum()) >= 5
    np.testing.assert_array_equal(np.asarray(z_ours), np.asarray(z_norse))
    np.testing.assert_allclose(np.asarray(V_ours), np.asarray(V_norse), rtol=1e-9, atol=1e-9)
    for readout in (lambda r: r[1].sum(), lambda r: r[1][-100:].mean()):
        g_norse = jax.grad(lambda I: readout(norse_run(I, steps)))(I)
        g_ours = jax.grad(lambda I: readout(ours_run(I, steps)))(I)
        assert np.isfinite(float(g_norse)) and float(g_norse) != 0
        np.testing.assert_allclose(float(g_ours), float(g_norse), rtol=1e-6)
