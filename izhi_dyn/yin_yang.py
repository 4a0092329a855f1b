r"""The Yin-Yang classification dataset (Kriener, Goeltz & Petrovici 2021), generated from its recipe.

Points :math:`(x, y)` lie in the disc of radius :math:`R` (``r_big`` = 0.5)
centred at :math:`(R, R)`; three classes split it like the yin-yang sign.
With :math:`d_l, d_r` the distances to the lobe centres :math:`(R/2, R)` and
:math:`(3R/2, R)`:

- class 2 (the dots): :math:`d_l < r` or :math:`d_r < r` (``r_small`` = 0.1);
- class 1: :math:`d_l \le R/2`, or :math:`y > R` and :math:`d_r > R/2`
  (upper half and left lobe);
- class 0: the rest (lower half and right lobe).

Each sample first draws its class uniformly, then draws points uniformly in
the square :math:`[0, 2R]^2` until one falls inside the disc and in that
class (rejection sampling: the classes are balanced although the dots cover
a small area). The random numbers come from one :class:`numpy.random.RandomState`
in this order: the class (``randint(3)``), then ``rand(2)`` per candidate
point. The published sets are those of seeds 42 (training, 5000 points),
41 (validation, 1000) and 40 (test, 1000). Each point is given as the four
inputs :math:`(x, y, 1 - x, 1 - y)`, so that every input carries the same
total information whatever its sign.

Reference: L. Kriener, J. Goeltz, M. A. Petrovici (2021), The Yin-Yang
dataset, arXiv:2102.08211.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from izhi_dyn import _validation as check

__all__ = ['YIN_YANG_SPLITS', 'YinYang', 'yin_yang_class', 'yin_yang_dataset']

#: The published splits: ``{name: (seed, size)}``.
YIN_YANG_SPLITS = {'train': (42, 5000), 'validation': (41, 1000), 'test': (40, 1000)}


class YinYang(NamedTuple):
    """A Yin-Yang set: ``inputs`` ``(size, 4)`` = :math:`(x, y, 1 - x, 1 - y)`, ``labels`` ``(size,)`` in 0..2."""

    inputs: np.ndarray
    labels: np.ndarray


def yin_yang_class(x, y, r_small: float = 0.1, r_big: float = 0.5):
    """Class (0, 1 or 2, see the module docstring) of points ``(x, y)`` inside the disc; arrays broadcast."""
    x, y = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    d_left = np.hypot(x - 0.5 * r_big, y - r_big)
    d_right = np.hypot(x - 1.5 * r_big, y - r_big)
    upper_or_left = (d_left <= 0.5 * r_big) | ((y > r_big) & (d_right > 0.5 * r_big))
    return np.where((d_left < r_small) | (d_right < r_small), 2, upper_or_left.astype(int))


def yin_yang_dataset(split: str | None = None, *, size: int | None = None, seed: int | None = None,
                     r_small: float = 0.1, r_big: float = 0.5) -> YinYang:
    """Draw a Yin-Yang set by the published recipe (module docstring).

    Parameters
    ----------
    split : {'train', 'validation', 'test'}, optional
        A published set: its seed and size (:data:`YIN_YANG_SPLITS`); ``size``
        may still shorten or lengthen it (the first points are the same).
    size, seed : int, optional
        Number of points and seed of the :class:`numpy.random.RandomState`;
        required without ``split``.
    r_small, r_big : float, default 0.1, 0.5
        Radius of the dots and of the disc (``0 < r_small < r_big / 2``).

    Returns
    -------
    YinYang

    Examples
    --------
    >>> from izhi_dyn import yin_yang_dataset
    >>> test = yin_yang_dataset('test')
    >>> test.inputs.shape, sorted(set(test.labels.tolist()))
    ((1000, 4), [0, 1, 2])
    """
    if split is not None:
        default_seed, default_size = YIN_YANG_SPLITS[check.check_choice('split', split, tuple(YIN_YANG_SPLITS))]
        seed = default_seed if seed is None else seed
        size = default_size if size is None else size
    if size is None or seed is None:
        raise ValueError('yin_yang_dataset: give a split, or both size and seed')
    size = check.check_int('size', size, lower=0)
    seed = check.check_int('seed', seed, lower=0)
    r_big = check.check_real('r_big', r_big, lower=0.0, strict=True)
    r_small = check.check_real('r_small', r_small, lower=0.0, strict=True)
    if not r_small < 0.5 * r_big:
        raise ValueError(f'r_small={r_small}: expected 0 < r_small < r_big / 2 = {0.5 * r_big}')
    rng = np.random.RandomState(seed)
    points = np.empty((size, 2))
    labels = np.empty(size, dtype=int)
    for k in range(size):
        goal = rng.randint(3)
        while True:
            x, y = rng.rand(2) * 2.0 * r_big
            if np.hypot(x - r_big, y - r_big) <= r_big and yin_yang_class(x, y, r_small, r_big) == goal:
                break
        points[k], labels[k] = (x, y), goal
    return YinYang(np.concatenate([points, 1.0 - points], axis=1), labels)
