"""Checks an experiment's data before anything is written: every distinct dataset of its cells is
built once on the CPU, so a missing, unreadable or malformed data file (an ``npz`` dataset's file
that holds NaNs or a single example, say) is refused with its own message before the tracking store
is opened, and never after an invocation run was created."""

from __future__ import annotations

import json

import torch

from ganbench import registry
from ganbench.experiment.spec import Experiment
from ganbench.validation import resolve


def check_datasets(exp: Experiment) -> None:
    """Build each distinct dataset of ``exp`` once (raises the dataset's own GanbenchError)."""
    seen: set[str] = set()
    for cell in exp.cells:
        ref = cell.config.dataset
        identity = json.dumps(ref.model_dump(mode="json"), sort_keys=True)
        if identity in seen:
            continue
        seen.add(identity)
        cls, params = resolve(registry.datasets, ref, "dataset", f"{exp.path} (cell {cell.label})")
        cls(params, torch.device("cpu"))
