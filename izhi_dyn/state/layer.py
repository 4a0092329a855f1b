r"""The recurrent Izhikevich layer on ``brainstate``: weights and bias as :class:`brainstate.ParamState`.

The same layer as :class:`izhi_dyn.IzhikevichLayer` (brainpy.dyn): the synapse
is :func:`izhi_dyn.core.exponential_synapse`, the initial weights
:func:`izhi_dyn.init_weights_and_bias`, the neurons
:class:`izhi_dyn.state.Izhikevich`. This module only creates states and reads
``dt`` from :mod:`brainstate.environ`.
"""

from __future__ import annotations

from typing import Any, Iterable, Optional

import brainstate
import brainunit as u
import jax
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn._layer_args import (TRAINABLE_PARAMS_2007, check_layer_options, check_tau_syn, check_timing,
                                  check_weight_init, check_wmask, exact_step_of, layer_neuron_params)
from izhi_dyn.core.equations import TRAINABLE_PARAMS
from izhi_dyn.core.event_layer import layer_event_step, layer_overrun
from izhi_dyn.core.exact import ExactParams
from izhi_dyn.core.synapse import exponential_synapse, initial_weights_and_bias
from izhi_dyn.state._units import UNITS, build_parameter, float_dtype, read, strip
from izhi_dyn.state.book_neuron import Izhikevich2007, parameter_units
from izhi_dyn.state.neuron import Izhikevich

__all__ = ['IzhikevichLayer']


class IzhikevichLayer(brainstate.nn.Module):
    r"""Recurrent Izhikevich population driven by an exponential synaptic current, on brainstate.

    .. math::

        \frac{dV}{dt} = 0.04 V^2 + 5 V + 140 - u + I + I_c, \qquad
        \frac{du}{dt} = a\,(b V - u), \qquad
        \frac{dI}{dt} = -\frac{I}{\tau_\text{syn}},

        V \ge V_{th}:\quad V \leftarrow c,\quad u \leftarrow u + d, \qquad
        \text{spike of source } m:\quad I_n \leftarrow I_n + (W \odot M)_{mn}.

    Sources :math:`m` are the layer's own neurons (rows ``0..N-1`` of
    :math:`W`) and the ``K`` inputs (rows ``N..N+K-1``). From the same
    weights and inputs it gives the spikes and gradients of
    :class:`izhi_dyn.IzhikevichLayer` in ``TrainingMode`` (same core).

    Parameters
    ----------
    n_neurons : int
        Number of neurons :math:`N`.
    in_size : int
        Number of inputs :math:`K` (``update(x)`` takes ``x`` of shape ``(..., K)``);
        stored as :attr:`n_inputs`, while the attribute ``in_size`` is
        brainstate's input shape ``(K,)`` (and ``out_size`` is ``(N,)``).
    a, b, c, d, V_th : float, array, quantity, initializer or brainstate.State, optional
        Neuron parameters (units as :class:`izhi_dyn.state.Izhikevich`);
        unset: 0.02, 0.2, -51 mV, 2 mV/ms, 30 mV (those of eventax's layer),
        or for ``model='2007'`` the book's RS cell (``V_th`` unset).
    model : {'2003', '2007'}, default '2003'
        The neurons' form: :class:`izhi_dyn.state.Izhikevich`, or
        :class:`izhi_dyn.state.Izhikevich2007` (currents, weights and bias in
        pA; the class's other parameters through ``**neuron_kwargs``, with
        ``g_d``, ``a_d`` the LS cell's dendritic compartment as for
        :class:`izhi_dyn.IzhikevichLayer`; ``train_params`` among ``'a', 'b',
        'c', 'd', 'C', 'k', 'v_r', 'v_t', 'v_peak'``).
    tau_syn : float, array or quantity, default 5 ms
        Synaptic time constant (> 0), shared or one per neuron.
    wmask : array of shape (N + K, N), optional
        Binary connectivity mask :math:`M`; masked weights neither act nor
        receive gradient.
    init_weights, wmean, wlim, fan_in_mode, init_bias, bmean, blim
        Weight and bias initialisation (plain numbers in mV/ms), see
        :func:`izhi_dyn.init_weights_and_bias`.
    train_params : iterable of str, default ()
        Neuron parameters to learn, among ``'a', 'b', 'c', 'd', 'V_th'``:
        each becomes a :class:`brainstate.ParamState` (no sign constraint).
    shared_params : bool, default False
        Learn one shared value per parameter (shape ``()``) instead of one
        per neuron.
    train_bias : bool, default True
        Hold the bias :math:`I_c` in a :class:`brainstate.ParamState`
        (otherwise a constant array).
    seed : int, optional
        Seed of the weight initialisation; default draws a key from
        :mod:`brainstate.random`.
    V_initializer, u_initializer : optional
        Initial state; default :math:`V_0 = c`, :math:`u_0 = b\,V_0`.
    timing : {'grid', 'exact'}, default 'grid'
        ``'exact'``: in-step spike times and exact gradients through them, as
        for :class:`izhi_dyn.IzhikevichLayer` (the same core step); a step's
        input and output are in-step spike times in ms (plain arrays,
        ``+inf``: no spike), the output also kept in ``spike_time``, and
        ``overrun`` counts the steps in which spikes may have been lost, as
        for :class:`izhi_dyn.IzhikevichLayer`. 2003
        form only; of ``**neuron_kwargs`` it accepts ``p1``, ``p2``, ``p3``.
    kernel : {'auto', 'native', 'jax'}, default 'auto'
        The exact step's implementation, as for
        :func:`izhi_dyn.exact_spike_times`: the native one where it can run
        (reverse-mode gradients only), else the pure-JAX one. ``timing='exact'`` only.
    name : str, optional
    **neuron_kwargs
        Passed to :class:`izhi_dyn.state.Izhikevich` (``method``,
        ``spk_fun``, ``spk_reset``, ``detach_spk``, ``tau_ref``, ``p1``...).
        ``spk_fun=None`` gives exact spikes, a ``braintools.surrogate``
        function (the default) differentiable ones.

    Notes
    -----
    With ``timing='grid'``, the order of one step: decay :math:`I` by :math:`e^{-dt/\tau_\text{syn}}`,
    add the weights of the previous step's layer spikes and of the current
    input ``x``, then advance the neurons with input current :math:`I + I_c`
    (held over the step). Input spikes act within the step they arrive in,
    recurrent spikes one step later. ``dt`` (and ``t``) come from
    :mod:`brainstate.environ`, as for the neuron; :func:`izhi_dyn.state.run_sequence`
    sets them. :attr:`W` holds the unmasked weights; :attr:`weights` is
    :math:`W \odot M`. The state ``I`` carries its unit (mV/ms; pA for ``model='2007'``).

    Examples
    --------
    >>> import jax.numpy as jnp
    >>> from izhi_dyn.state import IzhikevichLayer, run_sequence
    >>> layer = IzhikevichLayer(8, 2, wlim=5.0, seed=0)
    >>> layer.init_state(4)
    >>> run_sequence(layer, jnp.zeros((20, 4, 2)), dt=0.5).shape
    (20, 4, 8)
    """

    def __init__(self, n_neurons: int, in_size: int, *, a: Any = None, b: Any = None, c: Any = None,
                 d: Any = None, V_th: Any = None, tau_syn: Any = 5.0, wmask=None, init_weights=None,
                 wmean: float = 0.0, wlim: Optional[float] = None, fan_in_mode: Optional[str] = None,
                 init_bias=None, bmean: float = 0.0, blim: Optional[float] = None,
                 train_params: Iterable[str] = (), shared_params: bool = False, train_bias: bool = True,
                 seed: Optional[int] = None, V_initializer: Any = None, u_initializer: Any = None,
                 name: Optional[str] = None, model: str = '2003', timing: str = 'grid', kernel: str = 'auto',
                 **neuron_kwargs):
        self.timing = check_timing(timing, model, neuron_kwargs)
        self._event_step = exact_step_of(kernel, self.timing)
        n_neurons, in_size, train_params, shared_params, train_bias, seed = check_layer_options(
            n_neurons, in_size, train_params, shared_params, train_bias, seed,
            TRAINABLE_PARAMS_2007 if model == '2007' else TRAINABLE_PARAMS)
        params = layer_neuron_params(model, dict(a=a, b=b, c=c, d=d, V_th=V_th), train_params, neuron_kwargs)
        check.check_name(name)
        super().__init__(name=name)
        self.n_neurons, self.n_inputs = N, K = n_neurons, in_size
        self.in_size, self.out_size = (K,), (N,)  # brainstate's shapes of one input and one output
        dtype = float_dtype()
        units = parameter_units() if model == '2007' else UNITS
        self._I_unit = units['I']

        for p in train_params:
            params[p] = _param_state(p, params[p], N, shared_params, units[p])

        self.tau_syn = check_tau_syn(strip('tau_syn', tau_syn, UNITS['t']), N, dtype)
        self.wmask = check_wmask(wmask, N, K, dtype)
        key = brainstate.random.split_key() if seed is None else jax.random.PRNGKey(seed)
        W, bias = initial_weights_and_bias(key, N, K, dtype=dtype, mask=self.wmask, **check_weight_init(
            N, K, init_weights=init_weights, wmean=wmean, wlim=wlim, fan_in_mode=fan_in_mode, init_bias=init_bias,
            bmean=bmean, blim=blim))
        self.W = brainstate.ParamState(W if self.wmask is None else W * self.wmask)
        self.bias = brainstate.ParamState(bias) if train_bias else bias

        if V_initializer is None and model == '2003':
            c0 = params['c']
            V_initializer = lambda shape: jnp.broadcast_to(  # noqa: E731
                jnp.asarray(strip('c', read('c', c0), UNITS['c']), dtype=float_dtype()), shape)
        neuron_class = Izhikevich2007 if model == '2007' else Izhikevich
        self.neuron = neuron_class(N, V_initializer=V_initializer, u_initializer=u_initializer, **params,
                                   **neuron_kwargs)

    @property
    def weights(self) -> jax.Array:
        """Effective weights :math:`W \\odot M`, shape ``(N + K, N)``."""
        W = self.W.value
        return W if self.wmask is None else W * self.wmask

    @property
    def spike(self) -> brainstate.State:
        """The neurons' spike state."""
        return self.neuron.spike

    def _current(self, batch_size):
        shape = (self.n_neurons,) if batch_size is None else (batch_size, self.n_neurons)
        return jnp.zeros(shape, dtype=float_dtype()) * self._I_unit

    def init_state(self, batch_size: Optional[int] = None, **kwargs):
        """Create the synaptic current ``I = 0`` and the neurons' states (V = c, u = b V)."""
        self.I = brainstate.HiddenState(self._current(batch_size))
        if self.timing == 'exact':
            self.spike_time = brainstate.ShortTermState(self._no_spikes(batch_size))
            self.overrun = brainstate.ShortTermState(self._no_overruns(batch_size))
        self.neuron.init_state(batch_size, **kwargs)

    def reset_state(self, batch_size: Optional[int] = None, **kwargs):
        """Set ``I`` to 0 and the neurons back to their initial state."""
        self.I.value = self._current(batch_size)
        if self.timing == 'exact':
            self.spike_time.value = self._no_spikes(batch_size)
            self.overrun.value = self._no_overruns(batch_size)
        self.neuron.reset_state(batch_size, **kwargs)

    def _no_spikes(self, batch_size):
        shape = (self.n_neurons,) if batch_size is None else (batch_size, self.n_neurons)
        return jnp.full(shape, jnp.inf, dtype=float_dtype())

    def _no_overruns(self, batch_size):
        return jnp.zeros((self.n_neurons,) if batch_size is None else (batch_size, self.n_neurons), jnp.int32)

    def update(self, x=None):
        """Advance one step with input ``x`` of shape ``(..., K)``; return the layer's spikes.

        With ``timing='exact'``, ``x`` and the result are in-step spike times (ms, ``+inf``: none).
        """
        if self.timing == 'exact':
            return self._exact_update(x)
        dt = strip('dt', brainstate.environ.get_dt(), UNITS['t'])
        I = self.I.value.to_decimal(self._I_unit)
        pre = jnp.asarray(self.neuron.spike.value, dtype=I.dtype)
        if self.n_inputs:
            expected = I.shape[:-1] + (self.n_inputs,)
            x = jnp.zeros(expected, I.dtype) if x is None else jnp.asarray(x)
            if x.shape != expected:
                raise ValueError(f'x: input of shape {x.shape}, expected {expected}')
            pre = jnp.concatenate([pre, jnp.asarray(x, I.dtype)], axis=-1)
        I = exponential_synapse(I, pre, self.weights, dt, self.tau_syn)
        self.I.value = I * self._I_unit
        bias = self.bias.value if isinstance(self.bias, brainstate.State) else self.bias
        return self.neuron(I + jnp.broadcast_to(bias, I.shape))

    def _exact_update(self, x):
        neuron = self.neuron
        dt = strip('dt', brainstate.environ.get_dt(), UNITS['t'])
        t = strip('t', brainstate.environ.get('t'), u.ms)
        I = self.I.value.to_decimal(UNITS['I'])
        expected = I.shape[:-1] + (self.n_inputs,)
        x = jnp.full(expected, jnp.inf, I.dtype) if x is None else jnp.asarray(strip('x', x, u.ms), I.dtype)
        if x.shape != expected:
            raise ValueError(f'x: input of shape {x.shape}, expected {expected}')
        bias = self.bias.value if isinstance(self.bias, brainstate.State) else self.bias
        params = ExactParams.of_neuron(neuron.params, self.tau_syn, bias, self.n_neurons, I.dtype)
        V, u_, I, times = layer_event_step(neuron.V.value.to_decimal(UNITS['V']),
                                           neuron.u.value.to_decimal(UNITS['u']), I, x, self.weights, params, dt,
                                           step=self._event_step)
        fired = jnp.isfinite(times)
        self.overrun.value += layer_overrun(neuron.u.value.to_decimal(UNITS['u']), u_,
                                            self.I.value.to_decimal(UNITS['I']), fired, x, self.weights, params, dt)
        neuron.V.value, neuron.u.value, self.I.value = V * UNITS['V'], u_ * UNITS['u'], I * UNITS['I']
        neuron.spike.value = fired.astype(float_dtype())
        neuron.t_last_spike.value = jnp.where(fired, t + times, neuron.t_last_spike.value.to_decimal(u.ms)) * u.ms
        self.spike_time.value = times
        return times


def _param_state(name, value, n_neurons, shared, unit):
    """A trainable neuron parameter (plain, in ``unit``): a ParamState of shape ``(N,)``, or ``()`` when ``shared``."""
    if isinstance(value, brainstate.State):
        raise TypeError(f'{name}: already a state; leave it out of train_params or pass a plain value')
    value = jnp.asarray(build_parameter(name, value, (n_neurons,), unit=unit), dtype=float_dtype())
    if shared:
        if value.size != 1:
            raise ValueError(f'{name}: shared_params=True needs a single value, got shape {value.shape}')
        return brainstate.ParamState(value.reshape(()))
    return brainstate.ParamState(jnp.broadcast_to(value, (n_neurons,)))

