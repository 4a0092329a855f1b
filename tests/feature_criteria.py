"""Behavioural criteria of the 20 features of Izhikevich (2004), from the paper's text.

Each ``is_<feature>(sim)`` takes an :class:`izhi_dyn.simulate.Simulation` and
returns whether the run shows the feature. Stimulus windows are read from the
preset's protocol record, never hard-coded spike lists.
"""

from __future__ import annotations

import numpy as np

from izhi_dyn.analysis import detect_bursts, isi
from izhi_dyn.presets import get_preset

MAX_BURST_ISI = 10.0  # ms, longest interval inside a burst


def _windows(sim):
    """(start, stop, level) of each segment of the stimulus protocol."""
    return [(s.start, s.stop, getattr(s, 'level', None)) for s in sim.preset.protocol.segments]


def _between(times, lo, hi):
    return times[(times > lo) & (times <= hi)]


def _n_extrema(V):
    """Number of local extrema of a trace (sign changes of its slope)."""
    slope = np.sign(np.diff(V))
    slope = slope[slope != 0]
    return int(np.count_nonzero(np.diff(slope) != 0))


def is_tonic_spiking(sim):
    (on, _, _), = _windows(sim)
    t, end = sim.spike_times, sim.ts[-1]
    if _between(t, -np.inf, on).size or t.size < 4:
        return False
    steady = isi(t)[-2:]
    regular = abs(steady[1] - steady[0]) <= 0.1 * steady.mean()
    return bool(regular and end - t[-1] <= 1.5 * steady.mean() and not detect_bursts(t, MAX_BURST_ISI))


def is_phasic_spiking(sim):
    (on, _, _), = _windows(sim)
    t = sim.spike_times
    return bool(t.size == 1 and on < t[0] <= on + 50.0)


def is_tonic_bursting(sim):
    (on, _, _), = _windows(sim)
    t, end = sim.spike_times, sim.ts[-1]
    bursts = detect_bursts(t, MAX_BURST_ISI)
    if len(bursts) < 3 or sum(b.size for b in bursts) != t.size or t[0] <= on:
        return False
    gaps = np.array([b2[0] - b1[-1] for b1, b2 in zip(bursts, bursts[1:])])
    longest_inside = max(isi(b).max() for b in bursts)
    return bool(gaps.min() > 3 * longest_inside and end - t[-1] <= 1.5 * gaps.max())


def is_phasic_bursting(sim):
    (on, _, _), = _windows(sim)
    t, end = sim.spike_times, sim.ts[-1]
    bursts = detect_bursts(t, MAX_BURST_ISI)
    return bool(len(bursts) == 1 and bursts[0].size == t.size and on < t[0] <= on + 30.0
                and t[-1] < on + 0.5 * (end - on))


def is_mixed_mode(sim):
    (on, _, _), = _windows(sim)
    t, end = sim.spike_times, sim.ts[-1]
    bursts = detect_bursts(t, MAX_BURST_ISI)
    if len(bursts) != 1 or t.size == 0 or bursts[0][0] != t[0] or t[0] <= on:
        return False
    tail = t[bursts[0].size - 1:]  # last burst spike, then the single spikes
    tail_isi = isi(tail)
    return bool(tail_isi.size >= 3 and tail_isi.min() > 3 * isi(bursts[0]).max()
                and end - t[-1] <= 1.5 * tail_isi.max())


def is_spike_frequency_adaptation(sim):
    (on, _, _), = _windows(sim)
    t, end = sim.spike_times, sim.ts[-1]
    if t.size < 5 or t[0] <= on:
        return False
    d = isi(t)
    lengthening = np.all(d[1:] >= 0.9 * d[:-1])
    return bool(lengthening and d[-1] >= 3 * d[0] and end - t[-1] <= 1.5 * d[-1])


def _ramp_rates(sim):
    """Instantaneous rates (Hz) under the ramp, or None if it fires before the ramp."""
    (on, _, _), = _windows(sim)
    t = sim.spike_times
    if _between(t, -np.inf, on).size or t.size < 5:
        return None
    return 1000.0 / isi(t), t[1:]


def _rising(rates, times):
    """The rate trend under the ramp increases (least-squares slope > 0)."""
    return np.polyfit(times, rates, 1)[0] > 0


#: "Class 2 ... cannot fire low-frequency spike trains ... they are either
#: quiescent or fire a train of spikes with a certain relatively large
#: frequency, say 40 Hz" (Izhikevich 2004, Sec. 2 G-H).
LOW_FREQUENCY = 40.0


def is_class_1_excitable(sim):
    found = _ramp_rates(sim)
    if found is None:
        return False
    rates, times = found
    # fires at low rate when the input is weak and speeds up continuously:
    # intervals never lengthen by more than one time step
    steady = np.all(np.diff(isi(sim.spike_times)) <= sim.dt + 1e-9)
    return bool(steady and _rising(rates, times) and rates[0] < LOW_FREQUENCY and rates[-1] >= 2 * rates[0])


def is_class_2_excitable(sim):
    found = _ramp_rates(sim)
    if found is None:
        return False
    rates, times = found
    return bool(_rising(rates, times) and rates[0] >= LOW_FREQUENCY)


def is_spike_latency(sim):
    (on, off, _), = _windows(sim)
    t = sim.spike_times
    return bool(t.size == 1 and t[0] >= off + 5.0)


def is_subthreshold_oscillations(sim):
    (on, off, _), = _windows(sim)
    t = sim.spike_times
    if t.size != 1 or not on < t[0] <= off + 20.0:
        return False
    after = sim.V[sim.ts > t[0] + 10.0]
    # damped oscillation: several extrema, the swing shrinking
    n = len(after) // 2
    return bool(_n_extrema(after) >= 4 and np.ptp(after[n:]) < np.ptp(after[:n]))


def is_resonator(sim):
    starts = [s for s, _, _ in _windows(sim)]  # two doublets: (T1, T2), (T3, T4)
    t = sim.spike_times
    return bool(_between(t, -np.inf, starts[2]).size == 0 and t.size >= 1
                and starts[3] < t[0] <= starts[3] + 40.0 and _between(t, starts[3] + 40.0, np.inf).size == 0)


def is_integrator(sim):
    starts = [s for s, _, _ in _windows(sim)]  # close pair (T1, T2), distant pair (T3, T4)
    t = sim.spike_times
    close = _between(t, starts[0], starts[2])
    return bool(close.size == 1 and close[0] > starts[1] and t.size == 1)


def _after_release(sim):
    (on, off, level), = _windows(sim)
    t = sim.spike_times
    if level >= 0 or _between(t, -np.inf, off).size:
        return None
    return t


def is_rebound_spike(sim):
    t = _after_release(sim)
    (_, off, _), = _windows(sim)
    return bool(t is not None and t.size == 1 and t[0] <= off + 100.0)


def is_rebound_burst(sim):
    t = _after_release(sim)
    (_, off, _), = _windows(sim)
    if t is None or t.size < 3 or t[0] > off + 100.0:
        return False
    bursts = detect_bursts(t, MAX_BURST_ISI)
    return bool(len(bursts) == 1 and bursts[0][0] == t[0] and bursts[0].size == t.size)


def is_threshold_variability(sim):
    (w1, _, _), (w2, w2_off, _), (inh, _, _) = _windows(sim)
    t = sim.spike_times
    return bool(_between(t, -np.inf, inh).size == 0 and _between(t, w2, w2_off + 20.0).size == 1
                and t.size == 1)


def is_bistability(sim):
    (p1, p1_off, _), (p2, p2_off, _) = _windows(sim)
    t = sim.spike_times
    on = _between(t, p1, p2 + 5.0)
    if _between(t, -np.inf, p1).size or on.size < 3:
        return False
    d = isi(on)
    tonic = d.max() <= 1.2 * d.min()
    return bool(tonic and p2 - on[-1] <= 1.5 * d.max() and _between(t, p2_off + 5.0, np.inf).size == 0)


def is_depolarizing_after_potential(sim):
    (on, off, _), = _windows(sim)
    t = sim.spike_times
    if t.size != 1 or not on < t[0] <= off + 5.0:
        return False
    rest = sim.V[sim.ts <= on][-1]
    after = sim.V[(sim.ts > t[0]) & (sim.ts <= t[0] + 20.0)]
    k = int(np.argmax(after))
    # after the reset V rises again to a hump well above rest, then decays
    return bool(0 < k < after.size - 1 and after[k] > rest + 10.0 and after[k] > after[0] + 5.0)


def is_accommodation(sim):
    (slow_on, slow_off, _), (fast_on, fast_off, _) = _windows(sim)
    slow_peak = sim.I[sim.ts < slow_off].max()
    fast_peak = sim.I[(sim.ts >= fast_on) & (sim.ts < fast_off)].max()
    t = sim.spike_times
    return bool(slow_peak > fast_peak and _between(t, -np.inf, fast_on).size == 0
                and _between(t, fast_on, fast_off + 20.0).size == 1 and t.size == 1)


def _inhibited_spikes(sim, margin=15.0):
    (_, inh_on, _), (inh_off, _, _) = _windows(sim)
    t = sim.spike_times
    inside = _between(t, inh_on, inh_off + margin)
    return inside if inside.size == t.size else None


def is_inhibition_induced_spiking(sim):
    t = _inhibited_spikes(sim)
    return bool(t is not None and t.size >= 2 and not detect_bursts(t, MAX_BURST_ISI))


def is_inhibition_induced_bursting(sim):
    t = _inhibited_spikes(sim)
    return bool(t is not None and len(detect_bursts(t, MAX_BURST_ISI)) >= 2)


CRITERIA = {name[3:]: fn for name, fn in dict(globals()).items() if name.startswith('is_')}


def regular_spiking_control(preset):
    """``preset`` with the regular-spiking parameters a, b, c, d = 0.02, 0.2, -65, 8.

    Same stimulus, initial V, equation variant and numerics: a negative
    control for the behavioural criteria of the features.
    """
    preset = get_preset(preset)
    u0 = preset.u0 if preset.recovery == 'accommodation' else None
    return preset.replace(key=f'{preset.key}__rs_control', a=0.02, b=0.2, c=-65.0, d=8.0, u0=u0)
