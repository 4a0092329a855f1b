"""Both front-ends on every preset and integrator, compiled as written; writes an npz (argv[1]).

Helper of ``test_state_parity``. XLA rewrites a program before it runs: the
CPU fusion contracts ``a * b + c`` into a fused multiply-add where both sit in
one kernel, and the algebraic simplifier reorders some arithmetic. Two
different programs doing the same maths (the dyn loop and the brainstate
loop) can therefore differ in the last bit (measured: 3.6e-15 mV in V). With
those passes off (``XLA_FLAGS``, set by the caller before JAX starts) every
operation is rounded as written, and the two front-ends must agree exactly.
"""

import collections
import sys

import brainpy.math as bm
import brainstate
import braintools
import jax
import jax.numpy as jnp
import numpy as np

import izhi_dyn
import izhi_dyn.state
from izhi_dyn.presets import PRESETS
from state_sim import both_front_ends, preset_population, run_dyn, run_state

bm.enable_x64()
out = {}
groups = collections.defaultdict(list)
for key, p in PRESETS.items():
    groups[(p.dt, p.recovery)].append(key)
for method in sorted(izhi_dyn.INTEGRATORS):
    for g, ((dt, _), keys) in enumerate(groups.items()):
        kwargs, inputs = preset_population(keys, dt)
        dyn, state = both_front_ends(len(keys), inputs, dt, method=method, **kwargs)
        for front, mon in (('dyn', dyn), ('state', state)):
            out[f'{method}/{g}/{front}/V'] = mon['V']
            out[f'{method}/{g}/{front}/spike'] = mon['spike'].astype(bool)

# Gradients of a spike count over 20 neurons with graded inputs, w.r.t. the input and w.r.t. b.
spk_fun = braintools.surrogate.InvSquareGrad()
N, STEPS, DT = 20, 400, 0.1
drive = jnp.linspace(2.0, 30.0, N)


def loss_dyn(bias, b):
    neu = izhi_dyn.Izhikevich(N, mode=bm.TrainingMode(1), spk_fun=spk_fun, method='rk4', b=b, V_initializer=-70.0)
    return run_dyn(neu, jnp.broadcast_to(drive + bias, (STEPS, 1, N)), DT, monitors=('spike',))['spike'].sum()


def loss_state(bias, b):
    neu = izhi_dyn.state.Izhikevich(N, spk_fun=spk_fun, method='rk4', b=b, V_initializer=-70.0)
    return run_state(neu, jnp.broadcast_to(drive + bias, (STEPS, 1, N)), DT, 1, monitors=('spike',))['spike'].sum()


b0 = jnp.asarray(0.2)
for name, loss in (('dyn', loss_dyn), ('state', loss_state)):
    value, grads = jax.value_and_grad(loss, argnums=(0, 1))(jnp.asarray(0.0), b0)
    out[f'grad/{name}'] = np.array([value, *grads])

# The same gradient w.r.t. b held in a brainstate.ParamState, through brainstate.transform.grad.
b_state = brainstate.ParamState(jnp.full((N,), 0.2))
neu = izhi_dyn.state.Izhikevich(N, spk_fun=spk_fun, method='rk4', b=b_state, V_initializer=-70.0)
grad_b = brainstate.transform.grad(
    lambda: run_state(neu, jnp.broadcast_to(drive, (STEPS, 1, N)), DT, 1, monitors=('spike',))['spike'].sum(),
    grad_states=[b_state])()
out['grad/state_param_b'] = np.asarray(grad_b[0]).sum()
np.savez(sys.argv[1], **out)
print('WROTE', len(out))
