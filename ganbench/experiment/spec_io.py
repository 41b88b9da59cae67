"""Reading YAML input safely, with errors that name the file: a file that is not UTF-8 text, is
malformed, or sets one key twice (YAML's last-one-wins would drop a setting silently) is refused
with one paragraph."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ganbench.errors import GanbenchError


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a mapping setting the same key twice."""

    def construct_mapping(self, node, deep=False):
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=True)
            try:
                hashable = key in seen
            except TypeError:  # an unhashable key: SafeLoader reports it as it does
                break
            if hashable:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping",
                    node.start_mark,
                    f"the key {key!r} is set twice (first at line {seen[key].line + 1}); YAML would keep "
                    "only the last value — keep one",
                    key_node.start_mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep)


def read_yaml(path: Path) -> dict[str, Any]:
    """Parse a YAML mapping (safe loading, unique keys); unreadable, non-UTF-8 or malformed files
    are user errors."""
    try:
        raw = Path(path).read_bytes()
    except OSError as exc:
        raise GanbenchError(f"{path}: cannot read the file ({exc.strerror or exc}).") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise GanbenchError(
            f"{path}: is not UTF-8 text (byte 0x{raw[exc.start]:02x} at line {line}); save the spec as "
            "UTF-8 (a spec is a YAML text file)."
        ) from None
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 — a SafeLoader subclass
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
