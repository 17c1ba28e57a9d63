"""Convolutions split across cores (tensorflux.kernels.parallel) equal the one-thread result."""
import threading

import numpy as np
import pytest

from tensorflux.framework import blas
from tensorflux.kernels import nn as nk
from tensorflux.kernels import parallel


@pytest.fixture(params=["split", "whole"])
def split(request, monkeypatch):
    """Forces the batch to be split (as on an idle multi-core machine), or never split."""
    if request.param == "split":
        if blas._blas.set is None:
            pytest.skip("the BLAS thread count cannot be set here")
        monkeypatch.setattr(parallel, "_cores", 3)
        monkeypatch.setattr(parallel, "MIN_MACS", 0)
        monkeypatch.setattr(blas._other_load, "others_idle", lambda: True)
    else:
        monkeypatch.setattr(parallel, "parts", lambda count, macs: [(0, count)])
    return request.param


def _reference_conv(x, w):
    """Direct loops over the taps (stride 1, VALID)."""
    kh, kw = w.shape[:2]
    n, h, wd, _ = x.shape
    out = np.zeros((n, h - kh + 1, wd - kw + 1, w.shape[-1]))
    for i in range(kh):
        for j in range(kw):
            out += np.einsum("nhwc,co->nhwo", x[:, i:i + h - kh + 1, j:j + wd - kw + 1],
                             w[i, j].astype(np.float64))
    return out


@pytest.mark.parametrize("batch", [1, 2, 7])
def test_split_convolution_and_its_gradients_match(split, batch):
    rng = np.random.default_rng(batch)
    x = rng.standard_normal((batch, 9, 8, 5)).astype(np.float32)
    w = rng.standard_normal((3, 3, 5, 4)).astype(np.float32)
    out = nk.conv(np, x, w, (1, 1), "VALID", (1, 1))
    np.testing.assert_allclose(out, _reference_conv(x, w), rtol=1e-4, atol=1e-4)
    grad = rng.standard_normal(out.shape).astype(np.float32)
    dw = nk.conv_backprop_filter(np, x, grad, w.shape, (1, 1), "VALID", (1, 1))
    expected_dw = np.einsum("nhwc,nhwo->co",
                            np.lib.stride_tricks.sliding_window_view(
                                x.astype(np.float64), (3, 3), axis=(1, 2))
                            .transpose(0, 1, 2, 4, 5, 3).reshape(batch, 7, 6, 45), grad)
    np.testing.assert_allclose(dw.reshape(45, 4), expected_dw, rtol=1e-4, atol=1e-4)
    assert dw.dtype == np.float32 and dw.shape == w.shape
    dx = nk.conv_backprop_input(np, x.shape, w, grad, (1, 1), "VALID", (1, 1))
    # <conv(x, w), grad> = <x, dx> for every x: the adjoint identity
    np.testing.assert_allclose(np.sum(out * grad), np.sum(x.astype(np.float64) * dx), rtol=1e-4)


def test_an_error_in_one_part_reaches_the_caller(split):
    if split == "whole":
        pytest.skip("only the split run has parts on other threads")
    calls = []

    def good():
        calls.append(threading.current_thread().name)
        return 1

    def bad():
        raise ValueError("part failed")

    with pytest.raises(ValueError, match="part failed"):
        parallel.run_all([good, bad, good])
    assert len(calls) == 2
    assert parallel.run_all([good, good]) == [1, 1]


@pytest.mark.skipif(not hasattr(__import__("os"), "fork"), reason="needs fork")
def test_a_forked_child_starts_its_own_workers(split):
    import os
    if split == "whole":
        pytest.skip("only the split run uses workers")
    assert parallel.run_all([lambda: 1, lambda: 2]) == [1, 2]      # workers exist now
    pid = os.fork()
    if pid == 0:
        try:
            ok = parallel.run_all([lambda: 1, lambda: 2]) == [1, 2]
        finally:
            os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    assert os.WEXITSTATUS(status) == 0


@pytest.mark.parametrize("padding", ["VALID", "SAME"])
def test_split_max_pooling_and_its_gradient_match(split, padding):
    rng = np.random.default_rng(5)
    x = rng.integers(0, 4, (5, 7, 6, 3)).astype(np.float32)   # ties: the first maximum wins
    y = nk.max_pool(np, x, (2, 2), (2, 2), padding)
    grad = rng.standard_normal(y.shape).astype(np.float32)
    dx = nk.max_pool_grad(np, x, y, grad, (2, 2), (2, 2), padding)
    for n in range(5):      # image by image, never split
        with np.errstate(all="ignore"):
            np.testing.assert_array_equal(y[n:n + 1], nk.max_pool(np, x[n:n + 1], (2, 2), (2, 2),
                                                                  padding))
        np.testing.assert_array_equal(dx[n:n + 1], nk.max_pool_grad(
            np, x[n:n + 1], y[n:n + 1], grad[n:n + 1], (2, 2), (2, 2), padding))
    assert np.count_nonzero(dx) <= grad.size
    np.testing.assert_allclose(dx.sum(), grad.sum(), rtol=1e-5)
