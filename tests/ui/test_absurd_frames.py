"""Single absurd frames from the simulator to the running dashboard, about the selected
market and about a watchlist market: each is counted as malformed, the app keeps running
and answers a key within :data:`ANSWER_CPU`, and good frames after them still show.

The simulator is the frozen one, in a thread of its own: nothing moves unless the test
steps it, and the CPU time of this thread is the app's alone, which keeps the 100 ms
budget a fact about the app, not about how busy the machine is (nor, see
:func:`~tests.support.cpu.collector_paused`, about how big the test process has grown)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator

import pytest

from mdtui.demo import point_at
from mdtui.settings import Settings
from mdtui.sim.frozen import APP_NOW, FrozenMarket
from mdtui.ui.app import make_app
from tests.support.cpu import collector_paused
from tests.support.samples import ABSURD, about
from tests.support.screen import SIZE, lines, ready
from tests.support.waiting import wait_until

ANSWER_CPU = 0.1
"""Seconds of this thread's CPU from sending a frame to the app having answered a key."""

SELECTED = {"upbit": "KRW-BTC", "korbit": "btc_krw"}
WATCHED = {"upbit": "KRW-ETH", "korbit": "eth_krw"}
FRAMES = {
    "upbit": [
        ("selected", "upbit_orderbook", ("orderbook_units", 0, "ask_price")),
        ("selected", "upbit_orderbook", ("orderbook_units", 1, "bid_size")),
        ("selected", "upbit_trade", ("trade_volume",)),
        ("watched", "upbit_ticker", ("trade_price",)),
    ],
    "korbit": [
        ("selected", "korbit_orderbook", ("data", "asks", 0, "price")),
        ("selected", "korbit_orderbook", ("data", "bids", 1, "qty")),
        ("selected", "korbit_trade", ("data", 0, "qty")),
        ("watched", "korbit_ticker", ("data", "close")),
    ],
}
"""Where the absurd number goes: the best ask (the spread line), a bid size, a trade size
(the tape) and a watchlist market's last price (the board)."""


@pytest.fixture
def market() -> Iterator[FrozenMarket]:
    with FrozenMarket(seed=1) as frozen:
        yield frozen


def frame(venue: str, target: str, sample: str, path: tuple, text: str) -> str | bytes:
    data = about(sample, (SELECTED if target == "selected" else WATCHED)[venue], {path: text})
    return data.encode() if venue == "upbit" else data  # Upbit sends binary frames


async def answered(pilot, app) -> float:
    """Press tab; the thread's CPU time when the app had answered it (the focus moved).
    The repaint that follows is not counted: it costs the same with or without a bad
    frame before it, and on a shared machine a full repaint alone can take 100 ms."""
    focused = app.focused
    press = asyncio.create_task(pilot.press("tab"))
    while app.focused is focused and not press.done():
        await asyncio.sleep(0)
    at = time.thread_time()
    await press
    assert app.focused is not focused, "the key was answered"
    return at


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_absurd_frames_are_counted_and_harmless(
    venue: str, market: FrozenMarket, base_settings: Settings
) -> None:
    app = make_app(point_at(base_settings, market.url), clock=lambda: APP_NOW)
    selected, watched = f"{venue}:{SELECTED[venue]}", f"{venue}:{WATCHED[venue]}"
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        app.select_market(selected)
        await wait_until(lambda: app.ladder.book is not None, 5.0, "the book", pilot=pilot)
        health = app.shared.model.feed(venue, "public")
        book = app.shared.model.markets[selected]
        shown = (book.book_seq, book.tape_seq, app.shared.model.markets[watched].ticker_seq)
        worst = 0.0
        with collector_paused():
            for text in ABSURD:
                for target, sample, path in FRAMES[venue]:
                    count = health.malformed
                    start = time.thread_time()
                    market.send_raw(venue, frame(venue, target, sample, path, text))
                    await wait_until(
                        lambda count=count: health.malformed > count, 5.0, "bad", pilot=pilot
                    )
                    worst = max(worst, await answered(pilot, app) - start)
                    assert health.malformed == count + 1, (text, sample, path)
                    assert app.is_running, (text, sample, path)
        assert worst < ANSWER_CPU, f"{worst * 1000:.0f} ms of CPU for one frame and a key"
        assert (book.book_seq, book.tape_seq) == shown[:2], "nothing absurd reached the model"

        market.advance(8)
        await wait_until(
            lambda: (
                book.book_seq > shown[0]
                and book.tape_seq > shown[1]
                and app.shared.model.markets[watched].ticker_seq > shown[2]
            ),
            5.0,
            "good frames after the bad ones",
            pilot=pilot,
        )
        await wait_until(lambda: app.ladder.shown is book.book, 5.0, "the new book", pilot=pilot)
        assert any("spread" in line and "mid" in line for line in lines(app.ladder))
        assert app.tape.trades()[0] is book.tape[-1]
