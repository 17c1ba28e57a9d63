"""keras.preprocessing.image: image files <-> arrays (load_img, img_to_array, array_to_img,
save_img, smart_resize) and tf.keras' deprecated augmentation pipeline (ImageDataGenerator with
its flow / flow_from_directory iterators, apply_affine_transform and the random_* helpers).

Reading and writing image files needs Pillow (the `image` extra). The geometric transforms are
NumPy-only: each output pixel is mapped back into the input (the inverse affine map, as
`scipy.ndimage.affine_transform`, which Keras uses) and sampled with nearest-neighbour
(order 0) or bilinear (order 1) interpolation; points outside the image follow `fill_mode`
("constant", "nearest", "reflect", "wrap" with SciPy's meaning of each).

Randomness comes from NumPy's global generator (`np.random`), as in Keras: the iterators seed
it with `seed + batches seen so far` before each batch, so a seeded iterator repeats its
batches exactly.
"""
import io
import os
import pathlib
import threading
import warnings

import numpy as np

from tensorflux.keras import backend
from tensorflux.keras.utils.py_dataset import PyDataset

__all__ = ["load_img", "img_to_array", "array_to_img", "save_img", "smart_resize",
           "ImageDataGenerator", "Iterator", "NumpyArrayIterator", "DirectoryIterator",
           "apply_affine_transform", "apply_brightness_shift", "apply_channel_shift",
           "random_brightness", "random_channel_shift", "random_rotation", "random_shear",
           "random_shift", "random_zoom", "flip_axis", "transform_matrix_offset_center"]

_INTERPOLATIONS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")
_FILL_MODES = ("constant", "nearest", "reflect", "wrap")


def _pil_image(symbol):
    try:
        from PIL import Image
    except ImportError as error:
        raise ImportError(f"Could not import PIL.Image. The use of `{symbol}` requires PIL "
                          "(pip install pillow, or tensorflux[image]).") from error
    return Image


def _data_format(data_format):
    if data_format is None:
        return backend.image_data_format()
    data_format = str(data_format).lower()
    if data_format not in ("channels_first", "channels_last"):
        raise ValueError("The `data_format` argument must be one of {'channels_first', "
                         f"'channels_last'}}. Received: data_format={data_format}")
    return data_format


# ---- files <-> arrays ---------------------------------------------------------------------------
def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A rank-3 array -> a PIL image (RGBA, RGB or L/I for 4, 3 or 1 channels).

    With `scale` (the default) the values are first mapped linearly onto [0, 255]
    (minimum -> 0, maximum -> 255); otherwise they are cast to uint8 as they are.
    """
    Image = _pil_image("array_to_img")
    data_format = _data_format(data_format)
    x = np.asarray(x, dtype=dtype or backend.floatx())
    if x.ndim != 3:
        raise ValueError(f"Expected image array to have rank 3 (single image). Got array with "
                         f"shape: {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x = x / peak
        x = x * 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"Unsupported channel number: {channels}")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image -> a rank-3 array (height, width, channels), float32 by default
    (channels first with data_format="channels_first")."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or backend.floatx())
    if x.ndim == 3:
        if data_format == "channels_first":
            x = x.transpose(2, 0, 1)
    elif x.ndim == 2:
        x = x.reshape((1,) + x.shape if data_format == "channels_first" else x.shape + (1,))
    else:
        raise ValueError(f"Unsupported image shape: {x.shape}")
    return x


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Writes an image array to `path` (format from the extension unless `file_format`);
    `kwargs` go to PIL's `Image.save`. RGBA images are saved as RGB in JPEG files."""
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower() or None
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("The JPEG format does not support RGBA images, converting to RGB.")
        img = img.convert("RGB")
    img.save(path, format=file_format, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Loads an image file into a PIL image.

    Args:
        path: a path (str, bytes or pathlib.Path) or an io.BytesIO.
        color_mode: "grayscale" (8-bit L unless the file is already 16/32-bit grayscale),
            "rgb" or "rgba".
        target_size: None (original size) or (height, width) to resize to.
        interpolation: the PIL resampling filter for the resize: "nearest" (default),
            "bilinear", "bicubic", "hamming", "box" or "lanczos".
        keep_aspect_ratio: resize the largest centered crop with the target aspect ratio
            instead of stretching.
    """
    Image = _pil_image("load_img")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        if isinstance(path, pathlib.Path):
            path = str(path.resolve())
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"path should be path-like or io.BytesIO, not {type(path)}")
    if color_mode == "grayscale":
        if img.mode not in ("L", "I;16", "I"):
            img = img.convert("L")
    elif color_mode == "rgba":
        if img.mode != "RGBA":
            img = img.convert("RGBA")
    elif color_mode == "rgb":
        if img.mode != "RGB":
            img = img.convert("RGB")
    else:
        raise ValueError('color_mode must be "grayscale", "rgb", or "rgba"')
    if target_size is not None:
        size = (int(target_size[1]), int(target_size[0]))   # PIL sizes are (width, height)
        if img.size != size:
            if interpolation not in _INTERPOLATIONS:
                raise ValueError(f"Invalid interpolation method {interpolation} specified. "
                                 f"Supported methods are {', '.join(_INTERPOLATIONS)}")
            resample = getattr(getattr(Image, "Resampling", Image), interpolation.upper())
            if keep_aspect_ratio:
                width, height = img.size
                crop_h = min(height, (width * size[1]) // size[0])
                crop_w = min(width, (height * size[0]) // size[1])
                top, left = (height - crop_h) // 2, (width - crop_w) // 2
                img = img.resize(size, resample, box=(left, top, left + crop_w, top + crop_h))
            else:
                img = img.resize(size, resample)
    return img


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last", **kwargs):
    """Resizes an image (or a batch) to `size` = (height, width) without distorting it: the
    largest centered crop with the target aspect ratio is resized. A NumPy input gives a NumPy
    output, a tensor a tensor."""
    import tensorflux as tf
    kwargs.pop("backend_module", None)
    if kwargs:
        raise TypeError(f"smart_resize() got unexpected keyword arguments: {list(kwargs)}")
    if len(size) != 2:
        raise ValueError(f"Expected `size` to be a tuple of 2 integers, but got: {size}.")
    is_array = not hasattr(x, "numpy")
    image = np.asarray(x) if is_array else x.numpy()
    if image.ndim not in (3, 4):
        raise ValueError("Expected an image array with shape `(height, width, channels)`, or "
                         "`(batch_size, height, width, channels)`, but got input with "
                         f"incorrect rank, of shape {image.shape}.")
    channels_first = data_format == "channels_first"
    height, width = (image.shape[-2], image.shape[-1]) if channels_first else \
        (image.shape[-3], image.shape[-2])
    target_h, target_w = int(size[0]), int(size[1])
    crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
    crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
    top, left = int(float(height - crop_h) / 2), int(float(width - crop_w) / 2)
    if channels_first:
        image = image[..., top:top + crop_h, left:left + crop_w]
        moved = np.moveaxis(image, -3, -1)
    else:
        moved = image[..., top:top + crop_h, left:left + crop_w, :]
    resized = tf.image.resize(moved.astype(np.float32) if moved.dtype.kind != "f" else moved,
                              (target_h, target_w), method=interpolation).numpy()
    if channels_first:
        resized = np.moveaxis(resized, -1, -3)
    return resized if is_array else tf.constant(resized)


# ---- affine transforms (NumPy) ------------------------------------------------------------------
def _map_coordinate(coords, n, mode):
    """SciPy's mapping of sampling coordinates outside [0, n - 1]; returns (coords, outside)
    where `outside` marks the points that take `cval` (mode "constant")."""
    outside = None
    if mode == "constant":
        outside = (coords < 0) | (coords > n - 1)
        coords = np.clip(coords, 0, n - 1)
    elif mode == "nearest":
        coords = np.clip(coords, 0, n - 1)
    elif n <= 1:
        coords = np.zeros_like(coords)
    elif mode == "reflect":     # half-sample symmetric: d c b a | a b c d | d c b a
        period = 2 * n
        low = coords < 0
        c = coords[low]
        c = np.where(c < -period, period * np.trunc(-c / period) + c, c)
        coords[low] = np.where(c < -n, c + period, -c - 1)
        high = coords > n - 1
        c = coords[high]
        c = c - period * np.trunc(c / period)
        coords[high] = np.where(c >= n, period - c - 1, c)
    elif mode == "wrap":        # SciPy's "wrap": period n - 1 (the edge samples coincide)
        period = n - 1
        low = coords < 0
        c = coords[low]
        coords[low] = c + period * (np.trunc(-c / period) + 1)
        high = coords > n - 1
        c = coords[high]
        coords[high] = c - period * np.trunc(c / period)
    return coords, outside


def _fold_index(index, n, mode):
    """Integer sample indices -> valid ones (the neighbours of a mapped coordinate)."""
    if mode == "reflect" and n > 1:
        index = np.mod(index, 2 * n)
        return np.where(index >= n, 2 * n - 1 - index, index)
    return np.clip(index, 0, n - 1)


def _sample(channels, rows, cols, order, mode, cval):
    """Samples (C, H, W) `channels` at float coordinates `rows`, `cols` (same shape)."""
    height, width = channels.shape[1:]
    rows, row_out = _map_coordinate(rows.astype(np.float64), height, mode)
    cols, col_out = _map_coordinate(cols.astype(np.float64), width, mode)
    if order == 0:
        r = _fold_index(np.floor(rows + 0.5).astype(np.int64), height, mode)
        c = _fold_index(np.floor(cols + 0.5).astype(np.int64), width, mode)
        values = channels[:, r, c].astype(np.float64)
    else:
        r0, c0 = np.floor(rows), np.floor(cols)
        tr, tc = rows - r0, cols - c0
        r0, c0 = r0.astype(np.int64), c0.astype(np.int64)
        ra, rb = _fold_index(r0, height, mode), _fold_index(r0 + 1, height, mode)
        ca, cb = _fold_index(c0, width, mode), _fold_index(c0 + 1, width, mode)
        values = (channels[:, ra, ca] * ((1 - tr) * (1 - tc)) +
                  channels[:, ra, cb] * ((1 - tr) * tc) +
                  channels[:, rb, ca] * (tr * (1 - tc)) +
                  channels[:, rb, cb] * (tr * tc))
    if row_out is not None:
        values = np.where(row_out | col_out, cval, values)
    return values


def transform_matrix_offset_center(matrix, x, y):
    """Conjugates a 3x3 homogeneous transform so that it acts about the image center (for an
    image of x rows and y columns)."""
    o_x = float(x) / 2 - 0.5
    o_y = float(y) / 2 - 0.5
    offset = np.array([[1, 0, o_x], [0, 1, o_y], [0, 0, 1]])
    reset = np.array([[1, 0, -o_x], [0, 1, -o_y], [0, 0, 1]])
    return offset @ matrix @ reset


def apply_affine_transform(x, theta=0, tx=0, ty=0, shear=0, zx=1, zy=1, row_axis=1,
                           col_axis=2, channel_axis=0, fill_mode="nearest", cval=0.0,
                           order=1):
    """Applies a rotation / shift / shear / zoom to one image (a rank-3 array).

    Args:
        x: the image; its channel axis must be first or last.
        theta: rotation in degrees. tx, ty: shifts in pixels; shear: shear angle in degrees;
            zx, zy: zoom factors (values > 1 zoom out). As in tf.keras, the matrix is built
            for (x, y) coordinates and then swapped onto the array axes, so with
            row_axis < col_axis `tx` and `zx` act along the columns and `ty` and `zy` along
            the rows: `tx=1` moves the content one column left (output[:, j] =
            input[:, j + 1]).
        row_axis, col_axis, channel_axis: the axes of `x` (distinct, within 0..2).
        fill_mode: "constant", "nearest" (default), "reflect" or "wrap" (SciPy's modes).
        cval: the fill value for "constant".
        order: 0 (nearest neighbour) or 1 (bilinear, default).

    Returns:
        The transformed image (same shape and dtype).
    """
    if len({row_axis, col_axis, channel_axis}) != 3:
        raise ValueError("'row_axis', 'col_axis', and 'channel_axis' must be distinct")
    if {row_axis, col_axis, channel_axis} != {0, 1, 2}:
        raise ValueError(f"Invalid axis' indices: "
                         f"{ {row_axis, col_axis, channel_axis} - {0, 1, 2} }")
    x = np.asarray(x)
    if x.ndim != 3:
        raise ValueError("Input arrays must be multi-channel 2D images.")
    if channel_axis not in (0, 2):
        raise ValueError("Channels are allowed and the first and last dimensions.")
    if fill_mode not in _FILL_MODES:
        raise ValueError(f"Unknown `fill_mode` {fill_mode!r}; expected one of {_FILL_MODES}.")
    if order not in (0, 1):
        raise NotImplementedError(f"apply_affine_transform: interpolation order {order} is "
                                  "not implemented by tensorflux (only 0 = nearest and "
                                  "1 = bilinear).")
    matrix = np.eye(3)
    identity = True
    if theta != 0:
        angle = np.deg2rad(theta)
        matrix = matrix @ np.array([[np.cos(angle), -np.sin(angle), 0],
                                    [np.sin(angle), np.cos(angle), 0], [0, 0, 1]])
        identity = False
    if tx != 0 or ty != 0:
        matrix = matrix @ np.array([[1, 0, tx], [0, 1, ty], [0, 0, 1]])
        identity = False
    if shear != 0:
        angle = np.deg2rad(shear)
        matrix = matrix @ np.array([[1, -np.sin(angle), 0], [0, np.cos(angle), 0], [0, 0, 1]])
        identity = False
    if zx != 1 or zy != 1:
        matrix = matrix @ np.array([[zx, 0, 0], [0, zy, 0], [0, 0, 1]])
        identity = False
    if identity:
        return x
    height, width = x.shape[row_axis], x.shape[col_axis]
    matrix = transform_matrix_offset_center(matrix, height, width)
    if col_axis > row_axis:
        # Keras builds the matrix for (x, y) coordinates; on a (rows, cols) array that is
        # P M P with P swapping the first two coordinates
        matrix[:, [0, 1]] = matrix[:, [1, 0]]
        matrix[[0, 1]] = matrix[[1, 0]]
    channels = np.moveaxis(x, channel_axis, 0)
    grid_0, grid_1 = np.meshgrid(np.arange(channels.shape[1], dtype=np.float64),
                                 np.arange(channels.shape[2], dtype=np.float64), indexing="ij")
    # output pixel (i, j) samples the input at matrix @ (i, j, 1)
    # (summed offset first, as SciPy does, so edge coordinates round the same way)
    source_first = matrix[0, 2] + matrix[0, 0] * grid_0 + matrix[0, 1] * grid_1
    source_second = matrix[1, 2] + matrix[1, 0] * grid_0 + matrix[1, 1] * grid_1
    out = _sample(channels, source_first, source_second, order, fill_mode, cval)
    if x.dtype.kind in "iu":
        out = np.rint(out)
    out = out.astype(x.dtype)
    return np.moveaxis(out, 0, channel_axis)


def flip_axis(x, axis):
    """`x` reversed along `axis`."""
    return np.flip(np.asarray(x), axis)


def apply_channel_shift(x, intensity, channel_axis=0):
    """Adds `intensity` to every channel, clipped to the image's original [min, max]."""
    x = np.asarray(x)
    low, high = np.min(x), np.max(x)
    return np.clip(x + intensity, low, high)


def random_channel_shift(x, intensity_range, channel_axis=0):
    """`apply_channel_shift` by an intensity drawn uniformly from ±intensity_range."""
    intensity = np.random.uniform(-intensity_range, intensity_range)
    return apply_channel_shift(x, intensity, channel_axis=channel_axis)


def apply_brightness_shift(x, brightness, scale=True):
    """Scales the brightness by `brightness` (PIL's ImageEnhance.Brightness: 0 gives black,
    1 the original). The image goes through 8-bit PIL, as in Keras."""
    _pil_image("apply_brightness_shift")
    from PIL import ImageEnhance
    x = np.asarray(x)
    low, high = np.min(x), np.max(x)
    rescale = bool(low < 0 or high > 255)
    img = array_to_img(x, scale=rescale or scale)
    img = ImageEnhance.Brightness(img).enhance(brightness)
    out = img_to_array(img)
    if not scale and rescale:
        out = out / 255 * (high - low) + low
    return out


def random_brightness(x, brightness_range, scale=True):
    """`apply_brightness_shift` by a factor drawn uniformly from `brightness_range`."""
    if len(brightness_range) != 2:
        raise ValueError("`brightness_range should be tuple or list of two floats. "
                         f"Received: {brightness_range}")
    factor = np.random.uniform(brightness_range[0], brightness_range[1])
    return apply_brightness_shift(x, factor, scale)


def random_rotation(x, rg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                    cval=0.0, interpolation_order=1):
    """Rotates by an angle drawn uniformly from ±rg degrees."""
    theta = np.random.uniform(-rg, rg)
    return apply_affine_transform(x, theta=theta, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shift(x, wrg, hrg, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """Shifts by fractions of the height (±hrg) and width (±wrg) drawn uniformly."""
    height, width = x.shape[row_axis], x.shape[col_axis]
    tx = np.random.uniform(-hrg, hrg) * height
    ty = np.random.uniform(-wrg, wrg) * width
    return apply_affine_transform(x, tx=tx, ty=ty, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_shear(x, intensity, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                 cval=0.0, interpolation_order=1):
    """Shears by an angle drawn uniformly from ±intensity degrees."""
    shear = np.random.uniform(-intensity, intensity)
    return apply_affine_transform(x, shear=shear, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


def random_zoom(x, zoom_range, row_axis=1, col_axis=2, channel_axis=0, fill_mode="nearest",
                cval=0.0, interpolation_order=1):
    """Zooms by factors (rows, columns) drawn uniformly from `zoom_range` = (low, high)."""
    if len(zoom_range) != 2:
        raise ValueError("`zoom_range` should be a tuple or list of two floats. "
                         f"Received: {zoom_range}")
    if zoom_range[0] == 1 and zoom_range[1] == 1:
        zx, zy = 1, 1
    else:
        zx, zy = np.random.uniform(zoom_range[0], zoom_range[1], 2)
    return apply_affine_transform(x, zx=zx, zy=zy, row_axis=row_axis, col_axis=col_axis,
                                  channel_axis=channel_axis, fill_mode=fill_mode, cval=cval,
                                  order=interpolation_order)


# ---- iterators ----------------------------------------------------------------------------------
class Iterator(PyDataset):
    """Base of the ImageDataGenerator iterators: batches of `batch_size` samples out of `n`.

    A keras.utils.PyDataset: `iterator[i]` is batch i of the current epoch order (len()
    batches per epoch; the order is reshuffled by `on_epoch_end()` when `shuffle`);
    `next(iterator)` walks the batches endlessly, reshuffling at each pass, and
    `iter(iterator)` is the iterator itself (so a `for` loop over it never ends on its own).
    With a `seed`, NumPy's global generator is seeded with `seed + total_batches_seen` before
    each batch.

    `model.fit(iterator)` trains on len(iterator) batches per epoch (or `steps_per_epoch`);
    `evaluate` and `predict` take it too.
    """

    white_list_formats = ("png", "jpg", "jpeg", "bmp", "ppm", "tif", "tiff")

    def __init__(self, n, batch_size, shuffle, seed):
        super().__init__()
        self.n = n
        self.batch_size = batch_size
        self.seed = seed
        self.shuffle = shuffle
        self.batch_index = 0
        self.total_batches_seen = 0
        self.lock = threading.Lock()
        self.index_array = None
        self.index_generator = self._flow_index()

    def _set_index_array(self):
        self.index_array = np.random.permutation(self.n) if self.shuffle else np.arange(self.n)

    def __getitem__(self, idx):
        if idx >= len(self):
            raise ValueError(f"Asked to retrieve element {idx}, but the Sequence has length "
                             f"{len(self)}")
        if self.seed is not None:
            np.random.seed(self.seed + self.total_batches_seen)
        self.total_batches_seen += 1
        if self.index_array is None:
            self._set_index_array()
        indices = self.index_array[self.batch_size * idx:self.batch_size * (idx + 1)]
        return self._get_batches_of_transformed_samples(indices)

    def __len__(self):
        return (self.n + self.batch_size - 1) // self.batch_size

    @property
    def num_batches(self):
        return len(self)

    def on_epoch_end(self):
        self._set_index_array()

    def reset(self):
        self.batch_index = 0

    def _flow_index(self):
        self.reset()
        while True:
            if self.seed is not None:
                np.random.seed(self.seed + self.total_batches_seen)
            if self.batch_index == 0:
                self._set_index_array()
            current = (self.batch_index * self.batch_size) % self.n if self.n else 0
            if self.n > current + self.batch_size:
                self.batch_index += 1
            else:
                self.batch_index = 0
            self.total_batches_seen += 1
            yield self.index_array[current:current + self.batch_size]

    def __iter__(self):
        return self

    def __next__(self):
        with self.lock:
            indices = next(self.index_generator)
        return self._get_batches_of_transformed_samples(indices)

    def next(self):
        return self.__next__()

    def _get_batches_of_transformed_samples(self, index_array):
        raise NotImplementedError

    @property
    def element_spec(self):
        """The structure of a batch, as TensorSpecs (batch axis None)."""
        from tensorflux.framework.function import TensorSpec
        return _spec_of(self._output_signature(), TensorSpec)

    def _output_signature(self):
        """One batch's structure, with a (shape without the batch axis, dtype name) pair for
        each array."""
        raise NotImplementedError


def _spec_of(signature, spec_class):
    if isinstance(signature, tuple) and len(signature) == 2 and isinstance(signature[0], tuple) \
            and isinstance(signature[1], str):
        shape, dtype = signature
        return spec_class((None,) + tuple(shape), dtype)
    if isinstance(signature, list):
        return [_spec_of(s, spec_class) for s in signature]
    return tuple(_spec_of(s, spec_class) for s in signature)


def _dtype_name(dtype):
    return np.dtype(dtype).name


class NumpyArrayIterator(Iterator):
    """Batches of augmented images (and labels) from in-memory arrays
    (`ImageDataGenerator.flow`).

    A batch is `x` alone (no `y`), `(x, y)` or `(x, y, sample_weight)`; with `x` given as
    `[images, other_array, ...]` the batch's inputs are a list. `subset` "validation" takes the
    first `validation_split` fraction of the samples, "training" the rest.
    """

    def __init__(self, x, y, image_data_generator, batch_size=32, shuffle=False,
                 sample_weight=None, seed=None, data_format=None, save_to_dir=None,
                 save_prefix="", save_format="png", subset=None, ignore_class_split=False,
                 dtype=None):
        data_format = _data_format(data_format)
        self.dtype = dtype or backend.floatx()
        if isinstance(x, (tuple, list)):
            extra = [np.asarray(x[1])] if not isinstance(x[1], list) else \
                [np.asarray(item) for item in x[1]]
            x = x[0]
            for item in extra:
                if len(x) != len(item):
                    raise ValueError(f"All of the arrays in `x` should have the same length. "
                                     f"Found a pair with: len(x[0]) = {len(x)}, len(x[?]) = "
                                     f"{len(item)}")
        else:
            extra = []
        if y is not None and len(x) != len(y):
            raise ValueError(f"`x` (images tensor) and `y` (labels) should have the same "
                             f"length. Found: x.shape = {np.asarray(x).shape}, y.shape = "
                             f"{np.asarray(y).shape}")
        if sample_weight is not None and len(x) != len(sample_weight):
            raise ValueError(f"`x` (images tensor) and `sample_weight` should have the same "
                             f"length. Found: x.shape = {np.asarray(x).shape}, "
                             f"sample_weight.shape = {np.asarray(sample_weight).shape}")
        if subset is not None:
            if subset not in ("training", "validation"):
                raise ValueError(f"Invalid subset name: {subset}; expected \"training\" or "
                                 "\"validation\".")
            split = int(len(x) * image_data_generator._validation_split)
            if y is not None and not ignore_class_split and not np.array_equal(
                    np.unique(np.asarray(y)[:split]), np.unique(np.asarray(y)[split:])):
                raise ValueError("Training and validation subsets have different number of "
                                 "classes after the split. If your numpy arrays are sorted "
                                 "by the label, you might want to shuffle them.")
            part = slice(None, split) if subset == "validation" else slice(split, None)
            x = x[part]
            extra = [np.asarray(item[part]) for item in extra]
            if y is not None:
                y = y[part]
            if sample_weight is not None:
                sample_weight = sample_weight[part]
        self.x = np.asarray(x, dtype=self.dtype)
        self.x_misc = extra
        if self.x.ndim != 4:
            raise ValueError(f"Input data in `NumpyArrayIterator` should have rank 4. You "
                             f"passed an array with shape {self.x.shape}")
        channels_axis = 3 if data_format == "channels_last" else 1
        if self.x.shape[channels_axis] not in (1, 3, 4):
            warnings.warn(f'NumpyArrayIterator is set to use the data format convention '
                          f'"{data_format}" (channels on axis {channels_axis}), i.e. expected '
                          f'either 1, 3, or 4 channels on axis {channels_axis}. However, it '
                          f'was passed an array with shape {self.x.shape} '
                          f'({self.x.shape[channels_axis]} channels).')
        self.y = None if y is None else np.asarray(y)
        self.sample_weight = None if sample_weight is None else np.asarray(sample_weight)
        self.image_data_generator = image_data_generator
        self.data_format = data_format
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        super().__init__(self.x.shape[0], batch_size, shuffle, seed)

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.x.shape[1:], dtype=self.dtype)
        generator = self.image_data_generator
        for i, j in enumerate(index_array):
            image = self.x[j]
            params = generator.get_random_transform(image.shape)
            image = generator.apply_transform(image.astype(self.dtype), params)
            batch_x[i] = generator.standardize(image)
        if self.save_to_dir:
            for i, j in enumerate(index_array):
                img = array_to_img(batch_x[i], self.data_format, scale=True)
                name = f"{self.save_prefix}_{j}_{np.random.randint(10_000)}.{self.save_format}"
                img.save(os.path.join(self.save_to_dir, name))
        extras = [item[index_array] for item in self.x_misc]
        inputs = [batch_x] + extras if extras else batch_x
        if self.y is None:
            return inputs
        if self.sample_weight is not None:
            return inputs, self.y[index_array], self.sample_weight[index_array]
        return inputs, self.y[index_array]

    def _output_signature(self):
        images = (self.x.shape[1:], _dtype_name(self.dtype))
        inputs = [images] + [(item.shape[1:], item.dtype.name) for item in self.x_misc] \
            if self.x_misc else images
        if self.y is None:
            return inputs
        parts = (inputs, (self.y.shape[1:], self.y.dtype.name))
        if self.sample_weight is not None:
            parts += ((self.sample_weight.shape[1:], self.sample_weight.dtype.name),)
        return parts


def _valid_files(directory, formats, follow_links):
    """(root, file name) of the image files under `directory`, in sorted order."""
    walk = sorted(os.walk(directory, followlinks=follow_links), key=lambda entry: entry[0])
    for root, _, files in walk:
        for name in sorted(files):
            if name.lower().endswith(".tiff"):
                warnings.warn('Using ".tiff" files with multiple bands will cause distortion. '
                              'Please verify your output.')
            if name.lower().endswith(formats):
                yield root, name


class _FileBatches:
    """Loading, augmenting and labelling batches of image files (shared by the directory
    iterator)."""

    def _set_processing_attrs(self, image_data_generator, target_size, color_mode,
                              data_format, save_to_dir, save_prefix, save_format, subset,
                              interpolation, keep_aspect_ratio):
        self.image_data_generator = image_data_generator
        self.target_size = tuple(target_size)
        self.keep_aspect_ratio = keep_aspect_ratio
        if color_mode not in ("rgb", "rgba", "grayscale"):
            raise ValueError(f'Invalid color mode: {color_mode}; expected "rgb", "rgba", or '
                             '"grayscale".')
        self.color_mode = color_mode
        self.data_format = data_format
        channels = {"rgba": 4, "rgb": 3, "grayscale": 1}[color_mode]
        self.image_shape = self.target_size + (channels,) if data_format == "channels_last" \
            else (channels,) + self.target_size
        self.save_to_dir = save_to_dir
        self.save_prefix = save_prefix
        self.save_format = save_format
        self.interpolation = interpolation
        if subset is not None:
            fraction = image_data_generator._validation_split if image_data_generator else 0.0
            if subset == "validation":
                self.split = (0, fraction)
            elif subset == "training":
                self.split = (fraction, 1)
            else:
                raise ValueError(f'Invalid subset name: {subset};expected "training" or '
                                 '"validation"')
        else:
            self.split = None
        self.subset = subset

    def _get_batches_of_transformed_samples(self, index_array):
        batch_x = np.zeros((len(index_array),) + self.image_shape, dtype=self.dtype)
        paths = self.filepaths
        generator = self.image_data_generator
        for i, j in enumerate(index_array):
            img = load_img(paths[j], color_mode=self.color_mode, target_size=self.target_size,
                           interpolation=self.interpolation,
                           keep_aspect_ratio=self.keep_aspect_ratio)
            x = img_to_array(img, data_format=self.data_format, dtype=self.dtype)
            if hasattr(img, "close"):
                img.close()
            if generator:
                params = generator.get_random_transform(x.shape)
                x = generator.apply_transform(x, params)
                x = generator.standardize(x)
            batch_x[i] = x
        if self.save_to_dir:
            for i, j in enumerate(index_array):
                img = array_to_img(batch_x[i], self.data_format, scale=True)
                name = f"{self.save_prefix}_{j}_{np.random.randint(10_000_000)}." \
                       f"{self.save_format}"
                img.save(os.path.join(self.save_to_dir, name))
        if self.class_mode == "input":
            batch_y = batch_x.copy()
        elif self.class_mode in ("binary", "sparse"):
            batch_y = self.classes[index_array].astype(self.dtype)
        elif self.class_mode == "categorical":
            batch_y = np.zeros((len(batch_x), len(self.class_indices)), dtype=self.dtype)
            batch_y[np.arange(len(batch_x)), self.classes[index_array]] = 1.0
        else:
            return batch_x
        return batch_x, batch_y

    def _output_signature(self):
        images = (self.image_shape, _dtype_name(self.dtype))
        if self.class_mode is None:
            return images
        if self.class_mode == "input":
            return (images, images)
        if self.class_mode == "categorical":
            return (images, ((len(self.class_indices),), _dtype_name(self.dtype)))
        return (images, ((), _dtype_name(self.dtype)))


class DirectoryIterator(_FileBatches, Iterator):
    """Batches of augmented images read from class subfolders
    (`ImageDataGenerator.flow_from_directory`).

    `directory` holds one subfolder per class (sorted names give the class indices unless
    `classes` lists them); images (png, jpg, jpeg, bmp, ppm, tif, tiff) may be nested below.
    Labels per `class_mode`: "categorical" (one-hot), "binary" / "sparse" (the class index as
    a float), "input" (the images themselves) or None (no labels).

    Attributes: `filenames` (paths relative to `directory`), `filepaths`, `classes` (int32
    class index per file), `class_indices` (name -> index), `num_classes`, `samples`.
    """

    allowed_class_modes = {"categorical", "binary", "sparse", "input", None}

    def __init__(self, directory, image_data_generator, target_size=(256, 256),
                 color_mode="rgb", classes=None, class_mode="categorical", batch_size=32,
                 shuffle=True, seed=None, data_format=None, save_to_dir=None, save_prefix="",
                 save_format="png", follow_links=False, subset=None, interpolation="nearest",
                 keep_aspect_ratio=False, dtype=None):
        data_format = _data_format(data_format)
        self._set_processing_attrs(image_data_generator, target_size, color_mode,
                                   data_format, save_to_dir, save_prefix, save_format, subset,
                                   interpolation, keep_aspect_ratio)
        self.directory = directory
        if class_mode not in self.allowed_class_modes:
            raise ValueError(f"Invalid class_mode: {class_mode}; expected one of: "
                             f"{self.allowed_class_modes}")
        self.class_mode = class_mode
        self.dtype = dtype or backend.floatx()
        if not classes:
            classes = [name for name in sorted(os.listdir(directory))
                       if os.path.isdir(os.path.join(directory, name))]
        self.num_classes = len(classes)
        self.class_indices = dict(zip(classes, range(len(classes))))
        self.filenames = []
        labels = []
        for name in classes:
            folder = os.path.join(directory, name)
            found = list(_valid_files(folder, self.white_list_formats, follow_links))
            if self.split:
                found = found[int(self.split[0] * len(found)):int(self.split[1] * len(found))]
            for root, file_name in found:
                self.filenames.append(os.path.join(
                    name, os.path.relpath(os.path.join(root, file_name), folder)))
                labels.append(self.class_indices[name])
        self.samples = len(self.filenames)
        self.classes = np.asarray(labels, dtype="int32")
        print(f"Found {self.samples} images belonging to {self.num_classes} classes.")
        self._filepaths = [os.path.join(directory, name) for name in self.filenames]
        super().__init__(self.samples, batch_size, shuffle, seed)

    @property
    def filepaths(self):
        return self._filepaths

    @property
    def labels(self):
        return self.classes

    @property
    def sample_weight(self):
        return None


# ---- ImageDataGenerator -------------------------------------------------------------------------
class ImageDataGenerator:
    """Real-time image augmentation and normalization (tf.keras' deprecated
    `ImageDataGenerator`; Keras 3 recommends preprocessing layers instead).

    Args:
        featurewise_center / featurewise_std_normalization: subtract the per-channel mean /
            divide by the per-channel std of the data passed to `fit()`.
        samplewise_center / samplewise_std_normalization: per image.
        zca_whitening, zca_epsilon: ZCA whitening fitted by `fit()`.
        rotation_range: degrees (random rotation in ±range).
        width_shift_range, height_shift_range: a float (< 1: fraction of the size, >= 1:
            pixels, drawn uniformly in ±range), an int (whole pixels in ±range) or a list of
            allowed values.
        brightness_range: (low, high) brightness factors (needs Pillow).
        shear_range: shear angle in degrees (±range).
        zoom_range: a float z for [1 - z, 1 + z] or a (low, high) pair.
        channel_shift_range: random channel shift in ±range.
        fill_mode: "constant", "nearest" (default), "reflect" or "wrap". cval: the fill
            value for "constant".
        horizontal_flip, vertical_flip: flip with probability 1/2.
        rescale: a factor applied to the data before the other transforms (None or 0: none).
        preprocessing_function: applied to each image (rank 3 array) after augmentation.
        data_format: "channels_last" (default from keras.config) or "channels_first".
        validation_split: the fraction reserved for `subset="validation"`.
        interpolation_order: 0 (nearest) or 1 (bilinear, default) for the geometric
            transforms.
        dtype: of the generated arrays (floatx by default).

    The random draws use NumPy's global generator, in Keras' order, so a given seed gives the
    same transforms as Keras. The geometry is tf.keras' too, quirks included: the shift drawn
    from `height_shift_range` (scaled by the image height) moves the image horizontally and
    the `width_shift_range` one vertically (see `apply_affine_transform`).
    """

    def __init__(self, featurewise_center=False, samplewise_center=False,
                 featurewise_std_normalization=False, samplewise_std_normalization=False,
                 zca_whitening=False, zca_epsilon=1e-6, rotation_range=0,
                 width_shift_range=0.0, height_shift_range=0.0, brightness_range=None,
                 shear_range=0.0, zoom_range=0.0, channel_shift_range=0.0, fill_mode="nearest",
                 cval=0.0, horizontal_flip=False, vertical_flip=False, rescale=None,
                 preprocessing_function=None, data_format=None, validation_split=0.0,
                 interpolation_order=1, dtype=None):
        data_format = backend.image_data_format() if data_format is None else data_format
        self.featurewise_center = featurewise_center
        self.samplewise_center = samplewise_center
        self.featurewise_std_normalization = featurewise_std_normalization
        self.samplewise_std_normalization = samplewise_std_normalization
        self.zca_whitening = zca_whitening
        self.zca_epsilon = zca_epsilon
        self.rotation_range = rotation_range
        self.width_shift_range = width_shift_range
        self.height_shift_range = height_shift_range
        self.shear_range = shear_range
        self.channel_shift_range = channel_shift_range
        self.fill_mode = fill_mode
        self.cval = cval
        self.horizontal_flip = horizontal_flip
        self.vertical_flip = vertical_flip
        self.rescale = rescale
        self.preprocessing_function = preprocessing_function
        self.dtype = dtype or backend.floatx()
        self.interpolation_order = interpolation_order
        if data_format not in ("channels_last", "channels_first"):
            raise ValueError('`data_format` should be `"channels_last"` (channel after row and '
                             'column) or `"channels_first"` (channel before row and column). '
                             f'Received: {data_format}')
        if fill_mode not in _FILL_MODES:
            raise ValueError(f"Invalid `fill_mode` {fill_mode!r}; expected one of "
                             f"{_FILL_MODES}.")
        if interpolation_order not in (0, 1):
            raise NotImplementedError(f"ImageDataGenerator: interpolation_order="
                                      f"{interpolation_order} is not implemented by tensorflux "
                                      "(only 0 = nearest and 1 = bilinear).")
        self.data_format = data_format
        if data_format == "channels_first":
            self.channel_axis, self.row_axis, self.col_axis = 1, 2, 3
        else:
            self.channel_axis, self.row_axis, self.col_axis = 3, 1, 2
        if validation_split and not 0 < validation_split < 1:
            raise ValueError("`validation_split` must be strictly between 0 and 1.  Received: "
                             f"{validation_split}")
        self._validation_split = validation_split
        self.mean = None
        self.std = None
        self.zca_whitening_matrix = None
        if isinstance(zoom_range, (float, int)):
            self.zoom_range = [1 - zoom_range, 1 + zoom_range]
        elif len(zoom_range) == 2 and all(isinstance(v, (float, int)) for v in zoom_range):
            self.zoom_range = [zoom_range[0], zoom_range[1]]
        else:
            raise ValueError("`zoom_range` should be a float or a tuple or list of two "
                             f"floats. Received: {zoom_range}")
        if zca_whitening:
            if not featurewise_center:
                self.featurewise_center = True
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, which "
                              "overrides setting of `featurewise_center`.")
            if featurewise_std_normalization:
                self.featurewise_std_normalization = False
                warnings.warn("This ImageDataGenerator specifies `zca_whitening` which "
                              "overrides setting of`featurewise_std_normalization`.")
        if featurewise_std_normalization and not featurewise_center:
            self.featurewise_center = True
            warnings.warn("This ImageDataGenerator specifies `featurewise_std_normalization`, "
                          "which overrides setting of `featurewise_center`.")
        if samplewise_std_normalization and not samplewise_center:
            self.samplewise_center = True
            warnings.warn("This ImageDataGenerator specifies `samplewise_std_normalization`, "
                          "which overrides setting of `samplewise_center`.")
        if brightness_range is not None and (
                not isinstance(brightness_range, (tuple, list)) or len(brightness_range) != 2):
            raise ValueError("`brightness_range should be tuple or list of two floats. "
                             f"Received: {brightness_range}")
        self.brightness_range = brightness_range

    def flow(self, x, y=None, batch_size=32, shuffle=True, sample_weight=None, seed=None,
             save_to_dir=None, save_prefix="", save_format="png", ignore_class_split=False,
             subset=None):
        """An iterator of augmented batches of the arrays `x` (rank 4) and `y`."""
        return NumpyArrayIterator(x, y, self, batch_size=batch_size, shuffle=shuffle,
                                  sample_weight=sample_weight, seed=seed,
                                  data_format=self.data_format, save_to_dir=save_to_dir,
                                  save_prefix=save_prefix, save_format=save_format,
                                  ignore_class_split=ignore_class_split, subset=subset,
                                  dtype=self.dtype)

    def flow_from_directory(self, directory, target_size=(256, 256), color_mode="rgb",
                            classes=None, class_mode="categorical", batch_size=32,
                            shuffle=True, seed=None, save_to_dir=None, save_prefix="",
                            save_format="png", follow_links=False, subset=None,
                            interpolation="nearest", keep_aspect_ratio=False):
        """An iterator of augmented batches of the images under `directory` (one subfolder
        per class); see DirectoryIterator."""
        return DirectoryIterator(directory, self, target_size=target_size,
                                 color_mode=color_mode, keep_aspect_ratio=keep_aspect_ratio,
                                 classes=classes, class_mode=class_mode,
                                 data_format=self.data_format, batch_size=batch_size,
                                 shuffle=shuffle, seed=seed, save_to_dir=save_to_dir,
                                 save_prefix=save_prefix, save_format=save_format,
                                 follow_links=follow_links, subset=subset,
                                 interpolation=interpolation, dtype=self.dtype)

    def flow_from_dataframe(self, dataframe, *args, **kwargs):
        raise NotImplementedError("ImageDataGenerator.flow_from_dataframe is not implemented "
                                  "by tensorflux; use flow_from_directory, or load the images "
                                  "with keras.utils.load_img and use flow().")

    def standardize(self, x):
        """Applies the normalization settings to an image (in place when possible):
        preprocessing_function, rescale, sample-wise and feature-wise centering / scaling,
        ZCA whitening."""
        if self.preprocessing_function:
            x = self.preprocessing_function(x)
        if self.rescale:
            x *= self.rescale
        if self.samplewise_center:
            x -= np.mean(x, keepdims=True)
        if self.samplewise_std_normalization:
            x /= np.std(x, keepdims=True) + 1e-6
        if self.featurewise_center:
            if self.mean is not None:
                x -= self.mean
            else:
                warnings.warn("This ImageDataGenerator specifies `featurewise_center`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.")
        if self.featurewise_std_normalization:
            if self.std is not None:
                x /= self.std + 1e-6
            else:
                warnings.warn("This ImageDataGenerator specifies "
                              "`featurewise_std_normalization`, but it hasn't been fit on any "
                              "training data. Fit it first by calling `.fit(numpy_data)`.")
        if self.zca_whitening:
            if self.zca_whitening_matrix is not None:
                flat = x.reshape(-1, int(np.prod(x.shape[-3:])))
                x = np.reshape(flat @ self.zca_whitening_matrix, x.shape)
            else:
                warnings.warn("This ImageDataGenerator specifies `zca_whitening`, but it "
                              "hasn't been fit on any training data. Fit it first by calling "
                              "`.fit(numpy_data)`.")
        return x

    def _draw_shift(self, shift_range, size):
        try:                                   # an int or a list of values
            shift = np.random.choice(shift_range)
            shift *= np.random.choice([-1, 1])
        except ValueError:                     # a float range
            shift = np.random.uniform(-shift_range, shift_range)
        if np.max(shift_range) < 1:
            shift *= size
        return shift

    def get_random_transform(self, img_shape, seed=None):
        """Draws the parameters of one random transform for an image of shape `img_shape`
        (a dict: theta, tx, ty, shear, zx, zy, flip_horizontal, flip_vertical,
        channel_shift_intensity, brightness)."""
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        if seed is not None:
            np.random.seed(seed)
        theta = np.random.uniform(-self.rotation_range, self.rotation_range) \
            if self.rotation_range else 0
        tx = self._draw_shift(self.height_shift_range, img_shape[row_axis]) \
            if self.height_shift_range else 0
        ty = self._draw_shift(self.width_shift_range, img_shape[col_axis]) \
            if self.width_shift_range else 0
        shear = np.random.uniform(-self.shear_range, self.shear_range) \
            if self.shear_range else 0
        if self.zoom_range[0] == 1 and self.zoom_range[1] == 1:
            zx, zy = 1, 1
        else:
            zx, zy = np.random.uniform(self.zoom_range[0], self.zoom_range[1], 2)
        flip_horizontal = (np.random.random() < 0.5) * self.horizontal_flip
        flip_vertical = (np.random.random() < 0.5) * self.vertical_flip
        channel_shift_intensity = None
        if self.channel_shift_range != 0:
            channel_shift_intensity = np.random.uniform(-self.channel_shift_range,
                                                        self.channel_shift_range)
        brightness = None
        if self.brightness_range is not None:
            brightness = np.random.uniform(self.brightness_range[0], self.brightness_range[1])
        return {"theta": theta, "tx": tx, "ty": ty, "shear": shear, "zx": zx, "zy": zy,
                "flip_horizontal": flip_horizontal, "flip_vertical": flip_vertical,
                "channel_shift_intensity": channel_shift_intensity, "brightness": brightness}

    def apply_transform(self, x, transform_parameters):
        """Applies the transform described by `transform_parameters` (as returned by
        `get_random_transform`; missing keys mean no change) to one image."""
        row_axis, col_axis = self.row_axis - 1, self.col_axis - 1
        channel_axis = self.channel_axis - 1
        params = transform_parameters
        x = apply_affine_transform(x, params.get("theta", 0), params.get("tx", 0),
                                   params.get("ty", 0), params.get("shear", 0),
                                   params.get("zx", 1), params.get("zy", 1),
                                   row_axis=row_axis, col_axis=col_axis,
                                   channel_axis=channel_axis, fill_mode=self.fill_mode,
                                   cval=self.cval, order=self.interpolation_order)
        if params.get("channel_shift_intensity") is not None:
            x = apply_channel_shift(x, params["channel_shift_intensity"], channel_axis)
        if params.get("flip_horizontal", False):
            x = flip_axis(x, col_axis)
        if params.get("flip_vertical", False):
            x = flip_axis(x, row_axis)
        if params.get("brightness") is not None:
            x = apply_brightness_shift(x, params["brightness"], False)
        return x

    def random_transform(self, x, seed=None):
        """A randomly transformed copy of one image (rank 3)."""
        return self.apply_transform(x, self.get_random_transform(x.shape, seed))

    def fit(self, x, augment=False, rounds=1, seed=None):
        """Computes the feature-wise statistics (mean, std, ZCA matrix) from sample images
        `x` (rank 4), optionally over `rounds` randomly augmented copies."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 4:
            raise ValueError(f"Input to `.fit()` should have rank 4. Got array with shape: "
                             f"{x.shape}")
        if x.shape[self.channel_axis] not in (1, 3, 4):
            warnings.warn(f'Expected input to be images (as Numpy array) following the data '
                          f'format convention "{self.data_format}" (channels on axis '
                          f'{self.channel_axis}), i.e. expected either 1, 3 or 4 channels on '
                          f'axis {self.channel_axis}. However, it was passed an array with '
                          f'shape {x.shape} ({x.shape[self.channel_axis]} channels).')
        if seed is not None:
            np.random.seed(seed)
        x = np.copy(x)
        if self.rescale:
            x *= self.rescale
        if augment:
            augmented = np.zeros((rounds * x.shape[0],) + x.shape[1:], dtype=self.dtype)
            for r in range(rounds):
                for i in range(x.shape[0]):
                    augmented[i + r * x.shape[0]] = self.random_transform(x[i])
            x = augmented
        shape = [1, 1, 1]
        shape[self.channel_axis - 1] = x.shape[self.channel_axis]
        if self.featurewise_center:
            self.mean = np.reshape(np.mean(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x -= self.mean
        if self.featurewise_std_normalization:
            self.std = np.reshape(np.std(x, axis=(0, self.row_axis, self.col_axis)), shape)
            x /= self.std + 1e-6
        if self.zca_whitening:
            n = len(x)
            flat = np.reshape(x, (n, -1))
            u, s, _ = np.linalg.svd(flat.T, full_matrices=False)
            s_inv = np.sqrt(n) / (s + self.zca_epsilon)
            self.zca_whitening_matrix = (u * s_inv).dot(u.T)
