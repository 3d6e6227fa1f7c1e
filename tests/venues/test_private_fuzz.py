"""Property tests: the private decoders never raise and only emit sane events."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mdtui.model.events import (  # noqa: E402
    ACTIVE_STATES,
    FINAL_STATES,
    Balances,
    Event,
    Fill,
    Malformed,
    Order,
)
from mdtui.venues import korbit_private, upbit_private  # noqa: E402
from mdtui.venues.private_common import EXACT  # noqa: E402

from .samples import load  # noqa: E402

DECODERS: dict[str, Callable[[bytes | str], list[Event]]] = {
    "upbit": upbit_private.decode_private,
    "korbit": korbit_private.decode_private,
}
SAMPLES = {
    "upbit": ["upbit_myorder", "upbit_myasset", "upbit_error_wrong_format"],
    "korbit": [
        "korbit_myorder",
        "korbit_myasset",
        "korbit_myorder_accountseq",
        "korbit_ticker",
    ],
}
KEYS = [
    "type", "ty", "channelType", "status", "error", "name", "message", "code", "cd", "uuid",
    "uid", "ask_bid", "ab", "order_type", "state", "s", "price", "volume", "executed_volume",
    "remaining_volume", "trade_uuid", "is_maker", "assets", "currency", "balance", "locked",
    "order", "orders", "trade", "trades", "asset", "orderId", "tradeId", "side", "qty",
    "filledQty", "fee", "isTaker", "available", "tradeInUse", "symbol", "timestamp",
]  # fmt: skip
TAGS = [
    "myOrder", "myAsset", "myTrade", "trade", "wait", "done", "cancel", "BID", "ASK", "buy",
    "sell", "limit", "price", "partiallyFilled", "unfilled", "UP", "success", "fail",
]  # fmt: skip

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from([*TAGS, "NaN", "Infinity", "-0", "1e400", "1e-400", "0"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=25,
)

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow],
)


def _finite(*values: Decimal | None) -> bool:
    return all(v is None or (isinstance(v, Decimal) and v.is_finite()) for v in values)


def check(events: object) -> None:
    """The decode contract: a list of events with finite money values."""
    assert isinstance(events, list)
    for ev in events:
        assert isinstance(ev, Event)
        if isinstance(ev, Malformed):
            assert len(ev.frame) <= 200 and ev.reason
        elif isinstance(ev, Order):
            assert ev.side in ("buy", "sell")
            assert ev.state in ACTIVE_STATES | FINAL_STATES
            assert isinstance(ev.order_id, str)
            assert _finite(ev.price, ev.qty, ev.filled, ev.remaining, ev.avg_price, ev.amount)
            assert _finite(ev.filled_value, ev.fee)
        elif isinstance(ev, Fill):
            assert ev.side in ("buy", "sell")
            assert _finite(ev.price, ev.size, ev.value, ev.fee)
            assert ev.value == EXACT.multiply(ev.price, ev.size)
        elif isinstance(ev, Balances):
            for row in ev.rows:
                assert row.currency == row.currency.upper()
                assert _finite(row.total, row.available, row.in_orders, row.avg_buy_price)


@pytest.mark.parametrize("venue", DECODERS)
@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes(venue: str, data: bytes) -> None:
    check(DECODERS[venue](data))


@pytest.mark.parametrize("venue", DECODERS)
@FUZZ
@given(text=st.text(max_size=200))
def test_random_text(venue: str, text: str) -> None:
    check(DECODERS[venue](text))


@pytest.mark.parametrize("venue", DECODERS)
@FUZZ
@given(value=json_values, as_bytes=st.booleans())
def test_random_json(venue: str, value: object, as_bytes: bool) -> None:
    text = json.dumps(value)
    check(DECODERS[venue](text.encode() if as_bytes else text))


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_samples(draw: st.DrawFn, venue: str) -> bytes:
    """A documented sample with one node replaced or deleted, or its bytes cut or flipped."""
    raw = load(draw(st.sampled_from(SAMPLES[venue])))
    how = draw(st.sampled_from(["replace", "delete", "truncate", "flip", "wrap"]))
    if how == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if how == "flip":
        i = draw(st.integers(0, len(raw) - 1))
        return raw[:i] + bytes([draw(st.integers(0, 255))]) + raw[i + 1 :]
    if how == "wrap":
        return b"[" + raw + b"," + raw + b"]"
    doc = json.loads(raw)
    path = draw(st.sampled_from(_paths(doc)[1:]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if how == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(json_values)
    return json.dumps(doc).encode()


@pytest.mark.parametrize("venue", DECODERS)
@FUZZ
@given(data=st.data())
def test_mutated_samples(venue: str, data: st.DataObject) -> None:
    check(DECODERS[venue](data.draw(mutated_samples(venue))))
