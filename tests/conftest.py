"""Shared test setup. Markers and timeouts are configured in pyproject.toml."""
import sys


def pytest_runtest_setup(item):
    """Each test starts eager, with a fresh default graph and no global random seed."""
    if "tensorflux" not in sys.modules:
        return
    from tensorflux.framework import context
    from tensorflux.ops import random_ops
    context.state.eager_enabled = True
    context.state.graph_stack.clear()
    context.state.tapes.clear()
    context.reset_default_graph()
    random_ops._SeedState.global_seed = None
    random_ops._SeedState.op_counter = 0
    random_ops._SeedState.streams = {}


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    """Reports how many differentiable ops passed a finite-difference gradient check."""
    module = sys.modules.get("tensorflux.testing.gradient_check")
    if module is None or not module.CHECKED_OPS:
        return
    from tensorflux.framework.registry import registered_ops
    differentiable = {name for name, op in registered_ops().items() if op.gradient is not None}
    checked = differentiable & module.CHECKED_OPS
    terminalreporter.write_line(
        f"gradient checks: {len(checked)} of {len(differentiable)} differentiable ops checked "
        "against finite differences (float64, eager and graph)")
    missing = sorted(differentiable - module.CHECKED_OPS)
    if missing:
        terminalreporter.write_line(f"  not exercised by a gradient check: {', '.join(missing)}")
