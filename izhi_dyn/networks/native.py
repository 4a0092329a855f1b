r"""The fused native step of the 2003 network: one XLA FFI call (C++) per step.

``csrc/fused_step.cc``, built by the package's install (``setup.py``, optional),
does in one call what the brainpy nodes of :class:`CorticalNetwork2003` do in
several: propagate the previous step's spikes through the recurrent weights
(CSR or dense), draw the thalamic noise (:mod:`izhi_dyn.core.counter_rng`), advance
both populations by the published scheme ``izhikevich2003``, threshold, reset and
stamp the spike times. It gives the pure-JAX path's bits (same summation order,
same generator, fused multiply-adds where XLA's CPU backend puts them), so the
pure-JAX path stays the reference, and the fallback where the library is not built.

``kernel=`` of :class:`CorticalNetwork2003` chooses: ``'jax'`` (the brainpy nodes),
``'native'`` (this step; an error says why a network cannot use it) or ``'auto'``
(this step where :func:`native_unsupported` finds nothing against it).
"""

from __future__ import annotations

import ctypes
import functools
from typing import Optional

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn._ffi import load_ffi_library
from izhi_dyn.core.counter_rng import FRAC_BITS, SUB_BITS, normal_table
from izhi_dyn.networks._comm import EventCSR, EventDense

__all__ = ['KERNELS', 'native_library', 'native_unsupported', 'fused_update']

#: Names accepted by ``kernel=``.
KERNELS = ('auto', 'native', 'jax')
_MODULE = 'izhi_dyn.networks._fused_step'
_TARGETS = {'csr': 'IzhiFusedStepCsr', 'dense': 'IzhiFusedStepDense'}


@functools.lru_cache(maxsize=1)
def native_library() -> Optional[ctypes.CDLL]:
    """The built kernel library with its FFI targets registered, or None if it was not built or
    cannot be loaded."""
    return load_ffi_library(_MODULE, {f'izhi_fused_step_{kind}': symbol for kind, symbol in _TARGETS.items()})


def _scalar(x):
    """``x`` as a float if it is a constant scalar (not a Variable, not traced), else None."""
    if isinstance(x, bm.Variable) or isinstance(x, jax.core.Tracer) or np.size(x) != 1:
        return None
    return float(np.asarray(x).reshape(()))


def native_unsupported(net) -> Optional[str]:
    """Why ``net`` cannot run on the native step (None if it can)."""
    if native_library() is None:
        return 'the native kernel is not built (no C++ compiler at install time) or cannot be loaded'
    if jax.default_backend() != 'cpu':
        return f'the native kernel runs on the CPU, the default backend is {jax.default_backend()}'
    if net.layout != 'fused' or net.mesh is not None:
        return "it needs layout='fused' on one device"
    proj = net.recurrent
    if proj.delay or not isinstance(proj.comm, (EventCSR, EventDense)) or proj.comm.sharding is not None:
        return 'it needs the recurrent EventCSR/EventDense of the constructor, without delay'
    for node in (net.E, net.I, net.noise, proj):
        if 'update' in vars(node):
            return f'{node.name}.update was replaced'
    names = set()
    for pop in (net.E, net.I):
        p = pop.params
        checks = {'method': pop.integrator.name == 'izhikevich2003', 'spk_reset': pop.spk_reset == 'hard',
                  'recovery': pop.recovery == 'standard', 'noise': pop.noise is None and pop.noise_u is None,
                  'tau_ref': _scalar(pop.tau_ref) == 0.0, 'mode': not pop.training,
                  'scaling': float(pop.scaling.scale) == 1.0 and float(pop.scaling.bias) == 0.0,
                  'input_var': not pop.input_var, 'check_finite': not pop.check_finite,
                  'ref_var/spike_time_var': not (pop.ref_var or pop.spike_time_var),
                  'inputs': list(pop.current_inputs) == [proj.name, net.noise.name] and not pop.delta_inputs}
        for key in ('V_th', 'p1', 'p2', 'p3'):
            checks[key] = _scalar(getattr(p, key)) is not None and _scalar(getattr(p, key)) == _scalar(
                getattr(net.E.params, key))
        names |= {k for k, ok in checks.items() if not ok}
    if names:
        return f'its neurons differ from the published network in {sorted(names)}'
    return None


def _flat(x):
    return jnp.atleast_1d(jnp.asarray(bm.as_jax(x.value if isinstance(x, bm.Variable) else x), dtype=bm.float_))


def fused_update(net) -> None:
    """One step of ``net`` (time and step from ``bp.share``) through the native kernel; writes its state."""
    i, t, dt = bp.share.load('i'), bp.share.load('t'), bp.share.load('dt')
    E, I, comm = net.E, net.I, net.recurrent.comm
    ft = np.dtype(bm.float_)
    coef = [float(np.asarray(np.float32(s), ft) / np.sqrt(ft.type(dt))) for s in net.noise.sigma]
    args = [jnp.concatenate([bm.as_jax(E.spike.value), bm.as_jax(I.spike.value)]).astype(bool)]
    for pop in (E, I):
        args += [bm.as_jax(pop.V.value), bm.as_jax(pop.u.value), bm.as_jax(pop.t_last_spike.value)]
        args += [_flat(getattr(pop, key)) for key in 'abcd']
    args += [jnp.asarray(t, dtype=bm.float_), jnp.asarray(i, dtype=jnp.int32), net.noise.key.value,
             jnp.asarray(normal_table())]
    if isinstance(comm, EventCSR):
        target, args = 'izhi_fused_step_csr', args + [comm.indptr, comm.indices.value, comm.weight.value]
    else:
        target, args = 'izhi_fused_step_dense', args + [comm.weight.value]
    p = E.params
    out_types = []
    for pop in (E, I):
        state = jax.ShapeDtypeStruct(pop.V.shape, bm.float_)
        out_types += [state, state, state, jax.ShapeDtypeStruct(pop.V.shape, jnp.bool_)]
    # V, u, t_last_spike of each population are updated in place (the kernel reads each element before
    # writing it), so the loop carries no copies of the state
    outs = jax.ffi.ffi_call(target, out_types, input_output_aliases={1: 0, 2: 1, 3: 2, 8: 4, 9: 5, 10: 6})(
        *[bm.as_jax(a) for a in args], V_th=np.float64(_scalar(p.V_th)),
        p1=np.float64(_scalar(p.p1)), p2=np.float64(_scalar(p.p2)), p3=np.float64(_scalar(p.p3)),
        dt=np.float64(dt), coef_e=np.float64(coef[0]), coef_i=np.float64(coef[1]),
        frac_bits=np.int64(FRAC_BITS), sub_bits=np.int64(SUB_BITS))
    for pop, (V, u, t_last, spike) in zip((E, I), (outs[:4], outs[4:])):
        pop.V.value, pop.u.value, pop.t_last_spike.value = V, u, t_last
        pop.spike.value = spike.astype(pop.spike.dtype)
