"""The preset table against the published protocols (shared/reference JSON) and papers."""

import math

import numpy as np
import pytest

import reference_2004
from feature_criteria import regular_spiking_control
from izhi_dyn.analysis import classify_pattern
from izhi_dyn.presets import CELL_TYPES_2003, FEATURES_2004, PRESETS, get_preset
from izhi_dyn.protocols import Protocol, Ramp, Step
from izhi_dyn.simulate import simulate, simulate_many

DATA = reference_2004.load()
FEATURES = {reference_2004.snake_case(f['name']): f for f in DATA['features']}


def test_twenty_features_in_panel_order():
    assert len(FEATURES_2004) == 20
    assert [PRESETS[k].code for k in FEATURES_2004] == [chr(ord('A') + i) for i in range(20)]
    assert list(FEATURES) == list(FEATURES_2004)


@pytest.mark.parametrize('key', FEATURES_2004)
def test_record_matches_the_published_protocol(key):
    p, f = PRESETS[key], FEATURES[key]
    assert (p.a, p.b, p.c, p.d, p.V0, p.u0) == (f['a'], f['b'], f['c'], f['d'], f['V0'], f['u0'])
    assert (p.dt, p.duration, p.method) == (f['tau_ms'], f['t_end_ms'], 'izhikevich2004')
    assert (p.p2, p.p3) == ((4.1, 108.0) if '4.1V' in f['model_variant'] else (5.0, 140.0))
    assert p.recovery == ('accommodation' if 'no -u' in f['model_variant'] else 'standard')
    published = reference_2004.input_function(f)
    ts = p.times()
    np.testing.assert_array_equal(p.protocol(ts), [published(t) for t in ts])
    assert p.reference.endswith(f'Fig. 1{f["key"]}') and p.signature


def test_cell_types_match_the_2003_parameters():
    for p in (PRESETS[k] for k in CELL_TYPES_2003):
        ref = DATA['cell_types_2003'][p.code]
        assert (p.a, p.b, p.c, p.d) == (ref['a'], ref['b'], ref['c'], ref['d'])
    assert sorted({PRESETS[k].code for k in CELL_TYPES_2003}) == sorted(DATA['cell_types_2003'])
    assert [PRESETS[k].code for k in CELL_TYPES_2003].count('TC') == 2


def test_protocol_windows_are_open_unless_closed_left():
    t = np.array([0.0, 10.0, 10.25, 12.75, 13.0])
    np.testing.assert_array_equal(Protocol((Step(10.0, 13.0, 7.0),))(t), [0, 0, 7, 7, 0])
    np.testing.assert_array_equal(Protocol((Step(10.0, 13.0, 7.0, closed='left'),))(t), [0, 7, 7, 7, 0])
    ramp = Protocol((Ramp(10.0, math.inf, rise=4.0, over=2.0, offset=1.0),), baseline=-1.0)
    np.testing.assert_array_equal(ramp(t), [-1, -1, 1.5, 6.5, 7.0])
    # first matching segment wins, as the author's if/elseif
    both = Protocol((Step(0.0, 20.0, 1.0), Step(5.0, 20.0, 2.0)))
    np.testing.assert_array_equal(both(t), [0, 1, 1, 1, 1])


def test_get_preset_and_controls():
    assert get_preset('RS') is PRESETS['regular_spiking']
    assert get_preset('resonator').paper == '2004' and PRESETS['resonator_2003'].paper == '2003'
    with pytest.raises(KeyError, match='tonic_spiking'):
        get_preset('tonic')
    ctl = regular_spiking_control('class_1_excitable')
    assert (ctl.a, ctl.b, ctl.c, ctl.d, ctl.u0) == (0.02, 0.2, -65.0, 8.0, 0.2 * -60)
    assert (ctl.p2, ctl.protocol) == (4.1, PRESETS['class_1_excitable'].protocol)
    assert regular_spiking_control('accommodation').u0 == -16.0


def test_simulate_returns_the_trace_with_spike_peaks():
    sim = simulate('tonic_spiking', dtype='float64')
    assert sim.ts.shape == sim.V.shape == sim.u.shape == sim.I.shape == (401,)
    assert sim.ts[-1] == 100.0 and sim.dtype == 'float64'
    k = np.rint(sim.spike_times / sim.dt).astype(int)
    assert np.all(sim.V[k] == 30.0) and np.all(sim.V[np.setdiff1d(np.arange(401), k)] < 30.0)
    np.testing.assert_array_equal(sim.I, PRESETS['tonic_spiking'].protocol(sim.ts))
    coarse = simulate('tonic_spiking', method='euler', dt=0.5)
    assert (coarse.method, coarse.dt, coarse.ts.size) == ('euler', 0.5, 201)


# Each 2003 type's protocol shows its signature (classifier labels, Izhikevich 2003 Fig. 2).
EXPECTED_2003 = {
    'regular_spiking': 'tonic',
    'intrinsically_bursting': 'mixed_mode',
    'chattering': 'tonic_bursting',
    'fast_spiking': 'tonic',
    'low_threshold_spiking': 'adapting',
    'thalamo_cortical_depolarized': 'tonic',
}


def test_2003_types_show_their_signature():
    sims = simulate_many(CELL_TYPES_2003, dtype='float64')
    for key, label in EXPECTED_2003.items():
        sim = sims[key]
        assert classify_pattern(sim.spike_times, 20.0, sim.ts[-1]) == label, key
    rs, fs = sims['regular_spiking'], sims['fast_spiking']
    assert fs.spike_times.size > 3 * rs.spike_times.size  # FS fires far faster than RS
    tc = sims['thalamo_cortical_hyperpolarized']
    assert tc.spike_times.min() > 100.0  # silent while held hyperpolarised
    assert classify_pattern(tc.spike_times, 100.0, tc.ts[-1]) == 'phasic_bursting'
    rz = sims['resonator_2003']
    ring = rz.V[(rz.ts > 25.0) & (rz.ts < 150.0)]
    assert rz.spike_times.min() > 150.0 and np.ptp(ring) > 2.0  # rings below threshold
    assert classify_pattern(rz.spike_times, 150.0, rz.ts[-1]) == 'tonic'
