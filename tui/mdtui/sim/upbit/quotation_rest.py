"""Upbit quotation REST (docs/protocols.md, 'Upbit: quotation REST'): numbers as JSON
numbers, an integer error ``name`` (the HTTP status) on quotation errors, and one unknown
code fails the whole call with 404 ``Code not found``. An unrouted path under ``/v1/``
answers 404 ``not_found`` without a ``Remaining-Req`` header.

Upbit Global (``region`` ``sg``, ``id``, ``th``): market rows carry ``english_name`` only,
``/v1/orderbook/instruments`` has no ``supported_levels`` and books no ``level``; Indonesia
answers ``is_details`` with the older ``market_warning`` (``NONE``/``CAUTION``) where the
others send ``market_event``. Grouped books (``level``) exist on KRW markets only: elsewhere
``supported_levels`` is ``["0"]``.

Candles (``/v1/candles/seconds``, ``/minutes/{1,3,5,10,15,30,60,240}``, ``/days``,
``/weeks``, ``/months``, ``/years``): ``market``, ``count`` (1-200, default 1) and ``to``
(exclusive: candles that start before it; ISO 8601 with ``Z`` or an offset, or without
a zone meaning UTC), newest first, from ``engine.candles``. Seconds reach back three
months. The ``candle`` group is limited per client address
(``Limits.upbit_rest_candle_per_second``, 10/s): ``Remaining-Req: group=candle; min=600;
sec=N``; past it 429 ``too_many_requests`` with ``sec=0``.

Not simulated: ``days_ago`` and ``to`` of ``/v1/trades/ticks`` (ignored), rate limiting
of the other quotation groups (their ``Remaining-Req`` header is sent with a fixed value),
``converting_price_unit`` of day candles (ignored).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from mdtui.sim.engine.candles import DAY, MINUTES, MONTH, SECOND, WEEK, YEAR, Bar, Period
from mdtui.sim.engine.listings import REGION_FIAT
from mdtui.sim.engine.market_generator import Market, VenueMarkets
from mdtui.sim.engine.ticks import plain
from mdtui.sim.net.http import HttpReply, HttpRequest, HttpRoutes
from mdtui.sim.net.rate_limits import KeyedLimit, Limits
from mdtui.sim.upbit import public_frames as frames
from mdtui.sim.upbit.public_frames import market_event, market_tick, supported_levels

MISSING = "Missing request parameter error. Check the required parameters!"
MISMATCH = "Type mismatch error. Check the parameters type!"
INVALID = "Invalid parameter. Check the given value!"
CANDLE_GROUP_PER_SECOND = 10
"""Upbit's documented ``candle`` group limit (shown in ``Remaining-Req`` when the
simulator's limit is switched off)."""
SECONDS_REACH_MS = 90 * 86_400_000
"""Second candles are served for the last three months only."""
_RATE_QUANTUM = Decimal("1E-10")
MINUTE_PERIODS = tuple(MINUTES.values())


class QuotationError(Exception):
    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def json_reply(body: Any, status: int = 200, group: str | None = None) -> HttpReply:
    headers = [("Remaining-Req", f"group={group}; min=600; sec=9")] if group else []
    return HttpReply(status, frames.ENCODER.encode(body), headers)


def not_found(_: HttpRequest) -> HttpReply:
    body = {"error": {"name": "not_found", "message": "no Route matched with those values"}}
    return json_reply(body, 404)


class UpbitQuotationRest:
    """Route handlers; ``refresh(code)`` lets an unwatched market catch up before a read."""

    def __init__(
        self,
        markets: VenueMarkets,
        refresh: Callable[[str], None],
        region: str = "kr",
        clock: Callable[[], int] | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.markets = markets
        self.refresh = refresh
        self.region = region
        self.clock = clock or (lambda: int(datetime.now(UTC).timestamp() * 1000))
        per_second = (limits or Limits()).upbit_rest_candle_per_second
        self.candle_limit = KeyedLimit(per_second, CANDLE_GROUP_PER_SECOND)

    def register(self, routes: HttpRoutes) -> None:
        for path, handler in (
            ("/v1/market/all", self.market_all),
            ("/v1/ticker", self.ticker),
            ("/v1/ticker/all", self.ticker_all),
            ("/v1/orderbook", self.orderbook),
            ("/v1/orderbook/instruments", self.instruments),
            ("/v1/trades/ticks", self.trades),
        ):
            routes.add(path, self._guard(handler))
        candle_routes: list[tuple[str, Period]] = [
            ("/v1/candles/seconds", SECOND),
            *((f"/v1/candles/minutes/{unit}", period) for unit, period in MINUTES.items()),
            ("/v1/candles/days", DAY),
            ("/v1/candles/weeks", WEEK),
            ("/v1/candles/months", MONTH),
            ("/v1/candles/years", YEAR),
        ]
        for path, period in candle_routes:
            routes.add(path, partial(self.candles, period))
        routes.fallback("/v1/", not_found)

    @staticmethod
    def _guard(handler: Callable[[HttpRequest], HttpReply]) -> Callable[[HttpRequest], HttpReply]:
        def guarded(request: HttpRequest) -> HttpReply:
            try:
                return handler(request)
            except QuotationError as error:
                body = {"error": {"name": error.status, "message": error.message}}
                return json_reply(body, error.status)

        return guarded

    def _markets(self, request: HttpRequest, name: str) -> list[Market]:
        raw = request.param(name)
        codes = [c.strip().upper() for c in (raw or "").split(",") if c.strip()]
        if not codes:
            raise QuotationError(400, MISSING)
        if any(code not in self.markets for code in codes):
            raise QuotationError(404, "Code not found")
        for code in codes:
            self.refresh(code)
        return [self.markets[code] for code in codes]

    @staticmethod
    def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
        mismatch, invalid = (
            partial(QuotationError, 400, MISMATCH),
            partial(QuotationError, 400, INVALID),
        )
        return request.int_param(name, default, low, high, mismatch, invalid)

    # -- handlers --------------------------------------------------------------------------

    def market_all(self, request: HttpRequest) -> HttpReply:
        details = (request.param("is_details") or request.param("isDetails") or "") == "true"
        rows = []
        for listing in self.markets.listings.values():
            if not listing.active:
                continue  # Upbit lists only tradable markets (no status field)
            row: dict[str, Any] = {"market": listing.code}
            if self.region == "kr":
                row["korean_name"] = listing.korean_name
            row["english_name"] = listing.english_name
            if details and self.region == "id":
                row["market_warning"] = "CAUTION" if listing.warning else "NONE"
            elif details:
                row["market_event"] = market_event(listing)
            rows.append(row)
        return json_reply(rows, group="market")

    def ticker(self, request: HttpRequest) -> HttpReply:
        rows = [frames.rest_ticker(m) for m in self._markets(request, "markets")]
        return json_reply(rows, group="ticker")

    def ticker_all(self, request: HttpRequest) -> HttpReply:
        raw = request.param("quote_currencies") or REGION_FIAT.get(self.region, "KRW")
        quotes = {q.strip().upper() for q in raw.split(",")}
        rows = []
        for listing in self.markets.listings.values():
            if listing.quote in quotes:
                self.refresh(listing.code)
                rows.append(frames.rest_ticker(self.markets[listing.code]))
        return json_reply(rows, group="ticker")

    def orderbook(self, request: HttpRequest) -> HttpReply:
        markets = self._markets(request, "markets")
        depth = min(self._int(request, "count", 30, 1, 10**9), 30)
        raw_level = request.param("level") or "0"
        try:
            level = Decimal(raw_level)
        except InvalidOperation:
            raise QuotationError(400, MISMATCH) from None
        rows = []
        for market in markets:
            if level and plain(level) not in supported_levels(market):
                return json_reply([], group="orderbook")
            row = frames.rest_orderbook(market, depth, level)
            if self.region != "kr":
                del row["level"]
            rows.append(row)
        return json_reply(rows, group="orderbook")

    def instruments(self, request: HttpRequest) -> HttpReply:
        rows = []
        for market in self._markets(request, "markets"):
            row: dict[str, Any] = {
                "market": market.code,
                "quote_currency": market.listing.quote,
                "tick_size": plain(market_tick(market)),
            }
            if self.region == "kr":
                row["supported_levels"] = supported_levels(market)
            rows.append(row)
        return json_reply(rows, group="orderbook")

    def trades(self, request: HttpRequest) -> HttpReply:
        if not request.param("market"):
            raise QuotationError(400, MISSING)
        markets = self._markets(request, "market")
        if len(markets) != 1:
            raise QuotationError(400, INVALID)
        market = markets[0]
        count = self._int(request, "count", 1, 1, 500)
        newest_first = list(reversed(market.trades))
        cursor = request.param("cursor")
        if cursor:
            try:
                below = int(cursor)
            except ValueError:
                raise QuotationError(400, MISMATCH) from None
            newest_first = [t for t in newest_first if frames.sequential_id(t) < below]
        rows = [frames.rest_trade(market, t) for t in newest_first[:count]]
        return json_reply(rows, group="trade")

    # -- candles ---------------------------------------------------------------------------

    def candles(self, period: Period, request: HttpRequest) -> HttpReply:
        quota = self.candle_limit.take(request.client_ip)
        header = [("Remaining-Req", f"group=candle; min=600; sec={quota.remaining}")]
        if not quota.admitted:
            body = {"error": {"name": "too_many_requests", "message": "Too many requests"}}
            return HttpReply(429, frames.ENCODER.encode(body), header)
        try:
            rows = self._candle_rows(period, request)
        except QuotationError as error:
            failure = {"error": {"name": error.status, "message": error.message}}
            return HttpReply(error.status, frames.ENCODER.encode(failure), header)
        return HttpReply(200, frames.ENCODER.encode(rows), header)

    def _candle_rows(self, period: Period, request: HttpRequest) -> list[dict[str, Any]]:
        if not request.param("market"):
            raise QuotationError(400, MISSING)
        markets = self._markets(request, "market")
        if len(markets) != 1:
            raise QuotationError(400, INVALID)
        market = markets[0]
        count = self._int(request, "count", 1, 1, 200)
        now = self.clock()
        to = request.param("to")
        before = _to_ms(to) if to else now + 1
        since = now - SECONDS_REACH_MS if period is SECOND else 0
        # a day's change needs the day before the oldest one shown
        extra = 1 if period is DAY else 0
        bars = market.candles.candles(period, min(before, now + 1), count + extra, since)
        rows = []
        for index, bar in enumerate(bars[:count]):
            row = frames.rest_candle(market, bar)
            if period is DAY:
                previous = bars[index + 1] if index + 1 < len(bars) else None
                _add_change(row, bar, previous)
            elif period in MINUTE_PERIODS:
                row["unit"] = period.ms // 60_000
            elif period in (WEEK, MONTH, YEAR):
                row["first_day_of_period"] = frames.utc_date(bar.start, "%Y-%m-%d")
            rows.append(row)
        return rows


def _add_change(row: dict[str, Any], bar: Bar, previous: Bar | None) -> None:
    """A day candle's ``prev_closing_price``, ``change_price`` and ``change_rate`` (against
    the day before; the day's own open when there is none)."""
    prev = previous.close if previous is not None else bar.open
    change = bar.close - prev
    row["prev_closing_price"] = prev
    row["change_price"] = change
    row["change_rate"] = (change / prev).quantize(_RATE_QUANTUM) if prev else Decimal(0)


def _to_ms(raw: str) -> int:
    """``to`` in ms: ISO 8601 with ``Z`` or an offset (a ``+`` that arrived unescaped,
    as a space, is read as ``+``), or without a zone meaning UTC."""
    text = raw.strip()
    if len(text) > 6 and text[-6] == " " and text[-3] == ":":
        text = f"{text[:-6]}+{text[-5:]}"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise QuotationError(400, INVALID) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(moment.timestamp() * 1000)
