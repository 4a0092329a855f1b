"""Suite-wide settings: headless matplotlib, strict rank promotion, optional float64."""

import os

import matplotlib

matplotlib.use('Agg')

import brainpy.math as bm  # noqa: E402
import jax  # noqa: E402
import pytest  # noqa: E402

jax.config.update('jax_numpy_rank_promotion', 'raise')
if os.environ.get('IZHI_DYN_X64') == '1':
    bm.enable_x64()


@pytest.fixture
def x64():
    """Run one test in float64, restoring the previous precision afterwards."""
    was = jax.config.jax_enable_x64
    bm.enable_x64()
    yield
    if not was:
        bm.disable_x64()
