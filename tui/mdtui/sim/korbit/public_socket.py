"""Korbit v2 public websocket, ``/v2/public`` (docs/protocols.md, 'Korbit: public websocket'
and 'Korbit: rate limits and keepalive').

A request is a JSON array of objects with ``method`` (``subscribe``/``unsubscribe``),
``type`` (``ticker``, ``orderbook``, ``trade``), ``symbols`` (lower-case, case-sensitive),
an optional orderbook ``level`` and an optional ``requestId``, which gets a success ack; a
failure is always answered. Frames are text JSON; the first frame of a subscription has
``"snapshot": true``, realtime frames leave the key out.

Choices where no source confirms what Korbit's server does:

- A request object with any unknown symbol fails as a whole (nothing subscribed); the
  message names the first unknown symbol.
- Missing or empty ``symbols`` fails with INVALID_REQUEST ``invalid_symbols``; an unknown
  ``method`` with INVALID_REQUEST ``unknown_method``; private types on this socket with
  INVALID_REQUEST ``unknown_type``. A non-object element of the request array gets the
  ``invalid_format`` reply; the other elements are still processed.
- A repeated subscribe sends a new snapshot; frames are never duplicated per socket.
- The trade snapshot carries one row, the latest trade.
- The server's protocol ping (payload ``ping``) is not answered with a deadline: a client
  that ignores pings is not disconnected.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from websockets.asyncio.server import ServerConnection

from mdtui.sim.engine.market_generator import Market, Update
from mdtui.sim.engine.ticks import korbit_orderbook_levels, plain, tick_size
from mdtui.sim.korbit import public_frames as frames
from mdtui.sim.korbit import socket_rules
from mdtui.sim.korbit.socket_rules import RequestFailure
from mdtui.sim.net.ws_services import PublicService
from mdtui.sim.net.ws_sessions import WsSession

PATH = "/v2/public"
TYPES = ("ticker", "orderbook", "trade")


@dataclass(eq=False, slots=True)
class KorbitPublicClient:
    session: WsSession
    subscriptions: dict[str, dict[str, Decimal | None]] = field(
        default_factory=lambda: {kind: {} for kind in TYPES}
    )
    """type -> symbol -> orderbook level (None: ungrouped)."""


class KorbitPublicService(PublicService):
    """The ``/v2/public`` service: subscribe/unsubscribe, acks, snapshots and fan-out."""

    venue = "korbit"
    path = PATH

    def _init_state(self) -> None:
        self._by_symbol: dict[str, set[KorbitPublicClient]] = {}

    async def handle(self, ws: ServerConnection) -> None:
        session = self.sessions.open(self.venue, ws)
        client = KorbitPublicClient(session)
        apply = partial(self._apply, client)
        try:
            await socket_rules.serve(ws, session, self.limits.korbit_ping_interval, apply)
        finally:
            for kind in TYPES:
                for symbol in list(client.subscriptions[kind]):
                    self._drop(client, kind, symbol)
            await self.sessions.discard(session)

    # -- requests --------------------------------------------------------------------------

    def _send(self, client: KorbitPublicClient, frame: bytes) -> None:
        client.session.send(frame, text=True)

    def _apply(self, client: KorbitPublicClient, item: dict[str, Any]) -> None:
        method, kind = socket_rules.check_method(item), item.get("type")
        if kind not in TYPES:
            raise RequestFailure("INVALID_REQUEST", "unknown_type")
        symbols = socket_rules.check_symbols(item, self.markets)
        level = self._level(item, symbols) if kind == "orderbook" else None
        socket_rules.acknowledge(client.session, item)
        if method == "unsubscribe":
            for symbol in symbols:
                self._drop(client, kind, symbol)
            return
        now = self.clock()
        stalled = self.sessions.faults.market_stalled
        for symbol in dict.fromkeys(symbols):
            client.subscriptions[kind][symbol] = level
            self._by_symbol.setdefault(symbol, set()).add(client)
            if not stalled(self.venue, symbol):
                self._send(client, self._frame(kind, self.markets[symbol], now, level, None))
        self.on_watch()

    def _level(self, item: dict[str, Any], symbols: list[str]) -> Decimal | None:
        raw = item.get("level")
        if raw is None or raw == "":
            return None
        try:
            level = Decimal(str(raw))
        except InvalidOperation:
            raise RequestFailure("INVALID_REQUEST", "invalid_level") from None
        for symbol in symbols:
            market = self.markets[symbol]
            price = market.bids[0].price if market.bids else market.stats.last
            levels = korbit_orderbook_levels(tick_size(market.ladder, price))
            if not level.is_finite() or plain(level) not in levels:
                raise RequestFailure("INVALID_REQUEST", "invalid_level")
        return level

    def _drop(self, client: KorbitPublicClient, kind: str, symbol: str) -> None:
        client.subscriptions[kind].pop(symbol, None)
        if any(symbol in subs for subs in client.subscriptions.values()):
            return
        watchers = self._by_symbol.get(symbol)
        if watchers is not None:
            watchers.discard(client)
            if not watchers:
                del self._by_symbol[symbol]

    # -- publishing ------------------------------------------------------------------------

    def watched_codes(self) -> list[str]:
        return list(self._by_symbol)

    @staticmethod
    def _frame(
        kind: str, market: Market, now: int, level: Decimal | None, update: Update | None
    ) -> bytes:
        """The snapshot frame (``update`` None) or the realtime frame of one subscription."""
        snapshot = update is None
        if kind == "ticker":
            data: Any = frames.ticker_data(market)
        elif kind == "trade":
            trades = [market.last_trade] if update is None else update.trades
            data = [frames.trade_row(t) for t in trades]
        else:
            data = frames.orderbook_data(market, level, "quoteVolume")
        return frames.envelope(kind, market.code, now, data, snapshot)

    def publish(self, updates: list[Update], now: int) -> None:
        stalled = self.sessions.faults.market_stalled
        for update in updates:
            market = update.market
            clients = self._by_symbol.get(market.code)
            if not clients or stalled(self.venue, market.code):
                continue
            cache: dict[tuple[str, Decimal | None], bytes] = {}
            for client in clients:
                for kind in TYPES:
                    subs = client.subscriptions[kind]
                    if market.code not in subs:
                        continue
                    if (kind == "orderbook" and not update.book) or (
                        kind != "orderbook" and not update.trades
                    ):
                        continue
                    level = subs[market.code]
                    frame = cache.get((kind, level))
                    if frame is None:
                        frame = cache[kind, level] = self._frame(kind, market, now, level, update)
                    self._send(client, frame)
