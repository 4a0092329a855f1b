"""Checkpoint/resume: a run split across processes is bit-identical to one run."""

import pathlib
import subprocess
import sys

import brainpy as bp
import numpy as np
import pytest

import izhi_dyn

SCRIPT = pathlib.Path(__file__).with_name('checkpoint_model.py')


def _script(*args):
    subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], check=True, timeout=300)


def test_resume_in_new_process_is_bit_identical(tmp_path):
    full, first, resumed, ckpt = (tmp_path / n for n in ('full.npz', 'a.npz', 'b.npz', 'state.npz'))
    _script('full', full)
    _script('first', first, ckpt)
    _script('resume', resumed, ckpt)
    full, first, resumed = np.load(full), np.load(first), np.load(resumed)
    assert full['spike'].sum() > 20  # the comparison covers spikes, noise and refractoriness
    for key in ('V', 'spike'):
        np.testing.assert_array_equal(np.concatenate([first[key], resumed[key]]), full[key])


def test_load_rejects_a_different_model(tmp_path):
    path = izhi_dyn.save_checkpoint(tmp_path / 's.npz', izhi_dyn.Izhikevich(3), t=1.0)
    with pytest.raises(ValueError, match='shape'):
        izhi_dyn.load_checkpoint(path, izhi_dyn.Izhikevich(4))
    with pytest.raises(ValueError, match='missing'):
        izhi_dyn.load_checkpoint(path, izhi_dyn.Izhikevich(3, ref_var=True))


def test_restores_time_and_extra(tmp_path):
    neuron = izhi_dyn.Izhikevich(2)
    path = izhi_dyn.save_checkpoint(tmp_path / 's.npz', neuron, t=12.5, extra={'count': [3, 4]})
    neuron.V.value = neuron.V.value + 1.0
    state = izhi_dyn.load_checkpoint(path, neuron)
    assert state.t == 12.5
    np.testing.assert_array_equal(state.extra['count'], [3, 4])
    np.testing.assert_array_equal(np.asarray(neuron.V.value), -70.0)
    assert isinstance(neuron, bp.dyn.NeuDyn)
