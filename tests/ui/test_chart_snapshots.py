"""Snapshot tests of the chart pane: both colour conventions, at 120x36 (the chart in
place of the tape) and 80x24 (in place of the order book and tape), on the frozen
simulator's screen with made-up candles ending at its BTC price, the demo account's
resting orders as lines and one fill as a mark. Update the baselines as
``tests/ui/test_snapshots.py`` says."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from mdtui.demo import point_at
from mdtui.model.candles import bucket_start
from mdtui.sim.frozen import APP_NOW, FrozenMarket
from mdtui.ui.app import make_app
from mdtui.ui.widgets.chart import ChartPane
from tests.support.candles import walk
from tests.support.events import fill
from tests.support.screen import lines
from tests.support.waiting import wait_until
from tests.ui.test_snapshots import frozen_market, prepare

__all__ = ["frozen_market"]  # the fixture, shared with the main screen's snapshots


@pytest.mark.parametrize("colors", ["korean", "western"])
@pytest.mark.parametrize("size", [(120, 36), (80, 24)], ids=lambda s: f"{s[0]}x{s[1]}")
def test_chart(snap_compare, frozen_market: FrozenMarket, base_settings, colors, size):
    settings = point_at(base_settings, frozen_market.url, demo_keys=True).model_copy(
        update={"colors": colors}
    )
    app = make_app(settings, clock=lambda: APP_NOW, mode="demo (seed 1)")
    before = prepare(frozen_market)

    async def run_before(pilot) -> None:
        await before(pilot)
        state = app.shared.model.markets["upbit:KRW-BTC"]
        assert state.last_price is not None
        end = bucket_start(int(APP_NOW * 1000), "1m")
        candles = walk("upbit", "KRW-BTC", "1m", end, 120, str(state.last_price), "1000")
        state.candle_series("1m").put_many(candles)
        marked = candles[-6]
        app.shared.account.apply(
            [
                fill(
                    "upbit",
                    "KRW-BTC",
                    "snap",
                    "snap-1",
                    "buy",
                    str(marked.low + D(1000)),
                    "0.01",
                    ts=marked.start + 30_000,
                )
            ]
        )
        await pilot.press("c")
        pane = app.screen.query_one(ChartPane)
        await wait_until(
            lambda: f"{candles[-1].close:,}" in "\n".join(lines(pane)),
            5.0,
            "the chart",
            pilot=pilot,
        )
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
