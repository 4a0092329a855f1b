"""The ``brainpy.state`` (brainstate) front-end: the same neuron on one shared core.

Each class creates brainstate states and calls :mod:`izhi_dyn.core`; nothing
here re-states the model's maths. Units follow ``brainpy.state`` (mV, ms,
mV/ms); plain numbers are taken in those units.

- :class:`Izhikevich`: the neuron population, a ``brainpy.state.Neuron``;
- :class:`Izhikevich2007`: the book's 2007 form (pA, pF, nS), its class rules as data;
- :class:`IzhikevichLayer`: the recurrent layer with an exponential current
  synapse, weights and bias as ``brainstate.ParamState``;
- :class:`CorticalNetwork2003`, :func:`run_network`: the 2003 network on
  ``brainpy.state`` projections;
- :func:`run_sequence`, :func:`make_train_step`: a time loop and an optax step
  under ``brainstate.transform.grad``.
"""

from izhi_dyn.state.layer import IzhikevichLayer
from izhi_dyn.state.network import CorticalNetwork2003, NetworkRun, run_network
from izhi_dyn.state.neuron import Izhikevich
from izhi_dyn.state.book_neuron import Izhikevich2007
from izhi_dyn.state.training import make_train_step, run_sequence

__all__ = ['Izhikevich', 'Izhikevich2007', 'IzhikevichLayer', 'CorticalNetwork2003', 'NetworkRun', 'run_network', 'run_sequence',
           'make_train_step']
