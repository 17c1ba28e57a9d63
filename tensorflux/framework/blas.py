"""How many threads NumPy's BLAS uses for a matrix product.

Multi-threaded OpenBLAS makes small products slower, and much slower when another process
keeps a core busy: its threads spin-wait for work (measured here: a 32x784 @ 784x128 product
took 54 ms with 2 threads on a loaded 2-core machine, 0.3 ms with one). tensorflux therefore
runs small products on one thread and lets large ones use all of BLAS's threads.

Setting the count needs the BLAS library's own function. `threadpoolctl` does that well and
is used when installed; it is not a dependency (NumPy is the only one), so without it the
library that NumPy loaded is found and called directly through ctypes, for OpenBLAS builds
(NumPy's wheels) only. Anything else (MKL, Accelerate) is left alone.
"""
import ctypes
import glob
import os

import numpy as np

__all__ = ["set_threads_for", "SMALL_GEMM_MACS"]

# Products below this many multiply-adds run single-threaded. A 32-sample batch through a
# 784x128 layer is 3.2M; a 1000x1000 layer on 32 samples is 32M; a whole 10,000-image
# evaluation batch through it is 10G.
SMALL_GEMM_MACS = 256_000_000


class _OpenBLAS:
    def __init__(self):
        self.set = None
        self.get = None
        self.default = None
        self.current = None
        try:
            self._load()
        except (OSError, AttributeError):
            self.set = None

    def _load(self):
        if os.environ.get("TENSORFLUX_BLAS_THREADS") == "default":
            return
        try:
            from threadpoolctl import ThreadpoolController
        except ImportError:
            ThreadpoolController = None
        if ThreadpoolController is not None:
            controller = ThreadpoolController()
            pools = [p for p in controller.lib_controllers if p.user_api == "blas"]
            if pools:
                pool = pools[0]
                self.set = pool.set_num_threads
                self.get = pool.get_num_threads
        else:
            library = self._find_numpy_openblas()
            if library is None:
                return
            for prefix in ("scipy_openblas", "openblas"):
                for suffix in ("64_", "", "_64"):
                    setter = getattr(library, f"{prefix}_set_num_threads{suffix}", None)
                    getter = getattr(library, f"{prefix}_get_num_threads{suffix}", None)
                    if setter is not None and getter is not None:
                        setter.argtypes = [ctypes.c_int]
                        getter.restype = ctypes.c_int
                        self.set, self.get = setter, getter
                        break
                if self.set is not None:
                    break
        if self.set is not None:
            self.default = self.current = int(self.get())

    @staticmethod
    def _find_numpy_openblas():
        base = os.path.dirname(os.path.dirname(np.__file__))
        candidates = glob.glob(os.path.join(base, "numpy.libs", "libscipy_openblas*.so*")) + \
            glob.glob(os.path.join(base, "numpy", ".dylibs", "libscipy_openblas*.dylib"))
        for path in candidates:
            return ctypes.CDLL(path)  # already loaded by NumPy: this returns the same handle
        return None


_blas = _OpenBLAS()


def set_threads_for(macs):
    """Chooses the BLAS thread count for a product of `macs` multiply-adds."""
    if _blas.set is None:
        return
    wanted = 1 if macs < SMALL_GEMM_MACS else _blas.default
    if wanted != _blas.current:
        _blas.set(wanted)
        _blas.current = wanted
