"""User-facing errors: each carries one clear paragraph and maps to exit code 2 in the CLI."""

from __future__ import annotations


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
