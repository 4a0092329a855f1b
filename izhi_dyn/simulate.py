"""One way to run a neuron population over an input array, and the presets through it.

:func:`run_neuron` builds an Izhikevich population of either form in either
front-end, runs it over a time-major input array and returns its monitors as
NumPy arrays; the presets, the f-I curves, the phase-plane trajectories and the
sweeps all run through it. :func:`simulate` and :func:`simulate_many` run the
2003/2004 presets (:class:`~izhi_dyn.presets.Preset`) and the book's cell
classes (:class:`~izhi_dyn.BookPreset`, the 2007 form) alike: the record's type
selects the form. Presets that share a time step and a recovery law (2007: a
cell class) run together as one population (one neuron per preset, per-neuron
parameters and inputs), so one compiled loop serves them all; each result is
cut back to its own duration.
"""

from __future__ import annotations

import contextlib
from typing import NamedTuple, Optional, Sequence, Union

import numpy as np

from izhi_dyn import _validation as check
from izhi_dyn.core.integrators import get_integrator
from izhi_dyn.book_classes import BookPreset
from izhi_dyn.presets import Preset, get_preset

__all__ = ['FRONTENDS', 'Simulation', 'precision', 'run_grouped', 'run_neuron', 'simulate', 'simulate_many']

#: Names accepted by ``frontend=``: ``'dyn'`` (:class:`izhi_dyn.Izhikevich`, brainpy.dyn)
#: and ``'state'`` (:class:`izhi_dyn.state.Izhikevich`, brainpy.state/brainstate).
FRONTENDS = ('dyn', 'state')

#: Names accepted by ``model=``: the 2003 form and the book's 2007 form.
MODELS = ('2003', '2007')


class Simulation(NamedTuple):
    """Result of one preset run.

    Attributes
    ----------
    preset : Preset or BookPreset
    ts : ndarray
        Time grid ``t_k = k dt`` (ms), the start of each step.
    V : ndarray
        V after the step starting at ``t_k`` (mV), set to ``V_th`` (30; 2007:
        the peak :math:`v_{peak} + \pi_u u`) at the samples of spikes so that
        the peaks show, as in the author's figures.
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

    preset: Union[Preset, BookPreset]
    ts: np.ndarray
    V: np.ndarray
    u: np.ndarray
    I: np.ndarray
    spike_times: np.ndarray
    method: str
    dt: float
    dtype: str


@contextlib.contextmanager
def precision(dtype):
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


def run_neuron(inputs, dt: float, monitors: Sequence[str] = ('V', 'u', 'spike'), *, frontend: str = 'dyn',
               model: str = '2003', **neuron_kwargs) -> dict:
    """Run a population over ``inputs`` (steps, n) and return its monitors as NumPy arrays.

    Parameters
    ----------
    inputs : array of shape (steps, n)
        External current of each neuron at each step.
    dt : float
        Time step (ms).
    monitors : sequence of str
        State names to record after each step (``'V'``, ``'u'``, ``'spike'``, ...).
    frontend : {'dyn', 'state'}, default 'dyn'
        :class:`izhi_dyn.Izhikevich` under :class:`brainpy.DSRunner`, or
        :class:`izhi_dyn.state.Izhikevich` under ``brainstate.transform.for_loop``.
    **neuron_kwargs
        Passed to the neuron class (``size`` is ``n``); its own defaults apply
        otherwise (the initial V is -70 mV in ``'dyn'``, -65 mV in ``'state'``).
        The state neuron runs with exact spikes (``spk_fun=None``).
    model : {'2003', '2007'}, default '2003'
        :class:`izhi_dyn.Izhikevich` or the book's form
        :class:`izhi_dyn.Izhikevich2007` (inputs in pA; on ``'state'``
        :class:`izhi_dyn.state.Izhikevich2007`).

    Returns
    -------
    dict
        ``'ts'`` (the start of each step, ms) and one ``(steps, n)`` array per monitor.
    """
    check.check_choice('frontend', frontend, FRONTENDS)
    check.check_choice('model', model, MODELS)
    inputs = np.asarray(inputs)
    ts = np.arange(inputs.shape[0], dtype=np.float64) * dt  # t_k = k dt, the start of each step
    if frontend == 'state':
        return {'ts': ts, **_run_state(inputs, dt, monitors, neuron_kwargs, model)}
    import brainpy as bp
    import brainpy.math as bm

    from izhi_dyn.dyn.book_neuron import Izhikevich2007
    from izhi_dyn.dyn.neuron import Izhikevich

    neuron = (Izhikevich2007 if model == '2007' else Izhikevich)(inputs.shape[1], **neuron_kwargs)
    runner = bp.DSRunner(neuron, monitors=list(monitors), dt=dt, progress_bar=False)
    runner.run(inputs=inputs.astype(bm.float_))
    return {'ts': ts, **{k: np.asarray(runner.mon[k]) for k in monitors}}


def _run_state(inputs, dt, monitors, neuron_kwargs, model='2003'):
    import brainunit as u

    from izhi_dyn.state import Izhikevich, Izhikevich2007, run_sequence

    cls, unit = (Izhikevich2007, u.pA) if model == '2007' else (Izhikevich, u.mV / u.ms)
    neuron = cls(inputs.shape[1], spk_fun=None, **neuron_kwargs)
    neuron.init_state()

    def step(x):
        neuron.update(x * unit)
        return {k: u.get_mantissa(getattr(neuron, k).value) for k in monitors}

    mon = run_sequence(step, inputs.astype(neuron.V.value.dtype), dt=dt)
    return {k: np.asarray(v) for k, v in mon.items()}


#: V drawn at the samples of spikes: the presets' threshold, as in the author's figures.
_PEAK = 30.0


def _run_group(presets: Sequence[Preset], method: str, dt: float, frontend: str):
    n_steps = max(int(round(p.duration / dt)) + 1 for p in presets)
    ts = np.arange(n_steps, dtype=np.float64) * dt
    I = np.stack([p.protocol(ts) for p in presets], axis=1)
    col = lambda field: np.array([getattr(p, field) for p in presets], dtype=np.float64)  # noqa: E731
    mon = run_neuron(I, dt, frontend=frontend, method=method, recovery=presets[0].recovery,
                     a=col('a'), b=col('b'), c=col('c'), d=col('d'), p2=col('p2'), p3=col('p3'),
                     V_initializer=col('V0'), u_initializer=col('u0'))
    V = np.asarray(mon['V'], dtype=np.float64)
    u = np.asarray(mon['u'], dtype=np.float64)
    spikes = np.asarray(mon['spike'], dtype=bool)
    V = np.where(spikes, _PEAK, V)
    return ts, V, u, I, spikes


def _run_book_group(presets: Sequence[BookPreset], method: str, dt: float, frontend: str):
    n_steps = max(int(round(p.duration / dt)) - 1 for p in presets)
    ts = np.arange(n_steps, dtype=np.float64) * dt
    I = np.stack([p.protocol(ts) for p in presets], axis=1)
    kwargs = presets[0].cell.neuron_kwargs()  # one class per group: the rules are shared
    mon = run_neuron(I, dt, model='2007', frontend=frontend, method=method, **kwargs)
    V = np.asarray(mon['V'], dtype=np.float64)
    u = np.asarray(mon['u'], dtype=np.float64)
    spikes = np.asarray(mon['spike'], dtype=bool)
    cell = presets[0].cell
    V = np.where(spikes, cell.v_peak + cell.peak_u * u, V)  # draw the peaks, as the book's figures do
    return ts, V, u, I, spikes


def _n_samples(p, dt):
    """Samples of a run: the author's ``t_end / tau + 1`` (2003/2004), ``izhi2007.m``'s one fewer (2007)."""
    return int(round(p.duration / dt)) + (-1 if isinstance(p, BookPreset) else 1)


def _group_of(p):
    return ('2007', p.cell.code) if isinstance(p, BookPreset) else ('2003', p.recovery)


def simulate_many(
    names: Sequence[Union[str, Preset, BookPreset]],
    method: Optional[str] = None,
    dt: Optional[float] = None,
    dtype: Optional[str] = None,
    frontend: str = 'dyn',
) -> dict:
    """Simulate several presets; return ``{name: Simulation}`` in the order given.

    The result is keyed by the names passed (a record's ``key`` for records).

    Parameters
    ----------
    names : sequence of str, Preset or BookPreset
        Preset keys (:data:`izhi_dyn.PRESETS`, :data:`izhi_dyn.PRESETS_2007`)
        or records, of either form (they may be mixed).
    method : str, optional
        Integrator name; default each preset's published scheme
        (``'izhikevich2007'`` for the book's classes).
    dt : float, optional
        Time step (ms); default each preset's published step.
    dtype : {'float32', 'float64'}, optional
        Precision of the run; default the current brainpy precision. Switching
        is temporary and restored afterwards.
    frontend : {'dyn', 'state'}, default 'dyn'
        Which neuron class runs the presets (see :func:`run_neuron`); both give
        the same spikes.
    """
    if isinstance(names, (str, Preset, BookPreset)) or not isinstance(names, Sequence) or not names:
        raise TypeError(f'names={names!r}: expected a non-empty sequence of preset names or records')
    presets = [get_preset(n, f'names[{i}]') for i, n in enumerate(names)]
    if method is not None:
        get_integrator(method)
    if dt is not None:
        check.check_dt(dt)
    labels = [n if isinstance(n, str) else n.key for n in names]

    def run_group(group, m, step):
        run = _run_book_group if isinstance(group[0], BookPreset) else _run_group
        return run(group, m, step, frontend)

    return run_grouped(presets, labels, method, dt, dtype, _group_of, run_group, _n_samples)


def run_grouped(presets, labels, method, dt, dtype, group_of, run_group, n_samples) -> dict:
    """Run ``presets`` in groups sharing a method, a time step and ``group_of(preset)``.

    ``run_group(presets, method, dt) -> (ts, V, u, I, spikes)`` runs one group
    as one population; each preset's :class:`Simulation` keeps its first
    ``n_samples(preset, dt)`` samples. Returns ``{label: Simulation}``.
    """
    groups: dict = {}
    for i, p in enumerate(presets):
        key = (p.method if method is None else method, float(p.dt if dt is None else dt), group_of(p))
        groups.setdefault(key, []).append(i)
    results = {}
    with precision(dtype):
        import brainpy.math as bm

        dtype_name = np.dtype(bm.float_).name
        for (m, step, _), members in groups.items():
            ts, V, u, I, spikes = run_group([presets[i] for i in members], m, step)
            for j, i in enumerate(members):
                n = n_samples(presets[i], step)
                results[i] = Simulation(
                    preset=presets[i], ts=ts[:n], V=V[:n, j], u=u[:n, j], I=I[:n, j],
                    spike_times=ts[:n][spikes[:n, j]], method=m, dt=step, dtype=dtype_name,
                )
    return {label: results[i] for i, label in enumerate(labels)}


def simulate(
    name: Union[str, Preset, BookPreset],
    method: Optional[str] = None,
    dt: Optional[float] = None,
    dtype: Optional[str] = None,
    frontend: str = 'dyn',
) -> Simulation:
    """Simulate one preset with its protocol; see :func:`simulate_many`.

    Examples
    --------
    >>> from izhi_dyn import simulate
    >>> sim = simulate('phasic_spiking', dtype='float64')
    >>> sim.spike_times.size
    1
    >>> simulate('rs_100pA', dtype='float64').spike_times[:3]   # the book's RS cell, 2007 form
    array([ 48.5 , 122.25, 198.5 ])
    """
    (result,) = simulate_many([get_preset(name)], method=method, dt=dt, dtype=dtype, frontend=frontend).values()
    return result
