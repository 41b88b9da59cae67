"""Learning curves are drawn against references scored on the curve points' sample count where the
references recorded it (``curve/…``), else against the final ones, and the caption says which count."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

from ganbench import registry  # noqa: E402
from ganbench.report.figures import style  # noqa: E402
from ganbench.report.spread import REFERENCE_STYLE  # noqa: E402
from ganbench.testing.report_contract import CheckingContext, contract_data  # noqa: E402

LABELS = {style["label"]: kind for kind, style in REFERENCE_STYLE.items()}


class Recording(CheckingContext):
    """Keeps each figure's reference lines ({kind: level}) and caption, by figure name."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines: dict[str, dict[str, float]] = {}
        self.captions: dict[str, str] = {}

    def save_figure(self, fig, name, caption, dataset=None):
        self.lines[name] = {
            LABELS[line.get_label()]: float(line.get_ydata()[0])
            for ax in fig.axes
            for line in ax.get_lines()
            if line.get_label() in LABELS
        }
        self.captions[name] = caption
        return super().save_figure(fig, name, caption, dataset)


def curves_section(data, out) -> Recording:
    style()
    cls = registry.reports.get("learning_curves")
    ctx = Recording(out, "learning_curves")
    cls(cls.Params()).build(data, ctx)
    return ctx


def test_curves_are_drawn_against_the_references_on_their_own_sample_count(tmp_path):
    data = contract_data(tmp_path)  # ring's references: real data covers 8 modes, noise 4 (final)
    refs = data.references
    real = refs["reference"] == "real"
    refs["param.reference.samples"] = "1000"
    refs["param.reference.curve_samples"] = "100"
    refs["curve/modes/covered"] = real.map({True: 6.0, False: 2.0})
    ctx = curves_section(data, tmp_path / "report")
    assert ctx.lines["modes/covered-ring"] == {"real": 6.0, "noise": 2.0}
    assert "score on 100 samples, the curve points' count" in ctx.captions["modes/covered-ring"]
    # a metric the references did not score on the curves' count keeps its final levels
    assert ctx.lines["modes/high_quality-ring"]["real"] > 98.0  # 0.98–0.99, shown in percent


def test_final_levels_say_when_the_curves_scored_fewer_samples(tmp_path):
    """A store whose references predate curve references: the final levels, and a caption that says
    the curve points scored fewer samples."""
    data = contract_data(tmp_path)
    data.references["param.reference.samples"] = "1000"
    data.runs["param.curve_samples"] = "100"
    ctx = curves_section(data, tmp_path / "report")
    assert ctx.lines["modes/covered-ring"] == {"real": 8.0, "noise": 4.0}
    caption = ctx.captions["modes/covered-ring"]
    assert "on 1,000 samples, the final evaluation's count: the curve points score 100" in caption
