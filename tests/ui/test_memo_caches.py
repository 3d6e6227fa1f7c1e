"""Rich's and Textual's memo caches are emptied now and then (they fill all session with
prices that never come again, and pin memory)."""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Region

from mdtui.ui import app as dashboard
from mdtui.ui.app import make_app
from mdtui.ui.memo_caches import forget_memos, memo_caches
from tests.support.screen import SIZE, ready
from tests.support.waiting import wait_until


def test_every_memo_cache_of_rich_and_textual_is_found_and_emptied() -> None:
    Segment._split_cells(Segment("145,200,000 0.0123"), 4)  # a classmethod's cache
    Region(0, 0, 10, 1).overlaps(Region(5, 0, 10, 1))  # a method's
    caches = memo_caches()
    names = {f"{c.__module__}.{c.__qualname__}" for c in caches}
    assert {"rich.segment.Segment._split_cells", "rich.cells.cached_cell_len",
            "textual.geometry.Region.overlaps"} <= names  # fmt: skip
    filled = [c for c in caches if c.cache_info().currsize]
    assert len(filled) >= 2
    assert forget_memos() >= len(filled)
    assert all(c.cache_info().currsize == 0 for c in caches)


async def test_the_dashboard_empties_them_on_its_timer(settings, monkeypatch) -> None:
    calls: list[int] = []
    monkeypatch.setattr(dashboard, "FORGET_EVERY", 0.05)
    monkeypatch.setattr(dashboard, "forget_memos", lambda: calls.append(forget_memos()))
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await wait_until(lambda: len(calls) >= 2, 10, "two emptyings", pilot=pilot)
        assert any(calls), "the caches held entries from the screen's frames"
