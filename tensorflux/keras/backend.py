"""keras.backend: session-wide settings (float type, epsilon, image format, name counters)."""
_settings = {"floatx": "float32", "epsilon": 1e-7, "image_data_format": "channels_last"}


def floatx():
    return _settings["floatx"]


def set_floatx(value):
    _settings["floatx"] = str(value)


def epsilon():
    return _settings["epsilon"]


def set_epsilon(value):
    _settings["epsilon"] = float(value)


def image_data_format():
    return _settings["image_data_format"]


def set_image_data_format(data_format):
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f"Unknown data_format {data_format!r}.")
    _settings["image_data_format"] = data_format


def backend():
    return "tensorflow"


def clear_session(free_memory=True):
    """Resets layer-name counters (dense, dense_1, ...) and the default graph."""
    from tensorflux.framework import context
    from tensorflux.keras.layers.base_layer import reset_names
    reset_names()
    from tensorflux.keras.optimizers.base import reset_names as reset_optimizer_names
    reset_optimizer_names()
    if context.executing_eagerly():
        context.reset_default_graph()


def learning_phase():
    return 0
