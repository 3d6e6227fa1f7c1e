"""Upbit candles: the quotation socket's ``candle.*`` frames and the REST candle calls.

Pure code: no I/O. Protocol reference: ``docs/protocols.md``, "Upbit: public websocket"
and "Upbit: quotation REST"; the facts relied on are restated here.

The socket streams ``candle.1s`` ... ``candle.240m``; the chart's intervals map to six of
them (:data:`STREAM_TYPES`; 3m, 10m and 30m are not charted and decode to nothing). REST
serves ``/v1/candles/seconds``, ``/v1/candles/minutes/{unit}`` and ``/v1/candles/days``
(:func:`rest_request`), at most 200 candles a call, newest first.

A candle's bucket is its ``candle_date_time_utc``, cut down to the interval's grid (the
documented sample frame says ``04:28:05`` for a 1m candle, so the field is not trusted to
be on the grid); ``timestamp`` is the time of its last trade (REST) or of the message
(socket). Every candle is checked by :func:`mdtui.venues.ranges.check_candle`.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, ClassVar

import msgspec

from mdtui.model.candles import INTERVALS, Candle, bucket_start
from mdtui.model.events import AnyEvent
from mdtui.venues.frames import BadFrame, renamed_variant
from mdtui.venues.private_common import RAW_ROWS, each_row
from mdtui.venues.ranges import check_candle

VENUE = "upbit"

STREAM_TYPES: dict[str, str] = {
    "1s": "candle.1s",
    "1m": "candle.1m",
    "5m": "candle.5m",
    "15m": "candle.15m",
    "1h": "candle.60m",
    "4h": "candle.240m",
}
"""The socket's candle type of each chart interval (none for 1d: Upbit streams no day
candles, so the feed builds the day from trades)."""

REST_LIMIT = 200
"""Most candles one REST call returns (``count``)."""


def start_ms(utc: str, interval: str) -> int:
    """The bucket start (Unix ms) of a ``candle_date_time_utc`` (``2025-01-02T04:28:05``,
    UTC, no offset) on ``interval``'s grid. Raises ValueError when it does not parse."""
    if len(utc) != 19 or utc[10] != "T":
        raise BadFrame(f"candle_date_time_utc {utc[:40]!r} is not yyyy-MM-ddTHH:mm:ss")
    dt = datetime.fromisoformat(utc).replace(tzinfo=UTC)
    return bucket_start(int(dt.timestamp()) * 1000, interval)


# --------------------------------------------------------------------------- socket


class _StreamCandle(msgspec.Struct, tag_field="type", gc=False):
    code: str
    candle_date_time_utc: str
    opening_price: Decimal
    high_price: Decimal
    low_price: Decimal
    trade_price: Decimal
    candle_acc_trade_volume: Decimal
    candle_acc_trade_price: Decimal
    timestamp: int
    stream_type: str = ""

    interval: ClassVar[str] = ""

    def to_events(self) -> list[AnyEvent]:
        return [_candle(self, self.code, self.interval, self.stream_type == "SNAPSHOT")]


_SIMPLE_KEYS = {
    "code": "cd",
    "candle_date_time_utc": "cdttmu",
    "opening_price": "op",
    "high_price": "hp",
    "low_price": "lp",
    "trade_price": "tp",
    "candle_acc_trade_volume": "catv",
    "candle_acc_trade_price": "catp",
    "timestamp": "tms",
    "stream_type": "st",
}


def _per_type(interval: str, typ: str) -> tuple[type[_StreamCandle], type[_StreamCandle]]:
    """The DEFAULT and SIMPLE structs of one candle type (tags must be fixed per class)."""
    default: type[_StreamCandle] = msgspec.defstruct(  # type: ignore[assignment]
        f"_Candle_{interval}",
        [],
        bases=(_StreamCandle,),
        module=__name__,
        tag_field="type",
        tag=typ,
        namespace={"interval": interval},
        gc=False,
    )
    return default, renamed_variant(default, tag_field="ty", rename=_SIMPLE_KEYS)


_STRUCTS = {typ: _per_type(interval, typ) for interval, typ in STREAM_TYPES.items()}
DEFAULT_CANDLES: tuple[type[_StreamCandle], ...] = tuple(d for d, _ in _STRUCTS.values())
"""The socket's candle structs with DEFAULT keys (members of the codec's tagged union)."""
SIMPLE_CANDLES: tuple[type[_StreamCandle], ...] = tuple(s for _, s in _STRUCTS.values())
"""The same with SIMPLE keys."""
# --------------------------------------------------------------------------- REST


def rest_request(
    market: str, interval: str, *, count: int = REST_LIMIT, before: int | None = None
) -> tuple[str, dict[str, str]]:
    """The path and query of the REST call for ``count`` (1-200) candles of ``market``
    (an Upbit code) that start before ``before`` (Unix ms; the newest when None).

    ``to`` is exclusive and sent as ISO-8601 UTC (``2025-01-02T04:28:00Z``). Raises
    ValueError for an interval Upbit has no REST candles of or a count out of range.
    """
    if not 1 <= count <= REST_LIMIT:
        raise ValueError(f"candle count {count} not in 1..{REST_LIMIT}")
    if interval == "1s":
        path = "/v1/candles/seconds"
    elif interval == "1d":
        path = "/v1/candles/days"
    elif interval in INTERVALS:
        path = f"/v1/candles/minutes/{INTERVALS[interval] // 60_000}"
    else:
        raise ValueError(f"unknown candle interval {interval!r}")
    params = {"market": market, "count": str(count)}
    if before is not None:
        params["to"] = datetime.fromtimestamp(before / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return path, params


class _RestCandle(msgspec.Struct, gc=False):
    market: str
    candle_date_time_utc: str
    opening_price: Decimal
    high_price: Decimal
    low_price: Decimal
    trade_price: Decimal
    timestamp: int
    candle_acc_trade_price: Decimal
    candle_acc_trade_volume: Decimal


def parse_rest(
    body: bytes | str, interval: str, *, skipped: list[str] | None = None
) -> list[Candle]:
    """Parse a REST candle reply into candles, oldest first.

    A bad row raises ValueError, or with ``skipped`` is described there and left out;
    a body that is not a JSON list raises ValueError.
    """

    def convert(raw: Any) -> Candle:
        row = _ROW.decode(raw)
        return _candle(row, row.market, interval, False)

    rows = each_row(RAW_ROWS.decode(body), convert, "Upbit candle", skipped)
    rows.sort(key=lambda c: c.start)
    return rows


_ROW = msgspec.json.Decoder(_RestCandle)


def _candle(row: _StreamCandle | _RestCandle, market: str, interval: str, snapshot: bool) -> Candle:
    """The checked candle of a socket frame or a REST row (the same field names)."""
    return check_candle(
        Candle(
            venue=VENUE,
            market=market,
            interval=interval,
            start=start_ms(row.candle_date_time_utc, interval),
            open=row.opening_price,
            high=row.high_price,
            low=row.low_price,
            close=row.trade_price,
            volume=row.candle_acc_trade_volume,
            value=row.candle_acc_trade_price,
            ts=row.timestamp,
            snapshot=snapshot,
        )
    )
