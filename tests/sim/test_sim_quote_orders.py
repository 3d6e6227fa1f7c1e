"""The demo account in Upbit's BTC and USDT markets: what an order locks and a fill pays in
the market's quote, average buy prices in KRW, the demo's opening orders, and the demo
trader placing and filling orders there."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import httpx
from websockets.asyncio.client import connect

from mdtui.sim import Simulator, TraderConfig
from mdtui.sim.engine.demo_account import FEE_RATE, q8
from mdtui.sim.engine.demo_trader import DEMO_OPENING_ORDERS
from mdtui.sim.engine.ticks import step_down, step_up
from tests.support.sim_client import FIXED_MS, StartSim, bearer, upbit_frame, upbit_jwt

D = Decimal


async def accounts(sim: Simulator) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        response = await client.get("/v1/accounts", headers=bearer(upbit_jwt()))
    assert response.status_code == 200, response.text
    return {row["currency"]: row for row in response.json()}


async def test_a_btc_market_buy_locks_btc_and_its_fill_prices_the_coin_in_krw(
    private: Simulator,
) -> None:
    account = private.account("upbit")
    krw, btc, eth = (account.holding(c).total for c in ("KRW", "BTC", "ETH"))
    eth_avg = account.holding("ETH").avg_price
    book = private.markets["upbit"]["BTC-ETH"]
    price = step_down(book.ladder, book.bids[0].price)
    async with connect(private.upbit_private_ws_url, additional_headers=bearer(upbit_jwt())) as ws:
        await ws.send('[{"ticket":"t"},{"type":"myOrder"},{"type":"myAsset"}]')
        await ws.send("PING")
        assert await upbit_frame(ws) == {"status": "UP"}
        order_id = private.place_order("upbit", "BTC-ETH", "buy", price, "0.5")
        placed = await upbit_frame(ws)
        assert (placed["code"], placed["state"]) == ("BTC-ETH", "wait")
        asset = await upbit_frame(ws)
        assert [a["currency"] for a in asset["assets"]] == ["BTC"]
        funds = price * D("0.5")
        reserve = q8(funds * FEE_RATE)
        assert account.holding("BTC").locked == funds + reserve
        assert account.holding("KRW").total == krw

        btc_krw = private.markets["upbit"]["KRW-BTC"].stats.last
        private.fill_order("upbit", order_id)
        trade = await upbit_frame(ws)
        assert (trade["state"], trade["price"], trade["volume"]) == ("trade", price, D("0.5"))
        await upbit_frame(ws)  # done
        asset = await upbit_frame(ws)
        assert {a["currency"] for a in asset["assets"]} == {"BTC", "ETH"}

    assert account.holding("BTC").total == btc - funds - reserve
    assert account.holding("BTC").locked == 0
    assert account.holding("ETH").total == eth + D("0.5")
    assert account.holding("KRW").total == krw
    assert account.holding("ETH").avg_price == q8(
        (eth_avg * eth + funds * btc_krw) / (eth + D("0.5"))
    )
    rows = await accounts(private)
    assert D(rows["ETH"]["avg_buy_price"]) == account.holding("ETH").avg_price
    assert rows["ETH"]["unit_currency"] == "KRW"


def test_a_usdt_market_sell_pays_usdt_less_the_fee_in_usdt(private: Simulator) -> None:
    account = private.account("upbit")
    usdt, sol = account.holding("USDT").total, account.holding("SOL").total
    book = private.markets["upbit"]["USDT-SOL"]
    price = step_up(book.ladder, book.asks[0].price)
    order_id = private.place_order("upbit", "USDT-SOL", "sell", price, "2")
    assert account.holding("SOL").locked == 2
    private.fill_order("upbit", order_id, "0.5")
    funds = price * D("0.5")
    assert account.holding("USDT").available == usdt + funds - q8(funds * FEE_RATE)
    assert account.holding("SOL").total == sol - D("0.5")
    private.cancel_order("upbit", order_id)
    assert account.holding("SOL").locked == 0 and account.holding("SOL").total == sol - D("0.5")


async def test_the_demo_opens_with_resting_btc_and_usdt_market_orders(start_sim: StartSim) -> None:
    sim = await start_sim(seed=5, trader=TraderConfig(opening_orders=DEMO_OPENING_ORDERS))
    sim.pause_trader()
    opening = {code for venue, code, *_ in DEMO_OPENING_ORDERS if venue == "upbit"}
    orders = sim.account("upbit").open_orders()
    assert {o.code for o in orders} == opening
    assert {o.quote for o in orders} == {"BTC", "USDT"}
    rows = await accounts(sim)
    assert D(rows["BTC"]["locked"]) > 0 and D(rows["USDT"]["locked"]) > 0
    # resting orders are on the public book too
    for order in orders:
        own = sim.markets["upbit"][order.code].own_size(order.is_bid, order.price)
        assert own == order.qty


async def test_the_demo_trader_places_and_fills_orders_in_btc_and_usdt_markets(
    start_sim: StartSim,
) -> None:
    clock = [FIXED_MS]
    config = TraderConfig(
        markets={"upbit": ("BTC-ETH", "USDT-XRP")}, other_markets={}, max_open_orders=4
    )
    sim = await start_sim(seed=7, realtime=False, clock=lambda: clock[0], trader=config)

    def traded() -> bool:
        orders = sim.account("upbit").orders.values()
        return {o.quote for o in orders if o.filled} == {"BTC", "USDT"}

    for _ in range(400):
        sim.trader.act("upbit")
        clock[0] += 100
        sim.advance()
        if traded():
            break
    assert traded(), "fills in both a BTC and a USDT market"
    account = sim.account("upbit")
    for order in account.orders.values():
        assert order.price * order.qty >= {"BTC": D("0.00005"), "USDT": D("0.5")}[order.quote]
    assert account.holding("BTC").total > 0 and account.holding("USDT").total > 0
    assert account.holding("KRW").total == D("100000000")
