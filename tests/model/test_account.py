"""The account store: orders by lifecycle, reconnect reconciliation, fills, balances, views."""

from __future__ import annotations

import itertools
import json
from decimal import Decimal

import msgspec
import pytest

from mdtui.model.account import Account, merge_orders, quote_market, supersedes, valuation
from mdtui.model.events import Balance, Balances, Fill, Order, OrdersSnapshot
from mdtui.venues import korbit_private, upbit_private
from tests.support.events import T0

D = Decimal
_ids = itertools.count(1)


def order(
    state: str = "open",
    filled: str = "0",
    *,
    oid: str = "o1",
    venue: str = "upbit",
    market: str = "KRW-BTC",
    side: str = "buy",
    price: str | None = "100",
    qty: str | None = "1",
    updated: int = 1000,
    created: int = 1000,
    **extra: object,
) -> Order:
    fields: dict[str, object] = {
        "venue": venue,
        "market": market,
        "order_id": oid,
        "side": side,
        "order_type": "limit",
        "state": state,
        "raw_state": state,
        "price": D(price) if price is not None else None,
        "qty": D(qty) if qty is not None else None,
        "filled": D(filled),
        "remaining": D(qty) - D(filled) if qty is not None else None,
        "avg_price": None,
        "amount": None,
        "filled_value": None,
        "fee": None,
        "created_ms": created,
        "updated_ms": updated,
    }
    fields.update(extra)
    return Order(**fields)  # type: ignore[arg-type]


def fill(
    trade_id: str = "t1",
    *,
    oid: str = "o1",
    venue: str = "upbit",
    ts: int = 1000,
    market: str = "KRW-BTC",
    size: str = "0.1",
) -> Fill:
    return Fill(
        venue=venue,
        market=market,
        order_id=oid,
        trade_id=trade_id,
        side="buy",
        price=D(100),
        size=D(size),
        value=D(100) * D(size),
        fee=D("0.05"),
        fee_currency="KRW",
        is_maker=True,
        ts=ts,
    )


def bal(currency: str, total: str, *, venue: str = "upbit", ts: int = 1, avg: str | None = None):
    return Balance(
        venue=venue,
        currency=currency,
        total=D(total),
        available=D(total),
        in_orders=D(0),
        avg_buy_price=D(avg) if avg is not None else None,
        ts=ts,
    )


def state_of(acc: Account, oid: str = "o1", venue: str = "upbit") -> tuple[str, Decimal]:
    o = acc.order(venue, oid)
    assert o is not None
    return o.state, o.filled


# --------------------------------------------------------------------------- lifecycle


@pytest.mark.parametrize(
    ("first", "then", "expected"),
    [
        (("open", "0"), ("partial", "0.5"), ("partial", "0.5")),
        (("partial", "0.5"), ("open", "0"), ("partial", "0.5")),  # stale open
        (("partial", "0.5"), ("partial", "0.3"), ("partial", "0.5")),  # stale fill count
        (("filled", "1"), ("partial", "0.5"), ("filled", "1")),  # out of order
        (("cancelled", "0.2"), ("partial", "0.9"), ("cancelled", "0.2")),  # final is final
        (("cancelled", "0"), ("filled", "1"), ("cancelled", "0")),
        (("rejected", "0"), ("open", "0"), ("rejected", "0")),
        (("partial", "0.9"), ("cancelled", "0.5"), ("cancelled", "0.5")),  # final wins
        (("pending", "0"), ("open", "0"), ("open", "0")),
        (("open", "0"), ("pending", "0"), ("open", "0")),
    ],
)
def test_lifecycle_beats_arrival_order(first, then, expected) -> None:
    acc = Account()
    acc.apply([order(*first, updated=2000), order(*then, updated=1000)])
    assert state_of(acc) == (expected[0], D(expected[1]))
    # Same outcome whatever the timestamps say.
    acc2 = Account()
    acc2.apply([order(*first, updated=1000), order(*then, updated=2000)])
    assert state_of(acc2) == (expected[0], D(expected[1]))


def test_equal_fill_and_state_takes_the_later_arrival() -> None:
    a = order("partial", "0.5", updated=1000, fee=D(1))
    b = order("partial", "0.5", updated=2000, fee=D(2))
    # Arrival decides, not the timestamps (a seed's clock and the stream's differ).
    assert supersedes(a, b) and supersedes(b, a)
    assert merge_orders(b, a).fee == D(1)
    assert merge_orders(a, b).fee == D(2)


def test_repeated_final_state_refreshes_figures_only() -> None:
    acc = Account()
    acc.apply([order("filled", "1", updated=1000, fee=D(1))])
    seq = acc.orders_seq
    acc.apply([order("filled", "1", updated=1000, fee=D(1))])
    assert acc.orders_seq == seq  # identical: no repaint
    acc.apply([order("filled", "1", updated=1500, fee=D("1.5"))])
    assert acc.order("upbit", "o1").fee == D("1.5")  # type: ignore[union-attr]


def test_unknown_fields_are_kept_from_earlier_reports() -> None:
    acc = Account()
    acc.apply([order("open", price="100", qty="1", client_id="mine", avg_price=None)])
    acc.apply(
        [order("partial", "0.4", price=None, qty=None, avg_price=D(100), market="", created=0)]
    )
    o = acc.order("upbit", "o1")
    assert o is not None
    assert (o.state, o.price, o.qty, o.client_id, o.market, o.created_ms) == (
        "partial",
        D(100),
        D(1),
        "mine",
        "KRW-BTC",
        1000,
    )
    assert o.remaining == D("0.6")  # recomputed from the kept qty
    assert o.avg_price == D(100)


def test_upbit_frames_wait_trade_done() -> None:
    base = {
        "type": "myOrder",
        "code": "KRW-BTC",
        "uuid": "u1",
        "ask_bid": "BID",
        "order_type": "limit",
        "price": 100000,
        "volume": 2,
        "timestamp": T0 + 1,
        "order_timestamp": T0 + 1,
    }
    wait = {**base, "state": "wait", "executed_volume": 0, "remaining_volume": 2}
    trade1 = {
        **base,
        "state": "trade",
        "price": 100000,
        "volume": 0.5,
        "executed_volume": 0.5,
        "remaining_volume": 1.5,
        "trade_uuid": "t1",
        "trade_fee": 25,
        "is_maker": True,
        "timestamp": T0 + 2,
        "trade_timestamp": T0 + 2,
    }
    trade2 = {
        **trade1,
        "volume": 1.5,
        "executed_volume": 2,
        "remaining_volume": 0,
        "trade_uuid": "t2",
        "timestamp": T0 + 3,
    }
    done = {
        **base,
        "state": "done",
        "executed_volume": 2,
        "remaining_volume": 0,
        "timestamp": T0 + 4,
    }
    frames = [wait, trade1, trade2, done]
    decoded = [upbit_private.decode_private(json.dumps(f)) for f in frames]

    in_order = Account()
    new = [f for events in decoded for f in in_order.apply(events)]
    assert [f.trade_id for f in new] == ["t1", "t2"]
    # Reversed arrival: the same final order, the same fills.
    reversed_ = Account()
    for events in reversed(decoded):
        reversed_.apply(events)
    for acc in (in_order, reversed_):
        o = acc.order("upbit", "u1")
        assert o is not None
        assert (o.state, o.filled, o.price, o.qty) == ("filled", D(2), D(100000), D(2))
        assert {f.trade_id for f in acc.fills_view()} == {"t1", "t2"}
        assert acc.resting_levels("upbit", "KRW-BTC") == {}
    # After only the wait and first trade, the order rests with 1.5 left at its price.
    partial = Account()
    partial.apply(decoded[0] + decoded[1])
    assert partial.resting_levels("upbit", "KRW-BTC") == {("buy", D(100000)): D("1.5")}


# --------------------------------------------------------------------------- fills


def test_fills_are_deduplicated_never_dropped() -> None:
    acc = Account()
    assert acc.apply([fill("t1"), fill("t2")]) == [fill("t1"), fill("t2")]
    assert acc.apply([fill("t1")]) == []  # a duplicate (e.g. a REST backfill)
    assert acc.apply([fill("t1", oid="o2")]) == [fill("t1", oid="o2")]  # self-trade: other side
    assert acc.apply([fill("t1", venue="korbit")]) != []
    assert len(acc.fills) == 4
    assert acc.fills_seq == 4


def test_fills_view_newest_first_and_filters() -> None:
    acc = Account()
    acc.apply(
        [fill("a", ts=3), fill("b", ts=1), fill("c", ts=2, market="KRW-ETH"), fill("d", ts=3)]
    )
    assert [f.trade_id for f in acc.fills_view()] == ["d", "a", "c", "b"]
    assert [f.trade_id for f in acc.fills_view(market="KRW-ETH")] == ["c"]
    assert [f.trade_id for f in acc.fills_view(limit=2)] == ["d", "a"]
    assert acc.fills_view(venue="korbit") == []
    acc.apply([fill("e", ts=9)])
    assert acc.fills_view()[0].trade_id == "e"  # the cached order is refreshed


def test_fill_trimming_keeps_dedup_memory() -> None:
    acc = Account(fills_kept=10)
    acc.apply([fill(f"t{i}", ts=i) for i in range(12)])
    assert len(acc.fills) == 10
    assert acc.apply([fill("t0", ts=0)]) == []  # forgotten, yet not new again


# --------------------------------------------------------------------------- reconnect


def test_complete_seed_merges_and_closes_missing_orders() -> None:
    acc = Account()
    acc.apply(
        [
            order("open", oid="gone", updated=1000),
            order("partial", "0.7", oid="kept", updated=1000),
            order("open", oid="other-market", market="KRW-ETH", updated=1000),
            order("open", oid="other-venue", venue="korbit", market="KRW-BTC", updated=1000),
            order("filled", "1", oid="old-final", updated=900),
        ]
    )
    seed = OrdersSnapshot(
        venue="upbit",
        orders=(
            order("partial", "0.5", oid="kept", updated=5000),  # older fill count
            order("open", oid="new", updated=5000),
        ),
        ts=5000,
        markets=("KRW-BTC",),
    )
    acc.apply([seed])
    assert state_of(acc, "kept") == ("partial", D("0.7"))  # the stream's fill stands
    assert state_of(acc, "new") == ("open", D(0))
    assert state_of(acc, "gone")[0] == "closed"
    assert state_of(acc, "other-market")[0] == "open"
    assert state_of(acc, "other-venue", "korbit")[0] == "open"
    assert state_of(acc, "old-final")[0] == "filled"
    assert ("buy", D(100)) in acc.resting_levels("upbit", "KRW-BTC")
    assert {o.order_id for o in acc.open_orders()} == {
        "kept",
        "new",
        "other-market",
        "other-venue",
    }

    # A late final state settles the closed order; a stale active report does not reopen it.
    acc.apply([order("open", oid="gone", updated=4000)])
    assert state_of(acc, "gone")[0] == "closed"
    acc.apply([order("cancelled", oid="gone", updated=4500)])
    assert state_of(acc, "gone")[0] == "cancelled"


def test_closed_is_replaced_only_by_a_final_state() -> None:
    """A frame applied after the snapshot was buffered on the socket before the REST reply:
    it is older than the snapshot and must not put the order back on the book."""
    acc = Account()
    acc.apply([order("open", updated=1000)])
    acc.apply([OrdersSnapshot(venue="upbit", orders=(), ts=2000, markets=None)])
    assert state_of(acc)[0] == "closed"
    acc.apply([order("partial", "0.1", updated=3000)])
    assert state_of(acc)[0] == "closed"
    assert ("buy", D(100)) not in acc.resting_levels("upbit", "KRW-BTC")
    acc.apply([order("filled", "1", updated=2500)])
    assert state_of(acc) == ("filled", D(1))


@pytest.mark.parametrize("seed_clock_ahead_ms", [2000, -2000, 0])
def test_a_seed_closes_what_left_the_book_whatever_the_clocks(seed_clock_ahead_ms) -> None:
    """Issue: the seed's local time was compared with the stream's server time; with the
    local clock 2 s behind, an order that left the book stayed open on the ladder."""
    acc = Account()
    acc.apply([order("open", updated=10_000)])  # server time of the last stream frame
    seed_ts = 10_500 + seed_clock_ahead_ms  # local time of the REST request, 0.5 s later
    acc.apply([OrdersSnapshot(venue="upbit", orders=(), ts=seed_ts, markets=None)])
    assert state_of(acc)[0] == "closed"
    assert acc.resting_levels("upbit", "KRW-BTC") == {}


@pytest.mark.parametrize("seed_clock_ahead_ms", [1500, -1500, 0])
def test_a_balance_change_after_the_seed_applies_whatever_the_clocks(seed_clock_ahead_ms) -> None:
    """Issue: with the local clock 1.5 s ahead, a balance change that arrived 0.5 s after
    the seed was dropped as older than it."""
    acc = Account()
    seed_ts = 10_000 + seed_clock_ahead_ms
    acc.apply(
        [Balances(venue="upbit", rows=(bal("BTC", "1", ts=seed_ts),), ts=seed_ts, complete=True)]
    )
    acc.apply(
        [Balances(venue="upbit", rows=(bal("BTC", "3", ts=10_500),), ts=10_500, complete=False)]
    )
    assert acc.balances[("upbit", "BTC")].total == D(3)


def test_incomplete_snapshot_never_closes() -> None:
    acc = Account()
    acc.apply([order("open", oid="a")])
    history = OrdersSnapshot(
        venue="upbit", orders=(order("filled", "1", oid="b"),), ts=9999, complete=False
    )
    acc.apply([history])
    assert state_of(acc, "a")[0] == "open"
    assert state_of(acc, "b")[0] == "filled"


def test_reconnect_after_missed_fill_with_rest_parsers() -> None:
    """Disconnected while an order filled: the REST seed no longer lists it (closed), the
    closed-orders history then gives the final state."""
    acc = Account()
    acc.apply(
        upbit_private.decode_private(
            json.dumps(
                {
                    "type": "myOrder",
                    "code": "KRW-BTC",
                    "uuid": "d098ceaf-6811-4df8-97f2-b7e01aefc03f",
                    "ask_bid": "BID",
                    "order_type": "limit",
                    "state": "wait",
                    "price": 140000000,
                    "volume": 1,
                    "executed_volume": 0,
                    "remaining_volume": 1,
                    "order_timestamp": 1751608800000,
                    "timestamp": 1751608800000,
                }
            )
        )
    )
    acc.apply([upbit_private.parse_orders(b"[]", ts=1751608900000)])
    assert state_of(acc, "d098ceaf-6811-4df8-97f2-b7e01aefc03f")[0] == "closed"
    closed = (
        b'[{"uuid":"d098ceaf-6811-4df8-97f2-b7e01aefc03f","side":"bid","ord_type":"limit",'
        b'"price":"140000000","state":"done","market":"KRW-BTC",'
        b'"created_at":"2025-07-04T15:00:00+09:00","volume":"1.0","remaining_volume":"0.0",'
        b'"executed_volume":"1.0","paid_fee":"70000.0","trades_count":1}]'
    )
    acc.apply([upbit_private.parse_orders(closed, ts=1751608900001, complete=False)])
    o = acc.order("upbit", "d098ceaf-6811-4df8-97f2-b7e01aefc03f")
    assert o is not None and (o.state, o.filled, o.fee) == ("filled", D("1.0"), D("70000.0"))


def test_korbit_seed_and_stream() -> None:
    acc = Account()
    row = (
        b'{"orderId":42,"clientOrderId":"abc","symbol":"btc_krw","orderType":"limit",'
        b'"side":"buy","timeInForce":"gtc","price":"100","qty":"0.001","filledQty":"0",'
        b'"filledAmt":"0","createdAt":1700000000000,"lastFilledAt":0,"status":"open"}'
    )
    body = b'{"success":true,"data":[' + row + b"]}"
    acc.apply([korbit_private.parse_orders(body, ts=1700000001000, symbol="btc_krw")])
    # The accountSeq-style frame without a symbol still merges into the same order.
    frame = (
        b'{"channelType":"myOrder","order":{"accountSeq":1,"orders":[{"orderId":42,'
        b'"side":"buy","status":"partiallyFilled","filledQty":"0.0004","qty":"0.001"}]}}'
    )
    acc.apply(korbit_private.decode_private(frame))
    o = acc.order("korbit", "42")
    assert o is not None
    assert (o.market, o.order_type, o.state, o.price, o.remaining) == (
        "btc_krw",
        "limit",
        "partial",
        D(100),
        D("0.0006"),
    )
    assert acc.resting_levels("korbit", "btc_krw") == {("buy", D(100)): D("0.0006")}


# --------------------------------------------------------------------------- balances


def test_balances_complete_replaces_partial_upserts() -> None:
    acc = Account()
    acc.apply(
        [
            Balances(venue="korbit", rows=(bal("KRW", "5", venue="korbit"),), ts=1, complete=True),
            Balances(
                venue="upbit",
                rows=(bal("KRW", "100"), bal("BTC", "1", avg="50"), bal("XRP", "3")),
                ts=1,
                complete=True,
            ),
        ]
    )
    assert acc.balances_seq == 2
    # A delta without avg keeps the known average; deltas apply in arrival order.
    acc.apply([Balances(venue="upbit", rows=(bal("BTC", "9", ts=5),), ts=5, complete=False)])
    acc.apply([Balances(venue="upbit", rows=(bal("BTC", "2", ts=4),), ts=4, complete=False)])
    btc = acc.balances[("upbit", "BTC")]
    assert (btc.total, btc.avg_buy_price) == (D(2), D(50))
    seq = acc.balances_seq
    acc.apply(
        [Balances(venue="upbit", rows=(bal("BTC", "2", ts=4, avg="50"),), ts=4, complete=False)]
    )
    assert acc.balances_seq == seq  # nothing changed
    # A new complete seed drops currencies it no longer lists, on its venue only.
    acc.apply([Balances(venue="upbit", rows=(bal("KRW", "90"),), ts=9, complete=True)])
    assert sorted(acc.balances) == [("korbit", "KRW"), ("upbit", "KRW")]


def test_balances_view_and_valuation() -> None:
    acc = Account()
    rows = (
        bal("BTC", "0.5", avg="100000000"),
        bal("KRW", "1000"),
        bal("DOGE", "0"),
        bal("ETH", "2", avg="0"),
    )
    acc.apply([Balances(venue="upbit", rows=rows, ts=1, complete=True)])
    assert [b.currency for b in acc.balances_view()] == ["KRW", "BTC", "ETH"]
    assert [b.currency for b in acc.balances_view(hide_zero=False)] == ["KRW", "BTC", "DOGE", "ETH"]
    prices = {("upbit", "KRW-BTC"): D("110000000")}

    def last(venue: str, market: str) -> Decimal | None:
        return prices.get((venue, market))

    krw, btc, eth = acc.balances_view()
    assert valuation(krw, last) == (D(1), D(1000), None, ())
    v = valuation(btc, last)
    assert (v.price, v.value, v.pnl_pct) == (D("110000000"), D("55000000.0"), D(10))
    assert valuation(eth, last) == (None, None, None, ())  # no price known
    assert quote_market("korbit", "BTC") == "btc_krw"
    assert quote_market("upbit", "btc") == "KRW-BTC"
    assert quote_market("nowhere", "BTC") is None


# --------------------------------------------------------------------------- views


def test_orders_view_open_first_then_recent_closed() -> None:
    acc = Account()
    acc.apply(
        [
            order("open", oid="old-open", created=1),
            order("partial", "0.1", oid="new-open", created=5),
            order("filled", "1", oid="done-early", updated=10),
            order("cancelled", oid="done-late", updated=20),
            order("open", oid="eth", market="KRW-ETH", created=9),
        ]
    )
    assert [o.order_id for o in acc.orders_view()] == [
        "eth",
        "new-open",
        "old-open",
        "done-late",
        "done-early",
    ]
    assert [o.order_id for o in acc.orders_view(market="KRW-BTC", closed_limit=1)] == [
        "new-open",
        "old-open",
        "done-late",
    ]
    assert acc.venues() == {"upbit"}


def test_resting_levels_sum_and_exclude() -> None:
    acc = Account()
    acc.apply(
        [
            order("open", oid="a", price="100", qty="1"),
            order("partial", "0.25", oid="b", price="100", qty="1"),
            order("open", oid="c", side="sell", price="101", qty="2"),
            order("pending", oid="d", price="99"),  # a stop order: not on the book
            order("cancelled", oid="e", price="98"),
            order("open", oid="f", price=None, qty=None, order_type="market"),
            order("open", oid="g", market="KRW-ETH", price="100"),
        ]
    )
    assert acc.resting_levels("upbit", "KRW-BTC") == {
        ("buy", D(100)): D("1.75"),
        ("sell", D(101)): D(2),
    }


def test_closed_orders_are_trimmed_and_not_resurrected() -> None:
    acc = Account(closed_kept=3)
    acc.apply([order("filled", "1", oid=f"f{i}", updated=i) for i in range(5)])
    assert len(acc.orders) == 3
    assert acc.order("upbit", "f0") is None
    acc.apply([order("open", oid="f0", updated=0)])  # a late stale frame
    assert acc.order("upbit", "f0") is None


def test_counters_and_ignored_events() -> None:
    acc = Account()
    assert acc.apply([object(), msgspec.Struct()]) == []
    assert (acc.seq, acc.orders_seq) == (0, 0)
    acc.apply([order()])
    assert (acc.seq, acc.orders_seq) == (1, 1)
    acc.apply([order()])  # identical report
    assert acc.seq == 1


def test_private_events_round_trip_as_json() -> None:
    from mdtui.model.events import AnyEvent

    events = [
        order("partial", "0.5", avg_price=D("100.5"), client_id="c"),
        fill(),
        Balances(venue="upbit", rows=(bal("BTC", "1.5", avg="7"),), ts=3, complete=False),
        OrdersSnapshot(venue="korbit", orders=(order(venue="korbit"),), ts=4, markets=("b",)),
    ]
    for ev in events:
        text = msgspec.json.encode(ev)
        assert msgspec.json.decode(text, type=AnyEvent) == ev
    assert json.loads(msgspec.json.encode(events[0]))["type"] == "order"
    assert json.loads(msgspec.json.encode(events[0]))["filled"] == "0.5"  # exact strings
    assert events[0].filled_pct == D(50) and events[0].active


def test_holdings_of_other_quote_markets_are_valued_through_a_bridge():
    """A coin traded only against BTC is priced as BTC-XYZ x KRW-BTC, exactly; a USDT
    balance through KRW-USDT; P&L only where the average price is in the home currency."""
    prices = {
        ("upbit", "BTC-XYZ"): D("0.00000123"),
        ("upbit", "KRW-BTC"): D("145000000"),
        ("upbit", "KRW-USDT"): D("1375.5"),
        ("upbit", "USDT-ABC"): D("0.0421"),
    }

    def last(venue: str, market: str) -> Decimal | None:
        return prices.get((venue, market))

    xyz = Balance("upbit", "XYZ", D("1000.5"), D("1000.5"), D(0), D("150"), 1)
    v = valuation(xyz, last)
    assert v.price == D("178.35") and v.via == ("BTC-XYZ", "KRW-BTC")
    assert v.value == D("178439.175")  # 1000.5 x 178.35, every digit
    assert v.pnl_pct == (D("178.35") - 150) * 100 / 150
    abc = Balance("upbit", "ABC", D("10"), D("10"), D(0), None, 1)
    v = valuation(abc, last)  # no BTC route: through USDT
    assert v.via == ("USDT-ABC", "KRW-USDT") and v.value == D("579.0855")
    usdt = Balance("upbit", "USDT", D("2"), D("2"), D(0), D("1300"), 1)
    assert valuation(usdt, last).value == D("2751.0")
    # valued in USDT instead: the KRW average price says nothing about a USDT P&L
    v = valuation(abc, last, home="USDT")
    assert v.value == D("0.4210") and v.pnl_pct is None
    assert valuation(usdt, last, home="USDT").value == D("2")
    # SGD account on Upbit Singapore
    sgd = Balance("upbit", "XRP", D("3"), D("3"), D(0), D("0.6"), 1)
    prices[("upbit", "SGD-XRP")] = D("0.75")
    v = valuation(sgd, last, home="SGD", avg_currency="SGD")
    assert v.value == D("2.25") and v.pnl_pct == 25
