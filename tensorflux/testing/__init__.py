"""Test helpers shipped with the package: finite-difference gradient checks."""
from tensorflux.testing.gradient_check import check_gradients, numeric_gradients, \
    symbolic_gradients

__all__ = ["check_gradients", "numeric_gradients", "symbolic_gradients"]
