r"""The published behaviours of the Izhikevich model as one table of records
(:class:`Preset`, defined in :mod:`izhi_dyn.preset_record`).

Two families live in :data:`PRESETS`:

* the **20 neuro-computational features** of Izhikevich (2004), Fig. 1
  (``paper='2004'``), transcribed from the author's figure code: parameters,
  initial state, stimulus, duration, time step ``tau`` and scheme;
* the **7 cell types** of Izhikevich (2003), Fig. 2 (``paper='2003'``), with
  the thalamo-cortical cell in its two regimes. The 2003 paper gives only the
  parameters; the protocols here are ours, chosen to show each signature.

A stimulus is data, not code: a :class:`~izhi_dyn.protocols.Protocol` of
:class:`~izhi_dyn.protocols.Step` / :class:`~izhi_dyn.protocols.Ramp` segments
(:mod:`izhi_dyn.protocols`).

Spike-time convention: a spike is stamped at :math:`t_k`, the start of the
step whose update crossed threshold (the author's convention, and that of
:class:`izhi_dyn.Izhikevich`). The author tests ``V > 30``, the neuron
``V >= V_th``; the two differ only when an update lands on 30 exactly, which
does not happen in any of the 20 protocols (the reproduction test checks it).

Numerics (measured, see ``tests/test_reproduction.py``): with
``method='izhikevich2004'``, the published ``tau`` and float64, all 20 features
give the author's spike samples exactly. In float32 with the same scheme, only
Class 2 excitability moves: the same 14 spikes, but from the 6th on they come
up to 8 samples (2 ms) earlier (its ramp crosses the Andronov-Hopf bifurcation
slowly, so rounding accumulates; a plain float32 NumPy loop drifts too, by up
to 6 samples, so no float32 result is canonical). Every feature keeps its
signature in float32; see :attr:`Preset.float32_drift`. With the default integrator (``exp_auto``) at the
published ``tau`` some features disappear; those records have
``needs_published_numerics=True``.

References
----------
.. [1] Izhikevich, E. M. (2003). Simple model of spiking neurons.
   IEEE Trans. Neural Netw., 14(6), 1569-1572.
.. [2] Izhikevich, E. M. (2004). Which model to use for cortical spiking
   neurons? IEEE Trans. Neural Netw., 15(5), 1063-1070.
"""

from __future__ import annotations

import math

from izhi_dyn._validation import UnknownNameError
from izhi_dyn.book_classes import PRESETS_2007, BookPreset
from izhi_dyn.preset_record import Preset
from izhi_dyn.protocols import Protocol, Ramp, Step

__all__ = [
    'Preset',
    'PRESETS',
    'FEATURES_2004',
    'CELL_TYPES_2003',
    'get_preset',
]

_INF = math.inf


_REF04 = 'Izhikevich (2004) IEEE TNN 15(5):1063, Fig. 1'
_REF03 = 'Izhikevich (2003) IEEE TNN 14(6):1569, Fig. 2'


def _pulses(starts, width, level):
    return tuple(Step(s, s + width, level) for s in starts)


def _f(code, key, name, a, b, c, d, V0, protocol, duration, dt, signature, **kw):
    return Preset(key=key, name=name, code=code, paper='2004', reference=f'{_REF04}{code}',
                  a=a, b=b, c=c, d=d, V0=V0, protocol=protocol, duration=duration, dt=dt,
                  signature=signature, **kw)


_CLASS1 = dict(p2=4.1, p3=108.0)
_INHIB = Protocol((Step(-_INF, 50.0, 80.0), Step(250.0, _INF, 80.0)), baseline=75.0)

_FEATURES = (
    _f('A', 'tonic_spiking', 'tonic spiking', 0.02, 0.2, -65, 6, -70,
       Protocol((Step(10.0, _INF, 14.0),)), 100, 0.25,
       'regular spiking at a constant rate throughout the step'),
    _f('B', 'phasic_spiking', 'phasic spiking', 0.02, 0.25, -65, 6, -64,
       Protocol((Step(20.0, _INF, 0.5),)), 200, 0.25,
       'a single spike shortly after step onset, then silence'),
    _f('C', 'tonic_bursting', 'tonic bursting', 0.02, 0.2, -50, 2, -70,
       Protocol((Step(22.0, _INF, 15.0),)), 220, 0.25,
       'periodic bursts of several spikes separated by long pauses'),
    _f('D', 'phasic_bursting', 'phasic bursting', 0.02, 0.25, -55, 0.05, -64,
       Protocol((Step(20.0, _INF, 0.6),)), 200, 0.2,
       'one burst of several spikes at step onset, then silence'),
    _f('E', 'mixed_mode', 'mixed mode', 0.02, 0.2, -55, 4, -70,
       Protocol((Step(16.0, _INF, 10.0),)), 160, 0.25,
       'an initial burst, then tonic single spikes'),
    _f('F', 'spike_frequency_adaptation', 'spike frequency adaptation', 0.01, 0.2, -65, 8, -70,
       Protocol((Step(8.5, _INF, 30.0),)), 85, 0.25,
       'tonic firing whose inter-spike intervals lengthen'),
    _f('G', 'class_1_excitable', 'Class 1 excitable', 0.02, -0.1, -55, 6, -60,
       Protocol((Ramp(30.0, _INF, rise=0.075),)), 300, 0.25,
       'under a slow ramp, firing starts at a low rate that rises with the input', **_CLASS1),
    _f('H', 'class_2_excitable', 'Class 2 excitable', 0.2, 0.26, -65, 0, -64,
       Protocol((Ramp(30.0, _INF, rise=0.015, offset=-0.5),), baseline=-0.5), 300, 0.25,
       'under a slow ramp, firing starts abruptly at a non-zero rate',
       float32_drift='same 14 spikes, the 6th to 14th up to 8 samples (2 ms) earlier; signature kept'),
    _f('I', 'spike_latency', 'spike latency', 0.02, 0.2, -65, 6, -70,
       Protocol((Step(10.0, 13.0, 7.04),)), 100, 0.2,
       'one spike, fired long after the end of a brief near-threshold pulse',
       needs_published_numerics=True),
    _f('J', 'subthreshold_oscillations', 'subthreshold oscillations', 0.05, 0.26, -60, 0, -62,
       Protocol((Step(20.0, 25.0, 2.0),)), 200, 0.25,
       'one spike after the pulse, then damped subthreshold oscillations of V'),
    _f('K', 'resonator', 'resonator', 0.1, 0.26, -60, -1, -62,
       Protocol(_pulses((40.0, 60.0, 280.0, 320.0), 4.0, 0.65)), 400, 0.25,
       'no spike for a doublet at the non-resonant 20 ms interval, a spike for the resonant 40 ms one'),
    _f('L', 'integrator', 'integrator', 0.02, -0.1, -55, 6, -60,
       Protocol(_pulses((100.0 / 11, 100.0 / 11 + 5, 70.0, 80.0), 2.0, 9.0)), 100, 0.25,
       'a spike for a closely spaced (5 ms) pair of pulses, none for a 10 ms pair', **_CLASS1),
    _f('M', 'rebound_spike', 'rebound spike', 0.03, 0.25, -60, 4, -64,
       Protocol((Step(20.0, 25.0, -15.0),)), 200, 0.2,
       'a single spike on release from a brief hyperpolarising pulse'),
    _f('N', 'rebound_burst', 'rebound burst', 0.03, 0.25, -52, 0, -64,
       Protocol((Step(20.0, 25.0, -15.0),)), 200, 0.2,
       'a burst of spikes on release from a brief hyperpolarising pulse'),
    _f('O', 'threshold_variability', 'threshold variability', 0.03, 0.25, -60, 4, -64,
       Protocol((Step(10.0, 15.0, 1.0), Step(80.0, 85.0, 1.0), Step(70.0, 75.0, -6.0))), 100, 0.25,
       'the same weak pulse fails alone but fires right after a hyperpolarising pulse'),
    _f('P', 'bistability', 'bistability', 0.1, 0.26, -60, 0, -61,
       Protocol((Step(37.5, 42.5, 1.24), Step(216.0, 221.0, 1.24)), baseline=0.24), 300, 0.25,
       'a first pulse switches on tonic firing, a second identical pulse switches it off',
       needs_published_numerics=True),
    _f('Q', 'depolarizing_after_potential', 'DAP (depolarizing after-potential)', 1, 0.2, -60, -21, -70,
       Protocol((Step(9.0, 11.0, 20.0),)), 50, 0.1,
       'one spike, followed by a depolarised after-potential above rest',
       needs_published_numerics=True),
    _f('R', 'accommodation', 'accommodation', 0.02, 1, -55, 4, -65,
       Protocol((Ramp(0.0, 200.0, rise=1.0, over=25.0, closed='left'),
                 Ramp(300.0, 312.5, rise=4.0, over=12.5, closed='left'))), 400, 0.5,
       'no spike under a slow ramp to I=8, a spike under a fast ramp to only I=4',
       u0=-16.0, recovery='accommodation'),
    _f('S', 'inhibition_induced_spiking', 'inhibition-induced spiking', -0.02, -1, -60, 8, -63.8,
       _INHIB, 350, 0.5, 'tonic spiking only while the input is lowered (inhibited)'),
    _f('T', 'inhibition_induced_bursting', 'inhibition-induced bursting', -0.026, -1, -45, -2, -63.8,
       _INHIB, 350, 0.5, 'bursting only while the input is lowered (inhibited)',
       needs_published_numerics=True),
)


def _t(code, key, name, a, b, c, d, protocol, signature, V0=-65.0, duration=300.0, **kw):
    return Preset(key=key, name=name, code=code, paper='2003', reference=_REF03, a=a, b=b, c=c, d=d,
                  V0=V0, protocol=protocol, duration=duration, dt=0.25, signature=signature, **kw)


# The 2003 paper gives parameters only; these protocols (ours) show each signature.
# Rest is V0 = -65, u0 = b V0 as in the 2003 network; step I = 10 from t = 20 ms as
# in the paper's Fig. 2 for the cortical types; TC at -63 mV (tonic) and held at
# about -87 mV by I = -30 (rebound burst), the two potentials of Fig. 2; RZ near its
# rest (-62.5 mV) so that a weak pulse rings without spiking.
_STEP10 = Protocol((Step(20.0, _INF, 10.0),))
_CELL_TYPES = (
    _t('RS', 'regular_spiking', 'regular spiking', 0.02, 0.2, -65, 8, _STEP10,
       'tonic spikes with strong frequency adaptation'),
    _t('IB', 'intrinsically_bursting', 'intrinsically bursting', 0.02, 0.2, -55, 4, _STEP10,
       'an initial burst, then tonic single spikes'),
    _t('CH', 'chattering', 'chattering', 0.02, 0.2, -50, 2, _STEP10,
       'repetitive bursts of closely spaced spikes'),
    _t('FS', 'fast_spiking', 'fast spiking', 0.1, 0.2, -65, 2, _STEP10,
       'high-frequency tonic spiking with little adaptation'),
    _t('LTS', 'low_threshold_spiking', 'low-threshold spiking', 0.02, 0.25, -65, 2, _STEP10,
       'high-frequency spiking with adaptation'),
    _t('TC', 'thalamo_cortical_depolarized', 'thalamo-cortical (depolarised)', 0.02, 0.25, -65, 0.05,
       Protocol((Step(20.0, _INF, 1.0),)),
       'from a depolarised rest, tonic spiking under a weak step', V0=-63.0),
    _t('TC', 'thalamo_cortical_hyperpolarized', 'thalamo-cortical (hyperpolarised)', 0.02, 0.25, -65, 0.05,
       Protocol((Step(-_INF, 100.0, -30.0),)),
       'held hyperpolarised, a rebound burst on release', V0=-87.0),
    _t('RZ', 'resonator', 'resonator', 0.1, 0.26, -65, 2,
       Protocol((Step(20.0, 25.0, 0.5), Step(150.0, _INF, 0.3))),
       'damped subthreshold oscillations after a weak pulse; tonic spiking under a weak step',
       V0=-62.5),
)

#: Every preset by key. 2003 keys that clash with 2004 keys get a ``_2003`` suffix.
PRESETS: dict[str, Preset] = {p.key: p for p in _FEATURES}
for _p in _CELL_TYPES:
    PRESETS[_p.key if _p.key not in PRESETS else f'{_p.key}_2003'] = _p

#: Keys of the 20 features of Izhikevich (2004), in panel order A..T.
FEATURES_2004: tuple = tuple(p.key for p in _FEATURES)
#: Keys of the 2003 cell types (TC twice: its two regimes).
CELL_TYPES_2003: tuple = tuple(k for k, p in PRESETS.items() if p.paper == '2003')


def get_preset(name, arg: str = 'name'):
    """Return the preset named ``name``, of either form.

    ``name`` is a key of :data:`PRESETS` (2003/2004), a 2003 code such as
    ``'RS'``, a key of :data:`izhi_dyn.PRESETS_2007` (the book's classes,
    ``'rs_100pA'``), or a record (:class:`Preset` or
    :class:`izhi_dyn.BookPreset`), returned as it is.

    Raises
    ------
    KeyError
        If unknown (also a ``ValueError``); the message lists the valid names.
    TypeError
        If ``name`` is neither a str nor a record.

    ``arg`` is the argument name the error messages use.
    """
    if isinstance(name, (Preset, BookPreset)):
        return name
    if not isinstance(name, str):
        raise TypeError(f'{arg}={name!r}: expected a preset name (str), a Preset or a BookPreset')
    if name in PRESETS:
        return PRESETS[name]
    if name in PRESETS_2007:
        return PRESETS_2007[name]
    by_code = [p for k, p in PRESETS.items() if p.paper == '2003' and p.code == name]
    if len(by_code) == 1:
        return by_code[0]
    raise UnknownNameError(f'{arg}={name!r}: unknown preset; expected one of {sorted(PRESETS)} '
                           f'or of the book\'s classes {sorted(PRESETS_2007)}')
