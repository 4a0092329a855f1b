"""What every brainstate neuron class of izhi_dyn does around the core's update.

:class:`StateNeuron` (abstract) checks the arguments both forms share, creates
and resets the states from ``_initial_values``, reads one step's time, dt,
inputs and state at the unit boundary, draws the step's noise and writes the
core's result back; the concrete classes (the 2003 and 2007 forms) build their
parameters and call their core update between :meth:`_step_inputs` and
:meth:`_write_step`.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import brainpy.state
import brainstate
import braintools
import brainunit as u
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn._precision import float_dtype
from izhi_dyn.core.equations import to_state_shape
from izhi_dyn.core.noise import noise_increment
from izhi_dyn.state._units import read, strip

__all__ = ['StateNeuron', 'StepInputs', 'StepStateUnits', 'default_spike_function']

_NEVER = -1e7  # "no spike yet" time stamp (ms), as in brainpy


def default_spike_function():
    """The neurons' default ``spk_fun``: ``braintools.surrogate.InvSquareGrad()``."""
    return braintools.surrogate.InvSquareGrad()


class StepInputs(NamedTuple):
    """Plain values of one step: time and dt (ms), V, u, total current I and delta input of V."""

    t: object
    dt: object
    V: object
    u: object
    I: object
    delta_V: object


class StepStateUnits(NamedTuple):
    """Units of V, u, I and of the noise amplitudes on V and u."""

    V: u.Unit
    u: u.Unit
    I: u.Unit
    noise: u.Unit
    noise_u: u.Unit


class StateNeuron(brainpy.state.Neuron):
    """Abstract: the brainstate side of an izhi_dyn neuron; subclasses define ``_initial_values`` and ``update``.

    ``_units`` (a :class:`StepStateUnits`) gives the units of V, u, I and the noise amplitudes.
    """

    _units: StepStateUnits

    def __init__(self, in_size, *, spk_fun, name, **options):
        """Check and store the arguments both forms share, and build the brainstate node. ``options``
        (``spk_reset``, ``detach_spk``, ``ref_var``, ...) are checked by
        :func:`~izhi_dyn._validation.neuron_options` and stored as attributes."""
        in_size, options = check.neuron_options(in_size, name, **options)
        if spk_fun is not None and not callable(spk_fun):
            raise TypeError(f'spk_fun={spk_fun!r}: expected None (exact spikes) or a callable such as '
                            'braintools.surrogate.InvSquareGrad()')
        super().__init__(in_size, spk_fun=spk_fun, spk_reset=options['spk_reset'], name=name)
        for key, value in options.items():
            setattr(self, key, value)

    def _initial_values(self, batch_size) -> dict:
        raise NotImplementedError

    def _spike_states(self, shape) -> dict:
        """Initial spike, last spike time and clock (and refractory, spike_time, input when asked for)."""
        never = jnp.full(shape, _NEVER, dtype=float_dtype()) * u.ms
        values = {'spike': jnp.zeros(shape, dtype=float_dtype()), 't_last_spike': never,
                  '_clock': jnp.zeros((), dtype=float_dtype()) * u.ms}
        if self.ref_var:
            values['refractory'] = jnp.zeros(shape, dtype=bool)
        if self.spike_time_var:
            values['spike_time'] = never
        if self.input_var:
            values['input'] = jnp.zeros(shape, dtype=float_dtype()) * self._units.I
        return values

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

    def _noise(self, shape, t, dt):
        """The step's noise increments ``(dV, du)`` from ``noise`` and ``noise_u``, or None without noise."""
        if self.noise is None and self.noise_u is None:
            return None
        return tuple(self._increment(name, shape, t, dt) for name in ('noise', 'noise_u'))

    def _increment(self, name, shape, t, dt):
        amplitude, unit = getattr(self, name), getattr(self._units, name)
        if amplitude is None:
            return 0.0
        sigma = strip(name, amplitude(t), unit) if callable(amplitude) else read(name, amplitude, unit)
        return noise_increment(to_state_shape(sigma, shape), brainstate.random.randn(*shape), dt)

    def _write_step(self, t, dt, out, I) -> jnp.ndarray:
        """Advance the clock and store V, u, the last spike time and the spikes of the core's ``out`` (and
        refractory, spike_time and the step's current ``I`` when asked for); return the spikes."""
        self._clock.value = (t + dt) * u.ms
        self.V.value = out.V * self._units.V
        self.u.value = out.u * self._units.u
        self.t_last_spike.value = jnp.where(out.fired, t, self.t_last_spike.value.to_decimal(u.ms)) * u.ms
        if self.ref_var:
            self.refractory.value = out.refractory
        if self.spike_time_var:
            self.spike_time.value = jnp.where(out.fired, out.spike_time, self.spike_time.value.to_decimal(u.ms)) * u.ms
        if self.input_var:
            self.input.value = jnp.broadcast_to(I, out.V.shape).astype(out.V.dtype) * self._units.I
        self.spike.value = jnp.asarray(out.spike, dtype=float_dtype())
        return self.spike.value
