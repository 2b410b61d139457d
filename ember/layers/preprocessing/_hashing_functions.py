"""The string hashes Keras's `Hashing` and lookup layers use, in NumPy.

Keras hashes through TensorFlow: `tf.strings.to_hash_bucket_fast` is
FarmHash's `Fingerprint64` (farmhashna's 64-bit hash) modulo the bucket count,
and `tf.strings.to_hash_bucket_strong` is SipHash-2-4 keyed with two uint64s.
Integers are hashed as their decimal strings. Both hashes are written here
from their published definitions and vectorized: strings are grouped by byte
length, and every group is hashed at once with uint64 array arithmetic (which
wraps modulo 2**64, as the C++ code does).
"""

import numpy as np

_K0 = np.uint64(0xC3A5C85C97CB3127)
_K1 = np.uint64(0xB492B66FBE98F273)
_K2 = np.uint64(0x9AE16A3B2F90404F)
_KMUL = np.uint64(0x9DDFEA08EB382D69)


def to_hash_bucket_fast(byte_strings, num_buckets: int) -> np.ndarray:
    """`Fingerprint64(s) % num_buckets` for each byte string (int64 array)."""
    return _bucket(fingerprint64(byte_strings), num_buckets)


def to_hash_bucket_strong(byte_strings, num_buckets: int, key) -> np.ndarray:
    """`SipHash24(key, s) % num_buckets` for each byte string (int64 array)."""
    return _bucket(siphash24(byte_strings, key), num_buckets)


def as_hash_input(values) -> list:
    """Byte strings of `values`: strings as UTF-8, integers as decimal."""
    array = np.asarray(values)
    if array.dtype.kind in "iub":
        return [str(int(v)).encode() for v in array.reshape(-1).tolist()]
    if array.dtype.kind == "f":
        return [str(int(v)).encode() for v in array.reshape(-1).astype(np.int64)]
    return [
        v if isinstance(v, bytes) else str(v).encode("utf-8")
        for v in array.reshape(-1).tolist()
    ]


def _bucket(hashes: np.ndarray, num_buckets: int) -> np.ndarray:
    return (hashes % np.uint64(num_buckets)).astype(np.int64)


def _by_length(byte_strings, hash_group):
    """Applies `hash_group(matrix, length)` to each group of equal length."""
    byte_strings = list(byte_strings)
    out = np.zeros(len(byte_strings), dtype=np.uint64)
    lengths = np.fromiter((len(s) for s in byte_strings), np.int64, len(byte_strings))
    for length in np.unique(lengths).tolist():
        where = np.nonzero(lengths == length)[0]
        joined = b"".join(byte_strings[i] for i in where.tolist())
        matrix = np.frombuffer(joined, dtype=np.uint8).reshape(len(where), length)
        out[where] = hash_group(matrix, length)
    return out


def _fetch64(m, offset):
    return np.ascontiguousarray(m[:, offset : offset + 8]).view("<u8")[:, 0]


def _fetch32(m, offset):
    return (
        np.ascontiguousarray(m[:, offset : offset + 4])
        .view("<u4")[:, 0]
        .astype(np.uint64)
    )


def _rotate(x, shift):
    """Rotates right (FarmHash's `Rotate`)."""
    shift = np.uint64(shift)
    return (x >> shift) | (x << (np.uint64(64) - shift))


def _shift_mix(x):
    return x ^ (x >> np.uint64(47))


def _hash_len16(u, v, mul):
    a = (u ^ v) * mul
    a ^= a >> np.uint64(47)
    b = (v ^ a) * mul
    b ^= b >> np.uint64(47)
    return b * mul


# ------------------------------------------------------------- FarmHash (na)
def fingerprint64(byte_strings) -> np.ndarray:
    """FarmHash `Fingerprint64` of each byte string, as a uint64 array."""
    with np.errstate(over="ignore"):
        return _by_length(byte_strings, _farm_group)


def _farm_group(m, n):
    count = m.shape[0]
    u64 = np.uint64
    if n <= 16:
        if n >= 8:
            mul = _K2 + u64(n * 2)
            a = _fetch64(m, 0) + _K2
            b = _fetch64(m, n - 8)
            c = _rotate(b, 37) * mul + a
            d = (_rotate(a, 25) + b) * mul
            return _hash_len16(c, d, mul)
        if n >= 4:
            mul = _K2 + u64(n * 2)
            a = _fetch32(m, 0)
            return _hash_len16(u64(n) + (a << u64(3)), _fetch32(m, n - 4), mul)
        if n > 0:
            a = m[:, 0].astype(np.uint32)
            b = m[:, n >> 1].astype(np.uint32)
            c = m[:, n - 1].astype(np.uint32)
            y = (a + (b << np.uint32(8))).astype(np.uint64)
            z = (np.uint32(n) + (c << np.uint32(2))).astype(np.uint64)
            return _shift_mix((y * _K2) ^ (z * _K0)) * _K2
        return np.full(count, _K2, dtype=np.uint64)
    if n <= 32:
        mul = _K2 + u64(n * 2)
        a = _fetch64(m, 0) * _K1
        b = _fetch64(m, 8)
        c = _fetch64(m, n - 8) * mul
        d = _fetch64(m, n - 16) * _K2
        return _hash_len16(
            _rotate(a + b, 43) + _rotate(c, 30) + d,
            a + _rotate(b + _K2, 18) + c,
            mul,
        )
    if n <= 64:
        mul = _K2 + u64(n * 2)
        a = _fetch64(m, 0) * _K2
        b = _fetch64(m, 8)
        c = _fetch64(m, n - 8) * mul
        d = _fetch64(m, n - 16) * _K2
        y = _rotate(a + b, 43) + _rotate(c, 30) + d
        z = _hash_len16(y, a + _rotate(b + _K2, 18) + c, mul)
        e = _fetch64(m, 16) * mul
        f = _fetch64(m, 24)
        g = (y + _fetch64(m, n - 32)) * mul
        h = (z + _fetch64(m, n - 24)) * mul
        return _hash_len16(
            _rotate(e + f, 43) + _rotate(g, 30) + h,
            e + _rotate(f + a, 18) + g,
            mul,
        )
    return _farm_long(m, n)


def _weak_hash32(m, offset, a, b):
    w, x = _fetch64(m, offset), _fetch64(m, offset + 8)
    y, z = _fetch64(m, offset + 16), _fetch64(m, offset + 24)
    a = a + w
    b = _rotate(b + a + z, 21)
    c = a
    a = a + x + y
    b = b + _rotate(a, 44)
    return a + z, b + c


def _farm_long(m, n):
    """Strings over 64 bytes: 64-byte blocks, then the last 64 bytes."""
    count = m.shape[0]
    u64 = np.uint64
    seed = u64(81)
    zeros = np.zeros(count, dtype=np.uint64)
    x = np.full(count, seed, dtype=np.uint64)
    y = np.full(count, seed * _K1 + u64(113), dtype=np.uint64)
    z = _shift_mix(y * _K2 + u64(113)) * _K2
    v0, v1, w0, w1 = zeros, zeros, zeros, zeros
    x = x * _K2 + _fetch64(m, 0)
    end = ((n - 1) // 64) * 64
    last64 = end + ((n - 1) & 63) - 63
    for s in range(0, end, 64):
        x = _rotate(x + y + v0 + _fetch64(m, s + 8), 37) * _K1
        y = _rotate(y + v1 + _fetch64(m, s + 48), 42) * _K1
        x = x ^ w1
        y = y + v0 + _fetch64(m, s + 40)
        z = _rotate(z + w0, 33) * _K1
        v0, v1 = _weak_hash32(m, s, v1 * _K1, x + w0)
        w0, w1 = _weak_hash32(m, s + 32, z + w1, y + _fetch64(m, s + 16))
        z, x = x, z
    mul = _K1 + ((z & u64(0xFF)) << u64(1))
    s = last64
    w0 = w0 + u64((n - 1) & 63)
    v0 = v0 + w0
    w0 = w0 + v0
    x = _rotate(x + y + v0 + _fetch64(m, s + 8), 37) * mul
    y = _rotate(y + v1 + _fetch64(m, s + 48), 42) * mul
    x = x ^ (w1 * u64(9))
    y = y + v0 * u64(9) + _fetch64(m, s + 40)
    z = _rotate(z + w0, 33) * mul
    v0, v1 = _weak_hash32(m, s, v1 * mul, x + w0)
    w0, w1 = _weak_hash32(m, s + 32, z + w1, y + _fetch64(m, s + 16))
    z, x = x, z
    return _hash_len16(
        _hash_len16(v0, w0, mul) + _shift_mix(y) * _K0 + z,
        _hash_len16(v1, w1, mul) + x,
        mul,
    )


# ---------------------------------------------------------------- SipHash-2-4
def siphash24(byte_strings, key) -> np.ndarray:
    """SipHash-2-4 of each byte string under the 128-bit `key` (two ints)."""
    k0, k1 = (np.uint64(int(k) & 0xFFFFFFFFFFFFFFFF) for k in key)
    with np.errstate(over="ignore"):
        return _by_length(byte_strings, lambda m, n: _sip_group(m, n, k0, k1))


def _rotl(x, shift):
    return _rotate(x, 64 - shift)


def _sip_round(v0, v1, v2, v3):
    v0 = v0 + v1
    v1 = _rotl(v1, 13) ^ v0
    v0 = _rotl(v0, 32)
    v2 = v2 + v3
    v3 = _rotl(v3, 16) ^ v2
    v0 = v0 + v3
    v3 = _rotl(v3, 21) ^ v0
    v2 = v2 + v1
    v1 = _rotl(v1, 17) ^ v2
    v2 = _rotl(v2, 32)
    return v0, v1, v2, v3


def _sip_group(m, n, k0, k1):
    count = m.shape[0]
    full = np.ones(count, dtype=np.uint64)
    v0 = full * (k0 ^ np.uint64(0x736F6D6570736575))
    v1 = full * (k1 ^ np.uint64(0x646F72616E646F6D))
    v2 = full * (k0 ^ np.uint64(0x6C7967656E657261))
    v3 = full * (k1 ^ np.uint64(0x7465646279746573))
    blocks = n // 8
    for i in range(blocks):
        word = _fetch64(m, 8 * i)
        v3 = v3 ^ word
        v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
        v0 = v0 ^ word
    # The last word: the remaining bytes, little-endian, and the length on top.
    tail = np.zeros((count, 8), dtype=np.uint8)
    rest = n - blocks * 8
    tail[:, :rest] = m[:, blocks * 8 :]
    tail[:, 7] = n & 0xFF
    word = tail.view("<u8")[:, 0]
    v3 = v3 ^ word
    v0, v1, v2, v3 = _sip_round(*_sip_round(v0, v1, v2, v3))
    v0 = v0 ^ word
    v2 = v2 ^ np.uint64(0xFF)
    for _ in range(4):
        v0, v1, v2, v3 = _sip_round(v0, v1, v2, v3)
    return v0 ^ v1 ^ v2 ^ v3
