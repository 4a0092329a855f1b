"""The Yin-Yang dataset (Kriener, Goeltz & Petrovici 2021, arXiv:2102.08211) and a smoke training run.

Against the paper's recipe: the published splits (seeds 42/41/40, sizes
5000/1000/1000), four inputs (x, y, 1 - x, 1 - y), classes balanced by
rejection sampling, points inside the disc of radius 0.5, and each label
consistent with the yin-yang regions (checked with an independent geometric
description and the sign's point symmetry). The first points and class
counts of the published test and training sets are those the authors'
generator (github.com/lkriener/yin_yang_data_set, dataset.py) gives for
seeds 40 and 42.
"""

import pathlib
import sys

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn

R, r = 0.5, 0.1


def regions(x, y):
    """Independent description: the dots; the left lobe and upper half minus the right lobe; the rest."""
    left, right = (x - R / 2) ** 2 + (y - R) ** 2, (x - 3 * R / 2) ** 2 + (y - R) ** 2
    dots = (left < r ** 2) | (right < r ** 2)
    upper = np.where(right <= (R / 2) ** 2, False, (y > R) | (left <= (R / 2) ** 2))
    return np.where(dots, 2, np.where(upper, 1, 0))


def test_published_splits_sizes_and_inputs():
    for split, (seed, size) in {'train': (42, 5000), 'validation': (41, 1000), 'test': (40, 1000)}.items():
        data = izhi_dyn.yin_yang_dataset(split)
        assert data.inputs.shape == (size, 4) and data.labels.shape == (size,)
        np.testing.assert_array_equal(data.inputs[:, 2:], 1.0 - data.inputs[:, :2])
        again = izhi_dyn.yin_yang_dataset(size=size, seed=seed)
        np.testing.assert_array_equal(again.inputs, data.inputs)
        np.testing.assert_array_equal(again.labels, data.labels)


def test_published_test_set_first_points_and_counts():
    test = izhi_dyn.yin_yang_dataset('test')
    np.testing.assert_allclose(test.inputs[:3, :2], [[0.23409665, 0.40172498], [0.75132902, 0.46824252],
                                                     [0.13832531, 0.57095397]], atol=1e-8)
    assert test.labels[:10].tolist() == [2, 2, 1, 1, 1, 2, 2, 0, 2, 2]
    assert np.bincount(test.labels).tolist() == [350, 316, 334]
    assert np.bincount(izhi_dyn.yin_yang_dataset('train').labels).tolist() == [1681, 1702, 1617]


def test_every_label_matches_the_regions_and_classes_are_balanced():
    data = izhi_dyn.yin_yang_dataset(size=6000, seed=7)
    x, y = data.inputs[:, 0], data.inputs[:, 1]
    assert np.all(np.hypot(x - R, y - R) <= R)
    np.testing.assert_array_equal(data.labels, regions(x, y))
    counts = np.bincount(data.labels, minlength=3)
    assert np.all(np.abs(counts - 2000) < 4 * np.sqrt(6000 * (1 / 3) * (2 / 3)))  # balanced, although the dots
    assert np.mean(regions(*np.random.default_rng(0).uniform(0, 1, (2, 20000))) == 2) < 0.1  # cover ~6 % of the square


def test_the_sign_is_point_symmetric():
    """Rotating by 180 degrees about the centre swaps classes 0 and 1 and keeps the dots."""
    x, y = np.random.default_rng(1).uniform(0, 1, (2, 5000))
    inside = np.hypot(x - R, y - R) < R
    c, c_rot = izhi_dyn.yin_yang_class(x[inside], y[inside]), izhi_dyn.yin_yang_class(1 - x[inside], 1 - y[inside])
    np.testing.assert_array_equal(c_rot, np.array([1, 0, 2])[c])


def test_bad_arguments_name_themselves():
    with pytest.raises(ValueError, match='split'):
        izhi_dyn.yin_yang_dataset('dev')
    with pytest.raises(ValueError, match='size and seed'):
        izhi_dyn.yin_yang_dataset(size=10)
    with pytest.raises(ValueError, match='r_small'):
        izhi_dyn.yin_yang_dataset('test', r_small=0.3)


# ~35 s, mostly compiling the exact network's gradient: CI's slow step. The default suite runs the same
# example's training with its fast settings (test_examples.py).
@pytest.mark.slow
def test_exact_gradient_training_lowers_the_loss():
    """Smoke run of examples/yin_yang_exact.py's exact network: a few gradient steps on one batch."""
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / 'examples'))
    import yin_yang_exact as example

    config = example.Config(hidden=4, dt=1.0, duration=16.0, hidden_spikes=1)
    params = {k: jnp.asarray(v) for k, v in example.initial_params(config, seed=0).items()}
    data = izhi_dyn.yin_yang_dataset('train', size=12)
    points, labels = jnp.asarray(data.inputs, jnp.float32), jnp.asarray(data.labels)
    grad = jax.jit(jax.value_and_grad(lambda p: example.exact_loss(p, points, labels, config)[0]))
    losses = []
    for _ in range(4):
        loss, g = grad(params)
        losses.append(float(loss))
        params = jax.tree_util.tree_map(lambda p, d: p - 0.5 * d / (jnp.linalg.norm(d) + 1e-12), params, g)
    assert np.all(np.isfinite(losses))
    assert losses[-1] < losses[0] - 0.01, losses


def test_the_example_keeps_the_parameters_of_the_best_validation_epoch():
    """The training loop returns the epoch of best validation accuracy (the first such), not the last.

    A stand-in step counts the epochs in its ``params``; the stand-in network answers right only
    after epochs 2 and 4, so the loop must hand back the parameters of epoch 2.
    """
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / 'examples'))
    import yin_yang_exact as example

    data = izhi_dyn.yin_yang_dataset('validation', size=6)

    def step(params, state, points, labels):
        return params + 1, state, 0.0, 0.0

    def predict(params, points):
        right = params in (2, 4)
        return data.labels[:len(points)] if right else (data.labels[:len(points)] + 1) % 3

    best, history = example._loop(step, predict, 0, None, data, {'validation': data}, epochs=5,
                                  batch_size=len(data.labels), seed=0, name='stand-in', log=lambda _: None)
    assert history['validation_acc'] == [0.0, 1.0, 0.0, 1.0, 0.0]
    assert best == 2


# ~2 min on 2 idle cores: the whole default exact training of the example (CI's slow step).
@pytest.mark.slow
def test_the_default_recipe_reaches_95_percent_on_the_published_test_set(tmp_path):
    """Issue 13's goal: the exact gradient trains the example's network to >= 95 % on the published test set.

    The default recipe and seed, the test accuracy read at the epoch of best validation accuracy (eight
    seeds gave 96.1-97.9 %, docs/exact_timing.rst).
    """
    sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / 'examples'))
    import yin_yang_exact as example

    result, _ = example.main(['--surrogate-epochs', '0', '--out', str(tmp_path)])
    assert result['test_accuracy']['exact'] >= 0.95, result['exact']['test_acc']
