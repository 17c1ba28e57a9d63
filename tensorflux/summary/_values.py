"""Summary values from NumPy arrays: the payload of scalar/histogram/image/text/audio summaries.

Two flavours, as TensorFlow writes them:
- TF1 (`tf.compat.v1.summary.*`): `simple_value`, `histo` (a HistogramProto over TensorFlow's
  fixed exponential buckets), `image` (one PNG per value), `audio` (one WAV per value);
- TF2 (`tf.summary.*`): a `tensor` plus `metadata` naming the TensorBoard plugin: a float32
  scalar; a float64 [k, 3] tensor of (left edge, right edge, count) histogram buckets; a string
  vector [width, height, png, png, ...]; a string tensor of text; a [k, 2] string tensor of
  (wav, label) pairs.
"""
import io
import sys
import wave

import numpy as np

from tensorflux.framework import errors
from tensorflux.summary import _proto

__all__ = ["summary_of", "scalar_v1", "scalar_v2", "histogram_v1", "histogram_v2",
           "image_v1", "image_v2", "text_value", "audio_v1", "audio_v2",
           "histogram_buckets", "tf1_bucket_limits"]

DEFAULT_BUCKET_COUNT = 30


def summary_of(values):
    summary_pb2 = _proto.proto("summary_pb2")
    return summary_pb2.Summary(value=list(values))


def _value(**fields):
    return _proto.proto("summary_pb2").Summary.Value(**fields)


def _as_float(data, tag):
    array = np.asarray(data)
    if array.size != 1:
        raise errors.InvalidArgumentError(
            None, None, f"A scalar summary needs a single value, but {tag!r} got shape "
                        f"{tuple(array.shape)}. Reduce it first (e.g. tf.reduce_mean).")
    return float(array.reshape(()))


# ---- scalars ------------------------------------------------------------------------------

def scalar_v1(tag, data):
    return _value(tag=tag, simple_value=_as_float(data, tag))


def scalar_v2(tag, data, description=None):
    metadata = _proto.standard_metadata("scalar", description=description)
    metadata.data_class = _proto.proto("summary_pb2").DATA_CLASS_SCALAR
    return _value(tag=tag, metadata=metadata,
                  tensor=_proto.tensor_proto(np.float32(_as_float(data, tag))))


# ---- histograms ---------------------------------------------------------------------------

_TF1_LIMITS = []


def tf1_bucket_limits():
    """TensorFlow's default histogram bucket limits: +-1e-12 growing by 10% per bucket up to
    +-1e20, then +-DBL_MAX, and 0 in the middle (a value v falls in the first bucket whose
    limit exceeds v)."""
    if not _TF1_LIMITS:
        positive = []
        value = 1.0e-12
        while value < 1.0e20:
            positive.append(value)
            value *= 1.1
        positive.append(sys.float_info.max)
        negative = [-v for v in reversed(positive)]
        _TF1_LIMITS.append(np.asarray(negative + [0.0] + positive, dtype=np.float64))
    return _TF1_LIMITS[0]


def _finite_values(data, tag):
    values = np.asarray(data, dtype=np.float64).reshape(-1)
    if values.size and not np.all(np.isfinite(values)):
        kind = "NaN" if np.isnan(values).any() else "Infinity"
        raise errors.InvalidArgumentError(
            None, None, f"{kind} in summary histogram for: {tag}")
    return values


def histogram_v1(tag, data):
    """A HistogramProto value: min, max, count, sum, sum of squares and the non-empty
    buckets (a run of empty buckets is stored as its last one, as TensorFlow does)."""
    summary_pb2 = _proto.proto("summary_pb2")
    values = _finite_values(data, tag)
    limits = tf1_bucket_limits()
    counts = np.bincount(np.searchsorted(limits, values, side="right"),
                         minlength=len(limits))[:len(limits)].astype(np.float64)
    keep = counts > 0
    # an empty bucket is kept only where the next one is non-empty (or it is the last)
    keep[:-1] |= ~keep[:-1] & keep[1:]
    keep[-1] = True
    histogram = summary_pb2.HistogramProto(
        min=float(values.min()) if values.size else 0.0,
        max=float(values.max()) if values.size else 0.0,
        num=float(values.size), sum=float(values.sum()),
        sum_squares=float(np.dot(values, values)))
    histogram.bucket_limit.extend(limits[keep].tolist())
    histogram.bucket.extend(counts[keep].tolist())
    return _value(tag=tag, histo=histogram)


def histogram_buckets(data, bucket_count=None):
    """TF2 histogram buckets of `data`: a float64 array [k, 3] of (left, right, count).

    `bucket_count` equal-width buckets span [min, max] (the last one includes max); if all
    values are equal, every bucket is [v, v] and the last holds them all; empty data gives
    `bucket_count` all-zero rows (and a zero count gives shape (0, 3)).
    """
    count = DEFAULT_BUCKET_COUNT if bucket_count is None else max(0, int(bucket_count))
    values = np.asarray(data, dtype=np.float64).reshape(-1)
    if values.size == 0 or count == 0:
        return np.zeros((count, 3), dtype=np.float64)
    low, high = values.min(), values.max()
    if low == high:
        counts = np.zeros(count, dtype=np.float64)
        counts[-1] = values.size
        edges = np.full(count, high)
        return np.stack([edges, edges, counts], axis=1)
    width = (high - low) / count
    with np.errstate(invalid="ignore"):
        indices = np.floor((values - low) / width)
    indices = np.minimum(np.nan_to_num(indices, nan=count - 1), count - 1).astype(np.int64)
    counts = np.bincount(indices, minlength=count).astype(np.float64)
    edges = np.linspace(low, high, count + 1)
    edges[-1] = high
    return np.stack([edges[:-1], edges[1:], counts], axis=1)


def histogram_v2(tag, data, buckets=None, description=None):
    metadata = _proto.standard_metadata("histogram", description=description)
    return _value(tag=tag, metadata=metadata,
                  tensor=_proto.tensor_proto(histogram_buckets(data, buckets)))


# ---- images -------------------------------------------------------------------------------

def _require_pillow():
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError("Image summaries are PNG-encoded with Pillow: pip install pillow "
                          "(or: pip install 'tensorflux[image]')") from error
    return Image


def encode_png(image):
    """PNG bytes of one uint8 image [h, w, c] with c in (1, 3, 4)."""
    Image = _require_pillow()
    channels = image.shape[-1]
    mode = {1: "L", 2: "LA", 3: "RGB", 4: "RGBA"}.get(channels)
    if mode is None:
        raise ValueError(f"An image summary needs 1, 3 or 4 channels; got {channels} "
                         f"(image shape {tuple(image.shape)}).")
    pixels = image[..., 0] if channels == 1 else image
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(pixels), mode=mode).save(buffer, format="PNG")
    return buffer.getvalue()


def _check_images(images, tag):
    array = np.asarray(images)
    if array.ndim == 3:  # one image [h, w, c] (TF requires a batch; accept and add it)
        array = array[None]
    if array.ndim != 4 or array.shape[-1] not in (1, 3, 4):
        raise ValueError(f"Image summary {tag!r} expects images of shape [k, height, width, "
                         f"channels] with 1, 3 or 4 channels; got shape {tuple(array.shape)}.")
    return array


def _images_v2_uint8(images):
    """tf.image.convert_image_dtype(images, uint8, saturate=True): floats in [0, 1] are
    scaled by 255.5 and truncated; other integer types are rescaled by their range."""
    if images.dtype == np.uint8:
        return images
    if images.dtype.kind == "f":
        return np.clip(images.astype(np.float64) * 255.5, 0, 255).astype(np.uint8)
    if images.dtype.kind == "b":
        return images.astype(np.uint8) * 255
    info = np.iinfo(images.dtype)
    scaled = (images.astype(np.float64) - max(info.min, 0)) * (255.0 / info.max)
    return np.clip(scaled, 0, 255).astype(np.uint8)


def _images_v1_uint8(images):
    """TF1 image summary scaling of float images, per image: all non-negative values are
    scaled so the largest is 255; otherwise 0 maps to 127 and the values are scaled so the
    smallest is 0 or the largest 255."""
    if images.dtype == np.uint8:
        return images
    result = np.empty(images.shape, dtype=np.uint8)
    for i, image in enumerate(images.astype(np.float64)):
        finite = image[np.isfinite(image)]
        low = finite.min() if finite.size else 0.0
        high = finite.max() if finite.size else 0.0
        if low >= 0:
            scale = 255.0 / high if high > 0 else 0.0
            offset = 0.0
        else:
            scale = 127.0 / max(-low, high) if max(-low, high) > 0 else 0.0
            offset = 128.0
        pixels = np.nan_to_num(image, nan=0.0, posinf=high, neginf=low) * scale + offset
        result[i] = np.clip(np.round(pixels), 0, 255).astype(np.uint8)
    return result


def image_v1(tag, images, max_outputs=3):
    """One value per image: tags "tag/image" (one image) or "tag/image/0", "tag/image/1"."""
    summary_pb2 = _proto.proto("summary_pb2")
    array = _images_v1_uint8(_check_images(images, tag)[:max(0, int(max_outputs))])
    values = []
    for i, image in enumerate(array):
        name = f"{tag}/image" if len(array) == 1 else f"{tag}/image/{i}"
        values.append(_value(tag=name, image=summary_pb2.Summary.Image(
            height=image.shape[0], width=image.shape[1], colorspace=image.shape[2],
            encoded_image_string=encode_png(image))))
    return values


def image_v2(tag, images, max_outputs=3, description=None):
    array = _images_v2_uint8(_check_images(images, tag)[:max(0, int(max_outputs))])
    height, width = (array.shape[1], array.shape[2])
    contents = [str(width).encode(), str(height).encode()] + [encode_png(im) for im in array]
    tensor = np.empty(len(contents), dtype=object)
    tensor[:] = contents
    metadata = _proto.standard_metadata("image", description=description)
    return _value(tag=tag, metadata=metadata, tensor=_proto.tensor_proto(tensor))


# ---- text ---------------------------------------------------------------------------------

def text_value(tag, data, description=None):
    array = np.asarray(data, dtype=object)
    strings = np.empty(array.shape, dtype=object)
    for index, item in np.ndenumerate(array):
        strings[index] = item if isinstance(item, bytes) else str(item).encode("utf-8")
    metadata = _proto.standard_metadata("text", description=description)
    return _value(tag=tag, metadata=metadata, tensor=_proto.tensor_proto(strings))


# ---- audio --------------------------------------------------------------------------------

def encode_wav(samples, sample_rate):
    """16-bit PCM WAV bytes of float samples [frames, channels] in [-1, 1]."""
    samples = np.asarray(samples, dtype=np.float64)
    if samples.ndim == 1:
        samples = samples[:, None]
    pcm = np.round(np.clip(samples, -1.0, 1.0) * 32767.0).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as handle:
        handle.setnchannels(samples.shape[1])
        handle.setsampwidth(2)
        handle.setframerate(int(sample_rate))
        handle.writeframes(pcm.tobytes())
    return buffer.getvalue()


def _check_audio(data, tag):
    array = np.asarray(data, dtype=np.float64)
    if array.ndim == 2:  # TF1 accepts [k, frames] (one channel)
        array = array[..., None]
    if array.ndim != 3:
        raise ValueError(f"Audio summary {tag!r} expects data of shape [k, frames, "
                         f"channels]; got shape {tuple(array.shape)}.")
    return array


def audio_v1(tag, data, sample_rate, max_outputs=3):
    summary_pb2 = _proto.proto("summary_pb2")
    array = _check_audio(data, tag)[:max(0, int(max_outputs))]
    values = []
    for i, clip in enumerate(array):
        name = f"{tag}/audio" if len(array) == 1 else f"{tag}/audio/{i}"
        values.append(_value(tag=name, audio=summary_pb2.Summary.Audio(
            sample_rate=float(sample_rate), num_channels=clip.shape[1],
            length_frames=clip.shape[0], encoded_audio_string=encode_wav(clip, sample_rate),
            content_type="audio/wav")))
    return values


def audio_v2(tag, data, sample_rate, max_outputs=3, description=None):
    from tensorboard.plugins.audio import metadata as audio_metadata
    array = _check_audio(data, tag)[:max(0, int(max_outputs))]
    tensor = np.empty((len(array), 2), dtype=object)
    for i, clip in enumerate(array):
        tensor[i, 0] = encode_wav(clip, sample_rate)
        tensor[i, 1] = b""
    metadata = _proto.standard_metadata("audio", description=description,
                                        encoding=audio_metadata.Encoding.Value("WAV"))
    return _value(tag=tag, metadata=metadata, tensor=_proto.tensor_proto(tensor))
