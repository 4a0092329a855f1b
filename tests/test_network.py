"""The 2003 cortical network against the independent NumPy reference of the paper's loop,
plus the machinery: chunked compiled runner, event recording, sparse CSR, scaling rule, CLI."""

import json

import brainpy.math as bm
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn
import izhi_dyn.networks as nw
from izhi_dyn.analysis.population import dominant_frequency, network_stats, population_counts
from tests import reference_network as ref

SEEDS = range(10)


def _ours(seed, n=1000, T=1000.0):
    res = nw.run_network(nw.CorticalNetwork2003(n, seed=seed), T)
    return network_stats(res.times, res.indices, res.n_exc, res.n_inh, res.duration)


@pytest.fixture(scope='module')
def reproduction():
    runner = nw.NetworkRunner(nw.CorticalNetwork2003(1000, seed=0))
    ours = []
    for seed in SEEDS:  # one compiled program for all seeds
        runner.load_state(nw.CorticalNetwork2003(1000, seed=seed))
        res = runner.run(1000.0)
        s = network_stats(res.times, res.indices, res.n_exc, res.n_inh, res.duration)
        ours.append([s['rate_exc_hz'], s['rate_inh_hz'], s['dominant_freq_hz']])
    ours = np.array(ours)
    assert runner.compile_s < 30 and len(runner._compiled) == 1
    theirs = np.array([ref.stats(*ref.simulate(1000, 1000, seed)) for seed in SEEDS])
    return ours, theirs


@pytest.mark.parametrize('col,name', [(0, 'rate_exc_hz'), (1, 'rate_inh_hz')])
def test_rates_match_reference_within_seed_spread(reproduction, col, name):
    ours, theirs = reproduction[0][:, col], reproduction[1][:, col]
    print(f'{name}: ours {ours.mean():.3f} +- {ours.std(ddof=1):.3f}, '
          f'reference {theirs.mean():.3f} +- {theirs.std(ddof=1):.3f}')
    # Two-sample: the difference of the means within 2 standard errors of that difference.
    se = np.sqrt(ours.var(ddof=1) / ours.size + theirs.var(ddof=1) / theirs.size)
    assert abs(ours.mean() - theirs.mean()) <= 2 * se
    assert 2.0 < ours.mean() < 20.0  # the paper's low-rate asynchronous-rhythmic regime, not saturation


def test_dominant_rhythm_matches_reference(reproduction):
    ours, theirs = reproduction[0][:, 2], reproduction[1][:, 2]
    print(f'dominant_freq_hz: ours {ours.mean():.2f} +- {ours.std(ddof=1):.2f} (median {np.median(ours)}), '
          f'reference {theirs.mean():.2f} +- {theirs.std(ddof=1):.2f} (median {np.median(theirs)})')
    se = np.sqrt(ours.var(ddof=1) / ours.size + theirs.var(ddof=1) / theirs.size)
    assert abs(ours.mean() - theirs.mean()) <= 2 * se + 1.0  # +1 Hz: the FFT resolution of 1 s


def test_load_state_reproduces_a_fresh_run():
    fresh = nw.run_network(nw.CorticalNetwork2003(200, seed=9), 100.0)
    runner = nw.NetworkRunner(nw.CorticalNetwork2003(200, seed=1))
    runner.run(50.0)
    runner.load_state(nw.CorticalNetwork2003(200, seed=9))
    again = runner.run(100.0)
    np.testing.assert_array_equal(fresh.indices, again.indices)
    np.testing.assert_array_equal(fresh.steps, again.steps)


def test_sink_streams_the_events_and_keeps_none():
    kept = nw.run_network(nw.CorticalNetwork2003(300, seed=5), 230.0, chunk=50)
    chunks = []
    streamed = nw.run_network(nw.CorticalNetwork2003(300, seed=5), 230.0, chunk=50,
                              sink=lambda steps, indices: chunks.append((steps.copy(), indices.copy())))
    assert len(chunks) == 5 and streamed.steps.size == 0 and streamed.indices.size == 0
    np.testing.assert_array_equal(np.concatenate([c[0] for c in chunks]), kept.steps)
    np.testing.assert_array_equal(np.concatenate([c[1] for c in chunks]), kept.indices)
    np.testing.assert_array_equal(streamed.counts_exc, kept.counts_exc)
    with pytest.raises(TypeError, match='sink'):
        nw.run_network(nw.CorticalNetwork2003(100, seed=5), 10.0, sink='events.npy')


def test_events_agree_with_per_step_counts_and_dense_monitor():
    net = nw.CorticalNetwork2003(200, seed=2)
    runner = nw.NetworkRunner(net, chunk=20)
    res = runner.run(100.0)
    per_step = np.bincount(res.steps, minlength=res.n_steps)
    np.testing.assert_array_equal(per_step, res.counts_exc + res.counts_inh)
    np.testing.assert_array_equal(np.bincount(res.steps[res.indices < 160], minlength=100), res.counts_exc)
    # the last step's events equal the neurons' spike variables
    last = np.sort(res.indices[res.steps == res.n_steps - 1])
    np.testing.assert_array_equal(last, np.flatnonzero(np.asarray(net.spikes())))


def test_second_run_does_not_recompile(monkeypatch):
    traces = []
    update = nw.CorticalNetwork2003.update
    monkeypatch.setattr(nw.CorticalNetwork2003, 'update', lambda self, *a: (traces.append(1), update(self, *a))[1])
    net = nw.CorticalNetwork2003(200, seed=0)
    runner = nw.NetworkRunner(net, chunk=50)
    runner.run(100.0)
    compile_s, programs, first_traces = runner.compile_s, runner._programs[50], len(traces)
    second = runner.run(150.0)
    assert runner.compile_s == compile_s
    assert runner._programs[50] is programs
    assert second.t0 == 100.0 and second.n_steps == 150
    # the step was traced once, and the jitted program kept one executable (weak types normalised)
    assert first_traces == 1 and len(traces) == 1
    assert programs.jitted_fun._cache_size() == 1


def test_compile_ahead_of_time_leaves_the_state_and_counts_the_kernel_warm_up():
    net = nw.CorticalNetwork2003(100, seed=3)
    before = {k: np.asarray(v.value).copy() for k, v in net.vars().unique().items()}
    runner = nw.NetworkRunner(net, chunk=20)
    runner.compile()
    for k, v in net.vars().unique().items():
        np.testing.assert_array_equal(np.asarray(v.value), before[k], err_msg=k)
    assert runner.compile_s > 0 and runner.step_index == 0
    res = runner.run(40.0)
    assert res.n_steps == 40 and runner.compile_s == res.compile_s  # nothing compiled during the run


def test_unpack_events_matches_nonzero():
    rng = np.random.default_rng(0)
    dense = rng.random((13, 37)) < 0.1
    rows, idx = nw.unpack_events(np.packbits(dense, axis=1), 37)
    r2, i2 = np.nonzero(dense)
    np.testing.assert_array_equal(rows, r2)
    np.testing.assert_array_equal(idx, i2)


def test_event_csr_equals_dense_product():
    rng = np.random.default_rng(1)
    indptr, indices = nw.fixed_in_degree_csr(rng, 50, 40, 10)
    assert indices.size == 400 and indptr[-1] == 400
    w = rng.random(indices.size).astype(np.float32)
    W = np.zeros((50, 40), np.float32)
    np.add.at(W, (np.repeat(np.arange(50), np.diff(indptr)), indices), w)
    s = rng.random(50) < 0.3
    got = np.asarray(nw.EventCSR(indptr, indices, w, (50, 40))(jnp.asarray(s)))
    np.testing.assert_allclose(got, s.astype(np.float32) @ W, rtol=1e-5, atol=1e-5)
    dense = np.asarray(nw.EventDense(W)(jnp.asarray(s)))
    np.testing.assert_allclose(dense, s.astype(np.float32) @ W, rtol=1e-5, atol=1e-5)


def test_fixed_in_degree_is_exact():
    net = nw.CorticalNetwork2003(500, connectivity='sparse', k=20, seed=0, layout='pairwise')
    indeg = np.zeros(500, int)
    for key, post_off in (('E2E', 0), ('I2E', 0), ('E2I', 400), ('I2I', 400)):
        comm = getattr(net, key).comm
        indeg[post_off:post_off + comm.shape[1]] += np.bincount(np.asarray(comm.indices.value),
                                                                minlength=comm.shape[1])
    assert np.all(indeg == 20)
    assert net.num_synapses == 500 * 20
    assert net.weight_scale == pytest.approx(1000 / 20)


def test_fused_layout_is_one_exact_csr_with_signed_rows():
    net = nw.CorticalNetwork2003(500, connectivity='sparse', k=20, seed=0)
    comm = net.recurrent.comm
    assert comm.shape == (500, 500) and comm.indices.dtype == jnp.int32 and comm.weight.dtype == bm.float_
    np.testing.assert_array_equal(np.bincount(np.asarray(comm.indices.value), minlength=500), 20)
    w, split = np.asarray(comm.weight.value), int(comm.indptr[400])
    assert np.all(w[:split] >= 0) and np.all(w[split:] <= 0)  # rows of excitatory, then inhibitory neurons
    assert w[:split].max() <= 0.5 * 1000 / 20 and w[split:].min() >= -1000 / 20


def test_fixed_in_degree_out_degrees_are_binomial():
    # k uniform partners per postsynaptic neuron: out-degrees ~ Binomial(n_post * k, 1 / n_pre)
    n_pre, n_post, k = 2000, 3000, 50
    indptr, indices = nw.fixed_in_degree_csr(np.random.default_rng(3), n_pre, n_post, k)
    out = np.diff(indptr)
    mean, var = n_post * k / n_pre, n_post * k * (1 / n_pre) * (1 - 1 / n_pre)
    assert out.sum() == n_post * k and abs(out.mean() - mean) < 1e-9
    assert abs(out.var() / var - 1) < 0.1  # sd of the variance ratio ~ sqrt(2 / n_pre) = 0.03
    # the partners of one neuron are not clustered in the presynaptic range
    rows = np.repeat(np.arange(n_pre), out)
    first_half = np.bincount(indices, weights=rows < n_pre // 2, minlength=n_post)
    assert abs(first_half.mean() / k - 0.5) < 0.01


@pytest.mark.parametrize('block', [2**22, 700])  # one block of rows; many blocks (monkeypatched)
def test_probability_connectivity_is_bernoulli(monkeypatch, block):
    from izhi_dyn.networks import connectivity
    monkeypatch.setattr(connectivity, '_SYNAPSES_PER_BLOCK', block)
    n_pre, n_post, p = 1500, 800, 0.03
    indptr, indices = nw.probability_csr(np.random.default_rng(5), n_pre, n_post, p)
    assert indptr.dtype == np.int32 and indices.dtype == np.int32 and indptr[-1] == indices.size
    out = np.diff(indptr)
    rows = np.repeat(np.arange(n_pre), out)
    key = rows.astype(np.int64) * n_post + indices
    assert np.all(np.diff(key) > 0)  # sorted targets, no pair twice
    # out-degrees ~ Binomial(n_post, p), in-degrees ~ Binomial(n_pre, p)
    for deg, trials, count in ((out, n_post, n_pre), (np.bincount(indices, minlength=n_post), n_pre, n_post)):
        mean, var = trials * p, trials * p * (1 - p)
        assert abs(deg.mean() - mean) < 4 * np.sqrt(var / count)
        assert abs(deg.var() / var - 1) < 4 * np.sqrt(2 / count)
    # no pattern along the grid: the first and second half of each row fill alike
    assert abs(np.mean(indices < n_post // 2) - 0.5) < 4 * np.sqrt(0.25 / indices.size)
    full, _ = nw.probability_csr(np.random.default_rng(0), 7, 5, 1.0)
    empty, _ = nw.probability_csr(np.random.default_rng(0), 7, 5, 0.0)
    np.testing.assert_array_equal(full, 5 * np.arange(8))
    np.testing.assert_array_equal(empty, 0)


def test_layout_and_csr_arguments_are_checked():
    with pytest.raises(ValueError, match="layout='ring'"):
        nw.CorticalNetwork2003(100, layout='ring')
    with pytest.raises(ValueError, match='k=0'):
        nw.fixed_in_degree_csr(np.random.default_rng(0), 10, 10, 0)
    with pytest.raises(ValueError, match='int32'):
        nw.fixed_in_degree_csr(np.random.default_rng(0), 10, 2**16, 2**15)
    with pytest.raises(ValueError, match='one standard deviation per post group'):
        nw.ThalamicNoise([nw.CorticalNetwork2003(100).E], [5.0, 2.0])


def test_fused_projection_splits_the_current_by_population():
    net = nw.CorticalNetwork2003(200, seed=6)
    W = np.asarray(net.recurrent.comm.weight.value)
    s = np.random.default_rng(0).random(200) < 0.2
    net.E.spike.value, net.I.spike.value = jnp.asarray(s[:160]), jnp.asarray(s[160:])
    net.recurrent.update()
    V = net.E.V.value
    np.testing.assert_allclose(np.asarray(net.E.sum_current_inputs(V)) - np.asarray(net.noise.current.value[:160]),
                               s @ W[:, :160], rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(np.asarray(net.I.sum_current_inputs(net.I.V.value))
                               - np.asarray(net.noise.current.value[160:]), s @ W[:, 160:], rtol=1e-5, atol=1e-4)


@pytest.mark.slow
def test_weight_scaling_keeps_the_regime():
    paper = _ours(0, 1000, 300.0)
    scaled = _ours(0, 3000, 300.0)
    sparse = network_stats(*(lambda r: (r.times, r.indices, r.n_exc, r.n_inh, r.duration))(
        nw.run_network(nw.CorticalNetwork2003(3000, connectivity='sparse', k=200, seed=0), 300.0)))
    unscaled = nw.run_network(nw.CorticalNetwork2003(3000, weight_scale=1.0, seed=0), 100.0)
    for s in (scaled, sparse):
        assert 0.4 * paper['rate_exc_hz'] < s['rate_exc_hz'] < 2.5 * paper['rate_exc_hz']
    # literal weights: nearly every neuron fires in the same step (the paper: <= ~10 %)
    assert unscaled.counts_exc.max() / 2400 > 0.8
    scaled_run = nw.run_network(nw.CorticalNetwork2003(3000, seed=0), 100.0)
    assert scaled_run.counts_exc.max() / 2400 < 0.3


def test_other_method_and_dt_stay_in_regime():
    base = _ours(1, 500, 300.0)
    res = nw.run_network(nw.CorticalNetwork2003(500, method='rk2', seed=1), 300.0, dt=0.5, chunk=60)
    other = network_stats(res.times, res.indices, res.n_exc, res.n_inh, res.duration)
    assert res.n_steps == 600
    assert 0.3 * base['rate_exc_hz'] < other['rate_exc_hz'] < 3 * base['rate_exc_hz']


def test_delay_shifts_the_response():
    a = nw.run_network(nw.CorticalNetwork2003(200, seed=4), 150.0)
    b = nw.run_network(nw.CorticalNetwork2003(200, seed=4, delay=3.0), 150.0)
    assert not np.array_equal(a.indices, b.indices)


def test_dominant_frequency_of_known_rhythm():
    t = np.arange(2000)
    counts = np.random.default_rng(0).poisson(5 + 4 * np.sin(2 * np.pi * 40 * t / 1000))
    assert dominant_frequency(counts) == pytest.approx(40.0)
    assert population_counts([0.0, 0.5, 1.2, 9.99, 10.0], 10.0).tolist() == [2, 1, 0, 0, 0, 0, 0, 0, 0, 1]


def test_invalid_arguments_raise():
    with pytest.raises(ValueError, match='connectivity'):
        nw.CorticalNetwork2003(100, connectivity='ring')
    with pytest.raises(ValueError, match='not both'):
        nw.CorticalNetwork2003(100, connectivity='sparse', k=5, p=0.1)
    with pytest.raises(ValueError, match='multiple of dt'):
        nw.run_network(nw.CorticalNetwork2003(100), 10.3)


def test_cli_writes_json_and_raster(tmp_path):
    from izhi_dyn.cli import main

    js, png = tmp_path / 's.json', tmp_path / 'r.png'
    assert main(['network', '--n', '200', '--duration', '200', '--seed', '1', '--no-progress',
                 '--json', str(js), '--plot', str(png)]) == 0
    stats = json.loads(js.read_text())
    for key in ('rate_exc_hz', 'rate_inh_hz', 'n_spikes', 'dominant_freq_hz', 'sim_wall_s', 'realtime_factor',
                'compile_s'):
        assert key in stats
    assert stats['n_spikes'] > 0 and stats['n_exc'] == 160
    assert png.stat().st_size > 10_000


def test_public_api():
    assert izhi_dyn.CorticalNetwork2003 is nw.CorticalNetwork2003
    assert isinstance(nw.CorticalNetwork2003(100).E, izhi_dyn.Izhikevich)
    assert bm.float_ in (jnp.float32, jnp.float64)
