"""Inputs that used to end in a traceback, a silence or a half-written result: each now exits 2 with
one paragraph and writes nothing — long and huge experiment names, a spec that is not UTF-8, a key
set twice, a report folder name too long for the file system, and a disk that fills up."""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SPEC = "datasets: [ring]\nlosses: [hinge]\nschedules: [alternating]\n"


def refused(proc) -> str:
    """The one paragraph of a refusal (exit 2, no traceback), whitespace-normalised."""
    assert proc.returncode == 2, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert "Traceback" not in proc.stderr and proc.stderr.startswith("ganbench:")
    return " ".join(proc.stderr.split())


@pytest.mark.parametrize("length", [300, 100_000])
def test_a_long_experiment_name_is_refused_without_echoing_it_whole(cli, tmp_path, length):
    (tmp_path / "long.yaml").write_text(f"name: {'x' * length}\n{SPEC}")
    message = refused(cli("benchmark", "long.yaml", cwd=tmp_path))
    assert "name: String should have at most 100 characters" in message
    assert f"({length:,} characters)" in message and len(message) < 400  # the name's own length
    assert sorted(p.name for p in tmp_path.iterdir()) == ["long.yaml"]


def test_a_long_name_given_with_set_is_not_echoed_whole():
    """``--set name=<100,000 characters>``: the paragraph once repeated the whole value (100 KB) in
    the "(with --set …)" that names the spec."""
    import yaml

    from ganbench.errors import GanbenchError
    from ganbench.experiment.overrides import CommandLineChanges
    from ganbench.experiment.spec import from_mapping

    changes = CommandLineChanges(set=("name=" + "x" * 100_000,))
    with pytest.raises(GanbenchError) as refused_:
        from_mapping(yaml.safe_load(f"name: q\n{SPEC}"), "q.yaml", changes=changes)
    message = str(refused_.value)
    assert "at most 100 characters" in message and len(message) < 500, len(message)


def test_a_spec_that_is_not_utf8_is_refused(cli, tmp_path):
    (tmp_path / "latin1.yaml").write_bytes(f"name: caf\xe9\n{SPEC}".encode("latin-1"))
    message = refused(cli("benchmark", "latin1.yaml", "--dry-run", cwd=tmp_path))
    assert "latin1.yaml: is not UTF-8 text (byte 0xe9 at line 1)" in message


def test_a_key_set_twice_is_refused_not_silently_overwritten(cli, tmp_path):
    (tmp_path / "twice.yaml").write_text(f"name: twice\nseeds: 2\n{SPEC}seeds: 5\n")
    message = refused(cli("benchmark", "twice.yaml", "--dry-run", cwd=tmp_path))
    assert "the key 'seeds' is set twice (first at line 2)" in message and "line 6" in message
    (tmp_path / "nested.yaml").write_text(f"name: nested\n{SPEC}train: {{g_steps: 5, g_steps: 7}}\n")
    assert "the key 'g_steps' is set twice" in refused(cli("benchmark", "nested.yaml", cwd=tmp_path))


def test_a_report_of_an_experiment_named_too_long_for_a_folder_is_refused(cli, tmp_path):
    from mlflow.tracking import MlflowClient

    MlflowClient(f"sqlite:///{tmp_path / 'mlflow.db'}").create_experiment("y" * 300)
    message = refused(cli("report", cwd=tmp_path))
    assert "too long for a folder name" in message and "--out FOLDER" in message
    assert not (tmp_path / "reports").exists()


@pytest.fixture
def small_disk():
    """A 1.5 MB file system of its own (tmpfs; needs the right to mount, as root in CI has)."""
    folder = Path(f"/tmp/ganbench-full-{uuid.uuid4().hex[:8]}")
    folder.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1500k", "tmpfs", str(folder)], capture_output=True
    )
    if mounted.returncode != 0:
        folder.rmdir()
        pytest.skip(f"cannot mount a small file system here: {mounted.stderr.decode().strip()}")
    try:
        yield folder
    finally:
        subprocess.run(["umount", str(folder)], capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)


@pytest.mark.slow
def test_a_full_disk_is_said_in_one_paragraph_and_the_store_stays_intact(cli, small_disk):
    import sqlite3

    proc = cli("benchmark", str(ROOT / "experiments" / "quick.yaml"), "--jobs", "1", cwd=small_disk)
    message = refused(proc)
    assert f"the disk holding {small_disk} is full" in message and "rerun the same command" in message
    with sqlite3.connect(small_disk / "mlflow.db") as db:
        assert db.execute("PRAGMA quick_check").fetchall() == [("ok",)]
        complete = db.execute(
            "select count(*) from tags where key = 'ganbench.complete' and value = 'true'"
        ).fetchone()[0]
    assert complete >= 1 and os.path.getsize(small_disk / "mlflow.db") > 0  # what finished is kept
