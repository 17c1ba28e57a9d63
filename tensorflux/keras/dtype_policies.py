"""keras.dtype_policies: DTypePolicy (a layer's variable and compute dtypes), get / serialize /
deserialize.

tensorflux layers compute in their variable dtype, so the policies available are the plain
float ones ("float16", "float32", "float64", where compute dtype == variable dtype). The mixed
policies ("mixed_float16", "mixed_bfloat16": float16 math on float32 variables), bfloat16 and
the quantized policies are not implemented and raise NotImplementedError rather than run with
different numerics.
"""
from tensorflux.framework import dtypes

__all__ = ["DTypePolicy", "FloatDTypePolicy", "get", "serialize", "deserialize"]

_MIXED = ("mixed_float16", "mixed_bfloat16")
_QUANTIZED = ("int8", "int4", "float8", "gptq", "awq")


def _unsupported(what, api="keras.dtype_policies.DTypePolicy"):
    return NotImplementedError(
        f"{api}({what!r}) is not implemented by tensorflux: its layers compute in their "
        "variable dtype (no mixed precision, bfloat16 or quantization). Use 'float32' (or "
        "'float64' / 'float16').")


def _standard_name(name):
    if name in _MIXED or name == "bfloat16":
        raise _unsupported(name)
    if isinstance(name, str) and any(name.startswith(q + "_") or name.startswith(q + "/")
                                     for q in _QUANTIZED):
        raise _unsupported(name)
    try:
        dtype = dtypes.as_dtype(name)
    except TypeError as error:
        raise ValueError(f"Cannot convert '{name}' to a mixed precision DTypePolicy. Valid "
                         "policies include 'mixed_float16', 'mixed_bfloat16', and the name "
                         "of any float dtype such as 'float32'.") from error
    return dtype.name


class DTypePolicy:
    """A dtype policy: the dtype a layer computes in (`compute_dtype`) and the dtype of its
    weights (`variable_dtype`); in tensorflux the two are always equal.

    Args:
        name: a float dtype name ("float32", "float64", "float16"), or None for
            `keras.config.floatx()`.

    Raises:
        NotImplementedError: "mixed_float16", "mixed_bfloat16", "bfloat16" or a quantized
            policy.
        ValueError: a name that is not a dtype.
    """

    def __init__(self, name=None):
        if name is None:
            from tensorflux.keras import backend
            name = backend.floatx()
        if isinstance(name, DTypePolicy):
            name = name.name
        if isinstance(name, dtypes.DType):
            name = name.name
        if not isinstance(name, str):
            raise TypeError(f"'name' must be a string, such as 'mixed_float16'. Received: "
                            f"name={name} (of type {type(name)})")
        self._name = _standard_name(name)

    @property
    def name(self):
        return self._name

    @property
    def compute_dtype(self):
        return self._name

    @property
    def variable_dtype(self):
        return self._name

    @property
    def quantization_mode(self):
        return None

    @property
    def is_quantized(self):
        return False

    def convert_input(self, x, autocast, dtype):
        """Casts floating `x` to `dtype` when `autocast` (as a layer does with its inputs)."""
        import tensorflux as tf
        dtype = dtypes.as_dtype(dtype)
        if hasattr(x, "dtype") and not isinstance(x, (int, float)):
            current = dtypes.as_dtype(x.dtype)
            if autocast and current.is_floating and current != dtype:
                return tf.cast(x, dtype)
            return x
        return tf.convert_to_tensor(x, dtype=dtype)

    def get_config(self):
        return {"name": self._name}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __eq__(self, other):
        if isinstance(other, DTypePolicy):
            return self._name == other._name
        return NotImplemented

    def __hash__(self):
        return hash(("DTypePolicy", self._name))

    def __repr__(self):
        return f'<DTypePolicy "{self._name}">'


class FloatDTypePolicy(DTypePolicy):
    """Keras 3's older name of DTypePolicy (kept for compatibility)."""


def get(identifier):
    """A DTypePolicy from a policy, its name or its config (None: the global policy)."""
    if identifier is None:
        from tensorflux.keras import mixed_precision
        return mixed_precision.global_policy()
    if isinstance(identifier, DTypePolicy):
        return identifier
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, (str, dtypes.DType)):
        return DTypePolicy(identifier)
    raise ValueError(f"Cannot interpret `dtype` argument. Expected a string or an instance "
                     f"of DTypePolicy. Received: dtype={identifier}")


def serialize(dtype_policy):
    """Keras 3's serialized form of a policy."""
    return {"module": "keras", "class_name": "DTypePolicy",
            "config": dtype_policy.get_config(), "registered_name": None}


def deserialize(config, custom_objects=None):
    """A policy from `serialize` output (or a bare config {"name": ...})."""
    class_name = config.get("class_name")
    if class_name is not None and class_name not in ("DTypePolicy", "FloatDTypePolicy",
                                                     "Policy"):
        raise _unsupported(class_name, "keras.dtype_policies.deserialize")
    inner = config.get("config", config)
    return DTypePolicy(inner.get("name"))


def __getattr__(name):
    if name in ("QuantizedDTypePolicy", "QuantizedFloat8DTypePolicy", "Int4DTypePolicy",
                "GPTQDTypePolicy", "AWQDTypePolicy", "DTypePolicyMap"):
        raise AttributeError(f"keras.dtype_policies.{name} is not implemented by tensorflux "
                             "(no quantization).")
    raise AttributeError(f"keras.dtype_policies.{name} is not implemented by tensorflux.")
