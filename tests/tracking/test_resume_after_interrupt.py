"""Interrupt a real benchmark (SIGINT as Ctrl-C does, and SIGKILL), rerun it, and check that exactly
one complete run per (configuration, seed) key remains."""

import contextlib
import io
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from ganbench.experiment import spec
from tests.conftest import restore_ctrl_c

from .conftest import client

pytestmark = pytest.mark.slow
GANBENCH = str(Path(sys.executable).parent / "ganbench")

SPEC = """
name: resume
datasets: [ring]
losses: [modified_minimax, hinge, least_squares]
schedules: [{name: alternating, d_steps: 1}, simultaneous]
seeds: 2
sample_images: none
train: {g_steps: 300, eval_every: 150, eval_samples: 300, batch_size: 64,
        generator: {width: 32, depth: 2}, discriminator: {width: 32, depth: 2}}
"""


def complete_runs(store: Path) -> list:
    c = client(store)
    experiment_id = c.get_experiment_by_name("resume").experiment_id
    found = c.search_runs([experiment_id], "tags.`ganbench.complete` = 'true'", max_results=1000)
    return [r for r in found if "ganbench.key" in r.data.tags]  # seed runs (reference rows have no key)


def count_complete(store: Path) -> int:
    """Poll the store read-only while the benchmark writes it (no MLflow client: that could race the
    benchmark to create the tables)."""
    if not store.exists():
        return 0
    try:
        with sqlite3.connect(f"file:{store}?mode=ro", uri=True, timeout=1) as db:
            query = (
                "select count(distinct run_uuid) from tags where key = 'ganbench.complete' and value = 'true'"
                " and run_uuid in (select run_uuid from tags where key = 'ganbench.key')"  # seed runs only
            )
            return db.execute(query).fetchone()[0]
    except sqlite3.OperationalError:  # not created yet, or locked for a moment
        return 0


def start(folder: Path, spec_path: Path) -> subprocess.Popen:
    env = {**os.environ, "COLUMNS": "160"}
    env.pop("MLFLOW_TRACKING_URI", None)
    return subprocess.Popen(
        [GANBENCH, "benchmark", str(spec_path), "--jobs", "2"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=restore_ctrl_c,
    )


def kill_group(proc: subprocess.Popen) -> None:
    """Leave no benchmark or worker behind, whatever the test's outcome."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=60)


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL], ids=["SIGINT", "SIGKILL"])
def test_interrupted_benchmark_resumes_without_duplicates(tmp_path, sig):
    spec_path = tmp_path / "resume.yaml"
    spec_path.write_text(textwrap.dedent(SPEC))
    exp = spec.load(spec_path)
    keys = {c.run_key(s) for c in exp.cells for s in c.config.seeds}
    store = tmp_path / "mlflow.db"

    proc = start(tmp_path, spec_path)
    try:
        deadline = time.time() + 300
        while count_complete(store) < 2 and time.time() < deadline and proc.poll() is None:
            time.sleep(0.5)
        done_before = count_complete(store)
        assert proc.poll() is None and 2 <= done_before < len(keys), "interrupt must land mid-benchmark"
        os.killpg(proc.pid, sig)  # the whole process group, as a terminal's Ctrl-C or a crash would
        _, err = proc.communicate(timeout=120)
    finally:
        kill_group(proc)
    assert proc.returncode != 0
    done_before = len(complete_runs(store))  # runs logged between the poll and the signal count too
    if sig == signal.SIGINT:
        assert "Traceback" not in err and "stopped by SIGINT" in err

    # A run left without its complete tag (as a kill during logging leaves it) must be redone too.
    c = client(store)
    experiment_id = c.get_experiment_by_name("resume").experiment_id
    some_key = sorted(keys - {r.data.tags["ganbench.key"] for r in complete_runs(store)})[0]
    c.create_run(experiment_id, tags={"ganbench.key": some_key})

    rerun = start(tmp_path, spec_path)
    try:
        out, err = rerun.communicate(timeout=600)
    finally:
        kill_group(rerun)
    assert rerun.returncode == 0, err[-3000:]
    assert f"{done_before} already finished" in " ".join(out.split())

    runs = [r for r in c.search_runs([experiment_id], max_results=1000) if "ganbench.key" in r.data.tags]
    assert sorted(r.data.tags["ganbench.key"] for r in runs) == sorted(keys)  # one run per key, no strays
    assert all(r.data.tags.get("ganbench.complete") == "true" for r in runs)
    assert all(r.info.status in ("FINISHED", "FAILED") for r in runs)
    parents = [r for r in c.search_runs([experiment_id]) if r.data.tags.get("ganbench.role") == "invocation"]
    assert sorted(p.info.status for p in parents) == ["FINISHED", "KILLED"]
    killed = next(p for p in parents if p.info.status == "KILLED")
    # Ctrl-C closes its own invocation; a killed one is closed by the next invocation, which says so.
    closed_by_rerun = "ganbench.closed" in killed.data.tags
    assert closed_by_rerun == (sig == signal.SIGKILL)
    if sig == signal.SIGKILL:
        assert "now marked KILLED" in " ".join(out.split()) and killed.info.run_id in out.replace("\n", "")


def test_ctrl_c_while_a_run_is_being_closed_leaves_no_complete_run_unterminated(tmp_path, monkeypatch):
    """The worst moment for Ctrl-C: the last two writes of a run. The complete tag must only ever
    land on a run whose status is already final, and the rerun must redo a run that lost it."""
    from mlflow.tracking import MlflowClient
    from rich.console import Console

    from ganbench.cli.benchmark_cmd import run_benchmark
    from ganbench.tracking.tracker import COMPLETE

    spec_path = tmp_path / "close.yaml"
    spec_path.write_text(
        "name: close\ndatasets: [ring]\nlosses: [hinge]\nschedules: [simultaneous]\nseeds: 2\n"
        "sample_images: none\ntrain: {g_steps: 4, eval_every: 2, eval_samples: 100, batch_size: 32,\n"
        "        generator: {width: 16, depth: 1}, discriminator: {width: 16, depth: 1}}\n"
    )
    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    status_when_tagged: list[str] = []
    real_set_tag = MlflowClient.set_tag

    def interrupting_set_tag(self, run_id, key, value, *args, **kwargs):
        if key == COMPLETE:
            status_when_tagged.append(self.get_run(run_id).info.status)
            raise KeyboardInterrupt  # Ctrl-C after the status, before the tag
        return real_set_tag(self, run_id, key, value, *args, **kwargs)

    quiet = Console(file=io.StringIO())
    monkeypatch.setattr(MlflowClient, "set_tag", interrupting_set_tag)
    with pytest.raises(KeyboardInterrupt):
        run_benchmark(quiet, spec_path, uri, None, [], 1, False)
    assert status_when_tagged == ["FINISHED"]
    monkeypatch.setattr(MlflowClient, "set_tag", real_set_tag)

    assert run_benchmark(quiet, spec_path, uri, None, [], 1, False) == 0
    c = MlflowClient(tracking_uri=uri)
    experiment_id = c.get_experiment_by_name("close").experiment_id
    runs = [r for r in c.search_runs([experiment_id]) if "ganbench.key" in r.data.tags]
    assert len(runs) == 2 and len({r.data.tags["ganbench.key"] for r in runs}) == 2
    assert all(r.data.tags.get(COMPLETE) == "true" and r.info.status == "FINISHED" for r in runs)
