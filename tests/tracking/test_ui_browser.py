"""The MLflow UI as a user meets it: `ganbench ui` (what `make ui` runs) over a benchmark's store, its
printed link opened in headless Chromium on a fresh profile.

MLflow 3.17 opens an experiment in GenAI mode (an empty traces overview) unless the link asks for
``workflowType=machine_learning``; the printed link must land on the runs table, in Model-training
mode, showing this benchmark's runs, with no console errors.
"""

from __future__ import annotations

from urllib.parse import urlparse

import pytest
from browser import screenshot, visit

from .conftest import client
from .ui_server import ui_server

pytestmark = pytest.mark.slow
LOAD_MS = 90_000  # the single uvicorn worker of a loaded 2-core machine is slow to serve the first page

# MLflow's UI asks who the signed-in user is; a server without authentication answers 404 and
# Chromium logs "Failed to load resource: … 404" for it. Nothing is wrong, so exactly this endpoint
# (and the one console line each such answer causes) is let through; any other bad answer fails.
OPTIONAL_ENDPOINTS = {"/ajax-api/2.0/mlflow/users/current"}
FAILED_RESOURCE_404 = "Failed to load resource: the server responded with a status of 404 (Not Found)"


def test_printed_link_opens_the_benchmark_runs_in_model_training_mode(quick_store, chromium, tmp_path):
    store = client(quick_store / "mlflow.db")
    experiment = store.get_experiment_by_name("quick")
    runs = store.search_runs([experiment.experiment_id], max_results=1000)
    # The invocation that trained the runs (the rerun test may add one that trained nothing).
    invocations = [r for r in runs if r.data.tags.get("ganbench.role") == "invocation"]
    child_runs = {
        p.info.run_id: [r for r in runs if r.data.tags.get("mlflow.parentRunId") == p.info.run_id]
        for p in invocations
    }
    invocation = [p for p in invocations if child_runs[p.info.run_id]]
    assert len(invocation) == 1
    children = child_runs[invocation[0].info.run_id]
    assert len(children) == 8

    with ui_server(quick_store) as server:
        link = server.links["quick"]
        assert link == (
            f"{server.base}/#/experiments/{experiment.experiment_id}/runs?workflowType=machine_learning"
        )
        seen = visit(chromium, link, timeout_ms=LOAD_MS)
        page = seen.page
        try:
            # The runs table (not the GenAI overview), its run count, the invocation's parent run.
            page.get_by_text("Run Name", exact=True).first.wait_for(timeout=LOAD_MS)
            page.get_by_text(invocation[0].info.run_name, exact=True).wait_for(timeout=LOAD_MS)
            count = page.get_by_text("matching runs").first
            assert count.inner_text().split() == [str(len(runs)), "matching", "runs"]
            assert "workflowType=machine_learning" in page.url
            assert page.get_by_role("radio").first.get_attribute("value") == "TABLE"
            assert page.get_by_role("radio").first.is_checked()
            for genai_only in ("Overview", "Traces 0", "No data available"):
                assert page.get_by_text(genai_only, exact=True).count() == 0, genai_only
            # Expanding the invocation shows each (configuration, seed) run by name.
            parent_cell = page.locator(".ag-cell", has=page.get_by_text(invocation[0].info.run_name))
            parent_cell.get_by_role("button").first.click()
            for run in children:
                page.get_by_text(run.info.run_name, exact=True).wait_for(timeout=30_000)
            page.wait_for_timeout(1000)  # let late requests (and their errors) arrive
        finally:
            screenshot(seen, tmp_path / "runs.png")
            page.context.close()

    optional = [r for r in seen.bad_responses if urlparse(r.split(" ", 1)[1]).path in OPTIONAL_ENDPOINTS]
    assert [r for r in seen.bad_responses if r not in optional] == []
    assert all(r.startswith("404 ") for r in optional)
    errors = list(seen.errors)
    for _ in optional:
        if FAILED_RESOURCE_404 in errors:
            errors.remove(FAILED_RESOURCE_404)
    assert errors == []
