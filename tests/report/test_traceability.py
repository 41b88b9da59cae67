"""Every configuration names its MLflow runs: links into the UI for a tracking server, run ids
otherwise; results.csv, summary.md and index.html agree on the runs behind the numbers."""

from __future__ import annotations

import re
from dataclasses import replace
from functools import partial

import pandas as pd

from ganbench.report.build import write_report
from ganbench.testing.report_data import contract_runs, synthetic_data
from ganbench.tracking.ui_links import run_link


def test_server_stores_get_ui_links_for_every_run(tmp_path):
    data = synthetic_data(contract_runs(), tmp_path / "a")
    data = replace(data, run_links=partial(run_link, "http://127.0.0.1:5000", data.experiment_id))
    write_report(data, tmp_path / "out", sections=["ranking"])
    html = (tmp_path / "out" / "index.html").read_text()
    linked = set(re.findall(r'href="http://127\.0\.0\.1:5000/#/experiments/1/runs/([0-9a-f]+)[?"]', html))
    assert linked == set(data.complete["run_id"])
    assert data.incomplete["run_id"].iloc[0] in html  # the unfinished run is listed, not linked


def test_embedded_stores_name_run_ids_and_the_files_agree(tmp_path):
    data = synthetic_data(contract_runs(), tmp_path / "a")
    report = write_report(data, tmp_path / "out", sections=["ranking"])
    html = (tmp_path / "out" / "index.html").read_text()
    assert "/#/experiments/" not in html
    table = pd.read_csv(tmp_path / "out" / "results.csv", dtype={"run_id": str})
    assert report.rows == len(table) == len(data.complete)
    summary = (tmp_path / "out" / "summary.md").read_text()
    for run_id in table["run_id"]:
        assert f"`{run_id}`" in summary and run_id in html
    tables = next(s for s in report.sections if s.name == "ranking").result.tables
    assert [t.dataset for t in tables] == ["ring", "blobs"]
    done = data.complete
    for table in tables:
        for config, runs in zip(table.frame["configuration"], table.runs, strict=True):
            expected = done.loc[
                (done["dataset"] == table.dataset) & (done["configuration"] == config), "run_id"
            ]
            assert sorted(runs) == sorted(expected)
