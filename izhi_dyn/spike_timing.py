r"""The spike-timing task of the training example and ``izhi-dyn train``.

Two input channels, A and B, each emit exactly one spike in a trial. The
class is the *order* of the two spikes (A first or B first) crossed with the
*interval* between them (short or long): four classes, chance 25 %. Every
trial has the same spike count on every channel, so spike counts carry no
information and the network must use timing.

A recurrent :class:`izhi_dyn.IzhikevichLayer` receives the inputs; a
non-spiking leaky readout sums its spikes, and the class scores are the
readout potentials averaged over the trial. Training is BPTT with surrogate
spikes: :func:`brainpy.math.grad` over :func:`izhi_dyn.run_sequence` and
:class:`brainpy.optim.Adam`.
"""

from __future__ import annotations

import time
from typing import NamedTuple, Optional

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.dyn.layer import IzhikevichLayer, init_weights_and_bias
from izhi_dyn.dyn.training import run_sequence

__all__ = ['N_CLASSES', 'TaskConfig', 'make_dataset', 'SpikeTimingNet', 'History', 'train', 'evaluate', 'rebuild',
           'record_spikes', 'plot_history', 'plot_rasters', 'run']

#: Number of classes: {A first, B first} x {short, long interval}.
N_CLASSES = 4


class TaskConfig(NamedTuple):
    """Timing of the task (ms)."""

    duration: float = 60.0
    dt: float = 0.5
    onset: tuple = (2.0, 10.0)
    short: tuple = (3.0, 8.0)
    long: tuple = (14.0, 22.0)
    delays: tuple = (0.0, 4.0, 8.0, 12.0, 16.0, 20.0)


def make_dataset(n: int, seed: int, config: TaskConfig = TaskConfig()):
    """``n`` trials: inputs ``(T, n, 2 * len(config.delays))`` (0/1, time-major) and labels ``(n,)``.

    Label ``2 * (B first) + (long interval)``; onset and interval are drawn
    uniformly from the ranges in ``config``. Each channel's spike is presented
    on one input line per entry of ``config.delays``, delayed by that amount
    (a delay-line code: every line still fires exactly once per trial).
    """
    n = check.check_int('n', n, lower=1)
    seed = check.check_int('seed', seed, lower=0)
    check.check_type('config', config, TaskConfig, 'a TaskConfig')
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, N_CLASSES, n)
    b_first, long = labels // 2, labels % 2
    onset = rng.uniform(*config.onset, n)
    interval = np.where(long == 1, rng.uniform(*config.long, n), rng.uniform(*config.short, n))
    steps = int(round(config.duration / config.dt))
    n_delay = len(config.delays)
    x = np.zeros((steps, n, 2 * n_delay), dtype=np.float32)
    trials = np.arange(n)
    times = {0: np.where(b_first == 0, onset, onset + interval), 1: np.where(b_first == 1, onset, onset + interval)}
    for channel in (0, 1):
        for k, delay in enumerate(config.delays):
            step = np.round((times[channel] + delay) / config.dt).astype(int)
            keep = step < steps
            x[step[keep], trials[keep], channel * n_delay + k] = 1.0
    return x, labels


class SpikeTimingNet(bp.DynSysGroup):
    """Recurrent Izhikevich layer + leaky non-spiking readout.

    The same definition runs in any mode; in ``bm.TrainingMode`` spikes are
    surrogate and the network is differentiable.
    """

    def __init__(self, n_hidden: int = 32, n_in: int = 12, n_out: int = N_CLASSES, *, tau_out: float = 10.0,
                 gain: float = 5.0, rec_scale: float = 0.2, seed: int = 0, mode: Optional[bm.Mode] = None, **layer_kwargs):
        for arg, value, lower in (('n_hidden', n_hidden, 1), ('n_in', n_in, 1), ('n_out', n_out, 1), ('seed', seed, 0)):
            check.check_int(arg, value, lower=lower)
        check.check_real('tau_out', tau_out, lower=0.0, strict=True)
        check.check_real('gain', gain)
        check.check_real('rec_scale', rec_scale)
        super().__init__(mode=mode)
        kw = dict(spk_fun=bm.surrogate.InvSquareGrad(alpha=1.0), method='euler')
        kw.update(layer_kwargs)
        W, bias = init_weights_and_bias(jax.random.PRNGKey(seed), n_hidden, n_in, wlim=40.0,
                                        fan_in_mode='sqrt', blim=2.0)
        # Weak initial recurrence: strong recurrent excitation makes the
        # network fire tonically and the surrogate gradients explode.
        W = W.at[:n_hidden].multiply(rec_scale)
        self.hidden = IzhikevichLayer(n_hidden, n_in, init_weights=W, init_bias=bias, mode=self.mode, **kw)
        rng = np.random.default_rng(seed + 1)
        self.W_out = bm.TrainVar(jnp.asarray(rng.normal(0, 1 / np.sqrt(n_hidden), (n_hidden, n_out)),
                                             dtype=bm.float_))
        self.tau_out = tau_out
        self.gain = gain
        self.n_out = n_out
        self.reset_state(self.mode)

    def reset_state(self, batch_or_mode=None, **kwargs):
        self.hidden.reset_state(batch_or_mode)
        self.r = bp.init.variable_(bm.zeros, (self.n_out,), batch_or_mode)

    def update(self, x):
        spikes = self.hidden(x)
        decay = jnp.exp(-bp.share.load('dt') / self.tau_out)
        self.r.value = self.r.value * decay + jnp.asarray(spikes, self.r.value.dtype) @ self.W_out.value
        return self.r.value

    def scores(self, inputs, dt):
        """Class scores ``(batch, n_out)``: ``gain`` times the readout potential averaged over the trial."""
        self.reset_state(inputs.shape[1])
        return self.gain * run_sequence(self, inputs, dt=dt).mean(axis=0)


class History(NamedTuple):
    """Per-epoch training loss, training accuracy and held-out accuracy."""

    loss: list
    train_acc: list
    test_acc: list


def _cross_entropy(scores, labels):
    logp = jax.nn.log_softmax(scores, axis=-1)
    return -jnp.mean(jnp.take_along_axis(logp, labels[:, None], axis=-1))


def train(net: SpikeTimingNet, data, *, epochs: int = 30, batch_size: int = 128, lr: float = 1e-2,
          clip_norm: float = 1.0, config: TaskConfig = TaskConfig(), test=None, seed: int = 0, log=print) -> History:
    """Train ``net`` (built in ``bm.TrainingMode``) by BPTT; returns the per-epoch :class:`History`."""
    check.check_type('net', net, SpikeTimingNet, 'a SpikeTimingNet')
    x, y = _check_data('data', data)
    epochs = check.check_int('epochs', epochs, lower=1)
    batch_size = check.check_int('batch_size', batch_size, lower=1)
    if batch_size > x.shape[1]:
        raise ValueError(f'batch_size={batch_size!r}: expected at most the {x.shape[1]} trials of data')
    check.check_real('lr', lr, lower=0.0, strict=True)
    check.check_real('clip_norm', clip_norm, lower=0.0, strict=True)
    if test is not None:
        _check_data('test', test)
    train_vars = net.train_vars().unique()
    n_batches = x.shape[1] // batch_size
    # The learning rate decays to 5 % of ``lr`` over the run, whatever ``epochs`` is.
    schedule = bp.optim.ExponentialDecayLR(lr, decay_steps=max(epochs * n_batches, 1), decay_rate=0.05)
    opt = bp.optim.Adam(lr=schedule, train_vars=train_vars)

    def loss_fun(xb, yb):
        scores = net.scores(xb, config.dt)
        return _cross_entropy(scores, yb), jnp.mean(jnp.argmax(scores, -1) == yb)

    grad_fun = bm.grad(loss_fun, grad_vars=train_vars, has_aux=True, return_value=True)

    @bm.jit
    def step(xb, yb):
        grads, loss, acc = grad_fun(xb, yb)
        # Surrogate gradients through recurrent spiking can burst; clipping the
        # global norm keeps one bad batch from undoing the training.
        norm = jnp.sqrt(sum(jnp.sum(g ** 2) for g in grads.values()))
        scale = jnp.minimum(1.0, clip_norm / (norm + 1e-12))
        opt.update({k: g * scale for k, g in grads.items()})
        return loss, acc

    rng = np.random.default_rng(seed)
    history = History([], [], [])
    start = time.perf_counter()
    for epoch in range(epochs):
        order = rng.permutation(x.shape[1])
        losses, accs = [], []
        for k in range(n_batches):
            idx = order[k * batch_size:(k + 1) * batch_size]
            loss, acc = step(jnp.asarray(x[:, idx]), jnp.asarray(y[idx]))
            losses.append(float(loss))
            accs.append(float(acc))
        history.loss.append(float(np.mean(losses)))
        history.train_acc.append(float(np.mean(accs)))
        test_acc = evaluate(net, test, config) if test is not None else float('nan')
        history.test_acc.append(test_acc)
        log(f'epoch {epoch + 1:3d}/{epochs}  loss {history.loss[-1]:.4f}  train acc {history.train_acc[-1]:.3f}'
            f'  held-out acc {test_acc:.3f}  ({time.perf_counter() - start:.0f} s)')
    return history


def evaluate(net: SpikeTimingNet, data, config: TaskConfig = TaskConfig(), batch_size: int = 512) -> float:
    """Held-out accuracy of ``net`` on ``data = (inputs, labels)``."""
    check.check_type('net', net, SpikeTimingNet, 'a SpikeTimingNet')
    x, y = _check_data('data', data)
    batch_size = check.check_int('batch_size', batch_size, lower=1)
    correct = 0
    for k in range(0, x.shape[1], batch_size):
        scores = _jit_scores(net, jnp.asarray(x[:, k:k + batch_size]), config.dt)
        correct += int(np.sum(np.argmax(np.asarray(scores), -1) == y[k:k + batch_size]))
    return correct / x.shape[1]


def _check_data(name, data):
    """``data = (inputs (T, n, K), labels (n,))`` as from :func:`make_dataset`, or raise naming ``name``."""
    if not isinstance(data, (tuple, list)) or len(data) != 2:
        raise TypeError(f'{name}={data!r}: expected a pair (inputs, labels) from make_dataset')
    x, y = check.check_array(name, data[0], ndim=3), check.check_array(name, data[1], ndim=1, dtype=np.int64)
    if x.shape[1] != y.size or x.shape[1] == 0:
        raise ValueError(f'{name}: expected inputs (T, n, K) and n labels, got shapes {x.shape} and {y.shape}')
    return x, y


def _jit_scores(net, xb, dt):
    f = bm.jit(lambda xb: net.scores(xb, dt))
    return f(xb)


def rebuild(net: SpikeTimingNet, mode: bm.Mode) -> SpikeTimingNet:
    """The same network definition in another ``mode``, carrying the trained values over."""
    hidden = net.hidden
    new = SpikeTimingNet(hidden.n_neurons, hidden.in_size, net.n_out, tau_out=net.tau_out, gain=net.gain,
                         mode=mode, spk_fun=hidden.neuron.spk_fun, method=hidden.neuron.integrator.name)
    new.hidden.W.value = hidden.W.value
    new.hidden.bias.value = hidden.bias.value
    new.W_out.value = net.W_out.value
    return new


def record_spikes(net: SpikeTimingNet, inputs, dt: float):
    """Hidden-layer spikes ``(T, batch, N)`` (bool) of ``net`` on ``inputs``, in nonlinear mode."""
    runner = rebuild(net, bm.BatchingMode(inputs.shape[1]))
    runner.reset_state(inputs.shape[1])

    def body(i, x):
        bp.share.save(t=i * dt, dt=dt, i=i)
        runner.update(x)
        return runner.hidden.spike.value

    return np.asarray(bm.for_loop(body, (jnp.arange(inputs.shape[0]), jnp.asarray(inputs))))


def plot_history(history: History, ax=None):
    """Loss and accuracies per epoch on twin axes; returns the loss axes."""
    import matplotlib.pyplot as plt

    ax = ax or plt.subplots(figsize=(6, 3.5))[1]
    epochs = np.arange(1, len(history.loss) + 1)
    ax.plot(epochs, history.loss, color='k', label='training loss')
    ax.set_xlabel('epoch')
    ax.set_ylabel('cross-entropy loss')
    acc_ax = ax.twinx()
    acc_ax.plot(epochs, history.train_acc, color='tab:blue', label='training accuracy')
    acc_ax.plot(epochs, history.test_acc, color='tab:orange', label='held-out accuracy')
    acc_ax.axhline(1 / N_CLASSES, color='grey', ls=':', lw=0.8, label='chance')
    acc_ax.set_ylim(0, 1.02)
    acc_ax.set_ylabel('accuracy')
    lines = ax.get_lines() + acc_ax.get_lines()
    ax.legend(lines, [line.get_label() for line in lines], loc='center right', fontsize=8)
    return ax


def plot_rasters(inputs, spikes, labels, dt: float, axes=None):
    """One raster per trial: input lines (top, grey) and hidden neurons; returns the axes."""
    import matplotlib.pyplot as plt

    names = ['A first, short', 'A first, long', 'B first, short', 'B first, long']
    n = spikes.shape[1]
    axes = axes if axes is not None else plt.subplots(1, n, figsize=(3 * n, 3.5), sharey=True)[1]
    n_in = inputs.shape[-1]
    for k, ax in enumerate(np.atleast_1d(axes)):
        t_in, i_in = np.nonzero(inputs[:, k])
        t_h, i_h = np.nonzero(spikes[:, k])
        ax.scatter(t_in * dt, i_in, s=4, color='grey', marker='|')
        ax.scatter(t_h * dt, i_h + n_in, s=4, color='k', marker='|')
        ax.set_xlim(0, inputs.shape[0] * dt)
        ax.set_title(names[int(labels[k])], fontsize=9)
        ax.set_xlabel('time (ms)')
    np.atleast_1d(axes)[0].set_ylabel(f'inputs 0-{n_in - 1} | hidden neurons')
    return axes


def run(epochs: int = 40, out: str = 'out', seed: int = 0, n_train: int = 2048, n_test: int = 1024,
        log=print) -> float:
    """The whole example: data, training, figures in ``out``; returns the held-out accuracy."""
    import pathlib

    import matplotlib

    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    epochs = check.check_int('epochs', epochs, lower=1)
    check.check_type('out', out, (str, pathlib.PurePath), 'a folder name')
    seed = check.check_int('seed', seed, lower=0)
    batch_size = 128
    n_train = check.check_int('n_train', n_train, lower=batch_size)
    n_test = check.check_int('n_test', n_test, lower=1)
    config = TaskConfig()
    train_data = make_dataset(n_train, seed + 1, config)
    test_data = make_dataset(n_test, seed + 2, config)
    log(f'spike-timing task: {N_CLASSES} classes (chance {1 / N_CLASSES:.2f}), '
        f'{n_train} training / {n_test} held-out trials, {epochs} epochs')
    net = SpikeTimingNet(mode=bm.TrainingMode(batch_size), seed=seed)
    history = train(net, train_data, epochs=epochs, batch_size=batch_size, config=config, test=test_data,
                    seed=seed, log=log)
    accuracy = evaluate(net, test_data, config)

    path = pathlib.Path(out)
    path.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    plot_history(history, ax)
    fig.tight_layout()
    fig.savefig(path / 'training_curve.png', dpi=120)
    plt.close(fig)

    x, y = test_data
    picks = np.array([int(np.flatnonzero(y == c)[0]) for c in range(N_CLASSES) if np.any(y == c)])
    spikes = record_spikes(net, x[:, picks], config.dt)  # first trial of each class in the held-out set
    fig, axes = plt.subplots(1, len(picks), figsize=(3 * len(picks), 3.5), sharey=True, squeeze=False)
    plot_rasters(x[:, picks], spikes, y[picks], config.dt, axes[0])
    fig.tight_layout()
    fig.savefig(path / 'raster.png', dpi=120)
    plt.close(fig)
    log(f'wrote {path / "training_curve.png"} and {path / "raster.png"}')
    return accuracy
