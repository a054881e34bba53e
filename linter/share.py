"""Share independent pieces of work with a forked second process, to use a second core.

Why a fork and only for the rules: a forked child starts with the parent's whole model already in
memory (copy-on-write), so nothing has to be sent to it, and what comes back (findings) is small.
Loading cannot be shared that way: the YAML trees and pipelines a worker would build must cross
back to the parent, and pickling and unpickling them costs about as much as building them
(`bench/parallel.py` measures it).

Both processes take the next piece from a queue (a pipe filled before the fork), so a slow piece
does not leave the other core idle. The child pickles its results to a second pipe and leaves
with `os._exit`. Anything that goes wrong on the child's side (a crash, a result that cannot be
pickled) only costs time: the parent then does the child's pieces itself.
"""

from __future__ import annotations

import contextlib
import os
import signal
import struct
import sys
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

T = TypeVar("T")

_INDEX = struct.Struct("<I")  # a piece's number in the queue
_MAX_PIECES = 4096  # the queue must fit in the pipe's buffer (64 KiB on Linux) before the fork

CAN_FORK = hasattr(os, "fork") and sys.platform.startswith("linux")  # fork is unsafe on macOS


def in_two_processes(work: Callable[[int], T], count: int, first: Sequence[int] = ()) -> list[T]:
    """`[work(0), ..., work(count - 1)]`, the pieces shared between this process and a fork.

    `first`: distinct pieces to take before the others (the slow ones: started last, a slow piece
    would keep one process busy while the other has finished).
    """
    if not CAN_FORK or count < 2 or count > _MAX_PIECES:
        return [work(i) for i in range(count)]
    early = set(first)
    queue_read = piece_queue([*first, *(i for i in range(count) if i not in early)])
    results_read, results_write = os.pipe()
    # Ctrl-C is held back from the fork until the parent is inside the `try` that stops the child:
    # between the two it would leave the child running, unreaped.
    mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        pid = os.fork()
    except BaseException:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        raise
    if pid == 0:  # the child: never returns
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        os.close(results_read)
        _child(work, queue_read, results_write)
    os.close(results_write)
    open_fds = [queue_read, results_read]
    try:
        signal.pthread_sigmask(signal.SIG_SETMASK, mask)  # a Ctrl-C held back is raised here
        done = {i: work(i) for i in Claims(queue_read)}
        os.close(open_fds.pop(0))
        theirs: dict[int, T] = _results(open_fds.pop(), pid)  # reads, then reaps the child
    except BaseException:  # an interrupt (Ctrl-C) or a failure here: the child's work is not wanted
        for fd in open_fds:
            with contextlib.suppress(OSError):
                os.close(fd)
        _stop(pid)
        raise
    return [done[i] if i in done else theirs[i] if i in theirs else work(i) for i in range(count)]


def piece_queue(order: Sequence[int]) -> int:
    """A pipe holding the numbers of the pieces in `order` (at most `_MAX_PIECES`), its writing
    end closed: made before a fork, both processes take the next piece with `Claims` until it is
    empty. The kernel gives each read's bytes to one reader: no lock, and no piece twice."""
    if len(order) > _MAX_PIECES:
        raise ValueError(f"{len(order)} pieces: at most {_MAX_PIECES} fit in a pipe")
    queue_read, queue_write = os.pipe()
    try:
        os.write(queue_write, b"".join(_INDEX.pack(i) for i in order))
    finally:
        os.close(queue_write)
    return queue_read


class Claims:
    """The numbers of the pieces this process takes from a `piece_queue`, one read each."""

    def __init__(self, queue: int) -> None:
        self.queue = queue

    def __iter__(self) -> Claims:
        return self

    def __next__(self) -> int:
        data = os.read(self.queue, _INDEX.size)  # reads of a few bytes from a pipe are atomic
        if len(data) < _INDEX.size:
            raise StopIteration
        return int(_INDEX.unpack(data)[0])


def _child(work: Callable[[int], object], queue: int, results: int) -> None:
    code = 1
    try:
        import pickle  # (here: a check whose rules are not shared never needs it, 2 ms of a cold start)

        payload = pickle.dumps({i: work(i) for i in Claims(queue)}, protocol=pickle.HIGHEST_PROTOCOL)
        with os.fdopen(results, "wb") as out:
            out.write(payload)
        code = 0
    finally:
        os._exit(code)  # no atexit handlers, no flushing of the parent's buffers


def _stop(pid: int) -> None:
    """End the child and reap it, so that no zombie is left (a library caller's process goes on);
    a second Ctrl-C is held back until the child is reaped."""
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        with contextlib.suppress(ChildProcessError):  # reaped already
            os.waitpid(pid, 0)
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)


def _results(results: int, pid: int) -> dict[int, Any]:
    import pickle

    try:
        with os.fdopen(results, "rb") as stream:
            payload = stream.read()
    except BaseException:  # interrupted while waiting for the child
        _stop(pid)
        raise
    _, status = os.waitpid(pid, 0)
    if status != 0 or not payload:
        return {}
    try:
        loaded = pickle.loads(payload)
    except Exception:  # a result that does not unpickle: do those pieces here
        return {}
    return loaded if isinstance(loaded, dict) else {}
