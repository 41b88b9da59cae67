"""One study's unit of work for a queue worker: run one trial when the study has work left."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

from ganbench.tuning.studies import describe_trial, objective_keys


class StudyUnit:
    """Runs one trial of a study when it has work left; returns whether it ran one."""

    def __init__(
        self,
        study,
        objective,
        has_work: Callable[[], bool],
        console: Console,
        label: str,
        say: bool = True,
    ) -> None:
        self.study, self.objective, self.has_work = study, objective, has_work
        self.console, self.label = console, label
        self.callbacks = [self._say] if say else []

    def __call__(self) -> bool:
        if not self.has_work():
            return False
        self.study.optimize(
            self.objective, n_trials=1, catch=(Exception,), callbacks=self.callbacks, gc_after_trial=False
        )
        return True

    def _say(self, study, trial) -> None:
        self.console.print(describe_trial(self.label, trial, objective_keys(study)), highlight=False)
