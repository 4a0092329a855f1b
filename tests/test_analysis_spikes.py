"""Spike statistics and the firing-pattern classifier on analytically known trains."""

import numpy as np
import pytest

from izhi_dyn.analysis import (classify_pattern, detect_bursts, firing_rate, isi, spike_times,
                               spike_times_from_voltage)


def test_spike_times_and_voltage_crossings_agree():
    ts = np.arange(10) * 0.5
    spikes = np.zeros(10, bool)
    spikes[[2, 3, 7]] = True
    np.testing.assert_array_equal(spike_times(spikes, ts), [1.0, 1.5, 3.5])
    V = np.where(spikes, 30.0, -65.0)
    # consecutive samples above threshold are one crossing
    np.testing.assert_array_equal(spike_times_from_voltage(V, ts), [1.0, 3.5])
    with pytest.raises(ValueError):
        spike_times(spikes[:5], ts)


def test_isi_and_rate():
    np.testing.assert_allclose(isi([1.0, 3.0, 7.0]), [2.0, 4.0])
    assert isi([5.0]).size == 0
    with pytest.raises(ValueError):
        isi([3.0, 1.0])
    assert firing_rate(np.arange(0, 1000, 25.0), 0.0, 1000.0) == 40.0
    assert firing_rate([], 0.0, 100.0) == 0.0


def test_detect_bursts():
    train = np.array([0, 2, 4, 50, 52, 54, 56, 100, 200.0])
    bursts = detect_bursts(train, max_isi=5.0)
    assert [b.tolist() for b in bursts] == [[0, 2, 4], [50, 52, 54, 56]]
    assert detect_bursts(train, max_isi=5.0, min_spikes=5) == []
    assert detect_bursts(np.arange(0, 100, 20.0)) == []


@pytest.mark.parametrize('train, label', [
    ([], 'silent'),
    ([30.0], 'phasic'),
    ([30.0, 45.0, 60.0], 'phasic'),
    ([30.0, 32.0, 34.5, 37.5], 'phasic_bursting'),
    (np.arange(20.0, 300.0, 25.0), 'tonic'),
    ([20.0, 24.0] + list(np.arange(40.0, 300.0, 25.0)), 'tonic'),  # one early doublet
    (np.cumsum([20, 2, 3, 5, 9, 16, 30, 55, 100.0]), 'adapting'),
    ([b + s for b in (20.0, 80.0, 140.0, 200.0, 260.0) for s in (0, 2, 4)], 'tonic_bursting'),
    ([20.0, 22.0, 24.5] + list(np.arange(60.0, 300.0, 30.0)), 'mixed_mode'),
])
def test_classify_pattern(train, label):
    assert classify_pattern(np.asarray(train), 20.0, 300.0) == label


def test_classify_ignores_spikes_outside_the_window():
    assert classify_pattern([5.0, 350.0], 20.0, 300.0) == 'silent'
