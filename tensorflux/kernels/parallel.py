"""Running a large kernel's independent parts (e.g. groups of images) on all cores at once.

A convolution as im2col + GEMM spends a third of its time building the patch matrix, a copy
NumPy does on one core; BLAS threads then only speed up the GEMM half. Splitting the batch
into one group of images per core and running each group's copy and GEMM (on one BLAS thread)
in its own Python thread parallelises both: NumPy and OpenBLAS release the GIL while they
work. As with BLAS threads (framework/blas.py), this only happens while the other processes
leave the cores idle: a thread waiting for a busy core would slow the whole step down.
"""
import os
import queue
import threading

from tensorflux.framework import blas

__all__ = ["parts", "run_all", "in_parts", "MIN_MACS"]

# Kernels of fewer multiply-adds (or element visits) are not split: a hand-off between threads
# costs tens of microseconds, a 4M multiply-add convolution about a millisecond (the seed
# CNN's 3x3 convolutions are 6M-170M, its 2x2 max-pooling visits 2.4M elements).
MIN_MACS = 2_000_000

_cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else \
    (os.cpu_count() or 1)
_workers = []
_lock = threading.Lock()
_running = False        # parts are running: a kernel they call is not split again


def parts(count, macs):
    """Splits range(count) into one contiguous (start, stop) part per core when a kernel of
    `macs` multiply-adds is worth spreading and the cores are free; else [(0, count)]."""
    if _cores < 2 or count < 2 or macs < MIN_MACS or blas._blas.set is None or _running \
            or threading.current_thread() is not threading.main_thread() \
            or not blas._other_load.others_idle():
        return [(0, count)]
    n = min(_cores, count)
    bounds = [count * i // n for i in range(n + 1)]
    return list(zip(bounds[:-1], bounds[1:]))


def in_parts():
    """Whether kernel parts are running (in any thread): BLAS stays on one thread."""
    return _running


def run_all(tasks):
    """Runs the callables in `tasks` at once (the first in this thread) with BLAS on one
    thread each; returns their results in order and re-raises the first error."""
    if len(tasks) == 1:
        return [tasks[0]()]
    global _running
    blas.use_one_thread()
    workers = _get_workers(len(tasks) - 1)
    _running = True
    for worker, task in zip(workers, tasks[1:]):
        worker.jobs.put(task)
    results = [None] * len(tasks)
    error = None
    try:
        results[0] = tasks[0]()
    except BaseException as caught:     # wait for the others before raising
        error = caught
    for i, worker in enumerate(workers, start=1):
        ok, value = worker.results.get()
        if ok:
            results[i] = value
        elif error is None:
            error = value
    _running = False
    if error is not None:
        raise error
    return results


class _Worker:
    def __init__(self, index):
        self.jobs = queue.SimpleQueue()
        self.results = queue.SimpleQueue()
        thread = threading.Thread(target=self._loop, name=f"tensorflux-kernel-{index}",
                                  daemon=True)
        thread.start()

    def _loop(self):
        while True:
            task = self.jobs.get()
            try:
                self.results.put((True, task()))
            except BaseException as error:  # noqa: BLE001 - handed to the caller
                self.results.put((False, error))


def _forget_workers():
    # a forked child has none of its parent's threads: it starts its own when it needs them
    global _workers, _lock
    _workers = []
    _lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_workers)


def _get_workers(count):
    with _lock:
        while len(_workers) < count:
            _workers.append(_Worker(len(_workers)))
        return _workers[:count]
