"""The timing of claim-lease renewal: while a process trains, the lease of every run it holds (and of
its invocation run) must never come near expiry, or a second invocation on the same store takes the
runs for dead, deletes them and trains them again while the first still writes to them.

Driven by a simulated clock over three lease lengths, with the store replaced by a recorder of what
is written, so the test takes milliseconds and sees every write."""

from __future__ import annotations

import time

import numpy as np
import pytest

from ganbench.tracking import claims
from ganbench.tracking.claims import LEASE, LEASE_SECONDS, OWNER, is_alive, lease_tags
from ganbench.tracking.live import FLUSH_SECONDS, LiveRuns
from ganbench.train.records import LogRecord

#: The least lease a held run may have left at any moment: half a lease. Renewing every quarter of a
#: lease (at the next flush after it) keeps at least three quarters minus one flush interval.
MARGIN = LEASE_SECONDS / 2


class Clock:
    """Simulated wall clock and monotonic clock, advanced by the test."""

    def __init__(self) -> None:
        self.now = 1_800_000_000.0

    def time(self) -> float:
        return self.now

    def monotonic(self) -> float:
        return self.now - 1_700_000_000.0


class Recorder:
    """Stands in for ``MlflowClient``: keeps the last lease tags written to each run."""

    def __init__(self) -> None:
        self.tags: dict[str, dict[str, str]] = {}

    def log_batch(self, run_id, metrics=(), params=(), tags=()):
        self.tags.setdefault(run_id, {}).update({t.key: t.value for t in tags})


class Holder:
    client: Recorder


@pytest.mark.parametrize("records", [True, False], ids=["with-records", "only-ticks"])
def test_held_leases_never_come_near_expiry(monkeypatch, records):
    clock = Clock()
    monkeypatch.setattr(time, "time", clock.time)
    monkeypatch.setattr(time, "monotonic", clock.monotonic)
    store, holder = Recorder(), Holder()
    holder.client = store
    runs = {0: "run-a", 1: "run-b"}
    for run_id in ["parent", *runs.values()]:  # claimed: lease written at creation (tracker.claim)
        store.tags[run_id] = lease_tags()
    live = LiveRuns(holder, "parent")
    live.add("cell", runs)

    step = 0
    for second in range(1, int(3 * LEASE_SECONDS) + 1):
        clock.now += 1.0
        if second % 5 == 0:  # the local executor's loop ticks every second or so; records come often
            if records:
                step += 1
                values = {"d_loss": np.array([0.1, 0.2]), "g_loss": np.array([0.3, 0.4])}
                live.record(
                    "cell", [0, 1], LogRecord("train", np.array([step, step]), values, np.ones(2, bool))
                )
            else:
                live.tick()
        for run_id, tags in store.tags.items():
            left = float(tags[LEASE]) - clock.now
            assert left > MARGIN, (
                f"{run_id}: {left:.0f} s of lease left at {second} s (flush {FLUSH_SECONDS} s)"
            )
            assert tags[OWNER] == claims.owner_id()
            assert is_alive(tags, now=clock.now + MARGIN)  # what a second invocation would decide
