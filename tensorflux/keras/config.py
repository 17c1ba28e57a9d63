"""keras.config: global Keras settings.

floatx / epsilon / image_data_format are the same settings as `keras.backend` (one source of
truth, kept in tensorflux.keras.backend); the setters here validate their argument as Keras
3 does. The backend is always "tensorflow".

Settings that only steer Keras internals with no counterpart in tensorflux are accepted and
remembered, without further effect (each function's docstring says so): traceback filtering
(tensorflux does not rewrite tracebacks) and flash attention (attention is computed with
plain NumPy either way; the results are the same).
"""
import warnings

from tensorflux.keras import backend as _backend

__all__ = ["floatx", "set_floatx", "epsilon", "set_epsilon", "image_data_format",
           "set_image_data_format", "backend", "set_backend", "enable_unsafe_deserialization",
           "enable_traceback_filtering", "disable_traceback_filtering",
           "is_traceback_filtering_enabled", "enable_interactive_logging",
           "disable_interactive_logging", "is_interactive_logging_enabled",
           "enable_flash_attention", "disable_flash_attention", "is_flash_attention_enabled",
           "dtype_policy", "set_dtype_policy", "max_epochs", "set_max_epochs",
           "max_steps_per_epoch", "set_max_steps_per_epoch", "is_nnx_enabled"]

_state = {"traceback_filtering": True, "interactive_logging": True, "flash_attention": None,
          "unsafe_deserialization": False}

_FLOATX_VALUES = ("bfloat16", "float16", "float32", "float64")


def floatx():
    """The default float type, as a string ("float32" unless changed)."""
    return _backend.floatx()


def set_floatx(value):
    """Sets the default float type: "float16", "float32" or "float64" (tensorflux has no
    bfloat16).

    Raises:
        ValueError: an unknown value.
        NotImplementedError: "bfloat16".
    """
    if value not in _FLOATX_VALUES:
        raise ValueError(f"Unknown `floatx` value: {value}. Expected one of "
                         f"{set(_FLOATX_VALUES)}")
    if value == "bfloat16":
        raise NotImplementedError("keras.config.set_floatx('bfloat16'): tensorflux has no "
                                  "bfloat16 dtype; use 'float16', 'float32' or 'float64'.")
    _backend.set_floatx(str(value))


def epsilon():
    """The fuzz factor used in numeric expressions (1e-7 unless changed)."""
    return _backend.epsilon()


def set_epsilon(value):
    """Sets the fuzz factor (a float)."""
    _backend.set_epsilon(value)


def image_data_format():
    """"channels_last" (the default) or "channels_first"."""
    return _backend.image_data_format()


def set_image_data_format(data_format):
    """Sets the default image data format ("channels_last" or "channels_first").

    Raises:
        ValueError: any other value.
    """
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    _backend.set_image_data_format(data_format)


def backend():
    """The backend name: tensorflux implements Keras' TensorFlow backend, "tensorflow"."""
    return "tensorflow"


def set_backend(backend):
    """Only "tensorflow" is available (a no-op).

    Raises:
        ValueError: any other backend name.
    """
    if backend != "tensorflow":
        raise ValueError(f"keras.config.set_backend({backend!r}): tensorflux only provides "
                         "the 'tensorflow' backend.")


def enable_unsafe_deserialization():
    """Disables safe mode globally: later loads accept `Lambda` layers (whose functions are
    looked up by name in `custom_objects`), as if `safe_mode=False` were passed."""
    _state["unsafe_deserialization"] = True
    _install_safe_mode_hook()


def _install_safe_mode_hook():
    # keras.saving decides safe mode in serialization._current_safe_mode(); wrap it once so
    # the global switch above overrides the per-call setting, as in Keras
    from tensorflux.keras.saving import serialization
    current = serialization._current_safe_mode
    if getattr(current, "_config_hook", False):
        return

    def _current_safe_mode():
        if _state["unsafe_deserialization"]:
            return False
        return current()
    _current_safe_mode._config_hook = True
    serialization._current_safe_mode = _current_safe_mode


def enable_traceback_filtering():
    """Accepted for compatibility; tensorflux never filters tracebacks (no effect)."""
    _state["traceback_filtering"] = True


def disable_traceback_filtering():
    """Accepted for compatibility; tensorflux never filters tracebacks (no effect)."""
    _state["traceback_filtering"] = False


def is_traceback_filtering_enabled():
    """The traceback-filtering flag (True by default; informational in tensorflux)."""
    return _state["traceback_filtering"]


def enable_interactive_logging():
    """Progress bars and messages go to stdout (the default)."""
    _state["interactive_logging"] = True


def disable_interactive_logging():
    """Records the setting. Keras then sends its logs to absl logging; tensorflux's progress
    bar and messages keep writing to stdout (use verbose=0 or 2 to quiet them)."""
    if _state["interactive_logging"]:
        warnings.warn("keras.config.disable_interactive_logging(): tensorflux keeps printing "
                      "progress to stdout; pass verbose=0 (or 2) to fit/evaluate/predict to "
                      "silence it.", stacklevel=2)
    _state["interactive_logging"] = False


def is_interactive_logging_enabled():
    """Whether interactive logging is on (True by default)."""
    return _state["interactive_logging"]


def enable_flash_attention():
    """Accepted (no effect: tensorflux's attention is plain NumPy, with the same results)."""
    _state["flash_attention"] = None


def disable_flash_attention():
    """Accepted (no effect: tensorflux never uses flash attention)."""
    _state["flash_attention"] = False


def is_flash_attention_enabled():
    """None (the default: "use when available") or False after `disable_flash_attention`."""
    return _state["flash_attention"]


def is_nnx_enabled():
    """False: Flax NNX belongs to the JAX backend."""
    return False


def dtype_policy():
    """The global dtype policy (keras.mixed_precision.global_policy)."""
    from tensorflux.keras import mixed_precision
    return mixed_precision.global_policy()


def set_dtype_policy(policy):
    """Sets the global dtype policy (keras.mixed_precision.set_global_policy)."""
    from tensorflux.keras import mixed_precision
    mixed_precision.set_global_policy(policy)


def max_epochs():
    """None: tensorflux's fit has no global epoch cap."""
    return None


def set_max_epochs(max_epochs):
    """Only None (no cap) is supported.

    Raises:
        NotImplementedError: a cap (tensorflux's `Model.fit` does not read one).
    """
    if max_epochs is not None:
        raise NotImplementedError("keras.config.set_max_epochs is not implemented by "
                                  "tensorflux (Model.fit has no global epoch cap); pass "
                                  "epochs= to fit instead.")


def max_steps_per_epoch():
    """None: tensorflux's fit has no global steps cap."""
    return None


def set_max_steps_per_epoch(max_steps_per_epoch):
    """Only None (no cap) is supported.

    Raises:
        NotImplementedError: a cap (tensorflux's `Model.fit` does not read one).
    """
    if max_steps_per_epoch is not None:
        raise NotImplementedError("keras.config.set_max_steps_per_epoch is not implemented by "
                                  "tensorflux (Model.fit has no global step cap); pass "
                                  "steps_per_epoch= to fit instead.")


def __getattr__(name):
    raise AttributeError(f"keras.config.{name} is not implemented by tensorflux.")
