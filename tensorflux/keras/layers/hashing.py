"""Hashing (Keras 3): values -> hash bins, with TensorFlow's exact hash functions.

Keras hashes every value as a string (ints in decimal as `tf.as_string` writes them, floats
first cast to int64): without a salt with FarmHash Fingerprint64 (`tf.strings.
to_hash_bucket_fast`), with a salt with SipHash-2-4 keyed by the two salt words
(`tf.strings.to_hash_bucket_strong`); the bin is the hash modulo the number of bins. Both hash
functions are implemented here in pure Python (64-bit arithmetic on ints) and checked against
TensorFlow's outputs in the tests.
"""
import numpy as np

import tensorflux as tf
from tensorflux.framework import dtypes
from tensorflux.framework.registry import _OPS, not_differentiable, register_op
from tensorflux.framework.tensor_shape import TensorShape
from tensorflux.keras.layers.base_layer import Layer
from tensorflux.ops._helpers import apply

__all__ = ["Hashing", "fingerprint64", "siphash24", "hash_bucket_fast", "hash_bucket_strong"]

_MASK64 = (1 << 64) - 1
_K0 = 0xc3a5c85c97cb3127
_K1 = 0xb492b66fbe98f273
_K2 = 0x9ae16a3b2f90404f


# ---- FarmHash Fingerprint64 (farmhashna::Hash64) --------------------------------------------

def _fetch64(s, i):
    return int.from_bytes(s[i:i + 8], "little")


def _fetch32(s, i):
    return int.from_bytes(s[i:i + 4], "little")


def _rotate(value, shift):
    return ((value >> shift) | (value << (64 - shift))) & _MASK64 if shift else value


def _shift_mix(value):
    return value ^ (value >> 47)


def _hash_len16(u, v, mul):
    a = ((u ^ v) * mul) & _MASK64
    a ^= a >> 47
    b = ((v ^ a) * mul) & _MASK64
    b ^= b >> 47
    return (b * mul) & _MASK64


def _hash_len_0_to_16(s):
    length = len(s)
    if length >= 8:
        mul = _K2 + length * 2
        a = (_fetch64(s, 0) + _K2) & _MASK64
        b = _fetch64(s, length - 8)
        c = (_rotate(b, 37) * mul + a) & _MASK64
        d = ((_rotate(a, 25) + b) * mul) & _MASK64
        return _hash_len16(c, d, mul)
    if length >= 4:
        mul = _K2 + length * 2
        a = _fetch32(s, 0)
        return _hash_len16((length + (a << 3)) & _MASK64, _fetch32(s, length - 4), mul)
    if length > 0:
        a, b, c = s[0], s[length >> 1], s[length - 1]
        y = (a + (b << 8)) & 0xffffffff
        z = (length + (c << 2)) & 0xffffffff
        return (_shift_mix(((y * _K2) ^ (z * _K0)) & _MASK64) * _K2) & _MASK64
    return _K2


def _hash_len_17_to_32(s):
    length = len(s)
    mul = _K2 + length * 2
    a = (_fetch64(s, 0) * _K1) & _MASK64
    b = _fetch64(s, 8)
    c = (_fetch64(s, length - 8) * mul) & _MASK64
    d = (_fetch64(s, length - 16) * _K2) & _MASK64
    return _hash_len16((_rotate((a + b) & _MASK64, 43) + _rotate(c, 30) + d) & _MASK64,
                       (a + _rotate((b + _K2) & _MASK64, 18) + c) & _MASK64, mul)


def _hash_len_33_to_64(s):
    length = len(s)
    mul = _K2 + length * 2
    a = (_fetch64(s, 0) * _K2) & _MASK64
    b = _fetch64(s, 8)
    c = (_fetch64(s, length - 8) * mul) & _MASK64
    d = (_fetch64(s, length - 16) * _K2) & _MASK64
    y = (_rotate((a + b) & _MASK64, 43) + _rotate(c, 30) + d) & _MASK64
    z = _hash_len16(y, (a + _rotate((b + _K2) & _MASK64, 18) + c) & _MASK64, mul)
    e = (_fetch64(s, 16) * mul) & _MASK64
    f = _fetch64(s, 24)
    g = ((y + _fetch64(s, length - 32)) * mul) & _MASK64
    h = ((z + _fetch64(s, length - 24)) * mul) & _MASK64
    return _hash_len16((_rotate((e + f) & _MASK64, 43) + _rotate(g, 30) + h) & _MASK64,
                       (e + _rotate((f + a) & _MASK64, 18) + g) & _MASK64, mul)


def _weak_hash_len32_with_seeds(s, i, a, b):
    w, x, y, z = _fetch64(s, i), _fetch64(s, i + 8), _fetch64(s, i + 16), _fetch64(s, i + 24)
    a = (a + w) & _MASK64
    b = _rotate((b + a + z) & _MASK64, 21)
    c = a
    a = (a + x + y) & _MASK64
    b = (b + _rotate(a, 44)) & _MASK64
    return (a + z) & _MASK64, (b + c) & _MASK64


def fingerprint64(data):
    """FarmHash Fingerprint64 of `data` (bytes or str): TensorFlow's `Fingerprint64`, the hash
    of `tf.strings.to_hash_bucket_fast`."""
    s = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    length = len(s)
    if length <= 16:
        return _hash_len_0_to_16(s)
    if length <= 32:
        return _hash_len_17_to_32(s)
    if length <= 64:
        return _hash_len_33_to_64(s)
    seed = 81
    x = seed
    y = (seed * _K1 + 113) & _MASK64
    z = (_shift_mix((y * _K2 + 113) & _MASK64) * _K2) & _MASK64
    v0 = v1 = w0 = w1 = 0
    x = (x * _K2 + _fetch64(s, 0)) & _MASK64
    end = ((length - 1) // 64) * 64
    last64 = end + ((length - 1) & 63) - 63
    pos = 0
    while True:
        x = (_rotate((x + y + v0 + _fetch64(s, pos + 8)) & _MASK64, 37) * _K1) & _MASK64
        y = (_rotate((y + v1 + _fetch64(s, pos + 48)) & _MASK64, 42) * _K1) & _MASK64
        x ^= w1
        y = (y + v0 + _fetch64(s, pos + 40)) & _MASK64
        z = (_rotate((z + w0) & _MASK64, 33) * _K1) & _MASK64
        v0, v1 = _weak_hash_len32_with_seeds(s, pos, (v1 * _K1) & _MASK64, (x + w0) & _MASK64)
        w0, w1 = _weak_hash_len32_with_seeds(s, pos + 32, (z + w1) & _MASK64,
                                             (y + _fetch64(s, pos + 16)) & _MASK64)
        z, x = x, z
        pos += 64
        if pos == end:
            break
    mul = _K1 + ((z & 0xff) << 1)
    pos = last64
    w0 = (w0 + ((length - 1) & 63)) & _MASK64
    v0 = (v0 + w0) & _MASK64
    w0 = (w0 + v0) & _MASK64
    x = (_rotate((x + y + v0 + _fetch64(s, pos + 8)) & _MASK64, 37) * mul) & _MASK64
    y = (_rotate((y + v1 + _fetch64(s, pos + 48)) & _MASK64, 42) * mul) & _MASK64
    x ^= (w1 * 9) & _MASK64
    y = (y + v0 * 9 + _fetch64(s, pos + 40)) & _MASK64
    z = (_rotate((z + w0) & _MASK64, 33) * mul) & _MASK64
    v0, v1 = _weak_hash_len32_with_seeds(s, pos, (v1 * mul) & _MASK64, (x + w0) & _MASK64)
    w0, w1 = _weak_hash_len32_with_seeds(s, pos + 32, (z + w1) & _MASK64,
                                         (y + _fetch64(s, pos + 16)) & _MASK64)
    z, x = x, z
    return _hash_len16((_hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z) & _MASK64,
                       (_hash_len16(v1, w1, mul) + x) & _MASK64, mul)


# ---- SipHash-2-4 (TensorFlow's StrongKeyedHash) ----------------------------------------------

def _rotl(value, shift):
    return ((value << shift) | (value >> (64 - shift))) & _MASK64


def _sip_rounds(v0, v1, v2, v3, count):
    for _ in range(count):
        v0 = (v0 + v1) & _MASK64
        v1 = _rotl(v1, 13) ^ v0
        v0 = _rotl(v0, 32)
        v2 = (v2 + v3) & _MASK64
        v3 = _rotl(v3, 16) ^ v2
        v0 = (v0 + v3) & _MASK64
        v3 = _rotl(v3, 21) ^ v0
        v2 = (v2 + v1) & _MASK64
        v1 = _rotl(v1, 17) ^ v2
        v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def siphash24(key, data):
    """SipHash-2-4 of `data` keyed by the two 64-bit words `key`: TensorFlow's
    `StrongKeyedHash`, the hash of `tf.strings.to_hash_bucket_strong`."""
    s = data.encode("utf-8") if isinstance(data, str) else bytes(data)
    k0, k1 = int(key[0]) & _MASK64, int(key[1]) & _MASK64
    v0 = k0 ^ 0x736f6d6570736575
    v1 = k1 ^ 0x646f72616e646f6d
    v2 = k0 ^ 0x6c7967656e657261
    v3 = k1 ^ 0x7465646279746573
    length = len(s)
    full = length - length % 8
    for i in range(0, full, 8):
        m = _fetch64(s, i)
        v3 ^= m
        v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 2)
        v0 ^= m
    b = ((length & 0xff) << 56) | int.from_bytes(s[full:], "little")
    v3 ^= b
    v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 2)
    v0 ^= b
    v2 ^= 0xff
    v0, v1, v2, v3 = _sip_rounds(v0, v1, v2, v3, 4)
    return v0 ^ v1 ^ v2 ^ v3


def hash_bucket_fast(data, num_buckets):
    """tf.strings.to_hash_bucket_fast of one string."""
    return fingerprint64(data) % num_buckets


def hash_bucket_strong(data, num_buckets, key):
    """tf.strings.to_hash_bucket_strong of one string."""
    return siphash24(key, data) % num_buckets


# ---- the op -----------------------------------------------------------------------------------

def _as_hash_bytes(value):
    """The bytes Keras hashes for one value: strings as they are, ints in decimal."""
    if isinstance(value, bytes):
        return value
    if isinstance(value, str):
        return value.encode("utf-8")
    if isinstance(value, (np.integer, int)):
        return str(int(value)).encode("ascii")
    return bytes(value)


def _hash_kernel(xp, values, num_bins, mask_value, salt):
    values = np.asarray(values)
    bins = num_bins
    mask = None
    if mask_value is not None and num_bins > 1:
        bins -= 1
        if values.dtype == object or values.dtype.kind in "SU":
            target = _as_hash_bytes(mask_value)
            mask = np.frompyfunc(lambda v: _as_hash_bytes(v) == target, 1, 1)(values)
            mask = np.asarray(mask, dtype=bool)
        else:
            mask = values == mask_value
    if values.dtype.kind == "f":
        values = values.astype(np.int64)
    if salt is None:
        function = lambda v: fingerprint64(_as_hash_bytes(v)) % bins  # noqa: E731
    else:
        function = lambda v: siphash24(salt, _as_hash_bytes(v)) % bins  # noqa: E731
    flat = values.reshape(-1)
    out = np.fromiter((function(v) for v in flat.tolist()), dtype=np.int64,
                      count=flat.size).reshape(values.shape)
    if mask is not None:
        out = np.where(mask, 0, out + 1)
    return out


if "KerasHashing" not in _OPS:
    register_op("KerasHashing", _hash_kernel, lambda inputs, attrs: [inputs[0].shape],
                lambda input_dtypes, attrs: [dtypes.int64])
    not_differentiable("KerasHashing")


def _hash_values(values, num_bins, mask_value, salt):
    return apply("KerasHashing", [values], {"num_bins": int(num_bins),
                                            "mask_value": mask_value,
                                            "salt": None if salt is None else tuple(salt)})


class Hashing(Layer):
    """Hashes values into `num_bins` bins, as Keras 3's Hashing layer (exactly: TensorFlow's
    FarmHash Fingerprint64, or SipHash-2-4 with a `salt`).

    Ints are hashed as their decimal strings and floats are first cast to int64, as Keras
    does. With `mask_value`, that value goes to bin 0 and the others to bins 1..num_bins-1.

    Args:
        num_bins: the number of bins (including the mask bin).
        mask_value: a value mapped to bin 0 (None: no mask bin).
        salt: an int or a pair of ints: use the keyed SipHash with key [salt, salt] or the
            pair (None: FarmHash).
        output_mode: "int" (bin indices), "one_hot", "multi_hot" or "count".
        sparse: not supported (dense outputs only).

    Example:
        >>> Hashing(num_bins=3)(tf.constant([["A"], ["B"], ["C"], ["D"], ["E"]])).numpy().ravel()
        array([1, 0, 1, 1, 2])
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        if num_bins is None or num_bins <= 0:
            raise ValueError("The `num_bins` for `Hashing` cannot be `None` or non-positive "
                             f"values. Received: num_bins={num_bins}.")
        if output_mode == "int" and self.dtype not in ("int32", "int64"):
            raise ValueError("When `output_mode=\"int\"`, `dtype` should be an integer type, "
                             f"'int32' or 'in64'. Received: dtype={kwargs['dtype']}")
        accepted = ("int", "one_hot", "multi_hot", "count")
        if output_mode not in accepted:
            raise ValueError("Invalid value for argument `output_mode`. Expected one of "
                             f"{accepted}. Received: output_mode={output_mode}")
        if sparse and output_mode == "int":
            raise ValueError("`sparse` may only be true if `output_mode` is `\"one_hot\"`, "
                             f"`\"multi_hot\"`, or `\"count\"`. Received: sparse={sparse} and "
                             f"output_mode={output_mode}")
        if sparse:
            raise NotImplementedError("Hashing(sparse=True) is not supported by tensorflux; "
                                      "use sparse=False (dense outputs).")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.strong_hash = salt is not None
        self.output_mode = output_mode
        self.sparse = sparse
        self.salt = None
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                self.salt = list(salt)
            elif isinstance(salt, int):
                self.salt = [salt, salt]
            else:
                raise ValueError("The `salt` argument for `Hashing` can only be a tuple of "
                                 f"size 2 integers, or a single integer. Received: salt={salt}.")
        self.built = True

    def __call__(self, inputs, *args, **kwargs):
        if isinstance(inputs, (list, tuple, np.ndarray, str, bytes, int, float)):
            array = np.asarray(inputs)
            if array.dtype.kind in "USO":
                array = array.astype(object)
            inputs = tf.constant(array)
        return super().__call__(inputs, *args, **kwargs)

    def _convert_input(self, x):
        return x

    def call(self, inputs):
        from tensorflux.keras.layers.preprocessing import _encode
        inputs = tf.convert_to_tensor(inputs)
        if self.output_mode == "one_hot" and inputs.shape.rank and inputs.shape[-1] == 1:
            inputs = tf.squeeze(inputs, axis=-1)
        indices = _hash_values(inputs, self.num_bins, self.mask_value, self.salt)
        if self.output_mode == "int":
            return tf.cast(indices, self.dtype)
        return _encode(indices, self.output_mode, self.num_bins, dtype=self.dtype)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(TensorShape(input_shape).as_list())
        if self.output_mode == "int":
            return input_shape
        if len(input_shape) == 0:
            return (self.num_bins,)
        return tuple(input_shape[:-1]) + (self.num_bins,)

    def get_config(self):
        config = super().get_config()
        config.update({"num_bins": self.num_bins, "salt": self.salt,
                       "mask_value": self.mask_value, "output_mode": self.output_mode,
                       "sparse": self.sparse})
        return config
