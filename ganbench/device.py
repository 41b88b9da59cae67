"""Which torch device a configuration's ``device`` setting names, and how much memory it has free
(importable without the trainer)."""

from __future__ import annotations

import os
from pathlib import Path

import torch

from ganbench.errors import GanbenchError


def resolve_device(name: str) -> torch.device:
    """``auto`` → cuda when available, else cpu; asking for cuda without one is a user error."""
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise GanbenchError(
            "device 'cuda' was asked for, but no CUDA device is available; use 'auto' or 'cpu'."
        )
    return torch.device(name)


def available_memory(device: torch.device) -> int:
    """Bytes free for a new model on ``device`` now: a GPU's free memory, or for the CPU the
    machine's available memory (``MemAvailable``), lowered to what a cgroup limit (a container, a
    SLURM job) leaves; the total physical memory where neither can be read."""
    if device.type == "cuda":
        free, _total = torch.cuda.mem_get_info(device)
        return int(free)
    found = [v for v in (_meminfo_available(), _cgroup_room()) if v is not None]
    if found:
        return min(found)
    return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))


def _meminfo_available() -> int | None:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemAvailable:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        return None
    return None


def _cgroup_room() -> int | None:
    """What a cgroup v2 memory limit leaves (limit − usage), or None without one."""
    base = Path("/sys/fs/cgroup")
    try:
        limit = (base / "memory.max").read_text().strip()
        if limit == "max":
            return None
        return max(0, int(limit) - int((base / "memory.current").read_text().strip()))
    except (OSError, ValueError):
        return None


def human_bytes(n: float) -> str:
    """``1.2 GB``, ``340 MB``, ``12 kB`` (powers of 1000)."""
    for unit, size in (("TB", 1e12), ("GB", 1e9), ("MB", 1e6), ("kB", 1e3)):
        if n >= size:
            return f"{n / size:.1f} {unit}"
    return f"{int(n)} B"
