"""Networks of Izhikevich neurons: the 2003 cortical network, scalable, and its runner.

Names are imported on first use (:mod:`izhi_dyn._lazy`): ``izhi_dyn.networks.distributed``
is usable before brainpy (and with it JAX's backend) is loaded.
"""

from izhi_dyn._lazy import attach

_EXPORTS = {
    'izhi_dyn.networks._comm': ['EventCSR', 'EventDense'],
    'izhi_dyn.networks._projection': ['CurrentProj'],
    'izhi_dyn.networks.connectivity': ['RandomSynapses', 'fixed_in_degree_csr', 'probability_csr'],
    'izhi_dyn.networks.cortical': ['PAPER_IN_DEGREE', 'CorticalNetwork2003'],
    'izhi_dyn.networks.events': ['NetworkResult', 'SavedRun', 'concatenate_results', 'unpack_events'],
    'izhi_dyn.networks.noise': ['ThalamicNoise'],
    'izhi_dyn.networks.runner': ['NetworkRunner', 'run_network'],
}
__getattr__, __dir__ = attach(__name__, _EXPORTS)

__all__ = ['CorticalNetwork2003', 'CurrentProj', 'EventCSR', 'EventDense', 'NetworkResult', 'NetworkRunner',
           'PAPER_IN_DEGREE', 'RandomSynapses', 'SavedRun', 'ThalamicNoise', 'concatenate_results',
           'fixed_in_degree_csr', 'probability_csr', 'run_network', 'unpack_events']
