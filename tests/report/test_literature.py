"""`ganbench literature`: published values beside ours, on a tiny MLflow store with known answers."""

import math
from pathlib import Path

import numpy as np
import pytest
import yaml
from rich.console import Console

from ganbench.cli.literature_cmd import run_literature
from ganbench.errors import GanbenchError
from ganbench.experiment import spec
from ganbench.report.literature import t_interval
from ganbench.report.published import load_published

from .mlflow_runs import client_for, log_run, start_invocation

ROOT = Path(__file__).resolve().parents[2]
LITERATURE = ROOT / "experiments" / "literature"
CONFIG = "modified_minimax + simultaneous"
PUBLISHED = {
    "lit_ring": {
        "dataset": "ring",
        "budget_updates": 400000,
        "rows": [
            {"method": "GAN", "source": "paper, Table 1", "configuration": CONFIG, "n": 10, "spread": "se",
             "modes": [6.3, 0.5], "high_quality": [98.2, 0.2], "kl": [0.45, 0.09]},
            {"method": "Other", "source": "paper, Table 1", "configuration": None, "n": 5, "spread": "none",
             "modes": [1.0, None]},
        ],
    }
}  # fmt: skip


@pytest.fixture
def store(tmp_path):
    client = client_for(tmp_path)
    exp_id, parent = start_invocation(client, "lit_ring", planned=4)
    for seed, (modes, hq, kl) in enumerate([(4, 0.5, 0.1), (5, 0.6, 0.2), (6, 0.7, 0.3), (7, 0.8, 0.4)]):
        finals = {"modes/covered": modes, "modes/high_quality": hq, "modes/kl": kl}
        log_run(client, exp_id, parent, "ring", CONFIG, seed, finals)
    published = tmp_path / "published.yaml"
    published.write_text(yaml.safe_dump(PUBLISHED))
    return tmp_path, published


def test_t_interval_known_answer():
    low, high = t_interval(np.array([4.0, 5.0, 6.0, 7.0]))
    half = 3.182446305284263 * math.sqrt(5 / 3) / 2  # t(0.975, 3) · sd / √n
    assert low == pytest.approx(5.5 - half) and high == pytest.approx(5.5 + half)
    assert all(math.isnan(v) for v in t_interval(np.array([1.0, math.nan])))


def test_standard_error_becomes_sd_over_runs(store):
    row = load_published(store[1]).experiments["lit_ring"].rows[0]
    assert row.sd("modes") == pytest.approx(0.5 * math.sqrt(10))
    assert math.isnan(load_published(store[1]).experiments["lit_ring"].rows[1].sd("modes"))


def test_table_mean_sd_interval_and_inside(store):
    folder, published = store
    console = Console(width=250, record=True)
    table = run_literature(console, [], f"sqlite:///{folder}/mlflow.db", published, folder / "out")
    gan = table[table["method"] == "GAN"].set_index("metric")
    assert gan.loc["modes", "ours_mean"] == pytest.approx(5.5)
    assert gan.loc["modes", "ours_sd"] == pytest.approx(math.sqrt(5 / 3))
    assert gan.loc["modes", "ci_low"] == pytest.approx(5.5 - 3.182446305284263 * math.sqrt(5 / 3) / 2)
    assert gan.loc["modes", "inside"] == "yes"  # 6.3 in [3.45, 7.55]
    assert gan.loc["high_quality", "ours_mean"] == pytest.approx(65.0)  # a fraction in MLflow, % here
    assert gan.loc["high_quality", "inside"] == "no"  # 98.2 outside [44.5, 85.5]
    assert gan.loc["kl", "by_step"] == "50: 0.125, 100: 0.25"  # our mean at each evaluation
    other = table[table["method"] == "Other"].set_index("metric")
    assert other.loc["modes", "ours_n"] == 0 and other.loc["modes", "inside"] == "—"
    text = console.export_text()
    assert "6.3 ± 1.58 (n=10)" in text and "5.5 ± 1.29 (n=4)" in text and "not run" in text
    markdown = (folder / "out" / "literature.md").read_text()
    assert "| ring | GAN | modes | 6.3 ± 1.58 (n=10) | 5.5 ± 1.29 (n=4) | [3.45, 7.55] | yes |" in markdown
    assert "#/experiments/" in markdown and (folder / "out" / "literature.csv").exists()


def test_unknown_experiment_is_a_user_error(store):
    folder, published = store
    with pytest.raises(GanbenchError, match="no published values for nope"):
        run_literature(Console(), ["nope"], f"sqlite:///{folder}/mlflow.db", published, folder / "out")


def test_shipped_published_values_and_literature_specs_load():
    published = load_published(LITERATURE / "published.yaml")
    specs = sorted(p for p in LITERATURE.glob("*.yaml") if p.name != "published.yaml")
    assert specs
    for path in specs:
        exp = spec.load(path)
        assert exp.cells and exp.spec.name == path.stem
        if path.stem in published.experiments:
            entry = published.experiments[path.stem]
            labels = {cell.label for cell in exp.cells}
            assert {cell.config.dataset.name for cell in exp.cells} == {entry.dataset}
            assert all(r.configuration in labels for r in entry.rows if r.configuration), labels


def test_a_budget_and_run_count_not_stated_are_said_so(store):
    folder, _ = store
    unstated = {"lit_ring": {**PUBLISHED["lit_ring"], "budget_updates": None}}
    unstated["lit_ring"]["rows"] = [{**PUBLISHED["lit_ring"]["rows"][0], "n": None}]
    path = folder / "unstated.yaml"
    path.write_text(yaml.safe_dump(unstated))
    row = load_published(path).experiments["lit_ring"].rows[0]
    assert math.isnan(row.sd("modes"))  # a standard error without n is no standard deviation
    run_literature(Console(width=250), [], f"sqlite:///{folder}/mlflow.db", path, folder / "out")
    markdown = (folder / "out" / "literature.md").read_text()
    assert "| ring | GAN | modes | 6.3 ± — (n not stated) | 5.5 ± 1.29 (n=4) |" in markdown
    assert "/ not stated |" in markdown and "/ 400,000 |" not in markdown


def test_our_interval_stays_inside_the_metrics_range(tmp_path):
    client = client_for(tmp_path)
    exp_id, parent = start_invocation(client, "lit_ring", planned=2)
    for seed, (hq, kl) in enumerate([(0.0, 0.0), (0.02, 0.9)]):  # a wide t interval around small values
        log_run(
            client,
            exp_id,
            parent,
            "ring",
            CONFIG,
            seed,
            {"modes/covered": 1, "modes/high_quality": hq, "modes/kl": kl},
        )
    path = tmp_path / "published.yaml"
    path.write_text(yaml.safe_dump(PUBLISHED))
    table = run_literature(Console(width=250), [], f"sqlite:///{tmp_path}/mlflow.db", path, tmp_path / "out")
    gan = table[table["method"] == "GAN"].set_index("metric")
    assert t_interval(np.array([0.0, 2.0]))[0] < 0  # the uncut Student-t interval leaves the range
    assert gan.loc["high_quality", "ci_low"] == 0.0 and gan.loc["kl", "ci_low"] == 0.0
