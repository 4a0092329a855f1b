"""The counter-based generator against published known answers and the inverse normal CDF, and the
native fused step against the pure-JAX path it must reproduce bit for bit (and the fallback to it)."""

import ctypes

import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np
import pytest
from scipy.special import ndtri

import izhi_dyn.networks as nw
from izhi_dyn.core import counter_rng
from izhi_dyn.networks import native

BUILT = native.native_library() is not None
needs_native = pytest.mark.skipif(not BUILT, reason='native kernel not built (no compiler at install)')

#: Threefry-2x32, 20 rounds: (key, counter) -> output, from Random123's kat_vectors (Salmon et al. 2011).
THREEFRY_KAT = [
    ((0x00000000, 0x00000000), (0x00000000, 0x00000000), (0x6b200159, 0x99ba4efe)),
    ((0xffffffff, 0xffffffff), (0xffffffff, 0xffffffff), (0x1cb996fc, 0xbb002be7)),
    ((0x13198a2e, 0x03707344), (0x243f6a88, 0x85a308d3), (0xc4923a9c, 0x483df7a0)),
]


@pytest.fixture(params=['float32', 'float64'])
def dtype(request):
    was = jax.config.jax_enable_x64
    (bm.enable_x64 if request.param == 'float64' else bm.disable_x64)()
    yield request.param
    (bm.enable_x64 if was else bm.disable_x64)()


@pytest.mark.parametrize('key, counter, expected', THREEFRY_KAT)
def test_threefry_known_answers(key, counter, expected):
    out = counter_rng.threefry2x32(*key, *counter)
    assert tuple(int(x) for x in out) == expected


def test_deviates_follow_the_inverse_normal_cdf():
    extremes = np.array([0, 1, 2**31, 2**31 + 1, 2**30, 2**31 - 1, 2**32 - 1], np.uint32)
    words = np.concatenate([np.random.default_rng(0).integers(0, 2**32, 2**20, dtype=np.uint32), extremes])
    x = np.asarray(counter_rng.normals_from_words(words, counter_rng.normal_table(), jnp.float32), np.float64)
    r = np.maximum(words & 0x7FFFFFFF, 1).astype(np.float64)
    exact = np.where(words >> 31 == 1, 1.0, -1.0) * -ndtri(r * 2.0**-32)
    assert np.abs(x - exact).max() < 2e-6  # table interpolation + float32 rounding
    assert abs(x.mean()) < 5e-3 and abs(x.std() - 1) < 5e-3  # 5 standard errors
    assert 6.2 < np.abs(x).max() < 6.3  # words 0 and 2**31: p = 2**-32


def test_counter_normal_depends_on_seed_step_and_index_only():
    full = np.asarray(counter_rng.counter_normal(7, 12, 11, jnp.float32))
    assert np.array_equal(np.asarray(counter_rng.counter_normal(7, 12, 5, jnp.float32)), full[:5])
    assert not np.array_equal(np.asarray(counter_rng.counter_normal(7, 13, 11, jnp.float32)), full)
    assert not np.array_equal(np.asarray(counter_rng.counter_normal(8, 12, 11, jnp.float32)), full)


@needs_native
def test_kernel_generator_gives_the_reference_bits():
    lib, rng = native.native_library(), np.random.default_rng(1)
    n = 4096
    counters = rng.integers(0, 2**32, n, dtype=np.uint32)
    w0, w1 = np.empty(n, np.uint32), np.empty(n, np.uint32)
    ptr = lambda a: a.ctypes.data_as(ctypes.c_void_p)  # noqa: E731
    lib.IzhiThreefry(ctypes.c_uint32(99), ctypes.c_uint32(0), ptr(counters), ctypes.c_uint32(5), ctypes.c_int(n),
                     ptr(w0), ptr(w1))
    j0, j1 = counter_rng.threefry2x32(99, 0, counters, 5)
    np.testing.assert_array_equal(w0, np.asarray(j0))
    np.testing.assert_array_equal(w1, np.asarray(j1))
    words = np.concatenate([w0, w1, np.arange(600, dtype=np.uint32), np.arange(600, dtype=np.uint32) | 2**31])
    fixed, table = np.empty(words.size, np.int32), np.ascontiguousarray(counter_rng.normal_table())
    lib.IzhiNormalFixed(ptr(words), ctypes.c_int(words.size), ptr(table), ctypes.c_int(counter_rng.SUB_BITS),
                        ptr(fixed))
    reference = np.asarray(counter_rng.normals_from_words(words, table, jnp.float32))
    np.testing.assert_array_equal(fixed.astype(np.float32) * np.float32(2.0**-counter_rng.FRAC_BITS), reference)


def _run(kernel, connectivity, dt=1.0):
    net = nw.CorticalNetwork2003(400, connectivity=connectivity, seed=3, kernel=kernel)
    assert net.uses_native_step == (kernel == 'native')
    res = nw.run_network(net, 300.0, dt=dt, chunk=50)
    return res, {k: np.asarray(v.value) for k, v in net.vars(method='relative').unique().items()
                 if k.endswith(('.V', '.u', '.t_last_spike', '.spike'))}


@needs_native
@pytest.mark.parametrize('connectivity, dt', [('dense', 1.0), ('sparse', 1.0), ('sparse', 0.5)])
def test_native_step_gives_the_jax_spikes_and_state(dtype, connectivity, dt):
    (ref, ref_state), (got, got_state) = _run('jax', connectivity, dt), _run('native', connectivity, dt)
    assert ref.steps.size > 500  # an active network: equality is not vacuous
    np.testing.assert_array_equal(got.steps, ref.steps)
    np.testing.assert_array_equal(got.indices, ref.indices)
    assert got_state.keys() == ref_state.keys()
    for key in ref_state:
        np.testing.assert_array_equal(got_state[key], ref_state[key], err_msg=key)


def test_without_the_library_auto_falls_back_and_native_refuses(monkeypatch):
    monkeypatch.setattr(native, 'native_library', lambda: None)
    net = nw.CorticalNetwork2003(100, seed=1)
    assert not net.uses_native_step
    assert nw.run_network(net, 50.0).steps.size > 0
    with pytest.raises(ValueError, match="kernel='native': the native kernel is not built"):
        nw.CorticalNetwork2003(100, kernel='native')


@needs_native
def test_auto_uses_the_native_step_only_where_it_applies():
    assert nw.CorticalNetwork2003(100).uses_native_step
    assert not nw.CorticalNetwork2003(100, kernel='jax').uses_native_step
    for kwargs, reason in (({'layout': 'pairwise'}, 'layout'), ({'method': 'rk2'}, 'method'),
                           ({'delay': 2.0}, 'delay')):
        assert not nw.CorticalNetwork2003(100, **kwargs).uses_native_step
        with pytest.raises(ValueError, match=reason):
            nw.CorticalNetwork2003(100, kernel='native', **kwargs)
    net = nw.CorticalNetwork2003(100)
    net.noise.update = lambda: None  # a part switched off: the brainpy nodes run
    assert not net.uses_native_step


def test_kernel_argument_is_checked():
    with pytest.raises(ValueError, match="kernel='cuda'"):
        nw.CorticalNetwork2003(100, kernel='cuda')
    with pytest.raises(ValueError, match='seed'):
        nw.ThalamicNoise(nw.CorticalNetwork2003(100).E, 1.0, seed=2**32)
