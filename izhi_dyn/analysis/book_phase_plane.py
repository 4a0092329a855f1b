r"""Phase plane of the 2007 form: nullclines, fixed points and their stability, saddle-node current.

Reached through :func:`izhi_dyn.analysis.nullclines`,
:func:`~izhi_dyn.analysis.fixed_points`, :func:`~izhi_dyn.analysis.jacobian`
and :func:`~izhi_dyn.analysis.phase_plane` with ``cell=`` (a class code,
:class:`izhi_dyn.CellClass` or :class:`izhi_dyn.Params2007`).

At constant input :math:`I` the V-nullcline is the parabola
:math:`u = k (V - v_r)(V - v_t) + I` and the u-nullcline :math:`u = U(V)`,
the class's nullcline (a line through :math:`v_b`, a line with a kink where b
switches, or FS's cubic). Fixed points are where they cross; they are found
as the sign changes of :math:`k (V - v_r)(V - v_t) + I - U(V)` on a fine grid,
refined by Brent's method, which covers every nullcline the classes use.
The Jacobian

.. math::

    J = \begin{pmatrix} k (2V - v_r - v_t)/C & -1/C \\ a\,U'(V) & -a \end{pmatrix}

is classified by :func:`brainpy.analysis.stability.stability_analysis`, as in
:mod:`izhi_dyn.analysis.phase_plane`. For the plain linear nullcline the
resting point disappears in a saddle-node at

.. math::

    I_{SN} = \frac{\big(b + k (v_t - v_r)\big)^2}{4k}

(Izhikevich 2007, ch. 8; 51.4 pA for the RS cell), where the two crossings
merge. The f-I curve and the simulated rheobase come from
:func:`izhi_dyn.analysis.fi_curve` and :func:`izhi_dyn.analysis.rheobase`
with ``model='2007'`` (and ``V0`` = the class's ``v_r``).
"""

from __future__ import annotations

from typing import Union

import jax
import jax.numpy as jnp
import numpy as np
from brainpy.analysis.stability import stability_analysis
from scipy.optimize import brentq

from izhi_dyn import _validation as check
from izhi_dyn.analysis.phase_plane import FixedPoint
from izhi_dyn.book_classes import CELL_CLASSES_2007, CellClass
from izhi_dyn.core.equations import Params2007, recovery_target
from izhi_dyn.simulate import precision

__all__ = ['saddle_node_current']


def cell_params(cell) -> Params2007:
    """The :class:`~izhi_dyn.Params2007` of ``cell`` (a class code, a CellClass or Params2007)."""
    if isinstance(cell, str):
        if cell not in CELL_CLASSES_2007:
            raise ValueError(f'cell={cell!r} is not a 2007 class; expected one of {sorted(CELL_CLASSES_2007)}')
        cell = CELL_CLASSES_2007[cell]
    if isinstance(cell, CellClass):
        return cell.params()
    if isinstance(cell, Params2007):
        return cell
    raise TypeError(f'cell={cell!r}: expected a class code, a CellClass or a Params2007')


def _U(V, p):
    with precision('float64'):  # the plane in float64 whatever the run precision
        return np.asarray(recovery_target(jnp.asarray(V, dtype=jnp.float64), p), dtype=float)


def _dU(V, p):
    with precision('float64'):
        return float(jax.grad(lambda v: recovery_target(v, p))(jnp.asarray(V, dtype=jnp.float64)))


def nullclines(V, I=0.0, cell: Union[str, object] = 'RS'):
    """u on the V-nullcline :math:`k (V - v_r)(V - v_t) + I` and on the u-nullcline :math:`U(V)`.

    Examples
    --------
    >>> from izhi_dyn.analysis import nullclines
    >>> nullclines([-60.0, -50.0], cell='FS')   # FS: U = 0 below v_b = -55
    (array([100., -50.]), array([0.   , 3.125]))
    """
    V = check.check_array('V', V)
    check.check_real('I', I)
    return _nullclines(V, I, cell_params(cell))


def _nullclines(V, I, p):
    return p.k * (V - p.v_r) * (V - p.v_t) + I, _U(V, p)


def jacobian(V, cell='RS') -> np.ndarray:
    """Jacobian of (dV/dt, du/dt) at ``V`` (a checked float; pA, mV, ms units), :math:`U'` by automatic
    differentiation."""
    p = cell_params(cell)
    return np.array([[p.k * (2 * V - p.v_r - p.v_t) / p.C, -1.0 / p.C], [p.a * _dU(V, p), -p.a]], dtype=float)


def fixed_points(I=0.0, cell='RS', V_range=(-120.0, None), points=20001) -> list:
    """Equilibria at constant input ``I`` (pA), sorted by V, as :class:`izhi_dyn.analysis.FixedPoint`.

    ``V_range`` is searched (upper default: the class's ``v_peak``).

    Examples
    --------
    >>> from izhi_dyn.analysis import fixed_points
    >>> [(round(fp.V, 3), fp.kind) for fp in fixed_points(0.0, cell='RS')]
    [(-60.0, 'stable node'), (-42.857, 'saddle node')]
    """
    check.check_real('I', I)
    return _fixed_points(I, cell_params(cell), V_range, points)


def _fixed_points(I, p, V_range=(-120.0, None), points=20001):
    low, high = V_range
    high = float(p.v_peak) if high is None else high
    g = lambda V: p.k * (V - p.v_r) * (V - p.v_t) + I - _U(V, p)  # noqa: E731
    grid = np.linspace(low, high, points)
    values = g(grid)
    roots = [float(grid[i]) for i in np.nonzero(values == 0)[0]]
    for i in np.nonzero(np.sign(values[:-1]) * np.sign(values[1:]) < 0)[0]:
        roots.append(brentq(lambda V: float(g(np.array(V))), grid[i], grid[i + 1], xtol=1e-12))
    out = []
    for V in sorted(roots):
        J = jacobian(V, p)
        eig = np.linalg.eigvals(J)
        out.append(FixedPoint(V, float(_U(V, p)), J, eig, stability_analysis(J), bool(np.all(eig.real < 0))))
    return out


def saddle_node_current(cell='RS') -> float:
    r""":math:`(b + k(v_t - v_r))^2 / (4k)`, the current at which the two crossings of the plain nullcline merge.

    Requires the plain linear nullcline through :math:`v_r` (no switch): RS, IB, CH, LTS.

    Examples
    --------
    >>> from izhi_dyn.analysis import saddle_node_current
    >>> round(saddle_node_current('RS'), 2)
    51.43
    """
    p = cell_params(cell)
    if p.nullcline != 'linear' or p.v_b != p.v_r or np.isfinite(p.v_switch):
        raise ValueError(f'cell={cell!r}: the closed form needs the plain linear nullcline b (V - v_r)')
    return float((p.b + p.k * (p.v_t - p.v_r)) ** 2 / (4 * p.k))


def plane(I, cell, V_range, u_range, resolution):
    """The :class:`~izhi_dyn.analysis.PhasePlane` of ``cell`` at ``I`` (pA) over ``V_range`` (mV)."""
    from izhi_dyn.analysis.phase_plane import PhasePlane
    from izhi_dyn.core.equations import recovery_derivative, voltage_derivative

    p = cell_params(cell)
    I = check.check_real('I', I)
    V_lo, V_hi = V_range
    V = np.linspace(V_lo, V_hi, 400)
    u_V, u_u = _nullclines(V, I, p)
    if u_range is None:
        lo, hi = float(np.min(u_u)), float(np.max(u_u))
        pad = 0.2 * (hi - lo) + 10.0
        u_range = (lo - pad, hi + pad)
    gV, gu = np.meshgrid(np.linspace(V_lo, V_hi, resolution), np.linspace(*u_range, resolution))
    with precision('float64'):
        dV = np.asarray(voltage_derivative(jnp.asarray(gV), jnp.asarray(gu), I, p))
        du = np.asarray(recovery_derivative(jnp.asarray(gV), jnp.asarray(gu), p))
    return PhasePlane(float(I), V, u_V, u_u, _fixed_points(I, p), gV, gu, dV, du, p)
