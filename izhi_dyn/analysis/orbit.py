r"""Simulated orbits in the V-u plane, with the resets drawn as jumps.

:func:`trajectory` runs one neuron at constant (or per-step) input through
:func:`izhi_dyn.run_neuron`, so that the reset is the neuron's own: an
:class:`izhi_dyn.Izhikevich`, or with ``cell=`` an
:class:`izhi_dyn.Izhikevich2007` of that class. The nullclines, fixed points
and direction field it is drawn over come from
:func:`izhi_dyn.analysis.phase_plane`.
"""

from __future__ import annotations

import inspect
from typing import NamedTuple

import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.analysis.book_phase_plane import cell_params
from izhi_dyn.core.equations import Params2007
from izhi_dyn.simulate import run_neuron

__all__ = ['Trajectory', 'trajectory']


class Trajectory(NamedTuple):
    """A simulated orbit in the (V, u) plane, with the resets as jumps."""

    ts: np.ndarray  #: time (ms)
    V: np.ndarray  #: V after each step (mV)
    u: np.ndarray  #: u after each step
    jumps: np.ndarray  #: shape (n_spikes, 2, 2): rows (V, u) before and after each reset
    spikes: np.ndarray  #: bool per step, True where the step ended in a reset


def trajectory(
    I=10.0,
    *,
    cell=None,
    duration=200.0,
    dt=0.1,
    V0=-70.0,
    u0=None,
    method='riccati',
    **neuron_kwargs,
) -> Trajectory:
    r"""Simulate one :class:`izhi_dyn.Izhikevich` neuron at constant ``I`` and collect its orbit.

    With ``cell`` (2007 form), one :class:`izhi_dyn.Izhikevich2007` of that
    class (``I`` in pA, ``u0`` default :math:`U(V_0)`; pass ``V0=v_r`` for
    the book's start); its resets jump from :math:`(v_{peak} + \pi_u u, u)`.

    ``I`` may be a scalar or an array of one value per step. The resets are
    returned as jumps from :math:`(V_{th}, u - d)` to :math:`(c, u)`, using u
    of the step that spiked. Other keywords (``a``, ``b``, ``c``, ``d``,
    ``V_th``, ...) go to the neuron.

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> tr = ana.trajectory(I=10.0, duration=100.0)
    >>> tr.jumps.shape
    (3, 2, 2)
    """
    from izhi_dyn.dyn.neuron import Izhikevich

    steps = check.check_steps(duration, dt)
    V0 = check.check_real('V0', V0)
    u0 = check.check_real('u0', u0, allow_none=True)
    I = check.check_array('I', I, shapes=((), (steps,)))  # a scalar or one value per step
    inputs = np.broadcast_to(I, (steps,)).reshape(steps, 1)
    if cell is not None:
        return _book_orbit(inputs, cell, dt, V0, u0, method, neuron_kwargs)
    mon = run_neuron(inputs, dt, method=method, V_initializer=V0, u_initializer=u0, **neuron_kwargs)
    V = np.asarray(mon['V'][:, 0], dtype=float)
    u = np.asarray(mon['u'][:, 0], dtype=float)
    fired = np.asarray(mon['spike'][:, 0], dtype=bool)
    defaults = inspect.signature(Izhikevich).parameters
    c, d, V_th = (float(np.asarray(neuron_kwargs.get(k, defaults[k].default)).reshape(-1)[0])
                  for k in ('c', 'd', 'V_th'))
    u_after = u[fired]
    jumps = np.stack([np.stack([np.full_like(u_after, V_th), u_after - d], -1),
                      np.stack([np.full_like(u_after, c), u_after], -1)], axis=1)
    return Trajectory(mon['ts'], V, u, jumps.reshape(-1, 2, 2), fired)


def _book_orbit(inputs, cell, dt, V0, u0, method, neuron_kwargs):
    """One :class:`izhi_dyn.Izhikevich2007` of ``cell`` over ``inputs`` (steps, 1) as a
    :class:`~izhi_dyn.analysis.Trajectory`; ``neuron_kwargs`` override the class's parameters.

    Resets jump from :math:`(v_{peak} + \\pi_u u, u)` to :math:`(c + \\rho_u u, u^+)`, u the value before the
    jump and :math:`u^+` the one after (as monitored).
    """
    p = cell_params(cell)._replace(**neuron_kwargs)
    kwargs = {f: getattr(p, f) for f in Params2007._fields}
    mon = run_neuron(inputs, dt, model='2007', method=method, V_initializer=V0, u_initializer=u0, **kwargs)
    V, u = np.asarray(mon['V'][:, 0], dtype=float), np.asarray(mon['u'][:, 0], dtype=float)
    fired = np.asarray(mon['spike'][:, 0], dtype=bool)
    u_after = u[fired]
    # u before the jump: u + d unless the ceiling cut it (then any u with u + d >= u_max; the ceiling's u is taken)
    u_before = np.where(u_after < p.u_max, u_after - p.d, p.u_max - p.d)
    jumps = np.stack([np.stack([p.v_peak + p.peak_u * u_before, u_before], -1),
                      np.stack([p.c + p.reset_u * u_before, u_after], -1)], axis=1)
    return Trajectory(mon['ts'], V, u, jumps.reshape(-1, 2, 2), fired)
