"""CRC-32C (Castagnoli), the checksum of TFRecord files.

Uses the `google_crc32c` or `crc32c` package when installed (C speed); neither is a dependency
of tensorflux, so without them a NumPy implementation runs: short inputs go through the usual
byte-at-a-time table loop, long ones are cut into equal chunks whose CRCs are computed side by
side (one vectorized table step per byte position) and then chained, using the fact that a
CRC register is advanced over a chunk by a fixed GF(2)-linear map of its previous value.
"""
import numpy as np

__all__ = ["crc32c", "masked_crc32c"]

_POLY = 0x82F63B78  # reflected Castagnoli polynomial
_CHUNK = 1024       # chunk length of the vectorized path
_MASK_DELTA = 0xA282EAD8


def _make_table():
    table = np.zeros(256, dtype=np.uint32)
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (_POLY if crc & 1 else 0)
        table[byte] = crc
    return table


_TABLE = _make_table()
_TABLE_LIST = [int(v) for v in _TABLE]
_advance_tables = None


def _raw_bytes(data, crc):
    """The CRC register after feeding `data` into register value `crc` (no pre/post xor)."""
    table = _TABLE_LIST
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc


def _advance_over_chunk():
    """Four 256-entry tables: the register after _CHUNK zero bytes, per input byte lane."""
    global _advance_tables
    if _advance_tables is None:
        values = np.concatenate([np.arange(256, dtype=np.uint32) << np.uint32(8 * lane)
                                 for lane in range(4)])
        for _ in range(_CHUNK):
            values = _TABLE[values & 0xFF] ^ (values >> np.uint32(8))
        _advance_tables = [values[256 * lane:256 * (lane + 1)].tolist() for lane in range(4)]
    return _advance_tables


def _raw_vectorized(data, crc):
    head = len(data) % _CHUNK
    crc = _raw_bytes(data[:head], crc)
    chunks = np.frombuffer(data, dtype=np.uint8, offset=head).reshape(-1, _CHUNK)
    # CRC of every chunk from a zero register, all chunks at once
    states = np.zeros(chunks.shape[0], dtype=np.uint32)
    columns = chunks.T.astype(np.uint32)
    table = _TABLE
    shift = np.uint32(8)
    for column in columns:
        states = table[(states ^ column) & 0xFF] ^ (states >> shift)
    # chain them: register(after chunk) = advance(register before) xor chunk CRC
    t0, t1, t2, t3 = _advance_over_chunk()
    for state in states.tolist():
        crc = (t0[crc & 0xFF] ^ t1[(crc >> 8) & 0xFF] ^ t2[(crc >> 16) & 0xFF]
               ^ t3[crc >> 24] ^ state)
    return crc


def _crc32c_python(data):
    data = bytes(data)
    if len(data) < 4 * _CHUNK:
        return _raw_bytes(data, 0xFFFFFFFF) ^ 0xFFFFFFFF
    return _raw_vectorized(data, 0xFFFFFFFF) ^ 0xFFFFFFFF


def _pick_implementation():
    try:
        import google_crc32c
        return lambda data: google_crc32c.value(bytes(data))
    except ImportError:
        pass
    try:
        import crc32c as _crc32c_module
        return lambda data: _crc32c_module.crc32c(bytes(data))
    except ImportError:
        pass
    return _crc32c_python


crc32c = _pick_implementation()


def masked_crc32c(data):
    """TFRecord's masked CRC: rotate right by 15 bits and add a constant (mod 2**32)."""
    crc = crc32c(data)
    return (((crc >> 15) | (crc << 17)) + _MASK_DELTA) & 0xFFFFFFFF
