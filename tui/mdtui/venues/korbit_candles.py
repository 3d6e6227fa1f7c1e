"""Korbit candles: ``GET /v2/candles`` (Korbit streams no candles).

Pure code: no I/O. Protocol reference: ``docs/protocols.md``, "Korbit: public REST"; the
facts relied on are restated here.

``GET /v2/candles?symbol=&interval=&limit=`` with ``interval`` one of ``1 5 15 30 60 240
1D 1W`` (minutes, day, week; no seconds), ``limit`` 1-200 (required: the server answers
``BAD_REQUEST`` without it) and the optional bounds ``start`` and ``end`` (Unix ms; the
history calls' ``startTime``/``endTime`` names are ignored here). Rows are
``{timestamp, open, high, low, close, volume}``: ``timestamp`` the bucket's start, prices
and the base-currency volume as decimal strings; no traded value (``Candle.value`` is
None). The rows are sorted here, whatever order they come in.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

import msgspec

from mdtui.model.candles import Candle, bucket_start
from mdtui.venues.korbit import ApiError
from mdtui.venues.private_common import each_row
from mdtui.venues.ranges import check_candle

VENUE = "korbit"

PATH = "/v2/candles"
REST_LIMIT = 200
"""Most candles one call returns (``limit``)."""

INTERVALS: dict[str, str] = {
    "1m": "1",
    "5m": "5",
    "15m": "15",
    "1h": "60",
    "4h": "240",
    "1d": "1D",
}
"""Korbit's ``interval`` of each chart interval (none for 1s: those are built from
trades only)."""


def rest_request(
    symbol: str, interval: str, *, count: int = REST_LIMIT, before: int | None = None
) -> tuple[str, dict[str, str]]:
    """The path and query for ``count`` (1-200) candles of ``symbol`` that start before
    ``before`` (Unix ms; the newest when None). Raises ValueError for an interval Korbit
    has no candles of or a count out of range."""
    if not 1 <= count <= REST_LIMIT:
        raise ValueError(f"candle count {count} not in 1..{REST_LIMIT}")
    try:
        params = {"symbol": symbol, "interval": INTERVALS[interval], "limit": str(count)}
    except KeyError:
        raise ValueError(f"Korbit has no {interval} candles") from None
    if before is not None:
        params["end"] = str(before - 1)  # inclusive or not, nothing at `before` comes back
    return PATH, params


class _Row(msgspec.Struct, gc=False):
    timestamp: int
    open: str
    high: str
    low: str
    close: str
    volume: str


class _ErrorBody(msgspec.Struct):
    code: int | str | None = None
    message: str = ""


class _Reply(msgspec.Struct):
    success: bool
    data: list[msgspec.Raw] = []
    error: _ErrorBody | None = None


_REPLY = msgspec.json.Decoder(_Reply)
_ROW = msgspec.json.Decoder(_Row)


def parse_rest(
    body: bytes | str,
    symbol: str,
    interval: str,
    *,
    before: int | None = None,
    skipped: list[str] | None = None,
) -> list[Candle]:
    """Parse a ``/v2/candles`` reply into candles, oldest first (only those starting
    before ``before`` when given).

    Raises :class:`~mdtui.venues.korbit.ApiError` on an error envelope and ValueError on
    a body of the wrong shape; a bad row raises ValueError, or with ``skipped`` is
    described there and left out.
    """
    reply = _REPLY.decode(body)
    if not reply.success:
        err = reply.error or _ErrorBody(message="success is false")
        raise ApiError(err.code, err.message)

    def convert(raw: Any) -> Candle:
        row = _ROW.decode(raw)
        return check_candle(
            Candle(
                venue=VENUE,
                market=symbol,
                interval=interval,
                start=bucket_start(row.timestamp, interval),
                open=_decimal(row.open),
                high=_decimal(row.high),
                low=_decimal(row.low),
                close=_decimal(row.close),
                volume=_decimal(row.volume),
                value=None,
                ts=row.timestamp,
            )
        )

    candles = each_row(reply.data, convert, "Korbit candle", skipped)
    if before is not None:
        candles = [c for c in candles if c.start < before]
    candles.sort(key=lambda c: c.start)
    return candles


def _decimal(text: str) -> Decimal:
    """``Decimal(text)``, raising ValueError for what is not a decimal string."""
    try:
        return Decimal(text)
    except InvalidOperation:
        raise ValueError(f"not a decimal: {text[:40]!r}") from None
