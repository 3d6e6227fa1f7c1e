"""REST on the simulator's port against rest.md, with httpx; and frozen-mode determinism."""

from __future__ import annotations

import json
from decimal import Decimal

import httpx
import pytest
from websockets.asyncio.client import connect

from mdtui.sim import Simulator
from mdtui.sim.engine.ticks import KORBIT_KRW, UPBIT_KRW, is_on_tick
from tests.support.sim_client import FIXED_MS, recv


async def get(sim: Simulator, path: str) -> httpx.Response:
    # plain http on loopback: skip loading CA certificates (tens of ms per client)
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        return await client.get(path)


def numbers(response: httpx.Response) -> object:
    """The body with JSON numbers as Decimal, to check they are numbers, not strings."""
    return json.loads(response.text, parse_float=Decimal)


# -- Upbit ---------------------------------------------------------------------------------


async def test_upbit_market_all(frozen: Simulator) -> None:
    plain = (await get(frozen, "/v1/market/all")).json()
    assert plain[0] == {"market": "KRW-BTC", "korean_name": "비트코인", "english_name": "Bitcoin"}
    assert {row["market"].split("-")[0] for row in plain} == {"KRW", "BTC", "USDT"}
    detailed = (await get(frozen, "/v1/market/all?is_details=true")).json()
    assert detailed[0]["market_event"]["warning"] is False
    assert "PRICE_FLUCTUATIONS" in detailed[0]["market_event"]["caution"]


async def test_upbit_ticker(frozen: Simulator) -> None:
    response = await get(frozen, "/v1/ticker?markets=KRW-BTC,krw-eth")
    assert response.status_code == 200 and "group=ticker" in response.headers["remaining-req"]
    rows = numbers(response)
    assert [row["market"] for row in rows] == ["KRW-BTC", "KRW-ETH"]
    row = rows[0]
    assert isinstance(row["trade_price"], int | Decimal)  # a JSON number, not a string
    assert isinstance(row["acc_trade_volume"], Decimal) and isinstance(row["timestamp"], int)
    assert row["change_rate"] == abs(row["signed_change_rate"])
    assert len(row["trade_date_kst"]) == 8


async def test_upbit_orderbook_and_instruments(frozen: Simulator) -> None:
    (book,) = numbers(await get(frozen, "/v1/orderbook?markets=KRW-BTC&count=5"))
    units = book["orderbook_units"]
    assert len(units) == 5 and book["level"] == 0
    assert units[0]["bid_price"] < units[0]["ask_price"]
    assert all(is_on_tick(UPBIT_KRW, u["ask_price"]) for u in units)
    assert (
        len(numbers(await get(frozen, "/v1/orderbook?markets=KRW-BTC"))[0]["orderbook_units"]) == 30
    )
    (inst,) = (await get(frozen, "/v1/orderbook/instruments?markets=KRW-BTC")).json()
    assert inst == {
        "market": "KRW-BTC",
        "quote_currency": "KRW",
        "tick_size": "1000",
        "supported_levels": ["0", "10000", "100000", "1000000", "10000000", "100000000"],
    }
    (grouped,) = numbers(await get(frozen, "/v1/orderbook?markets=KRW-BTC&level=100000"))
    assert all(u["bid_price"] % 100000 == 0 for u in grouped["orderbook_units"])
    assert (await get(frozen, "/v1/orderbook?markets=KRW-BTC&level=3")).json() == []


async def test_upbit_trades_ticks(frozen: Simulator) -> None:
    rows = numbers(await get(frozen, "/v1/trades/ticks?market=KRW-BTC&count=3"))
    assert len(rows) == 3
    assert [r["timestamp"] for r in rows] == sorted((r["timestamp"] for r in rows), reverse=True)
    assert set(rows[0]) == {
        "market", "trade_date_utc", "trade_time_utc", "timestamp", "trade_price",
        "trade_volume", "prev_closing_price", "change_price", "ask_bid", "sequential_id",
    }  # fmt: skip
    assert len(numbers(await get(frozen, "/v1/trades/ticks?market=KRW-BTC"))) == 1
    older = numbers(
        await get(
            frozen, f"/v1/trades/ticks?market=KRW-BTC&count=2&cursor={rows[0]['sequential_id']}"
        )
    )
    assert older == rows[1:3]


@pytest.mark.parametrize(
    ("path", "status", "error"),
    [
        ("/v1/ticker?markets=KRW-BTC,KRW-NOPE", 404, {"name": 404, "message": "Code not found"}),
        (
            "/v1/ticker",
            400,
            {
                "name": 400,
                "message": "Missing request parameter error. Check the required parameters!",
            },
        ),
        (
            "/v1/trades/ticks?market=KRW-BTC&count=x",
            400,
            {"name": 400, "message": "Type mismatch error. Check the parameters type!"},
        ),
        (
            "/v1/nowhere",
            404,
            {"name": "not_found", "message": "no Route matched with those values"},
        ),
        ("/", 404, {"name": "not_found", "message": "no Route matched with those values"}),
    ],
)
async def test_upbit_errors(frozen: Simulator, path: str, status: int, error: dict) -> None:
    response = await get(frozen, path)
    assert response.status_code == status
    assert response.json() == {"error": error}


# -- Korbit --------------------------------------------------------------------------------


async def test_korbit_currency_pairs_and_time(frozen: Simulator) -> None:
    pairs = (await get(frozen, "/v2/currencyPairs")).json()
    assert pairs["success"] is True
    assert pairs["data"][0] == {
        "symbol": "btc_krw",
        "status": "launched",
        "baseCurrency": "btc",
        "quoteCurrency": "krw",
        "minOrderValue": "5000",
        "maxOrderValue": "1000000000",
    }
    assert {row["status"] for row in pairs["data"]} == {"launched", "stopped"}
    assert (await get(frozen, "/v2/time")).json() == {"success": True, "data": {"time": FIXED_MS}}


async def test_korbit_tickers(frozen: Simulator) -> None:
    response = await get(frozen, "/v2/tickers?symbol=btc_krw,eth_krw")
    assert response.headers["ratelimit-policy"] == "50;w=1"
    rows = response.json()["data"]
    assert [r["symbol"] for r in rows] == ["btc_krw", "eth_krw"]
    row = rows[0]
    assert Decimal(row["priceChange"]) == Decimal(row["close"]) - Decimal(row["prevClose"])
    assert all(isinstance(v, str) for k, v in row.items() if k != "lastTradedAt")
    assert len((await get(frozen, "/v2/tickers")).json()["data"]) >= 10
    assert (await get(frozen, "/v2/tickers?symbol=nope_krw")).json() == {
        "success": True,
        "data": [],
    }
    stopped = (await get(frozen, "/v2/tickers?symbol=klay_krw")).json()["data"][0]
    assert stopped["bestBidPrice"] == stopped["bestAskPrice"] == "0"


async def test_korbit_orderbook_trades_tick_policy(frozen: Simulator) -> None:
    book = (await get(frozen, "/v2/orderbook?symbol=btc_krw")).json()["data"]
    assert set(book) == {"timestamp", "bids", "asks"}
    assert len(book["bids"]) == len(book["asks"]) == 30
    assert Decimal(book["bids"][0]["price"]) < Decimal(book["asks"][0]["price"])
    assert all(is_on_tick(KORBIT_KRW, Decimal(x["price"])) for x in book["bids"] + book["asks"])
    grouped = (await get(frozen, "/v2/orderbook?symbol=xrp_krw&level=10")).json()["data"]
    assert set(grouped["asks"][0]) == {"price", "qty", "amt"}
    trades = (await get(frozen, "/v2/trades?symbol=btc_krw&limit=5")).json()["data"]
    assert len(trades) == 5
    assert [t["tradeId"] for t in trades] == sorted((t["tradeId"] for t in trades), reverse=True)
    (policy,) = (await get(frozen, "/v2/tickSizePolicy?symbol=xrp_krw")).json()["data"]
    assert policy["symbol"] == "xrp_krw"
    assert policy["tickSizePolicy"][0] == {"priceGte": "0", "tickSize": "0.0001"}
    assert {"priceGte": "1000000", "tickSize": "1000"} in policy["tickSizePolicy"]
    assert policy["orderbookLevels"] == ["0.1", "1", "10", "100"]


@pytest.mark.parametrize(
    ("path", "status", "code"),
    [
        ("/v2/orderbook", 400, "BAD_REQUEST"),
        ("/v2/orderbook?symbol=BTC_KRW", 400, "INVALID_CURRENCY_PAIR"),
        ("/v2/orderbook?symbol=btc_krw&level=7", 400, "BAD_REQUEST"),
        ("/v2/trades?symbol=btc_krw&limit=501", 400, "BAD_REQUEST"),
        ("/v2/nowhere", 404, "NOT_FOUND"),
    ],
)
async def test_korbit_errors(frozen: Simulator, path: str, status: int, code: str) -> None:
    response = await get(frozen, path)
    assert response.status_code == status
    assert response.json() == {"success": False, "error": {"code": status, "message": code}}


# -- determinism ---------------------------------------------------------------------------


async def _snapshot_bytes(sim: Simulator) -> list[bytes | str]:
    out: list[bytes | str] = []
    for path in ("/v1/ticker?markets=KRW-BTC,KRW-SHIB", "/v1/orderbook?markets=KRW-ETH",
                 "/v1/trades/ticks?market=KRW-XRP&count=50", "/v2/tickers",
                 "/v2/orderbook?symbol=sol_krw"):  # fmt: skip
        out.append((await get(sim, path)).content)
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send('[{"ticket":"x"},{"type":"orderbook","codes":["KRW-BTC"]}]')
        out.append(await recv(ws))
    return out


async def test_frozen_simulator_is_deterministic() -> None:
    runs = []
    for seed in (5, 5, 6):
        async with Simulator(seed=seed, realtime=False, clock=lambda: FIXED_MS) as sim:
            runs.append(await _snapshot_bytes(sim))
    assert runs[0] == runs[1]
    assert runs[0] != runs[2]


async def test_advance_moves_a_frozen_market(frozen: Simulator) -> None:
    before = (await get(frozen, "/v2/orderbook?symbol=btc_krw")).json()
    assert (await get(frozen, "/v2/orderbook?symbol=btc_krw")).json() == before
    frozen.advance(20)
    assert (await get(frozen, "/v2/orderbook?symbol=btc_krw")).json() != before
