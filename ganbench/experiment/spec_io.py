"""Reading YAML input safely, with errors that name the file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ganbench.errors import GanbenchError


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping with ``yaml.safe_load``; unreadable or malformed files are user errors."""
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise GanbenchError(f"{path}: cannot read the file ({exc.strerror or exc}).") from None
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise GanbenchError(f"{path}: malformed YAML{at}: {problem}.") from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise GanbenchError(
            f"{path}: expected a mapping of settings at the top level, got {type(data).__name__}."
        )
    return data
