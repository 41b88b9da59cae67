"""Processes that open one fresh SQLite study storage at once all get it (a parent and the workers it
starts, or several ``ganbench worker`` commands started together). Optuna creates the file's tables
and version row on first contact; two creators at once failed with "UNIQUE constraint failed:
alembic_version.version_num", which ended a ``tune`` with exit code 2 before any trial (seen in CI)."""

from __future__ import annotations

import multiprocessing

import optuna

from ganbench.tuning.optuna_parts import open_storage

OPENERS = 4
ROUNDS = 4


def _open(url: str, answers) -> None:
    try:
        open_storage(url)
        answers.put("ok")
    except BaseException as exc:  # noqa: BLE001 - the answer is what the test reads
        answers.put(repr(exc)[:300])


def _open_as_optuna_does(url: str, answers) -> None:
    """An opener that is not ganbench (takes no lock): its race is its own, ganbench's is retried."""
    try:
        optuna.storages.RDBStorage(url)
        answers.put("ok")
    except BaseException as exc:  # noqa: BLE001
        answers.put(f"optuna: {exc!r}"[:300])


def test_processes_opening_one_fresh_storage_at_once_all_get_it(tmp_path):
    context = multiprocessing.get_context("fork")
    ganbench_failures = []
    for round_ in range(ROUNDS):
        url = f"sqlite:///{tmp_path / f'optuna{round_}.db'}"
        answers = context.Queue()
        targets = [_open] * OPENERS + [_open_as_optuna_does]
        processes = [context.Process(target=t, args=(url, answers)) for t in targets]
        for p in processes:
            p.start()
        for p in processes:
            p.join(timeout=120)
        got = [answers.get(timeout=10) for _ in processes]
        ganbench_failures += [a for a in got if a != "ok" and not a.startswith("optuna: ")]
        assert len(optuna.get_all_study_summaries(url)) == 0  # one intact, empty storage
    assert not ganbench_failures
