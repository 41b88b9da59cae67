"""The IDX format of MNIST and Fashion-MNIST (``train-images-idx3-ubyte.gz`` and the like).

Layout (LeCun et al., http://yann.lecun.com/exdb/mnist/): two zero bytes, a type byte (0x08
unsigned byte, 0x09 signed byte, 0x0B int16, 0x0C int32, 0x0D float32, 0x0E float64), the number of
dimensions, each dimension as a big-endian uint32, then the values, big-endian, row-major. Files
may be gzip-compressed (told by their first bytes). Read with numpy alone.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ganbench.data.files import FileProblem, read_bytes

IDX_TYPES = {0x08: ">u1", 0x09: ">i1", 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}
"""IDX type byte → big-endian numpy dtype."""


def read_idx(path: Path) -> np.ndarray:
    """The array an IDX file holds (native byte order). Raises :class:`FileProblem` for a file that
    is not IDX (bad magic number or type), is truncated or has bytes left over."""
    raw = read_bytes(path)
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in IDX_TYPES:
        head = raw[:4].hex(" ") or "nothing"
        raise FileProblem(
            f"the file '{path}' is not an IDX file: it starts with {head}, where IDX files start with "
            "00 00, a type byte (08 for the usual unsigned bytes) and the number of dimensions"
        )
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise FileProblem(
            f"the file '{path}' has a truncated IDX header ({ndim} dimensions, {len(raw)} bytes)"
        )
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    dtype = np.dtype(IDX_TYPES[raw[2]])
    expected = int(np.prod(dims, dtype=np.int64)) * dtype.itemsize
    if len(raw) - header != expected:
        raise FileProblem(
            f"the file '{path}' declares dimensions {dims} ({expected} bytes of values) but holds "
            f"{len(raw) - header} bytes after its header: it is truncated or not an IDX file"
        )
    values = np.frombuffer(raw, dtype=dtype, offset=header).reshape(dims)
    return values.astype(dtype.newbyteorder("="))
