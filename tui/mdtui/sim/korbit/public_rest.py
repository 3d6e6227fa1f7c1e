"""Korbit v2 public REST (docs/protocols.md, 'Korbit: public REST').

Replies are ``{"success":true,"data":...}`` or the
``{"success":false,"error":{"code":<status>,"message":<CODE>}}`` envelope: an unknown
symbol is 400 ``INVALID_CURRENCY_PAIR``, a bad parameter 400 ``BAD_REQUEST``, an unrouted
path under ``/v2/`` 404 ``NOT_FOUND``.

Choices where no source confirms what Korbit's server does: ``/v2/trades`` rows are newest
first with a default ``limit`` of 100 (1-500, else BAD_REQUEST); ``/v2/tickSizePolicy``
without ``symbol`` lists every pair, and accepts a comma-separated list; ``/v2/tickers``
with a mix of known and unknown symbols returns the known ones. Rate limits are not
enforced (the ``Ratelimit`` headers carry fixed values).

``/v2/candles`` (``symbol``, ``interval`` 1, 5, 15, 30, 60, 240, 1D or 1W, ``limit``
1-200, default 100, ``startTime`` and ``endTime`` (or ``start`` and ``end``) in ms, both
inclusive bucket starts):
the newest ``limit`` candles in that window, oldest first (the order is the simulator's
choice), from ``engine.candles``: a day from 00:00 UTC, a week from Monday 00:00 UTC.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from mdtui.sim.engine.candles import DAY, MINUTES, WEEK, Period
from mdtui.sim.engine.market_generator import Market, VenueMarkets
from mdtui.sim.engine.ticks import korbit_orderbook_levels, plain, tick_size
from mdtui.sim.korbit import public_frames as frames
from mdtui.sim.net.http import HttpReply, HttpRequest, HttpRoutes

INTERVALS: dict[str, Period] = {
    **{str(unit): MINUTES[unit] for unit in (1, 5, 15, 30, 60, 240)},
    "1D": DAY,
    "1W": WEEK,
}
RATE_HEADERS = [("Ratelimit", "limit=50, remaining=49, reset=1"), ("Ratelimit-Policy", "50;w=1")]


class KorbitError(Exception):
    def __init__(self, status: int, code: str) -> None:
        super().__init__(code)
        self.status = status
        self.code = code


def ok(data: Any, *, limited: bool = True) -> HttpReply:
    body = frames.ENCODER.encode({"success": True, "data": data})
    return HttpReply(200, body, list(RATE_HEADERS) if limited else [])


def error_reply(status: int, code: str) -> HttpReply:
    body = {"success": False, "error": {"code": status, "message": code}}
    return HttpReply(status, frames.ENCODER.encode(body))


def not_found(_: HttpRequest) -> HttpReply:
    return error_reply(404, "NOT_FOUND")


class KorbitPublicRest:
    def __init__(
        self, markets: VenueMarkets, clock: Callable[[], int], refresh: Callable[[str], None]
    ) -> None:
        self.markets = markets
        self.clock = clock
        self.refresh = refresh

    def register(self, routes: HttpRoutes) -> None:
        for path, handler in (
            ("/v2/currencyPairs", self.currency_pairs),
            ("/v2/time", self.time),
            ("/v2/tickers", self.tickers),
            ("/v2/orderbook", self.orderbook),
            ("/v2/trades", self.trades),
            ("/v2/tickSizePolicy", self.tick_size_policy),
            ("/v2/candles", self.candles),
        ):
            routes.add(path, self._guard(handler))
        routes.fallback("/v2/", not_found)

    @staticmethod
    def _guard(handler: Callable[[HttpRequest], HttpReply]) -> Callable[[HttpRequest], HttpReply]:
        def guarded(request: HttpRequest) -> HttpReply:
            try:
                return handler(request)
            except KorbitError as error:
                return error_reply(error.status, error.code)

        return guarded

    def _market(self, request: HttpRequest) -> Market:
        symbol = request.param("symbol")
        if not symbol:
            raise KorbitError(400, "BAD_REQUEST")
        if symbol not in self.markets:
            raise KorbitError(400, "INVALID_CURRENCY_PAIR")
        self.refresh(symbol)
        return self.markets[symbol]

    def _symbols(self, request: HttpRequest) -> list[str] | None:
        raw = request.param("symbol")
        return [s.strip() for s in raw.split(",") if s.strip()] if raw else None

    def _levels(self, market: Market) -> list[str]:
        price = market.bids[0].price if market.bids else market.stats.last
        return korbit_orderbook_levels(tick_size(market.ladder, price))

    # -- handlers --------------------------------------------------------------------------

    def currency_pairs(self, _: HttpRequest) -> HttpReply:
        rows = [
            {
                "symbol": listing.code,
                "status": "launched" if listing.active else "stopped",
                "baseCurrency": listing.base.lower(),
                "quoteCurrency": listing.quote.lower(),
                "minOrderValue": "5000",
                "maxOrderValue": "1000000000",
            }
            for listing in self.markets.listings.values()
        ]
        return ok(rows)

    def time(self, _: HttpRequest) -> HttpReply:
        return ok({"time": self.clock()}, limited=False)

    def tickers(self, request: HttpRequest) -> HttpReply:
        symbols = self._symbols(request)
        if symbols is None:
            symbols = list(self.markets.listings)
        rows = []
        for symbol in symbols:
            if symbol in self.markets:
                self.refresh(symbol)
                rows.append({"symbol": symbol, **frames.ticker_data(self.markets[symbol])})
        return ok(rows)

    def orderbook(self, request: HttpRequest) -> HttpReply:
        market = self._market(request)
        raw = request.param("level")
        level = None
        if raw:
            try:
                level = Decimal(raw)
            except InvalidOperation:
                raise KorbitError(400, "BAD_REQUEST") from None
            if not level.is_finite() or plain(level) not in self._levels(market):
                raise KorbitError(400, "BAD_REQUEST")
        return ok(frames.orderbook_data(market, level, "amt"))

    def trades(self, request: HttpRequest) -> HttpReply:
        market = self._market(request)
        raw = request.param("limit")
        try:
            limit = int(raw) if raw else 100
        except ValueError:
            raise KorbitError(400, "BAD_REQUEST") from None
        if not 1 <= limit <= 500:
            raise KorbitError(400, "BAD_REQUEST")
        newest_first = list(reversed(market.trades))[:limit]
        return ok([frames.trade_row(t) for t in newest_first])

    def tick_size_policy(self, request: HttpRequest) -> HttpReply:
        symbols = self._symbols(request) or list(self.markets.listings)
        if any(symbol not in self.markets for symbol in symbols):
            raise KorbitError(400, "INVALID_CURRENCY_PAIR")
        rows = []
        for symbol in symbols:
            market = self.markets[symbol]
            bands = [
                {"priceGte": plain(bound), "tickSize": plain(tick)}
                for bound, tick in reversed(market.ladder)
            ]
            rows.append(
                {"symbol": symbol, "tickSizePolicy": bands, "orderbookLevels": self._levels(market)}
            )
        return ok(rows)

    def candles(self, request: HttpRequest) -> HttpReply:
        market = self._market(request)
        period = INTERVALS.get(request.param("interval") or "")
        if period is None:
            raise KorbitError(400, "BAD_REQUEST")
        limit = self._number(request, "limit", 100, 1, 200)
        # UNCONFIRMED which spelling the server reads: the CLI's docs say startTime/endTime,
        # its request code sends start/end; the simulator takes either.
        start_name = "startTime" if request.param("startTime") is not None else "start"
        end_name = "endTime" if request.param("endTime") is not None else "end"
        start = self._number(request, start_name, 0, 0, 2**53)
        end = self._number(request, end_name, self.clock(), 0, 2**53)
        if start > end:
            raise KorbitError(400, "BAD_REQUEST")
        bars = market.candles.candles(period, min(end, self.clock()) + 1, limit, start)
        return ok([frames.candle_row(bar) for bar in reversed(bars)])

    @staticmethod
    def _number(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
        def bad() -> KorbitError:
            return KorbitError(400, "BAD_REQUEST")

        return request.int_param(name, default, low, high, bad)
