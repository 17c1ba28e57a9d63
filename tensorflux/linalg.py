"""tf.linalg: matrix ops."""
from tensorflux.ops.math_ops import matmul  # noqa: F401
from tensorflux.ops.extra_array_ops import (  # noqa: F401
    einsum, eye, norm, tensordot, matrix_transpose, trace, matrix_inverse as inv,
    matrix_determinant as det, matrix_diag as diag, matrix_diag_part as diag_part,
    matrix_set_diag as set_diag)
from tensorflux.ops.clip_ops import global_norm  # noqa: F401


def adjoint(matrix, name=None):
    """The conjugate transpose of each matrix in `matrix`."""
    return matrix_transpose(matrix, name=name or "adjoint", conjugate=True)


def __getattr__(name):
    raise AttributeError(f"tf.linalg.{name} is not implemented by tensorflux.")
