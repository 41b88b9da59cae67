"""Sample images are titled with the cell's label, so two cells that differ only in a parameter
(alternating 1:1 and 5:1, two norms of a grid) are told apart."""

from __future__ import annotations

from ganbench.experiment.cell_run import CellTask, run_cells
from ganbench.testing.setups import tiny_config


def test_sample_image_titles_carry_the_cell_label(tmp_path, monkeypatch):
    import ganbench.train.plots as plots

    titles: list[str] = []
    monkeypatch.setattr(
        plots.SampleFigures, "save", lambda self, fake, path, title, label: titles.append(title)
    )
    config = tiny_config(schedule="alternating", seeds=[3], g_steps=4, eval_every=2).model_dump(mode="json")
    label = "modified_minimax + alternating(d_steps=1)"
    run_cells([CellTask(config, str(tmp_path / "a"), "every_eval", label)])
    assert titles == [
        "modified_minimax + alternating(d_steps=1) on ring: seed 3, 2 G updates",
        "modified_minimax + alternating(d_steps=1) on ring: seed 3, 4 G updates",
    ]
    titles.clear()
    run_cells([CellTask(config, str(tmp_path / "b"), "final")])  # no label: loss + schedule names
    assert titles == ["modified_minimax + alternating on ring: seed 3, final"]
