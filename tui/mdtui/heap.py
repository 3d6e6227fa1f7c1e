"""Keep the C heap from creeping, so a long session's memory stays flat.

At a thousand frames a second the dashboard allocates and frees megabytes a second in
blocks too big for Python's own allocator (frames, book levels, tape and deque blocks,
screen updates), which glibc's ``malloc`` serves, from two threads (the feeds' loop and
the screen's). glibc gives each thread that contends for the heap an arena of its own (up
to eight per core), keeps freed pages mapped, and as the free space of each arena fragments
it takes new pages rather than reusing those: measured with ``bench/soak.py`` at about
1,000 frames/s, RSS crept up 0.19 MB a minute with one trim every 30 s and eight arenas
allowed, 0.14 MB a minute with two arenas (both under load from other work).

- :func:`limit_arenas` (at start, before any thread) caps the arenas at two;
- :func:`trim_heap` (every 30 s) returns every whole free page to the system with
  ``malloc_trim(0)`` (about a millisecond).

On a C library without them (musl, macOS) both do nothing.
"""

from __future__ import annotations

import ctypes
import sys
from typing import Any

TRIM_EVERY = 30.0
"""Seconds between two trims in the dashboard."""
ARENAS = 2
"""glibc malloc arenas allowed: one per thread that allocates much."""
_M_ARENA_MAX = -8  # mallopt's parameter number in glibc's malloc.h


def _libc_function(name: str) -> Any:
    if not sys.platform.startswith("linux"):
        return None
    try:
        return getattr(ctypes.CDLL(None), name)  # the C library this process runs on
    except (OSError, AttributeError):
        return None


_TRIM = _libc_function("malloc_trim")
if _TRIM is not None:
    _TRIM.argtypes = [ctypes.c_size_t]
    _TRIM.restype = ctypes.c_int
_MALLOPT = _libc_function("mallopt")
if _MALLOPT is not None:
    _MALLOPT.argtypes = [ctypes.c_int, ctypes.c_int]
    _MALLOPT.restype = ctypes.c_int


def trim_heap() -> bool:
    """Give the C heap's free pages back to the system; False where there is no way to."""
    if _TRIM is None:
        return False
    _TRIM(0)
    return True


def limit_arenas(count: int = ARENAS) -> bool:
    """Allow glibc at most ``count`` malloc arenas; call before threads start. False where
    the C library has no such setting."""
    if _MALLOPT is None:
        return False
    return bool(_MALLOPT(_M_ARENA_MAX, count))
