"""tf.sparse: SparseTensor (indices, values, dense_shape) and conversion to dense."""
import numpy as np


class SparseTensor:
    """A sparse tensor: int64 `indices` [N, rank], `values` [N], `dense_shape` [rank]."""

    def __init__(self, indices, values, dense_shape):
        from tensorflux.ops._helpers import to_tensor
        from tensorflux.ops.math_ops import cast
        from tensorflux.framework import dtypes
        self.indices = cast(to_tensor(indices), dtypes.int64)
        self.values = to_tensor(values)
        self.dense_shape = cast(to_tensor(dense_shape), dtypes.int64)

    @property
    def dtype(self):
        return self.values.dtype

    @property
    def shape(self):
        from tensorflux.framework.tensor_shape import TensorShape
        value = self.dense_shape._constant_value()
        return TensorShape(None if value is None else [int(d) for d in value])

    def __repr__(self):
        return (f"SparseTensor(indices={self.indices!r}, values={self.values!r}, "
                f"dense_shape={self.dense_shape!r})")


def to_dense(sp_input, default_value=None, validate_indices=True, name=None):
    indices = np.asarray(sp_input.indices)
    values = np.asarray(sp_input.values)
    shape = tuple(int(d) for d in np.asarray(sp_input.dense_shape))
    fill = default_value if default_value is not None else (b"" if values.dtype == object
                                                           else 0)
    dense = np.full(shape, fill, dtype=values.dtype)
    if len(indices):
        dense[tuple(indices.T)] = values
    from tensorflux.ops.array_ops import constant
    return constant(dense)
