"""``trim_heap``: free C-heap pages go back to the system (where the C library can)."""

from __future__ import annotations

import os
import sys

import pytest

from mdtui.heap import trim_heap

PAGE = os.sysconf("SC_PAGE_SIZE")


def rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * PAGE


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="glibc's malloc_trim")
def test_free_pages_inside_the_heap_go_back_to_the_system() -> None:
    if not trim_heap():
        pytest.skip("this C library has no malloc_trim (not glibc)")
    # 32 MB of 2 KB blocks (too big for Python's own allocator: glibc's malloc serves
    # them); keeping one block in 64 alive leaves the freed pages between them inside
    # the heap, where free() alone does not give them back.
    blocks = [bytes(2048) for _ in range(16_384)]
    kept = blocks[::64]
    before = rss()
    del blocks
    freed = rss()
    assert trim_heap()
    after = rss()
    assert len(kept) == 256
    assert freed - after > 16 * 2**20, (before, freed, after)
