"""The exchanges' own tick rules: parsing, correcting the built-in tables with them, and
the dashboard asking the simulator for the markets it shows."""

from __future__ import annotations

from decimal import Decimal as D

import httpx
import pytest

from mdtui.display.catalog import Catalog
from mdtui.venues import upbit
from mdtui.venues.markets import MarketInfo, bands, tick_from_bands, with_tick_at
from tests.support.screen import SIZE, ready
from tests.support.waiting import wait_until

SAMPLE = (
    '[{"market":"KRW-BTC","quote_currency":"KRW","tick_size":"1000",'
    '"supported_levels":["0","10000","100000","1000000","10000000","100000000"]}]'
)


def test_upbit_instruments_give_the_tick_at_the_current_price():
    assert upbit.parse_instruments(SAMPLE) == {"KRW-BTC": D("1000")}
    with pytest.raises(ValueError):
        upbit.parse_instruments('[{"market":"KRW-BTC","tick_size":"0"}]')
    with pytest.raises(ValueError):
        upbit.parse_instruments('{"error":{"name":404,"message":"Code not found"}}')


def test_a_tick_at_a_price_corrects_only_that_band():
    table = bands(("0", "0.01"), ("100", "1"), ("1000", "5"))
    fixed = with_tick_at(table, D("1375.5"), D("0.5"))  # a finer tick than the table says
    assert tick_from_bands(D("1375.5"), fixed) == D("0.5")
    assert tick_from_bands(D("150"), fixed) == D("1")
    assert with_tick_at(table, None, D("0.5")) == ((D(0), D("0.5")),)
    assert with_tick_at((), D("10"), D("0.5")) == ((D(0), D("0.5")),)


def test_the_catalog_prefers_the_exchange_rule():
    catalog = Catalog()
    table = bands(("0", "1"))
    catalog.add_infos("upbit", [MarketInfo("upbit", "KRW-USDT", "USDT", "KRW", tick_bands=table)])
    catalog.add_infos("korbit", [MarketInfo("korbit", "xrp_krw", "XRP", "KRW", tick_bands=table)])
    entry = catalog.entry("upbit:KRW-USDT")
    assert entry.price_decimals(D("1375")) == 0
    catalog.apply_ticks("upbit", {"KRW-USDT": ((), D("0.5"))}, lambda key: D("1375"))
    assert entry.price_decimals(D("1375")) == 1  # 1,375.0 lines up with 1,375.5
    policy = bands(("0", "0.0001"), ("1", "0.001"), ("1000", "1"))
    catalog.apply_ticks("korbit", {"xrp_krw": (policy, None)}, lambda key: None)
    assert catalog.entry("korbit:xrp_krw").price_decimals(D("3.5")) == 3
    # a market list loaded again keeps what the exchange said
    catalog.add_infos("korbit", [MarketInfo("korbit", "xrp_krw", "XRP", "KRW", tick_bands=table)])
    assert catalog.entry("korbit:xrp_krw").price_decimals(D("3.5")) == 3


async def test_the_dashboard_takes_each_shown_markets_ticks_from_the_exchange(
    settings, live_sim, monkeypatch
):
    """With the built-in tables made wrong (a tick of 1 everywhere), the prices line up on
    the simulator's ticks once the dashboard has asked for them."""
    from mdtui.ui.app import make_app
    from mdtui.venues import korbit

    wrong = bands(("0", "1"))
    monkeypatch.setitem(upbit.TICK_BANDS, "KRW", wrong)
    monkeypatch.setattr(korbit, "KRW_TICK_BANDS", wrong)
    settings = settings.model_copy(
        update={"watchlist": ["upbit:KRW-PEPE", "upbit:KRW-BTC", "korbit:xrp_krw"]}
    )
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        catalog = app.shared.catalog
        await wait_until(
            lambda: all(catalog.entry(k).exchange_bands for k in settings.watchlist),
            10.0,
            "the exchanges' tick rules",
            pilot=pilot,
        )
        async with httpx.AsyncClient() as client:
            upbit_ticks = upbit.parse_instruments(
                (
                    await client.get(
                        f"{live_sim.http_url}/v1/orderbook/instruments",
                        params={"markets": "KRW-PEPE"},
                    )
                ).content
            )
            policy = korbit.parse_tick_size_policy(
                (
                    await client.get(
                        f"{live_sim.http_url}/v2/tickSizePolicy", params={"symbol": "xrp_krw"}
                    )
                ).content
            )
        pepe = catalog.entry("upbit:KRW-PEPE")
        price = app.shared.model.markets["upbit:KRW-PEPE"].last_price
        assert price is not None and price < 1
        assert tick_from_bands(price, pepe.exchange_bands) == upbit_ticks["KRW-PEPE"]
        assert pepe.price_decimals(price) >= 4  # not the wrong table's 0
        assert catalog.entry("korbit:xrp_krw").exchange_bands == policy["xrp_krw"]
