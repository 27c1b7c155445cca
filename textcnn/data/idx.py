"""Reading and writing IDX files, the format of MNIST and Fashion-MNIST (gzipped or not).

An IDX file is a big-endian header, two zero bytes, a type code, the number of dimensions, one
32-bit size per dimension, then the values in row-major order. See
http://yann.lecun.com/exdb/mnist/ ("THE IDX FILE FORMAT").
"""

from __future__ import annotations

import gzip
import struct
import zlib
from pathlib import Path

import numpy as np

from textcnn.data.formats import read_bytes
from textcnn.errors import TextcnnError

# Type code -> big-endian NumPy dtype.
IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
_CODES = {np.dtype(v).newbyteorder("="): k for k, v in IDX_TYPES.items()}
GZIP_MAGIC = b"\x1f\x8b"


def _read_bytes(path: Path) -> bytes:
    """The file's bytes, decompressed when gzipped."""
    data = read_bytes(path)
    if data[:2] == GZIP_MAGIC:
        try:
            data = gzip.decompress(data)
        except (OSError, EOFError, zlib.error) as error:
            raise TextcnnError(f"{path}: corrupt gzip data ({error})") from None
    return data


def idx_magic(array: np.ndarray) -> int:
    """The magic number an IDX file of `array` starts with (type code and dimension count)."""
    return (_CODES[np.asarray(array).dtype.newbyteorder("=")] << 8) | np.asarray(array).ndim


def read_idx(path: Path) -> np.ndarray:
    """The array stored in an IDX file (gzipped or not), in native byte order.

    Raises:
        TextcnnError: when the magic number, the dimensions or the length are wrong.
    """
    data = _read_bytes(path)
    if len(data) < 4:
        raise TextcnnError(f"{path}: not an IDX file (only {len(data)} bytes)")
    zero, code, ndim = struct.unpack(">HBB", data[:4])
    magic = int.from_bytes(data[:4], "big")
    if zero != 0 or code not in IDX_TYPES or ndim == 0:
        raise TextcnnError(f"{path}: not an IDX file (magic number 0x{magic:08x})")
    header = 4 + 4 * ndim
    if len(data) < header:
        raise TextcnnError(f"{path}: truncated IDX header ({len(data)} bytes, expected at least {header})")
    shape = struct.unpack(f">{ndim}I", data[4:header])
    dtype = np.dtype(IDX_TYPES[code])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(data) != expected:
        dims = "x".join(map(str, shape))
        raise TextcnnError(f"{path}: IDX header says {dims} values ({expected} bytes), "
                           f"but the file holds {len(data)} bytes")
    return np.frombuffer(data, dtype=dtype, offset=header).reshape(shape).astype(dtype.newbyteorder("="))


def write_idx(path: Path, array: np.ndarray, compress: bool | None = None) -> Path:
    """Writes `array` as an IDX file; gzipped when `compress` is true or the name ends in .gz."""
    array = np.asarray(array)
    code = _CODES.get(array.dtype)
    if code is None:
        raise TextcnnError(f"IDX cannot store dtype {array.dtype}; use one of uint8, int8, int16, int32, float32, float64")
    header = struct.pack(">HBB", 0, code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    data = header + array.astype(IDX_TYPES[code]).tobytes()
    path = Path(path)
    if compress or (compress is None and path.suffix == ".gz"):
        data = gzip.compress(data)
    path.write_bytes(data)
    return path
