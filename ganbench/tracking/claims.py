"""Who trains a (cell, seed) key: the run itself is the claim.

Before training a key, an invocation creates its MLflow run at once, tagged with the key, its owner
(``host:pid``) and a lease (``ganbench.lease_until``, a Unix time renewed while it trains, see
:mod:`ganbench.tracking.live`). It waits :data:`SETTLE_SECONDS` and then lists the key's runs.
It keeps its run — and trains — only when no other run of the key is complete, no other *live*
claim is already confirmed (``ganbench.claim = won``), and among the live unconfirmed claims its
own is the first by (start time, run id); otherwise it deletes its run and leaves the key to the
other. Both racers see the same runs once both are created, so they agree on one winner, on a
SQLite file as on a tracking server. A claim is *live* while its lease has not expired and, when
its owner ran on this host, that process still exists; a dead claim (a killed invocation) is
deleted by whoever claims the key next, and its invocation run is closed as KILLED
(:func:`dead_invocations`); so is a tuning study's run (:mod:`ganbench.tracking.study_leases`).
"""

from __future__ import annotations

import os
import socket
import time
from dataclasses import dataclass

OWNER, LEASE, CLAIM = "ganbench.owner", "ganbench.lease_until", "ganbench.claim"
PENDING, WON, LOST = "pending", "won", "lost"
CLOSED = "ganbench.closed"
#: How long a claim lives without renewal. Live runs renew it at least every quarter of this
#: (``GANBENCH_LEASE_SECONDS`` changes it, e.g. for a store shared by machines with long evaluations).
LEASE_SECONDS = float(os.environ.get("GANBENCH_LEASE_SECONDS", "300"))
#: Pause between creating the claim runs and reading the key's runs back: longer than one store
#: round trip, so a racer that created its run first is seen by the other (see the module doc).
SETTLE_SECONDS = 1.0


def owner_id() -> str:
    """This process as a claim owner: ``host:pid``."""
    return f"{socket.gethostname()}:{os.getpid()}"


def lease_tags(now: float | None = None) -> dict[str, str]:
    """The owner and lease tags of a run this process holds, valid for :data:`LEASE_SECONDS`."""
    until = (time.time() if now is None else now) + LEASE_SECONDS
    return {OWNER: owner_id(), LEASE: f"{until:.3f}"}


def is_alive(tags: dict[str, str], now: float | None = None) -> bool:
    """Whether the process holding a run (its owner and lease tags) may still be working on it."""
    owner, until = tags.get(OWNER), tags.get(LEASE, "")
    if owner is None or not until:
        return False  # written before leases existed, or released
    # An empty owner is a lease alone: a study run whose holder left it to others still working.
    host, _, pid = owner.rpartition(":")
    if host == socket.gethostname() and pid.isdigit() and not _process_exists(int(pid)):
        return False
    try:
        return float(until) > (time.time() if now is None else now)
    except ValueError:
        return False


def _process_exists(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it exists
        return True
    return True


@dataclass(frozen=True)
class RunView:
    """What a claim decision needs to know of one run."""

    run_id: str
    start_time: int
    tags: dict[str, str]

    @classmethod
    def of(cls, run) -> RunView:
        """From an MLflow ``Run``."""
        return cls(run.info.run_id, int(run.info.start_time or 0), dict(run.data.tags))


@dataclass
class Decision:
    """The outcome of a claim: run keys won (train them) and lost (another holds them), and runs
    of dead claimants to delete."""

    won: list[str]
    lost: list[str]
    stale: list[str]


def decide(mine: dict[str, RunView], found: list[RunView], key_tag: str, complete_tag: str) -> Decision:
    """Apply the claim rule (module doc) to every key of ``mine`` (run key → this process's claim
    run), given every run ``found`` of those keys in the store."""
    now = time.time()
    won, lost, stale = [], [], []
    for key, own in mine.items():
        others = [r for r in found if r.tags.get(key_tag) == key and r.run_id != own.run_id]
        done = [r for r in others if r.tags.get(complete_tag) == "true"]
        alive = [r for r in others if r not in done and is_alive(r.tags, now)]
        stale += [r.run_id for r in others if r not in done and r not in alive]
        confirmed = [r for r in alive if r.tags.get(CLAIM) == WON]
        first = min([own, *(r for r in alive if r.tags.get(CLAIM) == PENDING)], key=_order)
        (lost if done or confirmed or first is not own else won).append(key)
    return Decision(won, lost, sorted(set(stale)))


def _order(run: RunView) -> tuple[int, str]:
    return run.start_time, run.run_id


def dead_invocations(runs: list, current: str) -> list[str]:
    """Ids of invocation runs still marked RUNNING whose owner is gone (killed: its lease expired or
    its process no longer exists), other than ``current``."""
    return [
        r.info.run_id
        for r in runs
        if r.info.run_id != current and r.info.status == "RUNNING" and not is_alive(dict(r.data.tags))
    ]
