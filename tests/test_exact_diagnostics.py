"""What izhi_dyn.exact_spike_times reports with full_output=True about spikes it dropped or shifted (issue 13).

``counts`` (every spike, also those beyond ``max_spikes``), ``lumped`` (events
of a crowded step moved to its last cut), ``delayed`` (a second crossing
inside one step, fired at the start of the next) and ``overrun`` (steps in
which V may have passed its pole twice unseen), checked against event
counts known by construction and against the float64 solve_ivp reference
:func:`izhi_dyn.analysis.reference_spike_times`.
"""

import functools

import jax.numpy as jnp
import numpy as np

import izhi_dyn
from izhi_dyn.analysis import reference_spike_times
from izhi_dyn.core.exact import EXTRA_EVENTS

# One neuron with no synaptic input, driven by its bias alone; the dummy input never spikes.
SELF_DRIVEN = dict(weights=np.array([[0.0], [0.0]]), input_times=np.array([[np.inf]]), bias=50.0, duration=4.0)


@functools.cache
def _self_driven(dt, max_spikes):
    return _run(dt=dt, max_spikes=max_spikes, **SELF_DRIVEN)


def _run(*, weights, input_times, **kwargs):
    return izhi_dyn.exact_spike_times(jnp.asarray(weights), jnp.asarray(input_times), full_output=True, **kwargs)


def _finite(times):
    return np.sum(np.isfinite(np.asarray(times)), axis=-1)


def test_a_benign_run_reports_nothing_lost():
    weights, input_times = np.array([[0.0], [30.0]]), np.array([[1.234]])  # exact_spike_times' docstring example
    run = _run(weights=weights, input_times=input_times, duration=20.0, dt=0.1, max_spikes=8, bias=4.0)
    ref = reference_spike_times(weights, input_times, duration=20.0, bias=4.0)
    assert run.counts.dtype == jnp.int32 and run.lumped.dtype == jnp.int32 and run.delayed.dtype == jnp.int32
    assert run.lumped.shape == () and run.counts.shape == run.delayed.shape == (1,)
    np.testing.assert_array_equal(run.counts, _finite(run.times))
    assert int(run.counts[0]) == len(ref[0]) >= 2
    assert int(run.lumped) == 0
    np.testing.assert_array_equal(run.delayed, [0])
    np.testing.assert_array_equal(run.overrun, [0])


def test_counts_go_on_past_max_spikes():
    ref = reference_spike_times(**SELF_DRIVEN)[0]
    few = _self_driven(0.1, 2)
    many = _self_driven(0.1, len(ref) + 3)
    assert int(few.counts[0]) > 2
    np.testing.assert_array_equal(few.counts, many.counts)
    np.testing.assert_array_equal(many.counts, _finite(many.times))
    assert int(many.counts[0]) == len(ref)
    np.testing.assert_array_equal(few.times, many.times[:, :2])  # the kept times are the first ones


def test_lumped_counts_the_events_beyond_the_cuts():
    splits = 2
    kept = splits + EXTRA_EVENTS
    # Step 10 (dt 0.1) holds 9 spikes of input 0, step 55 holds 7 of input 1; inhibitory, they fire no neuron.
    weights = np.array([[0.0], [-1.0], [-1.0]])
    input_times = np.array([[1.03] * 9, [5.55] * 7 + [np.inf] * 2])
    run = _run(weights=weights, input_times=input_times, duration=10.0, dt=0.1, max_spikes=2, splits=splits)
    np.testing.assert_array_equal(run.counts, [0])
    assert int(run.lumped) == (9 - kept) + (7 - kept)
    # The layer's own spikes count as events too: 7 uncoupled neurons starting just below threshold
    # all fire early in step 0, which also holds one input spike.
    n = 7
    run = _run(weights=np.zeros((n + 1, n)), input_times=np.array([[0.05]]), duration=0.3, dt=0.1, max_spikes=2,
               splits=splits, V0=29.9)
    assert np.all(np.asarray(run.times[:, 0]) < 0.05)
    assert int(run.lumped) == n + 1 - kept
    np.testing.assert_array_equal(run.delayed, np.zeros(n))


def test_a_second_crossing_inside_one_step_is_reported_delayed():
    ref = reference_spike_times(**SELF_DRIVEN)[0]
    # At dt = 1 the true run fires twice within one step, at dt = 0.1 never.
    assert len(np.unique(np.floor(ref / 1.0))) < len(ref)
    assert np.min(np.diff(ref)) > 0.1
    coarse = _self_driven(1.0, len(ref) + 3)
    fine = _self_driven(0.1, len(ref) + 3)
    assert int(coarse.delayed[0]) > 0
    # Each delayed spike sits on the grid, at the start of a step.
    times = np.asarray(coarse.times[0])[np.isfinite(coarse.times[0])]
    on_grid = np.sum(times == np.round(times))
    assert int(coarse.delayed[0]) == on_grid
    np.testing.assert_array_equal(fine.delayed, [0])
    assert int(fine.counts[0]) == len(ref)


def test_no_spike_vanishes_without_a_count():
    """A neuron driven far beyond its step: at dt = 2 ms (5 ms) the flow passes its pole about four (ten)
    times a step. Every run that fires fewer spikes than the reference shows it in ``delayed`` or
    ``overrun``; runs at small dt report neither."""
    for bias, duration in ((200.0, 40.0), (1000.0, 20.0)):
        setting = dict(weights=np.array([[0.0], [0.0]]), input_times=np.array([[np.inf]]), bias=bias,
                       duration=duration)
        n_ref = len(reference_spike_times(**setting)[0])
        for dt in (0.01, 0.5, 1.0, 2.0, 5.0):
            run = _run(dt=dt, max_spikes=2 * n_ref, **setting)
            reported = int(run.delayed[0]) + int(run.overrun[0])
            if int(run.counts[0]) < n_ref:
                assert reported > 0, (bias, dt, int(run.counts[0]), n_ref)
            if dt == 0.01:
                assert int(run.counts[0]) == n_ref and reported == 0
        assert int(_run(dt=2.0, max_spikes=2 * n_ref, **setting).overrun[0]) > 0
