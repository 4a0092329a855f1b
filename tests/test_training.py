"""The spike-timing example (``examples/train_spike_timing.py``): its task, BPTT training through the
library's loss and step, mode switching of a trained net, and its command line."""

import pathlib
import re
import sys

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np
import pytest

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / 'examples'))
import train_spike_timing as example  # noqa: E402
from train_spike_timing import (N_CLASSES, SpikeTimingNet, TaskConfig, make_dataset, rebuild,  # noqa: E402
                                record_spikes, train)

from izhi_dyn.dyn import cross_entropy, make_train_step  # noqa: E402


def test_task_carries_information_only_in_timing():
    x, y = make_dataset(400, seed=0)
    assert N_CLASSES == 4 and set(np.unique(y)) == {0, 1, 2, 3}
    assert np.max(np.bincount(y)) / len(y) <= 0.3  # chance level stays near 25 %
    np.testing.assert_array_equal(x.sum(axis=0), 1.0)  # every line fires exactly once in every trial


def test_cross_entropy_is_minus_the_mean_log_softmax_of_the_labels():
    scores = np.array([[2.0, 0.0, -1.0], [0.5, 0.5, 3.0]])
    labels = np.array([0, 2])
    logp = scores - np.log(np.exp(scores).sum(axis=1, keepdims=True))
    expected = -np.mean(logp[np.arange(2), labels])
    np.testing.assert_allclose(float(cross_entropy(jnp.asarray(scores), jnp.asarray(labels))), expected, rtol=1e-6)


def test_train_step_clips_the_global_gradient_norm():
    # loss = 10 * sum(w): gradient 10 per entry, global norm 20 over 4 entries; SGD moves w by lr * clipped grad.
    for clip, expected in ((None, -10.0), (1.0, -0.5)):
        w = bm.TrainVar(jnp.zeros(4))
        opt = bp.optim.SGD(lr=1.0, train_vars={'w': w})
        step = make_train_step(lambda: (10.0 * w.value.sum(), w.value.sum()), opt, clip_norm=clip)
        loss, aux = step()
        assert float(loss) == 0.0 and float(aux) == 0.0  # the values before the update
        np.testing.assert_allclose(np.asarray(w.value), expected, rtol=1e-6)


def test_a_few_epochs_decrease_the_training_loss():
    data = make_dataset(1024, seed=1)
    net = SpikeTimingNet(32, mode=bm.TrainingMode(128), seed=0)
    history = train(net, data, epochs=6, batch_size=128, log=lambda msg: None)
    assert np.all(np.isfinite(history.loss))
    assert history.loss[-1] < history.loss[0] - 0.05


def test_evaluation_compiles_its_scores_once_for_every_batch_and_epoch():
    net = SpikeTimingNet(8, mode=bm.TrainingMode(4), seed=0)
    data = make_dataset(12, seed=4)
    predict = example.make_predict(net, TaskConfig().dt)
    traces = []
    counted = bm.jit(lambda xb: (traces.append(1), net.scores(xb, TaskConfig().dt))[1])
    for _ in range(2):
        assert 0.0 <= example.evaluate(net, data, batch_size=4, predict=counted) <= 1.0
    assert len(traces) == 1  # three batches of 4, twice: one trace
    assert example.evaluate(net, data, batch_size=4, predict=predict) == example.evaluate(net, data, batch_size=4)


def test_trained_net_rebuilt_in_nonlinear_mode_spikes_identically():
    x, _ = make_dataset(8, seed=2)
    net = SpikeTimingNet(16, mode=bm.TrainingMode(8), seed=3)
    net.hidden.W.value = net.hidden.W.value * 1.5
    exact = record_spikes(net, x, TaskConfig().dt)
    net.reset_state(8)

    def body(i, xt):
        bp.share.save(t=i * TaskConfig().dt, dt=TaskConfig().dt, i=i)
        net.update(xt)
        return net.hidden.spike.value

    surrogate = np.asarray(bm.for_loop(body, (jnp.arange(x.shape[0]), jnp.asarray(x))))
    assert exact.sum() > 20
    np.testing.assert_array_equal(surrogate, exact.astype(surrogate.dtype))
    assert isinstance(rebuild(net, bm.BatchingMode(2)).mode, bm.BatchingMode)


def test_example_prints_accuracy_last_and_writes_its_figures(tmp_path, capsys):
    accuracy, out = example.main(['--epochs', '1', '--out', str(tmp_path)])
    lines = capsys.readouterr().out.strip().splitlines()
    assert re.fullmatch(r'accuracy: [01]\.\d\d', lines[-1]) and lines[-1] == f'accuracy: {accuracy:.2f}'
    assert out == tmp_path
    assert (tmp_path / 'training_curve.png').stat().st_size > 0 and (tmp_path / 'raster.png').stat().st_size > 0


@pytest.mark.parametrize('flag, value', [('--epochs', '0'), ('--epochs', 'x'), ('--seed', '-1'), ('--seed', '1.5')])
def test_example_rejects_bad_flags_naming_them(flag, value, capsys):
    with pytest.raises(SystemExit) as exit_info:
        example.main([flag, value])
    assert exit_info.value.code not in (0, None) and flag in capsys.readouterr().err


@pytest.mark.slow
def test_example_reaches_90_percent_held_out_accuracy(tmp_path, capsys):
    accuracy, _ = example.main(['--out', str(tmp_path)])
    assert accuracy >= 0.90
    assert float(capsys.readouterr().out.strip().splitlines()[-1].split(':')[1]) >= 0.90


def test_raster_shows_the_classes_present_in_a_small_held_out_set(tmp_path):
    y = make_dataset(2, 2, TaskConfig())[1]  # run() draws its held-out set with seed + 2
    assert len(np.unique(y)) < N_CLASSES  # the case that used to raise IndexError
    accuracy = example.run(epochs=1, out=str(tmp_path), seed=0, n_train=128, n_test=2, log=lambda *a: None)
    assert 0.0 <= accuracy <= 1.0 and (tmp_path / 'raster.png').stat().st_size > 0
