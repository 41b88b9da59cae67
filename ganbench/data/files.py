"""Finding and reading the user's data files, with every problem as one :class:`FileProblem`."""

from __future__ import annotations

import gzip
import zlib
from pathlib import Path

GZIP_MAGIC = b"\x1f\x8b"
"""The first two bytes of a gzip stream (RFC 1952)."""


class FileProblem(Exception):
    """A data file or folder that cannot be used. The message is a sentence that names the path and
    says what is wrong (a dataset plugin turns it into a GanbenchError, adding what it allows)."""


def existing(path: str | Path, kind: str = "file") -> Path:
    """``path`` with ``~`` expanded, checked to be an existing ``kind`` (``"file"``, ``"folder"`` or
    ``"file or folder"``); a relative path's message says where it was looked for."""
    given = Path(path).expanduser()
    found = {
        "file": given.is_file(),
        "folder": given.is_dir(),
        "file or folder": given.is_file() or given.is_dir(),
    }[kind]
    if not found:
        where = f" (looked for '{given.resolve()}')" if not given.is_absolute() else ""
        raise FileProblem(f"'{path}' does not exist or is not a {kind}{where}")
    return given


def read_bytes(path: Path) -> bytes:
    """The file's contents, decompressed when it is gzip (told by its first bytes, not its name)."""
    try:
        raw = path.read_bytes()
        return gzip.decompress(raw) if raw[:2] == GZIP_MAGIC else raw
    except (OSError, EOFError, zlib.error) as exc:
        raise FileProblem(f"the file '{path}' could not be read ({type(exc).__name__}: {exc})") from None
