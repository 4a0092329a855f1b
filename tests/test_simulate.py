"""izhi_dyn.simulate: one runner for both front-ends; every preset gives the same run through each."""

import numpy as np
import pytest

import izhi_dyn
from izhi_dyn.simulate import run_neuron


def test_every_preset_runs_identically_through_both_frontends(x64):
    dyn = izhi_dyn.simulate_many(list(izhi_dyn.PRESETS), dtype='float64', frontend='dyn')
    state = izhi_dyn.simulate_many(list(izhi_dyn.PRESETS), dtype='float64', frontend='state')
    for key in izhi_dyn.PRESETS:
        np.testing.assert_array_equal(state[key].spike_times, dyn[key].spike_times, err_msg=key)
        np.testing.assert_array_equal(state[key].V, dyn[key].V, err_msg=key)
        np.testing.assert_array_equal(state[key].u, dyn[key].u, err_msg=key)
    assert sum(s.spike_times.size for s in dyn.values()) > 100


def test_run_neuron_records_from_the_start_of_each_step():
    inputs = np.full((50, 2), [0.0, 20.0])
    for frontend in ('dyn', 'state'):
        mon = run_neuron(inputs, 0.5, ('V', 'spike'), frontend=frontend, V_initializer=-70.0)
        np.testing.assert_allclose(mon['ts'], np.arange(50) * 0.5)
        assert mon['V'].shape == mon['spike'].shape == (50, 2)
        assert not mon['spike'][:, 0].any() and mon['spike'][:, 1].sum() >= 1, frontend


def test_run_neuron_names_an_unknown_frontend():
    with pytest.raises(ValueError, match="frontend='nest'"):
        run_neuron(np.zeros((3, 1)), 0.1, frontend='nest')
