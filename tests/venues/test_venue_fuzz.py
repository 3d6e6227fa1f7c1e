"""Property tests: decode never raises, whatever arrives, and only emits sane events."""

from __future__ import annotations

import json
from collections.abc import Callable
from decimal import Decimal

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mdtui.model.events import Book, Event, Malformed, Ticker, Trade  # noqa: E402
from mdtui.venues import korbit, upbit  # noqa: E402

from .samples import load  # noqa: E402

Decoder = Callable[[bytes | str], list[Event]]
DECODERS = {"upbit": upbit.decode, "korbit": korbit.decode}
SAMPLES = {
    "upbit": [
        "upbit_ticker",
        "upbit_trade",
        "upbit_orderbook",
        "upbit_trade_simple",
        "upbit_candle",
        "upbit_error_wrong_format",
    ],
    "korbit": ["korbit_ticker", "korbit_trade", "korbit_orderbook", "korbit_myorder"],
}
KEYS = [
    "type",
    "ty",
    "code",
    "cd",
    "status",
    "error",
    "name",
    "message",
    "symbol",
    "data",
    "timestamp",
    "snapshot",
    "trade_price",
    "tp",
    "orderbook_units",
    "obu",
    "bids",
    "asks",
    "price",
    "qty",
    "requestId",
    "channelType",
    "stream_type",
    "ask_bid",
    "ab",
]
TAGS = ["ticker", "trade", "orderbook", "UP", "success", "fail", "BID", "ASK", "SNAPSHOT"]

json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=12)
    | st.sampled_from([*TAGS, "NaN", "Infinity", "-0", "1e400", "0"]),
    lambda children: (
        st.lists(children, max_size=5)
        | st.dictionaries(st.sampled_from(KEYS) | st.text(max_size=6), children, max_size=6)
    ),
    max_leaves=25,
)

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,  # keep no example database in the work tree
    suppress_health_check=[HealthCheck.too_slow],
)


def check(events: object) -> None:
    """The decode contract: a list of events; money values finite; previews short."""
    assert isinstance(events, list)
    for ev in events:
        assert isinstance(ev, Event)
        if isinstance(ev, Malformed):
            assert len(ev.frame) <= 200 and ev.reason
        elif isinstance(ev, Ticker):
            assert all(v.is_finite() for v in (ev.last, ev.change, ev.change_pct, ev.value_24h))
        elif isinstance(ev, Trade):
            assert ev.price.is_finite() and ev.size.is_finite()
            assert ev.side in ("buy", "sell")
        elif isinstance(ev, Book):
            for price, size in ev.bids + ev.asks:
                assert isinstance(price, Decimal) and price.is_finite()
                assert size.is_finite() and size != 0


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


@FUZZ
@given(frame=mutated_samples("upbit"))
def test_mutated_upbit_samples(frame: bytes) -> None:
    check(upbit.decode(frame))


@FUZZ
@given(frame=mutated_samples("korbit"))
def test_mutated_korbit_samples(frame: bytes) -> None:
    check(korbit.decode(frame))
