"""Which torch device a configuration's ``device`` setting names (importable without the trainer)."""

from __future__ import annotations

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
