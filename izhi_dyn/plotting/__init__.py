"""Matplotlib figures of simulation results. Plot functions consume results and
never simulate; each takes an optional ``ax`` and returns it. Public names of
each submodule are re-exported here (one import line per submodule)."""

from izhi_dyn.plotting.fi_curve import *  # noqa: E402,F401,F403
from izhi_dyn.plotting.phase_plane import *  # noqa: E402,F401,F403
from izhi_dyn.plotting.raster import *  # noqa: E402,F401,F403

from izhi_dyn.plotting.traces import plot_voltage_over_input  # noqa: E402,F401
from izhi_dyn.plotting.gallery import plot_gallery  # noqa: E402,F401
