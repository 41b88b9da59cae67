"""Whether a report is complete: planned runs against finished ones, and what is missing."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ganbench.contracts.report_data import ReportData
from ganbench.report.planned import planned_runs


@dataclass
class Status:
    """``complete`` is False when runs are missing or unfinished; ``lines`` say what, in words;
    ``incomplete`` lists the unfinished runs (configuration, seed, status, run id)."""

    complete: bool
    headline: str
    lines: list[str] = field(default_factory=list)
    incomplete: pd.DataFrame = field(default_factory=pd.DataFrame)


def status(data: ReportData) -> Status:
    """Compare the latest invocation's planned run count with the complete runs, list unfinished runs
    (RUNNING: a benchmark still running, or stopped without closing its run; KILLED/FAILED without
    the complete tag: interrupted or crashed) and configurations with fewer seeds than the others."""
    done, unfinished = data.complete, data.incomplete
    lines: list[str] = []
    planned = None
    if len(data.invocations):
        latest = data.invocations.iloc[-1]
        if pd.notna(latest["planned_runs"]):
            planned = int(latest["planned_runs"])
        if latest["status"] == "RUNNING":
            lines.append(
                f"The latest `ganbench benchmark` invocation (run {latest['run_id']}, started "
                f"{_when(latest['start_time'])}) is marked RUNNING: it is still training, or it was "
                "stopped without closing its run. Regenerate the report when it has finished."
            )
        elif latest["status"] in ("KILLED", "FAILED"):
            lines.append(
                f"The latest invocation (run {latest['run_id']}) ended {latest['status']}: it was "
                "interrupted; rerunning the same `ganbench benchmark` command resumes it."
            )
    if planned is not None and len(done) < planned:
        lines.append(f"{planned - len(done)} of the {planned} planned runs have no complete result yet.")
    missing = _not_started(data)
    if missing:
        lines.append("Planned but not started: " + "; ".join(missing) + ".")
    if len(unfinished):
        counts = unfinished["status"].value_counts().sort_index()
        lines.append(
            "Unfinished runs (not in any table or figure): "
            + ", ".join(f"{n} {state}" for state, n in counts.items())
            + "."
        )
    seeds = done.groupby(["dataset", "configuration"]).size()
    if len(seeds) and seeds.min() < seeds.max():
        short = seeds[seeds < seeds.max()]
        lines.append(
            f"Configurations with fewer than {seeds.max()} complete seeds: "
            + "; ".join(f"{d} | {c}: {n}" for (d, c), n in short.items())
            + "."
        )
    diverged = int(done["diverged"].sum()) if len(done) else 0
    complete = not lines
    lines += _killed(data.invocations) + _superseded(data.superseded)  # facts, not missing results
    if not len(done) and len(data.trials):
        studies = data.trials["study"].nunique()
        headline = (
            f"Tuning experiment: {len(data.trials)} trial runs in {studies} "
            f"stud{'y' if studies == 1 else 'ies'}; no benchmark (configuration, seed) runs."
        )
        complete = bool(data.trials["complete"].all())
    elif not len(done):
        headline = "No complete runs yet: there is nothing to compare."
        complete = False
    elif complete:
        headline = f"Complete: {len(done)} runs" + (f" of {planned} planned" if planned else "") + "."
    else:
        total = f" of {planned} planned" if planned else ""
        headline = f"PARTIAL RESULTS: {len(done)}{total} runs complete; see below for what is missing."
    if diverged:
        lines.append(f"{diverged} complete run(s) diverged; they count as failures (success rate).")
    table = unfinished[["dataset", "configuration", "seed", "status", "run_id"]] if len(unfinished) else None
    return Status(complete, headline, lines, table if table is not None else pd.DataFrame())


def _killed(invocations: pd.DataFrame) -> list[str]:
    """A line per invocation that was killed (a later invocation found its process gone)."""
    if "closed" not in invocations:
        return []
    killed = invocations[invocations["closed"].fillna("") != ""]
    return [
        f"Invocation run {row['run_id']} (started {_when(row['start_time'])}) was killed: a later "
        "invocation found its process gone and marked it KILLED; its unfinished runs were redone."
        for _, row in killed.iterrows()
    ]


def _superseded(superseded: pd.DataFrame) -> list[str]:
    """A line naming the older complete runs of keys that have several (only the newest counts)."""
    if not len(superseded):
        return []
    named = "; ".join(
        f"{row['dataset']} | {row['configuration']} seed {row['seed']}: run {row['run_id']}"
        for _, row in superseded.iterrows()
    )
    return [
        f"{len(superseded)} older complete run(s) of (configuration, seed) keys that have a newer "
        f"complete run are left out of every table and figure (the newest counts): {named}."
    ]


def _not_started(data: ReportData) -> list[str]:
    """``dataset | configuration: seeds …`` for planned runs that have no run at all yet."""
    plan = planned_runs(data)
    if plan is None or "key" not in data.runs:
        return []
    absent = plan[~plan["key"].isin(set(data.runs["key"]))]
    grouped = absent.groupby(["dataset", "configuration"], sort=False)["seed"]
    return [f"{d} | {c}: {_seeds(list(s))}" for (d, c), s in grouped]


def _seeds(seeds: list[int]) -> str:
    """``seed 3``, ``seeds 0, 2`` or, for a run of three or more, ``seeds 0–4``."""
    seeds = sorted(seeds)
    if len(seeds) > 2 and seeds == list(range(seeds[0], seeds[-1] + 1)):
        return f"seeds {seeds[0]}–{seeds[-1]}"
    return f"seed{'s' if len(seeds) > 1 else ''} {', '.join(map(str, seeds))}"


def _when(value) -> str:
    try:
        return pd.Timestamp(value).strftime("%Y-%m-%d %H:%M UTC")
    except (TypeError, ValueError):
        return "at an unknown time"
