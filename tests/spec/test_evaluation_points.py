"""Shipped benchmark specs evaluate often enough for the plateau (convergence) test; a dry run says
when a spec does not."""

from pathlib import Path

import pytest
from rich.console import Console

from ganbench.experiment import spec
from ganbench.experiment.estimate import dry_run_table, evaluations
from ganbench.experiment.timing import CostTimer
from ganbench.metrics.convergence import WINDOW

EXPERIMENTS = Path(__file__).resolve().parents[2] / "experiments"


@pytest.mark.parametrize("name", ["default", "quick", "mode_collapse", "full"])
def test_shipped_benchmarks_evaluate_at_least_window_times(name):
    exp = spec.load(EXPERIMENTS / f"{name}.yaml")
    assert min(evaluations(c) for c in exp.cells) >= WINDOW


def dry_run_text(train: dict) -> str:
    raw = {"name": "t", "datasets": ["ring"], "losses": ["minimax"], "schedules": ["simultaneous"]}
    console = Console(width=300, record=True)
    small = {"generator": {"width": 8, "depth": 1}, "discriminator": {"width": 8, "depth": 1}}
    exp = spec.from_mapping({**raw, "train": {**small, "eval_samples": 50, **train}}, "t.yaml")
    console.print(dry_run_table(exp, CostTimer()))
    return " ".join(console.export_text().split())


def test_dry_run_warns_when_convergence_cannot_be_tested():
    assert (
        evaluations(
            spec.from_mapping(
                {
                    "name": "t",
                    "datasets": ["ring"],
                    "losses": ["minimax"],
                    "schedules": ["simultaneous"],
                    "train": {"g_steps": 2000, "eval_every": 1000},
                },
                "t.yaml",
            ).cells[0]
        )
        == 2
    )
    text = dry_run_text({"g_steps": 2000, "eval_every": 1000})
    assert "only 2 times: their convergence will be unknown" in text
    assert "convergence" not in dry_run_text({"g_steps": 2000, "eval_every": 300})  # 7 evaluations
