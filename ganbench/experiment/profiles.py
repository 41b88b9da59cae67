"""Spec profiles: named variants of one experiment, e.g. a longer budget when a GPU runs it.

A spec may hold ``profiles: {NAME: {top-level keys}}``. Applying a profile overlays its keys on
the spec — ``train`` and ``per_dataset`` merged key by key (at every depth), anything else
replaced — and renames the experiment ``<name>_<profile>`` unless the profile names it, so runs
at different budgets never share an MLflow experiment (nor a report). ``auto`` picks the ``cuda``
profile when the spec's device resolves to CUDA and the spec has one, else none.
"""

from __future__ import annotations

import copy
from typing import Any

from ganbench.device import resolve_device
from ganbench.errors import GanbenchError

#: ``--profile`` values that are not profile names.
AUTO, NONE = "auto", "none"
#: Keys merged key by key (at every depth) rather than replaced.
_MERGED = ("train", "per_dataset")


def choose(raw: dict[str, Any], asked: str | None, where: str) -> str | None:
    """The profile to apply for ``--profile asked`` (None or ``auto``: by device; ``none``: none)."""
    profiles = _profiles(raw, where)
    if asked in (None, AUTO):
        device = (raw.get("train") or {}).get("device", "auto")
        if "cuda" in profiles and isinstance(device, str) and _is_cuda(device):
            return "cuda"
        return None
    if asked == NONE:
        return None
    if asked not in profiles:
        known = ", ".join(sorted(profiles)) or "none defined"
        raise GanbenchError(f"{where}: --profile {asked!r} is not a profile of this spec ({known}).")
    return asked


def apply(raw: dict[str, Any], profile: str | None, where: str) -> dict[str, Any]:
    """A copy of the spec mapping with ``profile`` overlaid and the ``profiles`` key removed."""
    profiles = _profiles(raw, where)
    out = copy.deepcopy({k: v for k, v in raw.items() if k != "profiles"})
    if profile is None:
        return out
    overlay = profiles[profile]
    for key, value in overlay.items():
        if key == "profiles":
            raise GanbenchError(f"{where}: profiles.{profile}: a profile cannot hold profiles.")
        out[key] = _merge(out.get(key), value) if key in _MERGED else copy.deepcopy(value)
    if "name" not in overlay:
        out["name"] = f"{out.get('name', 'experiment')}_{profile}"
    return out


def _merge(base: Any, overlay: Any) -> Any:
    """``overlay`` on ``base``, mappings merged key by key at every depth."""
    if not (isinstance(base, dict) and isinstance(overlay, dict)):
        return copy.deepcopy(overlay)
    return {**base, **{k: _merge(base.get(k), v) for k, v in overlay.items()}}


def _profiles(raw: dict[str, Any], where: str) -> dict[str, dict[str, Any]]:
    profiles = raw.get("profiles") or {}
    if not isinstance(profiles, dict) or not all(isinstance(v, dict) for v in profiles.values()):
        raise GanbenchError(
            f"{where}: profiles: expected a mapping of profile name → settings, "
            "e.g. profiles: {cuda: {train: {g_steps: 8000}}}."
        )
    for name in profiles:
        if name in (AUTO, NONE):
            raise GanbenchError(f"{where}: profiles.{name}: {name!r} is reserved for --profile.")
    return profiles


def _is_cuda(device: str) -> bool:
    try:
        return resolve_device(device).type == "cuda"
    except GanbenchError:  # 'cuda' asked without one: the spec's own validation says so later
        return False
