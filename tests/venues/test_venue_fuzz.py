"""Property tests: the market and private decoders never raise, whatever arrives, and
only emit sane events."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import given  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

from mdtui.model.events import (  # noqa: E402
    ACTIVE_STATES,
    FINAL_STATES,
    Balances,
    Book,
    Event,
    Fill,
    Malformed,
    Order,
    Ticker,
    Trade,
)
from mdtui.venues import korbit, korbit_private, upbit, upbit_private  # noqa: E402
from mdtui.venues.private_common import EXACT  # noqa: E402
from mdtui.venues.ranges import CHANGE, PRICE, SIZE, TIME, VALUE  # noqa: E402
from tests.support.fuzzing import (  # noqa: E402
    FUZZ,
    PUBLIC_SAMPLES,
    json_values,
    market_values,
    mutated_samples,
)

PRIVATE_KEYS = [
    "type", "ty", "channelType", "status", "error", "name", "message", "code", "cd", "uuid",
    "uid", "ask_bid", "ab", "order_type", "state", "s", "price", "volume", "executed_volume",
    "remaining_volume", "trade_uuid", "is_maker", "assets", "currency", "balance", "locked",
    "order", "orders", "trade", "trades", "asset", "orderId", "tradeId", "side", "qty",
    "filledQty", "fee", "isTaker", "available", "tradeInUse", "symbol", "timestamp",
]  # fmt: skip
PRIVATE_TAGS = [
    "myOrder", "myAsset", "myTrade", "trade", "wait", "done", "cancel", "BID", "ASK", "buy",
    "sell", "limit", "price", "partiallyFilled", "unfilled", "UP", "success", "fail",
]  # fmt: skip

private_values = json_values(
    PRIVATE_KEYS, PRIVATE_TAGS, ["NaN", "Infinity", "-0", "1e400", "1e-400", "0"]
)


def _finite(*values: Decimal | None) -> bool:
    return all(v is None or (isinstance(v, Decimal) and v.is_finite()) for v in values)


def _check_common(events: object) -> list[Event]:
    """A list of events; a Malformed one has a reason and a short preview."""
    assert isinstance(events, list)
    for ev in events:
        assert isinstance(ev, Event)
        if isinstance(ev, Malformed):
            assert len(ev.frame) <= 200 and ev.reason
    return events


def check_market(events: object) -> None:
    """The market decode contract: numbers in their ranges, book sizes non-zero."""
    for ev in _check_common(events):
        if isinstance(ev, Ticker):
            assert PRICE.fits(ev.last) and SIZE.fits(ev.volume_24h) and VALUE.fits(ev.value_24h)
            assert CHANGE.fits(ev.change) and ev.change_pct.is_finite()
            TIME.check(ev.ts)
        elif isinstance(ev, Trade):
            assert PRICE.fits(ev.price) and SIZE.fits(ev.size)
            assert ev.side in ("buy", "sell")
            TIME.check(ev.ts)
        elif isinstance(ev, Book):
            for price, size in ev.bids + ev.asks:
                assert isinstance(price, Decimal) and PRICE.fits(price)
                assert SIZE.fits(size) and size != 0
            TIME.check(ev.ts)


def check_private(events: object) -> None:
    """The private decode contract: known sides and states, finite money values."""
    for ev in _check_common(events):
        if isinstance(ev, Order):
            assert ev.side in ("buy", "sell")
            assert ev.state in ACTIVE_STATES | FINAL_STATES
            assert isinstance(ev.order_id, str)
            assert _finite(ev.price, ev.qty, ev.filled, ev.remaining, ev.avg_price, ev.amount)
            assert _finite(ev.filled_value, ev.fee)
        elif isinstance(ev, Fill):
            assert ev.side in ("buy", "sell")
            assert _finite(ev.price, ev.size, ev.value, ev.fee)
            assert PRICE.fits(ev.price) and SIZE.fits(ev.size)
            assert ev.value == EXACT.multiply(ev.price, ev.size)
        elif isinstance(ev, Balances):
            for row in ev.rows:
                assert row.currency == row.currency.upper()
                assert _finite(row.total, row.available, row.in_orders, row.avg_buy_price)
                assert SIZE.fits(row.available) and SIZE.fits(row.in_orders)


@dataclass(frozen=True)
class Decoder:
    """One decoder under test: its contract, its JSON trees and the samples to mutate."""

    decode: Callable[[bytes | str], list[Event]]
    check: Callable[[object], None]
    values: st.SearchStrategy[object]
    samples: list[str]


DECODERS = {
    "upbit": Decoder(
        upbit.decode,
        check_market,
        market_values,
        PUBLIC_SAMPLES["upbit"],
    ),
    "korbit": Decoder(
        korbit.decode,
        check_market,
        market_values,
        PUBLIC_SAMPLES["korbit"],
    ),
    "upbit_private": Decoder(
        upbit_private.decode_private,
        check_private,
        private_values,
        ["upbit_myorder", "upbit_myasset", "upbit_error_wrong_format"],
    ),
    "korbit_private": Decoder(
        korbit_private.decode_private,
        check_private,
        private_values,
        ["korbit_myorder", "korbit_myasset", "korbit_myorder_accountseq", "korbit_ticker"],
    ),
}


@pytest.mark.parametrize("name", DECODERS)
@FUZZ
@given(data=st.binary(max_size=300))
def test_random_bytes(name: str, data: bytes) -> None:
    decoder = DECODERS[name]
    decoder.check(decoder.decode(data))


@pytest.mark.parametrize("name", DECODERS)
@FUZZ
@given(text=st.text(max_size=200))
def test_random_text(name: str, text: str) -> None:
    decoder = DECODERS[name]
    decoder.check(decoder.decode(text))


@pytest.mark.parametrize("name", DECODERS)
@FUZZ
@given(data=st.data(), as_bytes=st.booleans())
def test_random_json(name: str, data: st.DataObject, as_bytes: bool) -> None:
    decoder = DECODERS[name]
    text = json.dumps(data.draw(decoder.values))
    decoder.check(decoder.decode(text.encode() if as_bytes else text))


@pytest.mark.parametrize("name", DECODERS)
@FUZZ
@given(data=st.data())
def test_mutated_samples(name: str, data: st.DataObject) -> None:
    decoder = DECODERS[name]
    decoder.check(decoder.decode(data.draw(mutated_samples(decoder.samples, decoder.values))))
