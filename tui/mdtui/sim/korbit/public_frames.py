"""Korbit v2 public message bodies, websocket and REST: decimals as strings without
exponent or trailing zeros, timestamps as millisecond numbers.

See docs/protocols.md, 'Korbit: public websocket' and 'Korbit: public REST'.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import msgspec

from mdtui.sim.engine.candles import Bar
from mdtui.sim.engine.market_generator import Market, SimTrade, group_levels
from mdtui.sim.engine.ticks import plain

ENCODER = msgspec.json.Encoder()

Message = dict[str, Any]

_PERCENT = Decimal("0.01")


def ticker_data(market: Market) -> Message:
    s = market.stats
    change = s.last - s.prev_close
    percent = (change * 100 / s.prev_close).quantize(_PERCENT) if s.prev_close else _PERCENT * 0
    active = market.active and market.bids and market.asks
    return {
        "open": plain(s.open),
        "high": plain(s.high),
        "low": plain(s.low),
        "close": plain(s.last),
        "prevClose": plain(s.prev_close),
        "priceChange": plain(change),
        "priceChangePercent": format(percent, "f"),
        "volume": plain(s.volume_24h),
        "quoteVolume": plain(s.value_24h),
        "bestAskPrice": plain(market.asks[0].price) if active else "0",
        "bestBidPrice": plain(market.bids[0].price) if active else "0",
        "lastTradedAt": market.last_trade.timestamp,
    }


def orderbook_data(market: Market, level: Decimal | None, amount_key: str) -> Message:
    """Top-30 book, bids descending and asks ascending. Grouped books (``level``) add the
    KRW amount per entry: ``quoteVolume`` on the websocket (seen live), ``amt`` on REST."""
    if level is None:
        bids = [{"price": plain(lv.price), "qty": plain(lv.size)} for lv in market.bids]
        asks = [{"price": plain(lv.price), "qty": plain(lv.size)} for lv in market.asks]
    else:
        bids = [
            {"price": plain(p), "qty": plain(q), amount_key: plain(a)}
            for p, q, a in group_levels(market.bids, level, descending=True)
        ]
        asks = [
            {"price": plain(p), "qty": plain(q), amount_key: plain(a)}
            for p, q, a in group_levels(market.asks, level, descending=False)
        ]
    return {"timestamp": market.book_timestamp, "asks": asks, "bids": bids}


def trade_row(t: SimTrade) -> Message:
    return {
        "timestamp": t.timestamp,
        "price": plain(t.price),
        "qty": plain(t.size),
        "isBuyerTaker": t.buyer_taker,
        "tradeId": t.id,
    }


def candle_row(bar: Bar) -> Message:
    """A ``/v2/candles`` row: the bucket's start (ms) and decimal strings."""
    return {
        "timestamp": bar.start,
        "open": plain(bar.open),
        "high": plain(bar.high),
        "low": plain(bar.low),
        "close": plain(bar.close),
        "volume": plain(bar.volume),
    }


def envelope(kind: str, symbol: str, now_ms: int, data: Any, snapshot: bool) -> bytes:
    """A public frame; realtime frames omit ``snapshot`` entirely, as seen live."""
    message: Message = {"symbol": symbol, "timestamp": now_ms, "type": kind}
    if snapshot:
        message["snapshot"] = True
    message["data"] = data
    return ENCODER.encode(message)


def ack(request_id: Any) -> bytes:
    return ENCODER.encode({"status": "success", "requestId": request_id})


def fail(code: str | None, message: str, request_id: Any = None) -> bytes:
    body: Message = {"status": "fail"}
    if code is not None:
        body["code"] = code
    body["message"] = message
    if request_id is not None:
        body["requestId"] = request_id
    return ENCODER.encode(body)
