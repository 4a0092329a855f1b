"""The native exact step (``csrc/exact_step.cc``) against the pure-JAX step and finite differences.

Both compute the same discretisation, so their values agree to float64
rounding. Their gradients agree where the step has no tie. With in-step
coupling (``passes >= 2``) a neuron's crossing meets its own spike time of the
previous pass, a piece edge, and the two steps may resolve that tie on
different sides: there the native gradient is checked against central
differences of its own forward step instead (with 2 passes the pure-JAX
step's gradient misses them by 0.73 % on one of 200 random steps, the native
one by 5e-7).
"""

import functools

import jax
import jax.numpy as jnp
import numpy as np
import pytest

import izhi_dyn
import izhi_dyn.exact_native as native_module
from izhi_dyn.core.exact import EventRun, ExactParams, ExactState, event_step
from izhi_dyn.exact_native import native_event_run, native_event_step, native_exact_unsupported

pytestmark = pytest.mark.skipif(native_exact_unsupported() is not None,
                                reason=f'native exact step unavailable: {native_exact_unsupported()}')

N, S, H = 8, 12, 0.1


def random_step(seed, dtype=jnp.float64):
    """Inputs of one step: states near and past threshold, a random share of the inputs inside the step,
    recurrent and input weights strong enough for in-step spikes to trigger others."""
    rng = np.random.default_rng(seed)
    x = [rng.uniform(-70, 29.9, N), rng.uniform(-14, -10, N), rng.uniform(0, 20, N),
         np.where(rng.uniform(size=S) < rng.uniform(), rng.uniform(0, H, S), 2 * H),
         rng.normal(0, 30, (S, N)), rng.normal(0, 30, (N, N)), rng.uniform(0, 10, N)]
    return [jnp.asarray(a, dtype) for a in x]


def regular_spiking(bias):
    """:class:`ExactParams` of the default neuron (a, b, c, d, v_th, tau_syn) with the given bias ``(N,)``."""
    return ExactParams(*(jnp.full((N,), v, bias.dtype) for v in (0.02, 0.2, -51.0, 2.0, 30.0, 5.0)), bias)


def step_loss(step, passes, splits):
    """A scalar of every output of the step, as a function of its inputs."""
    def loss(x):
        V, u, I, onsets, in_w, rec_w, bias = x
        p = regular_spiking(bias)
        state, _, t = step(ExactState(V, u, I), H, onsets, in_w, rec_w, p, passes, splits)
        return jnp.sum(0.3 * state.V + 1.7 * state.u + 0.9 * state.I + 11.0 * t)
    return loss


@functools.lru_cache(maxsize=None)
def compiled_step(step, passes, splits):
    """The step's outputs ``(V, u, I, spiked, t)`` as a jitted function of :func:`random_step`'s inputs."""
    def run(x):
        V, u, I, onsets, in_w, rec_w, bias = x
        p = regular_spiking(bias)
        state, spiked, t = step(ExactState(V, u, I), H, onsets, in_w, rec_w, p, passes, splits)
        return (*state, spiked, t)
    return jax.jit(run)


def outputs(step, x, passes, splits):
    return [np.asarray(a) for a in compiled_step(step, passes, splits)(x)]


@pytest.mark.parametrize('passes,splits', [(1, 1), (1, 2), (3, 1), (3, 2), (3, 4)])
def test_values_match_the_pure_jax_step(x64, passes, splits):
    """The same values to float64 rounding. (With 2 passes, a neuron's second crossing lands on its own
    first-pass spike time, a piece edge, and a last-bit difference of V there decides which of the two
    pieces holds it; both give the same spike time, and states that differ by up to 1e-5 mV.)"""
    crossed = 0
    for seed in range(20):
        x = random_step(seed)
        native, pure = outputs(native_event_step, x, passes, splits), outputs(event_step, x, passes, splits)
        np.testing.assert_array_equal(native[3], pure[3])  # who spiked
        for a, b in zip(native[:3] + native[4:], pure[:3] + pure[4:]):
            np.testing.assert_allclose(a, b, rtol=1e-11, atol=1e-10)
        crossed += int(native[3].sum())
    assert crossed > 20  # the samples exercise the crossing and the in-step coupling


def test_gradients_match_the_pure_jax_step_without_in_step_coupling(x64):
    """With one pass no spike feeds back into its own step: no tie, the same derivative to rounding."""
    native = jax.jit(jax.grad(step_loss(native_event_step, 1, 2)))
    pure = jax.jit(jax.grad(step_loss(event_step, 1, 2)))
    for seed in range(20):
        x = random_step(seed)
        for a, b in zip(native(x), pure(x)):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * float(jnp.max(jnp.abs(b))))


def parameter_loss(step, onsets_of):
    """A scalar of every output of a one-pass step, as a function of the state and every parameter of
    :class:`ExactParams` (per neuron), with the step's onsets ``onsets_of(x)``."""
    def loss(state, params, x):
        p = ExactParams(*params)
        out, _, t = step(ExactState(*state), H, onsets_of(x), x[4], x[5], p, 1, 2)
        return jnp.sum(0.3 * out.V + 1.7 * out.u + 0.9 * out.I + 11.0 * t)
    return loss


@pytest.mark.parametrize('quiet', [False, True], ids=['events', 'quiet'])
def test_gradients_of_every_parameter_match_the_pure_jax_step(x64, quiet):
    """a, b, c, d, v_th, tau_syn, bias, p1, p2, p3 and the state, with one pass (no tie), against the
    pure-JAX step: on steps with events and crossings, and on quiet steps (no event inside the step),
    which the native backward call differentiates without its tape."""
    onsets_of = (lambda x: jnp.full_like(x[3], 2 * H)) if quiet else (lambda x: x[3])
    native = jax.jit(jax.grad(parameter_loss(native_event_step, onsets_of), argnums=(0, 1)))
    pure = jax.jit(jax.grad(parameter_loss(event_step, onsets_of), argnums=(0, 1)))
    rng = np.random.default_rng(11)
    for seed in range(10):
        x = random_step(seed)
        if quiet:
            x[0] = jnp.minimum(x[0], 0.0)  # no crossing, so that the step stays quiet
        params = [jnp.asarray(rng.uniform(lo, hi, N)) for lo, hi in
                  ((0.01, 0.1), (0.15, 0.25), (-65, -50), (0.05, 8), (25, 35), (2, 10), (0, 10), (0.03, 0.05),
                   (4.5, 5.5), (130, 150))]
        state = x[:3]
        for a, b in zip(jax.tree_util.tree_leaves(native(state, params, x)),
                        jax.tree_util.tree_leaves(pure(state, params, x))):
            np.testing.assert_allclose(a, b, rtol=1e-9, atol=1e-9 * float(jnp.max(jnp.abs(b))))


@pytest.mark.parametrize('width', [1, 11])
def test_quiet_steps_of_any_width_match_the_pure_jax_step(x64, width):
    """The native step runs quiet steps eight neurons at a time: a layer of 1 or 11 (one padded group)
    gets the pure-JAX step's values and VJP."""
    rng = np.random.default_rng(width)
    x = [rng.uniform(-70, 0, width), rng.uniform(-14, -10, width), rng.uniform(0, 20, width),
         np.full(S, 2 * H), rng.normal(0, 30, (S, width)), rng.normal(0, 30, (width, width)),
         rng.uniform(0, 10, width)]
    x = [jnp.asarray(a, jnp.float64 if x64 else jnp.float32) for a in x]

    def run(step):
        def outputs(V, u, I, bias):
            state, spiked, t = step(ExactState(V, u, I), H, x[3], x[4], x[5], ExactParams(
                *(jnp.full((width,), v, V.dtype) for v in (0.02, 0.2, -51.0, 2.0, 30.0, 5.0)), bias), 1, 1)
            return 0.3 * state.V + 1.7 * state.u + 0.9 * state.I + 11.0 * t, spiked
        out, spiked = jax.jit(outputs)(x[0], x[1], x[2], x[6])
        _, vjp = jax.vjp(jax.jit(lambda *a: outputs(*a)[0]), x[0], x[1], x[2], x[6])
        assert not bool(spiked.any())
        return [out] + list(vjp(jnp.linspace(0.5, 1.5, width, dtype=out.dtype)))

    tol = 1e-11 if x64 else 1e-5
    for a, b in zip(run(native_event_step), run(event_step)):
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * float(jnp.max(jnp.abs(b))))


def test_gradient_matches_central_differences_of_the_step(x64):
    """Directional derivatives of the default step (3 passes, 2 splits) against central differences of
    its own forward call, on random steps with in-step spikes, their coupling and lumped events."""
    loss = step_loss(native_event_step, 3, 2)
    value, grad = jax.jit(loss), jax.jit(jax.grad(loss))
    errors = []
    for seed in range(60):
        x = random_step(seed)
        rng = np.random.default_rng(1000 + seed)
        direction = [jnp.asarray(rng.normal(size=a.shape)) for a in x]
        direction[3] = direction[3] * 1e-3 * (x[3] < H)  # move only the inputs inside the step
        exact = sum(float(jnp.sum(g * d)) for g, d in zip(grad(x), direction))
        fd = [float(value([a + e * d for a, d in zip(x, direction)]) - value([a - e * d for a, d in zip(x, direction)]))
              / (2 * e) for e in (1e-5, 1e-6)]
        if abs(fd[0] - fd[1]) > 1e-4 * abs(fd[1]):
            continue  # a spike appears or vanishes within the difference: not differentiable there
        errors.append(abs(exact - fd[1]) / abs(fd[1]))
    assert len(errors) >= 50
    assert np.median(errors) < 1e-5 and max(errors) < 1e-2, (np.median(errors), max(errors))


def over_samples(loss, xs):
    """``loss`` vmapped over the samples ``xs`` with their weights (inputs 4 and 5) shared:
    ``batched(states, weights)``, the stacked states, and the rows of its Jacobian w.r.t. the weights."""
    def batched(states, w):
        return jax.vmap(lambda s: loss(list(s[:4]) + list(w) + [s[4]]))(states)

    states = [jnp.stack([x[k] for x in xs]) for k in (0, 1, 2, 3, 6)]
    return batched, states, jax.jacrev(batched, argnums=1)(states, xs[0][4:6])


def test_batched_and_per_sample_gradients_agree():
    """vmap over samples with shared weights, and jacrev (a batch of cotangents), give the per-sample VJPs."""
    xs = [random_step(seed, jnp.float32) for seed in (3, 4, 5)]
    loss = step_loss(native_event_step, 3, 2)
    shared_w = xs[0][4:6]
    batched, states, rows = over_samples(loss, xs)
    for b, x in enumerate(xs):
        own = jax.grad(lambda w: loss(list(x[:4]) + list(w) + [x[6]]))(shared_w)
        for row, g in zip(rows, own):
            np.testing.assert_allclose(row[b], g, rtol=1e-5, atol=1e-5)
    g_sum = jax.grad(lambda w: jnp.sum(batched(states, w)))(shared_w)
    for row, g in zip(rows, g_sum):
        np.testing.assert_allclose(row.sum(0), g, rtol=1e-5, atol=1e-4)
        assert g.dtype == jnp.float32


def random_run(seed, steps, inputs, dtype):
    """A run's inputs: a regular-spiking layer of N with a spread of biases, ``inputs`` input rows
    (each in 8 random steps) and recurrent weights, and its initial state."""
    rng = np.random.default_rng(seed)
    onsets = np.full((steps, inputs), 2 * H)
    for e in range(inputs):
        onsets[rng.choice(steps, 8, replace=False), e] = rng.uniform(0, H, 8)
    x = [rng.uniform(-65, -55, N), rng.uniform(-14, -11, N), rng.uniform(0, 5, N), onsets,
         rng.uniform(5, 25, (inputs, N)), rng.uniform(-8, 4, (N, N)), rng.uniform(0, 8, N)]
    return [jnp.asarray(a, dtype) for a in x]


def scan_of_steps(state, h, onsets, in_w, rec_w, p):
    """:func:`native_event_step` over the rows of ``onsets``, by :func:`jax.lax.scan`."""
    def step(state, row):
        state, spiked, t_spike = native_event_step(state, h, row, in_w, rec_w, p)
        return state, EventRun(*state, spiked, t_spike)
    return jax.lax.scan(step, state, onsets)[1]


def run_loss(run):
    """A scalar of every output of every step of ``run``, as a function of its inputs."""
    def loss(x):
        V, u, I, onsets, in_w, rec_w, bias = x
        out = run(ExactState(V, u, I), H, onsets, in_w, rec_w, regular_spiking(bias))
        weight = jnp.linspace(0.0, 1.0, onsets.shape[0])[:, None]
        return jnp.sum(weight * (0.01 * out.V + 0.1 * out.u + 0.3 * out.I + jnp.where(out.spiked, out.t_spike, 0.0)))
    return loss


@pytest.mark.parametrize('inputs', [5, 0])
def test_the_run_is_the_scan_of_the_step(x64, inputs):
    """One native call for a whole run gives the scan of the native step's values bit for bit (the state
    is rounded to its type between steps in both) and its gradient, whose cotangents the run carries in
    float64 from step to step where the scan rounds them."""
    dtype = jnp.float64 if x64 else jnp.float32
    x = random_run(11, 300, inputs, dtype)
    run = jax.jit(lambda x: native_event_run(ExactState(*x[:3]), H, *x[3:6], regular_spiking(x[6])))(x)
    scan = jax.jit(lambda x: scan_of_steps(ExactState(*x[:3]), H, *x[3:6], regular_spiking(x[6])))(x)
    assert int(run.spiked.sum()) > (30 if inputs else 5)
    for a, b in zip(run, scan):
        np.testing.assert_array_equal(a, b)
    g_run = jax.jit(jax.grad(run_loss(native_event_run)))(x)
    g_scan = jax.jit(jax.grad(run_loss(scan_of_steps)))(x)
    for a, b in zip(g_run, g_scan):
        assert a.dtype == dtype and a.shape == b.shape
        atol = 1e-11 if x64 else 1e-4 * np.abs(b).max(initial=0.0)
        np.testing.assert_allclose(a, b, rtol=1e-11 if x64 else 2e-4, atol=atol)


def test_batched_runs_are_the_per_sample_runs():
    """vmap over samples with shared weights: each sample's outputs and VJP, one call for the batch."""
    xs = [random_run(seed, 100, 5, jnp.float32) for seed in (1, 2)]
    loss = run_loss(native_event_run)
    shared = xs[0][4:6]
    batched, states, rows = over_samples(loss, xs)
    for b, x in enumerate(xs):
        np.testing.assert_array_equal(batched(states, shared)[b], loss(list(x[:4]) + list(shared) + [x[6]]))
        own = jax.grad(lambda w: loss(list(x[:4]) + list(w) + [x[6]]))(shared)
        for row, g in zip(rows, own):
            np.testing.assert_allclose(row[b], g, rtol=1e-6, atol=1e-6)


def test_spike_times_match_the_pure_jax_run(x64):
    rng = np.random.default_rng(7)
    W = np.concatenate([rng.uniform(-10.0, 2.0, (8, 8)) * (1 - np.eye(8)), rng.uniform(5.0, 20.0, (4, 8))])
    times = np.sort(rng.uniform(0.0, 60.0, (4, 3)), axis=-1)
    runs = [izhi_dyn.exact_spike_times(W, times, duration=100.0, dt=0.1, max_spikes=6, bias=1.0, kernel=kernel,
                                       full_output=True) for kernel in ('native', 'jax')]
    np.testing.assert_array_equal(runs[0].counts, runs[1].counts)
    assert int(runs[0].counts.sum()) > 20
    np.testing.assert_allclose(runs[0].times, runs[1].times, rtol=0, atol=1e-9)


def test_kernel_argument(monkeypatch):
    W, times = jnp.array([[0.0], [30.0]]), jnp.array([[1.234]])
    with pytest.raises(ValueError, match="kernel must be one of"):
        izhi_dyn.exact_spike_times(W, times, duration=5.0, dt=0.1, max_spikes=1, kernel='fast')
    # Where the library cannot run, 'native' says why and 'auto' takes the pure-JAX step.
    monkeypatch.setattr(native_module, 'native_exact_unsupported', lambda: 'not built here')

    def refuse(*args):
        raise AssertionError('the native step was called')

    monkeypatch.setattr(native_module, 'native_event_step', refuse)
    monkeypatch.setattr(native_module, 'native_event_run', refuse)
    with pytest.raises(ValueError, match="kernel='native' cannot run: not built here"):
        izhi_dyn.exact_spike_times(W, times, duration=5.0, dt=0.1, max_spikes=1, kernel='native')
    assert np.isfinite(izhi_dyn.exact_spike_times(W, times, duration=5.0, dt=0.1, max_spikes=1, bias=4.0)[0, 0])


def test_step_rejects_other_dtypes():
    V = jnp.zeros((N,), jnp.bfloat16)
    p = ExactParams(*(jnp.full((N,), v) for v in (0.02, 0.2, -51.0, 2.0, 30.0, 5.0, 0.0)))
    with pytest.raises(TypeError, match='state.V must be float32 or float64; got bfloat16'):
        native_event_step(ExactState(V, V, V), H, jnp.full((S,), 2 * H), jnp.zeros((S, N)), jnp.zeros((N, N)), p)


def test_a_library_that_cannot_be_loaded_counts_as_absent():
    """The loader answers None (so ``'auto'`` takes the pure-JAX step) instead of raising."""
    from izhi_dyn._ffi import load_ffi_library

    assert load_ffi_library('izhi_dyn.exact', {'izhi_never_registered': 'Nothing'}) is None  # a .py file
    assert load_ffi_library('izhi_dyn._no_such_extension', {}) is None
