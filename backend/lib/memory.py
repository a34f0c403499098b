"""Bounding the memory the checking of uploads takes in one process.

Decoding a photo or rewriting a PDF holds many times the file's size in memory for a moment.
Uploads are checked on a few threads (backend.lib.files); `WORK` is the budget they share, so
that a burst of large uploads is cleaned in turn instead of all at once.
"""

from __future__ import annotations

import ctypes
import threading
from collections import deque
from collections.abc import Iterator
from contextlib import contextmanager

# Memory all the uploads of a process may hold at once: several ordinary photos side by side;
# a job that needs more waits until it can run alone.
MEMORY_BUDGET = 128 * 1024 * 1024
M_MMAP_THRESHOLD = -3  # mallopt(3)


class WorkBudget:
    """A weighted semaphore for threads, first come first served: a job reserves the bytes it
    will hold; one that needs more than the whole budget waits until it can run alone. (First
    come first served, so that a large job is not starved by a stream of small ones.)"""

    def __init__(self, total: int) -> None:
        self.total = total
        self.free = total
        self._turns: deque[object] = deque()
        self._changed = threading.Condition()

    @contextmanager
    def reserve(self, cost: int) -> Iterator[None]:
        cost = min(max(cost, 1), self.total)
        turn = object()
        with self._changed:
            self._turns.append(turn)
            self._changed.wait_for(lambda: self._turns[0] is turn and self.free >= cost)
            self._turns.popleft()
            self.free -= cost
            self._changed.notify_all()  # the next in line may fit beside this one
        try:
            yield
        finally:
            with self._changed:
                self.free += cost
                self._changed.notify_all()


WORK = WorkBudget(MEMORY_BUDGET)


def give_back_memory() -> None:
    """Return freed memory to the system (what glibc keeps in its heaps after a decode)."""
    if _libc is not None:
        _libc.malloc_trim(0)


def _glibc() -> ctypes.CDLL | None:
    try:
        libc = ctypes.CDLL("libc.so.6")
        libc.malloc_trim  # noqa: B018 (glibc only)
        return libc
    except (OSError, AttributeError):  # not glibc: nothing to do
        return None


_libc = _glibc()
if _libc is not None:
    # Blocks of 1 MB or more come straight from the system and go back to it when freed. By
    # default glibc raises that threshold after the first large block is freed (up to 32 MB),
    # so the 16 MB blocks Pillow decodes into stayed in the heaps of the threads that used them:
    # a worker held 2.2 GB after a burst of image bombs (issue 11).
    _libc.mallopt(M_MMAP_THRESHOLD, 1024 * 1024)
