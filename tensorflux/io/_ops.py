"""File and image-codec ops: ReadFile, WriteFile, MatchingFiles, DecodeImage, EncodeJpeg,
EncodePng, DecodeRaw, Base64.

Strings are 0-d (or n-d) object arrays of `bytes`. Image decoding and encoding use Pillow, an
optional dependency (`pip install pillow`); without it these ops raise an ImportError saying so.
"""
import base64
import glob as _glob
import io as _pyio
import os

import numpy as np

from tensorflux.framework import dtypes, errors
from tensorflux.framework.registry import not_differentiable, register_op
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.ops._helpers import apply, to_tensor

__all__ = ["read_file", "write_file", "matching_files", "decode_image", "decode_jpeg",
           "decode_png", "decode_bmp", "decode_gif", "decode_webp", "encode_jpeg", "encode_png",
           "decode_raw", "is_jpeg", "extract_jpeg_shape", "encode_base64", "decode_base64",
           "decode_and_crop_jpeg"]


def _pil():
    try:
        from PIL import Image
    except ImportError:
        raise ImportError("Decoding and encoding images needs Pillow, an optional dependency "
                          "of tensorflux: install it with `pip install pillow`.") from None
    return Image


def _bytes_of(value):
    if isinstance(value, np.ndarray):
        if value.size != 1:
            raise errors.InvalidArgumentError(None, None, f"Expected a scalar string, got "
                                              f"shape {value.shape}.")
        value = value.reshape(()).item()
    if isinstance(value, str):
        return value.encode("utf-8")
    return bytes(value)


def _string_scalar(data):
    out = np.empty((), dtype=object)
    out[()] = data
    return out


def _scalar_string_shape(inputs, attrs):
    return [TensorShape([])]


def _string_dtype(input_dtypes, attrs):
    return [dtypes.string]


# ---- files ---------------------------------------------------------------------------------

def _read_file_kernel(xp, filename):
    path = _bytes_of(filename).decode("utf-8")
    try:
        with open(path, "rb") as f:
            return _string_scalar(f.read())
    except FileNotFoundError:
        raise errors.NotFoundError(None, None, f"{path}; No such file or directory") from None
    except IsADirectoryError:
        raise errors.FailedPreconditionError(None, None, f"{path}; Is a directory") from None


def _write_file_kernel(xp, filename, contents):
    path = _bytes_of(filename).decode("utf-8")
    directory = os.path.dirname(path)
    if directory:
        os.makedirs(directory, exist_ok=True)
    with open(path, "wb") as f:
        f.write(_bytes_of(contents))


def _matching_files_kernel(xp, pattern):
    patterns = np.asarray(pattern, dtype=object).reshape(-1)
    names = set()
    for p in patterns:
        names.update(_glob.glob(_bytes_of(p).decode("utf-8")))
    out = np.empty(len(names), dtype=object)
    out[:] = [n.encode("utf-8") for n in sorted(names)]
    return out


register_op("ReadFile", _read_file_kernel, _scalar_string_shape, _string_dtype,
            stateful=True)
register_op("WriteFile", _write_file_kernel, lambda inputs, attrs: [], num_outputs=0,
            stateful=True)
register_op("MatchingFiles", _matching_files_kernel,
            lambda inputs, attrs: [TensorShape([None])], _string_dtype, stateful=True)
not_differentiable("ReadFile", "WriteFile", "MatchingFiles")


def read_file(filename, name=None):
    """The contents of file `filename` as a scalar string tensor.

    Raises:
        tf.errors.NotFoundError: the file does not exist.
    """
    return apply("ReadFile", [to_tensor(filename, dtype_hint=dtypes.string)], {}, name)


def write_file(filename, contents, name=None):
    """Writes `contents` (a scalar string) to `filename`, creating missing directories."""
    from tensorflux.framework import context
    from tensorflux.framework.registry import get_op
    from tensorflux.framework.execute import apply_op
    inputs = [to_tensor(filename, dtype_hint=dtypes.string),
              to_tensor(contents, dtype_hint=dtypes.string)]
    if context.executing_eagerly() and all(t._value is not None for t in inputs):
        _write_file_kernel(np, *[t._value for t in inputs])
        return None
    apply_op(get_op("WriteFile"), inputs, {}, name)
    return context.get_default_graph()._operations[-1]


def matching_files(pattern, name=None):
    """The sorted file names matching a glob pattern (or a list of patterns)."""
    return apply("MatchingFiles", [to_tensor(pattern, dtype_hint=dtypes.string)], {}, name)


# ---- image decoding ---------------------------------------------------------------------------

def _sniff(data):
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:6] in (b"GIF87a", b"GIF89a"):
        return "gif"
    if data[:2] == b"BM":
        return "bmp"
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "webp"
    return None


def _to_channels(image, channels, kind):
    """A PIL image -> uint8/uint16 array with `channels` (0: the file's own channel count)."""
    mode = image.mode
    if mode in ("I;16", "I;16B", "I;16L", "I"):
        array = np.asarray(image).astype(np.uint16) if mode != "I" else \
            np.clip(np.asarray(image), 0, 65535).astype(np.uint16)
        array = array[..., None]
        if channels in (0, 1):
            return array
        if channels == 3:
            return np.repeat(array, 3, axis=-1)
        if channels == 4:
            return np.concatenate([np.repeat(array, 3, -1),
                                   np.full_like(array, 65535)], axis=-1)
    if channels == 0:
        if mode == "P":
            target = "RGBA" if "transparency" in image.info else "RGB"
        elif mode in ("1", "L"):
            target = "L"
        elif mode == "LA":
            target = "LA"
        elif mode in ("RGBA", "RGBa", "PA"):
            target = "RGBA"
        elif mode == "CMYK" and kind == "jpeg":
            target = "CMYK"
        else:
            target = "RGB"
    else:
        target = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(channels)
        if target is None:
            raise errors.InvalidArgumentError(None, None, f"channels must be 0, 1, 2, 3 or 4, "
                                              f"got {channels}.")
    if mode != target:
        image = image.convert(target)
    array = np.asarray(image, dtype=np.uint8)
    if array.ndim == 2:
        array = array[..., None]
    return array


_PIL_FORMATS = {"jpeg": "JPEG", "png": "PNG", "gif": "GIF", "bmp": "BMP", "webp": "WEBP"}


def _decode(data, kind, channels, dtype, expand_animations, ratio):
    Image = _pil()
    found = _sniff(data)
    if found is None:
        raise errors.InvalidArgumentError(
            None, None, "Unknown image file format. One of JPEG, PNG, GIF, BMP required.")
    try:
        image = Image.open(_pyio.BytesIO(data), formats=[_PIL_FORMATS[found]])
        if found == "jpeg" and ratio > 1:
            image.draft(image.mode, (max(1, image.width // ratio),
                                     max(1, image.height // ratio)))
        if found == "gif":
            frames = []
            count = getattr(image, "n_frames", 1)
            for index in range(count if expand_animations else 1):
                image.seek(index)
                frames.append(_to_channels(image.convert("RGB"), 3, "gif"))
            array = np.stack(frames) if expand_animations and kind in ("gif", "any") \
                else frames[0]
        else:
            image.load()
            array = _to_channels(image, channels, found)
    except errors.OpError:
        raise
    except Exception as error:  # noqa: BLE001 - Pillow's many error types
        raise errors.InvalidArgumentError(
            None, None, f"Invalid {found.upper()} data or crop window ({error}).") from None
    if dtype == "uint16" and array.dtype == np.uint8:
        array = array.astype(np.uint16) * 257
    elif dtype == "uint8" and array.dtype == np.uint16:
        array = (array >> 8).astype(np.uint8)
    elif dtype == "float32":
        scale = 255.0 if array.dtype == np.uint8 else 65535.0
        array = array.astype(np.float32) / scale
    return array


def _decode_kernel(xp, contents, kind, channels, dtype, expand_animations, ratio):
    return _decode(_bytes_of(contents), kind, channels, dtype, expand_animations, ratio)


def _decode_shape(inputs, attrs):
    channels = attrs["channels"] or None
    if attrs["kind"] == "gif":
        return [TensorShape([None, None, None, 3])]
    if attrs["kind"] == "any" and attrs["expand_animations"]:
        return [TensorShape(None)]
    return [TensorShape([None, None, channels])]


register_op("DecodeImage", _decode_kernel, _decode_shape,
            lambda d, attrs: [dtypes.as_dtype(attrs["dtype"])])
not_differentiable("DecodeImage")


def _decode_op(kind, contents, channels=0, dtype=dtypes.uint8, expand_animations=True,
               ratio=1, name=None):
    contents = to_tensor(contents, dtype_hint=dtypes.string)
    if contents.dtype != dtypes.string:
        raise TypeError(f"decode_{kind}: `contents` must be a string tensor, got "
                        f"{contents.dtype.name}.")
    channels = 0 if channels is None else int(channels)
    if channels not in (0, 1, 2, 3, 4):
        raise ValueError(f"channels must be 0, 1, 2, 3 or 4, got {channels}.")
    dtype = dtypes.as_dtype(dtype)
    if dtype not in (dtypes.uint8, dtypes.uint16, dtypes.float32, dtypes.float16,
                     dtypes.float64):
        raise ValueError(f"decode_{kind}: dtype must be uint8, uint16 or a float type, got "
                         f"{dtype.name}.")
    out_dtype = dtype.name if dtype in (dtypes.uint8, dtypes.uint16) else "uint8"
    _pil()  # fail early, with the install hint, when Pillow is missing
    image = apply("DecodeImage", [contents],
                  {"kind": kind, "channels": channels, "dtype": out_dtype,
                   "expand_animations": bool(expand_animations), "ratio": int(ratio)}, name)
    if dtype.is_floating:
        from tensorflux import image as image_ops
        image = image_ops.convert_image_dtype(image, dtype)
    return image


def decode_image(contents, channels=None, dtype=dtypes.uint8, name=None,
                 expand_animations=True):
    """Decodes a BMP, GIF, JPEG or PNG image (detected from its bytes).

    Returns a [height, width, channels] tensor, or [frames, height, width, 3] for a GIF when
    `expand_animations` is True. A float `dtype` gives values scaled to [0, 1].
    """
    return _decode_op("any", contents, channels, dtype, expand_animations, name=name)


def decode_jpeg(contents, channels=0, ratio=1, fancy_upscaling=True,
                try_recover_truncated=False, acceptable_fraction=1, dct_method="", name=None):
    """Decodes a JPEG image to a uint8 [height, width, channels] tensor.

    Args:
        channels: 0 keeps the image's own channels, 1 gives grayscale, 3 RGB.
        ratio: downscaling factor 1, 2, 4 or 8 applied while decoding.
    """
    return _decode_op("jpeg", contents, channels, dtypes.uint8, False, ratio, name)


def decode_and_crop_jpeg(contents, crop_window, channels=0, ratio=1, fancy_upscaling=True,
                         try_recover_truncated=False, acceptable_fraction=1, dct_method="",
                         name=None):
    image = decode_jpeg(contents, channels, ratio)
    y, x, h, w = [int(v) for v in np.asarray(crop_window).reshape(-1)]
    return image[y:y + h, x:x + w, :]


def decode_png(contents, channels=0, dtype=dtypes.uint8, name=None):
    """Decodes a PNG image to a uint8 (or uint16) [height, width, channels] tensor."""
    return _decode_op("png", contents, channels, dtype, False, name=name)


def decode_bmp(contents, channels=0, name=None):
    return _decode_op("bmp", contents, channels, dtypes.uint8, False, name=name)


def decode_gif(contents, name=None):
    """Decodes a (possibly animated) GIF to a uint8 [frames, height, width, 3] tensor."""
    return _decode_op("gif", contents, 0, dtypes.uint8, True, name=name)


def decode_webp(contents, channels=0, name=None):
    return _decode_op("webp", contents, channels, dtypes.uint8, False, name=name)


def _is_jpeg_kernel(xp, contents):
    return np.asarray(_bytes_of(contents)[:3] == b"\xff\xd8\xff")


def _jpeg_shape_kernel(xp, contents, output_type):
    Image = _pil()
    image = Image.open(_pyio.BytesIO(_bytes_of(contents)))
    channels = {"L": 1, "CMYK": 4}.get(image.mode, 3)
    return np.asarray([image.height, image.width, channels], dtype=output_type)


register_op("IsJpeg", _is_jpeg_kernel, _scalar_string_shape,
            lambda d, attrs: [dtypes.bool])
register_op("ExtractJpegShape", _jpeg_shape_kernel, lambda inputs, attrs: [TensorShape([3])],
            lambda d, attrs: [dtypes.as_dtype(attrs["output_type"])])
not_differentiable("IsJpeg", "ExtractJpegShape")


def is_jpeg(contents, name=None):
    return apply("IsJpeg", [to_tensor(contents, dtype_hint=dtypes.string)], {}, name)


def extract_jpeg_shape(contents, output_type=dtypes.int32, name=None):
    _pil()
    return apply("ExtractJpegShape", [to_tensor(contents, dtype_hint=dtypes.string)],
                 {"output_type": dtypes.as_dtype(output_type).as_numpy_dtype}, name)


# ---- image encoding -----------------------------------------------------------------------------

def _pil_image(array, what):
    Image = _pil()
    array = np.asarray(array)
    if array.ndim != 3:
        raise errors.InvalidArgumentError(None, None, f"{what}: image must be 3-dimensional "
                                          f"[height, width, channels], got shape "
                                          f"{array.shape}.")
    channels = array.shape[-1]
    if array.dtype == np.uint16:
        if channels != 1:
            raise errors.UnimplementedError(None, None, f"{what}: 16-bit images with "
                                            f"{channels} channels are not supported (Pillow "
                                            "writes 16-bit grayscale only).")
        return Image.fromarray(array[..., 0].astype("<u2"), mode="I;16")
    if array.dtype != np.uint8:
        raise errors.InvalidArgumentError(None, None, f"{what}: image must be uint8, got "
                                          f"{array.dtype}; use tf.image.convert_image_dtype "
                                          "first.")
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(channels)
    if mode is None:
        raise errors.InvalidArgumentError(None, None, f"{what}: image must have 1, 2, 3 or 4 "
                                          f"channels, got {channels}.")
    return Image.fromarray(array[..., 0] if channels == 1 else array, mode=mode)


def _encode_jpeg_kernel(xp, image, format, quality, progressive, optimize_size,
                        chroma_downsampling, density):
    array = np.asarray(image)
    if array.ndim != 3 or array.shape[-1] not in (1, 3):
        raise errors.InvalidArgumentError(None, None, f"encode_jpeg: image must be "
                                          f"[height, width, 1 or 3], got shape {array.shape}.")
    if format == "grayscale" and array.shape[-1] != 1:
        raise errors.InvalidArgumentError(None, None, "encode_jpeg: format 'grayscale' needs "
                                          "a 1-channel image.")
    pil = _pil_image(array, "encode_jpeg")
    buffer = _pyio.BytesIO()
    pil.save(buffer, "JPEG", quality=int(quality), progressive=bool(progressive),
             optimize=bool(optimize_size), subsampling=2 if chroma_downsampling else 0,
             dpi=density)
    return _string_scalar(buffer.getvalue())


def _encode_png_kernel(xp, image, compression):
    pil = _pil_image(image, "encode_png")
    buffer = _pyio.BytesIO()
    pil.save(buffer, "PNG", compress_level=6 if compression < 0 else int(compression))
    return _string_scalar(buffer.getvalue())


register_op("EncodeJpeg", _encode_jpeg_kernel, _scalar_string_shape, _string_dtype)
register_op("EncodePng", _encode_png_kernel, _scalar_string_shape, _string_dtype)
not_differentiable("EncodeJpeg", "EncodePng")


def encode_jpeg(image, format="", quality=95, progressive=False, optimize_size=False,
                chroma_downsampling=True, density_unit="in", x_density=300, y_density=300,
                xmp_metadata="", name=None):
    """JPEG-encodes a uint8 [height, width, 1 or 3] image; returns a scalar string."""
    _pil()
    return apply("EncodeJpeg", [to_tensor(image)],
                 {"format": format, "quality": int(quality), "progressive": progressive,
                  "optimize_size": optimize_size, "chroma_downsampling": chroma_downsampling,
                  "density": (int(x_density), int(y_density))}, name)


def encode_png(image, compression=-1, name=None):
    """PNG-encodes a uint8 (or uint16 grayscale) [height, width, channels] image."""
    _pil()
    return apply("EncodePng", [to_tensor(image)], {"compression": int(compression)}, name)


# ---- raw bytes, base64 -------------------------------------------------------------------------

def _decode_raw_kernel(xp, contents, out_type, little_endian, fixed_length):
    strings = np.asarray(contents, dtype=object)
    dtype = np.dtype(out_type).newbyteorder("<" if little_endian else ">")
    rows = []
    for s in strings.reshape(-1):
        data = _bytes_of(s)
        if fixed_length is not None:
            data = data[:fixed_length].ljust(fixed_length, b"\0")
        if len(data) % dtype.itemsize:
            raise errors.InvalidArgumentError(
                None, None, f"Input to DecodeRaw has length {len(data)} that is not a multiple "
                f"of {dtype.itemsize}, the size of {np.dtype(out_type).name}")
        rows.append(np.frombuffer(data, dtype=dtype).astype(out_type))
    if strings.ndim == 0:
        return rows[0]
    lengths = {r.size for r in rows}
    if len(lengths) > 1:
        raise errors.InvalidArgumentError(None, None, "DecodeRaw requires input strings to all "
                                          "be the same size.")
    width = lengths.pop() if lengths else 0
    return np.stack(rows).reshape(strings.shape + (width,)) if rows else \
        np.zeros(strings.shape + (0,), dtype=out_type)


register_op("DecodeRaw", _decode_raw_kernel,
            lambda inputs, attrs: [TensorShape(None) if inputs[0].shape.rank is None else
                                   TensorShape(list(inputs[0].shape.as_tuple()) + [None])],
            lambda d, attrs: [dtypes.as_dtype(attrs["out_type"])])
not_differentiable("DecodeRaw")


def decode_raw(input_bytes, out_type, little_endian=True, fixed_length=None, name=None):
    """Reinterprets the bytes of each string as a vector of `out_type` numbers."""
    out_type = dtypes.as_dtype(out_type)
    return apply("DecodeRaw", [to_tensor(input_bytes, dtype_hint=dtypes.string)],
                 {"out_type": out_type.as_numpy_dtype, "little_endian": bool(little_endian),
                  "fixed_length": None if fixed_length is None else int(fixed_length)}, name)


def _base64_kernel(xp, contents, encode, pad):
    strings = np.asarray(contents, dtype=object)
    out = np.empty(strings.shape, dtype=object)
    flat_in, flat_out = strings.reshape(-1), out.reshape(-1)
    for i, s in enumerate(flat_in):
        data = _bytes_of(s)
        if encode:
            encoded = base64.urlsafe_b64encode(data)
            flat_out[i] = encoded if pad else encoded.rstrip(b"=")
        else:
            try:
                flat_out[i] = base64.urlsafe_b64decode(data + b"=" * (-len(data) % 4))
            except ValueError as error:
                raise errors.InvalidArgumentError(None, None, f"Invalid base64: {error}")
    return out


register_op("Base64", _base64_kernel, lambda inputs, attrs: [inputs[0].shape], _string_dtype)
not_differentiable("Base64")


def encode_base64(input, pad=False, name=None):  # noqa: A002 - TF's argument name
    """Web-safe base64 (`-` and `_`), without padding unless `pad`."""
    return apply("Base64", [to_tensor(input, dtype_hint=dtypes.string)],
                 {"encode": True, "pad": bool(pad)}, name)


def decode_base64(input, name=None):  # noqa: A002
    return apply("Base64", [to_tensor(input, dtype_hint=dtypes.string)],
                 {"encode": False, "pad": False}, name)
