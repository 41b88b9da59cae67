"""``summary.md``: the report as GitHub-flavoured Markdown (verdicts, tables, figures, run ids)."""

from __future__ import annotations

import pandas as pd

from ganbench.report.build import Report


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


def render_markdown(report: Report) -> str:
    """The whole ``summary.md``."""
    data, st = report.data, report.status
    out = [f"# Report: {data.experiment}", "", f"**{st.headline}**", ""]
    out += [f"- {line}" for line in st.lines] + ([""] if st.lines else [])
    if len(st.incomplete):
        out += ["Unfinished runs:", "", table_markdown(st.incomplete), ""]
    out += ["## Verdicts", ""]
    grouped = verdicts_by_dataset(report)
    for dataset, verdicts in grouped.items():
        out += [f"### {dataset}", ""] + [f"- {v.text}" for v in verdicts] + [""]
    if not grouped:
        out += ["- (none: no complete runs)", ""]
    out += [
        "Verdicts compare means over seeds with BCa bootstrap 95 % intervals; a difference is claimed only "
        "where the intervals separate, otherwise 'no clear difference'.",
        "",
    ]
    for section in report.sections:
        out += [f"## {section.title}", ""]
        if section.error:
            out += [f"**This section failed:** {section.error}", ""]
            continue
        if section.skipped:
            out += [f"Skipped: {section.skipped}.", ""]
            continue
        result = section.result
        out += [f"- {note}" for note in result.notes] + ([""] if result.notes else [])
        for table in result.tables:
            out += [f"### {table.title}", "", table_markdown(table.frame), ""]
            if table.caption:
                out += [f"_{table.caption}_", ""]
        for fig in result.figures:
            out += [f"![{fig.caption}]({fig.path})", "", f"_{fig.caption}_", ""]
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
