"""Published parameter sets and protocols of the Izhikevich model, as records."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

__all__ = ['CellType', 'CELL_TYPES_2003', 'simulate_cell_type']


class CellType(NamedTuple):
    """A cortical/thalamic cell type of Izhikevich (2003), Fig. 2."""

    code: str
    name: str
    a: float
    b: float
    c: float
    d: float


CELL_TYPES_2003 = (
    CellType('RS', 'regular spiking', 0.02, 0.2, -65.0, 8.0),
    CellType('IB', 'intrinsically bursting', 0.02, 0.2, -55.0, 4.0),
    CellType('CH', 'chattering', 0.02, 0.2, -50.0, 2.0),
    CellType('FS', 'fast spiking', 0.1, 0.2, -65.0, 2.0),
    CellType('LTS', 'low-threshold spiking', 0.02, 0.25, -65.0, 2.0),
    CellType('TC', 'thalamo-cortical', 0.02, 0.25, -65.0, 0.05),
    CellType('RZ', 'resonator', 0.1, 0.26, -65.0, 2.0),
)


def simulate_cell_type(cell: CellType, current=10.0, duration=200.0, dt=0.1, method='riccati'):
    """Simulate ``cell`` under a step of ``current`` from t = 20 ms; return (ts, V with spike peaks)."""
    import brainpy as bp

    from izhi_dyn.neuron import Izhikevich

    neuron = Izhikevich(1, a=cell.a, b=cell.b, c=cell.c, d=cell.d, method=method)
    runner = bp.DSRunner(neuron, monitors=['V', 'spike'], dt=dt, progress_bar=False)
    steps = int(round(duration / dt))
    inputs = np.where(np.arange(steps) * dt >= 20.0, current, 0.0)
    runner.run(inputs=inputs)
    V = np.array(runner.mon['V'][:, 0])
    V[np.asarray(runner.mon['spike'][:, 0])] = 30.0
    return np.asarray(runner.mon['ts']), V
