"""The ``brainpy.state`` (brainstate) front-end: the same neuron on one shared core.

Each class creates brainstate states and calls :mod:`izhi_dyn.core`; nothing
here re-states the model's maths. Units follow ``brainpy.state`` (mV, ms,
mV/ms); plain numbers are taken in those units.
"""

from izhi_dyn.state.neuron import Izhikevich

__all__ = ['Izhikevich']
