"""Train a recurrent Izhikevich SNN on a spike-timing task
=========================================================

Two input channels, A and B, each fire exactly one spike per trial. The class
is the order of the two spikes crossed with their interval (short: 3-8 ms,
long: 14-22 ms): four classes, chance 25 %. Spike counts are identical in
every class, so only timing tells them apart. Each spike reaches the network
on six lines delayed by 0-20 ms.

A recurrent :class:`izhi_dyn.IzhikevichLayer` of 32 neurons (exponential
synapses, tau_syn = 5 ms) feeds a leaky non-spiking readout. The network is
built in ``bm.TrainingMode`` (surrogate spikes) and trained with BPTT
(:func:`brainpy.math.grad`, :class:`brainpy.optim.Adam`); the raster is drawn
by the *same definition* rebuilt in ``bm.BatchingMode`` with the trained
weights, i.e. with exact, non-surrogate spikes.

The reusable parts come from the library: the layer
(:class:`izhi_dyn.IzhikevichLayer`), the loop over time
(:func:`izhi_dyn.run_sequence`), the loss (:func:`izhi_dyn.dyn.cross_entropy`)
and the compiled, clipped optimizer step (:func:`izhi_dyn.dyn.make_train_step`);
the task, the model around the layer, the training loop and the figures are this
script's.

Run ``python examples/train_spike_timing.py [--epochs N] [--out DIR]``
(about one minute on 2 CPU cores); the last line printed is the held-out
accuracy (``accuracy: 0.95``).
"""

import argparse
import pathlib
import time
from typing import NamedTuple

import brainpy as bp
import brainpy.math as bm
import jax
import jax.numpy as jnp
import matplotlib
import numpy as np

matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

from izhi_dyn import IzhikevichLayer, init_weights_and_bias, run_sequence  # noqa: E402
from izhi_dyn.dyn import cross_entropy, make_train_step  # noqa: E402

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
                 gain: float = 5.0, rec_scale: float = 0.2, seed: int = 0, mode=None, **layer_kwargs):
        super().__init__(mode=mode)
        # detach_spk: no gradient through the spike into the reset (docs/training_mode.rst, practical
        # notes): through the many spikes of a trial the path V -> s -> reset makes the gradients burst.
        kw = dict(spk_fun=bm.surrogate.InvSquareGrad(alpha=1.0), method='euler', detach_spk=True)
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


def train(net: SpikeTimingNet, data, *, epochs: int = 30, batch_size: int = 128, lr: float = 1e-2,
          clip_norm: float = 1.0, config: TaskConfig = TaskConfig(), test=None, predict=None, seed: int = 0,
          log=print) -> History:
    """Train ``net`` (built in ``bm.TrainingMode``) by BPTT; returns the per-epoch :class:`History`.

    ``predict`` (from :func:`make_predict`) scores the held-out set after each epoch.
    """
    x, y = data
    if batch_size > x.shape[1]:
        raise ValueError(f'batch_size={batch_size}: expected at most the {x.shape[1]} trials of data')
    train_vars = net.train_vars().unique()
    n_batches = x.shape[1] // batch_size
    # The learning rate decays to 5 % of ``lr`` over the run, whatever ``epochs`` is.
    schedule = bp.optim.ExponentialDecayLR(lr, decay_steps=max(epochs * n_batches, 1), decay_rate=0.05)
    opt = bp.optim.Adam(lr=schedule, train_vars=train_vars)

    def loss_fun(xb, yb):
        scores = net.scores(xb, config.dt)
        return cross_entropy(scores, yb), jnp.mean(jnp.argmax(scores, -1) == yb)

    step = make_train_step(loss_fun, opt, clip_norm=clip_norm)
    if test is not None and predict is None:
        predict = make_predict(net, config.dt)

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
        test_acc = evaluate(net, test, config, predict=predict) if test is not None else float('nan')
        history.test_acc.append(test_acc)
        log(f'epoch {epoch + 1:3d}/{epochs}  loss {history.loss[-1]:.4f}  train acc {history.train_acc[-1]:.3f}'
            f'  held-out acc {test_acc:.3f}  ({time.perf_counter() - start:.0f} s)')
    return history


def make_predict(net: SpikeTimingNet, dt: float):
    """``predict(inputs) -> scores``: the class scores of ``net``, compiled once for every batch and epoch."""
    return bm.jit(lambda xb: net.scores(xb, dt))


def evaluate(net: SpikeTimingNet, data, config: TaskConfig = TaskConfig(), batch_size: int = 512,
             predict=None) -> float:
    """Held-out accuracy of ``net`` on ``data = (inputs, labels)``."""
    x, y = data
    predict = make_predict(net, config.dt) if predict is None else predict
    correct = 0
    for k in range(0, x.shape[1], batch_size):
        scores = predict(jnp.asarray(x[:, k:k + batch_size]))
        correct += int(np.sum(np.argmax(np.asarray(scores), -1) == y[k:k + batch_size]))
    return correct / x.shape[1]


def rebuild(net: SpikeTimingNet, mode: bm.Mode) -> SpikeTimingNet:
    """The same network definition in another ``mode``, carrying the trained values over."""
    hidden = net.hidden
    new = SpikeTimingNet(hidden.n_neurons, hidden.in_size, net.n_out, tau_out=net.tau_out, gain=net.gain,
                         mode=mode, spk_fun=hidden.neuron.spk_fun, method=hidden.neuron.integrator.name,
                         detach_spk=hidden.neuron.detach_spk)
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
    import matplotlib.pyplot as plt

    batch_size = 128
    config = TaskConfig()
    train_data = make_dataset(n_train, seed + 1, config)
    test_data = make_dataset(n_test, seed + 2, config)
    log(f'spike-timing task: {N_CLASSES} classes (chance {1 / N_CLASSES:.2f}), '
        f'{n_train} training / {n_test} held-out trials, {epochs} epochs')
    net = SpikeTimingNet(mode=bm.TrainingMode(batch_size), seed=seed)
    predict = make_predict(net, config.dt)
    history = train(net, train_data, epochs=epochs, batch_size=batch_size, config=config, test=test_data,
                    predict=predict, seed=seed, log=log)
    accuracy = evaluate(net, test_data, config, predict=predict)

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


def show(png):
    """Open a written figure again: the docs gallery collects the figures left open."""
    image = plt.imread(png)
    ax = plt.figure(figsize=(image.shape[1] / 120, image.shape[0] / 120)).add_axes((0, 0, 1, 1))
    ax.imshow(image)
    ax.set_axis_off()


def main(argv=None):
    """Parse the flags, run the example, print the held-out accuracy last; returns it and the output folder."""
    parser = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    parser.add_argument('--epochs', type=int, default=40)
    parser.add_argument('--out', default='out')
    parser.add_argument('--seed', type=int, default=0)
    args = parser.parse_args(argv)
    if args.epochs < 1:
        parser.error(f'argument --epochs: {args.epochs}: expected a positive number of epochs')
    if args.seed < 0:
        parser.error(f'argument --seed: {args.seed}: expected a seed >= 0')
    accuracy = run(epochs=args.epochs, out=args.out, seed=args.seed)
    print(f'accuracy: {accuracy:.2f}')
    return accuracy, pathlib.Path(args.out)


if __name__ == '__main__':
    _, out = main()
    for name in ('training_curve.png', 'raster.png'):
        show(out / name)
