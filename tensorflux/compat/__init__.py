"""tf.compat: `v1` (the TF1 API, graph mode) and `v2` (the TF2 API, this package itself)."""
from tensorflux.compat import v1  # noqa: F401


def __getattr__(name):
    if name == "v2":
        import tensorflux
        return tensorflux
    raise AttributeError(f"tf.compat.{name} is not implemented by tensorflux.")


def as_bytes(bytes_or_text, encoding="utf-8"):
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text
    return str(bytes_or_text).encode(encoding)


def as_text(bytes_or_text, encoding="utf-8"):
    if isinstance(bytes_or_text, bytes):
        return bytes_or_text.decode(encoding)
    return str(bytes_or_text)


as_str = as_text
as_str_any = as_text
