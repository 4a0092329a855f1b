r"""The Izhikevich neuron population, a :class:`brainpy.dyn.NeuDyn`.

The class creates the variables, gathers inputs and noise the brainpy way, and
calls :func:`izhi_dyn.core.neuron_update`, the update shared with the
``brainstate`` front-end.
"""

from __future__ import annotations

from typing import Any, Callable, Optional, Union

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn._precision import float_dtype
from izhi_dyn.core.equations import Params, to_state_shape
from izhi_dyn.core.finite import NonFiniteStateError, raise_if_not_finite
from izhi_dyn.core.integrators import Integrator, get_integrator
from izhi_dyn.core.reset import SPIKE_RESETS
from izhi_dyn.core.update import neuron_update
from izhi_dyn.dyn import _args as args
from izhi_dyn.dyn._args import ParamLike
from izhi_dyn.dyn._base import DynNeuron
from izhi_dyn.dyn._noise import noise_amplitude, noise_increments
from izhi_dyn.dyn._ode_interface import ODEInterface

__all__ = ['Izhikevich', 'SPIKE_RESETS', 'NonFiniteStateError']


class Izhikevich(ODEInterface, DynNeuron):
    r"""Population of Izhikevich (2003) neurons.

    .. math::

        \frac{dV}{dt} = p_1 V^2 + p_2 V + p_3 - u + I, \qquad
        \frac{du}{dt} = a\,(b V - u),

        V \ge V_{th}:\quad V \leftarrow c, \quad u \leftarrow u + d.

    The model of [1]_; its published behaviours are reproduced in
    :mod:`izhi_dyn.presets` from [2]_.

    Parameters
    ----------
    size : int or tuple of int
        Population shape.
    sharding : sequence of str, optional
        Axis names used to shard the variables (``brainpy`` convention).
    keep_size : bool, default False
        Keep ``size`` as the variables' shape instead of flattening it.
    mode : brainpy.math.Mode, optional
        ``NonBatchingMode`` / ``BatchingMode``: boolean spikes, exact reset.
        ``TrainingMode``: spikes are ``spk_fun(V - V_th)`` (surrogate gradient).
    name : str, optional
        Unique name of the node.
    spk_fun : callable, default ``bm.surrogate.InvSquareGrad()``
        Surrogate spike function used in ``TrainingMode``.
    spk_dtype : dtype, optional
        Spike dtype; default bool in nonlinear modes, ``bm.float_`` in training.
    spk_reset : {'hard', 'soft'}, default 'hard'
        ``'hard'``: :math:`V \leftarrow c` (in training mode brainpy's
        :math:`V \leftarrow V + (c - V)\,s`). ``'soft'``:
        :math:`V \leftarrow \min(V - (V_{th} - c),\ c + (V_{th} - c)/2)`: the
        overshoot is carried over, at most half the reset depth, so V is below
        threshold after every reset (straight-through clip in training mode).
        Both: :math:`u \leftarrow u + d\,s`. See docs/reset_refractory.rst.
        brainpy's signature says ``'soft'`` but its Izhikevich never reads it
        and always resets hard; our default is that behaviour.
    detach_spk : bool, default False
        Stop the gradient of the spike *where it enters the reset* (V and u,
        both resets). The emitted spike keeps its surrogate gradient.
    method : str or Integrator, default 'exp_auto'
        Integrator name, see :data:`izhi_dyn.INTEGRATORS`. ``'izhikevich2004'``
        and ``'izhikevich2003'`` reproduce the author's published schemes;
        ``'riccati'`` is exact in each step and finds the in-step spike time.
    init_var : bool, default True
        Create the state variables at construction.
    scaling : brainpy.math.Scaling, optional
        brainpy's membrane scaling, applied as ``bp.dyn.Izhikevich`` applies it:
        V, ``V_th``, ``c`` become :math:`(V + \text{bias})/\text{scale}`, ``p1``,
        ``p2``, ``p3``, ``d`` and u are rescaled to match, and inputs are then
        in scaled units (:math:`I/\text{scale}`). None: brainpy's global
        ``bm.get_membrane_scaling()`` (the identity unless set).
    V_th, p1, p2, p3, a, b, c, d : float, array or initializer
        Model parameters (scalars, arrays of the population shape, or
        ``brainpy`` initializers), defaults 30, 0.04, 5, 140, 0.02, 0.2, -65, 8.
        ``p1`` must be positive and ``c`` below ``V_th``.
    tau, R : float, array or initializer, optional
        Accepted and stored (defaults 10 and 1) only because
        ``bp.dyn.Izhikevich`` accepts and stores them; neither brainpy nor
        izhi_dyn uses them, and passing one warns so.
    tau_ref : float, array or initializer, default 0
        Refractory period (ms, >= 0), rounded to the time grid. For ``tau_ref``
        after a spike stamped at :math:`t_s`, V is clamped at its post-reset
        value, inputs are discarded, no spike is emitted, and u keeps relaxing
        under the clamped V (exact flow of the recovery equation).
    recovery : {'standard', 'accommodation'}, default 'standard'
        ``'accommodation'`` replaces the recovery law by
        :math:`du/dt = a b (V + 65)`, Izhikevich (2004) Fig. 1R.
    V_initializer : initializer or array, default ``OneInit(-70)``
        Initial V.
    u_initializer : initializer or array, optional
        Initial u. When None, :math:`u = b V` is derived anew on every
        :meth:`reset_state`.
    noise, noise_u : float, array, initializer or callable, optional
        Amplitude :math:`\sigma` of additive white noise on V (and on u):
        each step adds :math:`\sigma\sqrt{dt}\,\xi`, :math:`\xi \sim N(0, 1)`.
        A plain callable is a time-dependent amplitude ``sigma(t)``. Only
        integrators with ``stochastic=True`` accept noise.
    ref_var : bool, default False
        Keep a monitorable boolean ``refractory`` variable.
    spike_time_var : bool, default False
        Keep a monitorable ``spike_time``: time of the last spike inside its
        step (exact for ``'riccati'``, linearly interpolated otherwise).
    input_var : bool, default False
        Keep ``input``, ``bp.neurons.Izhikevich``'s input slot: a value written
        into it before a step (``bp.DSRunner(neu, inputs=['input', 20.])``,
        any operation) is added to that step's current; after the step it
        holds the total current ``I`` the step used (external, written and
        synaptic), and :meth:`clear_input` (called by ``DSRunner`` and
        ``step_run`` after each step) zeroes it. Without it, ``neu.input``
        raises an AttributeError naming ``input_var=True``.
    check_finite : bool, default False
        Raise :class:`NonFiniteStateError` (step, time and neuron index) as
        soon as V or u becomes NaN or infinite.

    Notes
    -----
    State (:class:`brainpy.math.Variable`): ``V``, ``u``, ``spike``,
    ``t_last_spike``; ``refractory``, ``spike_time``, ``input`` when asked for.
    brainpy's neuron interface: ``derivative(V, u, t, I) -> (dV, du)`` (a
    ``bp.JointEq``) and ``integral(V, u, t, I, dt)``, one step of ``method``
    without threshold or reset (:mod:`izhi_dyn.dyn._ode_interface`);
    ``integrator`` is the :class:`~izhi_dyn.Integrator` named by ``method``.

    Order of one update at time :math:`t` with step :math:`dt`: gather the
    inputs, integrate over the step (input held constant), add delta inputs,
    clamp refractory neurons, test the threshold, reset, stamp
    ``t_last_spike = t`` (the start of the step whose update crossed
    threshold, as in Izhikevich's code).

    References
    ----------
    .. [1] Izhikevich, E. M. (2003). Simple model of spiking neurons.
       IEEE Trans. Neural Netw., 14(6), 1569-1572.
    .. [2] Izhikevich, E. M. (2004). Which model to use for cortical spiking
       neurons? IEEE Trans. Neural Netw., 15(5), 1063-1070.

    Examples
    --------
    >>> import brainpy as bp, numpy as np, izhi_dyn
    >>> neu = izhi_dyn.Izhikevich(1, method='riccati')
    >>> runner = bp.DSRunner(neu, monitors=['V', 'spike'], progress_bar=False, dt=0.1)
    >>> _ = runner.run(inputs=np.full((1000, 1), 10.0))  # 100 ms of I = 10
    >>> int(runner.mon['spike'].sum())
    3
    """

    def __init__(
        self,
        size,
        *,
        sharding: Optional[Any] = None,
        keep_size: bool = False,
        mode: Optional[bm.Mode] = None,
        name: Optional[str] = None,
        spk_fun: Callable = bm.surrogate.InvSquareGrad(),
        spk_dtype: Any = None,
        spk_reset: str = 'hard',
        detach_spk: bool = False,
        method: Union[str, Integrator] = 'exp_auto',
        init_var: bool = True,
        scaling: Optional[bm.Scaling] = None,
        V_th: ParamLike = 30.0,
        p1: ParamLike = 0.04,
        p2: ParamLike = 5.0,
        p3: ParamLike = 140.0,
        a: ParamLike = 0.02,
        b: ParamLike = 0.2,
        c: ParamLike = -65.0,
        d: ParamLike = 8.0,
        tau: Optional[ParamLike] = None,
        R: Optional[ParamLike] = None,
        tau_ref: ParamLike = 0.0,
        recovery: str = 'standard',
        V_initializer: ParamLike = bp.init.OneInit(-70.0),
        u_initializer: Optional[ParamLike] = None,
        noise: Optional[ParamLike] = None,
        noise_u: Optional[ParamLike] = None,
        ref_var: bool = False,
        spike_time_var: bool = False,
        input_var: bool = False,
        check_finite: bool = False,
    ):
        init_var = self._init_node(
            size, get_integrator(method), sharding=sharding, mode=mode, name=name, spk_fun=spk_fun, spk_dtype=spk_dtype,
            keep_size=keep_size, init_var=init_var, spk_reset=spk_reset, recovery=recovery, detach_spk=detach_spk,
            ref_var=ref_var, spike_time_var=spike_time_var, input_var=input_var, check_finite=check_finite)

        shape = self.varshape
        self.V_th = check.init_parameter('V_th', V_th, shape)
        self.p1 = check.init_parameter('p1', p1, shape, lower=0.0, strict=True)
        self.p2 = check.init_parameter('p2', p2, shape)
        self.p3 = check.init_parameter('p3', p3, shape)
        self.a = check.init_parameter('a', a, shape)
        self.b = check.init_parameter('b', b, shape)
        self.c = check.init_parameter('c', c, shape)
        self.d = check.init_parameter('d', d, shape)
        self.tau_ref = check.init_parameter('tau_ref', tau_ref, shape, lower=0.0)
        if not isinstance(self.c, bm.Variable):
            check.check_reset_below_threshold(self.c, self._value(self.V_th), c, V_th)
        self.tau, self.R = args.unused_brainpy_parameters(tau, R, shape)
        self.scaling = args.check_scaling(scaling, self.recovery)
        if not args.is_identity(self.scaling):
            args.apply_scaling(self, self.scaling)

        self._V_initializer = check.initializer('V_initializer', V_initializer, self.varshape)
        self._u_initializer = (None if u_initializer is None
                               else check.initializer('u_initializer', u_initializer, self.varshape))
        self.noise = noise_amplitude('noise', noise, shape)
        self.noise_u = noise_amplitude('noise_u', noise_u, shape)
        check.check_method_fits(self.integrator, noisy=self.noise is not None or self.noise_u is not None,
                                differentiable=isinstance(self.mode, bm.TrainingMode),
                                how_to_differentiate='use an explicit method in TrainingMode')
        if init_var:
            self.reset_state(self.mode)

    @property
    def params(self) -> Params:
        """Current model parameters as a :class:`izhi_dyn.Params` tuple."""
        v = self._value
        return Params(a=v(self.a), b=v(self.b), c=v(self.c), d=v(self.d), V_th=v(self.V_th),
                      p1=v(self.p1), p2=v(self.p2), p3=v(self.p3), recovery=self.recovery)

    # -- state ---------------------------------------------------------------
    def reset_state(self, batch_size=None, **kwargs):
        """(Re)create V, u, spike, t_last_spike (and refractory, spike_time).

        ``u`` is re-derived as ``b * V`` each time unless ``u_initializer`` is set.
        """
        self.V = self.init_variable(self._V_initializer, batch_size)
        if not args.is_identity(self.scaling):
            self.V.value = self.scaling.offset_scaling(self.V.value)
        if self._u_initializer is None:
            V0 = self.V.value
            self.u = self.init_variable(lambda shape: to_state_shape(self._value(self.b), V0.shape) * V0,
                                        batch_size)
        else:
            self.u = self.init_variable(self._u_initializer, batch_size)
            if not args.is_identity(self.scaling):  # brainpy's scaling of u: (u + b bias) / scale
                b = to_state_shape(self._value(self.b), self.u.shape)
                self.u.value = (self.u.value + b * self.scaling.bias) / self.scaling.scale
        self._init_spike_states(batch_size)
        if self.input_var:
            self.input = self.init_variable(lambda s: jnp.zeros(s, dtype=float_dtype()), batch_size)

    # -- dynamics ------------------------------------------------------------
    def update(self, x=None):
        """Advance one step of ``bp.share['dt']`` from ``bp.share['t']``; return spikes."""
        t = bp.share.load('t')
        dt = check.check_dt(bp.share.load('dt'))
        V, u = self.V.value, self.u.value
        check.check_input('x', x, V.shape)
        p = self.params.broadcast_to(V.shape)
        tau_ref = to_state_shape(self._value(self.tau_ref), V.shape)
        external = 0.0 if x is None else x
        if self.input_var:  # bp.neurons-style: what was written into `input` before the step
            external = self.input.value + external
        I = self.sum_current_inputs(V, init=external)
        out = neuron_update(V, u, self.t_last_spike.value, I, t, dt, p, tau_ref, integrator=self.integrator,
                            spk_reset=self.spk_reset, detach_spk=self.detach_spk,
                            spk_fun=self.spk_fun if self.training else None, delta_V=self.sum_delta_inputs(),
                            dW=noise_increments(self.noise, self.noise_u, V.shape, t, dt))
        if self.check_finite:
            raise_if_not_finite(self.name, out.V, out.u, bp.share.load('i'), t)
        if self.input_var:
            self.input.value = jnp.broadcast_to(I, V.shape).astype(self.input.value.dtype)
        return self._write_step(t, out)

    def clear_input(self):
        """Zero the ``input`` slot after a step (called by ``bp.DSRunner`` and ``step_run``)."""
        if self.input_var:
            self.input.value = jnp.zeros_like(self.input.value)

    def __getattr__(self, name):
        # Only reached when normal lookup fails: explain the missing `input` slot
        # that code written for bp.neurons.Izhikevich writes its stimulus into.
        if name == 'input':
            raise AttributeError(
                "Izhikevich has no variable 'input' unless built with input_var=True; pass "
                "input_var=True to write a stimulus into it (bp.DSRunner(neu, inputs=['input', 20.])), or "
                "give the current as runner.run(inputs=...) or update(x)")
        raise AttributeError(f'{type(self).__name__!r} object has no attribute {name!r}')
