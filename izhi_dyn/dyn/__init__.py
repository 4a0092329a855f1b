"""The ``brainpy.dyn`` front-end: the neuron, the eventax-style layer and training helpers.

Each class creates brainpy variables and calls :mod:`izhi_dyn.core`; nothing here
re-states the model's maths.
"""

from izhi_dyn.dyn.layer import IzhikevichLayer, init_weights_and_bias
from izhi_dyn.dyn.neuron import Izhikevich
from izhi_dyn.dyn.book_neuron import Izhikevich2007
from izhi_dyn.dyn.training import (clip_parameters, cross_entropy, make_train_step, make_trainable, run_sequence,
                                   trainable)

__all__ = ['Izhikevich', 'Izhikevich2007', 'IzhikevichLayer', 'init_weights_and_bias', 'clip_parameters',
           'cross_entropy', 'make_train_step', 'make_trainable', 'run_sequence', 'trainable']
