r"""The Izhikevich neuron population on ``brainstate``: a :class:`brainpy.state.Neuron`.

The class creates brainstate states, reads ``t`` and ``dt`` from
:mod:`brainstate.environ`, strips units at the boundary, draws noise from
:mod:`brainstate.random`, and calls :func:`izhi_dyn.core.neuron_update`, the
update shared with the ``brainpy.dyn`` front-end (:class:`izhi_dyn.Izhikevich`).
"""

from __future__ import annotations

from typing import Callable, Optional, Union

import brainstate
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn.core.equations import Params, to_state_shape
from izhi_dyn.core.finite import raise_if_not_finite
from izhi_dyn.core.integrators import Integrator, get_integrator
from izhi_dyn.core.update import neuron_update
from izhi_dyn.state._base import StateNeuron, StepStateUnits, default_spike_function
from izhi_dyn.state._units import (UNITS, build_parameter, float_dtype, initial_state_value,
                                   initial_value_argument, noise_amplitude, read, strip)

__all__ = ['Izhikevich']

_PARAMS = ('a', 'b', 'c', 'd', 'V_th', 'p1', 'p2', 'p3')


class Izhikevich(StateNeuron):
    r"""Population of Izhikevich (2003) neurons for ``brainpy.state`` / brainstate.

    .. math::

        \frac{dV}{dt} = p_1 V^2 + p_2 V + p_3 - u + I, \qquad
        \frac{du}{dt} = a\,(b V - u),

        V \ge V_{th}:\quad V \leftarrow c, \quad u \leftarrow u + d.

    The model of [1]_, with the published behaviours of [2]_ (see
    :mod:`izhi_dyn.presets`). A drop-in replacement for
    :class:`brainpy.state.Izhikevich` with the update of
    :class:`izhi_dyn.Izhikevich` (same core, same spikes from the same
    inputs): every integrator, noise, refractoriness, hard or soft reset, and
    trainable parameters.

    Units follow ``brainpy.state``: V in mV, u and I in mV/ms, time in ms.
    Every argument accepts a brainunit quantity of its unit or a plain number
    taken in that unit; a quantity of another dimension raises a
    ``ValueError`` naming the argument. The states ``V``, ``u`` (and
    ``input``, ``spike_time``) carry their units, so projections that add
    currents in mV/ms (e.g. ``CUBA(scale=u.mV)`` on a conductance in 1/ms, or
    ``COBA(E=0 * u.mV)`` with conductances in 1/ms) work as with
    ``brainpy.state.Izhikevich``.

    **Exact spikes or surrogate training.** brainstate has no mode; the spike
    function decides. With a ``spk_fun`` (the default) the neuron is
    differentiable: the spike is ``spk_fun(V - V_th)`` (V in mV), 0 or 1 in
    the forward pass with the surrogate's gradient, and the reset is written
    with it (as :class:`izhi_dyn.Izhikevich` in ``TrainingMode``). With
    ``spk_fun=None`` spikes are exact threshold events (``V >= V_th``,
    emitted as float 0/1) with an exact reset; this is required for
    ``method='riccati'``, whose in-step spike time is not differentiable. The
    forward spikes of both are the same; V after a reset can differ in the
    last bit.

    Parameters
    ----------
    in_size : int or tuple of int
        Population shape.
    a, b : float, array, quantity, initializer or brainstate.State
        Recovery rate and sensitivity (1/ms), defaults 0.02 and 0.2.
    c : float, array, quantity, initializer or brainstate.State, default -65 mV
        Reset potential (mV); must lie below ``V_th`` (checked unless trainable).
    d : float, array, quantity, initializer or brainstate.State, default 8 mV/ms
        Jump of u at a spike.
    V_th : float, array, quantity, initializer or brainstate.State, default 30 mV
        Spike cut-off. The test is ``V >= V_th`` (not a ratio to ``V_th``).
    p1, p2, p3 : float, array, quantity, initializer or brainstate.State
        Terms of dV/dt, defaults 0.04 /(mV ms), 5 /ms, 140 mV/ms; ``p1 > 0``.
        Any parameter may be a :class:`brainstate.ParamState` (trainable),
        of shape ``()`` (shared) or ``in_size`` (per neuron).
    tau_ref : float, array, quantity or initializer, default 0 ms
        Refractory period (>= 0), rounded to the time grid. For ``tau_ref``
        after a spike V is held at its reset value, inputs are discarded, no
        spike is emitted, and u keeps relaxing under the held V.
    recovery : {'standard', 'accommodation'}, default 'standard'
        ``'accommodation'``: :math:`du/dt = a b (V + 65)`, Izhikevich (2004) Fig. 1R.
    method : str or Integrator, default 'exp_auto'
        Any name of :data:`izhi_dyn.INTEGRATORS`: ``'izhikevich2004'`` and
        ``'izhikevich2003'`` are the author's published schemes, ``'riccati'``
        is exact in each step (needs ``spk_fun=None``).
    V_initializer : float, array, quantity or initializer, default -65 mV
        Initial V (``brainpy.state``'s default).
    u_initializer : float, array, quantity or initializer, optional
        Initial u. When None, :math:`u = b V` is derived anew on every
        :meth:`init_state` / :meth:`reset_state` (with the current ``b``).
    spk_fun : callable or None, default ``braintools.surrogate.InvSquareGrad()``
        Surrogate spike function of ``V - V_th`` (mV), or None for exact
        spikes (see above). The default is the one of
        :class:`izhi_dyn.Izhikevich`: narrow (width about 0.01 mV) and
        positive everywhere, so d(spike count)/d(input) is non-negative for
        every neuron measured (``tests/test_against_brainpy_state.py``), unlike
        ``brainpy.state``'s ``ReluGrad`` on the scaled ``(V - V_th) / V_th``.
    spk_reset : {'hard', 'soft'}, default 'hard'
        The resets of :class:`izhi_dyn.Izhikevich` (the core's): ``'hard'``
        :math:`V \leftarrow c`, ``'soft'`` subtracts :math:`V_{th} - c` and
        clips below threshold; both :math:`u \leftarrow u + d\,s`. With a
        surrogate spike, see docs/reset_refractory.rst for the gradients.
    detach_spk : bool, default False
        Stop the spike's gradient where it enters the reset (V and u, both
        resets).
    noise, noise_u : float, array, quantity, initializer or callable, optional
        Amplitude :math:`\sigma` of white noise on V (mV/ms^0.5) and on u
        (mV/ms^1.5): each step adds :math:`\sigma\sqrt{dt}\,\xi`, with
        :math:`\xi` drawn from :mod:`brainstate.random`. A plain callable is
        a time-dependent amplitude ``sigma(t)`` (t in ms). Only integrators
        with ``stochastic=True`` accept noise.
    ref_var, spike_time_var, input_var : bool, default False
        Keep the monitorable states ``refractory`` (bool), ``spike_time``
        (ms; time of the last spike inside its step, exact for ``'riccati'``)
        and ``input`` (mV/ms; the total current of the last step).
    check_finite : bool, default False
        Raise :class:`izhi_dyn.core.NonFiniteStateError` (step, time and
        neuron index) as soon as V or u stops being finite.
    name : str, optional

    Notes
    -----
    One :meth:`update` at time :math:`t` with step :math:`dt`: gather inputs,
    integrate (input held constant), add delta inputs, clamp refractory
    neurons, test the threshold, reset, stamp ``t_last_spike = t``. ``t`` and
    ``dt`` come from :mod:`brainstate.environ`; when ``t`` is not set there,
    the neuron uses its own clock, which starts at 0 ms at every
    ``init_state``/``reset_state`` and advances by ``dt`` per update.
    Parameters are checked once, here; nothing is checked per step.

    References
    ----------
    .. [1] Izhikevich, E. M. (2003). Simple model of spiking neurons.
       IEEE Trans. Neural Netw., 14(6), 1569-1572.
    .. [2] Izhikevich, E. M. (2004). Which model to use for cortical spiking
       neurons? IEEE Trans. Neural Netw., 15(5), 1063-1070.

    Examples
    --------
    >>> import brainstate, brainunit as u, jax.numpy as jnp
    >>> from izhi_dyn.state import Izhikevich
    >>> neu = Izhikevich(1, method='riccati', spk_fun=None)
    >>> neu.init_state()
    >>> def step(i):
    ...     with brainstate.environ.context(t=i * 0.1 * u.ms):
    ...         return neu.update(10. * u.mV / u.ms)
    >>> with brainstate.environ.context(dt=0.1 * u.ms):
    ...     spikes = brainstate.transform.for_loop(step, jnp.arange(1000))
    >>> int(spikes.sum())
    3
    """

    _units = StepStateUnits(V=UNITS['V'], u=UNITS['u'], I=UNITS['I'], noise=UNITS['noise'], noise_u=UNITS['noise_u'])

    def __init__(
        self,
        in_size,
        *,
        a=0.02,
        b=0.2,
        c=-65.0,
        d=8.0,
        V_th=30.0,
        p1=0.04,
        p2=5.0,
        p3=140.0,
        tau_ref=0.0,
        recovery: str = 'standard',
        method: Union[str, Integrator] = 'exp_auto',
        V_initializer=-65.0,
        u_initializer=None,
        spk_fun: Optional[Callable] = default_spike_function(),
        spk_reset: str = 'hard',
        detach_spk: bool = False,
        noise=None,
        noise_u=None,
        ref_var: bool = False,
        spike_time_var: bool = False,
        input_var: bool = False,
        check_finite: bool = False,
        name: Optional[str] = None,
    ):
        super().__init__(in_size, spk_fun=spk_fun, spk_reset=spk_reset, recovery=recovery, detach_spk=detach_spk,
                         ref_var=ref_var, spike_time_var=spike_time_var, input_var=input_var, check_finite=check_finite,
                         name=name)
        self.integrator = get_integrator(method)

        shape = self.varshape
        for key, value in (('a', a), ('b', b), ('c', c), ('d', d), ('V_th', V_th), ('p2', p2), ('p3', p3)):
            setattr(self, key, build_parameter(key, value, shape))
        self.p1 = build_parameter('p1', p1, shape, lower=0.0, strict=True)
        self.tau_ref = build_parameter('tau_ref', tau_ref, shape, lower=0.0)
        if not isinstance(self.c, brainstate.State):
            check.check_reset_below_threshold(self.c, read('V_th', self.V_th), c, V_th)

        self._V_initializer = initial_value_argument('V_initializer', V_initializer, UNITS['V'], shape)
        self._u_initializer = (None if u_initializer is None
                               else initial_value_argument('u_initializer', u_initializer, UNITS['u'], shape))
        self.noise = noise_amplitude('noise', noise, shape)
        self.noise_u = noise_amplitude('noise_u', noise_u, shape)
        check.check_method_fits(self.integrator, noisy=self.noise is not None or self.noise_u is not None,
                                differentiable=spk_fun is not None,
                                how_to_differentiate='pass spk_fun=None (exact spikes) or use an explicit method')

    @property
    def surrogate(self) -> bool:
        """Whether spikes carry a surrogate gradient (``spk_fun`` is not None)."""
        return self.spk_fun is not None

    @property
    def params(self) -> Params:
        """Current parameters (plain arrays in mV, ms) as a :class:`izhi_dyn.core.Params`."""
        return Params(**{k: read(k, getattr(self, k)) for k in _PARAMS}, recovery=self.recovery)

    # -- state ---------------------------------------------------------------
    def _initial_values(self, batch_size):
        V0 = initial_state_value('V_initializer', self._V_initializer, UNITS['V'], self.varshape, batch_size)
        if self._u_initializer is None:
            u0 = to_state_shape(read('b', self.b), V0.shape) * V0
        else:
            u0 = initial_state_value('u_initializer', self._u_initializer, UNITS['u'], self.varshape, batch_size)
        return {'V': V0 * UNITS['V'], 'u': jnp.broadcast_to(u0, V0.shape) * UNITS['u'], **self._spike_states(V0.shape)}

    # -- dynamics ------------------------------------------------------------
    def get_spike(self, V=None):
        """The spikes of the last update; with ``V``, the spike function applied to ``V`` (mV)."""
        if V is None:
            return self.spike.value
        V = strip('V', V, UNITS['V'])
        V_th = read('V_th', self.V_th)
        if self.spk_fun is None:
            return (V >= V_th).astype(float_dtype())
        return self.spk_fun(V - V_th)

    def update(self, x=0.0):
        """Advance one step of ``environ dt`` from ``environ t``; return the spikes (float)."""
        t, dt, V, u_, I, delta_V = self._step_inputs(x)
        p = self.params.broadcast_to(V.shape)
        tau_ref = to_state_shape(read('tau_ref', self.tau_ref), V.shape)
        out = neuron_update(V, u_, self.t_last_spike.value.to_decimal(UNITS['t']), I, t, dt, p, tau_ref,
                            integrator=self.integrator, spk_reset=self.spk_reset, detach_spk=self.detach_spk,
                            spk_fun=self.spk_fun, delta_V=delta_V, dW=self._noise(V.shape, t, dt))
        if self.check_finite:
            raise_if_not_finite(self.name, out.V, out.u, brainstate.environ.get('i', -1), t)

        return self._write_step(t, dt, out, I)
