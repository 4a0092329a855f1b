"""Property tests: random bad inputs to the public API get a clear error naming the argument.

Every public function, constructor and CLI flag is called with random invalid
values (NaN, inf, negative, zero, wrong types, wrong shapes, unknown names) for
one argument at a time, the others valid. The call must raise ``ValueError`` or
``TypeError`` whose message names the argument (``arg=...`` or ``arg:``); the
CLI must exit with an error status (``SystemExit``, argparse's usage error or
the command's own) and a message naming the flag, never a traceback. Any other
exception (an internal JAX/NumPy/brainpy traceback) or silent acceptance fails.

Example counts come from a hypothesis profile: ``HYPOTHESIS_PROFILE=ci-long``
runs many more examples than the default ``izhi-small``. Deadlines are off
(the first call of a table compiles JAX code, slow on a loaded machine); a
hang fails through :func:`time_limit` instead.
"""

import contextlib
import io
import math
import os
import re
import signal
import tempfile

import brainpy as bp
import brainpy.math as bm
import jax
import matplotlib.pyplot as plt
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import izhi_dyn
import izhi_dyn.analysis as ana
import izhi_dyn.plotting as izp
from izhi_dyn import cli, networks
from izhi_dyn.checkpoint import read_checkpoint_extra
from izhi_dyn.dyn import make_train_step
from izhi_dyn.networks import NetworkRunner
from izhi_dyn.protocols import Ramp, Step  # the stimulus segments

settings.register_profile('izhi-small', max_examples=8, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
settings.register_profile('ci-long', max_examples=150, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
PROFILE = settings.get_profile(os.environ.get('HYPOTHESIS_PROFILE', 'izhi-small'))

# -- bad values ---------------------------------------------------------------
NONFINITE = st.sampled_from([math.nan, math.inf, -math.inf])
NOT_A_NUMBER = st.one_of(
    st.text(max_size=4), st.none(), st.booleans(), st.just(object()),
    st.complex_numbers(max_magnitude=1e3).filter(lambda z: z.imag != 0),
    st.lists(st.floats(-10, 10), min_size=2, max_size=3),
)
NEGATIVE = st.floats(-1e6, -1e-3)
NON_INTEGER = st.floats(-1e3, 1e3).filter(lambda x: x != int(x))


def bad_real(lower=None, strict=False, upper=None):
    """Non-numbers, NaN/inf and numbers outside ``[lower, upper]`` (open when ``strict``)."""
    options = [NONFINITE, NOT_A_NUMBER]
    if lower is not None:
        options.append(st.floats(lower - 1e6, lower, exclude_max=not strict))
    if upper is not None:
        options.append(st.floats(upper, upper + 1e6, exclude_min=not strict))
    return st.one_of(options)


def bad_int(lower):
    """Non-integers and integers below ``lower``."""
    return st.one_of(NONFINITE, NOT_A_NUMBER, NON_INTEGER, st.integers(-10**6, lower - 1))


BAD_BOOL = st.one_of(st.integers(), st.floats(), st.text(max_size=3), st.none())


def bad_name(choices, allow_none=False):
    """Strings outside ``choices`` and non-strings."""
    text = st.text(max_size=8).filter(lambda s: s not in choices)
    others = [st.integers(), st.floats(), st.lists(st.sampled_from(sorted(choices)), min_size=1, max_size=2)]
    return st.one_of(text, *others, *([] if allow_none else [st.none()]))


def bad_array(ndim=1, length=None):
    """Arrays with NaN/inf, of the wrong rank or length, complex or non-numeric."""
    good_shape = (length or 4,) if ndim == 1 else (length or 4, 3)
    nan_at = st.integers(0, int(np.prod(good_shape)) - 1)
    with_nan = nan_at.flatmap(lambda k: NONFINITE.map(lambda x: np.put(a := np.zeros(good_shape), k, x) or a))
    wrong_rank = st.just(np.zeros((2,) * (ndim + 1)))
    options = [with_nan, wrong_rank, st.text(max_size=3), st.none(), st.just(np.ones(good_shape) * 1j),
               st.just(np.array(['x'] * good_shape[0]))]
    if length is not None:
        options.append(st.integers(0, 6).filter(lambda n: n != length).map(lambda n: np.zeros((n,) + good_shape[1:])))
    return st.one_of(options)


PARAM = st.one_of(NONFINITE, NOT_A_NUMBER.filter(lambda v: v is not None and not isinstance(v, list)),
                  st.sampled_from([np.zeros(5), np.zeros((2, 2)), np.array([0.0, np.nan]), np.array(['a', 'b'])]))


# -- the property ---------------------------------------------------------------
def _names(message, arg):
    # "arg=", "arg:", "arg[" or "--arg": the argument itself, not a word that contains it
    return re.search(rf'(?<![\w.]){re.escape(arg)}(=|:|\[| )', message) is not None


@contextlib.contextmanager
def time_limit(seconds=60):
    """Fail with TimeoutError instead of hanging (hypothesis deadlines only measure finished calls)."""
    def fail(signum, frame):
        raise TimeoutError(f'no answer within {seconds} s')

    previous = signal.signal(signal.SIGALRM, fail)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def assert_rejected(call, arg, value):
    """``call()`` raises ValueError/TypeError naming ``arg``; nothing else, no silent acceptance, no hang."""
    try:
        with time_limit():
            call()
    except (ValueError, TypeError) as err:
        assert _names(str(err), arg), f'{arg}={value!r}: message does not name {arg!r}: {err}'
    else:
        pytest.fail(f'{arg}={value!r} was accepted')
    finally:
        plt.close('all')


def check_table(table, data):
    """Draw one entry of ``table`` (``arg`` or ``function.arg -> (call, bad values)``) and one bad value;
    assert it is rejected with an error naming ``arg``."""
    key = data.draw(st.sampled_from(sorted(table)), label='argument')
    call, strategy = table[key]
    value = data.draw(strategy, label=key)
    assert_rejected(lambda: call(value), key.rsplit('.', 1)[-1], value)


def _cases(n_examples):
    """Settings: the profile's examples times ``n_examples`` (tables with many arguments get more)."""
    return settings(PROFILE, max_examples=PROFILE.max_examples * n_examples)


# -- the neuron -------------------------------------------------------------------
NEURON = {
    'size': (lambda v: izhi_dyn.Izhikevich(v),
             st.one_of(bad_int(1), st.tuples(st.integers(1, 3), bad_int(1)), st.just(()))),
    'sharding': (lambda v: izhi_dyn.Izhikevich(2, sharding=v),
                 st.one_of(st.integers(), st.text(max_size=3), st.lists(st.integers(), min_size=1, max_size=2))),
    'mode': (lambda v: izhi_dyn.Izhikevich(2, mode=v), st.one_of(st.integers(), st.text(max_size=4))),
    'name': (lambda v: izhi_dyn.Izhikevich(2, name=v),
             st.one_of(st.integers(), st.floats(), st.text(max_size=6).filter(lambda s: not s.isidentifier()))),
    'spk_fun': (lambda v: izhi_dyn.Izhikevich(2, spk_fun=v), st.one_of(st.integers(), st.floats(), st.text())),
    'spk_dtype': (lambda v: izhi_dyn.Izhikevich(2, spk_dtype=v),
                  st.one_of(st.sampled_from(['banana', 'complex64', 'U3', 'O', 'M8', 'f,f', '(2,)f', 3, 1.5]),
                            st.text(max_size=3).filter(lambda s: not _is_dtype(s)))),
    'c': (lambda v: izhi_dyn.Izhikevich(2, c=v), st.one_of(PARAM, st.floats(30.0, 1e6))),
    'p1': (lambda v: izhi_dyn.Izhikevich(2, p1=v), st.one_of(PARAM, st.floats(-1e6, 0.0))),
    'V_initializer': (lambda v: izhi_dyn.Izhikevich(2, V_initializer=v), st.one_of(PARAM, st.none())),
    'u_initializer': (lambda v: izhi_dyn.Izhikevich(2, u_initializer=v), PARAM),
}
for _arg in ('keep_size', 'init_var', 'detach_spk', 'ref_var', 'spike_time_var', 'input_var', 'check_finite'):
    NEURON[_arg] = (lambda v, _arg=_arg: izhi_dyn.Izhikevich(2, **{_arg: v}), BAD_BOOL)
for _arg, _choices in (('spk_reset', izhi_dyn.SPIKE_RESETS), ('recovery', ('standard', 'accommodation')),
                       ('method', izhi_dyn.INTEGRATORS)):
    NEURON[_arg] = (lambda v, _arg=_arg: izhi_dyn.Izhikevich(2, **{_arg: v}), bad_name(_choices))
for _arg in ('V_th', 'p2', 'p3', 'a', 'b', 'd'):
    NEURON[_arg] = (lambda v, _arg=_arg: izhi_dyn.Izhikevich(2, **{_arg: v}), st.one_of(PARAM, st.none()))
for _arg in ('tau_ref', 'noise', 'noise_u'):
    NEURON[_arg] = (lambda v, _arg=_arg: izhi_dyn.Izhikevich(2, **{_arg: v}), st.one_of(PARAM, NEGATIVE))
for _arg in ('tau', 'R'):  # brainpy's stored-but-unused parameters: still checked at the door
    NEURON[_arg] = (lambda v, _arg=_arg: izhi_dyn.Izhikevich(2, **{_arg: v}), PARAM)
NEURON['scaling'] = (lambda v: izhi_dyn.Izhikevich(2, scaling=v),
                     st.one_of(st.integers(), st.text(max_size=3),
                               st.builds(bm.Scaling, scale=st.one_of(NEGATIVE, NONFINITE, st.just(0.0)),
                                         bias=st.floats(-1e3, 1e3))))


def _is_dtype(s):
    try:
        return np.dtype(s).kind in 'biuf'
    except Exception:  # noqa: BLE001 - any failure means "not a dtype"
        return False


def test_neuron_table_covers_every_argument():
    import inspect
    assert set(inspect.signature(izhi_dyn.Izhikevich).parameters) == set(NEURON)


NOT_A_RESULT = st.one_of(st.integers(), st.text(max_size=3), st.none(), st.lists(st.floats(), max_size=3),
                         st.just(ana.FixedPoint(0.0, 0.0, np.eye(2), np.ones(2), 'x', True)))


def _update(dt=0.1, x=10.0):
    neuron = izhi_dyn.Izhikevich(2)
    bp.share.save(t=0.0, dt=dt, i=0)  # bp.share itself refuses non-numbers; the neuron must refuse the rest
    neuron.update(x)


UPDATE = {
    'dt': (lambda v: _update(dt=v), st.one_of(NONFINITE, st.floats(-1e6, 0.0))),
    'x': (lambda v: _update(x=v), st.sampled_from(['a', 1j, object(), np.zeros(3), np.zeros((2, 2)),
                                                   np.array(['a', 'b'])])),
}


# -- presets, integrators, simulate -----------------------------------------------------
PRESET_NAMES = set(izhi_dyn.PRESETS) | {p.code for p in izhi_dyn.PRESETS.values()}
LOOKUP = {
    'name': (lambda v: izhi_dyn.get_preset(v), bad_name(PRESET_NAMES)),
    'method': (lambda v: izhi_dyn.get_integrator(v), bad_name(izhi_dyn.INTEGRATORS)),
}
SIMULATE = {
    'name': (lambda v: izhi_dyn.simulate(v), bad_name(PRESET_NAMES)),
    'names': (lambda v: izhi_dyn.simulate_many(v),
              st.one_of(st.sampled_from(sorted(izhi_dyn.PRESETS)), st.integers(), st.none(), st.just([]),
                        st.lists(bad_name(PRESET_NAMES), min_size=1, max_size=2))),
    'method': (lambda v: izhi_dyn.simulate('tonic_spiking', method=v),
               bad_name(izhi_dyn.INTEGRATORS, allow_none=True)),
    'dt': (lambda v: izhi_dyn.simulate('tonic_spiking', dt=v), bad_real(lower=0.0).filter(lambda v: v is not None)),
    'dtype': (lambda v: izhi_dyn.simulate('tonic_spiking', dtype=v),
              st.one_of(st.sampled_from(['float16', 'int32', 'banana', 'complex64', 3, np.int64]),
                        st.text(max_size=3).filter(lambda s: not _is_dtype(s)))),
}

TONIC = izhi_dyn.PRESETS['tonic_spiking']
RECORDS = {
    'start': (lambda v: Step(v, 10.0, 1.0), st.one_of(NOT_A_NUMBER, st.just(math.nan), st.floats(10.0, 1e3))),
    'stop': (lambda v: Step(0.0, v, 1.0), st.one_of(NOT_A_NUMBER, st.just(math.nan), st.floats(-1e3, 0.0))),
    'level': (lambda v: Step(0.0, 1.0, v), bad_real()),
    'closed': (lambda v: Step(0.0, 1.0, 1.0, closed=v), bad_name(('open', 'left'))),
    'over': (lambda v: Ramp(0.0, 1.0, 1.0, over=v), st.one_of(bad_real(), st.just(0.0))),
    'segments': (lambda v: izhi_dyn.Protocol(v), st.one_of(st.lists(st.integers(), max_size=2), st.integers(),
                                                           st.just((1.0,)), st.just([Step(0.0, 1.0, 1.0)]))),
    'baseline': (lambda v: izhi_dyn.Protocol((), v), bad_real()),
    'a': (lambda v: TONIC.replace(a=v), bad_real()),
    'duration': (lambda v: TONIC.replace(duration=v), bad_real(lower=0.0, strict=True)),
    'dt': (lambda v: TONIC.replace(dt=v), bad_real(lower=0.0, strict=True)),
    'method': (lambda v: TONIC.replace(method=v), bad_name(izhi_dyn.INTEGRATORS)),
    'recovery': (lambda v: TONIC.replace(recovery=v), bad_name(('standard', 'accommodation'))),
    'protocol': (lambda v: TONIC.replace(protocol=v), NOT_A_RESULT),
}


# -- analysis -----------------------------------------------------------------------------
TIMES = np.array([1.0, 5.0, 9.0, 30.0])
TS = np.arange(4) * 0.5
SPIKES = np.array([False, True, False, True])
RASTER = np.zeros((4, 2), bool)

# key "function.argument": the message must name the argument
ANALYSIS = {
    'spike_times.spikes': (lambda v: ana.spike_times(v, TS), bad_array(length=4)),
    'spike_times.ts': (lambda v: ana.spike_times(SPIKES, v), bad_array(length=4)),
    'spike_times_from_voltage.V': (lambda v: ana.spike_times_from_voltage(v, TS), bad_array(length=4)),
    'spike_times_from_voltage.ts': (lambda v: ana.spike_times_from_voltage(TIMES, v), bad_array(length=4)),
    'spike_times_from_voltage.threshold': (lambda v: ana.spike_times_from_voltage(TIMES, TS, v), bad_real()),
    'isi.times': (lambda v: ana.isi(v), st.one_of(bad_array(), st.just([3.0, 1.0]))),
    'detect_bursts.times': (lambda v: ana.detect_bursts(v), bad_array()),
    'detect_bursts.max_isi': (lambda v: ana.detect_bursts(TIMES, max_isi=v), bad_real(lower=0.0, strict=True)),
    'detect_bursts.min_spikes': (lambda v: ana.detect_bursts(TIMES, min_spikes=v), bad_int(1)),
    'firing_rate.times': (lambda v: ana.firing_rate(v, 0.0, 10.0), bad_array()),
    'firing_rate.start': (lambda v: ana.firing_rate(TIMES, v, 10.0), bad_real()),
    'firing_rate.stop': (lambda v: ana.firing_rate(TIMES, 0.0, v), bad_real().filter(lambda v: v is not None)),
    'classify_pattern.times': (lambda v: ana.classify_pattern(v), st.one_of(bad_array(), st.just([3.0, 1.0]))),
    'classify_pattern.t_on': (lambda v: ana.classify_pattern(TIMES, v), bad_real()),
    'classify_pattern.t_off': (lambda v: ana.classify_pattern(TIMES, 0.0, v),
                               st.one_of(NONFINITE, st.floats(-1e3, 0.0))),
    'classify_pattern.max_isi': (lambda v: ana.classify_pattern(TIMES, max_isi=v), bad_real(lower=0.0, strict=True)),
    'classify_pattern.adaptation': (lambda v: ana.classify_pattern(TIMES, adaptation=v),
                                    bad_real(lower=0.0, strict=True)),
    'population_counts.times': (lambda v: ana.population_counts(v, 10.0), bad_array()),
    'population_counts.duration': (lambda v: ana.population_counts(TIMES, v), bad_real(lower=0.0, strict=True)),
    'population_counts.bin_ms': (lambda v: ana.population_counts(TIMES, 10.0, v), bad_real(lower=0.0, strict=True)),
    'population_counts.t0': (lambda v: ana.population_counts(TIMES, 10.0, 1.0, v), bad_real()),
    'population_rate.n_neurons': (lambda v: ana.population_rate(TIMES, v, 10.0), bad_int(1)),
    'mean_rate.indices': (lambda v: ana.mean_rate(v, 4, 10.0), bad_array()),
    'mean_rate.n_neurons': (lambda v: ana.mean_rate([0, 1], v, 10.0), bad_int(1)),
    'mean_rate.duration': (lambda v: ana.mean_rate([0, 1], 4, v), bad_real(lower=0.0, strict=True)),
    'mean_rate.first': (lambda v: ana.mean_rate([0, 1], 4, 10.0, v), bad_int(0)),
    'population_spectrum.counts': (lambda v: ana.population_spectrum(v), st.one_of(bad_array(), st.just([]))),
    'population_spectrum.bin_ms': (lambda v: ana.population_spectrum(TIMES, v), bad_real(lower=0.0, strict=True)),
    'dominant_frequency.fmin': (lambda v: ana.dominant_frequency(TIMES, fmin=v), bad_real()),
    'dominant_frequency.fmax': (lambda v: ana.dominant_frequency(TIMES, fmax=v),
                                bad_real().filter(lambda v: v is not None)),
    'network_stats.times': (lambda v: ana.network_stats(v, [0, 1, 2, 3], 3, 1, 10.0), bad_array(length=4)),
    'network_stats.indices': (lambda v: ana.network_stats(TIMES, v, 3, 1, 10.0), bad_array(length=4)),
    'network_stats.n_exc': (lambda v: ana.network_stats(TIMES, [0, 1, 2, 3], v, 1, 10.0), bad_int(1)),
    'network_stats.n_inh': (lambda v: ana.network_stats(TIMES, [0, 1, 2, 3], 3, v, 10.0), bad_int(1)),
    'network_stats.duration': (lambda v: ana.network_stats(TIMES, [0, 1, 2, 3], 3, 1, v),
                               bad_real(lower=0.0, strict=True)),
    'steady_rates.ts': (lambda v: ana.steady_rates(v, RASTER, 0.0), bad_array(length=4)),
    'steady_rates.spikes': (lambda v: ana.steady_rates(TS, v, 0.0), bad_array(ndim=2, length=4)),
    'steady_rates.transient': (lambda v: ana.steady_rates(TS, RASTER, v), bad_real()),
    'bifurcation_currents.p1': (lambda v: ana.bifurcation_currents(p1=v), bad_real(lower=0.0, strict=True)),
    'jacobian.V': (lambda v: ana.jacobian(v), bad_real()),
    'jacobian.recovery': (lambda v: ana.jacobian(-70.0, recovery=v), bad_name(('standard', 'accommodation'))),
    'fixed_points.I': (lambda v: ana.fixed_points(v), bad_real()),
    'fixed_points.p1': (lambda v: ana.fixed_points(0.0, p1=v), bad_real(lower=0.0, strict=True)),
    'fixed_points.recovery': (lambda v: ana.fixed_points(0.0, recovery=v), bad_name(('standard', 'accommodation'))),
    'nullclines.V': (lambda v: ana.nullclines(v), bad_array().filter(
        lambda v: not (isinstance(v, np.ndarray) and v.dtype == float and np.isfinite(v).all()))),
    'nullclines.recovery': (lambda v: ana.nullclines(TIMES, recovery=v), bad_name(('standard', 'accommodation'))),
    'phase_plane.I': (lambda v: ana.phase_plane(v), bad_real()),
    'phase_plane.V_range': (lambda v: ana.phase_plane(V_range=v),
                            st.one_of(bad_array(length=2), st.just((10.0, -10.0)), st.just((1.0, 1.0)))),
    'phase_plane.u_range': (lambda v: ana.phase_plane(u_range=v), st.one_of(bad_array(length=2).filter(
        lambda v: v is not None),
                                                                          st.just((10.0, -10.0)))),
    'phase_plane.resolution': (lambda v: ana.phase_plane(resolution=v), bad_int(2)),
    'phase_plane.b': (lambda v: ana.phase_plane(b=v), bad_real()),
    'phase_plane.recovery': (lambda v: ana.phase_plane(recovery=v), bad_name(('standard', 'accommodation'))),
    'trajectory.I': (lambda v: ana.trajectory(v, duration=1.0),
                     st.one_of(bad_real().filter(lambda v: not isinstance(v, list)), bad_array(length=10))),
    'trajectory.duration': (lambda v: ana.trajectory(duration=v), bad_real(lower=0.0, strict=True)),
    'trajectory.dt': (lambda v: ana.trajectory(duration=1.0, dt=v), bad_real(lower=0.0, strict=True)),
    'trajectory.V0': (lambda v: ana.trajectory(duration=1.0, V0=v), bad_real()),
    'trajectory.u0': (lambda v: ana.trajectory(duration=1.0, u0=v), bad_real().filter(lambda v: v is not None)),
    'fi_curve.currents': (lambda v: ana.fi_curve(v, duration=1.0), st.one_of(bad_array(), st.just([]))),
    'fi_curve.duration': (lambda v: ana.fi_curve([0.0], duration=v), bad_real(lower=0.0, strict=True)),
    'fi_curve.transient': (lambda v: ana.fi_curve([0.0], duration=1.0, transient=v), bad_real(lower=0.0)),
    'fi_curve.dt': (lambda v: ana.fi_curve([0.0], duration=1.0, dt=v), bad_real(lower=0.0, strict=True)),
    'fi_curve.V0': (lambda v: ana.fi_curve([0.0], duration=1.0, V0=v), bad_real()),
    'rheobase.low': (lambda v: ana.rheobase(low=v, duration=1.0), st.one_of(bad_real(), st.floats(40.0, 1e3))),
    'rheobase.high': (lambda v: ana.rheobase(high=v, duration=1.0), st.one_of(bad_real(), st.floats(-1e3, 0.0))),
    'rheobase.tol': (lambda v: ana.rheobase(tol=v, duration=1.0), bad_real(lower=0.0, strict=True)),
    'rheobase.points': (lambda v: ana.rheobase(points=v, duration=1.0), bad_int(3)),
    'rheobase.duration': (lambda v: ana.rheobase(duration=v), bad_real(lower=0.0, strict=True)),
    'parameter_sweep.x_name': (lambda v: ana.parameter_sweep(v, [1.0], 'd', [2.0], duration=1.0, onset=0.0),
                               bad_name(('a', 'b', 'c', 'V_th', 'p1', 'p2', 'p3'))),
    'parameter_sweep.xs': (lambda v: ana.parameter_sweep('c', v, 'd', [2.0], duration=1.0, onset=0.0),
                           st.one_of(bad_array(), st.just([]))),
    'parameter_sweep.ys': (lambda v: ana.parameter_sweep('c', [-65.0], 'd', v, duration=1.0, onset=0.0),
                           st.one_of(bad_array(), st.just([]))),
    'parameter_sweep.I': (lambda v: ana.parameter_sweep('c', [-65.0], 'd', [2.0], I=v, duration=1.0, onset=0.0),
                          bad_real()),
    'parameter_sweep.duration': (lambda v: ana.parameter_sweep('c', [-65.0], 'd', [2.0], duration=v, onset=0.0),
                                 st.one_of(bad_real(lower=0.0, strict=True), st.just(0.04))),  # < one dt step
    'parameter_sweep.onset': (lambda v: ana.parameter_sweep('c', [-65.0], 'd', [2.0], duration=1.0, onset=v),
                              st.one_of(bad_real(lower=0.0), st.floats(1.0, 1e3))),
    'parameter_sweep.dt': (lambda v: ana.parameter_sweep('c', [-65.0], 'd', [2.0], duration=1.0, onset=0.0, dt=v),
                           bad_real(lower=0.0, strict=True)),
    'parameter_sweep.burst_isi': (lambda v: ana.parameter_sweep('c', [-65.0], 'd', [2.0], duration=1.0, onset=0.0,
                                                                burst_isi=v), bad_real(lower=0.0, strict=True)),
}
REF_W = np.array([[0.0, 0.0], [0.0, 0.0], [10.0, 10.0], [10.0, 10.0]])  # 2 neurons, 2 inputs
REF_T = np.array([[1.0], [2.0]])


def _reference(**kw):
    return ana.reference_spike_times(**{'weights': REF_W, 'input_times': REF_T, 'duration': 5.0, **kw})


ANALYSIS.update({
    'reference_spike_times.weights': (lambda v: _reference(weights=v), bad_array(ndim=2)),
    'reference_spike_times.input_times': (lambda v: _reference(input_times=v), st.one_of(
        st.text(max_size=3), st.none(), st.sampled_from([REF_T * 1j, np.array([[np.nan], [1.0]]), np.zeros(3)]))),
    'reference_spike_times.duration': (lambda v: _reference(duration=v), bad_real(lower=0.0, strict=True)),
    'reference_spike_times.stop_after_first': (lambda v: _reference(stop_after_first=v),
                                               st.sampled_from([[2], [-1], [0.5], [[0]], 'x'])),
})
for _arg in ('bias', 'a', 'b', 'c', 'd', 'v_th', 'V0', 'u0'):
    ANALYSIS[f'reference_spike_times.{_arg}'] = (lambda v, _arg=_arg: _reference(**{_arg: v}), PARAM)
for _arg in ('tau_syn', 'rtol', 'atol'):
    ANALYSIS[f'reference_spike_times.{_arg}'] = (lambda v, _arg=_arg: _reference(**{_arg: v}),
                                                 st.one_of(PARAM, NEGATIVE, st.just(0.0)))


# -- plotting (argument checks only: plots consume results) ----------------------------------
PLANE = ana.phase_plane(resolution=3)
SWEEP = ana.Sweep('c', np.zeros(2), 'd', np.zeros(2), *(np.zeros((2, 2)),) * 4)
SIM = izhi_dyn.Simulation(izhi_dyn.PRESETS['tonic_spiking'], TS, TS, TS, TS, TS[:1], 'euler', 0.5, 'float64')
CURVE = ana.FICurve(np.arange(3.0), np.array([0.0, 5.0, 9.0]), np.array([0.0, 6.0, 11.0]))
PLOTTING = {
    'plot_fi_curve.rheobase': (lambda v: izp.plot_fi_curve(CURVE, rheobase=v),
                               bad_real().filter(lambda v: v is not None)),
    'plot_gallery.sims': (lambda v: izp.plot_gallery(v), st.one_of(NOT_A_RESULT, st.just({}))),
    'plot_gallery.ncols': (lambda v: izp.plot_gallery({'x': SIM}, ncols=v), bad_int(1)),
    'plot_sweep.quantity': (lambda v: izp.plot_sweep(SWEEP, v), bad_name(('rate', 'n_spikes', 'adaptation',
                                                                          'burst_fraction'))),
    'plot_raster.times': (lambda v: izp.plot_raster(v, [0, 1, 2, 3]), bad_array(length=4)),
    'plot_raster.indices': (lambda v: izp.plot_raster(TIMES, v), bad_array(length=4)),
    'plot_raster.n_exc': (lambda v: izp.plot_raster(TIMES, [0, 1, 2, 3], n_exc=v),
                          bad_int(0).filter(lambda v: v is not None)),
    'plot_raster.duration': (lambda v: izp.plot_raster(TIMES, [0, 1, 2, 3], duration=v),
                             bad_real(lower=0.0, strict=True).filter(lambda v: v is not None)),
    'plot_raster.n_neurons': (lambda v: izp.plot_raster(TIMES, [0, 1, 2, 3], n_neurons=v),
                              bad_int(1).filter(lambda v: v is not None)),
    'plot_raster.bin_ms': (lambda v: izp.plot_raster(TIMES, [0, 1, 2, 3], bin_ms=v), bad_real(lower=0.0, strict=True)),
    'plot_raster.max_points': (lambda v: izp.plot_raster(TIMES, [0, 1, 2, 3], max_points=v), bad_int(1)),
}


# -- networks, layers, training, checkpoints -------------------------------------------------
def _net(**kw):
    return izhi_dyn.CorticalNetwork2003(20, **kw)


_SMALL_NET = []


def small_net():
    """One 20-neuron network shared by the runner cases (built on first use)."""
    if not _SMALL_NET:
        _SMALL_NET.append(_net(seed=0))
    return _SMALL_NET[0]


NOT_A_NETWORK = st.one_of(st.integers(), st.text(max_size=3), st.none(), st.just(object()))
NETWORKS = {
    'n': (lambda v: izhi_dyn.CorticalNetwork2003(v), bad_int(3)),
    'exc_fraction': (lambda v: _net(exc_fraction=v), bad_real(lower=0.0, upper=1.0, strict=True)),
    'connectivity': (lambda v: _net(connectivity=v), bad_name(('dense', 'sparse'))),
    'k': (lambda v: _net(connectivity='sparse', k=v), bad_int(1).filter(lambda v: v is not None)),
    'p': (lambda v: _net(connectivity='sparse', p=v),
          st.one_of(bad_real(lower=0.0, strict=True), st.floats(1.0, 1e3, exclude_min=True)).filter(
              lambda v: v is not None)),
    'weight_scale': (lambda v: _net(weight_scale=v),
                     bad_real(lower=0.0, strict=True).filter(lambda v: v != 'auto')),
    'method': (lambda v: _net(method=v), bad_name(izhi_dyn.INTEGRATORS)),
    'noise_exc': (lambda v: _net(noise_exc=v), bad_real(lower=0.0)),
    'noise_inh': (lambda v: _net(noise_inh=v), bad_real(lower=0.0)),
    'seed': (lambda v: _net(seed=v), bad_int(0)),
    'devices': (lambda v: _net(devices=v), st.one_of(bad_int(1), st.integers(2**20, 2**30)).filter(
        lambda v: v is not None)),
    'delay': (lambda v: _net(delay=v), bad_real(lower=0.0).filter(lambda v: v is not None)),
    'net': (lambda v: NetworkRunner(v), NOT_A_NETWORK),
    'dt': (lambda v: NetworkRunner(small_net(), dt=v), bad_real(lower=0.0, strict=True)),
    'chunk': (lambda v: NetworkRunner(small_net(), chunk=v), bad_int(1)),
    'record': (lambda v: NetworkRunner(small_net(), record=v), BAD_BOOL),
    'duration': (lambda v: izhi_dyn.run_network(small_net(), v), bad_real(lower=0.0)),
}
RNG = np.random.default_rng(0)
_NEURON3 = izhi_dyn.Izhikevich(3)
NETWORK_HELPERS = {
    'rng': (lambda v: networks.fixed_in_degree_csr(v, 10, 10, 2), NOT_A_NETWORK),
    'n_pre': (lambda v: networks.fixed_in_degree_csr(RNG, v, 10, 2), bad_int(1)),
    'n_post': (lambda v: networks.probability_csr(RNG, 10, v, 0.5), bad_int(1)),
    'k': (lambda v: networks.fixed_in_degree_csr(RNG, 10, 10, v), bad_int(1)),
    'p': (lambda v: networks.probability_csr(RNG, 10, 10, v),
          st.one_of(bad_real(lower=0.0, upper=1.0), st.none())),
    'splits': (lambda v: networks.fixed_in_degree_csr(RNG, 10, 10, 2, v),
               st.one_of(st.just([0, 5]), st.just([1, 10]), st.just([0, 7, 3, 10]), st.just([0, 2.5, 10]),
                         bad_array().filter(lambda v: v is not None))),
    'packed': (lambda v: networks.unpack_events(v, 10),
               st.one_of(st.just(np.zeros((3, 2), np.int64)), st.just(np.zeros((3, 3), np.uint8)),
                         st.just(np.zeros(2, np.uint8)), st.lists(st.integers(0, 255), max_size=3))),
    'n': (lambda v: networks.unpack_events(np.zeros((3, 2), np.uint8), v), bad_int(0)),
    'post': (lambda v: networks.ThalamicNoise(v, 1.0), st.one_of(NOT_A_NETWORK, st.just([]))),
    'sigma': (lambda v: networks.ThalamicNoise(_NEURON3, v), bad_real(lower=0.0)),
    'seed': (lambda v: networks.ThalamicNoise(_NEURON3, 1.0, seed=v), bad_int(0)),
}

_CSR = dict(indptr=[0, 2, 3], indices=[0, 1, 2], weight=[0.5, 0.5, -1.0], shape=(2, 3))  # a valid 2 x 3 CSR
_W3 = np.ones((3, 3))
_OTHER_AXIS = st.builds(lambda: jax.sharding.NamedSharding(jax.sharding.Mesh(np.array(jax.devices()[:1]), ('x',)),
                                                          jax.sharding.PartitionSpec('x')))
COMMS = {
    'EventDense.weight': (lambda v: networks.EventDense(v), bad_array(ndim=2)),
    'backend': (lambda v: networks.EventDense(_W3, backend=v), bad_name(('event', 'matmul'))),
    'EventDense.sharding': (lambda v: networks.EventDense(_W3, sharding=v),
                            st.one_of(st.integers(), st.text(max_size=3), _OTHER_AXIS)),
    'EventCSR.sharding': (lambda v: networks.EventCSR(**_CSR, sharding=v),
                          st.one_of(st.integers(), st.text(max_size=3), _OTHER_AXIS)),
    'EventCSR.weight': (lambda v: networks.EventCSR(**{**_CSR, 'weight': v}), bad_array(length=3)),
    'indptr': (lambda v: networks.EventCSR(**{**_CSR, 'indptr': v}),
               st.sampled_from([[0, 2], [1, 2, 3], [0, 3, 2], [0, 1, 2], np.array([0.0, 2.0, 3.0]), None, 'x'])),
    'indices': (lambda v: networks.EventCSR(**{**_CSR, 'indices': v}),
                st.sampled_from([[0, 1, 3], [-1, 0, 1], [0.0, 1.0, 2.0], np.zeros((3, 1), int), [True] * 3,
                                 None])),
    'shape': (lambda v: networks.EventCSR(**{**_CSR, 'shape': v}),
              st.sampled_from([(2,), (2, 0), (2.0, 3), (True, 3), (2, 3, 1), None, 'ab'])),
    'pre': (lambda v: networks.CurrentProj(v, networks.EventDense(_W3), _NEURON3),
            st.one_of(NOT_A_NETWORK, st.just([]))),
    'post': (lambda v: networks.CurrentProj(_NEURON3, networks.EventDense(_W3), v),
             st.one_of(NOT_A_NETWORK, st.just([]))),
    'comm': (lambda v: networks.CurrentProj(_NEURON3, v, _NEURON3),
             st.one_of(NOT_A_NETWORK, st.builds(lambda n: networks.EventDense(np.ones((n, 3))),
                                                st.integers(1, 5).filter(lambda n: n != 3)))),
    'delay': (lambda v: networks.CurrentProj(_NEURON3, networks.EventDense(_W3), _NEURON3, delay=v),
              bad_real(lower=0.0).filter(lambda v: v is not None)),
}
_SYN = networks.RandomSynapses(1, 4, 6, k=2)  # 4 x 6, fixed in-degree 2
_SPAN = st.sampled_from([(-1, 2), (3, 2), (0.0, 2), (1,), (0, 1, 2), 'ab', 3, (0, 7)])  # (0, 7): past the end
COMMS.update({
    'view.rows': (lambda v: _SYN.view(rows=v), _SPAN),
    'view.targets': (lambda v: _SYN.view(targets=v), _SPAN),
    'EventDense.from_synapses.synapses': (lambda v: networks.EventDense.from_synapses(v),
                                          st.one_of(NOT_A_NETWORK, st.just(_W3))),
    'EventCSR.from_synapses.synapses': (lambda v: networks.EventCSR.from_synapses(v),
                                        st.one_of(NOT_A_NETWORK, st.just(_CSR))),
    'EventCSR.from_synapses.sharding': (lambda v: networks.EventCSR.from_synapses(_SYN, sharding=v),
                                        st.one_of(st.integers(), st.text(max_size=3), _OTHER_AXIS)),
})

LAYER_SHAPE = (5, 3)  # (N + K, N) for N = 3, K = 2
LAYERS = {
    'n_neurons': (lambda v: izhi_dyn.IzhikevichLayer(v, 2), bad_int(1)),
    'in_size': (lambda v: izhi_dyn.IzhikevichLayer(3, v), bad_int(0)),
    'tau_syn': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, tau_syn=v), st.one_of(PARAM, st.floats(-1e3, 0.0))),
    'wmask': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, wmask=v),
              st.one_of(bad_array(ndim=2).filter(lambda v: v is not None), st.just(np.full(LAYER_SHAPE, 0.5)),
                        st.just(np.ones((3, 5))))),
    'init_weights': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, init_weights=v),
                     st.one_of(bad_array(ndim=2).filter(lambda v: v is not None),
                               st.just(np.full(LAYER_SHAPE, np.nan)), st.just(np.ones((3, 5))))),
    'init_bias': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, init_bias=v),
                  st.one_of(bad_array(length=3).filter(lambda v: v is not None and np.shape(v) != (1,)),
                            st.just(np.ones(4)))),
    'wmean': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, wmean=v), bad_real()),
    'bmean': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, bmean=v), bad_real()),
    'wlim': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, wlim=v), bad_real(lower=0.0).filter(lambda v: v is not None)),
    'blim': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, blim=v), bad_real(lower=0.0).filter(lambda v: v is not None)),
    'fan_in_mode': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, fan_in_mode=v), bad_name(('sqrt', 'linear'), True)),
    'train_params': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, train_params=v),
                     st.one_of(st.sampled_from(['ab', 'a', 'cd']), st.integers(), st.lists(st.text(max_size=2).filter(
                         lambda s: s not in ('a', 'b', 'c', 'd', 'V_th')), min_size=1, max_size=2))),
    'shared_params': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, shared_params=v), BAD_BOOL),
    'train_bias': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, train_bias=v), BAD_BOOL),
    'seed': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, seed=v), bad_int(0).filter(lambda v: v is not None)),
    'c': (lambda v: izhi_dyn.IzhikevichLayer(3, 2, c=v), st.one_of(PARAM, st.floats(30.0, 1e3))),
}

def _adam():
    return bp.optim.Adam(lr=0.1, train_vars={'w': bm.TrainVar(np.zeros(2))})


TRAINING = {
    'value': (lambda v: izhi_dyn.trainable(v, 3), st.one_of(PARAM, st.none())),
    'size': (lambda v: izhi_dyn.trainable(0.5, v), st.one_of(bad_int(1).filter(lambda v: v is not None),
                                                             st.tuples(st.integers(1, 3), bad_int(1)))),
    'shared': (lambda v: izhi_dyn.trainable(0.5, 3, shared=v), BAD_BOOL),
    'neuron': (lambda v: izhi_dyn.make_trainable(v), NOT_A_NETWORK),
    'names': (lambda v: izhi_dyn.make_trainable(izhi_dyn.Izhikevich(3), v),
              st.one_of(st.sampled_from(['ab', 'a', 'V_th']), st.integers(), st.none(),
                        st.lists(st.text(max_size=2).filter(lambda s: s not in ('a', 'b', 'c', 'd', 'V_th')),
                                 min_size=1, max_size=2))),
    'bounds': (lambda v: izhi_dyn.clip_parameters(v),
               st.one_of(NOT_A_NETWORK, st.lists(st.floats(), max_size=2),
                         st.just({0.5: (0.0, 1.0)}),
                         st.sampled_from([(math.nan, 1.0), (2.0, 1.0), ('x', None), (None,), 3.0]).map(
                             lambda b: {bm.Variable(np.zeros(2)): b}))),
    'model': (lambda v: izhi_dyn.run_sequence(v, np.zeros((3, 3)), dt=0.1), NOT_A_NETWORK),
    'inputs': (lambda v: izhi_dyn.run_sequence(_NEURON3, v, dt=0.1),
               st.one_of(st.text(max_size=2), st.none(), st.just(3.0), st.just(np.zeros((2, 2), complex)))),
    'dt': (lambda v: izhi_dyn.run_sequence(_NEURON3, np.zeros((3, 3)), dt=v), bad_real(lower=0.0, strict=True)),
    't0': (lambda v: izhi_dyn.run_sequence(_NEURON3, np.zeros((3, 3)), dt=0.1, t0=v), bad_real()),
    'loss_fun': (lambda v: make_train_step(v, _adam()), st.one_of(st.none(), st.floats(), st.text(max_size=2))),
    'optimizer': (lambda v: make_train_step(lambda: (0.0, 0.0), v), NOT_A_NETWORK),
    'clip_norm': (lambda v: make_train_step(lambda: (0.0, 0.0), _adam(), clip_norm=v),
                  bad_real(lower=0.0, strict=True).filter(lambda v: v is not None)),
}

_TMP = tempfile.mkdtemp(prefix='izhi_props_')
CHECKPOINTS = {
    'path': (lambda v: izhi_dyn.save_checkpoint(v, _NEURON3, 0.0),
             st.one_of(st.integers(), st.none(), st.floats(), st.just(_TMP))),
    'model': (lambda v: izhi_dyn.save_checkpoint(os.path.join(_TMP, 'c.npz'), v, 0.0), NOT_A_NETWORK),
    't': (lambda v: izhi_dyn.save_checkpoint(os.path.join(_TMP, 'c.npz'), _NEURON3, v), bad_real()),
    'extra': (lambda v: izhi_dyn.save_checkpoint(os.path.join(_TMP, 'c.npz'), _NEURON3, 0.0, extra=v),
              st.one_of(st.integers(), st.text(max_size=2), st.lists(st.integers(), min_size=1, max_size=2),
                        st.just({1: np.zeros(2)}), st.just({'x': object()}))),
}
LOADS = {
    'path': (lambda v: izhi_dyn.load_checkpoint(v, _NEURON3),
             st.one_of(st.integers(), st.none(), st.floats(), st.just(_TMP))),
    'model': (lambda v: izhi_dyn.load_checkpoint(_saved(), v), NOT_A_NETWORK),
}
_RUNNER = []


def _runner():
    """A network runner at step 0 (built on first use)."""
    if not _RUNNER:
        _RUNNER.append(NetworkRunner(izhi_dyn.CorticalNetwork2003(10, seed=0), chunk=5))
    return _RUNNER[0]


RUNNER_CHECKPOINTS = {
    'path': (lambda v: read_checkpoint_extra(v), st.one_of(st.integers(), st.none(), st.floats(), st.just(_TMP))),
    'events': (lambda v: _runner().save(os.path.join(_TMP, 'r.npz'), v),
               NOT_A_NETWORK.filter(lambda v: v is not None)),
    'metadata': (lambda v: _runner().save(os.path.join(_TMP, 'r.npz'), metadata=v),
                 st.one_of(st.integers(), st.text(max_size=2), st.just({'x': object()}), st.just({'x': math.nan}))),
    'results': (lambda v: networks.concatenate_results(v),
                st.one_of(st.just([]), st.integers(), st.none(), st.lists(st.integers(), min_size=1, max_size=2))),
}


def test_load_of_a_missing_file_names_the_path():
    with pytest.raises(FileNotFoundError, match='path=.*missing'):
        izhi_dyn.load_checkpoint(os.path.join(_TMP, 'missing.npz'), _NEURON3)


def _saved():
    path = os.path.join(_TMP, 'saved.npz')
    if not os.path.exists(path):
        izhi_dyn.save_checkpoint(path, _NEURON3, 0.0)
    return path


@pytest.mark.parametrize('table', ['NEURON', 'UPDATE', 'RECORDS', 'LOOKUP', 'SIMULATE', 'ANALYSIS', 'PLOTTING',
                                   'NETWORKS', 'NETWORK_HELPERS', 'COMMS', 'LAYERS', 'TRAINING', 'CHECKPOINTS',
                                   'LOADS', 'RUNNER_CHECKPOINTS'])
def test_public_entries_reject_bad_arguments(table):
    table = globals()[table]

    @_cases(len(table))
    @given(st.data())
    def run(data):
        check_table(table, data)

    run()


# -- command line ----------------------------------------------------------------------------
BAD_COUNT = st.sampled_from(['0', '-1', '-7', 'x', '2.5', 'nan', '', '1e3'])
BAD_TIME = st.sampled_from(['0', '-1', '-0.5', 'nan', 'inf', '-inf', 'x', ''])
CLI = {
    ('network', '--n'): BAD_COUNT.filter(lambda s: s != '1e3'),
    ('network', '--duration'): st.sampled_from(['-1', 'nan', 'inf', 'x', '0.5']),
    ('network', '--dt'): BAD_TIME,
    ('network', '--k'): BAD_COUNT.filter(lambda s: s != '1e3'),
    ('network', '--seed'): st.sampled_from(['-1', 'x', '1.5', '']),
    ('network', '--devices'): BAD_COUNT.filter(lambda s: s != '1e3'),
    ('network', '--chunk'): BAD_COUNT.filter(lambda s: s != '1e3'),
    ('network', '--method'): st.sampled_from(['rk5', 'RK4', '', 'none']),
    ('network', '--connectivity'): st.sampled_from(['full', '', 'Dense']),
    ('features', '--dt'): BAD_TIME,
    ('features', '--method'): st.sampled_from(['rk5', '', 'Euler']),
    ('types', '--dt'): BAD_TIME,
    ('types', '--method'): st.sampled_from(['rk5', '', 'Euler']),
}
CLI_BASE = {'network': ['--n', '20', '--duration', '2', '--no-progress'], 'features': ['--out', _TMP],
            'types': ['--out', _TMP]}


@_cases(len(CLI))
@given(st.data())
def test_cli_rejects_bad_flags_with_a_message(data):
    command, flag = data.draw(st.sampled_from(sorted(CLI)), label='flag')
    value = data.draw(CLI[command, flag], label=flag)
    argv = [command, *CLI_BASE[command], flag, value]
    stderr = io.StringIO()
    with time_limit(), contextlib.redirect_stderr(stderr), pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    message = stderr.getvalue() + str(exit_info.value.code)
    assert exit_info.value.code not in (0, None), argv
    assert flag in message, f'{argv}: {message}'


# -- valid inputs succeed ----------------------------------------------------------------------
@pytest.mark.filterwarnings('error::RuntimeWarning')
@PROFILE
@given(times=st.lists(st.floats(0.0, 500.0), max_size=30).map(sorted), max_isi=st.floats(0.1, 50.0),
       n_neurons=st.integers(1, 50))
def test_analysis_accepts_any_valid_spike_train(times, max_isi, n_neurons):
    indices = np.arange(len(times)) % n_neurons
    assert np.all(ana.isi(times) >= 0)
    bursts = ana.detect_bursts(times, max_isi=max_isi)
    assert sum(b.size for b in bursts) <= len(times)
    assert ana.classify_pattern(times, 0.0, 500.0, max_isi=max_isi) in ana.PATTERNS
    assert 0.0 <= ana.firing_rate(times, 0.0, 500.0) <= 1000.0 * len(times) / 500.0
    counts = ana.population_counts(times, 501.0)
    assert counts.sum() == len(times)
    stats = ana.network_stats(times, indices, max(n_neurons - 1, 1), 1, 501.0)
    assert stats['n_spikes'] == len(times) and stats['rate_exc_hz'] >= 0


# Parameter ranges of the published cell types (Izhikevich 2003, Fig. 2 and network).
CORTICAL = dict(a=(0.02, 0.1), b=(0.2, 0.25), c=(-65.0, -50.0), d=(0.05, 8.0))


@settings(PROFILE, max_examples=max(2, PROFILE.max_examples // 2))
@given(method=st.sampled_from(sorted(izhi_dyn.INTEGRATORS)), dt=st.floats(0.01, 1.0),
       data=st.data())
def test_valid_parameters_stay_finite_for_dt_up_to_1_and_input_up_to_100(method, dt, data):
    n = 8
    params = {k: np.array(data.draw(st.lists(st.floats(lo, hi), min_size=n, max_size=n), label=k))
              for k, (lo, hi) in CORTICAL.items()}
    currents = np.array(data.draw(st.lists(st.floats(-100.0, 100.0), min_size=n, max_size=n), label='I'))
    neuron = izhi_dyn.Izhikevich(n, method=method, **params)
    runner = bp.DSRunner(neuron, monitors=['V', 'u'], dt=dt, progress_bar=False)
    runner.run(inputs=np.broadcast_to(currents, (200, n)).astype(bm.float_))
    assert np.isfinite(runner.mon['V']).all() and np.isfinite(runner.mon['u']).all()
