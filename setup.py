"""Build of the optional native kernels (metadata lives in setup.cfg).

``izhi_dyn/networks/_fused_step*.so`` (the 2003 network's step, ``csrc/fused_step.cc``) and
``izhi_dyn/_exact_step*.so`` (the event-exact step and a run of them, ``csrc/exact_step.cc`` and
``csrc/exact_run.cc``) are C++ XLA FFI kernels,
compiled for the host (``-march=native``, as XLA compiles for it) against the headers of
``jax.ffi.include_dir()``. Without a compiler the build skips them (``optional``), and the
network and the exact step run on the pure-JAX path (:mod:`izhi_dyn.networks.native`,
:mod:`izhi_dyn.exact_native`).
"""

from setuptools import Extension, setup
from setuptools.command.build_ext import build_ext


class BuildFFI(build_ext):
    """Adds the XLA FFI headers of the jaxlib in the build environment."""

    def build_extensions(self):
        import jax.ffi

        for ext in self.extensions:
            ext.include_dirs.append(jax.ffi.include_dir())
        super().build_extensions()


setup(
    ext_modules=[Extension(
        module, sources=sources, depends=[f'csrc/exact_{part}.h' for part in ('segment', 'tape', 'model', 'sample')], language='c++', optional=True,
        extra_compile_args=['-std=c++17', '-O3', '-march=native', '-ffp-contract=off', '-w'])
        for module, sources in (('izhi_dyn.networks._fused_step', ['csrc/fused_step.cc']),
                                ('izhi_dyn._exact_step', ['csrc/exact_step.cc', 'csrc/exact_run.cc']))],
    cmdclass={'build_ext': BuildFFI},
)
