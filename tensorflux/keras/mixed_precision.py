"""keras.mixed_precision: the global dtype policy.

Only float32 (the default) is available as the global policy: tensorflux layers take their
default dtype from float32 and compute in their variable dtype, so "mixed_float16" /
"mixed_bfloat16" (float16 math on float32 variables, with loss scaling) are not implemented.
Asking for them raises NotImplementedError instead of silently training in float32. A
single layer can still use another float dtype: `Dense(4, dtype="float64")`.
"""
from tensorflux.keras.dtype_policies import DTypePolicy

__all__ = ["DTypePolicy", "Policy", "global_policy", "set_global_policy", "dtype_policy",
           "set_dtype_policy"]

Policy = DTypePolicy

_global = {"policy": None}


def global_policy():
    """The global DTypePolicy (float32: the dtype tensorflux layers use by default)."""
    return _global["policy"] or DTypePolicy("float32")


def set_global_policy(policy):
    """Sets the global dtype policy; only "float32" (or None, the default) is supported.

    Raises:
        NotImplementedError: a mixed ("mixed_float16", "mixed_bfloat16") or other non-float32
            policy (tensorflux layers do not read a global policy).
        ValueError: a non-floating policy, as in Keras.
    """
    if policy is None:
        _global["policy"] = None
        return
    name = policy.name if isinstance(policy, DTypePolicy) else policy
    if name in ("mixed_float16", "mixed_bfloat16"):
        raise NotImplementedError(
            f"keras.mixed_precision.set_global_policy({name!r}): mixed precision is not "
            "implemented by tensorflux (layers compute in their variable dtype). Keep the "
            "default 'float32' policy.")
    if not isinstance(policy, DTypePolicy):
        policy = DTypePolicy(policy)
    from tensorflux.framework import dtypes
    if not dtypes.as_dtype(policy.compute_dtype).is_floating:
        raise ValueError("set_global_policy can only be used to set the global policy to "
                         "floating-point policies, such as \"float32\" and "
                         f"\"mixed_float16\", but got policy: {policy.name}")
    if policy.name != "float32":
        raise NotImplementedError(
            f"keras.mixed_precision.set_global_policy({policy.name!r}) is not implemented by "
            "tensorflux: layers do not read a global policy (their default dtype is "
            "float32). Pass dtype=... to each layer instead.")
    _global["policy"] = policy


dtype_policy = global_policy
set_dtype_policy = set_global_policy


def __getattr__(name):
    if name == "LossScaleOptimizer":
        raise AttributeError("keras.mixed_precision.LossScaleOptimizer is not implemented by "
                             "tensorflux (mixed precision is not supported; float32 training "
                             "needs no loss scaling).")
    raise AttributeError(f"keras.mixed_precision.{name} is not implemented by tensorflux.")
