"""``summary.md``: the report as GitHub-flavoured Markdown (verdicts, tables, figures, run ids)."""

from __future__ import annotations

import pandas as pd

from ganbench.report.document import Report

VERDICT_RULE = (
    "A verdict compares the best configuration by mean with each other one (Welch's t-test on the "
    "per-seed values, Holm-corrected over the comparisons of that verdict) and claims a difference only "
    "where p < 0.05, otherwise 'no clear difference'. With fewer than 5 seeds a claim is tentative. "
    "Numbers are mean [95 % interval of the mean: BCa bootstrap with 5 or more seeds, Student t with "
    "2–4, cut at the values the metric can take]. Reference rows: what the data itself and uniform "
    "noise over its range score with the same metrics; no configuration wins a verdict on a metric "
    "where it is no better than noise, and no verdict credits a noise-like or a collapsed "
    "configuration (those left out are named). The high-quality share is compared only among the "
    "configurations covering the most modes. Method: docs/method.md."
)
"""The rule behind the verdicts, as summary.md and index.html state it."""


def table_markdown(frame: pd.DataFrame) -> str:
    """A pipe table of ``frame`` (cells as text, pipes escaped)."""

    def cell(value) -> str:
        return str(value).replace("|", "\\|").replace("\n", " ")

    header = "| " + " | ".join(cell(c) for c in frame.columns) + " |"
    rule = "| " + " | ".join("---" for _ in frame.columns) + " |"
    body = ["| " + " | ".join(cell(v) for v in row) + " |" for row in frame.itertuples(index=False)]
    return "\n".join([header, rule, *body])


def verdicts_by_dataset(report: Report) -> dict[str, list]:
    """Every section's verdicts, grouped by dataset in report order (None: not about one dataset)."""
    grouped: dict = {}
    for section in report.sections:
        for v in section.result.verdicts if section.result else []:
            grouped.setdefault(v.dataset or "all data", []).append(v)
    order = {d: i for i, d in enumerate(report.data.datasets())}
    return dict(sorted(grouped.items(), key=lambda item: order.get(item[0], len(order))))


def _shown(v) -> str:
    """A finding in bold; tentative claims, notes and 'no clear difference' in plain text."""
    return f"**{v.text}**" if v.kind == "separated" else v.text


def render_markdown(report: Report) -> str:
    """The whole ``summary.md``."""
    data, st = report.data, report.status
    out = [f"# Report: {data.experiment}", ""]
    out += [line for paragraph in report.provenance.about for line in (paragraph, "")]
    out += [f"**{st.headline}**", ""]
    out += [f"- {line}" for line in st.lines] + ([""] if st.lines else [])
    if len(st.incomplete):
        out += ["Unfinished runs:", "", table_markdown(st.incomplete), ""]
    out += ["## Verdicts", ""]
    grouped = verdicts_by_dataset(report)
    for dataset, verdicts in grouped.items():
        out += [f"### {dataset}", ""] + [f"- {_shown(v)}" for v in verdicts] + [""]
    if not grouped:
        none = (
            "a tuning experiment has no (configuration, seed) runs to compare; its studies are under "
            "Tuning budget"
            if not data.trials.empty
            else "no complete runs"
        )
        out += [f"- (none: {none})", ""]
    out += [
        VERDICT_RULE,
        "",
    ]
    for section in report.sections:
        if section.skipped:
            continue
        out += [f"## {section.title}", ""]
        if section.error:
            out += [f"**This section failed:** {section.error}", ""]
            continue
        result = section.result
        out += [f"- {note}" for note in result.notes] + ([""] if result.notes else [])
        for table in result.tables:
            out += [f"### {table.title}", "", table_markdown(table.frame), ""]
            if table.caption:
                out += [f"_{table.caption}_", ""]
        for fig in result.figures:
            out += [f"![{fig.caption}]({fig.path})", "", f"_{fig.caption}_", ""]
    skipped = [f"{s.title} ({s.skipped})" for s in report.sections if s.skipped]
    if skipped:
        out += ["_Sections that do not apply to this experiment: " + "; ".join(skipped) + "._", ""]
    out += ["## Provenance", ""]
    out += [f"- **{key}**: {value}" for key, value in report.provenance.facts.items()]
    out += ["", "## MLflow runs per configuration", ""]
    out += [
        "Every number above comes from these runs (all columns in `results.csv`).",
        "",
    ]
    for dataset, config, ids in data.runs_by_configuration():
        out.append(f"- {dataset} | {config}: " + ", ".join(f"`{r}`" for r in ids))
    return "\n".join(out) + "\n"
