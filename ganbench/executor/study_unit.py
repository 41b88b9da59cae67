"""One study's unit of work for a queue worker: run one trial when the study has work left."""

from __future__ import annotations

from collections.abc import Callable

from rich.console import Console

from ganbench.experiment.interrupts import interrupt_behind, shielded, signal_name
from ganbench.tuning.hand_back import hand_back
from ganbench.tuning.studies import describe_trial, objective_keys


class StudyUnit:
    """Runs one trial of a study when it has work left; returns whether it ran one. Stopped by a
    signal mid-trial, it hands the trial back to the queue (:func:`hand_back`) and re-raises."""

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
        self.running: int | None = None  # the trial in training here (Optuna's trial id)

    def __call__(self) -> bool:
        if not self.has_work():
            return False
        try:
            self.study.optimize(
                self._objective,
                n_trials=1,
                catch=(Exception,),
                callbacks=self.callbacks,
                gc_after_trial=False,
            )
        except KeyboardInterrupt as exc:  # SIGINT or SIGTERM: Optuna marked the trial FAIL
            self._hand_back(exc)
            raise
        except Exception as exc:
            stop = interrupt_behind(exc)  # Optuna's own clean-up failed on the stop
            if stop is None:
                raise
            self._hand_back(stop)
            raise stop from None
        finally:
            self.running = None
        return True

    def _hand_back(self, stop: KeyboardInterrupt) -> None:
        if self.running is not None:
            with shielded():
                hand_back(self.study, self.running, signal_name(stop), self.label)

    def _objective(self, trial):
        self.running = trial._trial_id  # (Optuna keeps trial ids private)
        return self.objective(trial)

    def _say(self, study, trial) -> None:
        self.console.print(describe_trial(self.label, trial, objective_keys(study)), highlight=False)
