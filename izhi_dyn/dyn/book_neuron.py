r"""The 2007-form Izhikevich population, a :class:`brainpy.dyn.NeuDyn`.

Creates the variables, gathers inputs and noise the brainpy way, and calls
:func:`izhi_dyn.core.neuron_update` with :class:`~izhi_dyn.core.Params2007`.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Union

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn._precision import float_dtype
from izhi_dyn.core.dendrite import Dendrite, check_dendrite_args
from izhi_dyn.core.equations import Params2007, recovery_target
from izhi_dyn.core.integrators import Integrator, get_integrator
from izhi_dyn.core.update import neuron_update
from izhi_dyn.dyn._args import ParamLike
from izhi_dyn.dyn._noise import noise_amplitude, noise_increments
from izhi_dyn.dyn._base import DynNeuron

__all__ = ['Izhikevich2007']


class Izhikevich2007(DynNeuron):
    r"""Population of Izhikevich (2007) neurons, the book's form with physical units.

    .. math::

        C \frac{dV}{dt} = k (V - v_r)(V - v_t) - u + I, \qquad
        \frac{du}{dt} = a\,\big(U(V) - u\big),

        V \ge v_{peak} + \pi_u u:\quad V \leftarrow c + \rho_u u,\quad
        u \leftarrow \min(u + d,\ u_{max}),

    with :math:`U(V) = b(V)\,(V - v_b)` (``nullcline='linear'``; :math:`b(V) =
    b_{low}` where :math:`V \le v_{switch}`) or :math:`U = 0` below
    :math:`v_b` and :math:`b (V - v_b)^3` above (``'cubic'``, the FS cell).
    The defaults are the book's RS cell; every class of [1]_ is a record in
    :data:`izhi_dyn.CELL_CLASSES_2007` (``Izhikevich2007(n,
    **CELL_CLASSES_2007['LTS'].neuron_kwargs())``). The 2003 model is the case
    :math:`C = 1`, :math:`k = p_1`, :math:`v_b = 0`
    (:meth:`izhi_dyn.Params2007.from_2003`).

    Parameters
    ----------
    size : int or tuple of int
        Population shape.
    sharding, keep_size, mode, name, spk_fun, spk_dtype, detach_spk, init_var
        As :class:`izhi_dyn.Izhikevich` (training mode: surrogate spikes of
        :math:`V - v_{peak} - \pi_u u` and brainpy's reset
        :math:`X \leftarrow X + (X_{reset} - X)\,s`).
    spk_reset : {'hard', 'soft'}, default 'hard'
        The resets of :class:`izhi_dyn.Izhikevich` (:doc:`/reset_refractory`),
        with the threshold read as the peak :math:`\theta = v_{peak} + \pi_u u`
        and the reset as :math:`c_u = c + \rho_u u`: ``'hard'``
        :math:`V \leftarrow c_u`; ``'soft'``
        :math:`V \leftarrow \min(V - (\theta - c_u),\ c_u + (\theta - c_u)/2)`.
        Both :math:`u \leftarrow \min(u + d, u_{max})`.
    method : str or Integrator, default 'exp_auto'
        A name of :data:`izhi_dyn.INTEGRATORS`: ``'izhikevich2007'`` is the
        book's forward Euler; ``'riccati'`` is exact in each step.
    C : float, array or initializer, default 100
        Capacitance (pF), > 0.
    k : default 0.7
        Gain of the quadratic (nS/mV), > 0.
    v_r, v_t : default -60, -40
        Resting and threshold potentials (mV), ``v_r < v_t``.
    v_peak : default 35
        Spike cut-off (mV); ``c`` must lie below it.
    a, b, c, d : default 0.03, -2, -50, 100
        Recovery rate (1/ms), sensitivity (nS; nS/mV^2 for ``'cubic'``), reset
        (mV) and after-spike jump of u (pA).
    v_b : default None
        Pivot of the u-nullcline (mV); None is ``v_r``.
    b_low : default None
        b where :math:`V \le v_{switch}`; None is ``b``.
    v_switch : float, default -inf
        Where b switches (TC, RTN: -65 mV).
    peak_u, reset_u : default 0
        :math:`\pi_u`, :math:`\rho_u` (LTS -0.1, 0.04; TC 0.1, -0.1), mV/pA.
    u_max : float, default inf
        Ceiling of u after the jump (LTS 670 pA).
    nullcline : {'linear', 'cubic'}, default 'linear'
    g_d, a_d : default None
        A passive dendritic compartment (the LS cell): coupling (nS) and rate
        (1/ms), :math:`C\dot V \mathrel{+}= g_d (V_d - V)`,
        :math:`\dot V_d = a_d (V - V_d)`, with a third variable ``V_d``
        starting at :math:`V_0` (:mod:`izhi_dyn.core.dendrite`). Give both or
        neither; first-order methods only (``method='rk4'`` raises).
    tau_ref : default 0
        Refractory period (ms): V held at its reset value, u on its exact flow.
    V_initializer : initializer or array, optional
        Initial V; default ``v_r`` (the book's start).
    u_initializer : initializer or array, optional
        Initial u; default :math:`U(V_0)` re-derived on every reset (0 at
        :math:`V_0 = v_r`, the book's start).
    noise, noise_u : optional
        Additive white-noise amplitudes on V and u (mV and pA per
        :math:`\sqrt{ms}`); stochastic methods only.
    ref_var, spike_time_var : bool, default False
        Keep monitorable ``refractory`` and ``spike_time`` variables.

    Notes
    -----
    State: ``V`` (mV), ``u`` (pA), ``spike``, ``t_last_spike``. Order of one
    update: gather inputs (pA), integrate, add delta inputs (mV), clamp
    refractory neurons, test the peak with the new u, reset, stamp
    ``t_last_spike = t``.

    References
    ----------
    .. [1] Izhikevich, E. M. (2007). Dynamical Systems in Neuroscience, ch. 8.
       MIT Press.

    Examples
    --------
    >>> import brainpy as bp, numpy as np, izhi_dyn
    >>> neu = izhi_dyn.Izhikevich2007(1, method='izhikevich2007')  # the book's RS cell
    >>> runner = bp.DSRunner(neu, monitors=['spike'], progress_bar=False, dt=0.25)
    >>> _ = runner.run(inputs=np.full((2079, 1), 100.0))  # 520 ms of 100 pA
    >>> int(runner.mon['spike'].sum())
    7
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
        C: ParamLike = 100.0,
        k: ParamLike = 0.7,
        v_r: ParamLike = -60.0,
        v_t: ParamLike = -40.0,
        v_peak: ParamLike = 35.0,
        a: ParamLike = 0.03,
        b: ParamLike = -2.0,
        c: ParamLike = -50.0,
        d: ParamLike = 100.0,
        v_b: Optional[ParamLike] = None,
        b_low: Optional[ParamLike] = None,
        v_switch: float = -math.inf,
        peak_u: ParamLike = 0.0,
        reset_u: ParamLike = 0.0,
        u_max: float = math.inf,
        nullcline: str = 'linear',
        g_d: Optional[ParamLike] = None,
        a_d: Optional[ParamLike] = None,
        tau_ref: ParamLike = 0.0,
        V_initializer: Optional[ParamLike] = None,
        u_initializer: Optional[ParamLike] = None,
        noise: Optional[ParamLike] = None,
        noise_u: Optional[ParamLike] = None,
        ref_var: bool = False,
        spike_time_var: bool = False,
    ):
        init_var = self._init_node(
            size, get_integrator(method), sharding=sharding, mode=mode, name=name, spk_fun=spk_fun, spk_dtype=spk_dtype,
            keep_size=keep_size, init_var=init_var, spk_reset=spk_reset, nullcline=nullcline, detach_spk=detach_spk,
            ref_var=ref_var, spike_time_var=spike_time_var)

        shape = self.varshape
        param = lambda n, v, **kw: check.init_parameter(n, v, shape, **kw)  # noqa: E731
        self.C = param('C', C, lower=0.0, strict=True)
        self.k = param('k', k, lower=0.0, strict=True)
        self.v_r, self.v_t, self.v_peak = param('v_r', v_r), param('v_t', v_t), param('v_peak', v_peak)
        self.a, self.b, self.c, self.d = param('a', a), param('b', b), param('c', c), param('d', d)
        self.v_b = self.v_r if v_b is None else param('v_b', v_b)
        self.b_low = self.b if b_low is None else param('b_low', b_low)
        self.v_switch = _extended('v_switch', v_switch)
        self.peak_u, self.reset_u = param('peak_u', peak_u), param('reset_u', reset_u)
        self.u_max = _extended('u_max', u_max)
        self.tau_ref = param('tau_ref', tau_ref, lower=0.0)
        self.has_dendrite = check_dendrite_args(g_d, a_d, self.integrator)
        if self.has_dendrite:
            self.g_d, self.a_d = param('g_d', g_d, lower=0.0), param('a_d', a_d, lower=0.0)
        v = self._value
        if not isinstance(self.v_t, bm.Variable) and bm.as_numpy(v(self.v_r) >= v(self.v_t)).any():
            raise ValueError(f'v_t={v_t!r}: the threshold potential must lie above v_r={v_r!r}')
        if not isinstance(self.c, bm.Variable):
            check.check_reset_below_threshold(self.c, v(self.v_peak), c, v_peak)

        self._V_initializer = (None if V_initializer is None
                               else check.initializer('V_initializer', V_initializer, shape))
        self._u_initializer = (None if u_initializer is None
                               else check.initializer('u_initializer', u_initializer, shape))
        self.noise = noise_amplitude('noise', noise, shape)
        self.noise_u = noise_amplitude('noise_u', noise_u, shape)
        check.check_method_fits(self.integrator, noisy=self.noise is not None or self.noise_u is not None,
                                differentiable=isinstance(self.mode, bm.TrainingMode),
                                how_to_differentiate='use an explicit method in TrainingMode')
        if init_var:
            self.reset_state(self.mode)

    @property
    def params(self) -> Params2007:
        """Current parameters as a :class:`~izhi_dyn.core.Params2007`."""
        v = self._value
        return Params2007(**{f: v(getattr(self, f)) for f in Params2007._fields if f != 'nullcline'},
                          nullcline=self.nullcline)

    @property
    def dendrite(self) -> Optional[Dendrite]:
        """The compartment as a :class:`~izhi_dyn.core.Dendrite`, or None."""
        return Dendrite(self._value(self.g_d), self._value(self.a_d)) if self.has_dendrite else None

    def reset_state(self, batch_size=None, **kwargs):
        """(Re)create V, u, spike, t_last_spike; u is :math:`U(V_0)` unless ``u_initializer`` is set."""
        V_init = self._V_initializer
        if V_init is None:
            V_init = lambda s: jnp.broadcast_to(jnp.asarray(self._value(self.v_r), float_dtype()), s)  # noqa: E731
        self.V = self.init_variable(V_init, batch_size)
        if self._u_initializer is None:
            V0 = self.V.value
            self.u = self.init_variable(lambda s: recovery_target(V0, self.params.broadcast_to(V0.shape)),
                                        batch_size)
        else:
            self.u = self.init_variable(self._u_initializer, batch_size)
        if self.has_dendrite:  # the dendrite starts at the soma's V_0
            V0 = self.V.value
            self.V_d = self.init_variable(lambda s: jnp.broadcast_to(V0, s), batch_size)
        self._init_spike_states(batch_size)

    def update(self, x=None):
        """Advance one step of ``bp.share['dt']`` from ``bp.share['t']``; return spikes."""
        t = bp.share.load('t')
        dt = check.check_dt(bp.share.load('dt'))
        V, u = self.V.value, self.u.value
        check.check_input('x', x, V.shape)
        p = self.params.broadcast_to(V.shape)
        tau_ref = jnp.broadcast_to(self._value(self.tau_ref), V.shape)
        I = self.sum_current_inputs(V, init=0.0 if x is None else x)
        out = neuron_update(V, u, self.t_last_spike.value, I, t, dt, p, tau_ref, integrator=self.integrator,
                            spk_reset=self.spk_reset, detach_spk=self.detach_spk,
                            spk_fun=self.spk_fun if self.training else None, delta_V=self.sum_delta_inputs(),
                            dW=noise_increments(self.noise, self.noise_u, V.shape, t, dt),
                            V_d=self.V_d.value if self.has_dendrite else None,
                            dendrite=self.dendrite.broadcast_to(V.shape) if self.has_dendrite else None)
        if self.has_dendrite:
            self.V_d.value = out.V_d
        return self._write_step(t, out)


def _extended(name, value):
    """A scalar that may be infinite (``v_switch``, ``u_max``)."""
    return check.check_real(name, value, allow_inf=True)
