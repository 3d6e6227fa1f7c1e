"""Extreme but well-formed frames through the real codecs, the model and every pane's
render: nothing raises, and no frame costs more than :data:`BUDGET` (this thread's CPU
time, from the frame's text to its rendered lines, so a busy machine does not fail it;
see :func:`~tests.support.cpu.collector_paused` for why the collector is paused)."""

from __future__ import annotations

import time

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402

from mdtui.feed.public_feeds import decoder_for  # noqa: E402
from mdtui.model.events import Malformed  # noqa: E402
from mdtui.ui.app import make_app  # noqa: E402
from tests.support.cpu import collector_paused  # noqa: E402
from tests.support.events import NOW  # noqa: E402
from tests.support.fuzzing import extreme_frames  # noqa: E402
from tests.support.screen import SIZE, lines, status_text  # noqa: E402
from tests.support.waiting import wait_until  # noqa: E402

BUDGET = 0.1
"""Seconds of CPU one frame may cost, decode to rendered lines (a frame takes a few ms)."""

PUBLIC = [
    "upbit_ticker",
    "upbit_trade",
    "upbit_orderbook",
    "upbit_trade_simple",
    "korbit_ticker",
    "korbit_trade",
    "korbit_orderbook",
]
PRIVATE = ["upbit_myorder", "upbit_myasset", "korbit_myorder", "korbit_myasset"]


@pytest.mark.parametrize(
    ("selected", "pane"),
    [("upbit:KRW-BTC", "orders"), ("korbit:btc_krw", "fills"), ("upbit:KRW-BTC", "balances")],
)
async def test_extreme_frames_never_raise_nor_stall(base_settings, selected, pane) -> None:
    """Frames about the selected market (its exchange's) and about a watchlist market (the
    other exchange's): the ladder, the tape, the board, the status line and one private
    pane (another in each run) render every one of them."""
    app = make_app(base_settings, start_feeds=False, clock=lambda: NOW)
    others = {"upbit": "KRW-ETH", "korbit": "eth_krw"}
    venue, market = selected.split(":")
    markets = {**others, venue: market}
    async with app.run_test(size=SIZE) as pilot:
        app.select_market(selected)
        await pilot.press(pane[0])
        await wait_until(lambda: app.private.current == pane, 5.0, pane, pilot=pilot)
        shown = app.private.shown
        worst = [0.0]
        malformed = [0]

        @settings(
            max_examples=120,
            deadline=None,
            database=None,
            suppress_health_check=[HealthCheck.too_slow],
        )
        @given(sample=extreme_frames(PUBLIC + PRIVATE, markets))
        def one_frame(sample: tuple[str, str]) -> None:
            name, frame = sample
            start = time.thread_time()
            channel = "private" if name in PRIVATE else "public"
            decode = decoder_for(name.partition("_")[0], channel)
            assert decode is not None
            events = decode(frame)
            malformed[0] += sum(type(ev) is Malformed for ev in events)
            if channel == "public":
                app._public_batch(events)
            else:
                app._private_batch(events)
            app._flush_panes()
            app._check_health()
            for widget in (app.board, app.ladder, app.tape, shown):
                lines(widget)
            status_text(app)
            worst[0] = max(worst[0], time.thread_time() - start)
            assert time.thread_time() - start < BUDGET, frame[:300]

        with collector_paused():
            one_frame()
        await pilot.pause()
        assert app.is_running and app.return_code is None
        assert malformed[0] > 0, "some frames were out of range"
        assert worst[0] < BUDGET
        before = app.selected
        await pilot.press("j")
        assert app.selected != before, "the board still answers keys"
