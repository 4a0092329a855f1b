"""The record of one published behaviour: model, initial state, stimulus, numerics and the expected signature.

The table of records is :data:`izhi_dyn.PRESETS` (:mod:`izhi_dyn.presets`); a
record checks its fields when it is built and derives ``u0 = b V0`` unless given.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Optional

import numpy as np

from izhi_dyn._validation import check_choice, check_dt, check_real
from izhi_dyn.core.equations import RECOVERY_LAWS
from izhi_dyn.core.integrators import get_integrator
from izhi_dyn.protocols import Protocol

__all__ = ['Preset']


@dataclass(frozen=True)
class Preset:
    """One published behaviour: model, initial state, stimulus and numerics.

    The model parameters a, b, c, d are fields of the same names (not listed
    below: their names would cross-reference the fields of ``Params`` and
    ``Params2007`` ambiguously).

    Attributes
    ----------
    key : str
        Snake-case name from the paper (``'tonic_spiking'``, ``'regular_spiking'``).
    name : str
        Name as printed in the paper.
    code : str
        Panel letter of 2004 Fig. 1 (``'A'`` ... ``'T'``) or 2003 type code (``'RS'``).
    paper : {'2004', '2003'}
    reference : str
        Paper and figure panel.
    p2, p3 : float
        Linear and constant terms of dV/dt (5, 140; 4.1, 108 for Class 1 and integrator).

    recovery : {'standard', 'accommodation'}
        Recovery law (``'accommodation'``: du/dt = a b (V + 65), Fig. 1R).
    V0, u0 : float
        Initial state (mV); ``u0 = b V0`` unless the paper says otherwise.
    protocol : Protocol
        Input current I(t).
    duration : float
        Simulated span (ms); the time grid is ``0, dt, ..., duration`` inclusive.
    dt : float
        Published time step ``tau`` (ms).
    method : str
        Published scheme: an :data:`izhi_dyn.INTEGRATORS` name.
    signature : str
        The expected behaviour, in words.
    needs_published_numerics : bool
        True when the feature disappears under the default integrator
        (``exp_auto``) at the published ``dt`` (measured).
    float32_drift : str or None
        How the float32 run differs from float64 (measured), None if it does not.
    """

    key: str
    name: str
    code: str
    paper: str
    reference: str
    a: float
    b: float
    c: float
    d: float
    V0: float
    protocol: Protocol
    duration: float
    dt: float
    signature: str
    u0: Optional[float] = None
    p2: float = 5.0
    p3: float = 140.0
    recovery: str = 'standard'
    method: str = 'izhikevich2004'
    needs_published_numerics: bool = False
    float32_drift: Optional[str] = None

    def __post_init__(self):
        for field in ('a', 'b', 'c', 'd', 'V0', 'p2', 'p3'):
            check_real(field, getattr(self, field))
        check_real('u0', self.u0, allow_none=True)
        check_real('duration', self.duration, lower=0.0, strict=True)
        check_dt(self.dt)
        get_integrator(self.method)
        check_choice('recovery', self.recovery, RECOVERY_LAWS)
        if not isinstance(self.protocol, Protocol):
            raise TypeError(f'protocol={self.protocol!r}: expected a Protocol')
        if self.u0 is None:  # derived, as the author's u = b*V
            object.__setattr__(self, 'u0', self.b * self.V0)

    @property
    def n_steps(self) -> int:
        """Number of samples of ``0:dt:duration`` (inclusive)."""
        return int(round(self.duration / self.dt)) + 1

    def times(self) -> np.ndarray:
        """The time grid ``t_k = k dt`` (ms)."""
        return np.arange(self.n_steps, dtype=np.float64) * self.dt

    def replace(self, **changes) -> 'Preset':
        """A copy with some fields changed (``u0`` re-derived unless given)."""
        if 'u0' not in changes and ('b' in changes or 'V0' in changes) and self.recovery == 'standard':
            changes['u0'] = None
        return dataclasses.replace(self, **changes)
