"""izhi_dyn: the Izhikevich spiking-neuron model for BrainPy.

The public API is re-exported here; submodules are implementation detail
unless documented. Names are imported on first use (PEP 562,
:mod:`izhi_dyn._lazy`): ``import izhi_dyn`` loads neither brainpy nor
matplotlib, and a command or a simulation imports only what it uses.
"""

import sys as _sys

from izhi_dyn._lazy import attach as _attach
from izhi_dyn._precision import follow_jax_precision as _follow_jax_precision
from izhi_dyn._precision import keep_x64_through_brainstate_import as _keep_x64
from izhi_dyn._precision import x64_requested as _x64_requested

# brainstate's import (through brainpy) turns JAX's x64 flag off: a float64 request made
# before it, now or later, survives it; if brainstate is already loaded, it is restored now.
_keep_x64()
if 'brainstate' in _sys.modules and _x64_requested():
    _follow_jax_precision(True)

_EXPORTS = {
    'izhi_dyn.checkpoint': ['Checkpoint', 'load_checkpoint', 'save_checkpoint'],
    'izhi_dyn.core': ['INTEGRATORS', 'SPIKE_RESETS', 'Integrator', 'NonFiniteStateError', 'Params', 'StepResult',
        'get_integrator', 'recovery_derivative', 'recovery_flow', 'voltage_derivative'],
    'izhi_dyn.dyn': ['IzhikevichLayer', 'Izhikevich', 'init_weights_and_bias', 'clip_parameters',
        'make_trainable', 'run_sequence', 'trainable'],
    'izhi_dyn.networks': ['CorticalNetwork2003', 'NetworkResult', 'run_network'],
    'izhi_dyn.presets': ['CELL_TYPES_2003', 'FEATURES_2004', 'PRESETS', 'Preset', 'get_preset'],
    'izhi_dyn.protocols': ['Protocol'],
    'izhi_dyn.simulate': ['FRONTENDS', 'Simulation', 'run_neuron', 'simulate', 'simulate_many'],
    'izhi_dyn.analysis.patterns': ['classify_pattern'],
    'izhi_dyn.exact': ['ExactRun', 'exact_spike_times', 'first_spike_loss', 'silent_neuron_penalty',
        'spike_times_until'],
    'izhi_dyn.ttfs': ['first_spike_cross_entropy', 'first_spike_prediction', 'first_spike_times',
        'grid_first_spike_times', 'latency_encode'],
    'izhi_dyn.yin_yang': ['YIN_YANG_SPLITS', 'YinYang', 'yin_yang_class', 'yin_yang_dataset'],
    'izhi_dyn.core.equations': ['Params2007'],
    'izhi_dyn.dyn.book_neuron': ['Izhikevich2007'],
    'izhi_dyn.book_classes': ['CELL_CLASSES_2007', 'PRESETS_2007', 'BookPreset', 'CellClass'],
}
__getattr__, __dir__ = _attach(__name__, _EXPORTS, submodules=('networks',))

__version__ = '0.1.0'

__all__ = [
    'CELL_TYPES_2003',
    'FEATURES_2004',
    'PRESETS',
    'Preset',
    'Protocol',
    'get_preset',
    'FRONTENDS',
    'Simulation',
    'run_neuron',
    'simulate',
    'simulate_many',
    'classify_pattern',
    'ExactRun',
    'exact_spike_times',
    'first_spike_loss',
    'silent_neuron_penalty',
    'spike_times_until',
    'first_spike_cross_entropy',
    'first_spike_prediction',
    'first_spike_times',
    'grid_first_spike_times',
    'latency_encode',
    'YIN_YANG_SPLITS',
    'YinYang',
    'yin_yang_class',
    'yin_yang_dataset',
    'networks',
    'CorticalNetwork2003',
    'NetworkResult',
    'run_network',
    'Checkpoint',
    'load_checkpoint',
    'save_checkpoint',
    'INTEGRATORS',
    'Integrator',
    'Izhikevich',
    'IzhikevichLayer',
    'init_weights_and_bias',
    'clip_parameters',
    'make_trainable',
    'run_sequence',
    'trainable',
    'NonFiniteStateError',
    'Params',
    'SPIKE_RESETS',
    'StepResult',
    'get_integrator',
    'recovery_derivative',
    'recovery_flow',
    'voltage_derivative',
    'Izhikevich2007',
    'Params2007',
    'CELL_CLASSES_2007',
    'PRESETS_2007',
    'CellClass',
    'BookPreset',
]
