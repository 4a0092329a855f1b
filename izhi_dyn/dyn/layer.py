r"""A recurrent Izhikevich layer with a current-based exponential synapse.

The layer follows eventax's ``Izhikevich`` neuron model (an Izhikevich
population whose input is a synaptic current channel) and is built on
:class:`izhi_dyn.Izhikevich`: the neuron equations, reset and surrogate
spikes are the neuron's; the layer adds the synaptic current, the weights
and the bias.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn._layer_args import (FAN_IN_MODES, TRAINABLE_PARAMS_2007, check_layer_options, check_tau_syn,
                                  check_timing, check_weight_init, check_wmask, exact_step_of,
                                  layer_neuron_params)
from izhi_dyn.core.event_layer import layer_event_step, layer_overrun
from izhi_dyn.core.exact import ExactParams
from izhi_dyn.core.synapse import exponential_synapse, initial_weights_and_bias
from izhi_dyn.dyn.book_neuron import Izhikevich2007
from izhi_dyn.dyn.neuron import Izhikevich
from izhi_dyn.dyn.training import TRAINABLE_PARAMS, trainable

__all__ = ['IzhikevichLayer', 'FAN_IN_MODES', 'init_weights_and_bias']


def init_weights_and_bias(key, n_neurons: int, in_size: int, *, mask=None, init_weights=None,
                          wmean: float = 0.0, wlim: Optional[float] = None,
                          fan_in_mode: Optional[str] = None, init_bias=None,
                          bmean: float = 0.0, blim: Optional[float] = None, dtype=None):
    r"""Initial weight matrix :math:`W` of shape ``(N + K, N)`` and bias :math:`I_c` of shape ``(N,)``.

    :math:`W_{mn} = s_n\,(w_\text{mean} + \xi_{mn})`, with :math:`\xi` uniform on
    ``[-wlim, wlim]`` (zero when ``wlim`` is None) and :math:`s_n = 1` (no
    fan-in scaling), :math:`1/\sqrt{f_n}` (``'sqrt'``) or :math:`1/f_n`
    (``'linear'``), where :math:`f_n` is the number of unmasked inputs of
    neuron :math:`n`. The bias is :math:`b_\text{mean} + \eta_n`, :math:`\eta`
    uniform on ``[-blim, blim]``. ``init_weights`` / ``init_bias`` are used as
    given. Rows ``0..N-1`` of :math:`W` are the recurrent sources, rows
    ``N..N+K-1`` the inputs. ``dtype`` defaults to JAX's default float dtype
    (float64 under x64); the layers pass their own.
    """
    n_neurons = check.check_int('n_neurons', n_neurons, lower=1)
    in_size = check.check_int('in_size', in_size, lower=0)
    dtype = jax.dtypes.canonicalize_dtype(jnp.float64) if dtype is None else dtype
    return initial_weights_and_bias(key, n_neurons, in_size, dtype=dtype, mask=mask, **check_weight_init(
        n_neurons, in_size, init_weights=init_weights, wmean=wmean, wlim=wlim, fan_in_mode=fan_in_mode,
        init_bias=init_bias, bmean=bmean, blim=blim))


class IzhikevichLayer(bp.DynamicalSystem):
    r"""Recurrent Izhikevich population driven by an exponential synaptic current.

    .. math::

        \frac{dV}{dt} = 0.04 V^2 + 5 V + 140 - u + I + I_c, \qquad
        \frac{du}{dt} = a\,(b V - u), \qquad
        \frac{dI}{dt} = -\frac{I}{\tau_\text{syn}},

        V \ge V_{th}:\quad V \leftarrow c,\quad u \leftarrow u + d, \qquad
        \text{spike of source } m:\quad I_n \leftarrow I_n + (W \odot M)_{mn}.

    Sources :math:`m` are the layer's own neurons (rows ``0..N-1`` of
    :math:`W`) and the ``K`` inputs (rows ``N..N+K-1``).

    Parameters
    ----------
    n_neurons : int
        Number of neurons :math:`N`.
    in_size : int
        Number of inputs :math:`K` (``update(x)`` takes ``x`` of shape ``(..., K)``).
    mode : brainpy.math.Mode, optional
        As for :class:`izhi_dyn.Izhikevich`; in ``TrainingMode`` spikes are
        surrogate and the layer is differentiable.
    a, b, c, d, V_th : float, array, initializer or Variable, optional
        Neuron parameters; unset: 0.02, 0.2, -51, 2, 30 (those of eventax's
        layer), or for ``model='2007'`` the book's RS cell (``V_th`` unset:
        the 2007 cut-off is ``v_peak``).
    model : {'2003', '2007'}, default '2003'
        The neurons' form: :class:`izhi_dyn.Izhikevich`, or
        :class:`izhi_dyn.Izhikevich2007` (currents, weights and bias in pA;
        the class's other parameters through ``**neuron_kwargs``, e.g.
        ``**CELL_CLASSES_2007['FS'].neuron_kwargs()``). With ``g_d`` and
        ``a_d`` (in the LS cell's ``neuron_kwargs()``) each neuron carries
        the passive dendritic compartment of
        :mod:`izhi_dyn.core.dendrite`, its potential in ``neuron.V_d``
        (first-order ``method`` only).
    timing : {'grid', 'exact'}, default 'grid'
        ``'grid'``: spikes are the neuron's, on the time grid (see Notes).
        ``'exact'``: every spike carries its time inside the step, its
        current starts at that time, and gradients flow through the spike
        times without a surrogate, in every mode (the step of
        :func:`izhi_dyn.exact_spike_times`,
        :func:`izhi_dyn.core.event_layer.layer_event_step`); ``update(x)``
        then takes and returns in-step spike times (see Notes). 2003 form
        only; of ``**neuron_kwargs`` it accepts ``p1``, ``p2``, ``p3``.
    kernel : {'auto', 'native', 'jax'}, default 'auto'
        The exact step's implementation, as for
        :func:`izhi_dyn.exact_spike_times`: the native one where it can run
        (reverse-mode gradients only), else the pure-JAX one. ``timing='exact'`` only.
    tau_syn : float or array, default 5
        Synaptic time constant (ms, > 0).
    wmask : array of shape (N + K, N), optional
        Binary connectivity mask :math:`M`; masked weights neither act nor
        receive gradient.
    init_weights, wmean, wlim, fan_in_mode, init_bias, bmean, blim
        Weight and bias initialisation, see :func:`init_weights_and_bias`.
    train_params : iterable of str, default ()
        Neuron parameters to learn, among ``'a', 'b', 'c', 'd', 'V_th'``
        (2007: ``'a', 'b', 'c', 'd', 'C', 'k', 'v_r', 'v_t', 'v_peak'``; no
        sign constraint).
    shared_params : bool, default False
        Learn one shared value per parameter instead of one per neuron.
    train_bias : bool, default True
        Learn the bias current :math:`I_c`.
    seed : int, optional
        Seed of the weight initialisation; default draws from ``bm.random``.
    V_initializer, u_initializer : optional
        Initial state; default :math:`V_0 = c`, :math:`u_0 = b\,c` (2007:
        the neuron's, :math:`V_0 = v_r`, :math:`u_0 = U(v_r)`).
    **neuron_kwargs
        Passed to :class:`izhi_dyn.Izhikevich` (``method``, ``spk_fun``,
        ``spk_reset``, ``detach_spk``, ``tau_ref``, ``p1``...).

    Notes
    -----
    With ``timing='grid'``, the order of one step: decay :math:`I` by :math:`e^{-dt/\tau_\text{syn}}`,
    add the weights of the previous step's layer spikes and of the current
    input ``x``, then advance the neuron with input current :math:`I + I_c`
    (held over the step). Input spikes therefore act within the step they
    arrive in, recurrent spikes one step later. ``x`` may carry real values
    (weighted like spikes). Further currents can reach the neurons through
    brainpy projections targeting :attr:`neuron`.

    With ``timing='exact'``, ``x`` of shape ``(..., K)`` holds the inputs'
    spike times in ms from the start of the step, in ``[0, dt)``, ``+inf``
    for none; ``update`` returns the layer's in-step spike times in the same
    form (so one exact layer feeds the next), also kept in ``spike_time``;
    ``neuron.spike`` holds the spikes and ``neuron.t_last_spike`` their
    absolute times. Recurrent spikes reach their targets at their own time
    inside the step. ``overrun`` counts, per neuron, the steps in which V may
    have passed its pole twice unseen (``dt`` well beyond the interspike
    interval; :func:`izhi_dyn.core.event_layer.layer_overrun`), where spikes can
    be lost: a smaller ``dt`` resolves them.

    ``W`` (and the bias, and the parameters named in ``train_params``) are
    :class:`~brainpy.math.TrainVar` s in every mode, so trained values carry
    over unchanged when the same definition is rebuilt in another mode.

    Examples
    --------
    >>> import brainpy.math as bm, jax.numpy as jnp, izhi_dyn
    >>> layer = izhi_dyn.IzhikevichLayer(8, 2, wlim=5.0, seed=0, mode=bm.TrainingMode(4))
    >>> out = izhi_dyn.run_sequence(layer, jnp.zeros((20, 4, 2)), dt=0.5)
    >>> out.shape
    (20, 4, 8)
    """

    supported_modes = (bm.NonBatchingMode, bm.BatchingMode, bm.TrainingMode)

    def __init__(self, n_neurons: int, in_size: int, *, mode: Optional[bm.Mode] = None,
                 name: Optional[str] = None, a: Any = None, b: Any = None, c: Any = None, d: Any = None,
                 V_th: Any = None, model: str = '2003', tau_syn: Any = 5.0, wmask=None, init_weights=None, wmean: float = 0.0,
                 wlim: Optional[float] = None, fan_in_mode: Optional[str] = None, init_bias=None,
                 bmean: float = 0.0, blim: Optional[float] = None, train_params: Iterable[str] = (),
                 shared_params: bool = False, train_bias: bool = True, seed: Optional[int] = None,
                 V_initializer: Any = None, u_initializer: Any = None, timing: str = 'grid', kernel: str = 'auto',
                 **neuron_kwargs):
        self.timing = check_timing(timing, model, neuron_kwargs)
        self._event_step = exact_step_of(kernel, self.timing)
        n_neurons, in_size, train_params, shared_params, train_bias, seed = check_layer_options(
            n_neurons, in_size, train_params, shared_params, train_bias, seed,
            TRAINABLE_PARAMS_2007 if model == '2007' else TRAINABLE_PARAMS)
        params = layer_neuron_params(model, dict(a=a, b=b, c=c, d=d, V_th=V_th), train_params, neuron_kwargs)
        super().__init__(name=name, mode=mode)
        self.n_neurons, self.in_size = n_neurons, in_size
        N, K = self.n_neurons, self.in_size

        for p in train_params:
            params[p] = trainable(params[p], N, shared=shared_params)

        self.tau_syn = check_tau_syn(tau_syn, N, bm.float_)
        self.wmask = check_wmask(wmask, N, K, bm.float_)
        key = bm.random.split_key() if seed is None else jax.random.PRNGKey(seed)
        W, bias = initial_weights_and_bias(key, N, K, dtype=bm.float_, mask=self.wmask, **check_weight_init(
            N, K, init_weights=init_weights, wmean=wmean, wlim=wlim, fan_in_mode=fan_in_mode, init_bias=init_bias,
            bmean=bmean, blim=blim))
        self.W = bm.TrainVar(W if self.wmask is None else W * self.wmask)
        self.bias = bm.TrainVar(bias) if train_bias else bias

        c0 = params['c']
        if V_initializer is None and model == '2003':
            V_initializer = lambda shape: jnp.broadcast_to(  # noqa: E731
                jnp.asarray(c0.value if isinstance(c0, bm.Variable) else bm.as_jax(c0), dtype=bm.float_), shape)
        neuron_class = Izhikevich2007 if model == '2007' else Izhikevich
        self.neuron = neuron_class(N, mode=self.mode, V_initializer=V_initializer, u_initializer=u_initializer,
                                   **params, **neuron_kwargs)
        self.reset_state(self.mode)

    @property
    def weights(self) -> jax.Array:
        """Effective weights :math:`W \\odot M`, shape ``(N + K, N)``."""
        W = self.W.value
        return W if self.wmask is None else W * self.wmask

    @property
    def spike(self) -> bm.Variable:
        """The neurons' spike variable (monitor as ``'neuron.spike'`` or via this property)."""
        return self.neuron.spike

    def reset_state(self, batch_or_mode=None, **kwargs):
        """Reset the synaptic current to 0 and the neurons to their initial state."""
        self.I = bp.init.variable_(bm.zeros, (self.n_neurons,), batch_or_mode)
        if self.timing == 'exact':
            self.spike_time = bp.init.variable_(lambda s: jnp.full(s, jnp.inf, bm.float_), (self.n_neurons,),
                                                batch_or_mode)
            self.overrun = bp.init.variable_(lambda s: jnp.zeros(s, jnp.int32), (self.n_neurons,), batch_or_mode)
        self.neuron.reset_state(batch_or_mode, **kwargs)

    def update(self, x=None):
        """Advance one step with input ``x`` of shape ``(..., K)``; return the layer's spikes.

        With ``timing='exact'``, ``x`` and the result are in-step spike times (ms, ``+inf``: none).
        """
        if self.timing == 'exact':
            return self._exact_update(x)
        dt = bp.share.load('dt')
        I = self.I.value
        pre = jnp.asarray(self.neuron.spike.value, dtype=I.dtype)
        if self.in_size:
            x = jnp.zeros(I.shape[:-1] + (self.in_size,), I.dtype) if x is None else bm.as_jax(x)
            if x.shape != I.shape[:-1] + (self.in_size,):
                raise ValueError(f'{self.name}: input of shape {x.shape}, expected {I.shape[:-1] + (self.in_size,)}')
            pre = jnp.concatenate([pre, jnp.asarray(x, I.dtype)], axis=-1)
        I = exponential_synapse(I, pre, self.weights, dt, self.tau_syn)
        self.I.value = I
        bias = self.bias.value if isinstance(self.bias, bm.Variable) else self.bias
        return self.neuron.update(I + jnp.broadcast_to(bias, I.shape))

    def _exact_update(self, x):
        t, dt = bp.share.load('t'), bp.share.load('dt')
        neuron, I = self.neuron, self.I.value
        expected = I.shape[:-1] + (self.in_size,)
        x = jnp.full(expected, jnp.inf, I.dtype) if x is None else jnp.asarray(bm.as_jax(x), I.dtype)
        if x.shape != expected:
            raise ValueError(f'{self.name}: input of shape {x.shape}, expected {expected}')
        bias = self.bias.value if isinstance(self.bias, bm.Variable) else self.bias
        params = ExactParams.of_neuron(neuron.params, self.tau_syn, bias, self.n_neurons, I.dtype)
        V, u, I, times = layer_event_step(neuron.V.value, neuron.u.value, I, x, self.weights, params, dt,
                                          step=self._event_step)
        fired = jnp.isfinite(times)
        self.overrun.value += layer_overrun(neuron.u.value, u, self.I.value, fired, x, self.weights, params, dt)
        neuron.V.value, neuron.u.value, self.I.value, self.spike_time.value = V, u, I, times
        neuron.spike.value = fired.astype(neuron.spike.value.dtype)
        neuron.t_last_spike.value = jnp.where(fired, t + times, neuron.t_last_spike.value)
        return times

    def return_info(self):
        return self.neuron.spike
