"""The demo account inside the simulated market: invariants under many steps, fills from the
market's own flow matching public trades, and the demo trader end to end."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
from decimal import Decimal
from typing import Any

import httpx
from websockets.asyncio.client import ClientConnection, connect

from mdtui.sim import Limits, Rate, Simulator, demo_keys
from mdtui.sim.engine.demo_account import DemoAccount
from mdtui.sim.engine.demo_trader import TraderConfig
from mdtui.sim.engine.listings import UPBIT_CORE
from mdtui.sim.engine.market_generator import VenueMarkets
from mdtui.sim.engine.order_desk import AssetEvent, DeskEvent, OrderDesk, OrderError, OrderEvent
from mdtui.sim.engine.ticks import UPBIT_KRW, step_down, step_up
from tests.support.sim_client import (
    FAST,
    FIXED_MS,
    StartSim,
    bearer,
    kapi,
    korbit_query,
    upbit_frame,
    upbit_jwt,
)
from tests.support.waiting import wait_until

D = Decimal


def test_own_orders_stay_consistent_over_many_steps() -> None:
    markets = VenueMarkets("upbit", UPBIT_CORE, 11, FIXED_MS)
    desk = OrderDesk("upbit", markets, DemoAccount(demo_keys.UPBIT_BALANCES), lambda: FIXED_MS, 11)
    events: list[DeskEvent] = []
    desk.listeners.append(events.append)
    market = markets["KRW-XRP"]
    rng = random.Random(5)
    rate = Rate(step_seconds=0.1, trade_probability=0.6, volatility=4.0)
    for step in range(3000):
        if step % 20 == 0 and len(desk.account.open_orders()) < 6:
            buy = rng.random() < 0.5
            best = market.bids[0].price if buy else market.asks[0].price
            away = step_down if buy else step_up
            for _ in range(rng.randint(0, 3)):
                best = away(UPBIT_KRW, best)
            qty = D(rng.randint(100, 3000))
            with contextlib.suppress(OrderError):  # funds ran out
                desk.place("KRW-XRP", "buy" if buy else "sell", best, qty)
        if step % 97 == 0 and desk.account.open_orders():
            desk.cancel(desk.account.open_orders()[0].id)
        markets.step("KRW-XRP", FIXED_MS + step * 100, rate)
        desk.settle(market)
        assert market.bids[0].price < market.asks[0].price
        for is_bid, side in ((True, market.bids), (False, market.asks)):
            for level in side:
                assert level.size > 0 and 0 <= level.own <= level.size
                assert level.own == market.own_size(is_bid, level.price)
        resting: dict[tuple[bool, D], D] = {}
        for order in desk.account.open_orders():
            key = (order.is_bid, order.price)
            resting[key] = resting.get(key, D(0)) + order.remaining
        registry = {
            (b, p): size for b in (True, False) for p, orders in market.own[b].items()
            for size in [sum(orders.values(), D(0))]
        }  # fmt: skip
        assert resting == registry
        for order in desk.account.open_orders():
            assert market.own[order.is_bid][order.price][order.id] == order.remaining
    fills = [e for e in events if isinstance(e, OrderEvent) and e.kind == "trade"]
    assert len(fills) > 20 and any(e.kind == "done" for e in events if isinstance(e, OrderEvent))
    assert sum(isinstance(e, AssetEvent) for e in events) >= len(fills)
    # every fill is a public trade of its own: same id, price and size, maker side
    trades = {t.id: t for t in market.trades}
    assert len({e.fill.trade_id for e in fills if e.fill}) == len(fills)
    for event in fills:
        assert event.fill is not None
        trade = trades.get(event.fill.trade_id)
        if trade is not None:  # older ones left the 500-trade history
            assert trade.price == event.order.price and trade.size == event.fill.qty
            assert trade.buyer_taker is not event.order.is_bid
    # money is conserved: KRW and XRP only move by fills (minus fees)
    account = desk.account
    orders = list(account.orders.values())
    bought = sum((o.filled for o in orders if o.is_bid), D(0))
    sold = sum((o.filled for o in orders if not o.is_bid), D(0))
    spent = sum((o.funds + o.paid_fee for o in orders if o.is_bid), D(0))
    earned = sum((o.funds - o.paid_fee for o in orders if not o.is_bid), D(0))
    assert account.holdings["XRP"].total == D(20000) + bought - sold
    assert account.holdings["KRW"].total == D(100_000_000) - spent + earned
    locked = sum((o.locked for o in account.open_orders() if o.is_bid), D(0))
    assert account.holdings["KRW"].locked == locked


async def _get(sim: Simulator, path: str, headers: dict[str, str] | None = None) -> Any:
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        response = await client.get(path, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_market_flow_fills_a_resting_order_as_public_trades() -> None:
    async with Simulator(seed=7, rate=FAST, trader=None) as sim:
        async with connect(sim.upbit_private_ws_url, additional_headers=bearer(upbit_jwt())) as ws:
            await ws.send('[{"ticket":"t"},{"type":"myOrder","codes":["KRW-BTC"]}]')
            await ws.send("PING")
            await upbit_frame(ws)
            price = sim.markets["upbit"]["KRW-BTC"].bids[0].price
            order_id = sim.place_order("upbit", "KRW-BTC", "buy", price, "0.002")
            fills = []
            while True:
                message = await upbit_frame(ws, 8.0)
                assert message["uuid"] == order_id
                if message["state"] == "trade":
                    fills.append(message)
                if message["state"] == "done":
                    break
        ticks = await _get(sim, "/v1/trades/ticks?market=KRW-BTC&count=500")
        public = {(t["timestamp"], Decimal(str(t["trade_price"]))): t for t in ticks}
        for fill in fills:
            trade = public[fill["trade_timestamp"], fill["price"]]
            assert fill["price"] == price and Decimal(str(trade["trade_volume"])) >= fill["volume"]
            assert trade["ask_bid"] == "ASK"
        assert sum(f["volume"] for f in fills) == Decimal("0.002")


async def _drain(ws: ClientConnection, into: list[Any], quiet: float) -> None:
    """Collect frames until ``quiet`` seconds pass without one. (``asyncio.timeout``, not
    ``wait_for``: on Python 3.11 ``wait_for`` can swallow a cancellation that arrives as a
    frame does, and the reader then never ends.)"""
    while True:
        try:
            async with asyncio.timeout(quiet):
                data = await ws.recv()
        except TimeoutError:
            return
        into.append(json.loads(data, parse_float=Decimal))


async def test_demo_trader_places_fills_and_cancels_and_rest_agrees() -> None:
    config = TraderConfig(actions_per_minute=1500, max_open_orders=3, cancel_share=0.3)
    limits = Limits(upbit_connections_per_second=None)
    async with Simulator(seed=7, rate=FAST, trader=config, limits=limits) as sim:
        sim.pause_trader()
        query = korbit_query([("timestamp", sim.server_time())])
        async with (
            connect(sim.upbit_private_ws_url, additional_headers=bearer(upbit_jwt())) as up,
            connect(f"{sim.korbit_private_ws_url}?{query}", additional_headers=kapi()) as kb,
        ):
            await up.send('[{"ticket":"t"},{"type":"myOrder"},{"type":"myAsset"}]')
            symbols = list(config.all_markets("korbit"))
            await kb.send(json.dumps([
                {"method": "subscribe", "type": "myOrder", "symbols": symbols},
                {"method": "subscribe", "type": "myTrade", "symbols": symbols},
                {"method": "subscribe", "type": "myAsset", "requestId": 1},
            ]))  # fmt: skip
            assert json.loads(await kb.recv())["requestId"] == 1
            await up.send("PING")
            await upbit_frame(up)
            sim.pause_trader(False)
            upbit: list[Any] = []
            korbit: list[Any] = []

            def seen() -> tuple[set[Any], set[Any]]:
                states = {m.get("state") for m in upbit}
                statuses = {
                    row["status"] for m in korbit if "order" in m for row in m["order"]["orders"]
                }
                return states, statuses

            def busy() -> bool:
                states, statuses = seen()
                return (
                    states >= {"wait", "trade", "cancel"}
                    and statuses >= {"unfilled", "canceled"}
                    and bool(statuses & {"partiallyFilled", "filled"})
                )

            readers = [asyncio.create_task(_drain(ws, into, 60)) for ws, into in
                       ((up, upbit), (kb, korbit))]  # fmt: skip
            try:
                await wait_until(busy, 30.0, lambda: "trader too quiet: {} {}".format(*seen()))
            finally:
                for reader in readers:
                    reader.cancel()  # recv() is cancellation-safe: no frame is lost
                await asyncio.gather(*readers, return_exceptions=True)
            sim.pause_trader()
            for venue in ("upbit", "korbit"):
                for order in sim.account(venue).open_orders():  # type: ignore[arg-type]
                    sim.cancel_order(venue, order.id)  # type: ignore[arg-type]
            await asyncio.gather(_drain(up, upbit, 0.3), _drain(kb, korbit, 0.3))

        # Upbit: the last frame of each order agrees with REST, balances with the last myAsset
        last: dict[str, Any] = {}
        balances: dict[str, Any] = {}
        for message in upbit:
            if message["type"] == "myOrder":
                last[message["uuid"]] = message
            else:
                balances.update({a["currency"]: a for a in message["assets"]})
        closed = await _get(sim, "/v1/orders/closed?limit=1000",
                            bearer(upbit_jwt(query="limit=1000")))  # fmt: skip
        assert {row["uuid"]: row["state"] for row in closed} == {
            uid: m["state"] for uid, m in last.items()
        }
        for row in closed:
            assert Decimal(row["executed_volume"]) == last[row["uuid"]]["executed_volume"]
        for row in await _get(sim, "/v1/accounts", bearer(upbit_jwt())):
            if row["currency"] in balances:
                assert Decimal(row["balance"]) == balances[row["currency"]]["balance"]
                assert Decimal(row["locked"]) == balances[row["currency"]]["locked"] == 0

        # Korbit: every myTrade matches a REST trade; the last myAsset matches /v2/balance
        trade_ids = {t["tradeId"] for m in korbit if "trade" in m for t in m["trade"]["trades"]}
        rest_query = korbit_query([("limit", 1000), ("timestamp", sim.server_time())])
        mine = await _get(sim, f"/v2/myTrades?{rest_query}", kapi())
        assert {t["tradeId"] for t in mine["data"]} == trade_ids and trade_ids
        assets = {a["currency"]: a for m in korbit if "asset" in m for a in m["asset"]["assets"]}
        balance_query = korbit_query([("timestamp", sim.server_time())])
        for row in (await _get(sim, f"/v2/balance?{balance_query}", kapi()))["data"]:
            if row["currency"] in assets:
                pushed = assets[row["currency"]]
                assert (row["balance"], row["available"]) == (
                    pushed["balance"],
                    pushed["available"],
                )


class _Clock:
    def __init__(self) -> None:
        self.ms = FIXED_MS

    def __call__(self) -> int:
        return self.ms


async def _trader_run(start_sim: StartSim, seed: int) -> tuple[list[str], Simulator, list[str]]:
    """The demo trader acting by hand on a frozen market stepped between actions; returns
    its actions, the simulator, and what was wrong right after each partial fill."""
    clock = _Clock()
    config = TraderConfig(max_open_orders=6)
    sim = await start_sim(seed=seed, realtime=False, clock=clock, trader=config)
    actions: list[str] = []
    problems: list[str] = []
    for _ in range(250):
        for venue in ("upbit", "korbit"):
            action = sim.trader.act(venue)
            actions.append(f"{venue}:{action}")
            if action == "partial":
                resting = sim.account(venue).open_orders()  # type: ignore[arg-type]
                if not any(0 < o.filled < o.qty for o in resting):
                    problems.append(f"{venue}: no resting order with a partial fill")
        clock.ms += 100
        sim.advance()
    return actions, sim, problems


async def test_demo_trader_trades_off_the_watchlist_and_fills_resting_orders_in_part(
    start_sim: StartSim,
) -> None:
    actions, sim, problems = await _trader_run(start_sim, seed=7)
    assert problems == []
    config = sim.trader.config
    for venue in ("upbit", "korbit"):
        assert f"{venue}:partial" in actions and f"{venue}:placed" in actions
        orders = list(sim.account(venue).orders.values())  # type: ignore[arg-type]
        others = [o for o in orders if o.code in config.other_markets[venue]]
        assert others and {o.code for o in others} <= set(config.other_markets[venue])
        assert any(o.state == "filled" for o in others), "an order off the watchlist filled"
        assert any(len(o.fills) > 1 for o in orders), "some order filled in parts"
        assert all(o.code in config.all_markets(venue) for o in orders)
    # the default demo watchlist (settings.DEFAULT_WATCHLIST) holds none of the others
    assert not set(config.other_markets["upbit"]) & {
        "KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE", "KRW-ADA",
    }  # fmt: skip
    assert not set(config.other_markets["korbit"]) & {
        "btc_krw", "eth_krw", "xrp_krw", "sol_krw", "usdt_krw",
    }  # fmt: skip

    again, twin, _ = await _trader_run(start_sim, seed=7)
    assert again == actions  # seeded: the same decisions and the same orders

    def orders_of(simulator: Simulator) -> list[tuple[Any, ...]]:
        return [
            (o.id, o.code, o.side, o.price, o.qty, o.filled, o.state)
            for venue in ("upbit", "korbit")
            for o in simulator.account(venue).orders.values()  # type: ignore[arg-type]
        ]

    assert orders_of(twin) == orders_of(sim)
