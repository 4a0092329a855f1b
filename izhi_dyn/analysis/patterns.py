"""A firing-pattern classifier that works on the spike times of any trace.

The labels follow Izhikevich (2004), Fig. 1, for the response to a sustained
step of input: ``'silent'``, ``'phasic'`` (spiking stops early),
``'phasic_bursting'`` (one burst, then silence), ``'tonic_bursting'``,
``'mixed_mode'`` (a burst, then single spikes), ``'adapting'`` (intervals keep
lengthening) and ``'tonic'``. The rules are heuristics with explicit
thresholds, listed in :func:`classify_pattern`.
"""

from __future__ import annotations

from typing import Optional

import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.analysis.spikes import detect_bursts

__all__ = ['PATTERNS', 'classify_pattern']

#: Labels returned by :func:`classify_pattern`.
PATTERNS = ('silent', 'phasic', 'phasic_bursting', 'tonic_bursting', 'mixed_mode', 'adapting', 'tonic')


def classify_pattern(
    times,
    t_on: float = 0.0,
    t_off: Optional[float] = None,
    max_isi: float = 10.0,
    adaptation: float = 1.1,
) -> str:
    """Label the response ``times`` (ms) to a step applied over ``[t_on, t_off]``.

    Rules, in order (spikes outside the window are ignored):

    1. no spike: ``'silent'``; one spike: ``'phasic'``;
    2. the response *ended*: the last spike precedes ``t_off`` by more than
       both a quarter of the window and three times the longest interval.
       Then ``'phasic_bursting'`` if the response opens with a burst
       (:func:`~izhi_dyn.analysis.spikes.detect_bursts` with ``max_isi``),
       else ``'phasic'``;
    3. two or more bursts: ``'tonic_bursting'``;
    4. intervals that never shorten by more than 10 % and lengthen by more
       than the factor ``adaptation`` at least three times, the last being at
       least three times the first: ``'adapting'``
       (a single early doublet, as in Fig. 1A, stays ``'tonic'``);
    5. a burst at onset followed by single spikes: ``'mixed_mode'``;
    6. otherwise ``'tonic'``.

    Parameters
    ----------
    times : array_like
        Sorted spike times (ms).
    t_on, t_off : float
        Window of the step (ms); ``t_off=None`` means up to the last spike.
    max_isi : float, default 10
        Longest interval (ms) inside a burst.
    adaptation : float, default 1.1
        Ratio of successive intervals above which an interval counts as lengthened.
    """
    times = check.check_spike_times('times', times)
    t_on = check.check_real('t_on', t_on)
    t_off = check.check_real('t_off', t_off, lower=t_on, strict=True, allow_none=True)
    max_isi = check.check_real('max_isi', max_isi, lower=0.0, strict=True)
    adaptation = check.check_real('adaptation', adaptation, lower=0.0, strict=True)
    t_off = float(times.max()) if t_off is None and times.size else (t_on if t_off is None else t_off)
    times = times[(times >= t_on) & (times <= t_off)]
    if times.size == 0:
        return 'silent'
    if times.size == 1:
        return 'phasic'
    intervals = np.diff(times)
    bursts = detect_bursts(times, max_isi=max_isi)
    quiet = t_off - times[-1]
    if quiet > 0.25 * (t_off - t_on) and quiet > 3 * intervals.max():
        return 'phasic_bursting' if bursts and bursts[0][0] == times[0] else 'phasic'
    if len(bursts) >= 2:
        return 'tonic_bursting'
    with np.errstate(all='ignore'):  # (nearly) coincident spikes give inf or nan ratios, silently
        ratios = intervals[1:] / intervals[:-1]
    slows_down = intervals[-1] >= 3 * intervals[0]
    if np.all(ratios >= 0.9) and np.count_nonzero(ratios > adaptation) >= 3 and slows_down:
        return 'adapting'
    if len(bursts) == 1 and bursts[0][0] == times[0] and times.size - bursts[0].size >= 2:
        return 'mixed_mode'
    return 'tonic'
