"""What every brainpy.dyn neuron class of izhi_dyn does around the core's update.

:class:`DynNeuron` (abstract) checks the arguments shared by the 2003 and 2007
forms once, builds the brainpy node, and writes one step's results back; the
concrete classes build their parameters and states and call their core
update.
"""

from __future__ import annotations

import brainpy as bp
import brainpy.math as bm
import jax.numpy as jnp

from izhi_dyn import _validation as check
from izhi_dyn._precision import float_dtype, follow_jax_precision
from izhi_dyn.dyn import _args as args

__all__ = ['DynNeuron', 'never_spiked']

_NEVER = -1e7  # "no spike yet" time stamp, as in brainpy


def never_spiked(shape):
    """``t_last_spike`` before any spike: a strongly typed float array (a weak type would change after the
    first step and make every jitted loop over the neuron compile twice)."""
    return jnp.full(shape, _NEVER, dtype=float_dtype())


class DynNeuron(bp.dyn.NeuDyn):
    """Abstract: the brainpy.dyn side of an izhi_dyn neuron; subclasses define ``params``, ``reset_state``
    and ``update``."""

    supported_modes = (bm.NonBatchingMode, bm.BatchingMode, bm.TrainingMode)

    def _init_node(self, size, integrator, *, sharding, mode, name, spk_fun, spk_dtype, **options) -> bool:
        """Check and store the arguments every form shares, and build the brainpy node. ``options``
        (``keep_size``, ``init_var``, ``spk_reset``, the bool flags, ...) are checked by
        :func:`~izhi_dyn._validation.neuron_options` and stored as attributes; returns ``init_var``."""
        follow_jax_precision()  # a jax_enable_x64 set after `import izhi_dyn` is honoured too
        size, options = check.neuron_options(size, name, **options)
        args.check_sharding(sharding)
        check.check_type('mode', mode, (bm.Mode, type(None)), 'None or a brainpy.math.Mode such as bm.TrainingMode()')
        self.integrator = integrator
        bp.dyn.NeuDyn.__init__(self, size=size, sharding=sharding, keep_size=options.pop('keep_size'), name=name,
                               mode=mode, method=integrator.name)
        if not callable(spk_fun):
            raise TypeError(f'spk_fun={spk_fun!r}: expected a callable such as bm.surrogate.Sigmoid()')
        self.spk_fun = spk_fun
        self._spk_dtype = check.check_dtype('spk_dtype', spk_dtype)
        init_var = options.pop('init_var')
        for key, value in options.items():
            setattr(self, key, value)
        return init_var

    _value = staticmethod(args.value_of)

    @property
    def training(self) -> bool:
        """Whether spikes are surrogate (``TrainingMode``)."""
        return isinstance(self.mode, bm.TrainingMode)

    @property
    def spk_dtype(self):
        """Spike dtype: ``spk_dtype`` if given, else float in training, bool otherwise."""
        if self._spk_dtype is not None:
            return self._spk_dtype
        return float_dtype() if self.training else bm.bool_

    def _init_spike_states(self, batch_size):
        """``spike`` and ``t_last_spike`` (and ``refractory``, ``spike_time`` when asked for)."""
        self.spike = self.init_variable(lambda s: bm.zeros(s, dtype=self.spk_dtype), batch_size)
        self.t_last_spike = self.init_variable(never_spiked, batch_size)
        if self.ref_var:
            self.refractory = self.init_variable(lambda s: bm.zeros(s, dtype=bool), batch_size)
        if self.spike_time_var:
            self.spike_time = self.init_variable(never_spiked, batch_size)

    def _write_step(self, t, out):
        """Store V, u, the last spike time (and refractory, spike_time) and the spikes of the core's ``out``."""
        self.V.value = out.V
        self.u.value = out.u
        self.t_last_spike.value = jnp.where(out.fired, t, self.t_last_spike.value)
        if self.ref_var:
            self.refractory.value = out.refractory
        if self.spike_time_var:
            self.spike_time.value = jnp.where(out.fired, out.spike_time, self.spike_time.value)
        self.spike.value = jnp.asarray(out.spike, dtype=self.spk_dtype)
        return self.spike.value

    def return_info(self):
        return self.spike
