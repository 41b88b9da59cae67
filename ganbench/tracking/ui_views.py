"""MLflow UI links that open on a comparison: the runs grouped by configuration, the headline metrics
as columns, best first.

MLflow's runs page can be shared as a *view*: the page state (search, sort, columns, grouping) is
stored as an experiment tag ``mlflow.sharedViewState.<key>`` holding JSON, and a link with
``viewStateShareKey=<key>`` opens the page in that state (MLflow 3.17's "Share" button does the same).
ganbench writes one such view per experiment — per dataset when the experiment has several, since
the table loads 100 runs at a time and a group's mean covers only the loaded runs — and prints its
link, so the ten clicks of docs/mlflow-ui.md are none. The key is a digest of the state, so writing
the same view again changes nothing.
"""

from __future__ import annotations

import hashlib
import json
import os

from mlflow.exceptions import MlflowException
from mlflow.tracking import MlflowClient

from ganbench.experiment.store_check import sqlite_path

VIEW_TAG = "mlflow.sharedViewState."
SHARE_PARAM = "viewStateShareKey"
GROUP_TAG = "configuration"  # "<dataset> | <configuration label>": one group per cell (tracking.tracker)
COLUMNS = (
    "final/modes/covered",
    "final/modes/high_quality",
    "final/frechet/fd",
    "final/prdc/coverage",
    "stability/oscillation",
    "stability/late_trend",
    "stability/diverged",
)
"""Metric columns a comparison shows, those the experiment logged, in this order."""
SAMPLE_RUNS = 50
RUN_NAME_COLUMN = "attributes.`Run Name`"


def comparison_state(metrics: list[str], groups: list[str], dataset: str | None = None) -> dict:
    """The runs page's state: runs grouped by the ``configuration`` tag (mean over seeds), each of
    ``groups`` (its values) folded to one row, ``metrics`` as columns, sorted by the first of them,
    best first (a Fréchet distance: lowest first); only ``dataset``'s runs when given."""
    order = metrics[0] if metrics else None
    columns = [f"metrics.`{m}`" for m in metrics]
    return {
        "searchFilter": f"tags.dataset = '{dataset}'" if dataset else "",
        **({"orderByKey": f"metrics.`{order}`", "orderByAsc": order.endswith("/fd")} if order else {}),
        "selectedColumns": [*columns, f"tags.`{GROUP_TAG}`"],
        "groupBy": {
            "aggregateFunction": "average",
            "groupByKeys": [{"mode": "tag", "groupByData": GROUP_TAG}],
        },
        # MLflow names a group "<mode>.<key>.<value>"; groups are open unless set to false here.
        "groupsExpanded": {f"tag.{GROUP_TAG}.{g}": False for g in groups},
        # The name wide enough for "Group: ring | modified_minimax + alternating(d_steps=5)", the
        # metrics next to it (before Created and Duration), each wide enough for its header.
        "columnOrder": [RUN_NAME_COLUMN, *columns],
        "columnWidths": {RUN_NAME_COLUMN: 360, **dict.fromkeys(columns, 150)},
        "runListHidden": False,
        "useGroupedValuesInCharts": True,
    }


def save_view(client: MlflowClient, experiment_id: str, state: dict) -> str:
    """Store ``state`` as a shared view of the experiment (once) and return its key."""
    text = json.dumps(state, sort_keys=True)
    key = hashlib.sha256(text.encode()).hexdigest()[:20]
    experiment = client.get_experiment(experiment_id)
    if experiment.tags.get(VIEW_TAG + key) != text:
        client.set_experiment_tag(experiment_id, VIEW_TAG + key, text)
    return key


def comparison_views(tracking_uri: str, experiment_id: str) -> list[tuple[str | None, str]]:
    """``(dataset, view key)`` for the experiment's runs: one view (dataset None) when its
    configuration runs cover one dataset, one per dataset otherwise; empty when no run carries a
    ``configuration`` tag (a tuning experiment) — its plain runs table is the link then."""
    path = sqlite_path(tracking_uri)
    if path is not None and not path.exists():
        return []  # looking must not create a store
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_MAX_RETRIES", "0")  # an unreachable server: fail fast
    os.environ.setdefault("MLFLOW_HTTP_REQUEST_TIMEOUT", "10")
    client = MlflowClient(tracking_uri=tracking_uri)
    try:
        return _views(client, experiment_id)
    except MlflowException:
        return []  # no such experiment, a read-only store, a server gone: the plain link is printed


def _views(client: MlflowClient, experiment_id: str) -> list[tuple[str | None, str]]:
    runs = client.search_runs([experiment_id], f"tags.`{GROUP_TAG}` != ''", max_results=SAMPLE_RUNS)
    if not runs:
        return []
    logged = {k for r in runs for k in r.data.metrics}
    metrics = [m for m in COLUMNS if m in logged]
    groups = _groups(client, experiment_id)
    if len(groups) <= 1:
        every = [g for found in groups.values() for g in found]
        return [(None, save_view(client, experiment_id, comparison_state(metrics, every)))]
    return [(d, save_view(client, experiment_id, comparison_state(metrics, g, d))) for d, g in groups.items()]


def _groups(client: MlflowClient, experiment_id: str) -> dict[str, list[str]]:
    """Dataset → the ``configuration`` tag values of its runs, in the order they were first made."""
    found: dict[str, dict[str, None]] = {}
    token = None
    while True:
        page = client.search_runs(
            [experiment_id],
            f"tags.`{GROUP_TAG}` != ''",
            max_results=1000,
            page_token=token,
            order_by=["start_time ASC"],
        )
        for run in page:
            found.setdefault(run.data.tags.get("dataset", ""), {})[run.data.tags[GROUP_TAG]] = None
        token = page.token
        if not token:
            return {d: list(g) for d, g in found.items()}
