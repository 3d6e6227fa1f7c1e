"""Hand the C heap's free pages back to the system, so a long session's memory stays flat.

At a thousand frames a second the dashboard allocates and frees megabytes a second in
blocks too big for Python's own allocator (frames, book levels, tape and deque blocks,
screen updates), which glibc's ``malloc`` serves. glibc keeps freed pages mapped, and as
its free space fragments it keeps taking new pages rather than reusing those: the
process's RSS crept up about 0.2 MB a minute for as long as it ran (``bench/soak.py``).
``malloc_trim(0)`` returns every whole free page inside glibc's heaps to the system; it
takes about a millisecond. On a C library without it (musl, macOS) nothing happens.
"""

from __future__ import annotations

import ctypes
import sys
from collections.abc import Callable

TRIM_EVERY = 30.0
"""Seconds between two trims in the dashboard."""


def _malloc_trim() -> Callable[[int], int] | None:
    if not sys.platform.startswith("linux"):
        return None
    try:
        trim = ctypes.CDLL(None).malloc_trim  # the C library this process runs on
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return trim


_TRIM = _malloc_trim()


def trim_heap() -> bool:
    """Give the C heap's free pages back to the system; False where there is no way to."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True
