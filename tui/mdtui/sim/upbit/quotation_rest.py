"""Upbit quotation REST (docs/protocols.md, 'Upbit: quotation REST'): numbers as JSON
numbers, an integer error ``name`` (the HTTP status) on quotation errors, and one unknown
code fails the whole call with 404 ``Code not found``. An unrouted path under ``/v1/``
answers 404 ``not_found`` without a ``Remaining-Req`` header.

Upbit Global (``region`` ``sg``, ``id``, ``th``): market rows carry ``english_name`` only,
``/v1/orderbook/instruments`` has no ``supported_levels`` and books no ``level``; Indonesia
answers ``is_details`` with the older ``market_warning`` (``NONE``/``CAUTION``) where the
others send ``market_event``. Grouped books (``level``) exist on KRW markets only: elsewhere
``supported_levels`` is ``["0"]``.

Not simulated: ``days_ago`` and ``to`` of ``/v1/trades/ticks`` (ignored), rate limiting
(the ``Remaining-Req`` header is sent with a fixed value).
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from mdtui.sim.engine.listings import REGION_FIAT
from mdtui.sim.engine.market_generator import Market, VenueMarkets
from mdtui.sim.engine.ticks import plain
from mdtui.sim.net.http import HttpReply, HttpRequest, HttpRoutes
from mdtui.sim.upbit import public_frames as frames
from mdtui.sim.upbit.public_frames import market_event, market_tick, supported_levels

MISSING = "Missing request parameter error. Check the required parameters!"
MISMATCH = "Type mismatch error. Check the parameters type!"
INVALID = "Invalid parameter. Check the given value!"


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
        self, markets: VenueMarkets, refresh: Callable[[str], None], region: str = "kr"
    ) -> None:
        self.markets = markets
        self.refresh = refresh
        self.region = region

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
