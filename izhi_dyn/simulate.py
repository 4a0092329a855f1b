"""Run presets through :class:`izhi_dyn.Izhikevich` and :class:`brainpy.DSRunner`.

Presets that share a time step and a recovery law run together as one
population (one neuron per preset, per-neuron parameters and inputs), so one
compiled runner serves them all; each result is cut back to its own duration.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple, Optional, Sequence, Union

import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.core.integrators import get_integrator
from izhi_dyn.presets import Preset, _lookup

__all__ = ['Simulation', 'simulate', 'simulate_many']


class Simulation(NamedTuple):
    """Result of one preset run.

    Attributes
    ----------
    preset : Preset
    ts : ndarray
        Time grid ``t_k = k dt`` (ms), the start of each step.
    V : ndarray
        V after the step starting at ``t_k`` (mV), set to ``V_th`` (30) at the
        samples of spikes so that the peaks show, as in the author's figures.
    u : ndarray
        u after each step.
    I : ndarray
        Input at ``t_k``.
    spike_times : ndarray
        ``t_k`` of each step whose update crossed threshold (ms).
    method : str
    dt : float
    dtype : str
    """

    preset: Preset
    ts: np.ndarray
    V: np.ndarray
    u: np.ndarray
    I: np.ndarray
    spike_times: np.ndarray
    method: str
    dt: float
    dtype: str


@contextlib.contextmanager
def _precision(dtype):
    """Temporarily run brainpy in ``dtype`` ('float32' or 'float64'); None keeps the current one."""
    import brainpy.math as bm
    import jax

    if dtype is None:
        yield
        return
    want = np.dtype(check.check_dtype('dtype', dtype))
    if want not in (np.float32, np.float64):
        raise ValueError(f"dtype={dtype!r}: expected 'float32' or 'float64'")
    was = bool(jax.config.jax_enable_x64)
    wanted = want == np.float64
    if was != wanted:
        (bm.enable_x64 if wanted else bm.disable_x64)()
    try:
        yield
    finally:
        if was != wanted:
            (bm.enable_x64 if was else bm.disable_x64)()


def _run_group(presets: Sequence[Preset], method: str, dt: float):
    import brainpy as bp
    import brainpy.math as bm

    from izhi_dyn.dyn.neuron import Izhikevich

    n_steps = max(int(round(p.duration / dt)) + 1 for p in presets)
    ts = np.arange(n_steps, dtype=np.float64) * dt
    I = np.stack([p.protocol(ts) for p in presets], axis=1)
    col = lambda field: np.array([getattr(p, field) for p in presets], dtype=np.float64)  # noqa: E731
    neuron = Izhikevich(
        len(presets), method=method, recovery=presets[0].recovery,
        a=col('a'), b=col('b'), c=col('c'), d=col('d'), p2=col('p2'), p3=col('p3'),
        V_initializer=col('V0'), u_initializer=col('u0'),
    )
    runner = bp.DSRunner(neuron, monitors=['V', 'u', 'spike'], dt=dt, progress_bar=False)
    runner.run(inputs=I.astype(bm.float_))
    V = np.asarray(runner.mon['V'], dtype=np.float64)
    u = np.asarray(runner.mon['u'], dtype=np.float64)
    spikes = np.asarray(runner.mon['spike'], dtype=bool)
    V = np.where(spikes, np.asarray(neuron.V_th, dtype=np.float64), V)
    return ts, V, u, I, spikes


def simulate_many(
    names: Sequence[Union[str, Preset]],
    method: Optional[str] = None,
    dt: Optional[float] = None,
    dtype: Optional[str] = None,
) -> dict:
    """Simulate several presets; return ``{name: Simulation}`` in the order given.

    The result is keyed by the names passed (a record's ``key`` for records).

    Parameters
    ----------
    names : sequence of str or Preset
        Preset keys (see :data:`izhi_dyn.presets.PRESETS`) or records.
    method : str, optional
        Integrator name; default each preset's published scheme.
    dt : float, optional
        Time step (ms); default each preset's published step.
    dtype : {'float32', 'float64'}, optional
        Precision of the run; default the current brainpy precision. Switching
        is temporary and restored afterwards.
    """
    if isinstance(names, (str, Preset)) or not isinstance(names, Sequence) or not names:
        raise TypeError(f'names={names!r}: expected a non-empty sequence of preset names or Presets')
    presets = [_lookup(n, f'names[{i}]') for i, n in enumerate(names)]
    if method is not None:
        get_integrator(method)
    if dt is not None:
        check.check_dt(dt)
    labels = [n if isinstance(n, str) else n.key for n in names]
    groups: dict = {}
    for i, p in enumerate(presets):
        key = (p.method if method is None else method, float(p.dt if dt is None else dt), p.recovery)
        groups.setdefault(key, []).append(i)
    results = {}
    with _precision(dtype):
        import brainpy.math as bm

        dtype_name = np.dtype(bm.float_).name
        for (m, step, _), members in groups.items():
            ts, V, u, I, spikes = _run_group([presets[i] for i in members], m, step)
            for j, i in enumerate(members):
                p = presets[i]
                n = int(round(p.duration / step)) + 1
                results[i] = Simulation(
                    preset=p, ts=ts[:n], V=V[:n, j], u=u[:n, j], I=I[:n, j],
                    spike_times=ts[:n][spikes[:n, j]], method=m, dt=step, dtype=dtype_name,
                )
    return {label: results[i] for i, label in enumerate(labels)}


def simulate(
    name: Union[str, Preset],
    method: Optional[str] = None,
    dt: Optional[float] = None,
    dtype: Optional[str] = None,
) -> Simulation:
    """Simulate one preset with its protocol; see :func:`simulate_many`.

    Examples
    --------
    >>> from izhi_dyn import simulate
    >>> sim = simulate('phasic_spiking', dtype='float64')
    >>> sim.spike_times.size
    1
    """
    (result,) = simulate_many([_lookup(name, 'name')], method=method, dt=dt, dtype=dtype).values()
    return result
