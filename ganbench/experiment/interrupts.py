"""Ctrl-C that waits for the end of a tracking-store write."""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold SIGINT until the block ends, then act on it as the previous handler would (normally:
    raise KeyboardInterrupt). An MLflow write is then never cut in half: a SQLite transaction
    interrupted mid-way keeps its write lock, and the next write fails with "database is locked".

    Only the main thread can install signal handlers; elsewhere the block runs undeferred.
    """
    previous = signal.getsignal(signal.SIGINT)
    if threading.current_thread() is not threading.main_thread() or previous is None:
        yield
        return
    received: list[int] = []
    signal.signal(signal.SIGINT, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if not received:
        return
    if callable(previous):
        previous(signal.SIGINT, None)
    elif previous == signal.SIG_DFL:
        signal.raise_signal(signal.SIGINT)
