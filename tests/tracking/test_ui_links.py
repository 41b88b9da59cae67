"""Links into the MLflow UI's Model-training view (ganbench/tracking/ui_links.py)."""

from __future__ import annotations

import io

from rich.console import Console

from ganbench.tracking import ui_links
from ganbench.tracking.ui_links import (
    browse_hint,
    find_experiment_id,
    print_ui_link,
    run_link,
    runs_link,
)

VIEW = "runs?workflowType=machine_learning"


def test_a_local_store_links_to_make_ui_address(monkeypatch):
    monkeypatch.delenv("UI_PORT", raising=False)
    assert runs_link("sqlite:///mlflow.db", "7") == f"http://127.0.0.1:5000/#/experiments/7/{VIEW}"
    monkeypatch.setenv("UI_PORT", "5123")  # make ui UI_PORT=5123 serves there
    assert runs_link("sqlite:///x.db", "7") == f"http://127.0.0.1:5123/#/experiments/7/{VIEW}"
    assert (
        runs_link("sqlite:///x.db", "7", "0.0.0.0", 8080) == f"http://127.0.0.1:8080/#/experiments/7/{VIEW}"
    )


def test_a_tracking_server_links_to_itself():
    assert runs_link("http://mlflow.lab:5000/", "3") == f"http://mlflow.lab:5000/#/experiments/3/{VIEW}"


def test_a_run_links_to_its_page_in_model_training_mode():
    assert run_link("http://127.0.0.1:5000", "1", "ab12") == (
        "http://127.0.0.1:5000/#/experiments/1/runs/ab12?workflowType=machine_learning"
    )


def test_the_hint_says_how_to_start_the_ui(monkeypatch):
    monkeypatch.delenv("UI_PORT", raising=False)
    assert browse_hint("sqlite:///mlflow.db", "default", "1").startswith("Browse the runs: [bold]make ui[/]")
    assert "make ui TRACKING_URI=sqlite:////tmp/a.db" in browse_hint("sqlite:////tmp/a.db", "default", "1")
    assert "make ui" not in browse_hint("http://127.0.0.1:5000", "default", "1")


def test_the_printed_link_is_never_wrapped(monkeypatch):
    monkeypatch.delenv("UI_PORT", raising=False)
    out = io.StringIO()
    print_ui_link(Console(file=out, width=40), "sqlite:///mlflow.db", "default", "12")
    assert f"http://127.0.0.1:5000/#/experiments/12/{VIEW}" in out.getvalue()


def test_looking_up_an_experiment_never_creates_a_store(tmp_path):
    db = tmp_path / "mlflow.db"
    assert find_experiment_id(f"sqlite:///{db}", "default") is None
    assert not db.exists()
    out = io.StringIO()
    print_ui_link(Console(file=out), f"sqlite:///{db}", "default")
    assert out.getvalue() == "" and not db.exists()


def test_experiments_with_runs_skips_empty_ones(tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlflow.db'}"
    store = MlflowClient(tracking_uri=uri)
    used = store.create_experiment("used")
    store.create_experiment("empty")
    store.create_run(used)
    assert ui_links.experiments_with_runs(uri) == [(used, "used")]
    assert find_experiment_id(uri, "empty") is not None
