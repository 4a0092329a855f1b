r"""A counter-based normal generator: threefry-2x32 words and a fixed-point inverse CDF.

The thalamic noise of neuron :math:`g` at step :math:`k` of a run seeded :math:`s` is a
function of :math:`(s, k, g)` alone, so it does not depend on how the run is chunked,
checkpointed or spread over devices, and a native kernel can draw the same numbers
bit for bit (``csrc/fused_step.cc`` implements this module operation by operation).

Words. Neurons :math:`2m` and :math:`2m + 1` take the two 32-bit outputs of
threefry-2x32 with 20 rounds [1]_ under the key :math:`(s, 0)` and the counter
:math:`(m, k)`: :math:`w_{2m}, w_{2m+1} = \mathrm{threefry}_{(s,0)}(m, k)`.

Normal deviates. A word :math:`w` gives :math:`\xi = \pm x(p)` with the sign from its top
bit, :math:`p = \max(r, 1)\,2^{-32}` from its other 31 bits :math:`r`, and
:math:`x(p) \approx -\Phi^{-1}(p)` read from a table: the octave
:math:`[2^{n}, 2^{n+1})` holding :math:`r` is cut into :math:`2^{8}` equal bins whose
edges carry :math:`-\Phi^{-1}` rounded to :math:`2^{-24}`, and :math:`x` is the linear
interpolation between the two edges (16 fraction bits), all in integers. Only the
conversion to floating point rounds (``int32 -> float``, then the exact scale
:math:`2^{-24}`), so JAX and C++ give identical bits. The interpolation error is below
:math:`10^{-6}` (in units of :math:`\sigma`); the largest deviate is 6.2. In float64 the
deviates keep this :math:`2^{-24}` grid.

References
----------
.. [1] Salmon, J. K., Moraes, M. A., Dror, R. O., Shaw, D. E. (2011). Parallel random
   numbers: as easy as 1, 2, 3. SC '11.
"""

from __future__ import annotations

import functools
from statistics import NormalDist

import jax
import jax.numpy as jnp
import numpy as np

__all__ = ['FRAC_BITS', 'SUB_BITS', 'threefry2x32', 'normal_table', 'normals_from_words', 'counter_normal']

#: Fixed-point fraction bits of the table (deviates on a grid of 2^-24).
FRAC_BITS = 24
#: log2 of the bins per octave of the table.
SUB_BITS = 8
_OCTAVES = 31
_PARITY = 0x1BD11BDA
_ROTATIONS = ((13, 15, 26, 6), (17, 29, 16, 24))


def threefry2x32(k0, k1, c0, c1):
    """Threefry-2x32, 20 rounds, of counters ``(c0, c1)`` under key ``(k0, k1)`` (uint32)."""
    k0, k1, c0, c1 = (jnp.asarray(x, jnp.uint32) for x in (k0, k1, c0, c1))
    ks = (k0, k1, k0 ^ k1 ^ jnp.uint32(_PARITY))
    x0, x1 = c0 + ks[0], c1 + ks[1]
    for block in range(5):
        for r in _ROTATIONS[block % 2]:
            x0 = x0 + x1
            x1 = (x1 << jnp.uint32(r)) | (x1 >> jnp.uint32(32 - r))
            x1 = x1 ^ x0
        x0 = x0 + ks[(block + 1) % 3]
        x1 = x1 + ks[(block + 2) % 3] + jnp.uint32(block + 1)
    return x0, x1


@functools.lru_cache(maxsize=1)
def normal_table() -> np.ndarray:
    """The int32 table ``(31, 2**SUB_BITS + 1)``: row ``30 - n`` holds
    :math:`\\mathrm{round}(-\\Phi^{-1}(p)\\,2^{24})` at the bin edges of the octave
    :math:`r \\in [2^n, 2^{n+1})`, :math:`p = r\\,2^{-32}` (read-only, computed once)."""
    inv = NormalDist().inv_cdf
    table = np.empty((_OCTAVES, 2**SUB_BITS + 1), np.int32)
    for octave in range(_OCTAVES):
        lead = 30 - octave
        for j in range(2**SUB_BITS + 1):
            p = (2.0**lead + j * 2.0**(lead - SUB_BITS)) * 2.0**-32
            table[octave, j] = 0 if p == 0.5 else int(round(-inv(p) * 2**FRAC_BITS))
    assert np.all(np.diff(table, axis=1) <= 0) and np.all(-np.diff(table, axis=1) < 2**16)
    table.setflags(write=False)
    return table


def normals_from_words(words, table, dtype):
    """Standard normal deviates of uint32 ``words`` (see the module's notes), as ``dtype``."""
    w = jnp.asarray(words, jnp.uint32)
    u32 = lambda x: jnp.asarray(x, jnp.uint32)  # noqa: E731
    r = jnp.maximum(w & u32(0x7FFFFFFF), u32(1))
    lead = u32(31) - jax.lax.clz(r)  # 0..30
    f = r - (u32(1) << lead)
    wide = lead >= SUB_BITS
    sh = jnp.where(wide, lead - SUB_BITS, u32(0))
    j = jnp.where(wide, f >> sh, f << (u32(SUB_BITS) - jnp.minimum(lead, u32(SUB_BITS))))
    rem = f & ((u32(1) << sh) - u32(1))
    frac = jnp.where(sh >= 16, rem >> jnp.where(sh >= 16, sh - 16, u32(0)), rem << (u32(16) - jnp.minimum(sh, u32(16))))
    frac = jnp.where(wide, frac, u32(0))
    flat = jnp.asarray(table).reshape(-1)
    at = ((u32(30) - lead) * u32(2**SUB_BITS + 1) + j).astype(jnp.int32)
    hi, lo = flat[at], flat[at + 1]
    x = hi - (((hi - lo).astype(jnp.uint32) * frac) >> u32(16)).astype(jnp.int32)
    x = jnp.where((w >> u32(31)) == 1, x, -x)
    return x.astype(dtype) * jnp.asarray(2.0**-FRAC_BITS, dtype)


def counter_normal(seed, step, n: int, dtype):
    """The ``n`` deviates of neurons ``0 .. n - 1`` at ``step`` for ``seed`` (uint32; both may be traced)."""
    pairs = (n + 1) // 2
    w0, w1 = threefry2x32(jnp.asarray(seed).astype(jnp.uint32), jnp.uint32(0), jnp.arange(pairs, dtype=jnp.uint32),
                          jnp.asarray(step).astype(jnp.uint32))
    words = jnp.stack([w0, w1], axis=-1).reshape(-1)[:n]
    return normals_from_words(words, normal_table(), dtype)
