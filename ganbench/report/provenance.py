"""Where a report's numbers come from: spec, commit, versions, devices and compute spent."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path

import pandas as pd

from ganbench.contracts.report_data import ReportData

LIBRARIES = ("ganbench", "torch", "mlflow", "numpy", "scipy", "pandas", "seaborn", "matplotlib")


@dataclass
class Provenance:
    """Facts shown at the top of a report (each a short string) and the spec's text."""

    facts: dict[str, str] = field(default_factory=dict)
    spec_name: str = ""
    spec_text: str = ""
    about: list[str] = field(default_factory=list)  # the spec's description and notes, as paragraphs


def provenance(data: ReportData) -> Provenance:
    """Spec (from the latest invocation's artifact), commits, devices, library versions, compute."""
    done = data.complete
    if done.empty and not data.trials.empty:  # a tuning experiment: its trial runs carry the same tags
        done = data.trials.assign(cell=data.trials["study"])
    out = Provenance()
    facts = out.facts
    facts["experiment"] = f"{data.experiment} (MLflow experiment id {data.experiment_id})"
    facts["tracking URI"] = data.tracking_uri + _where(data.tracking_uri)
    facts["generated"] = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    if "spec_hash" in done:
        facts["spec hash"] = _distinct(done.get("spec_hash"))
    facts["git commit"] = _distinct(done.get("git_commit"))
    facts["device"] = _distinct(done.get("device"))
    if "torch_version" in done:
        facts["torch (training)"] = _distinct(done.get("torch_version"))
    facts["libraries (report)"] = ", ".join(f"{name} {_version(name)}" for name in LIBRARIES)
    facts["runs"] = f"{len(done)} complete (configuration, seed) runs, {len(data.incomplete)} incomplete"
    if not data.trials.empty:
        states = data.trials["state"].replace("", "unfinished").value_counts()
        facts["runs"] = (
            f"{_plural(len(data.trials), 'tuning trial run')} in "
            f"{_plural(data.trials['study'].nunique(), 'study', 'studies')} ("
            + ", ".join(f"{n} {state}" for state, n in states.items())
            + ")"
        )
    if len(done) and "train_seconds" in done:
        # train_seconds is the cell's lockstep wall time, logged on each of its seeds: count it once per cell.
        seconds = done.groupby("cell")["train_seconds"].max().sum()
        cells = done["cell"].nunique()
        spent = f"{seconds / 60:,.1f} min of training wall time summed over {_plural(cells, 'configuration')}"
        if "d_grad_evals" in done:
            evals = (done["d_grad_evals"] + done["g_grad_evals"]).sum()
            spent = f"{evals:,.0f} gradient evaluations (D + G); " + spent
        facts["compute spent"] = spent
    inv = data.invocations
    if len(inv):
        ended = inv[inv["end_time"].notna()]
        wall = (ended["end_time"] - ended["start_time"]).dt.total_seconds().sum()
        running = len(inv) - len(ended)
        facts["invocations"] = (
            f"{len(inv)} (`ganbench benchmark` runs); {wall / 60:,.1f} min wall time in the "
            f"{len(ended)} that ended" + (f"; {running} still marked RUNNING" if running else "")
        )
        latest = inv.iloc[-1]
        name, text = _spec_artifact(data, latest["run_id"])
        out.spec_name, out.spec_text = name, text
        out.about = spec_about(text, latest.get("profile"))
        if name:
            facts["spec"] = f"{name} (artifact of invocation run {latest['run_id']})"
    return out


def _spec_artifact(data: ReportData, run_id: str) -> tuple[str, str]:
    """The spec file an invocation logged as its artifact: (file name, text), or empty strings."""
    folder = data.artifact(run_id, "")
    specs = sorted(folder.glob("*.y*ml")) if folder is not None and folder.is_dir() else []
    return (specs[0].name, specs[0].read_text()) if specs else ("", "")


def spec_about(text: str, profile: str | None = None) -> list[str]:
    """The ``description`` and ``notes`` of a logged spec's text (with ``profile`` applied, as the
    invocation ran it), each as one paragraph; [] for text that is not such a spec."""
    import yaml

    from ganbench.experiment import profiles

    try:
        raw = yaml.safe_load(text)
        if isinstance(raw, dict) and isinstance(profile, str) and profile:
            raw = profiles.apply(raw, profile, "the logged spec")
    except Exception:  # noqa: BLE001 — a spec the report cannot read has nothing to say here
        return []
    if not isinstance(raw, dict):
        return []
    return [" ".join(str(raw[k]).split()) for k in ("description", "notes") if str(raw.get(k) or "").strip()]


def _plural(n: int, one: str, many: str | None = None) -> str:
    """``1 study``, ``2 studies``."""
    return f"{n:,} {one if n == 1 else (many or one + 's')}"


def _where(uri: str) -> str:
    """For a relative SQLite URI, the folder it was resolved in."""
    if uri.startswith("sqlite:///") and not uri.startswith("sqlite:////"):
        return f" (relative to {Path.cwd()})"
    return ""


def _distinct(values: pd.Series | None) -> str:
    if values is None:
        return "unknown"
    found = sorted({str(v) for v in values if isinstance(v, str) and v})
    return ", ".join(found) if found else "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "not installed"
