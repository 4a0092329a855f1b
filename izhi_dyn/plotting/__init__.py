"""Matplotlib figures of simulation results. Plot functions consume results and
never simulate; each takes an optional ``ax`` and returns it. Public names of
each submodule are re-exported here (one import line per submodule)."""
