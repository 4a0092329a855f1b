"""Phase-plane figures: nullclines, direction field, fixed points, orbits with reset jumps.

These functions draw results of :mod:`izhi_dyn.analysis`; they never simulate.
"""

from __future__ import annotations

import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.core.equations import Params2007

__all__ = ['plot_phase_plane', 'plot_sweep']


def _axes(ax):
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    return ax


def plot_phase_plane(plane, trajectory=None, *, ax=None, field=True, legend=True, color='C3'):
    """Draw a :class:`izhi_dyn.analysis.PhasePlane` and optionally a :class:`~izhi_dyn.analysis.Trajectory`.

    The V-nullcline is solid, the u-nullcline dashed, stable fixed points are
    filled and unstable ones open; resets :math:`(V_{th}, u) \\to (c, u + d)`
    are dotted jumps. Either form: a plane and orbit of the book's 2007 form
    (``cell=`` in :func:`~izhi_dyn.analysis.phase_plane` and
    :func:`~izhi_dyn.analysis.trajectory`) are drawn in its units, u and I in
    pA, resets from :math:`(v_{peak} + \\pi_u u, u)` to :math:`(c + \\rho_u u, u^+)`.

    Parameters
    ----------
    plane : PhasePlane
        From :func:`izhi_dyn.analysis.phase_plane`.
    trajectory : Trajectory, optional
        From :func:`izhi_dyn.analysis.trajectory`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure when None.
    field : bool, default True
        Draw the normalised direction field.
    legend : bool, default True
        Add a legend.
    color : str, default 'C3'
        Colour of the trajectory.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use('Agg')
    >>> import izhi_dyn.analysis as ana, izhi_dyn.plotting as izp
    >>> ax = izp.plot_phase_plane(ana.phase_plane(I=0.0))
    >>> ax.get_xlabel()
    'V (mV)'
    """
    ax = _axes(ax)
    if field:
        # normalise each axis by its window so arrows show direction in the drawn aspect
        sV = np.ptp(plane.grid_V) or 1.0
        su = np.ptp(plane.grid_u) or 1.0
        dx, dy = plane.dV / sV, plane.du / su
        norm = np.hypot(dx, dy)
        norm[norm == 0] = 1.0
        ax.quiver(plane.grid_V, plane.grid_u, dx / norm, dy / norm, color='0.75', angles='xy',
                  pivot='mid', scale=40, width=0.002)
    ax.plot(plane.V, plane.V_nullcline, 'k-', lw=1.5, label='V-nullcline')
    if plane.V_acc is None:
        ax.plot(plane.V, plane.u_nullcline, 'k--', lw=1.2, label='u-nullcline')
    else:
        ax.axvline(plane.V_acc, color='k', ls='--', lw=1.2, label='u-nullcline')
    for fp in plane.fixed_points:
        ax.plot(fp.V, fp.u, 'o', ms=8, mec='k', mfc='k' if fp.stable else 'w', zorder=5,
                label=f'{fp.kind} ({fp.V:.1f} mV)')
    if trajectory is not None:
        # the monitors hold post-reset states: end each inter-spike segment at the
        # threshold crossing (V_th, u - d), then draw the reset as a jump
        V, u = trajectory.V, trajectory.u
        start = 0
        for k, j in enumerate(np.flatnonzero(trajectory.spikes)):
            before, after = trajectory.jumps[k]
            ax.plot(np.r_[V[start:j], before[0]], np.r_[u[start:j], before[1]], color=color, lw=1.2,
                    label='trajectory' if k == 0 else None)
            ax.plot([before[0], after[0]], [before[1], after[1]], ':', color=color, lw=1.0,
                    label='reset V←c, u←u+d' if k == 0 else None)
            start = j
        ax.plot(V[start:], u[start:], color=color, lw=1.2, label=None if start else 'trajectory')
        ax.plot(trajectory.V[0], trajectory.u[0], 's', color=color, ms=5)
    ax.set_xlim(plane.grid_V.min(), plane.grid_V.max())
    ax.set_ylim(plane.grid_u.min(), plane.grid_u.max())
    book = isinstance(plane.params, Params2007)
    ax.set_xlabel('V (mV)')
    ax.set_ylabel('u (pA)' if book else 'u (mV/ms)')
    ax.set_title(f'I = {plane.I:g} pA' if book else f'I = {plane.I:g}', fontsize=10)
    if legend:
        ax.legend(fontsize=7, loc='lower right', framealpha=0.9)
    return ax


_UNITS = {'a': '1/ms', 'b': '1/ms', 'c': 'mV', 'd': 'mV/ms', 'V_th': 'mV', 'p1': '1/(mV ms)',
          'p2': '1/ms', 'p3': 'mV/ms'}
_QUANTITY = {'rate': 'rate (Hz)', 'n_spikes': 'spike count', 'adaptation': 'last ISI / first ISI',
             'burst_fraction': 'fraction of ISIs < 10 ms'}


def plot_sweep(sweep, quantity='rate', *, markers=None, ax=None, cmap='viridis'):
    """Colour map of one firing measure of a :class:`izhi_dyn.analysis.Sweep`.

    Parameters
    ----------
    sweep : Sweep
        From :func:`izhi_dyn.analysis.parameter_sweep`.
    quantity : {'rate', 'n_spikes', 'adaptation', 'burst_fraction'}
        The measure to show.
    markers : dict, optional
        ``{label: (x, y)}`` points to mark, e.g. the published cell types.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure when None.
    cmap : str, default 'viridis'
        Colour map.

    Returns
    -------
    matplotlib.axes.Axes
    """
    check.check_choice('quantity', quantity, tuple(_QUANTITY))
    ax = _axes(ax)
    mesh = ax.pcolormesh(sweep.xs, sweep.ys, getattr(sweep, quantity), shading='nearest', cmap=cmap)
    ax.figure.colorbar(mesh, ax=ax, label=_QUANTITY[quantity])
    for label, (x, y) in (markers or {}).items():
        ax.plot(x, y, 'w^', mec='k', ms=7)
        ax.annotate(label, (x, y), textcoords='offset points', xytext=(5, 4), fontsize=8, color='w',
                    fontweight='bold')
    ax.set_xlabel(f'{sweep.x_name} ({_UNITS[sweep.x_name]})')
    ax.set_ylabel(f'{sweep.y_name} ({_UNITS[sweep.y_name]})')
    return ax
