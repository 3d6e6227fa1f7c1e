"""ccxt's ``ccxt.pro.upbit`` as a third-party client of the private side (upbit.md §8)."""

from __future__ import annotations

import asyncio
from decimal import Decimal

import ccxt.pro

from mdtui.sim import Simulator, demo_keys
from mdtui.sim.engine.ticks import step_down
from tests.support.waiting import wait_until


async def test_ccxt_watch_orders_and_balance(private: Simulator) -> None:
    exchange = ccxt.pro.upbit(
        {
            "apiKey": demo_keys.UPBIT_ACCESS_KEY,
            "secret": demo_keys.UPBIT_SECRET_KEY,
            "urls": {
                "api": {
                    "ws": private.ws_url + "/websocket/v1",
                    "public": private.http_url,
                    "private": private.http_url,
                }
            },
        }
    )
    stats = private.stats("upbit")

    def subscribed(kind: str) -> bool:
        return any(
            isinstance(p, list) and any(isinstance(i, dict) and i.get("type") == kind for i in p)
            for p in stats.payloads()
        )

    try:
        orders_task = asyncio.create_task(exchange.watch_orders("BTC/KRW"))
        await wait_until(lambda: subscribed("myOrder"), 5.0, "the myOrder subscription")
        balance_task = asyncio.create_task(exchange.watch_balance())
        # the simulator applies a request as it records it: subscribed means applied
        await wait_until(lambda: subscribed("myAsset"), 5.0, "the cumulative myAsset request")

        market = private.markets["upbit"]["KRW-BTC"]
        price = step_down(market.ladder, market.bids[0].price)
        order_id = private.place_order("upbit", "KRW-BTC", "buy", price, "0.01")
        orders = await asyncio.wait_for(orders_task, 5)
        assert orders[-1]["id"] == order_id and orders[-1]["status"] == "open"
        assert orders[-1]["side"] == "buy" and orders[-1]["price"] == float(price)
        balance = await asyncio.wait_for(balance_task, 5)
        assert balance["KRW"]["used"] > 0

        orders_task = asyncio.create_task(exchange.watch_orders("BTC/KRW"))
        balance_task = asyncio.create_task(exchange.watch_balance())
        await asyncio.sleep(0)
        private.fill_order("upbit", order_id, "0.004")
        orders = await asyncio.wait_for(orders_task, 5)
        assert orders[-1]["filled"] == 0.004 and orders[-1]["status"] == "open"
        balance = await asyncio.wait_for(balance_task, 5)
        assert balance["BTC"]["free"] == 0.504

        private.fill_order("upbit", order_id)
        for _ in range(5):
            orders = await asyncio.wait_for(exchange.watch_orders("BTC/KRW"), 5)
            if orders[-1]["status"] == "closed":
                break
        assert orders[-1]["status"] == "closed" and orders[-1]["filled"] == 0.01
        assert float(orders[-1]["fee"]["cost"]) == float(
            price * Decimal("0.01") * Decimal("0.0005")
        )
        await wait_until(lambda: exchange.balance["BTC"]["free"] == 0.51, 5.0, "0.51 BTC free")
        assert exchange.balance["KRW"]["used"] == 0
    finally:
        await exchange.close()
    assert private.stats("upbit").connections_accepted == 1  # one private socket
