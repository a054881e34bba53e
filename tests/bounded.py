"""A time bound for tests of hostile input: a regression to super-linear time fails the test
instead of hanging the run.

The bound is far above what the case takes (each finishes in well under a second): the test
asserts that the work ends, not how fast. It is a signal alarm, which interrupts Python code and
the `re` engine's matching loop alike; off the main thread (where signals cannot be delivered)
the action just runs.
"""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest

T = TypeVar("T")

BOUND_SECONDS = 20.0


class _Overrun(BaseException):  # (not an Exception: code under test must not swallow it)
    pass


def within(action: Callable[[], T], seconds: float = BOUND_SECONDS) -> T:
    """`action()`, failing the test if it has not returned after `seconds`."""
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        return action()

    def overrun(signum: int, frame: Any) -> None:
        raise _Overrun

    previous = signal.signal(signal.SIGALRM, overrun)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        return action()
    except _Overrun:
        pytest.fail(f"did not finish within {seconds:g} s: time super-linear in the input?")
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
