"""Optuna's replaceable parts by name: samplers, pruners and the study storage.

Samplers and pruners are looked up in ``optuna.samplers`` / ``optuna.pruners`` by class name (or a
short alias) and built with the keyword arguments the spec gives, so every Optuna sampler is
usable without code here. The storage is an RDB URL (SQLite, PostgreSQL, MySQL) with Optuna's
heartbeat — a worker that dies mid-trial stops beating, its trial is failed after the grace period
and :class:`~optuna.storages.RetryHeartbeatStaleTrialCallback` puts a copy back in the queue — or a
journal file (``journal:PATH`` or a path ending in ``.log``), which has no heartbeat. A trial whose
worker died before its first heartbeat counts as stale too
(:class:`ganbench.tuning.heartbeat_storage.HeartbeatStorage`).
"""

from __future__ import annotations

import inspect
import warnings
from typing import Any

from ganbench.errors import GanbenchError
from ganbench.experiment.masking import mask_text, mask_url
from ganbench.experiment.store_check import creating_lock, retry_creation_race

DEFAULT_STORAGE = "sqlite:///optuna.db"
SAMPLER_ALIASES = {
    "tpe": "TPESampler",
    "random": "RandomSampler",
    "cmaes": "CmaEsSampler",
    "nsgaii": "NSGAIISampler",
    "nsgaiii": "NSGAIIISampler",
    "qmc": "QMCSampler",
    "gp": "GPSampler",
    "bruteforce": "BruteForceSampler",
}
PRUNER_ALIASES = {
    "median": "MedianPruner",
    "hyperband": "HyperbandPruner",
    "none": "NopPruner",
    "nop": "NopPruner",
    "percentile": "PercentilePruner",
    "successive_halving": "SuccessiveHalvingPruner",
    "threshold": "ThresholdPruner",
    "wilcoxon": "WilcoxonPruner",
}
#: Heartbeat every ``interval`` seconds; a RUNNING trial silent for ``grace`` seconds is stale.
HEARTBEAT_INTERVAL, GRACE_PERIOD = 10, 60


def _build(module, aliases: dict[str, str], item: str | dict[str, Any], what: str, where: str):
    ref = {"name": item} if isinstance(item, str) else dict(item)
    name = str(ref.pop("name", ""))
    cls_name = aliases.get(name.lower(), name)
    names = [n for n in module.__all__ if n.endswith(what.capitalize()) and not n.startswith("Base")]
    if cls_name not in names:
        raise GanbenchError(
            f"{where}: {what}: unknown {what} {name!r}; allowed: {', '.join(sorted(aliases))}, or an "
            f"Optuna class name: {', '.join(sorted(names))}."
        )
    cls = getattr(module, cls_name)
    try:
        inspect.signature(cls).bind(**ref)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # experimental-feature warnings
            return cls(**ref)
    except (TypeError, ValueError) as exc:
        params = ", ".join(inspect.signature(cls).parameters)
        raise GanbenchError(f"{where}: {what} {cls_name}: {exc}; its parameters: {params}.") from None


def make_sampler(item: str | dict[str, Any], where: str):
    """An Optuna sampler from ``tpe`` / ``{name: RandomSampler, seed: 1}``."""
    import optuna

    return _build(optuna.samplers, SAMPLER_ALIASES, item, "sampler", where)


def make_pruner(item: str | dict[str, Any], where: str):
    """An Optuna pruner from ``median`` / ``{name: hyperband, min_resource: 100}`` / ``none``."""
    import optuna

    return _build(optuna.pruners, PRUNER_ALIASES, item, "pruner", where)


def open_storage(url: str | None, heartbeat: int = HEARTBEAT_INTERVAL, grace: int = GRACE_PERIOD):
    """Connect to the study storage and prove it answers, before any training."""
    import optuna
    from optuna.storages import RetryHeartbeatStaleTrialCallback
    from optuna.storages.journal import JournalFileBackend, JournalStorage

    from ganbench.tuning.heartbeat_storage import HeartbeatStorage

    url = url or DEFAULT_STORAGE
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # heartbeat and journal storages are marked experimental
            if url.startswith("journal:") or url.endswith(".log"):
                return JournalStorage(JournalFileBackend(url.removeprefix("journal:")))

            def connect() -> HeartbeatStorage:
                storage = HeartbeatStorage(
                    url,
                    engine_kwargs=_engine_kwargs(url),
                    heartbeat_interval=heartbeat,
                    grace_period=grace,
                    heartbeat_stale_trial_callback=RetryHeartbeatStaleTrialCallback(max_retry=3),
                )
                storage.get_all_studies()
                return storage

            # Optuna creates a fresh file's tables and version row on first contact: two processes
            # doing so at once (a parent and its workers, two workers started together) fail with
            # "UNIQUE constraint failed: alembic_version". ganbench processes take turns on the
            # folder's lock; any other opener's race is retried.
            with creating_lock(url):
                return retry_creation_race(connect)
    except Exception as exc:  # SQLAlchemy and Optuna raise many types for a bad URL
        detail = mask_text((str(exc).strip().splitlines() or [type(exc).__name__])[0], [url])
        raise GanbenchError(
            f"study storage {mask_url(url)!r} is unreachable or unusable ({detail[:300]}). Use an "
            f"RDB URL ({DEFAULT_STORAGE}, postgresql://user:password@host/db) or journal:PATH; "
            "nothing was trained."
        ) from None
    finally:
        optuna.logging.set_verbosity(optuna.logging.WARNING)


def _engine_kwargs(url: str) -> dict[str, Any]:
    if url.startswith("sqlite"):
        # Several worker processes share one file: wait for the write lock instead of failing.
        return {"connect_args": {"timeout": 60}}
    return {"pool_pre_ping": True, "connect_args": {"connect_timeout": 10}}
