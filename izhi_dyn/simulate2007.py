"""Run the 2007 cell-class presets with their protocols (:mod:`izhi_dyn.presets2007`).

The runs go through :func:`izhi_dyn.run_neuron` with ``model='2007'``
(:class:`izhi_dyn.Izhikevich2007` under ``bp.DSRunner``, or
:class:`izhi_dyn.state.Izhikevich2007`); the results are the
same :class:`izhi_dyn.Simulation` tuples as for the 2003/2004 presets, whose
``preset`` is then a :class:`~izhi_dyn.presets2007.Preset2007`.
"""

from __future__ import annotations

from typing import Optional, Sequence, Union

import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.core.integrators2007 import get_integrator2007
from izhi_dyn.presets2007 import Preset2007, get_preset2007
from izhi_dyn.simulate import FRONTENDS, Simulation, run_grouped, run_neuron

__all__ = ['simulate2007', 'simulate_many2007']


def _run_group(presets: Sequence[Preset2007], method: str, dt: float, frontend: str):
    n_steps = max(int(round(p.duration / dt)) - 1 for p in presets)
    ts = np.arange(n_steps, dtype=np.float64) * dt
    I = np.stack([p.protocol(ts) for p in presets], axis=1)
    kwargs = presets[0].cell.neuron_kwargs()  # one class per group: the rules are shared
    mon = run_neuron(I, dt, model='2007', frontend=frontend, method=method, **kwargs)
    V = np.asarray(mon['V'], dtype=np.float64)
    u = np.asarray(mon['u'], dtype=np.float64)
    spikes = np.asarray(mon['spike'], dtype=bool)
    cell = presets[0].cell
    V = np.where(spikes, cell.v_peak + cell.peak_u * u, V)  # draw the peaks, as the book's figures do
    return ts, V, u, I, spikes


def simulate_many2007(names: Sequence[Union[str, Preset2007]], method: Optional[str] = None,
                      dt: Optional[float] = None, dtype: Optional[str] = None, frontend: str = 'dyn') -> dict:
    """Simulate several 2007 presets; return ``{name: Simulation}`` in the order given.

    Parameters
    ----------
    names : sequence of str or Preset2007
        Keys of :data:`izhi_dyn.PRESETS_2007` (``'rs_100pA'``) or records.
    method : str, optional
        A name of :data:`izhi_dyn.INTEGRATORS2007`; default each preset's
        published scheme (``'izhikevich2007'``).
    dt : float, optional
        Time step (ms); default the published 0.25 ms.
    dtype : {'float32', 'float64'}, optional
        Precision of the run (temporary switch); default the current one.
    frontend : {'dyn', 'state'}, default 'dyn'
        :class:`izhi_dyn.Izhikevich2007` or :class:`izhi_dyn.state.Izhikevich2007`
        (the same spikes, see ``tests/test_izhikevich2007_state.py``).
    """
    if isinstance(names, (str, Preset2007)) or not isinstance(names, Sequence) or not names:
        raise TypeError(f'names={names!r}: expected a non-empty sequence of 2007 preset names or records')
    presets = [get_preset2007(n, f'names[{i}]') for i, n in enumerate(names)]
    if method is not None:
        get_integrator2007(method)
    if dt is not None:
        check.check_dt(dt)
    check.check_choice('frontend', frontend, FRONTENDS)
    labels = [n if isinstance(n, str) else n.key for n in names]
    n_samples = lambda p, step: int(round(p.duration / step)) - 1  # noqa: E731
    return run_grouped(presets, labels, method, dt, dtype, lambda p: p.cell.code,
                       lambda group, m, step: _run_group(group, m, step, frontend), n_samples)


def simulate2007(name: Union[str, Preset2007], method: Optional[str] = None, dt: Optional[float] = None,
                 dtype: Optional[str] = None, frontend: str = 'dyn') -> Simulation:
    """Simulate one 2007 preset; see :func:`simulate_many2007`.

    Examples
    --------
    >>> from izhi_dyn import simulate2007
    >>> simulate2007('rs_100pA', dtype='float64').spike_times[:3]
    array([ 48.5 , 122.25, 198.5 ])
    """
    (result,) = simulate_many2007([get_preset2007(name)], method=method, dt=dt, dtype=dtype,
                                  frontend=frontend).values()
    return result
