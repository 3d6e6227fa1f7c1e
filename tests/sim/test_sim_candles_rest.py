"""Upbit's and Korbit's REST candles on the simulator's port (docs/protocols.md): every bucket
with trades is exactly the trades the simulator reported, the past before them is
generated, and the parameters, order, limits and errors are the exchanges'."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from itertools import pairwise

import httpx

from mdtui.sim import Limits, Simulator
from mdtui.sim.engine.ticks import KORBIT_KRW, UPBIT_KRW, is_on_tick
from tests.sim.candle_checks import (
    Ohlcv,
    buckets,
    get_json,
    korbit_trades,
    upbit_ohlcv,
    upbit_trades,
    utc_ms,
)
from tests.support.sim_client import FIXED_MS, StartSim

MINUTE = 60_000


async def stepped(start_sim: StartSim, step_ms: int, steps: int, seed: int = 7) -> Simulator:
    """A frozen simulator whose clock moves ``step_ms`` per hand step, after ``steps``
    steps of KRW-BTC and btc_krw: trades in many buckets, deterministic for the seed."""
    now = [FIXED_MS]
    sim = await start_sim(seed=seed, realtime=False, clock=lambda: now[0], trader=None)
    sim.markets["upbit"]["KRW-BTC"]
    sim.markets["korbit"]["btc_krw"]
    for _ in range(steps):
        now[0] += step_ms
        sim.advance()
    return sim


def korbit_ohlcv(row: dict[str, str]) -> tuple[Decimal, ...]:
    return tuple(Decimal(row[k]) for k in ("open", "high", "low", "close", "volume"))


def without_value(candle: Ohlcv) -> tuple[Decimal, ...]:
    return candle.open, candle.high, candle.low, candle.close, candle.volume


async def test_upbit_minute_candles_are_the_trades(start_sim: StartSim) -> None:
    sim = await stepped(start_sim, 1_700, 300)  # about 8.5 minutes of trades
    trades = await upbit_trades(sim, "KRW-BTC")
    rows = await get_json(sim, "/v1/candles/minutes/1?market=KRW-BTC&count=200")
    assert len(rows) == 200
    starts = [utc_ms(row["candle_date_time_utc"]) for row in rows]
    assert starts == sorted(starts, reverse=True), "newest first"
    expected = buckets(trades, MINUTE)
    first_traded = min(expected)
    traded = [row for row, start in zip(rows, starts, strict=True) if start >= first_traded]
    assert len(traded) == len(expected) > 5
    for row in traded:
        start = utc_ms(row["candle_date_time_utc"])
        assert upbit_ohlcv(row) == expected[start], row["candle_date_time_utc"]
        assert row["unit"] == 1 and row["market"] == "KRW-BTC"
        kst_hour = (int(row["candle_date_time_utc"][11:13]) + 9) % 24
        assert row["candle_date_time_kst"][11:13] == f"{kst_hour:02}"
    # the generated past: every minute before the first trade, one after another
    past = [row for row, start in zip(rows, starts, strict=True) if start < first_traded]
    past_starts = [utc_ms(row["candle_date_time_utc"]) for row in past]
    assert all(a - b == MINUTE for a, b in pairwise(past_starts))
    for row in past:
        o, h, low, c = (row[k] for k in ("opening_price", "high_price", "low_price", "trade_price"))
        assert low <= min(o, c) <= max(o, c) <= h
        assert all(is_on_tick(UPBIT_KRW, p) for p in (o, h, low, c))
        assert row["candle_acc_trade_volume"] > 0
        assert row["timestamp"] < utc_ms(row["candle_date_time_utc"]) + MINUTE


async def test_upbit_other_widths_aggregate_the_same_trades(start_sim: StartSim) -> None:
    sim = await stepped(start_sim, 1_700, 300)
    trades = await upbit_trades(sim, "KRW-BTC")
    assert len(trades) < 500  # every trade the market had
    for path, width in (
        ("seconds", 1_000),
        ("minutes/3", 3 * MINUTE),
        ("minutes/5", 5 * MINUTE),
        ("minutes/60", 60 * MINUTE),
        ("days", 1440 * MINUTE),
    ):
        expected = buckets(trades, width)
        rows = await get_json(sim, f"/v1/candles/{path}?market=KRW-BTC&count=200")
        assert len(rows) == 200, path
        by_start = {utc_ms(row["candle_date_time_utc"]): row for row in rows}
        shown = [start for start in expected if start >= min(by_start)]
        assert shown, path
        for start in shown:
            assert upbit_ohlcv(by_start[start]) == expected[start], (path, start)
        assert max(by_start) == max(expected)


async def test_upbit_days_weeks_months_fields(frozen: Simulator) -> None:
    days = await get_json(frozen, "/v1/candles/days?market=KRW-BTC&count=200")
    assert len(days) == 200
    for newer, older in pairwise(days):
        assert (
            utc_ms(newer["candle_date_time_utc"]) - utc_ms(older["candle_date_time_utc"])
            == 1440 * MINUTE
        )
        assert newer["prev_closing_price"] == older["trade_price"]
        assert newer["change_price"] == newer["trade_price"] - older["trade_price"]
    assert days[0]["candle_date_time_utc"].endswith("T00:00:00")
    assert days[0]["candle_date_time_kst"].endswith("T09:00:00")
    weeks = await get_json(frozen, "/v1/candles/weeks?market=KRW-BTC&count=200")
    assert len(weeks) == 200
    assert all(row["first_day_of_period"] == row["candle_date_time_utc"][:10] for row in weeks)
    # weeks start on Mondays
    assert all((utc_ms(row["candle_date_time_utc"]) // 86_400_000 + 3) % 7 == 0 for row in weeks)
    months = await get_json(frozen, "/v1/candles/months?market=KRW-BTC&count=24")
    assert [row["candle_date_time_utc"][8:] for row in months] == ["01T00:00:00"] * 24
    assert len({row["candle_date_time_utc"][:7] for row in months}) == 24
    # a week's open is its first day's open: one price path for every width
    week_start = utc_ms(weeks[5]["candle_date_time_utc"])
    to = weeks[5]["candle_date_time_utc"] + "Z"
    (day_before,) = await get_json(frozen, f"/v1/candles/days?market=KRW-BTC&count=1&to={to}")
    assert utc_ms(day_before["candle_date_time_utc"]) == week_start - 1440 * MINUTE
    assert day_before["trade_price"] == weeks[6]["trade_price"]


async def test_upbit_to_is_exclusive_and_pages_without_overlap(frozen: Simulator) -> None:
    first = await get_json(frozen, "/v1/candles/minutes/5?market=KRW-BTC&count=200")
    oldest = first[-1]["candle_date_time_utc"]
    for to in (oldest + "Z", oldest, oldest.replace("T", " "), oldest + ".000Z"):
        page = await get_json(frozen, f"/v1/candles/minutes/5?market=KRW-BTC&count=3&to={to}")
        assert [utc_ms(r["candle_date_time_utc"]) for r in page] == [
            utc_ms(oldest) - k * 5 * MINUTE for k in (1, 2, 3)
        ], to
    kst = f"{oldest[:11]}{(int(oldest[11:13]) + 9) % 24:02}{oldest[13:]}%2B09:00"
    if int(oldest[11:13]) < 15:  # same date in Korea
        page = await get_json(frozen, f"/v1/candles/minutes/5?market=KRW-BTC&count=1&to={kst}")
        assert utc_ms(page[0]["candle_date_time_utc"]) == utc_ms(oldest) - 5 * MINUTE


async def test_upbit_candle_errors_and_count(frozen: Simulator) -> None:
    async with httpx.AsyncClient(base_url=frozen.http_url, verify=False) as client:
        one = await client.get("/v1/candles/minutes/1?market=KRW-BTC")
        assert one.status_code == 200 and len(one.json()) == 1
        assert "group=candle" in one.headers["remaining-req"]
        for query, status, name in (
            ("minutes/1?market=KRW-BTC&count=201", 400, 400),
            ("minutes/1?market=KRW-BTC&count=0", 400, 400),
            ("minutes/1?market=KRW-BTC&count=x", 400, 400),
            ("minutes/1?market=KRW-BTC&to=yesterday", 400, 400),
            ("minutes/1?count=5", 400, 400),
            ("minutes/1?market=KRW-NOPE", 404, 404),
            ("days?market=KRW-BTC,KRW-ETH", 400, 400),
            ("minutes/2?market=KRW-BTC", 404, "not_found"),
        ):
            response = await client.get(f"/v1/candles/{query}")
            assert response.status_code == status, query
            assert response.json()["error"]["name"] == name, query


async def test_upbit_candle_group_is_limited(start_sim: StartSim) -> None:
    sim = await start_sim(
        seed=7,
        realtime=False,
        clock=lambda: FIXED_MS,
        limits=Limits(upbit_rest_candle_per_second=3),
    )
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        replies = await asyncio.gather(
            *(client.get("/v1/candles/seconds?market=KRW-BTC") for _ in range(5))
        )
    statuses = sorted(r.status_code for r in replies)
    assert statuses == [200, 200, 200, 429, 429]
    left = sorted(r.headers["remaining-req"] for r in replies)
    assert left.count("group=candle; min=600; sec=0") == 3  # the last admitted and the refused
    refused = next(r for r in replies if r.status_code == 429)
    assert refused.json()["error"]["name"] == "too_many_requests"


async def test_korbit_candles_are_the_trades(start_sim: StartSim) -> None:
    sim = await stepped(start_sim, 1_700, 300)
    trades = await korbit_trades(sim, "btc_krw")
    body = await get_json(sim, "/v2/candles?symbol=btc_krw&interval=1&limit=200")
    assert body["success"] is True
    rows = body["data"]
    assert len(rows) == 200
    starts = [row["timestamp"] for row in rows]
    assert starts == sorted(starts), "oldest first"
    assert all(isinstance(row["open"], str) for row in rows)
    expected = buckets(trades, MINUTE)
    for row in rows:
        if row["timestamp"] in expected:
            assert korbit_ohlcv(row) == without_value(expected[row["timestamp"]])
        else:
            assert row["timestamp"] < min(expected)
            assert is_on_tick(KORBIT_KRW, Decimal(row["low"]))
    assert sum(row["timestamp"] in expected for row in rows) == len(expected) > 5


async def test_korbit_candle_parameters(frozen: Simulator) -> None:
    week = await get_json(frozen, "/v2/candles?symbol=btc_krw&interval=1W&limit=200")
    assert len(week["data"]) == 200
    assert all((row["timestamp"] // 86_400_000 + 3) % 7 == 0 for row in week["data"])
    days = (await get_json(frozen, "/v2/candles?symbol=btc_krw&interval=1D"))["data"]
    assert len(days) == 100  # the default limit
    assert all(row["timestamp"] % 86_400_000 == 0 for row in days)
    hours = (await get_json(frozen, "/v2/candles?symbol=btc_krw&interval=60&limit=10"))["data"]
    end = hours[3]["timestamp"]
    query = f"startTime={end - 2 * 3_600_000}&endTime={end}"
    window = await get_json(frozen, f"/v2/candles?symbol=btc_krw&interval=60&limit=200&{query}")
    assert window["data"] == hours[1:4]  # both ends inclusive
    short = f"start={end - 2 * 3_600_000}&end={end}"  # the other spelling (UNCONFIRMED)
    again = await get_json(frozen, f"/v2/candles?symbol=btc_krw&interval=60&limit=200&{short}")
    assert again["data"] == hours[1:4]
    newest = await get_json(frozen, f"/v2/candles?symbol=btc_krw&interval=60&limit=2&endTime={end}")
    assert newest["data"] == hours[2:4]
    async with httpx.AsyncClient(base_url=frozen.http_url, verify=False) as client:
        for query, code in (
            ("symbol=btc_krw&interval=2", "BAD_REQUEST"),
            ("symbol=btc_krw", "BAD_REQUEST"),
            ("symbol=btc_krw&interval=1&limit=201", "BAD_REQUEST"),
            ("symbol=btc_krw&interval=1&limit=0", "BAD_REQUEST"),
            ("symbol=btc_krw&interval=1&startTime=20&endTime=10", "BAD_REQUEST"),
            ("symbol=btc_krw&interval=1&endTime=soon", "BAD_REQUEST"),
            ("symbol=BTC_KRW&interval=1", "INVALID_CURRENCY_PAIR"),
            ("interval=1", "BAD_REQUEST"),
        ):
            response = await client.get(f"/v2/candles?{query}")
            assert response.status_code == 400, query
            body = json.loads(response.text)
            assert body == {"success": False, "error": {"code": 400, "message": code}}, query


async def test_candles_are_deterministic_for_a_seed(start_sim: StartSim) -> None:
    async def frozen_sim(seed: int) -> Simulator:
        return await start_sim(seed=seed, realtime=False, clock=lambda: FIXED_MS)

    paths = (
        "/v1/candles/days?market=KRW-ETH&count=200",
        "/v1/candles/seconds?market=KRW-ETH&count=200",
        "/v2/candles?symbol=eth_krw&interval=240&limit=200",
    )
    one, two, other = [await frozen_sim(seed) for seed in (7, 7, 8)]
    for path in paths:
        assert await get_json(one, path) == await get_json(two, path), path
        assert await get_json(one, path) != await get_json(other, path), path


async def test_korbit_candles_follow_a_clock_set_back(start_sim: StartSim) -> None:
    """Korbit's clock moved back (``set_clock_skew``): later trades land in older buckets,
    and every bucket is still exactly its trades, opened and closed in time order."""
    now = [FIXED_MS]
    sim = await start_sim(seed=7, realtime=False, clock=lambda: now[0], trader=None)
    sim.markets["korbit"]["btc_krw"]
    for step in range(200):
        if step == 100:
            sim.set_clock_skew(-150_000)
        now[0] += 1_700
        sim.advance()
    trades = await korbit_trades(sim, "btc_krw")
    assert any(a.ts > b.ts for a, b in pairwise(trades)), "some trades went back in time"
    expected = buckets(sorted(trades, key=lambda t: t.ts), MINUTE)
    body = await get_json(sim, "/v2/candles?symbol=btc_krw&interval=1&limit=200")
    by_start = {row["timestamp"]: korbit_ohlcv(row) for row in body["data"]}
    for start, candle in expected.items():
        assert by_start[start] == without_value(candle), start
