"""The neuron under brainpy's ``bp.DSRunner`` and ``bm.jit``: monitors, brainpy input helpers, batching, no recompilation.

``izhi_dyn.networks.NetworkRunner`` (the chunked network runner) is tested in ``test_network.py``.
"""

import brainpy as bp
import brainpy.math as bm
import numpy as np
import pytest

import izhi_dyn

DT = 0.1
MONITORS = ['V', 'u', 'spike', 't_last_spike']


def _runner(neuron, **kw):
    return bp.DSRunner(neuron, monitors=MONITORS, progress_bar=False, dt=DT, **kw)


@pytest.mark.parametrize('make_input', [
    lambda: bp.inputs.section_input([0.0, 10.0], [20.0, 80.0], dt=DT),
    lambda: bp.inputs.ramp_input(0.0, 20.0, 100.0, dt=DT),
    lambda: 10.0 + np.ravel(bp.inputs.wiener_process(100.0, dt=DT, n=1, seed=1)),
    lambda: np.full(1000, 10.0),
])
def test_monitors_with_brainpy_inputs(make_input):
    current = np.asarray(make_input(), dtype=bm.float_)
    neuron = izhi_dyn.Izhikevich(1)
    dtypes = {k: getattr(neuron, k).dtype for k in MONITORS}
    runner = _runner(neuron, jit=True)
    runner.run(inputs=current[:, None])
    # the compiled run keeps the state's dtypes (the suite's precision: test_neuron.py)
    assert {k: getattr(neuron, k).dtype for k in MONITORS} == dtypes
    spike = np.asarray(runner.mon['spike'])[:, 0]
    assert spike.dtype == bool and spike.sum() >= 1
    t_last = np.asarray(runner.mon['t_last_spike'])[:, 0]
    steps = np.flatnonzero(spike)
    np.testing.assert_allclose(t_last[steps], steps * DT, atol=1e-4)
    V = np.asarray(runner.mon['V'])[:, 0]
    assert np.all(V[steps] == -65.0)  # monitored after the reset
    assert np.all(np.isfinite(runner.mon['u']))


def test_batching_mode_runner():
    neuron = izhi_dyn.Izhikevich(3, mode=bm.BatchingMode(2))
    runner = bp.DSRunner(neuron, monitors=['V', 'spike'], progress_bar=False, dt=DT, data_first_axis='T')
    current = np.zeros((500, 2, 3), dtype=bm.float_)
    current[:, 1] = 10.0
    runner.run(inputs=current)
    spikes = np.asarray(runner.mon['spike'])
    assert spikes.shape == (500, 2, 3)
    assert spikes[:, 0].sum() == 0 and spikes[:, 1].sum() > 0


def _counting(monkeypatch):
    traces = []
    original = izhi_dyn.Izhikevich.update

    def counting_update(self, *args, **kwargs):
        traces.append(1)
        return original(self, *args, **kwargs)

    monkeypatch.setattr(izhi_dyn.Izhikevich, 'update', counting_update)
    return traces


def test_second_jitted_run_does_not_retrace(monkeypatch):
    """A jitted multi-step run traces update() once; calling it again reuses the compilation."""
    traces = _counting(monkeypatch)
    neuron = izhi_dyn.Izhikevich(2)

    @bm.jit
    def simulate(current):
        def body(i):
            bp.share.save(t=i * DT, dt=DT, i=i)
            return neuron.update(current)
        return bm.for_loop(body, bm.arange(200))

    current = bm.full((2,), 10.0)
    first_spikes = np.asarray(simulate(current)).sum()
    first = len(traces)
    second_spikes = np.asarray(simulate(current)).sum()
    assert first == 1 and len(traces) == 1
    assert first_spikes > 0 and second_spikes >= 0


@pytest.mark.xfail(strict=True, reason='brainpy 2.8.2 DSRunner re-traces the step on every run() (bp.dyn too)')
def test_dsrunner_second_run_does_not_retrace(monkeypatch):
    traces = _counting(monkeypatch)
    runner = _runner(izhi_dyn.Izhikevich(2), jit=True)
    current = np.full((200, 2), 10.0, dtype=bm.float_)
    runner.run(inputs=current)
    runner.run(inputs=current)
    assert len(traces) == 1
