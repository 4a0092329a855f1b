"""What every brainstate neuron class of izhi_dyn does around the core's update.

:class:`StateNeuron` (abstract) creates and resets the states from
``_initial_values`` and reads one step's time, dt, inputs and state at the
unit boundary; the concrete classes (the 2003 and 2007 forms) build their
parameters and call their core update between :meth:`_step_inputs` and
:meth:`_write_step`.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import brainpy.state
import brainstate
import brainunit as u
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn._precision import float_dtype
from izhi_dyn.state._units import strip

__all__ = ['StateNeuron', 'StepInputs', 'StepStateUnits']


class StepInputs(NamedTuple):
    """Plain values of one step: time and dt (ms), V, u, total current I and delta input of V."""

    t: object
    dt: object
    V: object
    u: object
    I: object
    delta_V: object


class StepStateUnits(NamedTuple):
    V: u.Unit
    u: u.Unit
    I: u.Unit


class StateNeuron(brainpy.state.Neuron):
    """Abstract: the brainstate side of an izhi_dyn neuron; subclasses define ``_initial_values`` and ``update``.

    ``_units`` (a :class:`StepStateUnits`) gives the units of V, u and I.
    """

    _units: StepStateUnits

    def _initial_values(self, batch_size) -> dict:
        raise NotImplementedError

    def init_state(self, batch_size: Optional[int] = None, **kwargs):
        """Create the states for ``batch_size`` (u derived from V unless ``u_initializer`` is given)."""
        for key, value in self._initial_values(batch_size).items():
            kind = brainstate.HiddenState if key in ('V', 'u', 'spike', 'V_d') else brainstate.ShortTermState
            setattr(self, key, kind(value))

    def reset_state(self, batch_size: Optional[int] = None, **kwargs):
        """Set every state back to its initial value (u re-derived with the current parameters)."""
        for key, value in self._initial_values(batch_size).items():
            getattr(self, key).value = value

    def _step_inputs(self, x) -> StepInputs:
        """``t`` and ``dt`` from :mod:`brainstate.environ` (the neuron's own clock when ``t`` is unset),
        V and u, the current ``x`` plus the current inputs, and the delta inputs, all as plain values."""
        units = self._units
        dt = check.check_dt(strip('dt', brainstate.environ.get_dt(), u.ms))
        t_env = brainstate.environ.get('t', None)
        t = self._clock.value.to_decimal(u.ms) if t_env is None else strip('t', t_env, u.ms)
        V_q = self.V.value
        V, u_ = V_q.to_decimal(units.V), self.u.value.to_decimal(units.u)
        x = x if isinstance(x, u.Quantity) else jnp.asarray(x) * units.I
        I = strip('x (plus the current inputs)', self.sum_current_inputs(x, V_q), units.I)
        check.check_input('x', I, V.shape)
        delta_V = strip('delta inputs', self.sum_delta_inputs(jnp.zeros((), V.dtype) * units.V), units.V)
        return StepInputs(t, dt, V, u_, I, delta_V)

    def _write_step(self, t, dt, out):
        """Advance the clock and store V, u, the last spike time and the spikes of the core's ``out``."""
        self._clock.value = (t + dt) * u.ms
        self.V.value = out.V * self._units.V
        self.u.value = out.u * self._units.u
        self.t_last_spike.value = jnp.where(out.fired, t, self.t_last_spike.value.to_decimal(u.ms)) * u.ms
        self.spike.value = jnp.asarray(out.spike, dtype=float_dtype())
