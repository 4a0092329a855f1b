"""Build of the optional native kernel (metadata lives in setup.cfg).

``izhi_dyn/networks/_fused_step*.so`` is the C++ XLA FFI kernel of ``csrc/fused_step.cc``,
compiled for the host (``-march=native``, as XLA compiles for it) against the headers of
``jax.ffi.include_dir()``. Without a compiler the build skips it (``optional``) and the
networks run on the pure-JAX path (:mod:`izhi_dyn.networks.native`).
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
        'izhi_dyn.networks._fused_step', sources=['csrc/fused_step.cc'], language='c++', optional=True,
        extra_compile_args=['-std=c++17', '-O3', '-march=native', '-ffp-contract=off', '-w'])],
    cmdclass={'build_ext': BuildFFI},
)
