"""Empty Rich's and Textual's memo caches now and then, so a long session's memory stays flat.

Rich and Textual memoise pure functions with ``functools.lru_cache``: a segment split at
a cell, a text's width, two regions' overlap, a style combination. Their keys are what is
on screen, and at market rates most keys (a price, a size) never come again, so the caches
with room for thousands of entries fill slowly, all session long, with objects made a few
at a time among the short-lived ones of every frame. Python's allocator keeps a 1 MiB
arena for as long as one object in it lives (it never gave one back in an hour), so these
stragglers pin memory: ``bench/soak.py`` at about 1,400 frames/s measured RSS creeping
0.3 MB a minute while Python's live memory stayed flat (``--diagnose --allocations``), and
emptying the caches every two minutes stopped the creep. The caches refill within a few
frames (a millisecond or two of work).
"""

from __future__ import annotations

import functools
import sys
from typing import Any

FORGET_EVERY = 120.0
"""Seconds between two emptyings in the dashboard."""
LIBRARIES = ("rich", "textual")


def memo_caches() -> list[Any]:
    """Every ``functools.lru_cache`` of the loaded modules of Rich and Textual, at the top
    of a module or in a class (a method, a class or static method)."""
    found: dict[int, Any] = {}

    def visit(value: object) -> None:
        value = getattr(value, "__func__", value)  # a classmethod or staticmethod
        if isinstance(value, functools._lru_cache_wrapper):
            found[id(value)] = value

    for name, module in list(sys.modules.items()):
        if module is None or name.partition(".")[0] not in LIBRARIES:
            continue
        for value in list(vars(module).values()):
            visit(value)
            if isinstance(value, type) and value.__module__ == name:
                for attr in list(vars(value).values()):
                    visit(attr)
    return list(found.values())


def forget_memos() -> int:
    """Empty every memo cache of Rich and Textual; how many entries were dropped."""
    dropped = 0
    for cache in memo_caches():
        dropped += cache.cache_info().currsize
        cache.cache_clear()
    return dropped
