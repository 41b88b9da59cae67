"""Which (configuration, seed) runs the latest invocation planned: its logged spec file, expanded
with the ``--seeds``, ``--only``, ``--add`` and ``--set`` options of its recorded command line and the
spec profile it applied (its ``profile`` tag)."""

from __future__ import annotations

import argparse
import shlex

import pandas as pd
import yaml

from ganbench.contracts.report_data import ReportData
from ganbench.errors import GanbenchError
from ganbench.experiment.overrides import CommandLineChanges
from ganbench.experiment.spec import from_mapping


def planned_runs(data: ReportData) -> pd.DataFrame | None:
    """dataset, configuration, seed and run key of every planned run, or None when the latest
    invocation's spec cannot be read or expanded (e.g. a plugin it used is not installed here)."""
    if data.invocations.empty:
        return None
    latest = data.invocations.iloc[-1]
    folder = data.artifact(latest["run_id"], "")
    specs = sorted(folder.glob("*.y*ml")) if folder is not None and folder.is_dir() else []
    if not specs:
        return None
    seeds, only, changes = _options(latest.get("command"))
    profile = latest.get("profile")
    try:
        exp = from_mapping(
            yaml.safe_load(specs[0].read_text()),
            specs[0].name,
            seeds,
            only,
            profile if isinstance(profile, str) and profile else None,
            changes,
        )
    except (GanbenchError, yaml.YAMLError):
        return None
    rows = [
        (cell.config.dataset.name, cell.label, seed, cell.run_key(seed))
        for cell in exp.cells
        for seed in cell.config.seeds
    ]
    return pd.DataFrame(rows, columns=["dataset", "configuration", "seed", "key"])


def _options(command: object) -> tuple[int | None, list[str], CommandLineChanges]:
    """``--seeds``, ``--only``, ``--add`` and ``--set`` from a recorded ``ganbench benchmark`` command
    line (without ``--add``/``--set`` the plan would expand the spec as written: other cells, other run
    keys, and every run reported "planned but not started")."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("--seeds", type=int)
    parser.add_argument("--only", action="append", default=[])
    parser.add_argument("--add", action="append", default=[])
    parser.add_argument("--set", action="append", default=[])
    try:
        args, _ = parser.parse_known_args(shlex.split(command) if isinstance(command, str) else [])
    except (ValueError, SystemExit):
        return None, [], CommandLineChanges()
    return args.seeds, args.only, CommandLineChanges(add=tuple(args.add), set=tuple(args.set))
