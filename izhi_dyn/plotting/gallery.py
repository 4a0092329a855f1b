"""Galleries of preset runs: the 20 features laid out like Izhikevich (2004), Fig. 1."""

from __future__ import annotations

from typing import Mapping, Optional

from izhi_dyn import _validation as check
from izhi_dyn.plotting.traces import plot_voltage_over_input

__all__ = ['plot_gallery']


def plot_gallery(sims: Mapping, fig=None, ncols: int = 4, title: Optional[str] = None):
    """One voltage-over-input panel per run, row by row (A-D, E-H, ... for Fig. 1).

    Parameters
    ----------
    sims : mapping of name to Simulation
        Finished runs, in panel order (e.g. :func:`izhi_dyn.simulate_many` of
        :data:`izhi_dyn.presets.FEATURES_2004`).
    fig : matplotlib Figure, optional
        Figure to draw into; a new one sized to the grid if None.
    ncols : int, default 4
        Panels per row (the paper's figure has 4).
    title : str, optional
        Figure title.

    Returns
    -------
    matplotlib Figure
        With ``fig.panels``: the voltage Axes by name.
    """
    ncols = check.check_int('ncols', ncols, lower=1)
    if not isinstance(sims, Mapping) or not sims:
        raise TypeError(f'sims={sims!r}: expected a non-empty mapping of names to Simulation results')
    import matplotlib.pyplot as plt

    n = len(sims)
    nrows = -(-n // ncols)
    if fig is None:
        fig = plt.figure(figsize=(3.4 * ncols, 2.3 * nrows))
    height = fig.get_figheight()  # fixed margins in inches: room for the title and the time labels
    outer = fig.add_gridspec(nrows, ncols, hspace=0.55, wspace=0.3, left=0.06, right=0.98,
                             top=1 - (0.75 if title else 0.35) / height, bottom=0.5 / height)
    fig.panels = {}
    for i, (name, sim) in enumerate(sims.items()):
        cell = outer[i // ncols, i % ncols].subgridspec(2, 1, height_ratios=(4, 1), hspace=0.05)
        ax = fig.add_subplot(cell[0])
        input_ax = fig.add_subplot(cell[1], sharex=ax)
        label = f'({sim.preset.code}) {sim.preset.name}' if sim.preset.paper == '2004' else f'{sim.preset.code}: {sim.preset.name}'
        plot_voltage_over_input(sim, ax=ax, input_ax=input_ax, title=label, units=False)
        input_ax.set_yticks([])
        if i % ncols == 0:
            ax.set_ylabel('V (mV)', fontsize=8)
            input_ax.set_ylabel('I', fontsize=8, rotation=0, labelpad=8)
        if i // ncols == nrows - 1 or i + ncols >= n:
            input_ax.set_xlabel('time (ms)', fontsize=8)
        ax.tick_params(labelsize=7)
        input_ax.tick_params(labelsize=7)
        fig.panels[name] = ax
    if title:
        fig.suptitle(title, y=1 - 0.15 / height, va='top')
    return fig
