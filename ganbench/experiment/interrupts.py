"""Signals that stop a command: SIGINT (Ctrl-C) and SIGTERM (what SLURM at its time limit, systemd,
Docker and Kubernetes send) end a long command the same orderly way, and neither cuts a
tracking-store write in half.

:func:`stopping_on_signals` makes both raise :class:`Interrupted` (a ``KeyboardInterrupt``, so every
``except KeyboardInterrupt`` cleans up as for Ctrl-C) in the main thread — even where the shell
started the command with SIGINT ignored (a background job), since a signal sent on purpose must
still stop it. :func:`deferred_interrupt` holds both signals until a write has finished.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Iterator
from contextlib import contextmanager

#: The signals that stop a command cleanly.
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)


class Interrupted(KeyboardInterrupt):
    """A stop signal received by a command: ``signum`` says which."""

    def __init__(self, signum: int = signal.SIGINT) -> None:
        super().__init__(signal.Signals(signum).name)
        self.signum = signum

    @property
    def name(self) -> str:
        """``SIGINT`` or ``SIGTERM``."""
        return signal.Signals(self.signum).name

    @property
    def exit_code(self) -> int:
        """128 + the signal number, as a shell reports a command a signal ended (130, 143)."""
        return 128 + int(self.signum)


def signal_name(exc: BaseException) -> str:
    """The signal behind an interrupt (``SIGINT`` for a plain KeyboardInterrupt)."""
    return exc.name if isinstance(exc, Interrupted) else "SIGINT"


def exit_code(exc: BaseException) -> int:
    """The exit code for an interrupt: 130 for SIGINT, 143 for SIGTERM."""
    return exc.exit_code if isinstance(exc, Interrupted) else 130


def _raise(signum, frame) -> None:
    # The first stop signal raises; later ones (a group signal, then the parent's own SIGTERM) would
    # only cut the orderly stop it started short, so they are ignored from here on — by a handler
    # that does nothing rather than SIG_IGN, which a signal already pending would report as a race.
    for s in STOP_SIGNALS:
        signal.signal(s, _ignore)
    raise Interrupted(signum)


def _ignore(signum, frame) -> None:
    return None


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` while the block runs — the first of them; the
    stop it starts then runs to its end, ignoring further stop signals (SIGKILL still ends it).
    Main thread only; the previous handlers come back afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in STOP_SIGNALS}
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


@contextmanager
def deferred_interrupt() -> Iterator[None]:
    """Hold SIGINT and SIGTERM until the block ends, then act on the first as its previous handler
    would (normally: raise KeyboardInterrupt or :class:`Interrupted`). An MLflow write is then never
    cut in half: a SQLite transaction interrupted mid-way keeps its write lock, and the next write
    fails with "database is locked".

    Only the main thread can install signal handlers; elsewhere the block runs undeferred.
    """
    previous = {s: signal.getsignal(s) for s in STOP_SIGNALS}
    if threading.current_thread() is not threading.main_thread() or None in previous.values():
        yield
        return
    received: list[int] = []
    for s in STOP_SIGNALS:
        signal.signal(s, lambda signum, frame: received.append(signum))
    try:
        yield
    finally:
        for s, handler in previous.items():
            signal.signal(s, handler)
    if not received:
        return
    signum = received[0]
    handler = previous[signum]
    if callable(handler):
        handler(signum, None)
    elif handler == signal.SIG_DFL:
        signal.raise_signal(signum)
