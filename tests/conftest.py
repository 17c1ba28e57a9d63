"""Shared test setup. Markers and timeouts are configured in pyproject.toml."""
import sys


def pytest_runtest_setup(item):
    """Give each test a fresh default graph, if the engine is loaded and offers one."""
    tensorflux = sys.modules.get("tensorflux")
    if tensorflux is not None and hasattr(tensorflux, "reset_default_graph"):
        tensorflux.reset_default_graph()
