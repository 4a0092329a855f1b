"""Networks of Izhikevich neurons: the 2003 cortical network, scalable, and its runner."""

from izhi_dyn.networks._comm import CurrentProj, EventCSR, EventDense
from izhi_dyn.networks.connectivity import fixed_in_degree_csr, probability_csr
from izhi_dyn.networks.cortical import PAPER_IN_DEGREE, CorticalNetwork2003
from izhi_dyn.networks.events import NetworkResult, SavedRun, concatenate_results, unpack_events
from izhi_dyn.networks.noise import ThalamicNoise
from izhi_dyn.networks.runner import NetworkRunner, run_network

__all__ = ['CorticalNetwork2003', 'CurrentProj', 'EventCSR', 'EventDense', 'NetworkResult', 'NetworkRunner',
           'PAPER_IN_DEGREE', 'SavedRun', 'ThalamicNoise', 'concatenate_results', 'fixed_in_degree_csr',
           'probability_csr', 'run_network', 'unpack_events']
