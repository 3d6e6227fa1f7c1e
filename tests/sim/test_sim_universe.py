"""The whole market universe: Upbit's KRW, BTC and USDT markets, Upbit Global's regions and
Korbit's launched and stopped pairs, in the numbers and shapes of rest.md, served over REST
and the sockets; quiet and busy markets; markets built only when read."""

from __future__ import annotations

import json
import re
from collections import Counter
from decimal import Decimal
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect

from mdtui.sim import Simulator
from mdtui.sim.engine import coins, listings
from mdtui.sim.engine.listings import (
    CAUTIONS,
    KORBIT_CORE,
    UPBIT_CORE,
    Listing,
    korbit_listings,
    upbit_listings,
)
from mdtui.sim.engine.market_generator import Rate, VenueMarkets
from mdtui.sim.engine.ticks import is_on_tick, tick_size
from tests.support.sim_client import FAST, FIXED_MS, StartSim, korbit_json, upbit_frame

D = Decimal
HANGUL = re.compile(r"[가-힣]")


async def get(sim: Simulator, path: str) -> Any:
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        response = await client.get(path)
    assert response.status_code == 200, response.text
    return json.loads(response.text, parse_float=Decimal)


def quotes(rows: tuple[Listing, ...]) -> Counter[str]:
    return Counter(x.quote for x in rows)


# -- the listings ------------------------------------------------------------------------------


def test_upbit_lists_hundreds_of_krw_btc_and_usdt_markets() -> None:
    rows = upbit_listings("kr", 1)
    count = quotes(rows)
    assert count["KRW"] >= 200 and count["BTC"] >= 100 and count["USDT"] >= 80
    assert set(count) == {"KRW", "BTC", "USDT"}
    assert len({x.code for x in rows}) == len(rows)
    assert all(x.code == f"{x.quote}-{x.base}" for x in rows)


def test_korbit_lists_about_190_launched_krw_pairs_and_some_stopped() -> None:
    rows = korbit_listings(1)
    launched = [x for x in rows if x.active]
    assert 185 <= len(launched) <= 200 and len(rows) - len(launched) >= 20
    assert all(x.code == f"{x.base.lower()}_krw" and x.quote == "KRW" for x in rows)
    assert len({x.code for x in rows}) == len(rows)
    # most Korbit coins are on Upbit too (so the two can be compared)
    on_upbit = {x.base for x in upbit_listings("kr", 1) if x.quote == "KRW"}
    assert sum(x.base in on_upbit for x in launched) >= 0.6 * len(launched)


@pytest.mark.parametrize(("region", "fiat"), [("sg", "SGD"), ("id", "IDR"), ("th", "THB")])
def test_each_global_region_lists_its_own_fiat_market(region: str, fiat: str) -> None:
    rows = upbit_listings(region, 1)  # type: ignore[arg-type]
    count = quotes(rows)
    assert set(count) == {fiat, "BTC", "USDT"} and count[fiat] >= 50
    assert all(x.english_name and not x.korean_name for x in rows)
    assert f"{fiat}-BTC" in {x.code for x in rows}


def test_names_real_for_well_known_coins_and_made_up_in_korean_and_english_for_the_rest() -> None:
    rows = {x.code: x for x in upbit_listings("kr", 1)}
    assert (rows["KRW-BTC"].korean_name, rows["KRW-BTC"].english_name) == ("비트코인", "Bitcoin")
    assert (rows["KRW-XLM"].korean_name, rows["KRW-XLM"].english_name) == (
        "스텔라루멘",
        "Stellar Lumens",
    )
    assert rows["BTC-ETH"].korean_name == "이더리움"
    for x in rows.values():
        assert HANGUL.search(x.korean_name) and x.english_name, x
    made_up = [x for x in rows.values() if x.base not in {c.symbol for c in coins.WELL_KNOWN}]
    assert len(made_up) > 100
    assert all(re.fullmatch(r"[A-Z]{3,5}", x.base) for x in made_up if x not in UPBIT_CORE)


def test_prices_from_large_caps_to_sub_won_on_each_quotes_ticks() -> None:
    core = set(UPBIT_CORE + KORBIT_CORE)  # reference levels: their books start on the tick below
    for rows in (upbit_listings("kr", 1), korbit_listings(1), upbit_listings("sg", 1)):
        for x in rows:
            assert x in core or is_on_tick(x.ladder, x.price), x
            assert x.price >= 100 * tick_size(x.ladder, x.price), x
    kr = {x.code: x for x in upbit_listings("kr", 1)}
    krw = [x.price for x in kr.values() if x.quote == "KRW"]
    assert max(krw) > 100_000_000 and sum(p < 1 for p in krw) >= 3
    # BTC-quoted prices in BTC with 8 decimals; ticks down to 0.00000001
    assert all(-x.price.as_tuple().exponent <= 8 for x in kr.values() if x.quote == "BTC")
    assert tick_size(kr["BTC-ETH"].ladder, kr["BTC-ETH"].price) == D("0.00000001")
    assert tick_size(kr["USDT-PEPE"].ladder, kr["USDT-PEPE"].price) == D("0.00000001")
    assert tick_size(kr["USDT-BTC"].ladder, kr["USDT-BTC"].price) == D("0.01")


def test_a_few_markets_carry_market_event_flags() -> None:
    rows = upbit_listings("kr", 1)
    warned = [x for x in rows if x.warning]
    cautioned = [x for x in rows if x.cautions]
    assert 1 <= len(warned) <= 0.05 * len(rows)
    assert 3 <= len(cautioned) <= 0.15 * len(rows)
    assert all(set(x.cautions) <= set(CAUTIONS) for x in cautioned)
    assert any(x.quote == "KRW" and x.warning for x in rows)


def test_most_markets_are_quiet_and_a_few_busy() -> None:
    rows = upbit_listings("kr", 1)
    busy = [x for x in rows if x.activity >= 0.5]
    quiet = [x for x in rows if x.activity < 0.05]
    assert 10 <= len(busy) <= 40
    assert len(quiet) >= 0.7 * len(rows)


def test_listings_are_the_same_for_a_seed_and_differ_in_the_long_tail_between_seeds() -> None:
    tail = listings.TAIL_COINS
    taken: set[str] = set()
    assert coins.generated_coins(5, tail, taken) == coins.generated_coins(5, tail, taken)
    upbit_listings.cache_clear()
    once = upbit_listings("kr", 5)
    upbit_listings.cache_clear()
    assert upbit_listings("kr", 5) == once
    other = upbit_listings("kr", 6)
    assert once[: len(UPBIT_CORE)] == other[: len(UPBIT_CORE)]
    assert {x.code for x in once} != {x.code for x in other}
    assert {"KRW-XLM", "BTC-ETH", "USDT-XRP"} <= {x.code for x in other}


# -- markets: quiet and busy, built when read ------------------------------------------------


def test_a_quiet_market_moves_about_as_often_as_its_activity_says() -> None:
    rows = {x.code: x for x in upbit_listings("kr", 1)}
    quiet = next(x for x in rows.values() if x.quote == "KRW" and x.activity <= 0.01)
    markets = VenueMarkets("upbit", (rows["KRW-BTC"], quiet), seed=1, now_ms=FIXED_MS)
    trades: Counter[str] = Counter()
    steps = 20_000
    for step in range(steps):
        for code in ("KRW-BTC", quiet.code):
            update = markets.step(code, FIXED_MS + step * 100, Rate())
            trades[code] += len(update.trades) if update else 0
    expected = steps * Rate().trade_probability * quiet.activity
    assert 0.4 * expected <= trades[quiet.code] <= 2.5 * expected
    assert trades["KRW-BTC"] > 50 * trades[quiet.code]


async def test_markets_are_built_only_when_read(start_sim: StartSim) -> None:
    sim = await start_sim(seed=3, trader=None)
    assert sim.upbit_markets.built() == [] and sim.korbit_markets.built() == []
    rows = await get(sim, "/v1/market/all?is_details=true")
    pairs = await get(sim, "/v2/currencyPairs")
    assert len(rows) == len(upbit_listings("kr", 3)) and len(pairs["data"]) == 227
    assert sim.upbit_markets.built() == [] and sim.korbit_markets.built() == []
    await get(sim, "/v1/ticker?markets=KRW-BTC,BTC-ETH")
    assert [m.code for m in sim.upbit_markets.built()] == ["KRW-BTC", "BTC-ETH"]


# -- REST and sockets ----------------------------------------------------------------------------


async def test_market_all_carries_each_markets_market_event(frozen: Simulator) -> None:
    rows = {row["market"]: row for row in await get(frozen, "/v1/market/all?is_details=true")}
    for listing in upbit_listings("kr", frozen.seed):
        event = rows[listing.code]["market_event"]
        assert event["warning"] is listing.warning
        assert {k for k, on in event["caution"].items() if on} == set(listing.cautions)
        assert set(event["caution"]) == set(CAUTIONS)
    warned = next(x.code for x in upbit_listings("kr", frozen.seed) if x.warning)
    async with connect(frozen.upbit_ws_url) as ws:
        await ws.send(json.dumps([{"ticket": "t"}, {"type": "ticker", "codes": [warned]}]))
        assert (await upbit_frame(ws))["market_warning"] == "CAUTION"


async def test_instruments_and_tick_policy_agree_with_each_markets_book(frozen: Simulator) -> None:
    codes = ["KRW-BTC", "KRW-PEPE", "BTC-ETH", "USDT-BTC", "USDT-PEPE"]
    rows = await get(frozen, f"/v1/orderbook/instruments?markets={','.join(codes)}")
    books = await get(frozen, f"/v1/orderbook?markets={','.join(codes)}")
    for row, book in zip(rows, books, strict=True):
        quote = row["market"].split("-")[0]
        assert row["quote_currency"] == quote
        if quote == "KRW":
            assert len(row["supported_levels"]) > 1
        else:
            assert row["supported_levels"] == ["0"]
        tick = D(row["tick_size"])
        unit = book["orderbook_units"][0]
        assert unit["bid_price"] < unit["ask_price"]
        assert unit["bid_price"] % tick == 0 and unit["bid_price"] >= 100 * tick
    assert [r["tick_size"] for r in rows[2:]] == ["0.00000001", "0.01", "0.00000001"]
    quiet_pair = next(x.code for x in korbit_listings(frozen.seed) if x.active and x.price < 10)
    (policy,) = (await get(frozen, f"/v2/tickSizePolicy?symbol={quiet_pair}"))["data"]
    bands = [(D(b["priceGte"]), D(b["tickSize"])) for b in policy["tickSizePolicy"]]
    book = (await get(frozen, f"/v2/orderbook?symbol={quiet_pair}"))["data"]
    for level in book["bids"] + book["asks"]:
        price = D(level["price"])
        tick = max((b for b in bands if b[0] <= price), key=lambda b: b[0])[1]
        assert price % tick == 0


async def test_every_upbit_market_streams_a_ticker_and_busy_ones_keep_streaming(
    start_sim: StartSim,
) -> None:
    sim = await start_sim(seed=4, trader=None, rate=FAST)
    codes = [x.code for x in upbit_listings("kr", 4)]
    snapshots: set[str] = set()
    realtime: Counter[str] = Counter()
    async with connect(sim.upbit_ws_url, max_size=2**24) as ws:
        await ws.send(json.dumps([{"ticket": "t"}, {"type": "ticker", "codes": codes}]))

        async def enough() -> bool:
            while True:
                message = await upbit_frame(ws, 5.0)
                if message["stream_type"] == "SNAPSHOT":
                    snapshots.add(message["code"])
                else:
                    realtime[message["code"]] += 1
                if len(snapshots) == len(codes) and sum(realtime.values()) >= 300:
                    return True

        await enough()
    assert snapshots == set(codes)
    busy = {x.code for x in upbit_listings("kr", 4) if x.activity >= 1}
    assert sum(realtime[c] for c in busy) > 0.5 * sum(realtime.values())
    assert len(realtime) < len(codes), "quiet markets stay quiet"


async def test_a_btc_and_a_usdt_market_stream_books_and_trades_on_their_ticks(
    start_sim: StartSim,
) -> None:
    sim = await start_sim(seed=4, trader=None, rate=FAST)
    codes = ["BTC-ETH", "USDT-XRP"]
    seen: dict[tuple[str, str], Any] = {}
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(
            json.dumps([
                {"ticket": "t"},
                {"type": "orderbook", "codes": codes},
                {"type": "trade", "codes": codes},
            ])
        )  # fmt: skip

        async def frames() -> None:
            while len(seen) < 4:
                message = await upbit_frame(ws, 5.0)
                seen[(message["type"], message["code"])] = message

        await frames()
    for code in codes:
        ladder = sim.upbit_markets[code].ladder
        units = seen[("orderbook", code)]["orderbook_units"]
        assert len(units) == 30 and units[0]["bid_price"] < units[0]["ask_price"]
        for unit in units:
            assert is_on_tick(ladder, unit["bid_price"]) and is_on_tick(ladder, unit["ask_price"])
        trade = seen[("trade", code)]
        assert is_on_tick(ladder, trade["trade_price"])
    assert seen[("orderbook", "BTC-ETH")]["orderbook_units"][0]["bid_price"] < 1


async def test_korbit_serves_launched_and_stopped_pairs(frozen: Simulator) -> None:
    pairs = (await get(frozen, "/v2/currencyPairs"))["data"]
    status = Counter(row["status"] for row in pairs)
    assert status["launched"] == 193 and status["stopped"] == 34
    assert {row["quoteCurrency"] for row in pairs} == {"krw"}
    stopped = next(row["symbol"] for row in pairs if row["status"] == "stopped"
                   and row["symbol"] != "klay_krw")  # fmt: skip
    (ticker,) = (await get(frozen, f"/v2/tickers?symbol={stopped}"))["data"]
    assert ticker["bestBidPrice"] == "0" and ticker["bestAskPrice"] == "0"
    book = (await get(frozen, f"/v2/orderbook?symbol={stopped}"))["data"]
    assert book["bids"] == [] and book["asks"] == []
    async with connect(frozen.korbit_ws_url) as ws:
        symbols = [row["symbol"] for row in pairs if row["status"] == "launched"]
        await ws.send(json.dumps([{"method": "subscribe", "type": "ticker", "symbols": symbols}]))
        got = {(await korbit_json(ws))["symbol"] for _ in symbols}
    assert got == set(symbols)


# -- Upbit Global ------------------------------------------------------------------------------


async def test_a_global_region_serves_its_own_listing_and_account(start_sim: StartSim) -> None:
    sim = await start_sim(seed=2, realtime=False, clock=lambda: FIXED_MS, upbit_region="sg")
    rows = await get(sim, "/v1/market/all?is_details=true")
    assert {row["market"].split("-")[0] for row in rows} == {"SGD", "BTC", "USDT"}
    assert all("korean_name" not in row and row["english_name"] for row in rows)
    assert all("market_event" in row for row in rows)
    (inst,) = await get(sim, "/v1/orderbook/instruments?markets=SGD-BTC")
    assert inst == {"market": "SGD-BTC", "quote_currency": "SGD", "tick_size": "1"}
    tickers = await get(sim, "/v1/ticker/all")
    assert tickers and all(row["market"].startswith("SGD-") for row in tickers)
    assert "KRW-BTC" not in sim.upbit_markets
    assert sim.account("upbit").quote == "SGD" and sim.account("upbit").holding("SGD").total > 0

    indonesia = await start_sim(seed=2, realtime=False, clock=lambda: FIXED_MS, upbit_region="id")
    rows = await get(indonesia, "/v1/market/all?is_details=true")
    assert rows[0].keys() == {"market", "english_name", "market_warning"}
    assert {row["market"].split("-")[0] for row in rows} == {"IDR", "BTC", "USDT"}
