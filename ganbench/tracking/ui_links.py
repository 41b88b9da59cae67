"""Direct links into the MLflow UI: an experiment's runs table in "Model training" mode.

MLflow 3.17 opens an experiment in its GenAI mode unless told otherwise: a click on the experiment
(or ``#/experiments/<id>``) lands on an "Overview" of traces ("Traces 0", "No data available") and
the runs are nowhere in sight. The query parameter ``workflowType=machine_learning`` opens the same
experiment in "Model training" mode on its runs table, on a fresh browser profile too. So every
command that writes or reads runs ends by printing :func:`runs_link` (through
:func:`print_ui_link`), and ``make ui`` / ``ganbench ui`` prints it once the server answers.

Where the experiment holds benchmark runs, the link opens a shared view of them
(:mod:`ganbench.tracking.ui_views`): grouped by configuration, the headline metrics as columns.

A store that is not a server (``sqlite:///mlflow.db``, a folder) has no UI of its own: its link
points at the address ``make ui`` serves it on, ``http://127.0.0.1:5000`` (``UI_PORT`` changes the
port, as it does for ``make ui``).
"""

from __future__ import annotations

import os

from rich.console import Console
from rich.markup import escape

from ganbench.experiment.masking import mask_url
from ganbench.experiment.store_check import sqlite_path
from ganbench.tracking.tracker import DEFAULT_URI, resolve_uri
from ganbench.tracking.ui_views import SHARE_PARAM, comparison_views

UI_HOST = "127.0.0.1"
UI_PORT = 5000
RUNS_VIEW = "runs?workflowType=machine_learning"  # the runs table, Model-training mode


def is_server(tracking_uri: str) -> bool:
    """True for an MLflow tracking server (``http://…``, ``https://…``), which serves its own UI."""
    return tracking_uri.lower().startswith(("http://", "https://"))


def ui_port() -> int:
    """The port ``make ui`` serves on: ``UI_PORT`` from the environment, else 5000."""
    try:
        return int(os.environ.get("UI_PORT", UI_PORT))
    except ValueError:
        return UI_PORT


def ui_address(tracking_uri: str, host: str = UI_HOST, port: int | None = None) -> str:
    """Base address of the UI that shows ``tracking_uri``'s runs: the server itself, or for a local
    store the address ``make ui`` serves it on (a wildcard bind address is browsed on loopback)."""
    if is_server(tracking_uri):
        return mask_url(tracking_uri).rstrip("/")
    host = UI_HOST if host in ("", "0.0.0.0", "::") else host
    host = f"[{host}]" if ":" in host else host
    return f"http://{host}:{port or ui_port()}"


def runs_link(
    tracking_uri: str,
    experiment_id: str,
    host: str = UI_HOST,
    port: int | None = None,
    view: str | None = None,
) -> str:
    """The experiment's runs table in Model-training mode, e.g.
    ``http://127.0.0.1:5000/#/experiments/1/runs?workflowType=machine_learning``; with ``view``, a
    shared view's key (:mod:`ganbench.tracking.ui_views`), opened in that view."""
    link = f"{ui_address(tracking_uri, host, port)}/#/experiments/{experiment_id}/{RUNS_VIEW}"
    return f"{link}&{SHARE_PARAM}={view}" if view else link


def comparison_links(
    tracking_uri: str, experiment_id: str, host: str = UI_HOST, port: int | None = None
) -> list[tuple[str | None, str]]:
    """``(dataset, link)``: the runs grouped by configuration with the headline metrics as columns —
    one link, or one per dataset (:func:`~ganbench.tracking.ui_views.comparison_views`); the plain
    runs table for an experiment without configuration runs."""
    views = comparison_views(tracking_uri, experiment_id)
    if not views:
        return [(None, runs_link(tracking_uri, experiment_id, host, port))]
    return [(dataset, runs_link(tracking_uri, experiment_id, host, port, key)) for dataset, key in views]


def run_link(
    tracking_uri: str, experiment_id: str, run_id: str, host: str = UI_HOST, port: int | None = None
) -> str:
    """One run's page, also in Model-training mode (without the parameter the page is the same but
    MLflow shows its GenAI sidebar), e.g. ``http://127.0.0.1:5000/#/experiments/1/runs/<run id>?…``."""
    base = ui_address(tracking_uri, host, port)
    return f"{base}/#/experiments/{experiment_id}/runs/{run_id}?{RUNS_VIEW.partition('?')[2]}"


def browse_hint(tracking_uri: str, experiment_name: str, experiment_id: str) -> str:
    """How to see the experiment's runs in the MLflow UI (rich markup): its comparison link(s)."""
    found = comparison_links(tracking_uri, experiment_id)
    grouped = found[0][1] != runs_link(tracking_uri, experiment_id)
    what = f"experiment '{escape(experiment_name)}'" + (", runs grouped by configuration" if grouped else "")
    links = " ".join(
        (f"{escape(dataset)}: " if dataset else "") + f"[link={link}]{link}[/link]" for dataset, link in found
    )
    if is_server(tracking_uri):
        return f"Browse the runs ({what}): {links}"
    shown = escape(mask_url(tracking_uri))
    start = "make ui" if tracking_uri == DEFAULT_URI else f"make ui TRACKING_URI={shown}"
    return f"Browse the runs: [bold]{start}[/], then open {links} ({what})."


def print_ui_link(
    console: Console, tracking_uri: str | None, experiment_name: str, experiment_id: str | None = None
) -> None:
    """Print :func:`browse_hint` for an experiment, the call for any command that ends with runs in
    MLflow. ``tracking_uri`` None means the default (``MLFLOW_TRACKING_URI``, else
    ``sqlite:///mlflow.db``); the id is looked up by name when not given (nothing is printed when
    the experiment does not exist). The link is printed whole, never wrapped or cut."""
    uri = resolve_uri(tracking_uri)
    if experiment_id is None:
        experiment_id = find_experiment_id(uri, experiment_name)
        if experiment_id is None:
            return
    console.print(browse_hint(uri, experiment_name, experiment_id), soft_wrap=True)


def find_experiment_id(tracking_uri: str, name: str) -> str | None:
    """The id of the active experiment ``name``, or None (a missing SQLite file is not created)."""
    for experiment_id, found in experiments_with_runs(tracking_uri, include_empty=True):
        if found == name:
            return experiment_id
    return None


def experiments_with_runs(tracking_uri: str, include_empty: bool = False) -> list[tuple[str, str]]:
    """``(id, name)`` of the store's active experiments that hold runs, oldest first; empty when a
    SQLite store does not exist yet (looking must not create it)."""
    path = sqlite_path(tracking_uri)
    if path is not None and not path.exists():
        return []
    from mlflow.tracking import MlflowClient

    client = MlflowClient(tracking_uri=tracking_uri)
    found = []
    for exp in sorted(client.search_experiments(), key=lambda e: int(e.creation_time or 0)):
        if include_empty or client.search_runs([exp.experiment_id], max_results=1):
            found.append((exp.experiment_id, exp.name))
    return found
