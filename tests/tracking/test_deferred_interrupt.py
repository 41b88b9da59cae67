"""Ctrl-C during a tracking write waits for the write, then interrupts as usual."""

import signal

import pytest

from ganbench.experiment.interrupts import deferred_interrupt


@pytest.fixture(autouse=True)
def python_ctrl_c():
    """Python's own KeyboardInterrupt handler, whatever this process inherited (a backgrounded
    shell makes SIGINT ignored), and the inherited one back afterwards."""
    inherited = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, inherited)


def test_ctrl_c_inside_the_block_is_raised_when_the_block_ends():
    steps = []
    with pytest.raises(KeyboardInterrupt), deferred_interrupt():
        signal.raise_signal(signal.SIGINT)
        steps.append("write finished")  # the rest of the block still runs
    assert steps == ["write finished"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_no_ctrl_c_no_interrupt_and_the_handler_is_restored():
    with deferred_interrupt():
        pass
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_an_ignored_ctrl_c_stays_ignored():
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        with deferred_interrupt():
            signal.raise_signal(signal.SIGINT)
        assert signal.getsignal(signal.SIGINT) == signal.SIG_IGN
    finally:
        signal.signal(signal.SIGINT, previous)


def test_an_error_in_the_block_propagates_and_restores_the_handler():
    with pytest.raises(ValueError), deferred_interrupt():
        raise ValueError("store unreachable")
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
