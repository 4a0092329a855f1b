"""Checkpoint/resume: a run split across processes is bit-identical to one run."""

import pathlib
import subprocess
import sys

import brainpy as bp
import brainpy.math as bm
import numpy as np
import pytest

import izhi_dyn

SCRIPT = pathlib.Path(__file__).with_name('checkpoint_model.py')


def _script(*args):
    subprocess.run([sys.executable, str(SCRIPT), *map(str, args)], check=True, timeout=300)


def test_resume_in_new_process_is_bit_identical(tmp_path):
    full, first, resumed, ckpt = (tmp_path / n for n in ('full.npz', 'a.npz', 'b.npz', 'state.npz'))
    _script('full', full, '+', 'first', first, ckpt)  # one process; the resume needs a new one
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


def test_fingerprinted_variables_are_checked_not_stored(tmp_path):
    a = np.linspace(0.02, 0.1, 4, dtype=np.float32)
    path = izhi_dyn.save_checkpoint(tmp_path / 's.npz', izhi_dyn.Izhikevich(4, a=bm.Variable(a)), t=0.0,
                                    fingerprint=['a'])
    with np.load(path) as f:
        assert 'a' not in f.files and '__sha256__/a' in f.files
    izhi_dyn.load_checkpoint(path, izhi_dyn.Izhikevich(4, a=bm.Variable(a)))  # same values: accepted
    other = izhi_dyn.Izhikevich(4, a=bm.Variable(a + np.float32(1e-3)))
    other.V.value = other.V.value + 5.0
    before = np.asarray(other.V.value)
    with pytest.raises(ValueError, match="'a' of the model differs"):
        izhi_dyn.load_checkpoint(path, other)
    np.testing.assert_array_equal(np.asarray(other.V.value), before)  # a refused file changes nothing
    with pytest.raises(ValueError, match=r"fingerprint=\['W'\]: not variables"):
        izhi_dyn.save_checkpoint(tmp_path / 't.npz', other, t=0.0, fingerprint=['W'])


def test_load_rejects_another_dtype(tmp_path, x64):
    path = tmp_path / 's.npz'
    with np.load(izhi_dyn.save_checkpoint(path, izhi_dyn.Izhikevich(3), t=0.0)) as f:
        arrays = {k: f[k] for k in f.files}
    arrays['V'] = arrays['V'].astype(np.float32)
    np.savez(path, **arrays)
    with pytest.raises(ValueError, match="'V' has shape .* dtype float32 in the checkpoint, .* dtype float64"):
        izhi_dyn.load_checkpoint(path, izhi_dyn.Izhikevich(3))


def _network_runner():
    net = izhi_dyn.CorticalNetwork2003(80, seed=3)
    return izhi_dyn.networks.NetworkRunner(net, chunk=10)


def test_network_runner_save_and_restore_continue_the_uninterrupted_run(tmp_path):
    from izhi_dyn.networks import concatenate_results

    full = _network_runner().run(60.0)
    first = _network_runner()
    head = first.run(30.0)
    first.save(tmp_path / 'net.npz', head, metadata={'seed': 3, 'note': 'half'})
    second = _network_runner()
    saved = second.restore(tmp_path / 'net.npz')
    assert second.step_index == 30 and saved.metadata == {'seed': 3, 'note': 'half'}
    assert izhi_dyn.networks.NetworkRunner.read_metadata(tmp_path / 'net.npz') == saved.metadata
    np.testing.assert_array_equal(saved.events.steps, head.steps)
    whole = concatenate_results([saved.events, second.run(30.0)])
    assert full.steps.size > 50  # an active network: equality is not vacuous
    for key in ('steps', 'indices', 'counts_exc', 'counts_inh'):
        np.testing.assert_array_equal(getattr(whole, key), getattr(full, key), err_msg=key)


def test_network_runner_refuses_foreign_files_and_events_of_another_length(tmp_path):
    runner = _network_runner()
    path = izhi_dyn.save_checkpoint(tmp_path / 'neuron.npz', izhi_dyn.Izhikevich(3), t=0.0)
    with pytest.raises(ValueError, match='not a checkpoint of a NetworkRunner'):
        runner.restore(path)
    events = runner.run(10.0)
    runner.run(10.0)
    with pytest.raises(ValueError, match='events: 10 steps, expected the 20 steps'):
        runner.save(tmp_path / 'x.npz', events)
