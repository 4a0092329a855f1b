"""Analysis of simulation results: spike statistics, firing patterns, population
rhythms, f-I curves, phase planes, simulated orbits, and an independent float64 reference for
the spike times of a coupled network. Each submodule has one job; its public
names are re-exported here (one import line per submodule)."""

from izhi_dyn.analysis.fi import *  # noqa: E402,F401,F403
from izhi_dyn.analysis.phase_plane import *  # noqa: E402,F401,F403
from izhi_dyn.analysis.book_phase_plane import *  # noqa: E402,F401,F403
from izhi_dyn.analysis.orbit import *  # noqa: E402,F401,F403
from izhi_dyn.analysis.sweep import *  # noqa: E402,F401,F403

from izhi_dyn.analysis.spikes import detect_bursts, firing_rate, isi, spike_times, spike_times_from_voltage  # noqa: F401
from izhi_dyn.analysis.patterns import PATTERNS, classify_pattern  # noqa: F401
from izhi_dyn.analysis.population import *  # noqa: E402,F401,F403
from izhi_dyn.analysis.event_reference import reference_spike_times  # noqa: F401
