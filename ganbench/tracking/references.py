"""Reference rows in MLflow: one run per (dataset, reference, draw), scored once per experiment.

A reference run carries the tags ``ganbench.role = reference``, ``ganbench.reference`` (``real`` or
``noise``), ``ganbench.reference_key`` (:func:`ganbench.experiment.references.reference_key`),
``dataset``, ``cell`` (``reference: real data`` / ``reference: uniform noise``, where a
configuration's label goes), ``configuration`` (``<dataset> | <that label>``, so the MLflow UI groups
its draws like a configuration's seeds) and ``seed`` (the draw); as metrics, every evaluator output
under ``final/<metric>/<output>`` like a seed run's final values, and where the learning curves score
fewer samples than the final evaluation (``curve_samples``), every output at that count under
``curve/<metric>/<output>`` (what the curves are drawn against); as parameters, how it was drawn
(``reference.description``, ``reference.samples``, and ``reference.curve_samples`` with the curve
values), the evaluation settings, and each output's range on the dataset
(``range.<metric>/<output>`` = ``low high``). It has no ``ganbench.cell`` or
``ganbench.key`` tag, so nothing that plans, claims or resumes training ever sees it. The complete
tag is set last, as for seed runs; a key with complete reference runs is never scored again.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable

from mlflow.entities import Metric, Param

from ganbench.experiment.interrupts import deferred_interrupt
from ganbench.experiment.references import ReferenceSet, needed, score
from ganbench.experiment.spec import Experiment
from ganbench.tracking.tracker import COMPLETE, ROLE, Tracker, git_commit

REFERENCE = "reference"
KIND, REF_KEY = "ganbench.reference", "ganbench.reference_key"


def recorded_keys(tracker: Tracker, experiment_id: str) -> set[str]:
    """Reference keys that already have complete reference runs in the experiment."""
    found = tracker.runs(experiment_id, f"tags.`{ROLE}` = '{REFERENCE}' and tags.`{COMPLETE}` = 'true'")
    return {r.data.tags.get(REF_KEY, "") for r in found}


def ensure_references(
    tracker: Tracker,
    experiment_id: str,
    parent_id: str,
    exp: Experiment,
    on_scoring: Callable[[str], None] | None = None,
) -> int:
    """Score and record the references ``exp``'s cells need that the experiment lacks; returns how
    many reference sets were scored (0 when all were recorded before). ``on_scoring`` hears each
    dataset's name before it is scored."""
    have = recorded_keys(tracker, experiment_id)
    scored = 0
    for key, config in needed(exp).items():
        if key in have:
            continue
        if on_scoring is not None:
            on_scoring(config.dataset.name)
        log_reference_set(tracker, experiment_id, parent_id, score(config, f"{exp.path} (reference rows)"))
        scored += 1
    return scored


@deferred_interrupt()
def log_reference_set(tracker: Tracker, experiment_id: str, parent_id: str, refs: ReferenceSet) -> list[str]:
    """One complete run per reference and draw; returns their ids."""
    client, ids = tracker.client, []
    settings = {f"evaluation.{k}": json.dumps(v, sort_keys=True)[:6000] for k, v in refs.settings.items()}
    ranges = {f"range.{k}": f"{low:g} {high:g}" for k, (low, high) in refs.ranges.items()}
    commit = git_commit()
    curves = {c.kind: c for c in refs.curve_scores}
    for ref in refs.scores:
        curve = curves.get(ref.kind)
        draws = len(next(iter(ref.values.values()))) if ref.values else 0
        for draw in range(draws):
            tags = {
                ROLE: REFERENCE,
                KIND: ref.kind,
                REF_KEY: refs.key,
                "dataset": refs.dataset,
                "cell": ref.label,
                "configuration": f"{refs.dataset} | {ref.label}",
                "seed": str(draw),
                "mlflow.parentRunId": parent_id,
                "git_commit": commit,
            }
            run = client.create_run(
                experiment_id, run_name=f"{ref.label} | {refs.dataset} | draw {draw}", tags=tags
            )
            run_id = run.info.run_id
            params = {
                "reference.description": ref.description,
                "reference.samples": str(ref.n_samples),
                **({"reference.curve_samples": str(curve.n_samples)} if curve else {}),
                **settings,
                **ranges,
            }
            now = int(time.time() * 1000)
            metrics = [Metric(f"final/{k}", float(v[draw]), now, 0) for k, v in ref.values.items()]
            if curve:
                metrics += [Metric(f"curve/{k}", float(v[draw]), now, 0) for k, v in curve.values.items()]
            client.log_batch(run_id, metrics=metrics, params=[Param(k, v) for k, v in params.items()])
            client.set_terminated(run_id, "FINISHED")
            client.set_tag(run_id, COMPLETE, "true")
            ids.append(run_id)
    return ids
