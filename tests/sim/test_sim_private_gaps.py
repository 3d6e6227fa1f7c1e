"""The private REST calls a client needs to recover after a gap (a reconnect), as the
exchanges document them: Upbit ``/v1/orders/uuids`` and ``/v1/orders/closed``, Korbit
``/v2/orders``, ``/v2/allOrders`` and ``/v2/myTrades`` (history that lags), and both
venues' private REST rate limits. Frozen simulators on a clock the test moves."""

from __future__ import annotations

import asyncio
import hashlib
import uuid
from decimal import Decimal
from typing import Any

import httpx
import jwt
import pytest

from mdtui.sim import Limits, OrderError, Simulator, UpbitPrivatePolicy, demo_keys
from tests.support.sim_client import FAST, FIXED_MS, StartSim, bearer, korbit_rest, upbit_rest
from tests.support.waiting import wait_until

D = Decimal
TOO_MANY_UPBIT = {"error": {"name": "too_many_requests", "message": "Too many requests"}}
TOO_MANY_KORBIT = {"success": False, "error": {"code": 429, "message": "TOO_MANY_REQUESTS"}}


class Clock:
    """A simulator clock the test sets (ms)."""

    def __init__(self, ms: int = FIXED_MS) -> None:
        self.ms = ms

    def __call__(self) -> int:
        return self.ms


async def frozen_at(start_sim: StartSim, clock: Clock, **options: Any) -> Simulator:
    """A frozen simulator on ``clock`` with no websocket or REST rate limits (unless given)."""
    options.setdefault(
        "limits",
        Limits(
            upbit_connections_per_second=None,
            upbit_messages_per_second=None,
            upbit_rest_default_per_second=None,
            korbit_rest_private_per_second=None,
        ),
    )
    return await start_sim(seed=7, realtime=False, clock=clock, **options)


async def upbit_ok(sim: Simulator, path: str, query: str = "") -> Any:
    response = await upbit_rest(sim, path, query)
    assert response.status_code == 200, response.text
    return response.json()


async def upbit_error(sim: Simulator, path: str, query: str) -> tuple[int, str]:
    response = await upbit_rest(sim, path, query)
    return response.status_code, response.json()["error"]["name"]


async def korbit_ok(sim: Simulator, path: str, *params: tuple[str, str | int]) -> Any:
    response = await korbit_rest(sim, path, *params)
    body = response.json()
    assert response.status_code == 200 and body["success"] is True, body
    return body["data"]


async def korbit_error(sim: Simulator, path: str, *params: tuple[str, str | int]) -> Any:
    response = await korbit_rest(sim, path, *params)
    body = response.json()
    assert body["success"] is False and body["error"]["code"] == response.status_code
    return response.status_code, body["error"]["message"]


def uuids_query(*ids: str, key: str = "uuids") -> str:
    """Repeated bracket keys, percent-encoded as a client sends them."""
    return "&".join(f"{key}%5B%5D={i}" for i in ids)


# -- Upbit /v1/orders/uuids ----------------------------------------------------------------------


async def test_upbit_orders_by_uuids_in_any_state(start_sim: StartSim) -> None:
    clock = Clock()
    sim = await frozen_at(start_sim, clock)
    done = sim.place_order("upbit", "KRW-BTC", "buy", None, "0.01")
    clock.ms += 1000
    canceled = sim.place_order("upbit", "KRW-ETH", "sell", None, "1")
    clock.ms += 1000
    waiting = sim.place_order("upbit", "KRW-DOT", "buy", None, "10")  # nobody watches it
    clock.ms += 1000
    sim.fill_order("upbit", done)
    sim.cancel_order("upbit", canceled)
    sim.fill_order("upbit", waiting, "4")
    assert isinstance(done, str) and isinstance(canceled, str) and isinstance(waiting, str)

    query = uuids_query(done, "0b6c5d3e-0000-4000-8000-000000000000", canceled, waiting)
    rows = await upbit_ok(sim, "/v1/orders/uuids", query)
    assert [(r["uuid"], r["state"]) for r in rows] == [
        (waiting, "wait"), (canceled, "cancel"), (done, "done"),
    ]  # fmt: skip  # newest first, the unknown uuid left out
    assert all("trades" not in r for r in rows)
    assert rows[0]["executed_volume"] == "4" and rows[0]["remaining_volume"] == "6"
    assert rows[0]["trades_count"] == 1 and rows[0]["market"] == "KRW-DOT"
    assert all(isinstance(rows[0][k], str) for k in ("price", "volume", "locked", "paid_fee"))
    ascending = await upbit_ok(sim, "/v1/orders/uuids", f"{query}&order_by=asc")
    assert [r["uuid"] for r in ascending] == [done, canceled, waiting]
    # the same rows as the other order calls give
    (open_row,) = await upbit_ok(sim, "/v1/orders/open", "market=KRW-DOT")
    assert open_row == rows[0]
    (by_market,) = await upbit_ok(sim, "/v1/orders/uuids", f"{query}&market=KRW-ETH")
    assert by_market["uuid"] == canceled
    # duplicates come back once; unknown ids only: an empty list
    assert len(await upbit_ok(sim, "/v1/orders/uuids", uuids_query(done, done))) == 1
    assert await upbit_ok(sim, "/v1/orders/uuids", uuids_query("nope")) == []


async def test_upbit_orders_by_identifiers_and_errors(start_sim: StartSim) -> None:
    sim = await frozen_at(start_sim, Clock())
    order_id = sim.place_order("upbit", "KRW-XRP", "buy", None, "10", client_order_id="gap-1")
    with pytest.raises(OrderError, match="duplicate"):
        sim.place_order("upbit", "KRW-XRP", "buy", None, "10", client_order_id="gap-1")
    (row,) = await upbit_ok(sim, "/v1/orders/uuids", uuids_query("gap-1", key="identifiers"))
    assert (row["uuid"], row["identifier"]) == (order_id, "gap-1")
    detail = await upbit_ok(sim, "/v1/order", "identifier=gap-1")
    assert detail["uuid"] == order_id and detail["trades"] == []
    plain = sim.place_order("upbit", "KRW-XRP", "buy", None, "10")
    (no_identifier,) = await upbit_ok(sim, "/v1/orders/uuids", uuids_query(str(plain)))
    assert "identifier" not in no_identifier

    both = f"{uuids_query(str(order_id))}&{uuids_query('gap-1', key='identifiers')}"
    too_many = uuids_query(*(f"id-{n}" for n in range(101)))
    for query, expected in (
        (both, (400, "invalid_parameter")),
        (too_many, (400, "invalid_parameter")),
        ("market=KRW-XRP", (400, "validation_error")),
        (f"{uuids_query(str(order_id))}&market=KRW-NOPE", (400, "notfoundmarket")),
        (f"{uuids_query(str(order_id))}&order_by=sideways", (400, "invalid_parameter")),
    ):
        assert await upbit_error(sim, "/v1/orders/uuids", query) == expected
    assert len(await upbit_ok(sim, "/v1/orders/uuids", uuids_query(*(["x"] * 99), "y"))) == 0
    # brackets go out encoded and are hashed decoded; a hash of the encoded form fails
    query = uuids_query(str(order_id))
    async with httpx.AsyncClient(base_url=sim.http_url) as client:
        token = jwt.encode(
            {
                "access_key": demo_keys.UPBIT_ACCESS_KEY,
                "nonce": str(uuid.uuid4()),
                "query_hash": hashlib.sha512(query.encode()).hexdigest(),
                "query_hash_alg": "SHA512",
            },
            demo_keys.UPBIT_SECRET_KEY,
        )
        response = await client.get(f"/v1/orders/uuids?{query}", headers=bearer(token))
    assert response.status_code == 401
    assert response.json()["error"]["name"] == "invalid_query_payload"


# -- Upbit /v1/orders/closed ---------------------------------------------------------------------


async def test_upbit_closed_orders_filter_on_creation_and_drop_past_limit(
    start_sim: StartSim,
) -> None:
    clock = Clock()
    sim = await frozen_at(start_sim, clock)
    t0 = clock.ms
    ids = []
    for _ in range(3):
        ids.append(sim.place_order("upbit", "KRW-XRP", "sell", None, "10"))
        clock.ms += 1000
    clock.ms += 5000
    for order_id in ids:  # all three close after the last was created
        sim.cancel_order("upbit", order_id)
    rows = await upbit_ok(sim, "/v1/orders/closed", "limit=2")
    assert [r["uuid"] for r in rows] == [ids[2], ids[1]]  # newest two, the oldest dropped
    rows = await upbit_ok(sim, "/v1/orders/closed", "limit=2&order_by=asc")
    assert [r["uuid"] for r in rows] == [ids[0], ids[1]]
    # created before start_time, closed after it: not returned (look it up by uuid instead)
    rows = await upbit_ok(sim, "/v1/orders/closed", f"start_time={t0 + 1000}&state=cancel")
    assert [r["uuid"] for r in rows] == [ids[2], ids[1]]
    rows = await upbit_ok(sim, "/v1/orders/closed", f"start_time={t0}&end_time={t0 + 1000}")
    assert [r["uuid"] for r in rows] == [ids[1], ids[0]]  # both ends inclusive


async def test_upbit_closed_orders_iso_times_fail_the_jwt_check(start_sim: StartSim) -> None:
    sim = await frozen_at(start_sim, Clock())
    sim.cancel_order("upbit", sim.place_order("upbit", "KRW-XRP", "sell", None, "10"))
    for query in (
        "start_time=2025-06-15T00:00:00%2B09:00",
        "end_time=2025-06-16T00:00:00Z",
        f"start_time={FIXED_MS - 1000}&end_time=2025-06-16T00:00:00Z",
    ):
        response = await upbit_rest(sim, "/v1/orders/closed", query)
        assert response.status_code == 401
        assert response.json() == {
            "error": {"name": "jwt_verification", "message": "Failed to verify the query of Jwt"}
        }
    assert len(await upbit_ok(sim, "/v1/orders/closed", f"start_time={FIXED_MS - 1000}")) == 1

    lenient = await frozen_at(
        start_sim, Clock(), upbit_policy=UpbitPrivatePolicy(iso_time_fails=False)
    )
    lenient.cancel_order("upbit", lenient.place_order("upbit", "KRW-XRP", "sell", None, "10"))
    rows = await upbit_ok(lenient, "/v1/orders/closed", "start_time=2025-06-15T00:00:00Z")
    assert len(rows) == 1


# -- Upbit rate limit ----------------------------------------------------------------------------


def remaining_req(response: Any) -> int:
    header = response.headers["Remaining-Req"]
    group, minute, second = (part.strip() for part in header.split(";"))
    assert (group, minute) == ("group=default", "min=1800")
    return int(second.removeprefix("sec="))


async def test_upbit_remaining_req_counts_down_per_key(start_sim: StartSim) -> None:
    sim = await start_sim(seed=7, realtime=False, clock=Clock())  # the default limits
    first = await upbit_rest(sim, "/v1/accounts")
    second = await upbit_rest(sim, "/v1/orders/open")
    assert (remaining_req(first), remaining_req(second)) == (29, 28)
    other = await upbit_rest(
        sim,
        "/v1/accounts",
        access_key=demo_keys.UPBIT_NO_READ_ACCESS_KEY,
        secret=demo_keys.UPBIT_NO_READ_SECRET_KEY,
    )
    assert other.status_code == 403 and remaining_req(other) == 29  # its own window
    failed = await upbit_rest(sim, "/v1/orders/uuids")  # errors are counted and carry it
    assert failed.status_code == 400 and remaining_req(failed) == 27


async def test_upbit_default_group_limit_gives_429(start_sim: StartSim) -> None:
    sim = await frozen_at(start_sim, Clock(), limits=Limits(upbit_rest_default_per_second=3))
    replies = await asyncio.gather(*(upbit_rest(sim, "/v1/accounts") for _ in range(6)))
    admitted = [r for r in replies if r.status_code == 200]
    refused = [r for r in replies if r.status_code != 200]
    assert sorted(remaining_req(r) for r in admitted) == [0, 1, 2]
    assert [r.status_code for r in refused] == [429] * 3
    assert all(r.json() == TOO_MANY_UPBIT and remaining_req(r) == 0 for r in refused)
    async with httpx.AsyncClient(base_url=sim.http_url) as client:  # not in the group
        assert (await client.get("/v1/ticker?markets=KRW-BTC")).status_code == 200
    async with asyncio.timeout(30):
        while (await upbit_rest(sim, "/v1/accounts")).status_code == 429:
            await asyncio.sleep(0.05)  # polling until the one-second window has moved on

    unlimited = await frozen_at(start_sim, Clock())
    replies = await asyncio.gather(*(upbit_rest(unlimited, "/v1/accounts") for _ in range(40)))
    assert {r.status_code for r in replies} == {200}
    assert {remaining_req(r) for r in replies} == {29}


# -- Korbit /v2/orders ---------------------------------------------------------------------------


async def test_korbit_order_lookup_is_current(start_sim: StartSim) -> None:
    clock = Clock()
    sim = await frozen_at(start_sim, clock, korbit_history_delay_ms=5000)
    number = sim.place_order("korbit", "eth_krw", "sell", None, "1.5", client_order_id="k:gap_1")
    other = sim.place_order("korbit", "dot_krw", "buy", None, "3")  # nobody watches dot_krw
    sim.fill_order("korbit", number, "0.5")
    row = await korbit_ok(sim, "/v2/orders", ("symbol", "eth_krw"), ("orderId", number))
    assert (row["orderId"], row["symbol"], row["status"]) == (number, "eth_krw", "partiallyFilled")
    assert (row["filledQty"], row["clientOrderId"]) == ("0.5", "k:gap_1")
    assert row["lastFilledAt"] == clock.ms and row["createdAt"] == clock.ms
    same = await korbit_ok(sim, "/v2/orders", ("symbol", "eth_krw"), ("clientOrderId", "k:gap_1"))
    assert same == row
    # the same row shape as openOrders
    (open_row,) = await korbit_ok(sim, "/v2/openOrders", ("symbol", "eth_krw"))
    assert open_row == row
    assert await korbit_ok(sim, "/v2/allOrders") == []  # history lags 5 s; /v2/orders does not

    for params, expected in (
        ((("orderId", number),), (400, "BAD_REQUEST")),
        ((("symbol", "eth_krw"),), (400, "BAD_REQUEST")),
        ((("symbol", "eth_krw"), ("orderId", number), ("clientOrderId", "k:gap_1")),
         (400, "BAD_REQUEST")),
        ((("symbol", "eth_krw"), ("orderId", "x")), (400, "BAD_REQUEST")),
        ((("symbol", "eth_krw"), ("clientOrderId", "no spaces")), (400, "BAD_REQUEST")),
        ((("symbol", "ETH_KRW"), ("orderId", number)), (400, "INVALID_CURRENCY_PAIR")),
        ((("symbol", "eth_krw"), ("orderId", other)), (404, "ORDER_NOT_FOUND")),
        ((("symbol", "eth_krw"), ("orderId", 12345)), (404, "ORDER_NOT_FOUND")),
        ((("symbol", "eth_krw"), ("clientOrderId", "k:gap_2")), (404, "ORDER_NOT_FOUND")),
    ):  # fmt: skip
        assert await korbit_error(sim, "/v2/orders", *params) == expected

    # a cancelled order is found for about 3 days after it closed, a filled one for longer
    sim.cancel_order("korbit", number)
    sim.fill_order("korbit", other)
    clock.ms += 3 * 86_400_000
    row = await korbit_ok(sim, "/v2/orders", ("symbol", "eth_krw"), ("orderId", number))
    assert row["status"] == "partiallyFilledCanceled"
    clock.ms += 1
    assert await korbit_error(sim, "/v2/orders", ("symbol", "eth_krw"), ("orderId", number)) == (
        404, "ORDER_NOT_FOUND",
    )  # fmt: skip
    row = await korbit_ok(sim, "/v2/orders", ("symbol", "dot_krw"), ("orderId", other))
    assert row["status"] == "filled"


# -- Korbit history: allOrders and myTrades ------------------------------------------------------


async def test_korbit_history_lags_by_the_delay(start_sim: StartSim) -> None:
    clock = Clock()
    sim = await frozen_at(start_sim, clock, korbit_history_delay_ms=2000)
    t0 = clock.ms
    first = sim.place_order("korbit", "xrp_krw", "buy", None, "100")
    clock.ms = t0 + 500
    sim.fill_order("korbit", first, "40")
    clock.ms = t0 + 1000
    second = sim.place_order("korbit", "trx_krw", "buy", None, "50")
    clock.ms = t0 + 1500
    sim.cancel_order("korbit", first)
    clock.ms = t0 + 1600
    sim.fill_order("korbit", second, "50")

    async def history() -> tuple[list[Any], list[Any]]:
        return await korbit_ok(sim, "/v2/allOrders"), await korbit_ok(sim, "/v2/myTrades")

    assert await history() == ([], [])  # at t0 + 1600 history shows t0 - 400
    clock.ms = t0 + 2000
    orders, trades = await history()  # as of t0: placed, nothing filled
    assert [(o["orderId"], o["status"], o["filledQty"]) for o in orders] == [(first, "open", "0")]
    assert "avgPrice" not in orders[0] and "lastFilledAt" not in orders[0] and trades == []
    clock.ms = t0 + 2500
    orders, trades = await history()  # as of t0 + 500: the first fill
    (row,) = orders
    assert (row["status"], row["filledQty"], row["lastFilledAt"]) == (
        "partiallyFilled", "40", t0 + 500,
    )  # fmt: skip
    assert D(row["filledAmt"]) == D(row["avgPrice"]) * 40
    assert [(t["orderId"], t["qty"], t["tradedAt"]) for t in trades] == [(first, "40", t0 + 500)]
    clock.ms = t0 + 3499
    orders, _ = await history()  # as of t0 + 1499: the second order, the first not yet cancelled
    assert [(o["orderId"], o["status"]) for o in orders] == [
        (second, "open"), (first, "partiallyFilled"),
    ]  # fmt: skip
    clock.ms = t0 + 3600
    orders, trades = await history()  # as of t0 + 1600: everything
    assert [(o["orderId"], o["status"]) for o in orders] == [
        (second, "filled"), (first, "partiallyFilledCanceled"),
    ]  # fmt: skip
    assert [t["orderId"] for t in trades] == [second, first]
    current = await korbit_ok(sim, "/v2/orders", ("symbol", "xrp_krw"), ("orderId", first))
    assert orders[1] == current

    # creation-time and trade-time windows: startTime inclusive, endTime exclusive
    window = [("startTime", t0 + 1000)]
    assert [o["orderId"] for o in await korbit_ok(sim, "/v2/allOrders", *window)] == [second]
    window = [("endTime", t0 + 1000)]
    assert [o["orderId"] for o in await korbit_ok(sim, "/v2/allOrders", *window)] == [first]
    window = [("startTime", t0 + 500), ("endTime", t0 + 1600)]
    assert [t["orderId"] for t in await korbit_ok(sim, "/v2/myTrades", *window)] == [first]
    assert len(await korbit_ok(sim, "/v2/allOrders", ("limit", 1))) == 1
    rows = await korbit_ok(sim, "/v2/allOrders", ("symbol", "xrp_krw"))
    assert [o["orderId"] for o in rows] == [first]
    for params in ((("limit", 0),), (("limit", 1001),), (("symbol", "nope_krw"),)):
        status, _ = await korbit_error(sim, "/v2/allOrders", *params)
        assert status == 400
    # 36 h later the orders are gone from history (and still found by id, filled)
    clock.ms = t0 + 36 * 3_600_000 + 2000
    assert await history() == ([], [])


async def test_korbit_history_without_delay_is_current(start_sim: StartSim) -> None:
    sim = await frozen_at(start_sim, Clock())
    number = sim.place_order("korbit", "btc_krw", "buy", None, "0.01")
    sim.fill_order("korbit", number, "0.004")
    (row,) = await korbit_ok(sim, "/v2/allOrders")
    assert (row["orderId"], row["status"], row["filledQty"]) == (number, "partiallyFilled", "0.004")
    (trade,) = await korbit_ok(sim, "/v2/myTrades", ("symbol", "btc_krw"))
    assert trade["orderId"] == number


# -- Korbit rate limit ---------------------------------------------------------------------------


def ratelimit(response: Any) -> int:
    assert response.headers["Ratelimit-Policy"] == "50;w=1"
    limit, remaining, reset = (p.strip() for p in response.headers["Ratelimit"].split(","))
    assert (limit, reset) == ("limit=50", "reset=1")
    return int(remaining.removeprefix("remaining="))


async def test_korbit_private_limit_headers_and_429(start_sim: StartSim) -> None:
    sim = await frozen_at(start_sim, Clock(), limits=Limits(korbit_rest_private_per_second=3))
    replies = await asyncio.gather(*(korbit_rest(sim, "/v2/balance") for _ in range(6)))
    admitted = [r for r in replies if r.status_code == 200]
    refused = [r for r in replies if r.status_code != 200]
    assert sorted(ratelimit(r) for r in admitted) == [0, 1, 2]
    assert [r.status_code for r in refused] == [429] * 3
    for reply in refused:
        assert reply.json() == TOO_MANY_KORBIT and reply.headers["Retry-After"] == "1"
        assert ratelimit(reply) == 0
    # unsigned or rejected calls are not counted and carry no Ratelimit headers
    async with asyncio.timeout(30):
        while (await korbit_rest(sim, "/v2/balance")).status_code == 429:
            await asyncio.sleep(0.05)  # polling until the one-second window has moved on

    default = await start_sim(seed=7, realtime=False, clock=Clock())
    first = await korbit_rest(default, "/v2/balance")
    no_symbol = await korbit_rest(default, "/v2/openOrders")
    assert (ratelimit(first), no_symbol.status_code, ratelimit(no_symbol)) == (49, 400, 48)
    denied = await korbit_rest(
        default, "/v2/balance", api_key="nope", secret=demo_keys.KORBIT_HMAC_SECRET
    )
    assert denied.status_code == 404 and "Ratelimit" not in denied.headers
    info = await korbit_rest(default, "/v2/currentKeyInfo")
    assert ratelimit(info) == 47


# -- test hooks on markets nobody watches ----------------------------------------------------------


async def test_orders_on_unwatched_markets_fill_by_hook_and_by_flow(start_sim: StartSim) -> None:
    sim = await start_sim(seed=11, rate=FAST, trader=None)
    assert sim.open_connections() == 0
    resting = sim.place_order("upbit", "KRW-DOT", "buy", None, "2")
    sim.fill_order("upbit", resting, "0.5")
    sim.fill_order("upbit", resting)
    detail = await upbit_ok(sim, "/v1/order", f"uuid={resting}")
    assert detail["state"] == "done" and [t["volume"] for t in detail["trades"]] == ["0.5", "1.5"]
    async with httpx.AsyncClient(base_url=sim.http_url) as client:
        ticks = (await client.get("/v1/trades/ticks?market=KRW-DOT&count=500")).json()
    assert {str(D(str(t["trade_price"]))) for t in ticks} >= {detail["price"]}

    # at the touch, the market's own flow fills it: markets with resting orders keep stepping
    book = sim.markets["korbit"]["link_krw"]
    number = sim.place_order("korbit", "link_krw", "buy", book.bids[0].price, "0.01")
    order = sim.account("korbit").orders[str(number)]
    await wait_until(lambda: order.filled > 0, 30.0, "a fill from the market's flow")
    (trade, *_) = await korbit_ok(sim, "/v2/myTrades", ("symbol", "link_krw"))
    assert trade["orderId"] == number


async def test_date_header_is_the_exchange_clock(frozen) -> None:
    """Clients read the server's time from ``Date``: it follows the simulator's clock (and
    Korbit's skew), not the machine's."""
    import email.utils

    import httpx

    frozen.set_clock_skew(-5000)
    async with httpx.AsyncClient() as client:
        upbit = await client.get(frozen.http_url + "/v1/market/all")
        korbit = await client.get(frozen.http_url + "/v2/time")
    assert upbit.headers["date"] == email.utils.formatdate(frozen.clock() / 1000, usegmt=True)
    assert korbit.headers["date"] == email.utils.formatdate(
        (frozen.clock() - 5000) / 1000, usegmt=True
    )
