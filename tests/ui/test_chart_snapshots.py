"""Snapshot tests of the chart pane: both colour conventions, at 120x36 (the chart in
place of the tape) and 80x24 (in place of the order book and tape), on the frozen
simulator's screen with its own candles (REST history and the candle stream), the demo account's
resting orders as lines and one fill as a mark. Update the baselines as
``tests/ui/test_snapshots.py`` says."""

from __future__ import annotations

import pytest

from mdtui.demo import point_at
from mdtui.sim.frozen import APP_NOW, FrozenMarket
from mdtui.ui.app import make_app
from mdtui.ui.widgets.chart import ChartPane
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
        await pilot.press("c")
        series = state.candle_series("1m")
        await wait_until(lambda: len(series) >= 100, 10.0, "the simulator's candles", pilot=pilot)
        marked = series.candles[-6]
        app.shared.account.apply(
            [
                fill(
                    "upbit",
                    "KRW-BTC",
                    "snap",
                    "snap-1",
                    "buy",
                    str(marked.low),
                    "0.01",
                    ts=marked.start + 30_000,
                )
            ]
        )
        pane = app.screen.query_one(ChartPane)
        await wait_until(lambda: "▲" in "\n".join(lines(pane)), 5.0, "the fill's mark", pilot=pilot)
        app.clear_notifications()
        await pilot.pause()

    assert snap_compare(app, terminal_size=size, run_before=run_before)
