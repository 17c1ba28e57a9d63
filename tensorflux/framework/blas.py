"""How many threads NumPy's BLAS uses for a matrix product.

Multi-threaded OpenBLAS makes small products slower, and much slower when another process
keeps a core busy: its threads spin-wait for work (measured here: a 32x784 @ 784x128 product
took 54 ms with 2 threads on a loaded 2-core machine, 0.3 ms with one). tensorflux therefore
runs small products on one thread and lets large ones use all of BLAS's threads; products in
between use them only while no other process keeps a core busy (a convolution of the seed CNN,
230M multiply-adds: 12.1 ms on one thread, 7.3 ms on two on an idle 2-core machine).

Setting the count needs the BLAS library's own function. `threadpoolctl` does that well and
is used when installed; it is not a dependency (NumPy is the only one), so without it the
library that NumPy loaded is found and called directly through ctypes, for OpenBLAS builds
(NumPy's wheels) only. Anything else (MKL, Accelerate) is left alone.
"""
import ctypes
import glob
import os
import time

import numpy as np

__all__ = ["set_threads_for", "SMALL_GEMM_MACS"]

# Products below this many multiply-adds run single-threaded. A 32-sample batch through a
# 784x128 layer is 3.2M; a 1000x1000 layer on 32 samples is 32M; a whole 10,000-image
# evaluation batch through it is 10G.
SMALL_GEMM_MACS = 256_000_000
# ... unless the other cores are idle: then products from this size up use every BLAS thread
# (the seed CNN's convolutions are 25-230M multiply-adds; W1's products, 3.2M, stay on one).
IDLE_GEMM_MACS = 8_000_000


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


class _OtherLoad:
    """Whether processes other than this one keep the CPUs busy, from /proc/stat's busy time
    minus this process's CPU time over the last second or so (Linux only; elsewhere, and
    until the first full second, the machine counts as busy). The answer is refreshed at most
    once a second, so a product pays for a clock read, not a file read."""

    def __init__(self):
        self.cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        self.checked = None      # (monotonic time, machine busy seconds, own CPU seconds)
        self.idle = False

    @staticmethod
    def _machine_busy_seconds():
        with open("/proc/stat", "rb") as handle:
            fields = handle.readline().split()[1:]
        ticks = [int(f) for f in fields]
        idle = ticks[3] + (ticks[4] if len(ticks) > 4 else 0)   # idle + iowait
        return (sum(ticks[:8]) - idle) / os.sysconf("SC_CLK_TCK")

    def others_idle(self):
        now = time.monotonic()
        if self.checked is not None and now - self.checked[0] < 1.0:
            return self.idle
        try:
            busy = self._machine_busy_seconds()
        except (OSError, ValueError, IndexError):
            return False
        own = time.process_time()
        if self.checked is not None:
            elapsed = now - self.checked[0]
            others = (busy - self.checked[1]) - (own - self.checked[2])
            # idle: the others used less than half a core on average
            self.idle = self.cores > 1 and others < 0.5 * elapsed
        self.checked = (now, busy, own)
        return self.idle


_other_load = _OtherLoad()


def set_threads_for(macs):
    """Chooses the BLAS thread count for a product of `macs` multiply-adds: one thread below
    IDLE_GEMM_MACS; all of BLAS's from SMALL_GEMM_MACS; in between, all only while the other
    processes leave the cores idle (with a core busy, BLAS threads waiting for it spin)."""
    if _blas.set is None:
        return
    if macs < IDLE_GEMM_MACS:
        wanted = 1
    elif macs >= SMALL_GEMM_MACS or _other_load.others_idle():
        wanted = _blas.default
    else:
        wanted = 1
    if wanted != _blas.current:
        _blas.set(wanted)
        _blas.current = wanted


def use_one_thread():
    """BLAS on one thread until the next `set_threads_for` (for callers that run several
    products at once on threads of their own: tensorflux.kernels.parallel)."""
    if _blas.set is not None and _blas.current != 1:
        _blas.set(1)
        _blas.current = 1
