"""``ganbench evaluate``: score samples from any GAN code with a dataset's metrics and protocol.

Each samples file is read and checked against the dataset's layout (``ganbench.data.sample_file``);
the metrics are the ones a training run of that dataset records (every metric that applies and is
on by default, plus Inception's FID and KID with ``--inception``), computed by the same evaluator
against the same fixed real reference set, on the protocol's sample count
(``ganbench.metrics.evaluator.default_n_samples``: 26,000 for stacked digits, the data set's size
for finite data, 2,500 for mixtures). The result is a table, or with ``--json`` one JSON object
keyed by the names MLflow runs carry (``modes/covered``, ``frechet/fd``, …; null where a value is
undefined). Several files are scored together against one reference set, built once — each file
as one member of a batched model, which scores as it would alone: a table with a column per file,
or one JSON object keyed by each file as given.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import torch
from rich.console import Console
from rich.table import Table

from ganbench.contracts.dataset import Dataset
from ganbench.data.sample_file import read_samples
from ganbench.device import resolve_device
from ganbench.errors import GanbenchError
from ganbench.metrics.evaluator import Evaluator, build_evaluator, default_n_samples
from ganbench.registry import datasets, metrics
from ganbench.report.quality import label, shown_value
from ganbench.train.config import ComponentRef
from ganbench.validation import apply_overrides, resolve


def run_evaluate(
    console: Console,
    err_console: Console,
    dataset_name: str,
    samples: Path | list[Path],
    as_json: bool = False,
    n_samples: int | None = None,
    key: str | None = None,
    device: str = "auto",
    assignments: list[str] | None = None,
    inception: bool = False,
    inception_weights: Path | None = None,
) -> dict[str, float | None]:
    """Score ``samples`` (a file, or several) as generated samples of ``dataset_name``; print and
    return the metric values (for several files: keyed by each file as given)."""
    files = [samples] if isinstance(samples, Path) else list(samples)
    where = "command line"
    params = apply_overrides({}, assignments or [], where)
    cls, validated = resolve(datasets, ComponentRef(name=dataset_name, **params), "dataset", where)
    dev = resolve_device(device)
    dataset = cls(validated, dev)
    fakes = [read_samples(path, dataset, dataset_name, key) for path in files]
    protocol = default_n_samples(dataset)
    n = min(
        _sample_count(path, len(f), dataset_name, protocol, n_samples)
        for path, f in zip(files, fakes, strict=True)
    )
    names, metric_params = None, {}
    if inception:
        names = [*_default_metrics(dataset), "inception"]
        if inception_weights is not None:
            metric_params["inception"] = {"weights": str(inception_weights)}
    status = err_console if as_json else console
    what = f"'{files[0]}'" if len(files) == 1 else f"each of {len(files)} files"
    status.print(f"Scoring {n:,} samples of {what} as {dataset_name} on {dev} …", highlight=False)
    evaluator = build_evaluator(dataset, names, n_samples=n, params=metric_params, device=dev)
    if inception and "inception" in evaluator.skipped:
        raise GanbenchError(
            f"--inception: Inception FID/KID are for natural images (grey or RGB, without a digit "
            f"classifier of their own); dataset {dataset_name!r} is compared in "
            f"{', '.join(sorted(set(evaluator.feature_spaces().values()))) or 'its data space'} instead."
        )
    values = evaluator(torch.stack([f[:n].to(dev) for f in fakes]))  # one member a file
    scores = [{k: _number(v[i]) for k, v in values.items()} for i in range(len(files))]
    result = (
        scores[0] if len(files) == 1 else {str(path): one for path, one in zip(files, scores, strict=True)}
    )
    if as_json:
        print(json.dumps(result, allow_nan=False))  # plain stdout: no markup, no wrapping
    else:
        console.print(_table(evaluator, files, scores, dataset_name, n, [len(f) for f in fakes]))
    return result


def _default_metrics(dataset: Dataset) -> list[str]:
    """The metrics a run on ``dataset`` records when its spec names none."""
    return [n for n in metrics.names() if metrics.get(n).by_default and metrics.get(n).applies_to(dataset)]


def _sample_count(path: Path, available: int, name: str, protocol: int, asked: int | None) -> int:
    """How many of the file's samples are scored: the protocol's count, or ``--n-samples``."""
    wanted = asked if asked is not None else protocol
    if available < wanted:
        how = (
            f"--n-samples {asked} asks for {asked}"
            if asked is not None
            else f"the protocol for {name} scores {protocol:,} samples"
        )
        raise GanbenchError(
            f"samples file '{path}' holds {available:,} samples, but {how}. Generate more, or pass "
            f"--n-samples N (N ≤ {available:,}) to score fewer — mode counts and reverse KL then "
            "depend on N and are not comparable with published values."
        )
    return wanted


def _number(value: torch.Tensor) -> float | None:
    x = float(value)
    return None if math.isnan(x) or math.isinf(x) else x


def _table(
    ev: Evaluator, files: list[Path], scores: list[dict], name: str, n: int, available: list[int]
) -> Table:
    spaces = ev.feature_spaces()
    if len(files) == 1:
        extra = f" (the first {n:,} of {available[0]:,})" if available[0] > n else ""
        title = f"{n:,} samples{extra} scored as {name}, against {len(ev.real):,} real samples"
    else:
        extra = " (the first of each file's)" if max(available) > n else ""
        title = f"{n:,} samples{extra} of each file scored as {name}, against {len(ev.real):,} real samples"
    table = Table(
        title=title,
        title_justify="left",
        caption="Keys as MLflow runs carry them; `ganbench evaluate --json` prints them as one object.",
        caption_justify="left",
    )
    table.add_column("metric", style="bold cyan", no_wrap=True)
    for path in files:
        table.add_column("value" if len(files) == 1 else path.name, justify="right")
    table.add_column("what it is")
    table.add_column("feature space")
    for key in scores[0]:
        metric = key.split("/")[0]
        shown = ["undefined" if one[key] is None else shown_value(key, one[key]) for one in scores]
        output = key.partition("/")[2]
        what = label(key) if label(key) != key else f"{output} ({metric})"  # a metric's other outputs
        table.add_row(key, *shown, what, spaces.get(metric, ""))
    return table
