"""User-facing errors: each carries one clear paragraph and maps to exit code 2 in the CLI."""

from __future__ import annotations

import re
import traceback


class GanbenchError(Exception):
    """Bad input from the user (unknown name, invalid parameter, unreadable file).

    The message is a complete, self-contained paragraph: what is wrong, where, and what is allowed.
    The CLI prints it without a traceback and exits with code 2.
    """


class RegistryError(GanbenchError):
    """A registry lookup or registration failed (unknown or duplicate name)."""


class ContractError(GanbenchError):
    """A plugin does not fulfil its kind's contract (e.g. a loss without ``g_loss``); it is refused."""


class UnavailableError(GanbenchError):
    """Something a component needs is not on this machine: an optional package (torch-fidelity for
    Inception FID/KID) or a file it cannot download by itself (Inception weights). The message says
    how to get it. Tests of such a component skip with that message where it is missing."""


class WorkFailed(Exception):
    """Training failed: a plugin raised in a worker, or a worker process ended with an error.

    Not bad input but a failed command: the CLI prints the message (one paragraph: which work, why,
    and what was marked in MLflow) and exits with code 1. Finished runs are kept.
    """


def describe(exc: BaseException) -> str:
    """An error in one line: ``Type: message (at file:line)``, the line being the innermost frame of
    its traceback — the worker's own when it was raised in another process (a process pool hands it
    over as text) — and the message not masked: callers mask the URLs they hold."""
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    where = ""
    remote = exc.__cause__
    frames = re.findall(r'File "([^"]+)", line (\d+)', str(remote)) if remote is not None else []
    if not frames and exc.__traceback__ is not None:
        last = traceback.extract_tb(exc.__traceback__)[-1]
        frames = [(last.filename, str(last.lineno))]
    if frames:
        where = f" (at {frames[-1][0]}:{frames[-1][1]})"
    return f"{type(exc).__name__}: {message[:500]}{where}" if message else f"{type(exc).__name__}{where}"
