"""The tidy tables a report is made from, as read from MLflow (see ``ganbench.tracking.load``): the data
every report section is given (:class:`~ganbench.contracts.report.ReportSection`).

``runs`` has one row per (configuration, seed) run of the experiment, finished or not — at most one
complete run per run key, the newest (older duplicates are in ``superseded``) — with columns

- ``run_id``, ``status`` (MLflow's: FINISHED, FAILED for a diverged seed, RUNNING, KILLED),
  ``complete`` (the run carries ``ganbench.complete = true``: every metric and artifact is logged),
  ``diverged`` (a complete run whose training produced a non-finite loss; ``failure_reason`` says where);
- ``dataset``, ``loss``, ``schedule``, ``configuration`` (the cell label, e.g.
  ``wasserstein + alternating(d_steps=5)``), ``loss_label`` and ``schedule_label`` (the label split at
  its first ``" + "``: the loss part and the rest), ``cell`` (the cell key), ``seed``;
- ``primary_metric``, ``device``, ``git_commit``, ``spec_hash``, ``parent_run_id``, ``start_time``,
  ``end_time``;
- ``feature_space.<metric>``: the feature space a distance metric compared samples in, in words
  (``data``, ``28×28 MNIST classifier features``, ``Inception-v3 pool3 features``; empty for runs
  recorded before runs carried it);
- every MLflow metric under its own name (``final/modes/covered``, ``stability/oscillation``,
  ``g_grad_evals``, ``train_seconds``, …) and every parameter as ``param.<name>``.

``invocations`` has one row per ``ganbench benchmark`` invocation (the parent runs): ``run_id``,
``status``, ``start_time``, ``end_time``, ``spec_hash``, ``git_commit``, ``command``, ``profile``
(the spec profile applied, if any), ``planned_runs``, ``planned_cells``, ``closed`` (why a later
invocation closed it as KILLED: its process was gone; empty otherwise).

``references`` has one row per draw of each dataset's reference rows — what the data itself and
uniform noise over its range score with the same metrics (``ganbench.metrics.reference``) — laid out
like ``runs`` (``configuration`` is ``reference: real data`` or ``reference: uniform noise``, ``seed``
the draw, final values under ``final/…``; where the learning curves score fewer samples than the
final evaluation, the values on the curves' count under ``curve/…``, that count in
``param.reference.curve_samples``) plus ``reference`` (``real``, ``noise``) and ``reference_key``;
each output's range on the dataset is the parameter ``param.range.<key>`` (``"0 8"``). Empty for runs
recorded before ganbench scored references.

``trials`` has one row per trial run of a tuning study (``ganbench tune``), see
:func:`ganbench.tracking.load.tidy_trials`; it is empty for a benchmark experiment.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

CurveFetcher = Callable[[pd.DataFrame, Sequence[str]], pd.DataFrame]
"""(runs, metric names) → long table of histories: run_id, metric, step, value."""
ArtifactFetcher = Callable[[str, str], Path | None]
"""(run id, artifact path) → a local copy of the file, or None when the run has no such artifact."""

CURVE_COLUMNS = ["run_id", "metric", "step", "value"]
RUN_KEYS = ["dataset", "loss_label", "schedule_label", "configuration", "seed"]


@dataclass
class ReportData:
    """One experiment's runs read from MLflow, plus on-demand metric histories and artifacts."""

    experiment: str
    experiment_id: str
    tracking_uri: str
    runs: pd.DataFrame
    invocations: pd.DataFrame
    fetch_curves: CurveFetcher
    fetch_artifact: ArtifactFetcher
    #: run id → its page in the MLflow UI; set for a tracking server (an embedded store has no UI).
    run_links: Callable[[str], str] | None = None
    trials: pd.DataFrame = field(
        default_factory=pd.DataFrame
    )  # `ganbench tune` trial runs (load.tidy_trials)
    #: Older complete runs of keys with several (only the newest is in ``runs``), same columns.
    superseded: pd.DataFrame = field(default_factory=pd.DataFrame)
    #: Reference rows: what real data and uniform noise score (see the module docstring).
    references: pd.DataFrame = field(default_factory=pd.DataFrame)
    _curve_cache: dict[str, pd.DataFrame] = field(default_factory=dict, repr=False)

    @property
    def complete(self) -> pd.DataFrame:
        """The finished (configuration, seed) runs — diverged ones included — in report order."""
        done = self.runs[self.runs["complete"]]
        return done.sort_values(["dataset", "configuration", "seed"], kind="stable").reset_index(drop=True)

    @property
    def incomplete(self) -> pd.DataFrame:
        """Runs without the complete tag: still running, interrupted or crashed."""
        return self.runs[~self.runs["complete"]].reset_index(drop=True)

    def datasets(self) -> list[str]:
        """Datasets with at least one complete run, in the order they first appear in the spec."""
        return list(dict.fromkeys(self.complete.sort_values("start_time", kind="stable")["dataset"]))

    def for_dataset(self, dataset: str) -> pd.DataFrame:
        """Complete runs on ``dataset``."""
        done = self.complete
        return done[done["dataset"] == dataset].reset_index(drop=True)

    def references_for(self, dataset: str, kind: str | None = None) -> pd.DataFrame:
        """The reference draws of ``dataset`` (of one ``kind``, ``real`` or ``noise``, if given)."""
        refs = self.references
        if refs.empty or "dataset" not in refs:
            return pd.DataFrame()
        mine = refs[(refs["dataset"] == dataset) & ((refs["reference"] == kind) if kind else True)]
        return mine.reset_index(drop=True)

    def configurations(self, dataset: str | None = None) -> list[str]:
        """Configuration labels (sorted by loss, then schedule), of one dataset or of all."""
        done = self.complete if dataset is None else self.for_dataset(dataset)
        ordered = done.sort_values(["loss_label", "schedule_label", "configuration"], kind="stable")
        return list(dict.fromkeys(ordered["configuration"]))

    def runs_by_configuration(self) -> list[tuple[str, str, list[str]]]:
        """(dataset, configuration, run ids of its complete runs), in report order, each dataset's
        reference rows after its configurations; for a tuning experiment, (dataset, study
        configuration, its trial runs)."""
        if self.complete.empty and not self.trials.empty:
            return [
                (str(dataset), str(label).removeprefix(f"{dataset} | "), list(group["run_id"]))
                for (dataset, label), group in self.trials.groupby(["dataset", "label"], sort=True)
            ]
        out = []
        for dataset in self.datasets():
            done = self.for_dataset(dataset)
            for config in self.configurations(dataset):
                out.append((dataset, config, list(done.loc[done["configuration"] == config, "run_id"])))
            refs = self.references_for(dataset)
            for label in dict.fromkeys(refs.get("configuration", [])):
                out.append((dataset, label, list(refs.loc[refs["configuration"] == label, "run_id"])))
        return out

    def primary_metric(self, dataset: str) -> str | None:
        """The main quality metric recorded for the dataset's runs (e.g. ``modes/covered``)."""
        values = [v for v in self.for_dataset(dataset).get("primary_metric", pd.Series()) if v]
        return values[0] if values else None

    def feature_space(self, dataset: str, metric: str) -> str | None:
        """The feature space the runs on ``dataset`` compared samples in for ``metric`` (e.g.
        ``frechet``), in words, or None when they recorded none."""
        column = f"feature_space.{metric}"
        runs = self.for_dataset(dataset)
        values = [v for v in runs.get(column, pd.Series(dtype=object)) if v]
        return values[0] if values else None

    def final_metrics(self, dataset: str) -> list[str]:
        """Metric keys with a final value on ``dataset`` (``modes/covered`` for ``final/modes/covered``)."""
        done = self.for_dataset(dataset)
        return [c[len("final/") :] for c in done.columns if c.startswith("final/") and done[c].notna().any()]

    def has_metric(self, name: str, dataset: str | None = None) -> bool:
        """Whether some complete run (on ``dataset``) logged metric ``name``."""
        done = self.complete if dataset is None else self.for_dataset(dataset)
        return name in done.columns and bool(done[name].notna().any())

    def curves(self, names: Sequence[str]) -> pd.DataFrame:
        """Histories of metrics ``names`` for every complete run, joined with the run's keys:
        dataset, loss_label, schedule_label, configuration, seed, run_id, metric, step, value."""
        missing = [n for n in names if n not in self._curve_cache]
        if missing:
            fetched = self.fetch_curves(self.complete, missing)
            for name in missing:
                self._curve_cache[name] = fetched[fetched["metric"] == name]
        frames = [self._curve_cache[n] for n in names]
        long = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CURVE_COLUMNS)
        keys = self.complete[["run_id", *RUN_KEYS]]
        return long.merge(keys, on="run_id", how="inner")

    def artifact(self, run_id: str, path: str) -> Path | None:
        """A local copy of a run's artifact, or None when it has none."""
        return self.fetch_artifact(run_id, path)

    def run_url(self, run_id: str) -> str | None:
        """The run's page in the MLflow UI when the store is a tracking server, else None."""
        return self.run_links(run_id) if self.run_links else None
