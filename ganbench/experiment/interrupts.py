"""Signals that stop a command: SIGINT (Ctrl-C) and SIGTERM (what SLURM at its time limit, systemd,
Docker and Kubernetes send) end a long command the same orderly way, and neither cuts a
tracking-store write in half.

:func:`stopping_on_signals` makes both raise :class:`Interrupted` (a ``KeyboardInterrupt``, so every
``except KeyboardInterrupt`` cleans up as for Ctrl-C) in the main thread — even where the shell
started the command with SIGINT ignored (a background job), since a signal sent on purpose must
still stop it. :func:`deferred_interrupt` holds both signals until a write has finished;
:func:`shielded` drops them while a stop cleans up.
"""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import sys
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
    """The signal behind an interrupt (``SIGINT`` for a plain KeyboardInterrupt); the stop counts as
    seen (:func:`acknowledge`)."""
    acknowledge()
    return exc.name if isinstance(exc, Interrupted) else "SIGINT"


def interrupt_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The stop signal an exception was raised while handling, if any: a library's clean-up code can
    fail on the state a signal left (Optuna's trial loop, stopped inside its ``tell``, raises
    ``UnboundLocalError`` from its ``finally``), and the stop must not read as a crash."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, KeyboardInterrupt):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


def exit_code(exc: BaseException) -> int:
    """The exit code for an interrupt: 130 for SIGINT, 143 for SIGTERM; the stop counts as seen."""
    acknowledge()
    return exc.exit_code if isinstance(exc, Interrupted) else 130


#: The exit codes of a command that a stop signal ended (:func:`exit_code`).
STOP_EXIT_CODES = (128 + signal.SIGINT, 128 + signal.SIGTERM)

#: Seconds a stopped process has to end once its clean-up is done (:func:`end_within_grace`).
EXIT_GRACE_SECONDS = 20.0


def end_within_grace(code: int) -> None:
    """Make this process end with ``code`` within :data:`EXIT_GRACE_SECONDS` from now, even where the
    interpreter's own exit would wait for ever: an exit handler or finaliser of a library waiting on
    a lock that the stop signal left taken (raised between its acquire and its release). Output is
    flushed first. Only for the top level of a process that is ending after a stop — a console
    script's ``main``, a worker process's — never inside a call that others make in-process (a test,
    a notebook), which would end with it.

    The exit handlers (``atexit``) still run; then the process ends without the interpreter's
    teardown (:func:`end_if_stopped`, which ``import ganbench`` registers before any library's
    handler, so it runs last). A process a signal stopped still has threads running (the grace
    timer, a library's), and in the teardown one of them aborted the interpreter
    ("PyThreadState_Get: the function must be called with the GIL held", exit 134 instead of 143:
    2 of 41 stopped SLURM workers on a 2-core AMD EPYC)."""
    _state["ending"] = code
    timer = threading.Timer(EXIT_GRACE_SECONDS, _exit_now, (code,))
    timer.daemon = True
    timer.start()


def end_if_stopped() -> None:
    """End the process now, with its stop's exit code, if :func:`end_within_grace` armed it (an
    exit handler: the others have run by now)."""
    code = _state["ending"]
    if code is not None:
        _exit_now(code)


def _exit_now(code: int) -> None:
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):  # a closed or broken stream: nothing more to say
            stream.flush()
    os._exit(code)


def stop_behind(exc: BaseException) -> KeyboardInterrupt | None:
    """The stop an exception stands for, if any: the interrupt it was raised while handling
    (:func:`interrupt_behind`), else a stop signal raised and not yet seen (:func:`acknowledge`) —
    a library can swallow the interrupt and then fail on the state it left, with the stop still due.
    For code that catches every ``Exception`` to carry on (a report section)."""
    found = interrupt_behind(exc)
    if found is None and not _state["acknowledged"]:
        found = Interrupted(_state["signum"])
    return found


#: Seconds after a stop signal within which its clean-up must have started (:func:`shielded`, or a
#: command's message about the stop); otherwise the signal is sent again — Python drops an exception
#: raised while a finaliser (``__del__``, a weakref callback) runs, and a lost SIGTERM would leave a
#: worker training on.
RESEND_SECONDS = 3.0
_state: dict = {"acknowledged": True, "ending": None}


def _raise(signum, frame) -> None:
    _state["acknowledged"], _state["signum"] = False, signum
    timer = threading.Timer(RESEND_SECONDS, _resend, (signum,))
    timer.daemon = True
    timer.start()
    raise Interrupted(signum)


def _resend(signum: int) -> None:
    if not _state["acknowledged"]:
        os.kill(os.getpid(), signum)


def acknowledge() -> None:
    """The stop signal was seen: its clean-up has started (no need to send it again)."""
    _state["acknowledged"] = True


def _ignore(signum, frame) -> None:
    return None


@contextmanager
def stopping_on_signals() -> Iterator[None]:
    """SIGINT and SIGTERM raise :class:`Interrupted` while the block runs (main thread only; the
    previous handlers come back afterwards). Every signal raises — one that landed where Python
    swallows exceptions (a finaliser) is then not the last word — and the orderly stop a signal
    starts runs :func:`shielded` from further ones."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = {s: signal.signal(s, _raise) for s in STOP_SIGNALS}
    hook, sys.unraisablehook = sys.unraisablehook, _quiet_unraisable(sys.unraisablehook)
    quiet = _NoStopTracebacks()
    last_resort = logging.lastResort
    if last_resort is not None:
        last_resort.addFilter(quiet)
    try:
        yield
    finally:
        if last_resort is not None:
            last_resort.removeFilter(quiet)
        sys.unraisablehook = hook
        for s, handler in previous.items():
            signal.signal(s, handler if handler is not None else signal.SIG_DFL)


class _NoStopTracebacks(logging.Filter):
    """Drops a library's error record whose exception was raised while a stop signal was being
    handled: SQLAlchemy logs "Error closing cursor" with a traceback when the signal lands inside a
    fetch and the cursor's close then fails. The command says in its own words that it stopped.
    Set on :data:`logging.lastResort`, the handler of records no logging configuration takes: a
    user's own handlers still get every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        exc = record.exc_info[1] if record.exc_info else None
        return exc is None or interrupt_behind(exc) is None


def _quiet_unraisable(hook):
    """An unraisable-exception hook that says nothing of a stop signal raised in a finaliser (it is
    sent again, see :data:`RESEND_SECONDS`) and passes everything else to ``hook``."""

    def quiet(unraisable) -> None:
        if not isinstance(unraisable.exc_value, Interrupted):
            hook(unraisable)

    return quiet


@contextmanager
def shielded() -> Iterator[None]:
    """Drop SIGINT and SIGTERM while the block runs: the clean-up after a stop signal (handing a
    trial back, releasing runs, stopping workers) must not be cut short by the next one — a group
    signal followed by the parent's own SIGTERM, or a second Ctrl-C. SIGKILL still ends it. Main
    thread only; elsewhere the block runs as it is."""
    acknowledge()
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    # A handler that does nothing rather than SIG_IGN, which a signal already pending would
    # report as "ignored due to race condition".
    previous = {s: signal.signal(s, _ignore) for s in STOP_SIGNALS}
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
