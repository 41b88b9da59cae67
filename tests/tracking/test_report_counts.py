"""A report counts one complete run per (cell, seed) key even in a store that holds duplicates (the
newest wins, the others are named), and names invocations that a later one closed as killed — read
from a real SQLite MLflow store."""

from __future__ import annotations

import time

from ganbench.report.status import status
from ganbench.tracking.claims import LEASE, OWNER
from ganbench.tracking.load import load
from ganbench.tracking.tracker import CELL, COMPLETE, KEY, ROLE, Tracker


def test_duplicates_and_killed_invocations_are_named(tmp_path):
    tracker = Tracker.connect(f"sqlite:///{tmp_path / 'mlflow.db'}")
    c = tracker.client
    experiment_id = tracker.experiment_id("dups")
    finished = c.create_run(experiment_id, tags={ROLE: "invocation"}).info.run_id
    c.log_param(finished, "runs", 2)
    c.set_terminated(finished)
    killed = c.create_run(
        experiment_id, tags={ROLE: "invocation", OWNER: "elsewhere:1", LEASE: f"{time.time() - 1:.3f}"}
    ).info.run_id

    def seed_run(key: str, seed: int, value: float) -> str:
        tags = {KEY: key, CELL: "cell", COMPLETE: "true", "dataset": "ring", "cell": "hinge + alternating"}
        run_id = c.create_run(experiment_id, tags={**tags, "seed": str(seed)}).info.run_id
        c.log_metric(run_id, "final/modes/covered", value)
        c.set_terminated(run_id)
        time.sleep(0.01)  # distinct end times
        return run_id

    older = seed_run("cell-s0", 0, 1.0)
    newer = seed_run("cell-s0", 0, 5.0)
    other = seed_run("cell-s1", 1, 3.0)
    closer = c.create_run(experiment_id, tags={ROLE: "invocation"}).info.run_id
    assert tracker.close_dead_invocations(experiment_id, closer) == [killed]
    c.set_terminated(closer)

    data = load(tracker, "dups", tmp_path / "artifacts")
    assert sorted(data.complete["run_id"]) == sorted([newer, other])  # one per key, the newest
    assert list(data.superseded["run_id"]) == [older]
    assert sorted(data.complete["final/modes/covered"]) == [3.0, 5.0]
    report = status(data)
    text = " ".join(report.lines)
    assert older in text and "newest counts" in text
    assert killed in text and "was killed" in text
    assert c.get_run(killed).info.status == "KILLED"
    assert report.complete and report.headline == "Complete: 2 runs."  # duplicates are not counted
