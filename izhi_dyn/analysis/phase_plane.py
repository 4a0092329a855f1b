r"""The V-u phase plane: nullclines, fixed points, stability, trajectories, resets.

For constant input :math:`I` the model is the planar system

.. math::

    \dot V = p_1 V^2 + p_2 V + p_3 - u + I, \qquad \dot u = a (b V - u)

with the V-nullcline :math:`u = p_1 V^2 + p_2 V + p_3 + I` and the
u-nullcline :math:`u = b V` (vertical line :math:`V = V_{acc}` for the
accommodation law). Fixed points are the closed-form roots of
:math:`p_1 V^2 + (p_2 - b) V + p_3 + I = 0`, their type is read from the
Jacobian by :func:`brainpy.analysis.stability.stability_analysis`. The closed
forms make :class:`brainpy.analysis.PhasePlane2D`'s numerical root search and
its built-in plotting unnecessary here; orbits are simulated in
:mod:`izhi_dyn.analysis.orbit`.

``cell=`` (a class code of :data:`izhi_dyn.CELL_CLASSES_2007`, a
:class:`izhi_dyn.CellClass` or a :class:`izhi_dyn.Params2007`) selects the
book's 2007 form instead (:mod:`izhi_dyn.analysis.book_phase_plane`).
"""

from __future__ import annotations

from typing import NamedTuple, Optional, Sequence

import numpy as np
from brainpy.analysis.stability import stability_analysis

from izhi_dyn import _validation as check
from izhi_dyn.core.equations import ACCOMMODATION_V, RECOVERY_LAWS, Params, recovery_derivative, voltage_derivative

__all__ = [
    'FixedPoint',
    'PhasePlane',
    'fixed_points',
    'jacobian',
    'nullclines',
    'phase_plane',
]


class FixedPoint(NamedTuple):
    """An equilibrium of the subthreshold dynamics at constant input."""

    V: float  #: membrane potential (mV)
    u: float  #: recovery variable (mV/ms scale of the model)
    jacobian: np.ndarray  #: 2x2 Jacobian of (dV/dt, du/dt) w.r.t. (V, u)
    eigenvalues: np.ndarray  #: its two (possibly complex) eigenvalues, 1/ms
    kind: str  #: brainpy's name for the type, e.g. ``'stable focus'`` or ``'saddle node'``
    stable: bool  #: True when both eigenvalues have a negative real part


class PhasePlane(NamedTuple):
    """Everything :func:`izhi_dyn.plotting.plot_phase_plane` draws."""

    I: float  #: the constant input current
    V: np.ndarray  #: V grid of the nullclines (mV)
    V_nullcline: np.ndarray  #: u on the V-nullcline at each V
    u_nullcline: np.ndarray  #: u on the u-nullcline at each V (NaN for accommodation)
    fixed_points: list  #: list of :class:`FixedPoint`, sorted by V
    grid_V: np.ndarray  #: 2-D mesh of V for the direction field
    grid_u: np.ndarray  #: 2-D mesh of u
    dV: np.ndarray  #: dV/dt on the mesh (mV/ms)
    du: np.ndarray  #: du/dt on the mesh
    params: Params  #: parameters of the plane
    V_acc: Optional[float] = None  #: vertical u-nullcline of the accommodation law


def _params(a, b, c, d, V_th, p1, p2, p3, recovery) -> Params:
    return Params(**_model_args(recovery, a=a, b=b, c=c, d=d, V_th=V_th, p1=p1, p2=p2, p3=p3), recovery=recovery)


def _model_args(recovery='standard', **values) -> dict:
    """Check scalar model arguments (``p1 > 0``) and ``recovery``; return the numbers as floats."""
    check.check_choice('recovery', recovery, RECOVERY_LAWS)
    return {name: check.check_real(name, value, lower=0.0 if name == 'p1' else None, strict=True)
            for name, value in values.items()}


def _book():
    from izhi_dyn.analysis import book_phase_plane  # it builds on FixedPoint, defined here

    return book_phase_plane


def jacobian(V, u=0.0, *, cell=None, a=0.02, b=0.2, p1=0.04, p2=5.0, recovery='standard') -> np.ndarray:
    r"""Jacobian of the vector field at ``(V, u)`` (it does not depend on u or I).

    With ``cell`` (2007 form), :math:`\begin{pmatrix} k (2V - v_r - v_t)/C & -1/C \\ a U'(V) & -a \end{pmatrix}`.

    .. math::

        J = \begin{pmatrix} 2 p_1 V + p_2 & -1 \\ a b & -a \end{pmatrix}
        \quad\text{(standard)}, \qquad
        J = \begin{pmatrix} 2 p_1 V + p_2 & -1 \\ a b & 0 \end{pmatrix}
        \quad\text{(accommodation)}.

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> ana.jacobian(-70.0).round(3).tolist()
    [[-0.6, -1.0], [0.004, -0.02]]
    """
    if cell is not None:
        return _book().jacobian(check.check_real('V', V), cell)
    _model_args(recovery, V=V, u=u, a=a, b=b, p1=p1, p2=p2)
    return _jacobian(V, a, b, p1, p2, recovery)


# The computations on checked arguments, shared by the public functions here.

def _jacobian(V, a, b, p1, p2, recovery):
    decay = 0.0 if recovery == 'accommodation' else -a
    return np.array([[2.0 * p1 * V + p2, -1.0], [a * b, decay]], dtype=float)


def _nullclines(V, I, b, p1, p2, p3, recovery):
    u_V = p1 * V * V + p2 * V + p3 + I
    u_u = np.full_like(V, np.nan) if recovery == 'accommodation' else b * V
    return u_V, u_u


def _fixed_points(I, a, b, p1, p2, p3, recovery):
    if recovery == 'accommodation':
        V = ACCOMMODATION_V
        return [_fixed_point(V, p1 * V * V + p2 * V + p3 + I, a, b, p1, p2, recovery)]
    disc = (p2 - b) ** 2 - 4.0 * p1 * (p3 + I)
    if disc < 0:
        return []
    roots = sorted({(-(p2 - b) - np.sqrt(disc)) / (2 * p1), (-(p2 - b) + np.sqrt(disc)) / (2 * p1)})
    return [_fixed_point(V, b * V, a, b, p1, p2, recovery) for V in roots]


def _fixed_point(V, u, a, b, p1, p2, recovery) -> FixedPoint:
    J = _jacobian(V, a, b, p1, p2, recovery)
    eig = np.linalg.eigvals(J)
    return FixedPoint(float(V), float(u), J, eig, stability_analysis(J), bool(np.all(eig.real < 0)))


def fixed_points(I=0.0, *, cell=None, a=0.02, b=0.2, p1=0.04, p2=5.0, p3=140.0, recovery='standard') -> list:
    r"""Equilibria at constant input ``I``, from the closed-form roots.

    With ``cell`` (2007 form, ``I`` in pA): the crossings of the class's
    nullclines, found on a fine grid and refined by Brent's method
    (:func:`izhi_dyn.analysis.book_phase_plane.fixed_points`).

    Standard law: :math:`p_1 V^2 + (p_2 - b) V + p_3 + I = 0`, :math:`u = bV`;
    two points below the saddle-node current :math:`(p_2-b)^2/(4p_1) - p_3`,
    none above. Accommodation law: the single point :math:`V = V_{acc}`.

    Returns
    -------
    list of FixedPoint
        Sorted by V (the resting point first).

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> [(round(fp.V, 6), fp.kind) for fp in ana.fixed_points(0.0)]   # RS at rest
    [(-70.0, 'stable node'), (-50.0, 'saddle node')]
    >>> ana.fixed_points(5.0)                                  # above the saddle-node
    []
    """
    if cell is not None:
        return _book().fixed_points(I, cell)
    _model_args(recovery, I=I, a=a, b=b, p1=p1, p2=p2, p3=p3)
    return _fixed_points(I, a, b, p1, p2, p3, recovery)


def nullclines(V, I=0.0, *, cell=None, b=0.2, p1=0.04, p2=5.0, p3=140.0, recovery='standard'):
    r"""u on the V-nullcline :math:`u = p_1V^2 + p_2V + p_3 + I` and on the u-nullcline :math:`u = bV`.

    With ``cell`` (2007 form): :math:`u = k (V - v_r)(V - v_t) + I` and
    :math:`u = U(V)`, the class's u-nullcline.

    For the accommodation law the u-nullcline is the vertical line
    :math:`V = V_{acc}` and its u values are NaN.

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> ana.nullclines([-70.0, -50.0])   # both cross at the two fixed points
    (array([-14., -10.]), array([-14., -10.]))
    """
    if cell is not None:
        return _book().nullclines(V, I, cell)
    V = check.check_array('V', V)
    _model_args(recovery, I=I, b=b, p1=p1, p2=p2, p3=p3)
    return _nullclines(V, I, b, p1, p2, p3, recovery)


def phase_plane(
    I=0.0,
    *,
    cell=None,
    V_range: Sequence[float] = (-90.0, 30.0),
    u_range: Optional[Sequence[float]] = None,
    resolution: int = 25,
    a=0.02,
    b=0.2,
    c=-65.0,
    d=8.0,
    V_th=30.0,
    p1=0.04,
    p2=5.0,
    p3=140.0,
    recovery='standard',
) -> PhasePlane:
    """Nullclines, fixed points and the direction field on a V-u window.

    ``u_range`` defaults to a window around the u-nullcline over
    ``V_range``. With ``cell`` the plane is that of the 2007 form (``I`` in pA).

    Examples
    --------
    >>> import izhi_dyn.analysis as ana
    >>> pp = ana.phase_plane(I=0.0)
    >>> len(pp.fixed_points), pp.dV.shape
    (2, (25, 25))
    """
    V_range = _window('V_range', V_range)
    u_range = None if u_range is None else _window('u_range', u_range)
    resolution = check.check_int('resolution', resolution, lower=2)
    if cell is not None:
        return _book().plane(I, cell, V_range, u_range, resolution)
    p = _params(a, b, c, d, V_th, p1, p2, p3, recovery)
    I = check.check_real('I', I)
    V = np.linspace(V_range[0], V_range[1], 400)
    u_V, u_u = _nullclines(V, I, b, p1, p2, p3, recovery)
    if u_range is None:
        lo, hi = sorted((b * V_range[0], b * V_range[1]))
        u_range = (lo - 10.0, hi + 10.0)
    gV, gu = np.meshgrid(np.linspace(*V_range, resolution), np.linspace(*u_range, resolution))
    dV = np.asarray(voltage_derivative(gV, gu, I, p))
    du = np.asarray(recovery_derivative(gV, gu, p)) * np.ones_like(gV)
    fps = _fixed_points(I, a, b, p1, p2, p3, recovery)
    V_acc = ACCOMMODATION_V if recovery == 'accommodation' else None
    return PhasePlane(float(I), V, u_V, u_u, fps, gV, gu, dV, du, p, V_acc)


def _window(name, bounds):
    lo_hi = check.check_array(name, bounds, ndim=1)
    if lo_hi.shape != (2,) or not lo_hi[0] < lo_hi[1]:
        raise ValueError(f'{name}={bounds!r}: expected (low, high) with low < high')
    return tuple(lo_hi)
