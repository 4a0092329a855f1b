r"""The 2007-form Izhikevich population on ``brainstate``: a :class:`brainpy.state.Neuron`.

Creates brainstate states, reads ``t`` and ``dt`` from :mod:`brainstate.environ`,
strips units at the boundary and calls :func:`izhi_dyn.core.neuron_update`
with :class:`~izhi_dyn.core.Params2007`, the update of
:class:`izhi_dyn.Izhikevich2007`.
"""

from __future__ import annotations

import math
from typing import Callable, Optional, Union

import brainstate
import brainunit as u
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn.core.dendrite import Dendrite, check_dendrite_args
from izhi_dyn.core.equations import Params2007, recovery_target
from izhi_dyn.core.integrators import Integrator, get_integrator
from izhi_dyn.core.update import neuron_update
from izhi_dyn.state._base import StateNeuron, StepStateUnits, default_spike_function
from izhi_dyn.state._units import (build_parameter, float_dtype, initial_state_value, initial_value_argument,
                                   noise_amplitude, read, strip)

__all__ = ['Izhikevich2007']

_MV, _PA, _MS = u.mV, u.pA, u.ms


def parameter_units(nullcline='linear'):
    """The unit of each argument (b: nS, or pA/mV^3 for the cubic nullcline)."""
    b = _PA / _MV ** 3 if nullcline == 'cubic' else u.nS
    return {'C': u.pF, 'k': u.nS / _MV, 'v_r': _MV, 'v_t': _MV, 'v_peak': _MV, 'a': _MS ** -1, 'b': b,
            'c': _MV, 'd': _PA, 'v_b': _MV, 'b_low': b, 'v_switch': _MV, 'peak_u': _MV / _PA,
            'reset_u': _MV / _PA, 'u_max': _PA, 'tau_ref': _MS, 'V': _MV, 'u': _PA, 'I': _PA,
            'g_d': u.nS, 'a_d': _MS ** -1,
            'noise': _MV / _MS ** 0.5, 'noise_u': _PA / _MS ** 0.5}


class Izhikevich2007(StateNeuron):
    r"""Population of Izhikevich (2007) neurons for ``brainpy.state`` / brainstate.

    .. math::

        C \frac{dV}{dt} = k (V - v_r)(V - v_t) - u + I, \qquad
        \frac{du}{dt} = a\,\big(U(V) - u\big),

        V \ge v_{peak} + \pi_u u:\quad V \leftarrow c + \rho_u u,\quad
        u \leftarrow \min(u + d,\ u_{max}).

    The model, arguments and defaults (the book's RS cell) of
    :class:`izhi_dyn.Izhikevich2007`, in the book's units: V in mV, u and I in
    pA, C in pF, k in nS/mV, a in 1/ms, b in nS (pA/mV^3 for
    ``nullcline='cubic'``), :math:`\pi_u, \rho_u` in mV/pA, time in ms. Every
    argument accepts a brainunit quantity of its unit or a plain number taken
    in it; parameters may be :class:`brainstate.ParamState` (trainable).
    ``v_switch`` and ``u_max`` are plain scalars (possibly infinite).
    ``noise`` and ``noise_u`` (mV and pA per :math:`\sqrt{ms}`, or callables
    ``sigma(t)``) add :math:`\sigma\sqrt{dt}\,\xi` to V and u each step, with
    :math:`\xi` from :mod:`brainstate.random` (stochastic methods only).

    ``spk_fun`` (default ``InvSquareGrad()``) makes spikes surrogate and the
    reset differentiable; ``spk_fun=None`` gives exact spikes and is required
    for ``method='riccati'``. ``spk_reset`` (``'hard'`` or ``'soft'``) is the
    reset of :class:`izhi_dyn.Izhikevich2007` (:doc:`/reset_refractory`, with
    the threshold read as :math:`v_{peak} + \pi_u u` and the reset as
    :math:`c + \rho_u u`). ``ref_var``, ``spike_time_var`` and ``input_var``
    keep the monitorable states ``refractory`` (bool), ``spike_time`` (ms; the
    last spike inside its step, exact for ``'riccati'``) and ``input`` (pA;
    the total current of the last step), as :class:`izhi_dyn.state.Izhikevich`.
    ``g_d`` (nS) and ``a_d`` (1/ms) add the LS cell's passive dendritic
    compartment and its state ``V_d`` (mV), as in :class:`izhi_dyn.Izhikevich2007`.

    Examples
    --------
    >>> import brainstate, brainunit as u, jax.numpy as jnp
    >>> from izhi_dyn.state import Izhikevich2007
    >>> neu = Izhikevich2007(1, method='izhikevich2007', spk_fun=None)  # the book's RS cell
    >>> neu.init_state()
    >>> def step(i):
    ...     with brainstate.environ.context(t=i * 0.25 * u.ms):
    ...         return neu.update(100. * u.pA)
    >>> with brainstate.environ.context(dt=0.25 * u.ms):
    ...     spikes = brainstate.transform.for_loop(step, jnp.arange(2079))
    >>> int(spikes.sum())
    7
    """

    _units = StepStateUnits(V=_MV, u=_PA, I=_PA, noise=_MV / _MS ** 0.5, noise_u=_PA / _MS ** 0.5)

    def __init__(self, in_size, *, C=100.0, k=0.7, v_r=-60.0, v_t=-40.0, v_peak=35.0, a=0.03, b=-2.0, c=-50.0,
                 d=100.0, v_b=None, b_low=None, v_switch=-math.inf, peak_u=0.0, reset_u=0.0, u_max=math.inf,
                 nullcline: str = 'linear', g_d=None, a_d=None, tau_ref=0.0,
                 method: Union[str, Integrator] = 'exp_auto',
                 V_initializer=None, u_initializer=None, spk_fun: Optional[Callable] = default_spike_function(),
                 spk_reset: str = 'hard', detach_spk: bool = False, noise=None, noise_u=None, ref_var: bool = False,
                 spike_time_var: bool = False, input_var: bool = False, name: Optional[str] = None):
        super().__init__(in_size, spk_fun=spk_fun, spk_reset=spk_reset, nullcline=nullcline, detach_spk=detach_spk,
                         ref_var=ref_var, spike_time_var=spike_time_var, input_var=input_var, name=name)
        self.integrator = get_integrator(method)
        self._unit = parameter_units(self.nullcline)
        shape = self.varshape

        def param(key, value, **kw):
            return build_parameter(key, value, shape, unit=self._unit[key], **kw)

        self.C = param('C', C, lower=0.0, strict=True)
        self.k = param('k', k, lower=0.0, strict=True)
        for key, value in (('v_r', v_r), ('v_t', v_t), ('v_peak', v_peak), ('a', a), ('b', b), ('c', c),
                           ('d', d), ('peak_u', peak_u), ('reset_u', reset_u)):
            setattr(self, key, param(key, value))
        self.v_b = self.v_r if v_b is None else param('v_b', v_b)
        self.b_low = self.b if b_low is None else param('b_low', b_low)
        self.v_switch = check.check_real('v_switch', strip('v_switch', v_switch, _MV), allow_inf=True)
        self.u_max = check.check_real('u_max', strip('u_max', u_max, _PA), allow_inf=True)
        self.tau_ref = param('tau_ref', tau_ref, lower=0.0)
        self.has_dendrite = check_dendrite_args(g_d, a_d, self.integrator)
        if self.has_dendrite:
            self.g_d, self.a_d = param('g_d', g_d, lower=0.0), param('a_d', a_d, lower=0.0)
        r = self._read
        if not isinstance(self.v_t, brainstate.State) and bool(jnp.any(r('v_r') >= r('v_t'))):
            raise ValueError(f'v_t={v_t!r}: the threshold potential must lie above v_r={v_r!r}')
        if not isinstance(self.c, brainstate.State):
            check.check_reset_below_threshold(r('c'), r('v_peak'), c, v_peak)
        self._V_initializer = (None if V_initializer is None
                               else initial_value_argument('V_initializer', V_initializer, _MV, shape))
        self._u_initializer = (None if u_initializer is None
                               else initial_value_argument('u_initializer', u_initializer, _PA, shape))
        self.noise = noise_amplitude('noise', noise, shape, unit=self._unit['noise'])
        self.noise_u = noise_amplitude('noise_u', noise_u, shape, unit=self._unit['noise_u'])
        check.check_method_fits(self.integrator, noisy=self.noise is not None or self.noise_u is not None,
                                differentiable=spk_fun is not None,
                                how_to_differentiate='pass spk_fun=None (exact spikes) or use an explicit method')

    def _read(self, key):
        return read(key, getattr(self, key), self._unit[key])

    @property
    def params(self) -> Params2007:
        """Current parameters (plain arrays in the book's units) as a ``Params2007``."""
        return Params2007(**{f: self._read(f) for f in Params2007._fields if f != 'nullcline'},
                          nullcline=self.nullcline)

    def _initial_values(self, batch_size):
        V_init = self._read('v_r') if self._V_initializer is None else self._V_initializer
        V0 = initial_state_value('V_initializer', V_init, _MV, self.varshape, batch_size)
        if self._u_initializer is None:
            u0 = recovery_target(V0, self.params.broadcast_to(V0.shape))
        else:
            u0 = initial_state_value('u_initializer', self._u_initializer, _PA, self.varshape, batch_size)
        values = {'V': V0 * _MV, 'u': jnp.broadcast_to(u0, V0.shape) * _PA, **self._spike_states(V0.shape)}
        if self.has_dendrite:
            values['V_d'] = V0 * _MV
        return values

    def get_spike(self, V=None):
        """The spikes of the last update (``V`` given: the spike function at ``V`` with the current u)."""
        if V is None:
            return self.spike.value
        V = strip('V', V, _MV)
        peak = self._read('v_peak') + self._read('peak_u') * self.u.value.to_decimal(_PA)
        return (V >= peak).astype(float_dtype()) if self.spk_fun is None else self.spk_fun(V - peak)

    def update(self, x=0.0):
        """Advance one step of ``environ dt`` from ``environ t``; ``x`` in pA; return the spikes (float)."""
        t, dt, V, u_, I, delta_V = self._step_inputs(x)
        p = self.params.broadcast_to(V.shape)
        tau_ref = jnp.broadcast_to(self._read('tau_ref'), V.shape)
        out = neuron_update(V, u_, self.t_last_spike.value.to_decimal(_MS), I, t, dt, p, tau_ref,
                            integrator=self.integrator, spk_reset=self.spk_reset, detach_spk=self.detach_spk,
                            spk_fun=self.spk_fun, delta_V=delta_V, dW=self._noise(V.shape, t, dt),
                            V_d=self.V_d.value.to_decimal(_MV) if self.has_dendrite else None,
                            dendrite=(Dendrite(self._read('g_d'), self._read('a_d')).broadcast_to(V.shape)
                                      if self.has_dendrite else None))
        if self.has_dendrite:
            self.V_d.value = out.V_d * _MV
        return self._write_step(t, dt, out, I)
