"""The BLAS thread policy (tensorflux/framework/blas.py), with the machine's load faked."""
import pytest

from tensorflux.framework import blas


class FakeBLAS:
    def __init__(self):
        self.default, self.current, self.calls = 4, 1, []

    def set(self, threads):
        self.calls.append(threads)


@pytest.fixture
def fake(monkeypatch):
    library = FakeBLAS()
    monkeypatch.setattr(blas._blas, "set", library.set)
    monkeypatch.setattr(blas._blas, "default", library.default)
    monkeypatch.setattr(blas._blas, "current", 1)
    load = blas._OtherLoad()
    load.cores = 4
    clock = {"now": 100.0, "busy": 0.0, "own": 0.0}
    monkeypatch.setattr(blas, "_other_load", load)
    monkeypatch.setattr(blas.time, "monotonic", lambda: clock["now"])
    monkeypatch.setattr(blas.time, "process_time", lambda: clock["own"])
    monkeypatch.setattr(load, "_machine_busy_seconds", lambda: clock["busy"])
    return library, load, clock


def advance(clock, seconds, others, own):
    clock["now"] += seconds
    clock["own"] += own
    clock["busy"] += own + others


def test_small_products_always_run_on_one_thread(fake):
    library, load, clock = fake
    blas.set_threads_for(blas.IDLE_GEMM_MACS - 1)
    assert library.calls == [] and blas._blas.current == 1


def test_large_products_use_every_thread(fake):
    library, _, _ = fake
    blas.set_threads_for(blas.SMALL_GEMM_MACS)
    assert library.calls == [4] and blas._blas.current == 4


def test_medium_products_use_every_thread_only_while_other_processes_are_idle(fake):
    library, load, clock = fake
    medium = blas.IDLE_GEMM_MACS * 2
    blas.set_threads_for(medium)            # first reading: no interval yet, counts as busy
    assert blas._blas.current == 1
    advance(clock, 1.5, others=0.1, own=1.5)  # this process busy, the others nearly idle
    blas.set_threads_for(medium)
    assert blas._blas.current == 4
    advance(clock, 0.5, others=2.0, own=0.5)  # within the second: the answer is kept
    blas.set_threads_for(medium)
    assert blas._blas.current == 4
    advance(clock, 1.0, others=1.0, own=1.0)  # another process kept a core busy
    blas.set_threads_for(medium)
    assert blas._blas.current == 1
    assert library.calls == [4, 1]


def test_one_core_never_counts_as_idle(fake):
    library, load, clock = fake
    load.cores = 1
    load.others_idle()
    advance(clock, 2.0, others=0.0, own=2.0)
    assert load.others_idle() is False


def test_unreadable_proc_stat_counts_as_busy(fake, monkeypatch):
    _, load, clock = fake

    def unreadable():
        raise OSError("no /proc here")
    monkeypatch.setattr(load, "_machine_busy_seconds", unreadable)
    advance(clock, 2.0, others=0.0, own=0.0)
    assert load.others_idle() is False
