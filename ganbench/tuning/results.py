"""What a tuning invocation ends with: the best trial (or the Pareto front) of each study, tagged on
its MLflow parent run, and the budget curves as CSV and a figure (also logged to the parent runs)."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pandas as pd
from rich.console import Console

from ganbench.report.quality import shown_value
from ganbench.tracking import trials as tune_tracking
from ganbench.tracking.tracker import Tracker
from ganbench.tuning.budget import budget_figure, expected_best, trial_scores
from ganbench.tuning.spec import Tuning
from ganbench.tuning.studies import N_TRIALS, PARENT_RUN, StudyInfo, counted_trials

CURVES_CSV, CURVES_PNG = "budget_curves.csv", "budget_curves.png"


def summarise(
    console: Console, storage, tracker: Tracker, tuning: Tuning, infos: list[StudyInfo], out: Path
) -> dict[str, int]:
    """Print the best trials and where each budget curve ends; write and log the curves. Returns the
    number of trials in each state (``complete``, ``pruned``, ``fail``) over every study."""
    import optuna

    objectives = tuning.objectives
    first = objectives[0]
    console.print(
        f"[bold]{tuning.spec.name}[/]: best trial per study ({first.direction} {first.metric}, "
        f"{first.aggregate} over seeds)"
    )
    frames, totals = [], dict.fromkeys(("complete", "pruned", "fail"), 0)
    for info in infos:
        study = optuna.load_study(study_name=info.name, storage=storage)
        trials = counted_trials(study)
        states = {s: sum(t.state.name.lower() == s for t in trials) for s in ("complete", "pruned", "fail")}
        totals = {s: totals[s] + n for s, n in states.items()}
        curve = expected_best(trial_scores(study), maximize=first.direction == "maximize")
        curve.insert(0, "study", info.name)
        curve.insert(1, "dataset", info.label.split(" | ")[0])
        curve.insert(2, "configuration", info.label)
        curve["objective"], curve["direction"] = first.metric, first.direction
        frames.append(curve)
        best_tags, best_text, best_params = _best(study, [o.metric for o in objectives])
        console.print(f"[bold]{info.label}[/]", highlight=False)
        console.print(
            f"  trials: {len(trials)} ({states['complete']} complete, {states['pruned']} pruned, "
            f"{states['fail']} failed)",
            highlight=False,
        )
        with_params = f" with {best_params}" if best_params else ""
        console.print(f"  best: {best_text}{with_params}", highlight=False)
        if len(curve):
            value = {
                c: shown_value(first.metric, curve[c].iloc[-1]) for c in ("expected_best", "low", "high")
            }
            console.print(
                f"  budget curve: expected best {shown_value(first.metric, curve['expected_best'].iloc[0])} "
                f"after 1 trial → {value['expected_best']} after {len(curve)} "
                f"(95 % band {value['low']} – {value['high']})",
                highlight=False,
            )
        finished = sum(t.state.is_finished() for t in trials) >= int(info.attrs.get(N_TRIALS, 0))
        _log_to_parent(tracker, str(info.attrs[PARENT_RUN]), curve, best_tags, finished)
    curves = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    out.mkdir(parents=True, exist_ok=True)
    curves.to_csv(out / CURVES_CSV, index=False)
    if len(curves):
        budget_figure(curves, first.metric, out / CURVES_PNG)
    console.print(f"Budget curves: {out / CURVES_CSV}, {out / CURVES_PNG} (also on each study's MLflow run).")
    return totals


def _best(study, metrics: list[str]) -> tuple[dict[str, str], str, str]:
    """Tags for the parent run (raw values), and the best value(s) and settings as text (a share in
    percent, as the report shows it)."""
    from optuna.trial import TrialState

    if not study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)):
        return {"best_trial": "none"}, "no complete trial", ""
    if len(metrics) == 1:
        best = study.best_trial
        params = json.dumps(best.params)
        tags = {"best_trial": str(best.number), "best_value": f"{best.value:.6g}", "best_params": params}
        return tags, f"{shown_value(metrics[0], best.value)} at trial {best.number}", _short(best.params)
    front = sorted(study.best_trials, key=lambda t: t.number)
    tags = {
        "pareto_front": ", ".join(str(t.number) for t in front),
        "pareto_values": json.dumps({t.number: t.values for t in front}),
    }
    text = "; ".join(
        f"#{t.number}: " + ", ".join(shown_value(m, v, 3) for m, v in zip(metrics, t.values, strict=True))
        for t in front
    )
    return tags, f"Pareto front: {text}", "; ".join(f"#{t.number}: {_short(t.params)}" for t in front)


def _short(params: dict) -> str:
    return ", ".join(f"{k}={v:.3g}" if isinstance(v, float) else f"{k}={v}" for k, v in params.items())


def _log_to_parent(tracker: Tracker, run_id: str, curve: pd.DataFrame, tags: dict, finished: bool) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / CURVES_CSV
        curve.to_csv(path, index=False)
        tune_tracking.log_study_file(tracker, run_id, path)
        if len(curve):
            figure = budget_figure(curve, str(curve["objective"].iloc[0]), Path(tmp) / CURVES_PNG)
            tune_tracking.log_study_file(tracker, run_id, figure)
    tune_tracking.finish_study_run(tracker, run_id, "FINISHED" if finished else "KILLED", tags)
