"""izhi_dyn: the Izhikevich spiking-neuron model for BrainPy.

The public API is re-exported here; submodules are implementation detail
unless documented.
"""

from izhi_dyn._precision import follow_jax_precision as _follow_jax_precision
from izhi_dyn._precision import x64_requested as _x64_requested

_X64 = _x64_requested()  # read before brainpy's import turns JAX's x64 flag off

from izhi_dyn.checkpoint import Checkpoint, load_checkpoint, save_checkpoint
from izhi_dyn.core import (INTEGRATORS, SPIKE_RESETS, Integrator, NonFiniteStateError, Params, Step,
                           get_integrator, recovery_derivative, recovery_flow, voltage_derivative)
from izhi_dyn.dyn import IzhikevichLayer, Izhikevich, init_weights_and_bias
from izhi_dyn import networks  # noqa: E402
from izhi_dyn.networks import CorticalNetwork2003, NetworkResult, run_network  # noqa: E402
from izhi_dyn.dyn import clip_parameters, make_trainable, run_sequence, trainable
from izhi_dyn.presets import CELL_TYPES_2003, FEATURES_2004, PRESETS, Preset, Protocol, get_preset  # noqa: E402
from izhi_dyn.simulate import FRONTENDS, Simulation, run_neuron, simulate, simulate_many  # noqa: E402
from izhi_dyn.analysis.patterns import classify_pattern  # noqa: E402
from izhi_dyn.exact import ExactRun, exact_spike_times, first_spike_loss, silent_neuron_penalty, spike_times_until  # noqa: E402
from izhi_dyn.ttfs import (first_spike_cross_entropy, first_spike_prediction, first_spike_times,  # noqa: E402
                           grid_first_spike_times, latency_encode)
from izhi_dyn.yin_yang import YIN_YANG_SPLITS, YinYang, yin_yang_class, yin_yang_dataset  # noqa: E402
from izhi_dyn.core.equations import Params2007  # noqa: E402
from izhi_dyn.dyn.book_neuron import Izhikevich2007  # noqa: E402
from izhi_dyn.book_classes import CELL_CLASSES_2007, PRESETS_2007, BookPreset, CellClass  # noqa: E402

if _X64:
    _follow_jax_precision(True)

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
    'Step',
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
