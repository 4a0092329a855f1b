"""The 2007 form: the book's cell classes against ModelDB 39948's scheme, behaviours, the 2003 mapping.

Reference: :mod:`reference_2007`, an independent NumPy transcription of
``izhi2007.m`` (and of the same scheme for LS, with its dendrite, and MSN).
With ``method='izhikevich2007'`` (the default of every record), tau = 0.25 ms
and float64, each class and amplitude must fire at the same samples, except
the two recorded MSN runs (``reference_2007.FLOAT64_DRIFT``: XLA's fused multiply-add, which
they equal without).
"""

import ast
import dataclasses
import functools
import os
import platform
import subprocess
import sys

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn
import reference_2007
from izhi_dyn import CELL_CLASSES_2007, PRESETS_2007, Izhikevich2007, Params2007, simulate_many
from izhi_dyn.simulate import run_neuron
from sim import book_presets


@pytest.fixture(scope='module')
def book():
    return book_presets('float64')


def _samples(sim):
    return np.rint(sim.spike_times / sim.dt).astype(int).tolist()


# -- exact reproduction -------------------------------------------------------------------------

def test_the_reference_covers_every_preset():
    ref = {(c, A, False) for c, (_, _, amps, *_) in reference_2007.CLASSES.items() for A in amps}
    ref |= {(c, A, True) for c, (_, amps, _) in reference_2007.BURST.items() for A in amps}
    ref |= {(c, A, False) for c, (_, amps, *_) in reference_2007.BOOK_ONLY.items() for A in amps}
    ours = {(p.code, p.amplitude, p.hold is not None) for p in PRESETS_2007.values()}
    assert ours == ref and len(PRESETS_2007) == 40


@pytest.mark.parametrize('key', [k for k in PRESETS_2007 if k not in reference_2007.FLOAT64_DRIFT])
def test_same_spikes_at_same_samples(book, key):
    p = PRESETS_2007[key]
    sim = book[key]
    assert sim.method == 'izhikevich2007' and sim.dt == 0.25 and sim.dtype == 'float64'
    if p.code in reference_2007.BOOK_ONLY:  # LS (with its dendrite) and MSN: the same scheme, from the book
        expected, tie = reference_2007.run_book_only(p.code, p.amplitude)
        assert not tie, 'an update landed exactly on the peak: > and >= would disagree'
        assert _samples(sim) == expected
        return
    expected, tie, u_max = reference_2007.run(p.code, p.amplitude, burst=p.hold is not None)
    assert not tie, 'an update landed exactly on the peak: > and >= would disagree'
    assert u_max + p.cell.d < 670 or p.code != 'LTS', "LTS's two ceiling readings would disagree"
    assert _samples(sim) == expected


@pytest.mark.parametrize('key', sorted(reference_2007.FLOAT64_DRIFT))
def test_recorded_float64_drift_keeps_count_and_first_spikes(book, key):
    """MSN at 500 and 600 pA: XLA's fused multiply-add rounds an ulp off NumPy, the slow ramp amplifies it."""
    p = PRESETS_2007[key]
    expected, tie = reference_2007.run_book_only(p.code, p.amplitude)
    got = _samples(book[key])
    assert not tie and len(got) == len(expected) and got[:8] == expected[:8]
    assert got != expected and max(abs(a - b) for a, b in zip(got, expected)) <= 20


_FMA_FREE_RUN = ("import sys, numpy as np, izhi_dyn\n"
                 "for key, s in izhi_dyn.simulate_many(sys.argv[1:], dtype='float64').items():\n"
                 "    print(key, np.rint(s.spike_times / s.dt).astype(int).tolist())")


@pytest.mark.slow  # a new process (~8 s); test_recorded_float64_drift_keeps_count_and_first_spikes stays
@pytest.mark.skipif(platform.machine().lower() not in ('x86_64', 'amd64'), reason='xla_cpu_max_isa=AVX is x86')
def test_recorded_drift_goes_without_fused_multiply_add():
    """The drift is XLA's FMA contraction: compiled for AVX (no FMA instructions) both runs equal the book's
    scheme (the package's parameters are compile-time constants, which XLA still folds; that alone moves V
    by an ulp from step 811 of msn_500pA on, but no spike)."""
    keys = sorted(reference_2007.FLOAT64_DRIFT)
    env = dict(os.environ, XLA_FLAGS='--xla_cpu_max_isa=AVX', JAX_PLATFORMS='cpu')
    out = subprocess.run([sys.executable, '-c', _FMA_FREE_RUN, *keys], env=env, capture_output=True, text=True,
                         timeout=300, check=True).stdout
    got = {line.split(' ', 1)[0]: ast.literal_eval(line.split(' ', 1)[1]) for line in out.strip().splitlines()}
    for key in keys:
        p = PRESETS_2007[key]
        assert got[key] == reference_2007.run_book_only(p.code, p.amplitude)[0], key


def test_every_class_fires_and_one_published_amplitude_is_below_rheobase(book):
    silent = [k for k, s in book.items() if s.spike_times.size == 0]
    assert silent == ['ib_290pA']  # as izhi2007.m gives it
    assert {book[k].preset.code for k in book if k not in silent} == {'RS', 'IB', 'CH', 'LTS', 'FS', 'TC', 'RTN',
                                                                     'LS', 'MSN'}


# -- behaviours (published scheme; see test_default_integrator for exp_auto) ---------------------

def _isi(sim):
    return np.diff(sim.spike_times)


def _run(key, **changes):
    return izhi_dyn.simulate(dataclasses.replace(PRESETS_2007[key], key='derived', **changes), dtype='float64')


def _adaptation(sim):
    isi = _isi(sim)
    assert isi.size >= 5
    return isi[-3:].mean() / isi[:2].mean()


def test_rs_adapts_and_fs_does_not():
    # A stronger step than the published ones (ours): RS starts near FS's rate there.
    rs, fs = _run('rs_100pA', amplitude=300.0, duration=300.0), _run('fs_200pA', duration=300.0)
    assert _adaptation(rs) > 1.2
    assert 0.85 < _adaptation(fs) < 1.15


def test_ib_starts_with_a_burst_and_rs_does_not(book):
    for key in ('ib_500pA', 'ib_550pA'):
        isi = _isi(book[key])
        assert isi[0] < 0.3 * np.median(isi[1:])
    for key in ('rs_85pA', 'rs_100pA'):  # negative control
        isi = _isi(book[key])
        assert isi[0] > 0.9 * np.median(isi[1:])


def _bursts(sim, gap):
    """Groups of spikes closer than ``gap`` ms."""
    groups = np.split(sim.spike_times, np.nonzero(_isi(sim) > gap)[0] + 1)
    return [g for g in groups if g.size >= 2]


def test_ch_bursts_repetitively_and_ib_does_not(book):
    assert len(_bursts(book['ch_200pA'], 20.0)) == 2  # its third burst starts at the end of the 210 ms
    for key in ('ch_300pA', 'ch_400pA', 'ch_600pA'):
        assert len(_bursts(book[key], 20.0)) >= 3
    for key in ('ib_500pA', 'ib_550pA'):  # IB: one initial burst only
        assert len(_bursts(book[key], 20.0)) == 1


@pytest.mark.parametrize('cls, hold_key', [('tc', 'tc_burst_0pA'), ('rtn', 'rtn_burst_30pA')])
def test_thalamic_rebound_burst_needs_the_hold(book, cls, hold_key):
    sim = book[hold_key]
    release = PRESETS_2007[hold_key].hold_time
    first = sim.spike_times[sim.spike_times > release]
    assert first.size >= 3 and first[0] < release + 50.0 and first[1] - first[0] < 20.0
    assert sim.spike_times.min() > release  # nothing during the hold
    assert _run(hold_key, hold=None).spike_times.size == 0  # negative control: no hold, no rebound


@pytest.mark.parametrize('burst, tonic', [('tc_burst_50pA', 'tc_tonic_50pA'), ('rtn_burst_50pA', 'rtn_tonic_50pA')])
def test_thalamic_burst_mode_versus_tonic_mode(book, burst, tonic):
    assert _isi(book[burst])[0] < 20.0
    assert _isi(book[tonic])[0] > 100.0


def test_lts_peak_and_reset_follow_u(book):
    sim = book['lts_300pA']
    cell = CELL_CLASSES_2007['LTS']
    peaks = sim.V[np.isin(sim.ts, sim.spike_times)]
    assert np.ptp(peaks) > 5.0  # the cut-off moves with u
    plain = _run('lts_300pA', cell=dataclasses.replace(cell, peak_u=0.0, reset_u=0.0))
    assert plain.spike_times.size != sim.spike_times.size


def test_tc_pivot_variants_differ():
    book_pivot = _run('tc_burst_0pA', cell=CELL_CLASSES_2007['TC_book'])
    modeldb = izhi_dyn.simulate('tc_burst_0pA', dtype='float64')
    assert book_pivot.spike_times.size >= 3 and modeldb.spike_times.size >= 3
    assert book_pivot.spike_times[0] != modeldb.spike_times[0]


def _first_isi_over_median(sim):
    isi = _isi(sim)
    return isi[0] / np.median(isi[1:])


def test_ls_pauses_near_threshold_and_not_without_its_dendrite(book):
    # The pause after the first (transient) spike shortens as the current grows: 948, 313, 36 ms.
    pauses = [_isi(book[k])[0] for k in ('ls_137pA', 'ls_140pA', 'ls_150pA')]
    assert pauses[0] > pauses[1] > pauses[2] and pauses[1] > 200.0
    assert _first_isi_over_median(book['ls_140pA']) > 5.0
    soma = dataclasses.replace(CELL_CLASSES_2007['LS'], g_d=None, a_d=None)  # negative control: no dendrite
    plain = _run('ls_140pA', cell=soma)
    assert _first_isi_over_median(plain) < 1.5 and plain.spike_times.size > book['ls_140pA'].spike_times.size


def _rheobase(cell):
    return (cell.b + cell.k * (cell.v_t - cell.v_r)) ** 2 / (4 * cell.k)


def test_msn_fires_late_and_the_controls_do_not(book):
    latency = [book[k].spike_times[0] for k in ('msn_350pA', 'msn_400pA', 'msn_500pA', 'msn_600pA')]
    assert all(x > y for x, y in zip(latency, latency[1:])) and latency[1] > 300.0
    for key in ('msn_400pA', 'msn_500pA'):
        assert book[key].spike_times[0] > 1.5 * _isi(book[key])[0]  # the delay outlasts the next interval
    # Negative controls at the same multiple (1.31) of their own rheobase: without MSN's negative b, and RS.
    msn = CELL_CLASSES_2007['MSN']
    for cell in (dataclasses.replace(msn, b=0.0), CELL_CLASSES_2007['RS']):
        sim = _run('msn_400pA', cell=cell, amplitude=400.0 / _rheobase(msn) * _rheobase(cell))
        assert sim.spike_times[0] < 0.4 * latency[1] and sim.spike_times[0] < _isi(sim)[0]


def test_default_integrator_keeps_every_class_signature(book):
    """Under exp_auto at 0.25 ms the counts match except the fast classes at high drive."""
    ours = simulate_many(list(PRESETS_2007), method='exp_auto', dtype='float64')
    moved = {k for k in PRESETS_2007 if ours[k].spike_times.size != book[k].spike_times.size}
    assert moved == {'ch_400pA', 'ch_600pA', 'lts_200pA', 'lts_300pA', 'fs_400pA', 'ls_150pA', 'ls_200pA',
                     'msn_500pA', 'msn_600pA'}
    for k in moved:
        assert abs(ours[k].spike_times.size - book[k].spike_times.size) <= 4
    assert len(_bursts(ours['ch_300pA'], 20.0)) >= 3 and _isi(ours['tc_burst_0pA'])[0] < 20.0
    assert _first_isi_over_median(ours['ls_140pA']) > 5.0 and ours['msn_400pA'].spike_times[0] > 300.0


# -- the 2003 form as a special case -----------------------------------------------------------

_RS, _CH, _FS, _LTS = (0.02, 0.2, -65, 8), (0.02, 0.2, -50, 2), (0.1, 0.2, -65, 2), (0.02, 0.25, -65, 2)


@pytest.mark.parametrize('method, abcd', [('euler', _RS), ('euler', _CH), ('euler', _FS), ('euler', _LTS),
                                          ('rk4', _RS), ('rk4', _FS), ('riccati', _RS), ('riccati', _LTS)])
def test_2003_mapping_gives_the_same_spikes(x64, method, abcd):
    a, b, c, d = abcd
    I = np.concatenate([np.zeros(100), np.full(1900, 10.0)])[:, None]
    old = run_neuron(I, 0.1, ('V', 'spike'), method=method, a=a, b=b, c=c, d=d)
    new = run_neuron(I, 0.1, ('V', 'spike'), model='2007', method=method, V_initializer=-70.0,
                     **Params2007.from_2003(a, b, c, d)._asdict())
    # Same equations, different rounding (k (V - v_r)(V - v_t) vs p1 V^2 + p2 V + p3), amplified at
    # each spike: over 200 ms the spikes are identical; beyond ~270 ms tonic trains drift by a step.
    assert old['spike'].sum() >= 3
    np.testing.assert_array_equal(new['spike'], old['spike'])
    np.testing.assert_allclose(new['V'], old['V'], atol=0.05)


def test_mapping_roots():
    p = Params2007.from_2003(0.02, 0.2, -65, 8)
    for v in (p.v_r, p.v_t):
        assert abs(0.04 * v * v + 5 * v + 140) < 1e-10
    assert p.C == 1.0 and p.k == 0.04 and p.v_b == 0.0 and p.v_r < p.v_t
    with pytest.raises(ValueError, match='p3='):
        Params2007.from_2003(0.02, 0.2, -65, 8, p2=4.1, p3=108)


# -- integrators: declared order measured on a subthreshold trajectory ---------------------------

@pytest.mark.parametrize('method', ['euler', 'izhikevich2007', 'exp_euler', 'rk2', 'rk4', 'riccati'])
def test_declared_order(x64, method):
    import jax

    p = CELL_CLASSES_2007['RS'].params()
    integ, fine = izhi_dyn.get_integrator(method), izhi_dyn.get_integrator('rk4')

    def final(integrator, dt, T=20.0):
        body = lambda _, s: tuple(integrator.step(*s, 40.0, dt, p)[:2])  # noqa: E731
        return float(jax.jit(lambda s: jax.lax.fori_loop(0, int(round(T / dt)), body, s))((-60.0, 0.0))[0])

    exact = final(fine, 0.005)
    dts = np.array([0.4, 0.2, 0.1])
    err = [abs(final(integ, h) - exact) for h in dts]
    slope = np.polyfit(np.log(dts), np.log(err), 1)[0]
    assert slope > integ.order - 0.3


# -- the class's arguments -----------------------------------------------------------------------

@pytest.mark.parametrize('kwargs, arg', [
    ({'C': 0.0}, 'C='), ({'k': -1.0}, 'k='), ({'v_t': -70.0}, 'v_t='), ({'c': 40.0}, 'c='),
    ({'nullcline': 'quartic'}, 'nullcline'), ({'method': 'nope'}, 'method='),
    ({'method': 'riccati', 'noise': 1.0}, 'method='), ({'u_max': 'x'}, 'u_max'), ({'tau_ref': -1.0}, 'tau_ref'),
])
def test_bad_arguments_name_the_argument(kwargs, arg):
    with pytest.raises((ValueError, TypeError), match=arg):
        Izhikevich2007(2, **kwargs)


def test_unknown_preset_lists_the_names():
    with pytest.raises(KeyError, match='rs_100pA'):
        izhi_dyn.get_preset('rs_1pA')


def _spikes(x64_steps=2000, dt=0.25, I=100.0, **kw):
    mon = run_neuron(np.full((x64_steps, 1), I), dt, ('V', 'u', 'spike'), model='2007', **kw)
    return mon


@functools.lru_cache(maxsize=None)
def _default_run(precision):
    """The run every argument's change is compared with, once per precision (read-only)."""
    return _spikes(method='izhikevich2007', x64_steps=1200)


def test_book_start_and_derived_u(x64):
    neu = Izhikevich2007(3, **CELL_CLASSES_2007['TC'].neuron_kwargs(), V_initializer=-70.0)
    np.testing.assert_allclose(np.asarray(neu.u.value), 15.0 * (-70.0 + 60.0))  # U(V0), b_low below -65
    rs = Izhikevich2007(1)
    assert float(rs.V.value[0]) == -60.0 and float(rs.u.value[0]) == 0.0


def test_tau_ref_holds_v_after_a_spike(x64):
    mon = _spikes(method='izhikevich2007', tau_ref=5.0)
    k = int(np.argmax(mon['spike'][:, 0]))
    assert np.all(mon['V'][k:k + 20, 0] == mon['V'][k, 0])
    free = _spikes(method='izhikevich2007')
    assert not np.array_equal(mon['spike'], free['spike'])


def test_noise_changes_the_run(x64):
    bm.random.seed(0)
    noisy = _spikes(method='izhikevich2007', noise=5.0)
    assert not np.array_equal(noisy['V'], _spikes(method='izhikevich2007')['V'])


def test_heterogeneous_classes_in_one_population(x64):
    """Per-neuron parameters: one population of RS and IB equals two runs."""
    rs, ib = CELL_CLASSES_2007['RS'], CELL_CLASSES_2007['IB']
    both = {f: np.array([getattr(rs, f), getattr(ib, f)]) for f in ('C', 'k', 'v_r', 'v_t', 'v_peak', 'a', 'b', 'c', 'd')}
    I = np.tile([[100.0, 500.0]], (1000, 1))
    mon = run_neuron(I, 0.25, ('spike',), model='2007', method='izhikevich2007', **both)
    for j, cell in enumerate((rs, ib)):
        one = run_neuron(I[:, j:j + 1], 0.25, ('spike',), model='2007', method='izhikevich2007',
                         **{f: getattr(cell, f) for f in both})
        np.testing.assert_array_equal(mon['spike'][:, j], one['spike'][:, 0])


def test_training_mode_gives_gradients(x64):
    import jax

    neu = Izhikevich2007(1, mode=bm.TrainingMode(), method='izhikevich2007')

    def loss(I):
        neu.reset_state(1)

        def body(k):
            bp.share.save(t=k * 0.25, dt=0.25, i=k)
            return neu.update(I * bm.ones((1, 1))).sum()

        return bm.for_loop(body, jnp.arange(100)).sum()

    g = jax.grad(lambda I: loss(I))(400.0)
    assert np.isfinite(g) and g != 0.0


@pytest.mark.parametrize('change', [
    {'v_b': -65.0}, {'b_low': 5.0, 'v_switch': -55.0}, {'peak_u': -0.1}, {'reset_u': 0.04}, {'u_max': 60.0},
    {'nullcline': 'cubic', 'b': 0.025, 'v_b': -55.0}, {'C': 80.0}, {'k': 0.9}, {'v_t': -42.0}, {'v_peak': 30.0},
    {'V_initializer': -65.0}, {'u_initializer': 20.0}, {'method': 'rk2'},
])
def test_every_model_argument_changes_the_run(x64, change):
    base = _default_run(str(bm.float_))
    other = _spikes(**{'method': 'izhikevich2007', **change}, x64_steps=1200)
    assert not np.array_equal(base['V'], other['V']), change


def test_monitor_flags_add_their_variables(x64):
    neu = Izhikevich2007(1, ref_var=True, spike_time_var=True, method='izhikevich2007', tau_ref=1.0)
    runner = bp.DSRunner(neu, monitors=['spike', 'refractory', 'spike_time'], dt=0.25, progress_bar=False)
    runner.run(inputs=np.full((400, 1), 300.0))
    k = int(np.argmax(runner.mon['spike'][:, 0]))
    assert runner.mon['refractory'][k + 1, 0] and not runner.mon['refractory'][k, 0]
    assert k * 0.25 <= runner.mon['spike_time'][k, 0] <= (k + 1) * 0.25
    assert not hasattr(Izhikevich2007(1), 'refractory')


def test_detach_spk_changes_the_gradient(x64):
    import jax

    def grad(detach):
        neu = Izhikevich2007(1, mode=bm.TrainingMode(), method='izhikevich2007', detach_spk=detach)

        def loss(I):
            neu.reset_state(1)

            def step(k):
                bp.share.save(t=k * 0.25, dt=0.25, i=k)
                neu.update(I * bm.ones((1, 1)))

            bm.for_loop(step, bm.arange(80), progress_bar=False)
            return neu.V.value.sum()

        return float(jax.jit(jax.grad(loss))(400.0))

    assert grad(True) != grad(False)


def test_float32_moves_only_the_recorded_runs():
    """In float32 the same scheme keeps every count; six runs move by a few samples (FS's cubic is stiff,
    MSN's slow ramp amplifies rounding)."""
    f32 = simulate_many(list(PRESETS_2007), dtype='float32')
    moved = {}
    for key, sim in f32.items():
        p = PRESETS_2007[key]
        expected = reference_2007.expected_samples(p.code, p.amplitude, burst=p.hold is not None)
        got = _samples(sim)
        assert len(got) == len(expected), key
        if got != expected:
            moved[key] = max(abs(a - b) for a, b in zip(got, expected))
    assert moved.keys() == {'lts_200pA', 'fs_200pA', 'fs_400pA', 'msn_400pA', 'msn_500pA', 'msn_600pA'}
    assert max(moved.values()) <= 30


def test_trainable_parameters_of_the_dyn_class(x64):
    """izhi_dyn.trainable variables as parameters: per-neuron values are read every step and get gradients."""
    d = izhi_dyn.trainable(np.array([100.0, 150.0]), 2)
    C = izhi_dyn.trainable(100.0, shared=True)
    neu = Izhikevich2007(2, mode=bm.TrainingMode(), method='izhikevich2007', d=d, C=C)

    def step(k):
        bp.share.save(t=k * 0.25, dt=0.25, i=k)
        neu.update(300.0 * bm.ones((1, 2)))

    def loss():
        neu.reset_state(1)
        bm.for_loop(step, bm.arange(100), progress_bar=False)
        return neu.u.value.sum() + neu.V.value.sum()

    grads = bm.grad(loss, grad_vars={'d': d, 'C': C})()
    assert np.all(np.isfinite(np.asarray(grads['d']))) and np.all(np.asarray(grads['d']) != 0)
    assert np.isfinite(float(grads['C'])) and float(grads['C']) != 0
