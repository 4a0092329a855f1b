"""Training through izhi_dyn.state.Izhikevich with brainstate.transform.grad and optax.

Task with a known answer: a population of 8 neurons, one trainable input
weight each, must fire a target number of spikes in 100 ms. The spike count of
each neuron grows with its drive, so gradient descent on the squared count
error must bring every count to its target.
"""

import brainstate
import jax.numpy as jnp
import numpy as np
import pytest

optax = pytest.importorskip('optax')

from izhi_dyn.state import Izhikevich  # noqa: E402
from izhi_dyn.state.training import make_train_step, run_sequence  # noqa: E402

N, STEPS, DT = 8, 1000, 0.1
TARGET = np.arange(1.0, N + 1)


def _setup(trainable_b=False):
    weight = brainstate.ParamState(jnp.full((N,), 10.0))
    b = brainstate.ParamState(jnp.full((N,), 0.2)) if trainable_b else 0.2
    neu = Izhikevich(N, b=b, V_initializer=-70.0)

    def loss_fun(drive):
        neu.init_state()
        counts = run_sequence(lambda x: neu(x * weight.value), drive, dt=DT).sum(axis=0)
        return jnp.mean((counts - TARGET) ** 2), counts

    return weight, b, loss_fun


def test_counts_reach_their_targets(x64):
    weight, _, loss_fun = _setup()
    optimizer = optax.adam(0.3)
    step = make_train_step(loss_fun, [weight], optimizer, clip_norm=10.0)
    opt_state = optimizer.init([weight.value])
    drive = jnp.ones((STEPS, N))
    first = None
    for _ in range(200):
        opt_state, loss, counts = step(opt_state, drive)
        first = float(loss) if first is None else first
        if float(loss) == 0:
            break
    assert first > 5
    np.testing.assert_array_equal(np.asarray(counts), np.asarray(TARGET))
    w = np.asarray(weight.value)
    assert np.all(np.diff(w) > 0)  # more spikes need more drive


def test_a_model_parameter_trains(x64):
    """b as a ParamState: the optimizer moves it, and the loss falls."""
    weight, b, loss_fun = _setup(trainable_b=True)
    optimizer = optax.adam(0.01)
    step = make_train_step(loss_fun, [b], optimizer)
    opt_state = optimizer.init([b.value])
    drive = jnp.ones((STEPS, N))
    losses = []
    for _ in range(30):
        opt_state, loss, _ = step(opt_state, drive)
        losses.append(float(loss))
    assert min(losses[-5:]) < 0.5 * losses[0]
    assert np.ptp(np.asarray(b.value)) > 0.01


def test_bad_arguments():
    weight, _, loss_fun = _setup()
    with pytest.raises(TypeError, match='params='):
        make_train_step(loss_fun, [jnp.ones(3)], optax.adam(0.1))
    with pytest.raises(TypeError, match='optimizer='):
        make_train_step(loss_fun, [weight], 'adam')
    with pytest.raises(ValueError, match='clip_norm='):
        make_train_step(loss_fun, [weight], optax.adam(0.1), clip_norm=-1.0)
    with pytest.raises(TypeError, match='inputs='):
        run_sequence(lambda x: x, [1, 2], dt=0.1)
