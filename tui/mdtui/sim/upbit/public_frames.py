"""Upbit public message bodies, websocket and quotation REST.

See docs/protocols.md, 'Upbit: public websocket' and 'Upbit: quotation REST'.

Builders return dicts with DEFAULT keys in the order Upbit's samples show; ``simple()``
renames them to the SIMPLE format's short keys. Numbers stay ``Decimal`` and are written as
JSON numbers by ``ENCODER`` (never floats). Dates and times are UTC: the ticker writes
``yyyyMMdd`` and ``HHmmss``, the trade message ``yyyy-MM-dd`` and ``HH:mm:ss``. Every
websocket message carries ``stream_type`` (``SNAPSHOT`` or ``REALTIME``), and every
orderbook message is a whole top-N book, never a delta.
"""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import msgspec

from mdtui.sim.engine.candles import Bar
from mdtui.sim.engine.listings import CAUTIONS, Listing
from mdtui.sim.engine.market_generator import Level, Market, SimTrade, group_levels
from mdtui.sim.engine.ticks import tick_size, upbit_supported_levels

ENCODER = msgspec.json.Encoder(decimal_format="number")

Message = dict[str, Any]

SNAPSHOT = "SNAPSHOT"
REALTIME = "REALTIME"
_RATE_QUANTUM = Decimal("1E-10")
_KST_MS = 9 * 3_600_000

TICKER_KEYS = {
    "type": "ty",
    "code": "cd",
    "opening_price": "op",
    "high_price": "hp",
    "low_price": "lp",
    "trade_price": "tp",
    "prev_closing_price": "pcp",
    "acc_trade_price": "atp",
    "change": "c",
    "change_price": "cp",
    "signed_change_price": "scp",
    "change_rate": "cr",
    "signed_change_rate": "scr",
    "ask_bid": "ab",
    "trade_volume": "tv",
    "acc_trade_volume": "atv",
    "trade_date": "tdt",
    "trade_time": "ttm",
    "trade_timestamp": "ttms",
    "acc_ask_volume": "aav",
    "acc_bid_volume": "abv",
    "highest_52_week_price": "h52wp",
    "highest_52_week_date": "h52wdt",
    "lowest_52_week_price": "l52wp",
    "lowest_52_week_date": "l52wdt",
    "market_state": "ms",
    "is_trading_suspended": "its",
    "delisting_date": "dd",
    "market_warning": "mw",
    "timestamp": "tms",
    "acc_trade_price_24h": "atp24h",
    "acc_trade_volume_24h": "atv24h",
    "stream_type": "st",
}

TRADE_KEYS = {
    "type": "ty",
    "code": "cd",
    "timestamp": "tms",
    "trade_date": "td",
    "trade_time": "ttm",
    "trade_timestamp": "ttms",
    "trade_price": "tp",
    "trade_volume": "tv",
    "ask_bid": "ab",
    "prev_closing_price": "pcp",
    "change": "c",
    "change_price": "cp",
    "sequential_id": "sid",
    "best_ask_price": "bap",
    "best_ask_size": "bas",
    "best_bid_price": "bbp",
    "best_bid_size": "bbs",
    "stream_type": "st",
}

ORDERBOOK_KEYS = {
    "type": "ty",
    "code": "cd",
    "timestamp": "tms",
    "total_ask_size": "tas",
    "total_bid_size": "tbs",
    "orderbook_units": "obu",
    "stream_type": "st",
    "level": "lv",
}

CANDLE_KEYS = {
    "type": "ty",
    "code": "cd",
    "candle_date_time_utc": "cdttmu",
    "candle_date_time_kst": "cdttmk",
    "opening_price": "op",
    "high_price": "hp",
    "low_price": "lp",
    "trade_price": "tp",
    "candle_acc_trade_volume": "catv",
    "candle_acc_trade_price": "catp",
    "timestamp": "tms",
    "stream_type": "st",
}

UNIT_KEYS = {"ask_price": "ap", "bid_price": "bp", "ask_size": "as", "bid_size": "bs"}

LIST_KEYS = {"method": "mthd", "result": "rslt", "ticket": "tckt"}
LIST_ITEM_KEYS = {"type": "ty", "codes": "cds", "level": "lv"}


def simple(message: Message) -> Message:
    """The SIMPLE-format spelling of a DEFAULT-format message."""
    kind = message.get("type")
    if kind == "ticker":
        return {TICKER_KEYS[k]: v for k, v in message.items()}
    if kind == "trade":
        return {TRADE_KEYS[k]: v for k, v in message.items()}
    if kind == "orderbook":
        out = {ORDERBOOK_KEYS[k]: v for k, v in message.items()}
        out["obu"] = [{UNIT_KEYS[k]: v for k, v in unit.items()} for unit in out["obu"]]
        return out
    if isinstance(kind, str) and kind.startswith("candle."):
        return {CANDLE_KEYS[k]: v for k, v in message.items()}
    if "method" in message:
        out = {LIST_KEYS[k]: v for k, v in message.items()}
        out["rslt"] = [{LIST_ITEM_KEYS[k]: v for k, v in item.items()} for item in out["rslt"]]
        return out
    return message


def market_tick(market: Market) -> Decimal:
    """The market's tick at its best bid (its last price when it has no book)."""
    return tick_size(market.ladder, market.bids[0].price if market.bids else market.stats.last)


def supported_levels(market: Market) -> list[str]:
    """Upbit's ``supported_levels``: grouping steps on KRW markets, ``["0"]`` elsewhere."""
    if market.listing.quote != "KRW":
        return ["0"]
    return upbit_supported_levels(market_tick(market))


def market_event(listing: Listing) -> dict[str, Any]:
    return {
        "warning": listing.warning,
        "caution": {key: key in listing.cautions for key in CAUTIONS},
    }


def utc_date(ms: int, fmt: str) -> str:
    return time.strftime(fmt, time.gmtime(ms / 1000))


def sequential_id(trade: SimTrade) -> int:
    """Unique per market: the trade time in microsecond-like form, as in Upbit's samples."""
    return trade.timestamp * 1000 + trade.id % 1000


def _change(price: Decimal, prev: Decimal) -> tuple[str, Decimal, Decimal]:
    """(change, signed change price, signed change rate)."""
    diff = price - prev
    if not diff or not prev:
        return "EVEN", Decimal(0), Decimal(0)
    rate = (diff / prev).quantize(_RATE_QUANTUM)
    return ("RISE" if diff > 0 else "FALL"), diff, rate


def ticker(market: Market, now_ms: int, stream_type: str) -> Message:
    s, last = market.stats, market.last_trade
    change, signed_price, signed_rate = _change(s.last, s.prev_close)
    return {
        "type": "ticker",
        "code": market.code,
        "opening_price": s.open,
        "high_price": s.high,
        "low_price": s.low,
        "trade_price": s.last,
        "prev_closing_price": s.prev_close,
        "acc_trade_price": s.acc_value,
        "change": change,
        "change_price": abs(signed_price),
        "signed_change_price": signed_price,
        "change_rate": abs(signed_rate),
        "signed_change_rate": signed_rate,
        "ask_bid": "BID" if last.buyer_taker else "ASK",
        "trade_volume": last.size,
        "acc_trade_volume": s.acc_volume,
        "trade_date": utc_date(last.timestamp, "%Y%m%d"),
        "trade_time": utc_date(last.timestamp, "%H%M%S"),
        "trade_timestamp": last.timestamp,
        "acc_ask_volume": s.acc_ask_volume,
        "acc_bid_volume": s.acc_bid_volume,
        "highest_52_week_price": s.high_52w,
        "highest_52_week_date": s.high_52w_date,
        "lowest_52_week_price": s.low_52w,
        "lowest_52_week_date": s.low_52w_date,
        "market_state": "ACTIVE",
        "is_trading_suspended": False,
        "delisting_date": None,
        "market_warning": "CAUTION" if market.listing.warning else "NONE",
        "timestamp": now_ms,
        "acc_trade_price_24h": s.value_24h,
        "acc_trade_volume_24h": s.volume_24h,
        "stream_type": stream_type,
    }


def trade(market: Market, t: SimTrade, now_ms: int, stream_type: str) -> Message:
    prev = market.stats.prev_close
    change, signed_price, _ = _change(t.price, prev)
    return {
        "type": "trade",
        "code": market.code,
        "timestamp": now_ms,
        "trade_date": utc_date(t.timestamp, "%Y-%m-%d"),
        "trade_time": utc_date(t.timestamp, "%H:%M:%S"),
        "trade_timestamp": t.timestamp,
        "trade_price": t.price,
        "trade_volume": t.size,
        "ask_bid": "BID" if t.buyer_taker else "ASK",
        "prev_closing_price": prev,
        "change": change,
        "change_price": abs(signed_price),
        "sequential_id": sequential_id(t),
        "best_ask_price": t.best_ask_price,
        "best_ask_size": t.best_ask_size,
        "best_bid_price": t.best_bid_price,
        "best_bid_size": t.best_bid_size,
        "stream_type": stream_type,
    }


def book_units(market: Market, depth: int, level: Decimal) -> list[Message]:
    """Top ``depth`` units; grouped by ``level`` when it is not 0; a thin side is padded
    with zero units, as Upbit's orderbook replies are."""
    bids: list[Level] | list[tuple[Decimal, Decimal, Decimal]]
    if level:
        bids = group_levels(market.bids, level, descending=True)
        asks = group_levels(market.asks, level, descending=False)
        bid_pairs = [(p, q) for p, q, _ in bids[:depth]]
        ask_pairs = [(p, q) for p, q, _ in asks[:depth]]
    else:
        bid_pairs = [(lv.price, lv.size) for lv in market.bids[:depth]]
        ask_pairs = [(lv.price, lv.size) for lv in market.asks[:depth]]
    zero = Decimal(0)
    units = []
    for i in range(max(len(bid_pairs), len(ask_pairs))):
        ap, asz = ask_pairs[i] if i < len(ask_pairs) else (zero, zero)
        bp, bsz = bid_pairs[i] if i < len(bid_pairs) else (zero, zero)
        units.append({"ask_price": ap, "bid_price": bp, "ask_size": asz, "bid_size": bsz})
    return units


def _book_body(market: Market, depth: int, level: Decimal) -> Message:
    """The time, totals and units of a book, on the socket and over REST alike."""
    units = book_units(market, depth, level)
    return {
        "timestamp": market.book_timestamp,
        "total_ask_size": sum((u["ask_size"] for u in units), Decimal(0)),
        "total_bid_size": sum((u["bid_size"] for u in units), Decimal(0)),
        "orderbook_units": units,
    }


def orderbook(market: Market, depth: int, level: Decimal, stream_type: str) -> Message:
    return {
        "type": "orderbook",
        "code": market.code,
        **_book_body(market, depth, level),
        "stream_type": stream_type,
        "level": level,
    }


def candle_times(start: int) -> tuple[str, str]:
    """``candle_date_time_utc`` and ``candle_date_time_kst`` of a bucket starting at
    ``start`` (ms): ``yyyy-MM-ddTHH:mm:ss``."""
    fmt = "%Y-%m-%dT%H:%M:%S"
    return utc_date(start, fmt), utc_date(start + _KST_MS, fmt)


def candle(kind: str, market: Market, bar: Bar, now_ms: int, stream_type: str) -> Message:
    """A ``candle.*`` message (``kind`` is its type, e.g. ``candle.1m``); ``timestamp`` is
    the time it was sent."""
    utc, kst = candle_times(bar.start)
    return {
        "type": kind,
        "code": market.code,
        "candle_date_time_utc": utc,
        "candle_date_time_kst": kst,
        "opening_price": bar.open,
        "high_price": bar.high,
        "low_price": bar.low,
        "trade_price": bar.close,
        "candle_acc_trade_volume": bar.volume,
        "candle_acc_trade_price": bar.value,
        "timestamp": now_ms,
        "stream_type": stream_type,
    }


def error(name: str, message: str) -> bytes:
    """An error frame, keys in the order Upbit's server was seen sending them: message,
    then name."""
    return ENCODER.encode({"error": {"message": message, "name": name}})


# -- REST quotation rows (docs/protocols.md, 'Upbit: quotation REST') -------------------


def rest_ticker(market: Market) -> Message:
    s, last = market.stats, market.last_trade
    change, signed_price, signed_rate = _change(s.last, s.prev_close)
    return {
        "market": market.code,
        "trade_date": utc_date(last.timestamp, "%Y%m%d"),
        "trade_time": utc_date(last.timestamp, "%H%M%S"),
        "trade_date_kst": utc_date(last.timestamp + _KST_MS, "%Y%m%d"),
        "trade_time_kst": utc_date(last.timestamp + _KST_MS, "%H%M%S"),
        "trade_timestamp": last.timestamp,
        "opening_price": s.open,
        "high_price": s.high,
        "low_price": s.low,
        "trade_price": s.last,
        "prev_closing_price": s.prev_close,
        "change": change,
        "change_price": abs(signed_price),
        "change_rate": abs(signed_rate),
        "signed_change_price": signed_price,
        "signed_change_rate": signed_rate,
        "trade_volume": last.size,
        "acc_trade_price": s.acc_value,
        "acc_trade_price_24h": s.value_24h,
        "acc_trade_volume": s.acc_volume,
        "acc_trade_volume_24h": s.volume_24h,
        "highest_52_week_price": s.high_52w,
        "highest_52_week_date": s.high_52w_date,
        "lowest_52_week_price": s.low_52w,
        "lowest_52_week_date": s.low_52w_date,
        "timestamp": last.timestamp,
    }


def rest_orderbook(market: Market, depth: int, level: Decimal) -> Message:
    return {"market": market.code, **_book_body(market, depth, level), "level": level}


def rest_trade(market: Market, t: SimTrade) -> Message:
    """``change_price`` is signed here: the REST row has no ``change`` field to carry the
    direction (no source confirms the sign; the documented sample is a rise)."""
    prev = market.stats.prev_close
    return {
        "market": market.code,
        "trade_date_utc": utc_date(t.timestamp, "%Y-%m-%d"),
        "trade_time_utc": utc_date(t.timestamp, "%H:%M:%S"),
        "timestamp": t.timestamp,
        "trade_price": t.price,
        "trade_volume": t.size,
        "prev_closing_price": prev,
        "change_price": t.price - prev,
        "ask_bid": "BID" if t.buyer_taker else "ASK",
        "sequential_id": sequential_id(t),
    }


def rest_candle(market: Market, bar: Bar) -> Message:
    """A REST candle row, the fields every candle endpoint has; ``timestamp`` is the time
    of the candle's last trade. The endpoints add theirs (``unit``, ``first_day_of_period``,
    the day's change)."""
    utc, kst = candle_times(bar.start)
    return {
        "market": market.code,
        "candle_date_time_utc": utc,
        "candle_date_time_kst": kst,
        "opening_price": bar.open,
        "high_price": bar.high,
        "low_price": bar.low,
        "trade_price": bar.close,
        "timestamp": bar.last_ts,
        "candle_acc_trade_price": bar.value,
        "candle_acc_trade_volume": bar.volume,
    }
