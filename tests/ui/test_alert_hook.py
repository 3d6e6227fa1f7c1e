"""The dashboard evaluates alerts on the batches it applies and hands fired ones to its
hook (the alerts' UI builds on it): a price crossing and a fill, against the simulator."""

from __future__ import annotations

from mdtui.settings import AlertSetting
from mdtui.ui.app import make_app
from tests.support.screen import SIZE, ready
from tests.support.waiting import wait_until


async def test_the_app_hears_a_price_alert_and_a_fill_alert(demo_settings, quiet_sim) -> None:
    sim = quiet_sim
    book = sim.markets["upbit"]["KRW-XRP"]
    level = book.bids[4].price
    alerts = [
        AlertSetting(kind="price", market="upbit:KRW-XRP", level=level, direction="down"),
        AlertSetting(kind="order", name="fills", on=["filled"]),
    ]
    settings = demo_settings.model_copy(update={"alerts": alerts})
    app = make_app(settings)
    heard = []
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        app.alerting.on_fired = heard.extend
        app.goto_market("upbit:KRW-XRP")

        def last():
            state = app.shared.model.markets.get("upbit:KRW-XRP")
            return state is not None and state.ticker is not None and state.ticker.last > level

        await wait_until(last, 15, "a ticker above the level", pilot=pilot)

        def private_live() -> bool:
            health = app.shared.model.feeds.get(("upbit", "private"))
            return health is not None and health.state == "live"

        await wait_until(private_live, 20, "the private feed", pilot=pilot)
        price = book.bids[6].price
        sim.fill_order("upbit", sim.place_order("upbit", "KRW-XRP", "buy", price, "1"))
        await wait_until(lambda: {a.kind for a in heard} == {"price", "order"}, 15,
                         lambda: f"both alerts, heard {heard}", pilot=pilot)  # fmt: skip
    price_alert = next(a for a in heard if a.kind == "price")
    assert price_alert.value <= level
    assert app.alerting.fired == heard
