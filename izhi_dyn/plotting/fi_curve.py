"""f-I curve figures. They draw results of :func:`izhi_dyn.analysis.fi_curve`; they never simulate."""

from __future__ import annotations

from izhi_dyn import _validation as check

__all__ = ['plot_fi_curve']


def plot_fi_curve(curve, *, ax=None, label=None, first_isi=False, rheobase=None, **line_kwargs):
    """Firing rate against input current.

    Parameters
    ----------
    curve : FICurve
        From :func:`izhi_dyn.analysis.fi_curve`.
    ax : matplotlib.axes.Axes, optional
        Axes to draw into; a new figure when None.
    label : str, optional
        Legend label of the steady-rate line.
    first_isi : bool, default False
        Also draw the first-ISI rate (dashed, same colour).
    rheobase : float, optional
        Mark this current with a vertical dotted line.
    **line_kwargs
        Passed to :meth:`matplotlib.axes.Axes.plot`.

    Returns
    -------
    matplotlib.axes.Axes

    Examples
    --------
    >>> import matplotlib; matplotlib.use('Agg')
    >>> import numpy as np, izhi_dyn.analysis as ana, izhi_dyn.plotting as izp
    >>> curve = ana.FICurve(np.arange(3.0), np.array([0.0, 5.0, 9.0]), np.array([0.0, 6.0, 11.0]))
    >>> izp.plot_fi_curve(curve, label='demo').get_ylabel()
    'firing rate (Hz)'
    """
    rheobase = check.check_real('rheobase', rheobase, allow_none=True)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots()
    (line,) = ax.plot(curve.currents, curve.rates, '.-', label=label, **line_kwargs)
    if first_isi:
        ax.plot(curve.currents, curve.first_rates, '--', color=line.get_color(), lw=0.8,
                label=None if label is None else f'{label}, first ISI')
    if rheobase is not None:
        ax.axvline(rheobase, color=line.get_color(), ls=':', lw=0.8)
    ax.set_xlabel('input current I (pA, model units)')
    ax.set_ylabel('firing rate (Hz)')
    if label is not None:
        ax.legend(fontsize=8)
    return ax
