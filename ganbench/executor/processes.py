"""Worker processes: the one way ganbench starts a process that trains.

A local benchmark's pool of model trainers (:mod:`ganbench.executor.local`) and the local
``ganbench worker`` processes of ``tune`` and ``benchmark --storage``
(:mod:`ganbench.executor.local_workers`) are both started here, by the same ``spawn`` context and
:func:`enter`, so each carries what its parent has:

- the plugins: folders given with ``--registry`` (:class:`Inheritance`), ``GANBENCH_REGISTRY``
  (the environment is inherited) and installed packages' entry points (the same interpreter);
- the settings: torch's thread count; environment variables such as ``GANBENCH_LEASE_SECONDS``;
  ``sys.path`` (multiprocessing's spawn hands it over);
- secrets only through the pickled arguments of the process (a pipe), never on a command line.

A worker watches its parent and stops within :data:`WATCH_SECONDS` once the parent is gone (killed
with SIGKILL, say): a pool worker exits at once (it writes nothing), a queue worker stops as on
SIGTERM, handing its trial back to the queue. A queue worker that fails sends its reason back
through a pipe, so the parent can say why and fail the command.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import sys
import threading
import time
import traceback
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from multiprocessing.connection import Connection
from multiprocessing.process import BaseProcess
from typing import Any

import torch

from ganbench import discovery, registry
from ganbench.errors import GanbenchError
from ganbench.experiment.cell_run import set_outbox
from ganbench.experiment.interrupts import (
    STOP_SIGNALS,
    Interrupted,
    end_within_grace,
    exit_code,
    stopping_on_signals,
)

#: Every worker process is started this way: a fresh interpreter (no forked locks or CUDA state).
CONTEXT = multiprocessing.get_context("spawn")
#: How often a worker checks that its parent still exists.
WATCH_SECONDS = 1.0
#: How long a stopped queue worker may take to hand its trial back before it is killed.
STOP_GRACE_SECONDS = 20.0


@dataclass(frozen=True)
class Inheritance:
    """What a worker process takes from the process that starts it (see the module docstring):
    the ``--registry`` plugin folders, torch's thread count (None: torch's choice) and the parent's
    process id, which the worker watches."""

    plugin_dirs: tuple[str, ...]
    threads: int | None
    parent: int

    @classmethod
    def here(cls, threads: int | None = None) -> Inheritance:
        """What a worker started by this process inherits."""
        return cls(tuple(str(p) for p in discovery.extra_dirs), threads, os.getpid())


def enter(inherited: Inheritance, orphaned: Callable[[], None]) -> None:
    """The first thing every worker process does: thread count, plugins, and a watch on the parent
    that calls ``orphaned`` once the parent is gone."""
    if inherited.threads:
        torch.set_num_threads(inherited.threads)
    if inherited.plugin_dirs:
        registry.add_directories(list(inherited.plugin_dirs))

    def watch() -> None:
        while os.getppid() == inherited.parent:
            time.sleep(WATCH_SECONDS)
        while True:  # again until it ends: a signal that lands in a finaliser is lost
            orphaned()
            time.sleep(5 * WATCH_SECONDS)

    threading.Thread(target=watch, name="ganbench-parent-watch", daemon=True).start()


def pool(jobs: int, inherited: Inheritance, outbox: Any) -> ProcessPoolExecutor:
    """``jobs`` model trainers. They ignore SIGINT and SIGTERM — the parent decides what a signal
    means and kills them (:func:`kill_pool`) — and stream their log records into ``outbox``."""
    return ProcessPoolExecutor(
        jobs, mp_context=CONTEXT, initializer=_pool_entry, initargs=(inherited, outbox)
    )


def _pool_entry(inherited: Inheritance, outbox: Any) -> None:
    for s in STOP_SIGNALS:
        signal.signal(s, signal.SIG_IGN)
    enter(inherited, orphaned=lambda: os._exit(1))
    set_outbox(outbox)


def kill_pool(executor: ProcessPoolExecutor) -> int:
    """Cancel queued work and kill the pool's processes now (the executor has no public call for
    the latter before Python 3.14); returns how many were running. Runs they had not handed back
    are released by the caller and redone by the next invocation."""
    processes = list((getattr(executor, "_processes", None) or {}).values())  # shutdown() drops this map
    executor.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.kill()
    for process in processes:
        process.join(timeout=10)
    return len(processes)


@dataclass
class Worker:
    """A started worker process and the pipe its failure reason comes back through."""

    process: BaseProcess
    reasons: Connection
    label: str

    def reason(self) -> str:
        """Why it failed, as it said (empty when it said nothing: killed, say)."""
        try:
            return str(self.reasons.recv()) if self.reasons.poll() else ""
        except (EOFError, OSError):
            return ""

    def failure(self) -> str | None:
        """None when it ended well (exit code 0), else a line saying how it ended and why."""
        code = self.process.exitcode
        if code == 0:
            return None
        how = f"was killed by {signal.Signals(-code).name}" if code and code < 0 else f"exited with {code}"
        why = self.reason()
        return f"{self.label} {how}" + (f": {why}" if why else "")


def start(inherited: Inheritance, target: Callable[..., int], args: tuple, label: str) -> Worker:
    """Start ``target(*args)`` in a worker process that stops on SIGINT and SIGTERM (raising
    :class:`Interrupted` in it) and when its parent is gone; its return value is its exit code."""
    receive, send = CONTEXT.Pipe(duplex=False)
    process = CONTEXT.Process(target=_main, args=(inherited, target, args, send), name=label)
    process.start()
    send.close()
    return Worker(process, receive, label)


def _main(inherited: Inheritance, target: Callable[..., int], args: tuple, send: Connection) -> None:
    with stopping_on_signals():
        enter(inherited, orphaned=lambda: os.kill(os.getpid(), signal.SIGTERM))
        try:
            code = target(*args)
        except Interrupted as exc:
            code = exit_code(exc)
            end_within_grace(code)  # this process ends here
            sys.exit(code)
        except GanbenchError as exc:
            send.send(str(exc))
            print(f"ganbench worker: {exc}", file=sys.stderr)
            sys.exit(2)
        except Exception as exc:
            send.send(f"{type(exc).__name__}: {exc}")
            traceback.print_exc()
            sys.exit(1)
    sys.exit(code or 0)


def stop(workers: list[Worker], grace: float = STOP_GRACE_SECONDS) -> None:
    """SIGTERM to every running worker (each hands its trial back), SIGKILL to any still running
    after ``grace`` seconds."""
    for w in workers:
        if w.process.is_alive():
            w.process.terminate()
    deadline = time.monotonic() + grace
    for w in workers:
        w.process.join(timeout=max(0.0, deadline - time.monotonic()))
        if w.process.is_alive():
            w.process.kill()
            w.process.join(timeout=10)
