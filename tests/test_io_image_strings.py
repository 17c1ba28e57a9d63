"""tf.io (files, TFRecord, Example parsing, image codecs), tf.image and tf.strings."""
import io as pyio
import os

import numpy as np
import pytest

import tensorflux as tf
from tensorflux.io import _crc32c, _tfrecord
from tensorflux.testing.gradient_check import check_gradients

Image = pytest.importorskip("PIL.Image")


def run_graph(build):
    """Builds `build()` in a fresh graph and runs its result in a Session."""
    with tf.Graph().as_default():
        fetches = build()
        with tf.compat.v1.Session() as sess:
            return sess.run(fetches)


# ---- CRC32C and TFRecord ---------------------------------------------------------------------

def test_crc32c_known_values_and_vectorized_path():
    crc = _crc32c._crc32c_python
    assert crc(b"123456789") == 0xE3069283
    assert crc(b"") == 0
    assert crc(bytes(32)) == 0x8A9136AA                 # RFC 3720 B.4 test vectors
    assert crc(b"\xff" * 32) == 0x62A8AB43
    assert crc(bytes(range(32))) == 0x46DD794E
    data = np.random.default_rng(0).integers(0, 256, 50_001, dtype=np.uint8).tobytes()
    assert crc(data) == _crc32c._raw_bytes(data, 0xFFFFFFFF) ^ 0xFFFFFFFF
    value = crc(b"abc")
    assert _crc32c.masked_crc32c(b"abc") == \
        (((value >> 15) | (value << 17)) + 0xA282EAD8) & 0xFFFFFFFF


@pytest.mark.parametrize("compression", ["", "GZIP", "ZLIB"])
def test_tfrecord_round_trip(tmp_path, compression):
    path = str(tmp_path / "data.tfrecord")
    records = [b"", b"first", os.urandom(5000)]
    options = tf.io.TFRecordOptions(compression) if compression else None
    with tf.io.TFRecordWriter(path, options) as writer:
        for record in records:
            writer.write(record)
    assert list(tf.io.tf_record_iterator(path, options)) == records
    got = [r.numpy() for r in tf.data.TFRecordDataset(path,
                                                              compression_type=compression)]
    assert got == records
    if not compression:
        raw = open(path, "rb").read()
        assert raw[:8] == (0).to_bytes(8, "little")   # uint64 length of the empty record
        assert len(raw) == sum(16 + len(r) for r in records)


def test_tfrecord_corrupt_length_and_data(tmp_path):
    path = tmp_path / "bad.tfrecord"
    path.write_bytes(_tfrecord.frame(b"payload") + _tfrecord.frame(b"second"))
    good = path.read_bytes()
    broken = bytearray(good)
    broken[9] ^= 0x01   # the length checksum
    path.write_bytes(bytes(broken))
    with pytest.raises(tf.errors.DataLossError, match="length checksum"):
        list(tf.io.tf_record_iterator(str(path)))
    broken = bytearray(good)
    broken[len(good) - 3] ^= 0x01   # the last record's data checksum
    path.write_bytes(bytes(broken))
    iterator = tf.io.tf_record_iterator(str(path))
    assert next(iterator) == b"payload"
    with pytest.raises(tf.errors.DataLossError, match="offset 23"):
        next(iterator)


# ---- tf.train.Example ------------------------------------------------------------------------

def _example(**features):
    io = tf.io
    converted = {}
    for key, value in features.items():
        if isinstance(value[0], bytes):
            converted[key] = io.Feature(bytes_list=io.BytesList(value=value))
        elif isinstance(value[0], float):
            converted[key] = io.Feature(float_list=io.FloatList(value=value))
        else:
            converted[key] = io.Feature(int64_list=io.Int64List(value=value))
    return io.Example(features=io.Features(feature=converted))


def test_example_wire_format_round_trip():
    example = _example(label=[1, 300, -2], x=[0.5, 1.5], name=[b"ab"])
    data = example.SerializeToString()
    parsed = tf.io.Example.FromString(data)
    feature = parsed.features.feature
    assert feature["label"].int64_list.value == [1, 300, -2]
    assert feature["x"].float_list.value == [0.5, 1.5]
    assert feature["name"].bytes_list.value == [b"ab"]
    assert parsed == example
    # Int64List [1, 300] packed: key 0x0A, length 3, varints 01 AC 02
    assert tf.io.Int64List(value=[1, 300]).SerializeToString() == b"\x0a\x03\x01\xac\x02"
    # unpacked repeated int64 (wire type 0) decodes too
    assert tf.io.Int64List.FromString(b"\x08\x05\x08\x07").value == [5, 7]


def test_parse_single_example_fixed_var_and_defaults():
    data = _example(label=[3], pair=[1.0, 2.0], tags=[b"a", b"b", b"c"]).SerializeToString()
    features = {"label": tf.io.FixedLenFeature([], tf.int64),
                "pair": tf.io.FixedLenFeature([2], tf.float32),
                "tags": tf.io.VarLenFeature(tf.string),
                "missing": tf.io.FixedLenFeature([], tf.int64, default_value=-1)}
    parsed = tf.io.parse_single_example(data, features)
    assert int(parsed["label"]) == 3 and parsed["label"].dtype == tf.int64
    np.testing.assert_array_equal(parsed["pair"].numpy(), [1.0, 2.0])
    assert parsed["tags"].values.numpy().tolist() == [b"a", b"b", b"c"]
    assert parsed["tags"].indices.numpy().tolist() == [[0], [1], [2]]
    assert int(parsed["missing"]) == -1
    with pytest.raises(tf.errors.InvalidArgumentError, match="required"):
        tf.io.parse_single_example(data, {"nope": tf.io.FixedLenFeature([], tf.int64)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="Data types don't match"):
        tf.io.parse_single_example(data, {"label": tf.io.FixedLenFeature([], tf.float32)})
    with pytest.raises(tf.errors.InvalidArgumentError, match="needs 3"):
        tf.io.parse_single_example(data, {"pair": tf.io.FixedLenFeature([3], tf.float32)})


def test_parse_example_batch_in_graph_and_in_dataset(tmp_path):
    records = [_example(x=[float(i)] * 2, ids=list(range(i + 1))).SerializeToString()
               for i in range(3)]
    features = {"x": tf.io.FixedLenFeature([2], tf.float32),
                "ids": tf.io.VarLenFeature(tf.int64),
                "seq": tf.io.FixedLenSequenceFeature([], tf.int64, allow_missing=True)}

    def build():
        parsed = tf.io.parse_example(tf.constant(records), features)
        return parsed["x"], parsed["ids"].indices, parsed["ids"].dense_shape, parsed["seq"]
    x, indices, shape, seq = run_graph(build)
    np.testing.assert_array_equal(x, [[0, 0], [1, 1], [2, 2]])
    assert indices.tolist() == [[0, 0], [1, 0], [1, 1], [2, 0], [2, 1], [2, 2]]
    assert shape.tolist() == [3, 3] and seq.shape == (3, 0)
    path = str(tmp_path / "ex.tfrecord")
    with tf.io.TFRecordWriter(path) as writer:
        for record in records:
            writer.write(record)
    ds = tf.data.TFRecordDataset(path).map(
        lambda r: tf.io.parse_single_example(r, {"x": features["x"]})["x"] * 2.0).batch(3)
    assert ds._input._function.traced
    np.testing.assert_array_equal(next(iter(ds)).numpy(), [[0, 0], [2, 2], [4, 4]])


# ---- files, gfile ---------------------------------------------------------------------------

def test_read_write_file_eager_graph_and_errors(tmp_path):
    path = str(tmp_path / "sub" / "f.bin")
    assert tf.io.write_file(path, b"\x00abc") is None
    assert tf.io.read_file(path).numpy() == b"\x00abc"
    assert run_graph(lambda: tf.io.read_file(tf.constant(path))) == b"\x00abc"
    with pytest.raises(tf.errors.NotFoundError, match="No such file"):
        tf.io.read_file(str(tmp_path / "none"))
    names = tf.io.matching_files(str(tmp_path / "sub" / "*")).numpy().tolist()
    assert names == [path.encode()]


def test_gfile(tmp_path):
    gfile = tf.io.gfile
    folder = str(tmp_path / "a" / "b")
    gfile.makedirs(folder)
    assert gfile.isdir(folder) and gfile.exists(folder)
    with gfile.GFile(os.path.join(folder, "t.txt"), "w") as f:
        f.write("line1\nline2\n")
    with gfile.GFile(os.path.join(folder, "t.txt")) as f:
        assert f.readlines() == ["line1\n", "line2\n"]
    with gfile.GFile(os.path.join(folder, "b.bin"), "wb") as f:
        f.write(b"\x01\x02")
    assert gfile.GFile(os.path.join(folder, "b.bin"), "rb").read() == b"\x01\x02"
    assert gfile.listdir(folder) == ["b.bin", "t.txt"]
    assert gfile.glob(os.path.join(folder, "*.txt")) == [os.path.join(folder, "t.txt")]
    with pytest.raises(tf.errors.AlreadyExistsError):
        gfile.rename(os.path.join(folder, "b.bin"), os.path.join(folder, "t.txt"))
    gfile.remove(os.path.join(folder, "b.bin"))
    assert not gfile.exists(os.path.join(folder, "b.bin"))
    with pytest.raises(tf.errors.NotFoundError):
        gfile.GFile(os.path.join(folder, "none"))


def test_decode_raw_base64_csv():
    data = np.asarray([1, 2, 258], dtype="<i2").tobytes()
    np.testing.assert_array_equal(tf.io.decode_raw(data, tf.int16).numpy(), [1, 2, 258])
    encoded = tf.io.encode_base64(b"\xfb\xff")
    assert encoded.numpy() == b"-_8" and tf.io.decode_base64(encoded).numpy() == b"\xfb\xff"
    a, b, c = tf.io.decode_csv(["1,x,2.5", "3,,"], [[0], ["d"], [1.0]])
    assert a.numpy().tolist() == [1, 3] and b.numpy().tolist() == [b"x", b"d"]
    np.testing.assert_allclose(c.numpy(), [2.5, 1.0])
    with pytest.raises(tf.errors.InvalidArgumentError, match="required"):
        tf.io.decode_csv("1,", [[0], tf.int32])


# ---- image codecs ---------------------------------------------------------------------------

def _encoded(array, fmt, **kwargs):
    buffer = pyio.BytesIO()
    Image.fromarray(array).save(buffer, fmt, **kwargs)
    return buffer.getvalue()


def test_decode_jpeg_png_bmp_gif_match_pillow():
    rng = np.random.default_rng(0)
    rgb = (rng.random((9, 7, 3)) * 255).astype(np.uint8)
    jpeg = _encoded(rgb, "JPEG", quality=90)
    reference = np.asarray(Image.open(pyio.BytesIO(jpeg)))
    decoded = tf.io.decode_jpeg(jpeg, channels=3)
    assert decoded.dtype == tf.uint8
    np.testing.assert_array_equal(decoded.numpy(), reference)
    gray = tf.image.decode_jpeg(jpeg, channels=1).numpy()
    assert gray.shape == (9, 7, 1)
    rgba = np.concatenate([rgb, np.full((9, 7, 1), 200, np.uint8)], axis=-1)
    png = _encoded(rgba, "PNG")
    np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), rgba)
    np.testing.assert_array_equal(tf.io.decode_png(png, channels=3).numpy(), rgb)
    assert tf.io.decode_image(png, dtype=tf.float32).numpy().max() <= 1.0
    np.testing.assert_array_equal(tf.io.decode_image(_encoded(rgb, "BMP")).numpy(), rgb)
    frames = [Image.fromarray(np.full((4, 5, 3), v, np.uint8)) for v in (10, 250)]
    buffer = pyio.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:])
    gif = buffer.getvalue()
    assert tf.io.decode_gif(gif).shape == (2, 4, 5, 3)
    assert tf.io.decode_image(gif, expand_animations=False).shape == (4, 5, 3)
    sixteen = Image.fromarray(np.asarray([[0, 1000], [65535, 7]], dtype=np.uint16))
    buffer = pyio.BytesIO()
    sixteen.save(buffer, "PNG")
    np.testing.assert_array_equal(
        tf.io.decode_png(buffer.getvalue(), dtype=tf.uint16).numpy()[..., 0],
        [[0, 1000], [65535, 7]])
    with pytest.raises(tf.errors.InvalidArgumentError, match="Unknown image file format"):
        tf.io.decode_image(b"not an image")


def test_encode_png_lossless_and_jpeg_close():
    rng = np.random.default_rng(1)
    image = (rng.random((6, 5, 3)) * 255).astype(np.uint8)
    png = tf.io.encode_png(image)
    np.testing.assert_array_equal(tf.io.decode_png(png).numpy(), image)
    smooth = np.broadcast_to(np.linspace(0, 255, 16, dtype=np.uint8)[:, None, None],
                             (16, 16, 3)).copy()
    jpeg = tf.image.encode_jpeg(smooth, quality=95)
    assert tf.io.is_jpeg(jpeg).numpy()
    assert tf.io.extract_jpeg_shape(jpeg).numpy().tolist() == [16, 16, 3]
    assert np.abs(tf.io.decode_jpeg(jpeg).numpy().astype(int) - smooth).mean() < 3


def test_missing_pillow_gives_install_hint(monkeypatch):
    import sys
    monkeypatch.setitem(sys.modules, "PIL", None)
    with pytest.raises(ImportError, match="pip install pillow"):
        tf.io.decode_png(b"\x89PNG\r\n\x1a\n....")


# ---- tf.image: dtype, resize ------------------------------------------------------------------

def test_convert_image_dtype():
    x = np.asarray([0, 128, 255], dtype=np.uint8)
    np.testing.assert_allclose(tf.image.convert_image_dtype(x, tf.float32).numpy(),
                               x / 255.0, rtol=1e-6)
    f = np.asarray([0.0, 0.5, 1.0, 1.2], dtype=np.float32)
    assert tf.image.convert_image_dtype(f[:3], tf.uint8).numpy().tolist() == [0, 127, 255]
    assert tf.image.convert_image_dtype(f, tf.uint8, saturate=True).numpy()[-1] == 255
    assert tf.image.convert_image_dtype(x, tf.uint16).numpy().tolist() == [0, 32768, 65280]
    assert tf.image.convert_image_dtype(np.asarray([65535], np.uint16),
                                        tf.uint8).numpy().tolist() == [255]
    assert tf.image.convert_image_dtype(f, tf.float64).dtype == tf.float64


def _reference_bilinear(image, out_h, out_w, legacy=False):
    """Per-pixel bilinear interpolation written from the definition."""
    h, w, c = image.shape
    out = np.zeros((out_h, out_w, c))
    for i in range(out_h):
        for j in range(out_w):
            if legacy:
                y, x = i * h / out_h, j * w / out_w
            else:
                y, x = (i + 0.5) * h / out_h - 0.5, (j + 0.5) * w / out_w - 0.5
            y0, x0 = int(np.floor(y)), int(np.floor(x))
            dy, dx = y - y0, x - x0
            total = 0.0
            for yy, wy in ((y0, 1 - dy), (y0 + 1, dy)):
                for xx, wx in ((x0, 1 - dx), (x0 + 1, dx)):
                    total = total + wy * wx * image[min(max(yy, 0), h - 1),
                                                    min(max(xx, 0), w - 1)]
            out[i, j] = total
    return out


def test_resize_bilinear_nearest_area_against_references():
    rng = np.random.default_rng(2)
    image = rng.random((5, 7, 2)).astype(np.float32)
    got = tf.image.resize(image, [8, 4]).numpy()
    assert got.dtype == np.float32
    np.testing.assert_allclose(got, _reference_bilinear(image, 8, 4), atol=1e-5)
    legacy = tf.image.resize_images(image, (8, 4)).numpy()
    np.testing.assert_allclose(legacy, _reference_bilinear(image, 8, 4, legacy=True),
                               atol=1e-5)
    ints = (image * 255).astype(np.uint8)
    nearest = tf.image.resize(ints, [10, 3], method="nearest")
    assert nearest.dtype == tf.uint8
    rows = np.minimum(np.floor((np.arange(10) + 0.5) * 5 / 10), 4).astype(int)
    cols = np.minimum(np.floor((np.arange(3) + 0.5) * 7 / 3), 6).astype(int)
    np.testing.assert_array_equal(nearest.numpy(), ints[rows][:, cols])
    square = rng.random((2, 4, 6, 3)).astype(np.float32)
    area = tf.image.resize(square, [2, 3], method=tf.image.ResizeMethod.AREA).numpy()
    np.testing.assert_allclose(area, square.reshape(2, 2, 2, 3, 2, 3).mean(axis=(2, 4)),
                               atol=1e-6)
    assert tf.image.resize(square, [3, 3]).shape == (2, 3, 3, 3)
    np.testing.assert_array_equal(tf.image.resize(image, [5, 7]).numpy(), image)


@pytest.mark.parametrize("method,antialias,pil_filter,size", [
    ("bicubic", False, "BICUBIC", (11, 9)),       # upsampling: Keys a=-0.5, half-pixel
    ("bilinear", True, "BILINEAR", (4, 3)),       # antialiased downsampling: wide triangle
    ("lanczos3", True, "LANCZOS", (5, 4)),
])
def test_resize_matches_pillow_filters(method, antialias, pil_filter, size):
    rng = np.random.default_rng(3)
    image = rng.random((8, 7)).astype(np.float32)
    got = tf.image.resize(image[..., None], size, method=method, antialias=antialias).numpy()
    reference = np.asarray(Image.fromarray(image, mode="F").resize(
        (size[1], size[0]), getattr(Image, pil_filter)))
    # TF's bicubic kernel reads Keys weights from a 1024-step table: 3.4e-4 off Pillow here
    np.testing.assert_allclose(got[..., 0], reference, atol=5e-4)


def test_resize_shapes_in_graph_and_gradients():
    def build():
        x = tf.compat.v1.placeholder(tf.float32, [None, None, 3])
        y = tf.image.resize(x, [4, 6])
        assert y.shape.as_list() == [4, 6, 3]
        return y
    with tf.Graph().as_default():
        y = build()
        x = y.op.inputs[0]
        with tf.compat.v1.Session() as sess:
            assert sess.run(y, {x: np.ones((3, 5, 3))}).shape == (4, 6, 3)
    rng = np.random.default_rng(4)
    image = rng.random((1, 3, 4, 2))
    for method, antialias in (("bilinear", False), ("bicubic", True), ("area", False),
                              ("nearest", False)):
        check_gradients(lambda x: tf.image.resize(x, [5, 2], method=method,
                                                  antialias=antialias), [image])
    check_gradients(lambda x: tf.compat.v1.image.resize_bilinear(x, [2, 5],
                                                                 align_corners=True), [image])
    # the gradient op itself (second derivatives): its gradient is the forward resize
    from tensorflux.ops._helpers import apply
    attrs = {"method": "bicubic", "antialias": False, "mode": "half_pixel"}
    check_gradients(lambda g: apply("ResizeImageGrad", [g, tf.constant(image)], attrs),
                    [rng.random((1, 5, 2, 2))])


# ---- cropping, padding, flips -----------------------------------------------------------------

def test_crop_pad_central_crop_resize_with_crop_or_pad():
    image = np.arange(5 * 6 * 2, dtype=np.float32).reshape(5, 6, 2)
    np.testing.assert_array_equal(tf.image.crop_to_bounding_box(image, 1, 2, 3, 2).numpy(),
                                  image[1:4, 2:4])
    padded = tf.image.pad_to_bounding_box(image, 1, 2, 7, 9).numpy()
    assert padded.shape == (7, 9, 2) and padded[0].sum() == 0
    np.testing.assert_array_equal(padded[1:6, 2:8], image)
    start_h, start_w = int((5 - 5 * 0.5) / 2), int((6 - 6 * 0.5) / 2)
    np.testing.assert_array_equal(tf.image.central_crop(image, 0.5).numpy(),
                                  image[start_h:5 - start_h, start_w:6 - start_w])
    mixed = tf.image.resize_with_crop_or_pad(image, 3, 8).numpy()
    expected = np.zeros((3, 8, 2), np.float32)
    expected[:, 1:7] = image[1:4]
    np.testing.assert_array_equal(mixed, expected)
    batch = np.stack([image, image + 1])
    assert tf.image.resize_with_crop_or_pad(batch, 4, 4).shape == (2, 4, 4, 2)
    with pytest.raises(ValueError, match="exceeds"):
        tf.image.crop_to_bounding_box(image, 3, 0, 3, 2)

    def dynamic():
        x = tf.compat.v1.placeholder(tf.float32, [None, None, 2])
        return x, tf.image.central_crop(x, 0.5), tf.image.resize_with_crop_or_pad(x, 3, 8)
    with tf.Graph().as_default():
        x, crop, crop_or_pad = dynamic()
        with tf.compat.v1.Session() as sess:
            got_crop, got_mixed = sess.run([crop, crop_or_pad], {x: image})
    np.testing.assert_array_equal(got_crop, image[start_h:5 - start_h, start_w:6 - start_w])
    np.testing.assert_array_equal(got_mixed, expected)
    small = np.random.default_rng(5).random((3, 4, 1))
    check_gradients(lambda x: tf.image.resize_with_crop_or_pad(x, 2, 6), [small])
    check_gradients(lambda x: tf.image.central_crop(x, 0.6), [small])


def test_flips_transpose_rot90_and_random_flips():
    image = np.arange(2 * 3 * 4 * 1).reshape(2, 3, 4, 1)
    np.testing.assert_array_equal(tf.image.flip_left_right(image).numpy(), image[:, :, ::-1])
    np.testing.assert_array_equal(tf.image.flip_up_down(image[0]).numpy(), image[0, ::-1])
    np.testing.assert_array_equal(tf.image.transpose(image[0]).numpy(),
                                  image[0].transpose(1, 0, 2))
    np.testing.assert_array_equal(tf.image.rot90(image[0], 1).numpy(),
                                  np.rot90(image[0], 1, axes=(0, 1)))
    np.testing.assert_array_equal(tf.image.rot90(image[0], 3).numpy(),
                                  np.rot90(image[0], 3, axes=(0, 1)))
    tf.random.set_seed(0)
    big = np.arange(64 * 2 * 2).reshape(64, 2, 2, 1)
    flipped = tf.image.random_flip_left_right(big).numpy()
    is_flipped = [np.array_equal(f, b[:, ::-1]) for f, b in zip(flipped, big)]
    is_same = [np.array_equal(f, b) for f, b in zip(flipped, big)]
    assert all(a or b for a, b in zip(is_flipped, is_same))
    assert 10 < sum(is_flipped) < 54
    single = tf.image.random_flip_up_down(big[0], seed=1).numpy()
    assert np.array_equal(single, big[0]) or np.array_equal(single, big[0, ::-1])
    crop = tf.image.random_crop(big[:, :, :, 0], [64, 1, 2], seed=3).numpy()
    assert crop.shape == (64, 1, 2)


# ---- color ---------------------------------------------------------------------------------

def test_color_adjustments_against_numpy():
    rng = np.random.default_rng(6)
    image = rng.random((4, 5, 3)).astype(np.float32)
    np.testing.assert_allclose(tf.image.adjust_brightness(image, 0.1).numpy(), image + 0.1,
                               rtol=1e-6)
    mean = image.mean(axis=(0, 1), keepdims=True)
    np.testing.assert_allclose(tf.image.adjust_contrast(image, 1.7).numpy(),
                               (image - mean) * 1.7 + mean, rtol=1e-5)
    gray = tf.image.rgb_to_grayscale(image).numpy()
    np.testing.assert_allclose(gray[..., 0], image @ np.asarray([0.2989, 0.5870, 0.1140]),
                               rtol=1e-5)
    assert tf.image.grayscale_to_rgb(gray).shape == (4, 5, 3)
    standardized = tf.image.per_image_standardization(image).numpy()
    expected = (image - image.mean()) / max(image.std(), 1 / np.sqrt(image.size))
    np.testing.assert_allclose(standardized, expected, rtol=1e-4, atol=1e-5)
    ints = (image * 255).astype(np.uint8)
    brighter = tf.image.adjust_brightness(ints, 0.5)
    assert brighter.dtype == tf.uint8 and brighter.numpy().max() == 255
    np.testing.assert_allclose(tf.image.adjust_gamma(image, 2.0).numpy(), image ** 2,
                               rtol=1e-6)
    tf.random.set_seed(1)
    shifted = tf.image.random_brightness(image, 0.2).numpy() - image
    assert np.ptp(shifted) < 1e-6 and abs(shifted.mean()) <= 0.2
    assert tf.image.random_contrast(image, 0.5, 1.5).shape == image.shape
    assert float(tf.image.psnr(image, image + 0.1, 1.0)) == pytest.approx(20.0, abs=1e-3)


# ---- strings ---------------------------------------------------------------------------------

def test_split_variants():
    ragged = tf.strings.split(["a b  c", "d"])
    assert ragged.to_list() == [[b"a", b"b", b"c"], [b"d"]]
    assert ragged.row_splits.numpy().tolist() == [0, 3, 4]
    assert ragged.to_tensor().numpy().tolist() == [[b"a", b"b", b"c"], [b"d", b"", b""]]
    assert tf.strings.split("1<>2<><>3", "<>").numpy().tolist() == [b"1", b"2", b"", b"3"]
    assert tf.strings.split(["a,b,c"], ",", maxsplit=1).to_list() == [[b"a", b"b,c"]]
    v1 = tf.compat.v1.string_split(["/data/dogs/x.jpg"], delimiter="/")
    assert v1.values[-2].numpy() == b"dogs"
    sparse = tf.strings.string_split_v1(["a b", "c"])
    assert sparse.indices.numpy().tolist() == [[0, 0], [0, 1], [1, 0]]
    assert sparse.dense_shape.numpy().tolist() == [2, 2]
    assert tf.strings.string_split_v1(["/x//y"], delimiter="/").values.numpy().tolist() == \
        [b"x", b"y"]
    in_graph = run_graph(lambda: tf.equal(
        tf.compat.v1.string_split([tf.constant("/r/cats/1.jpg")], delimiter="/").values[-2],
        "cats"))
    assert in_graph


def test_elementwise_string_ops():
    s = tf.strings
    assert s.join([["a", "b"], "x"], separator="-").numpy().tolist() == [b"a-x", b"b-x"]
    assert s.regex_replace("a1b22", r"(\d+)", r"<\1>").numpy() == b"a<1>b<22>"
    assert s.regex_replace("aaa", "a", "b", replace_global=False).numpy() == b"baa"
    assert s.regex_full_match(["ab", "abc"], "a.").numpy().tolist() == [True, False]
    np.testing.assert_allclose(s.to_number(["1.5", "-2"]).numpy(), [1.5, -2.0])
    assert s.to_number("42", tf.int32).numpy() == 42
    with pytest.raises(tf.errors.InvalidArgumentError, match="could not correctly convert"):
        s.to_number("x1")
    assert s.length(["abc", "", "é"]).numpy().tolist() == [3, 0, 2]
    assert s.length("é", unit="UTF8_CHAR").numpy() == 1
    assert s.substr(["hello", "world"], 1, 3).numpy().tolist() == [b"ell", b"orl"]
    assert s.substr("hello", -3, 2).numpy() == b"ll"
    with pytest.raises(tf.errors.InvalidArgumentError, match="out of range"):
        s.substr("abc", 5, 1)
    assert s.lower("AbÉ").numpy() == "abÉ".encode()
    assert s.lower("AbÉ", encoding="utf-8").numpy() == "abé".encode()
    assert s.upper("ab").numpy() == b"AB" and s.strip("  x y\n").numpy() == b"x y"
    assert s.format("x={} v={}", [3, tf.constant([1.5, 2.0])]).numpy() == b"x=3 v=[1.5 2]"
    assert s.format("{}", tf.range(10)).numpy() == b"[0 1 2 ... 7 8 9]"
    assert s.reduce_join([["a", "b"], ["c", "d"]], axis=1, separator=",").numpy().tolist() \
        == [b"a,b", b"c,d"]
    assert s.reduce_join([["a", "b"], ["c", "d"]]).numpy() == b"abcd"
    assert s.as_string([1.5, 2.0]).numpy().tolist() == [b"1.500000", b"2.000000"]
    assert s.as_string([True, False]).numpy().tolist() == [b"true", b"false"]
    assert s.as_string(7, width=3, fill="0").numpy() == b"007"


def test_string_ops_in_graph_and_traced_dataset():
    def build():
        x = tf.constant(["Hello World", "tf data"])
        return tf.strings.upper(tf.strings.regex_replace(x, " ", "_")), tf.strings.length(x)
    upper, lengths = run_graph(build)
    assert upper.tolist() == [b"HELLO_WORLD", b"TF_DATA"] and lengths.tolist() == [11, 7]
    ds = tf.data.Dataset.from_tensor_slices(["3", "4"]).map(
        lambda t: tf.strings.to_number(t) * 2.0)
    assert ds._function.traced
    assert [float(v) for v in ds] == [6.0, 8.0]


def test_docstring_examples():
    import doctest
    import importlib
    for module in ("tensorflux.io._tfrecord", "tensorflux.strings", "tensorflux.image"):
        result = doctest.testmod(importlib.import_module(module), extraglobs={"tf": tf},
                                 optionflags=doctest.ELLIPSIS)
        assert result.failed == 0 and result.attempted > 0, module
