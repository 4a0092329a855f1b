"""Networks of Izhikevich neurons: the 2003 cortical network, scalable, and its runner."""

from izhi_dyn.networks._comm import CurrentProj, EventCSR, EventDense
from izhi_dyn.networks.cortical import (PAPER_IN_DEGREE, CorticalNetwork2003, ThalamicNoise,
                                        fixed_in_degree_csr, probability_csr)
from izhi_dyn.networks.runner import (NetworkResult, NetworkRunner, SavedRun, concatenate_results, run_network,
                                     unpack_events)

__all__ = ['CorticalNetwork2003', 'CurrentProj', 'EventCSR', 'EventDense', 'NetworkResult', 'NetworkRunner',
           'PAPER_IN_DEGREE', 'SavedRun', 'ThalamicNoise', 'concatenate_results', 'fixed_in_degree_csr',
           'probability_csr', 'run_network', 'unpack_events']
