"""``index.html``: the report as one page (Jinja2), opening from disk with its ``figures/`` folder."""

from __future__ import annotations

import jinja2
import pandas as pd

from ganbench.report.document import Report
from ganbench.report.markdown import VERDICT_RULE, verdicts_by_dataset


def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ganbench.report", "templates"),
        autoescape=jinja2.select_autoescape(["html", "j2"]),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _rows(frame: pd.DataFrame) -> list[list[str]]:
    return [[str(v) for v in row] for row in frame.itertuples(index=False)]


def render_html(report: Report) -> str:
    """The whole ``index.html``."""
    data = report.data
    runs = [{"dataset": d, "configuration": c, "ids": ids} for d, c, ids in data.runs_by_configuration()]
    template = _environment().get_template("index.html.j2")
    return template.render(
        report=report,
        data=data,
        verdicts=verdicts_by_dataset(report),
        verdict_rule=VERDICT_RULE,
        rows=_rows,
        runs=runs,
        url=data.run_url,
    )
