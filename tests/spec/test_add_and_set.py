"""``benchmark --add`` and ``--set``: a component added beside the spec's own leaves their cells (and
so their runs) untouched; a setting that changes what cells train writes to its own experiment."""

from __future__ import annotations

import pytest
import yaml

from ganbench.errors import GanbenchError
from ganbench.experiment.overrides import CommandLineChanges
from ganbench.experiment.spec import from_mapping

SPEC = {
    "name": "tiny",
    "datasets": ["ring"],
    "losses": ["minimax"],
    "schedules": [{"name": "alternating", "d_steps": 1}],
    "seeds": 1,
    "train": {"g_steps": 8, "eval_every": 2, "eval_samples": 200, "batch_size": 16},
}


def load(add=(), settings=()):
    return from_mapping(SPEC, "tiny.yaml", changes=CommandLineChanges(tuple(add), tuple(settings)))


def keys(exp) -> dict[str, str]:
    return {c.label: c.key for c in exp.cells}


def test_add_keeps_the_spec_s_cells_and_its_experiment():
    plain, added = load(), load(add=["loss=hinge", "schedule={name: alternating, d_steps: 5}"])
    assert added.spec.name == "tiny"
    assert set(keys(added)) == {
        "minimax + alternating(d_steps=1)",
        "minimax + alternating(d_steps=5)",
        "hinge + alternating(d_steps=1)",
        "hinge + alternating(d_steps=5)",
    }
    assert keys(added)["minimax + alternating(d_steps=1)"] == keys(plain)["minimax + alternating(d_steps=1)"]


def test_a_set_that_changes_the_cells_gets_its_own_experiment_unless_named():
    longer = load(settings=["train.g_steps=16"])
    assert longer.spec.name.startswith("tiny_set-") and longer.cells[0].config.g_steps == 16
    assert (
        load(settings=["train.g_steps=16"]).spec.name == longer.spec.name
    )  # the same settings, the same name
    assert load(settings=["train.g_steps=32"]).spec.name != longer.spec.name
    assert load(settings=["seeds=3"]).spec.name == "tiny"  # seeds change no cell
    assert load(settings=["seeds=3"]).cells[0].config.seeds == [0, 1, 2]
    assert load(settings=["name=mine", "train.g_steps=16"]).spec.name == "mine"


@pytest.mark.parametrize(
    "add, settings, message",
    [
        (["loss=nope"], [], "--add loss=nope: loss 'nope' is not registered; available:"),
        (["los=hinge"], [], "use loss=NAME, dataset=NAME or schedule=NAME"),
        (["loss=minimax"], [], "the spec's losses already hold 'minimax'"),
        (["loss={margin: 2}"], [], "give a loss name, or a mapping with a name"),
        ([], ["train.bogus=1"], "tiny.yaml (with --set train.bogus=1)"),
        ([], ["train.g_steps"], "--set 'train.g_steps' must look like key.path=value"),
    ],
)
def test_bad_changes_are_one_paragraph_errors(add, settings, message):
    with pytest.raises(GanbenchError) as err:
        load(add, settings)
    assert message in str(err.value) and "\n" not in str(err.value)


def test_the_command_adds_a_loss_and_trains_only_its_cells(tmp_path, cli):
    """End to end: the spec's runs stay; with --add only the newcomer's cells train."""
    spec = tmp_path / "tiny.yaml"
    small = {"generator": {"width": 8, "depth": 1}, "discriminator": {"width": 8, "depth": 1}}
    spec.write_text(yaml.safe_dump({**SPEC, "train": {**SPEC["train"], **small}}))
    store = f"sqlite:///{tmp_path}/mlflow.db"
    first = cli("benchmark", str(spec), "--jobs", "1", "--tracking-uri", store)
    assert first.returncode == 0, first.stderr
    assert "Scoring the reference rows of ring" in first.stdout
    second = cli("benchmark", str(spec), "--add", "loss=hinge", "--jobs", "1", "--tracking-uri", store)
    assert second.returncode == 0, second.stderr
    assert "2 cells × seeds = 2 runs; 1 already finished, 1 to train" in second.stdout
    assert "Scoring the reference rows" not in second.stdout  # scored once per experiment
    report = cli("report", "tiny", "--tracking-uri", store, "--out", str(tmp_path / "report"))
    assert report.returncode == 0, report.stderr
    summary = (tmp_path / "report" / "summary.md").read_text()
    assert (
        "| hinge + alternating(d_steps=1) |" in summary and "| minimax + alternating(d_steps=1) |" in summary
    )
    assert "reference: uniform noise" in summary
