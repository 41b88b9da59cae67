"""One complete run per (cell, seed) whoever writes: the claim rule on its own, claims racing from two
processes on a PostgreSQL MLflow store, and two real benchmarks started at once on one SQLite file."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from ganbench.tracking.claims import CLAIM, LEASE, OWNER, PENDING, WON, RunView, decide, is_alive

from .conftest import GANBENCH, QUICK, client

KEY, COMPLETE = "ganbench.key", "ganbench.complete"
ROOT = Path(__file__).resolve().parents[2]


def view(run_id: str, start: int, key: str, **tags: str) -> RunView:
    return RunView(run_id, start, {KEY: key, **tags})


def live(state: str = PENDING) -> dict[str, str]:
    """Tags of a claim held by a process on another host whose lease runs for another minute."""
    return {OWNER: "elsewhere:1", LEASE: f"{time.time() + 60:.3f}", CLAIM: state}


def test_the_claim_rule_picks_one_owner_per_key():
    mine = {k: view(f"m{k}", 100, k, **live()) for k in ("a", "b", "c", "d", "e")}
    found = [
        *mine.values(),
        view("done", 50, "a", **{COMPLETE: "true"}),  # a: complete elsewhere → lost
        view("won", 200, "b", **live(WON)),  # b: confirmed by another claimant, even if later → lost
        view("early", 90, "c", **live()),  # c: an earlier live claim → lost
        view("late", 110, "d", **live()),  # d: a later live claim → won (the other one loses)
        view("dead", 10, "e", **{OWNER: "elsewhere:1", LEASE: f"{time.time() - 1:.3f}", CLAIM: WON}),
    ]
    decision = decide(mine, found, KEY, COMPLETE)
    assert sorted(decision.lost) == ["a", "b", "c"] and sorted(decision.won) == ["d", "e"]
    assert decision.stale == ["dead"]  # an expired claim is taken over
    # The other claimant of d, deciding on the same runs, agrees that it lost.
    theirs = decide({"d": found[8]}, found, KEY, COMPLETE)
    assert theirs.lost == ["d"] and theirs.won == []


def test_a_claim_on_this_host_dies_with_its_process():
    proc = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    gone = f"{os.uname().nodename}:{proc.stdout.strip()}"
    future = f"{time.time() + 600:.3f}"
    assert not is_alive({OWNER: gone, LEASE: future})  # lease still running, process gone
    assert is_alive({OWNER: f"{os.uname().nodename}:{os.getpid()}", LEASE: future})
    assert not is_alive({KEY: "x"})  # a run from before claims existed


RACER = textwrap.dedent(
    """
    import json, os, sys, time
    from ganbench.experiment import spec
    from ganbench.tracking.tracker import Tracker
    exp = spec.load(sys.argv[1])
    tracker = Tracker.connect(os.environ["RACE_URI"])
    experiment_id = tracker.experiment_id(exp.spec.name)
    parent = tracker.start_parent(experiment_id, exp, ["race"])
    pack = [(cell, list(cell.config.seeds)) for cell in exp.cells]
    time.sleep(max(0.0, float(sys.argv[2]) - time.time()))  # both racers claim at the same moment
    won = tracker.claim(experiment_id, parent, exp, pack)
    print(json.dumps(sorted(cell.run_key(s) for (cell, _), w in zip(pack, won) for s in w)))
    """
)


@pytest.mark.slow
def test_claims_racing_on_a_postgres_store_split_the_keys(postgres_url, tmp_path):
    """Two processes claim the same 8 keys at the same instant on one PostgreSQL MLflow store: every
    key is won exactly once, and the store keeps exactly one run per key."""
    import psycopg
    from mlflow.tracking import MlflowClient

    from ganbench.experiment import spec

    admin = postgres_url.replace("/ganbench", "/postgres")
    with psycopg.connect(admin, autocommit=True) as db:
        db.execute("CREATE DATABASE mlflow_claims")
    uri = postgres_url.replace("/ganbench", "/mlflow_claims")
    env = {**os.environ, "RACE_URI": uri, "PYTHONPATH": str(ROOT)}
    script = tmp_path / "race.py"
    script.write_text(RACER)
    subprocess.run([sys.executable, str(script), str(QUICK), "0"], env=env, check=True, capture_output=True)
    # (that first run created the tables and claimed nothing new: a fresh experiment name below)
    race_spec = tmp_path / "race.yaml"
    race_spec.write_text(QUICK.read_text().replace("name: quick", "name: race"))
    at = f"{time.time() + 20:.3f}"
    racers = [
        subprocess.Popen(
            [sys.executable, str(script), str(race_spec), at], env=env, stdout=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    won = [json.loads(r.communicate(timeout=300)[0].strip().splitlines()[-1]) for r in racers]
    exp = spec.load(race_spec)
    keys = sorted(c.run_key(s) for c in exp.cells for s in c.config.seeds)
    assert sorted(won[0] + won[1]) == keys, won  # each key won by exactly one racer
    c = MlflowClient(uri)
    experiment_id = c.get_experiment_by_name("race").experiment_id
    runs = [r for r in c.search_runs([experiment_id], max_results=1000) if KEY in r.data.tags]
    assert sorted(r.data.tags[KEY] for r in runs) == keys  # the lost claims are gone
    assert all(r.data.tags[CLAIM] == WON and r.info.status == "RUNNING" for r in runs)


@pytest.mark.slow
def test_two_benchmarks_at_once_on_one_sqlite_store_train_each_run_once(tmp_path):
    """The fault of issue 21: two `ganbench benchmark` on one fresh SQLite file at the same moment.
    The store must end with one complete run per key, trained once (the two share the work)."""
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("MLFLOW_TRACKING_URI", None)
    procs = [
        subprocess.Popen(
            [GANBENCH, "benchmark", str(QUICK)],
            cwd=tmp_path,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(2)
    ]
    outs = [p.communicate(timeout=900) for p in procs]
    assert [p.returncode for p in procs] == [0, 0], [o[1][-2000:] for o in outs]
    c = client(tmp_path / "mlflow.db")
    experiment_id = c.get_experiment_by_name("quick").experiment_id
    runs = c.search_runs([experiment_id], max_results=1000)
    seeds = [r for r in runs if KEY in r.data.tags]  # reference rows carry no key
    complete = Counter(r.data.tags[KEY] for r in seeds if r.data.tags.get(COMPLETE) == "true")
    assert len(complete) == 8 and set(complete.values()) == {1}, complete
    assert all(r.data.tags.get(COMPLETE) == "true" for r in runs if KEY in r.data.tags)  # no stray run
    parents = [r for r in runs if r.data.tags.get("ganbench.role") == "invocation"]
    metrics = [p.data.metrics for p in parents]
    trained = [m["runs_trained"] + m["runs_left"] + m["runs_skipped"] for m in metrics]
    assert sorted(p.info.status for p in parents) == ["FINISHED", "FINISHED"] and trained == [8, 8]
    assert sum(p.data.metrics["runs_trained"] for p in parents) == 8  # nothing trained twice
