r"""The maths of the Izhikevich model in pure JAX: it knows neither brainpy.dyn nor brainstate.

- :mod:`~izhi_dyn.core.equations`: vector field and exact recovery flow of both
  forms, 2003 (:class:`Params`) and the book's 2007 (:class:`Params2007`,
  :math:`C\,dV/dt = k (V - v_r)(V - v_t) - u + I`, its class rules as data);
  every function below takes either, and the type selects the form;
- :mod:`~izhi_dyn.core.riccati`: closed-form voltage flow with u and I frozen;
- :mod:`~izhi_dyn.core.moebius`: the same flow as a branch-free Moebius map
  (the event-exact step's);
- :mod:`~izhi_dyn.core.integrators`: named one-step methods with their order;
- :mod:`~izhi_dyn.core.reset`: spike-and-reset rules, in-step spike time;
- :mod:`~izhi_dyn.core.noise`: the white-noise increment of one step;
- :mod:`~izhi_dyn.core.finite`: opt-in non-finite state detection;
- :mod:`~izhi_dyn.core.dendrite`: the passive dendritic compartment of the book's LS cell
  (a third state variable, :class:`Dendrite`);
- :mod:`~izhi_dyn.core.update`: one step of a population, used by every front-end;
- :mod:`~izhi_dyn.core.synapse`: the layers' exponential current synapse and initial weights;
- :mod:`~izhi_dyn.core.exact`: the event-exact step of a coupled layer (spike times
  inside the step carried through exponential synapses), behind
  :func:`izhi_dyn.exact_spike_times`, and :mod:`~izhi_dyn.core.event_layer`, that
  step mapped over batch axes for the layers' ``timing='exact'``;
- :mod:`~izhi_dyn.core.counter_rng`: the counter-based normal generator of the
  network's thalamic noise (the same bits as the native fused step).
"""

from izhi_dyn.core.dendrite import Dendrite
from izhi_dyn.core.equations import (ACCOMMODATION_V, NULLCLINES, RECOVERY_LAWS, TRAINABLE_PARAMS, Params, Params2007,
                                     membrane_current, recovery_derivative, recovery_flow, recovery_target, spike_peak,
                                     to_state_shape, voltage_derivative)
from izhi_dyn.core.finite import NonFiniteStateError, raise_if_not_finite
from izhi_dyn.core.integrators import INTEGRATORS, Integrator, StepResult, get_integrator
from izhi_dyn.core.noise import noise_increment
from izhi_dyn.core.reset import SPIKE_RESETS
from izhi_dyn.core.synapse import FAN_IN_MODES, exponential_synapse, initial_weights_and_bias
from izhi_dyn.core.update import NeuronUpdate, is_refractory, neuron_update

__all__ = ['ACCOMMODATION_V', 'RECOVERY_LAWS', 'NULLCLINES', 'TRAINABLE_PARAMS', 'to_state_shape', 'Params',
           'Params2007', 'membrane_current', 'recovery_derivative', 'recovery_flow', 'recovery_target', 'spike_peak',
           'voltage_derivative', 'NonFiniteStateError', 'raise_if_not_finite', 'INTEGRATORS', 'Integrator',
           'StepResult', 'get_integrator', 'noise_increment', 'SPIKE_RESETS', 'NeuronUpdate', 'is_refractory',
           'neuron_update', 'FAN_IN_MODES', 'exponential_synapse', 'initial_weights_and_bias', 'Dendrite']
