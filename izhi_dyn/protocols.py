r"""Stimulus protocols as data: an input current I(t) built from a baseline and ordered segments.

A :class:`Protocol` is a baseline plus an ordered tuple of :class:`Step` /
:class:`Ramp` segments; at each time the first segment whose window contains
``t`` sets the input (the author's ``if/elseif``), otherwise the baseline.
Windows are open intervals unless ``closed='left'``; with the author's open
windows the number of stimulated samples depends on the time step. Ramps are
evaluated as ``offset + (t - start) / over * rise`` so that the floating-point
operations match the author's expressions (Izhikevich 2004, figure code).

The published records that use them are in :mod:`izhi_dyn.presets` (2003,
2004) and :mod:`izhi_dyn.book_classes` (2007).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Union

import numpy as np

from izhi_dyn._validation import check_choice, check_real

__all__ = ['Step', 'Ramp', 'Protocol']


@dataclass(frozen=True)
class Step:
    """Constant ``level`` inside the window ``start < t < stop`` (``start <= t`` if ``closed='left'``)."""

    start: float
    stop: float
    level: float
    closed: str = 'open'

    def __post_init__(self):
        _check_window(self)
        check_real('level', self.level)

    def value(self, t: np.ndarray) -> np.ndarray:
        return np.full_like(t, self.level)


@dataclass(frozen=True)
class Ramp:
    """``offset + (t - start) / over * rise`` inside the window ``start < t < stop``."""

    start: float
    stop: float
    rise: float
    over: float = 1.0
    offset: float = 0.0
    closed: str = 'open'

    def __post_init__(self):
        _check_window(self)
        check_real('rise', self.rise)
        check_real('offset', self.offset)
        if check_real('over', self.over) == 0:
            raise ValueError(f'over={self.over!r}: expected a non-zero time (ms)')

    def value(self, t: np.ndarray) -> np.ndarray:
        return self.offset + (t - self.start) / self.over * self.rise


Segment = Union[Step, Ramp]


def _check_window(seg: Segment) -> None:
    start, stop = check_real('start', seg.start, allow_inf=True), check_real('stop', seg.stop, allow_inf=True)
    if stop <= start:
        raise ValueError(f'stop={seg.stop!r}: expected a time after start={seg.start!r}')
    check_choice('closed', seg.closed, ('open', 'left'))


def _inside(seg: Segment, t: np.ndarray) -> np.ndarray:
    lower = (t >= seg.start) if seg.closed == 'left' else (t > seg.start)
    return lower & (t < seg.stop)


@dataclass(frozen=True)
class Protocol:
    """Input current as data: ``baseline`` unless the first matching segment applies."""

    segments: tuple = ()
    baseline: float = 0.0

    def __post_init__(self):
        if not isinstance(self.segments, tuple) or not all(isinstance(s, (Step, Ramp)) for s in self.segments):
            raise TypeError(f'segments={self.segments!r}: expected a tuple of Step and Ramp segments')
        check_real('baseline', self.baseline)

    def __call__(self, t) -> np.ndarray:
        """Input at times ``t`` (ms), float64."""
        t = np.asarray(t, dtype=np.float64)
        out = np.full_like(t, self.baseline)
        done = np.zeros(t.shape, dtype=bool)
        for seg in self.segments:
            hit = _inside(seg, t) & ~done
            out = np.where(hit, seg.value(t), out)
            done |= hit
        return out
