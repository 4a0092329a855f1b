"""Voltage trace over its input trace, as in the panels of Izhikevich (2004), Fig. 1."""

from __future__ import annotations

from typing import Optional

__all__ = ['plot_voltage_over_input']


def plot_voltage_over_input(sim, ax=None, input_ax=None, title: Optional[str] = None, units: bool = True):
    """Draw ``sim.V`` over ``sim.I`` against time; return the voltage Axes.

    Parameters
    ----------
    sim : izhi_dyn.simulate.Simulation
        A finished run (never simulated here).
    ax : matplotlib Axes, optional
        Axes for V; a new figure if None.
    input_ax : matplotlib Axes, optional
        Axes for I; default a strip inset below ``ax``.
    title : str, optional
        Default the preset's name.
    units : bool, default True
        Label axes with units (a gallery may label only its outer panels).
    """
    import matplotlib.pyplot as plt

    if ax is None:
        fig, (ax, input_ax) = plt.subplots(2, 1, sharex=True, figsize=(5, 3),
                                           gridspec_kw=dict(height_ratios=(4, 1)))
    if input_ax is None:
        input_ax = ax.inset_axes((0.0, -0.3, 1.0, 0.22))
        input_ax.sharex(ax)
    ax.plot(sim.ts, sim.V, color='k', lw=0.8)
    input_ax.plot(sim.ts, sim.I, color='tab:blue', lw=0.8)
    span = sim.I.max() - sim.I.min()
    pad = 0.15 * span if span > 0 else 1.0
    input_ax.set_ylim(sim.I.min() - pad, sim.I.max() + pad)
    ax.set_xlim(sim.ts[0], sim.ts[-1])
    ax.set_ylim(min(-90.0, sim.V.min() - 5), max(40.0, sim.V.max() + 5))  # peaks above 40 mV (IB: 50) stay in
    ax.tick_params(labelbottom=False)
    ax.set_title(sim.preset.name if title is None else title, fontsize=9)
    if units:
        ax.set_ylabel('V (mV)')
        input_ax.set_ylabel('I')
        input_ax.set_xlabel('time (ms)')
    return ax
