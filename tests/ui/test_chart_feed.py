"""The app passes the chart pane's want (``SharedState.chart``) to the feeds at its next
flush, and the series it names fills in the model."""

from __future__ import annotations

from mdtui.display.shared_state import ChartWant
from mdtui.ui.app import make_app
from tests.support.screen import SIZE, ready
from tests.support.waiting import wait_until


async def test_the_wanted_series_fills_and_follows_the_want(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        # Korbit serves no 1s history: this series is its trades alone, streamed for the
        # chart's market although another one is selected.
        assert app.selected != "korbit:eth_krw"
        app.shared.chart = ChartWant("korbit:eth_krw", "1s")
        state = app.shared.model.market("korbit", "eth_krw")
        await wait_until(
            lambda: "1s" in state.candles and len(state.candles["1s"]) >= 2,
            30,
            "Korbit eth_krw 1s candles",
            pilot=pilot,
        )
        assert "eth_krw" in app.feeds.workers["korbit"].wanted.trades
        app.shared.chart = None
        await wait_until(
            lambda: "eth_krw" not in app.feeds.workers["korbit"].wanted.trades,
            5,
            "the chart's trades unsubscribed",
            pilot=pilot,
        )
