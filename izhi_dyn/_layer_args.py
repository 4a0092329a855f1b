"""Arguments of the recurrent layer, checked once for both front-ends.

:class:`izhi_dyn.IzhikevichLayer` (brainpy.dyn) and
:class:`izhi_dyn.state.IzhikevichLayer` (brainstate) take the same layer
arguments; they are checked here and the maths is :mod:`izhi_dyn.core.synapse`.
"""

from __future__ import annotations

import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.core.event_layer import TIMINGS
from izhi_dyn.core.synapse import FAN_IN_MODES
from izhi_dyn.exact_native import select_event_step

__all__ = ['FAN_IN_MODES', 'LAYER_MODELS', 'TRAINABLE_PARAMS_2007', 'check_weight_init',
           'check_layer_options', 'check_tau_syn', 'check_timing', 'check_wmask', 'exact_step_of',
           'layer_neuron_params']


def check_weight_init(n_neurons, in_size, *, init_weights, wmean, wlim, fan_in_mode, init_bias, bmean, blim):
    """The checked weight and bias arguments of :func:`izhi_dyn.init_weights_and_bias` (sizes already checked),
    as a dict."""
    wmean, bmean = check.check_real('wmean', wmean), check.check_real('bmean', bmean)
    wlim = check.check_real('wlim', wlim, lower=0.0, allow_none=True)
    blim = check.check_real('blim', blim, lower=0.0, allow_none=True)
    if fan_in_mode is not None:
        check.check_choice('fan_in_mode', fan_in_mode, FAN_IN_MODES)
    if init_weights is not None:
        init_weights = check.check_array('init_weights', init_weights, shapes=((n_neurons + in_size, n_neurons),))
    if init_bias is not None:
        init_bias = check.check_array('init_bias', init_bias, shapes=((), (1,), (n_neurons,)))
    return dict(init_weights=init_weights, wmean=wmean, wlim=wlim, fan_in_mode=fan_in_mode, init_bias=init_bias,
                bmean=bmean, blim=blim)


def check_layer_options(n_neurons, in_size, train_params, shared_params, train_bias, seed, choices):
    """The checked ``(n_neurons, in_size, train_params, shared_params, train_bias, seed)``."""
    n_neurons = check.check_int('n_neurons', n_neurons, lower=1)
    in_size = check.check_int('in_size', in_size, lower=0)
    train_params = check.check_names('train_params', train_params, choices)
    if len(set(train_params)) < len(train_params):
        raise ValueError(f'train_params={train_params!r}: expected each name at most once')
    shared_params = check.check_bool('shared_params', shared_params)
    train_bias = check.check_bool('train_bias', train_bias)
    seed = check.check_int('seed', seed, lower=0, allow_none=True)
    return n_neurons, in_size, train_params, shared_params, train_bias, seed


def check_tau_syn(tau_syn, n_neurons, dtype):
    """``tau_syn`` (ms, > 0; scalar or one per neuron) as an array of shape ``(N,)``."""
    tau = check.check_array('tau_syn', tau_syn, shapes=((), (1,), (n_neurons,)))
    if np.any(tau <= 0):
        raise ValueError(f'tau_syn={tau_syn!r}: expected positive time constants (ms)')
    return jnp.broadcast_to(jnp.asarray(tau, dtype=dtype), (n_neurons,))


def check_wmask(wmask, n_neurons, in_size, dtype):
    """``wmask`` (binary, shape ``(N + K, N)``) as an array of ``dtype``, or None."""
    if wmask is None:
        return None
    wmask = check.check_array('wmask', wmask, shapes=((n_neurons + in_size, n_neurons),))
    if not np.all((wmask == 0) | (wmask == 1)):
        raise ValueError('wmask: expected a binary array (0 or 1)')
    return jnp.asarray(wmask, dtype=dtype)


#: Names accepted by the layers' ``model=``: the 2003 form and the book's 2007 form.
LAYER_MODELS = ('2003', '2007')

#: Neuron parameters of the 2007-form layer that ``train_params`` may name.
TRAINABLE_PARAMS_2007 = ('a', 'b', 'c', 'd', 'C', 'k', 'v_r', 'v_t', 'v_peak')

# The 2003 layer's unset (None) neuron parameters: those of eventax's layer.
_EVENTAX = {'a': 0.02, 'b': 0.2, 'c': -51.0, 'd': 2.0, 'V_th': 30.0}


def layer_neuron_params(model, given, train_params, neuron_kwargs):
    """The neuron parameters the layer builds itself (``given`` a, b, c, d, V_th, None where unset).

    For ``model='2007'``: ``V_th`` must stay unset (the cut-off is ``v_peak``),
    unset values are the book's RS cell's, and the trainable parameters named in
    ``train_params`` move from ``neuron_kwargs`` (popped) into the result.
    """
    model = check.check_choice('model', model, LAYER_MODELS)
    if model == '2003':
        return {k: _EVENTAX[k] if given[k] is None else given[k] for k in _EVENTAX}
    if given.get('V_th') is not None:
        raise ValueError(f"V_th={given['V_th']!r}: the 2007 form's spike cut-off is v_peak (pass v_peak=)")
    from izhi_dyn.book_classes import CELL_CLASSES_2007

    rs = CELL_CLASSES_2007['RS'].neuron_kwargs()
    params = {k: rs[k] if given[k] is None else given[k] for k in ('a', 'b', 'c', 'd')}
    for name in train_params:
        if name not in params:
            params[name] = neuron_kwargs.pop(name, rs[name])
    return params


#: Neuron arguments that ``timing='exact'`` honours; every other one acts on the grid update only.
EXACT_NEURON_KWARGS = ('p1', 'p2', 'p3')


def exact_step_of(kernel, timing):
    """The exact step ``kernel`` names (see :func:`~izhi_dyn.exact_native.select_event_step`) for
    ``timing='exact'``; None for ``'grid'``, which takes no kernel."""
    if timing == 'exact':
        return select_event_step(kernel)
    if kernel != 'auto':
        raise ValueError(f"kernel={kernel!r} chooses the step of timing='exact'; this layer's timing is 'grid'")
    return None


def check_timing(timing, model, neuron_kwargs):
    """``timing`` (one of :data:`~izhi_dyn.core.event_layer.TIMINGS`), refusing what the exact step would ignore."""
    timing = check.check_choice('timing', timing, TIMINGS)
    if timing == 'exact':
        if model != '2003':
            raise ValueError(f"timing='exact': model={model!r}; the event-exact step is the 2003 form's")
        ignored = sorted(set(neuron_kwargs) - set(EXACT_NEURON_KWARGS))
        if ignored:
            raise ValueError(f"timing='exact': {', '.join(ignored)} act on the grid update only (the exact step "
                             f"resets at the crossing, without refractory period, noise or surrogate spikes)")
    return timing
