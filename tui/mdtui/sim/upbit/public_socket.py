"""Upbit public websocket, ``/websocket/v1`` (docs/protocols.md, 'Upbit: public websocket'
and 'Upbit: rate limits and keepalive').

A request is one JSON array holding a ``ticket`` object, one or more type objects
(``ticker``, ``trade``, ``orderbook``, ``candle.1s`` ... ``candle.240m``, each with
upper-case ``codes``) and an optional
``format`` object (DEFAULT, SIMPLE, JSON_LIST, SIMPLE_LIST), or a
``{"method":"LIST_SUBSCRIPTIONS"}`` object instead of the type objects. An orderbook code
may end in a depth, ``KRW-BTC.15``: 1, 5, 15 or 30; any other number, or none, means 30.
Frames go out as binary frames of UTF-8 JSON, numbers as JSON numbers.

Choices where no source confirms what Upbit's server does:

- A valid request with type objects *replaces* the socket's subscription set and re-sends
  snapshots (flags permitting); LIST_SUBSCRIPTIONS changes nothing. The format of the
  latest valid request (DEFAULT when it has none) applies to the whole socket.
- List formats (JSON_LIST, SIMPLE_LIST): one array per request for its snapshots, and one
  array per socket per market-clock step for realtime events.
- Errors are reported with an error frame; the socket stays open and keeps its
  subscriptions. Unknown codes and unsupported types answer INVALID_PARAM; private types
  (myOrder, myAsset) on this path answer INVALID_AUTH. A request with an unknown code
  fails as a whole, and its message names the code as requested (``KRW-XYZ.1``). A
  delisted market (``Simulator.delist``) is an unknown code: it has left
  ``/v1/market/all`` too.
- ``is_only_snapshot`` wins over ``is_only_realtime`` when both are set; both spellings
  (snake and camel case) are accepted. The snapshot of ``trade`` is the latest trade.
- Text ``PING`` is answered once per PING with ``{"status":"UP"}`` as a binary frame.
- An orderbook ``level`` outside the market's ``supported_levels`` subscribes but sends no
  data (Upbit says an unsupported level "may result in no data").
- Over-limit behaviour: see ``net.rate_limits.Limits``.

Candles (``upbit.candle_stream``): the snapshot is the market's newest candle (the current
bucket's, or the previous one while the current bucket has no trade); realtime messages
go out at most once a second per code and type, only after a trade changed the candle,
and the same bucket may come several times (the last one wins).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from functools import partial
from typing import Any

from websockets.asyncio.server import ServerConnection

from mdtui.sim.engine.market_generator import Update, VenueMarkets
from mdtui.sim.engine.ticks import plain
from mdtui.sim.net.ws_services import PublicService
from mdtui.sim.net.ws_sessions import WsSession
from mdtui.sim.upbit import public_frames as frames
from mdtui.sim.upbit import socket_rules
from mdtui.sim.upbit.candle_stream import CANDLE_TYPES, CandleStreams
from mdtui.sim.upbit.public_frames import supported_levels

PATH = "/websocket/v1"
TYPES = ("ticker", "trade", "orderbook", *CANDLE_TYPES)
PRIVATE_TYPES = ("myOrder", "myAsset")
DEPTHS = (1, 5, 15, 30)
DEFAULT_DEPTH = 30
FORMATS = ("DEFAULT", "SIMPLE", "JSON_LIST", "SIMPLE_LIST")

MESSAGES = {
    "INVALID_AUTH": "인증 정보가 올바르지 않습니다.",
    "WRONG_FORMAT": "Format 이 맞지 않습니다.",
    "NO_TICKET": "티켓이 존재하지 않거나, 유효하지 않습니다.",
    "NO_TYPE": "type 필드가 존재하지 않습니다.",
    "NO_CODES": "codes 필드가 존재하지 않습니다.",
    "INVALID_PARAM": "codes 필드가 비어 있습니다.",
}


class RequestError(Exception):
    """A request the server answers with an error frame."""

    def __init__(self, name: str, message: str | None = None) -> None:
        super().__init__(name)
        self.name = name
        self.message = message or MESSAGES[name]

    def frame(self) -> bytes:
        return frames.error(self.name, self.message)


@dataclass(frozen=True, slots=True)
class UpbitSubscription:
    type: str
    code: str
    label: str
    """The code as requested (``KRW-BTC.5``), echoed by LIST_SUBSCRIPTIONS."""
    depth: int = DEFAULT_DEPTH
    level: Decimal = Decimal(0)
    level_supported: bool = True
    only_snapshot: bool = False
    only_realtime: bool = False


@dataclass(slots=True)
class UpbitRequest:
    ticket: str
    format: str
    subscriptions: list[UpbitSubscription]
    list_subscriptions: bool = False


def _flag(item: dict[str, Any], snake: str, camel: str) -> bool:
    value = item.get(snake, item.get(camel, False))
    if not isinstance(value, bool):
        raise RequestError("INVALID_PARAM", f"{snake} 필드는 boolean 이어야 합니다.")
    return value


def _level(item: dict[str, Any]) -> Decimal:
    value = item.get("level", 0)
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise RequestError("INVALID_PARAM", "level 필드가 올바르지 않습니다.")
    try:
        level = Decimal(str(value))
    except InvalidOperation:
        raise RequestError("INVALID_PARAM", "level 필드가 올바르지 않습니다.") from None
    if not level.is_finite() or level < 0:
        raise RequestError("INVALID_PARAM", "level 필드가 올바르지 않습니다.")
    return level


@dataclass(slots=True)
class Envelope:
    """A request array's parts: its ticket, format, method and type objects."""

    ticket: str
    format: str
    method: Any
    type_items: list[dict[str, Any]]


def parse_request(message: str, markets: VenueMarkets) -> UpbitRequest:
    """Validate one client request (format as in the module docstring); raises
    ``RequestError``."""
    envelope = parse_envelope(message)
    if envelope.method is not None:
        return UpbitRequest(envelope.ticket, envelope.format, [], list_subscriptions=True)
    subscriptions: list[UpbitSubscription] = []
    for item in envelope.type_items:
        subscriptions.extend(_parse_type(item, markets))
    return UpbitRequest(envelope.ticket, envelope.format, list(dict.fromkeys(subscriptions)))


def parse_envelope(message: str) -> Envelope:
    """The checks every request gets, public or private: a non-empty JSON array of objects
    with a ticket, a known format, LIST_SUBSCRIPTIONS or type objects."""
    try:
        payload = json.loads(message, parse_float=Decimal)
    except ValueError:
        raise RequestError("WRONG_FORMAT") from None
    if not isinstance(payload, list) or not payload:
        raise RequestError("WRONG_FORMAT")
    if not all(isinstance(item, dict) for item in payload):
        raise RequestError("WRONG_FORMAT")
    ticket: Any = None
    fmt: Any = "DEFAULT"
    method: Any = None
    type_items: list[dict[str, Any]] = []
    for item in payload:
        if "ticket" in item:
            ticket = item["ticket"]
        if "format" in item:
            fmt = item["format"]
        if "method" in item:
            method = item["method"]
        if "type" in item:
            type_items.append(item)
        elif not item.keys() & {"ticket", "format", "method"}:
            raise RequestError("NO_TYPE")
    if not isinstance(ticket, str) or not ticket.strip():
        raise RequestError("NO_TICKET")
    if fmt not in FORMATS:
        raise RequestError("WRONG_FORMAT")
    if method is not None and method != "LIST_SUBSCRIPTIONS":
        raise RequestError("INVALID_PARAM", f"지원하지 않는 method 입니다: {method}")
    if method is None and not type_items:
        raise RequestError("NO_TYPE")
    return Envelope(ticket, fmt, method, type_items)


def _parse_type(item: dict[str, Any], markets: VenueMarkets) -> list[UpbitSubscription]:
    kind = item["type"]
    if kind in PRIVATE_TYPES:
        raise RequestError("INVALID_AUTH")
    if kind not in TYPES:
        raise RequestError("INVALID_PARAM", f"지원하지 않는 type 입니다: {kind}")
    if "codes" not in item:
        raise RequestError("NO_CODES")
    codes = item["codes"]
    if not isinstance(codes, list) or not codes:
        raise RequestError("INVALID_PARAM")
    only_snapshot = _flag(item, "is_only_snapshot", "isOnlySnapshot")
    only_realtime = _flag(item, "is_only_realtime", "isOnlyRealtime") and not only_snapshot
    level = _level(item) if kind == "orderbook" else Decimal(0)
    out = []
    for label in codes:
        if not isinstance(label, str):
            raise RequestError("INVALID_PARAM", f"유효하지 않은 코드입니다: {label}")
        code, depth = label, DEFAULT_DEPTH
        if kind == "orderbook" and "." in label:
            code, _, suffix = label.partition(".")
            if not suffix.isdigit():
                raise RequestError("INVALID_PARAM", f"유효하지 않은 코드입니다: {label}")
            depth = int(suffix) if int(suffix) in DEPTHS else DEFAULT_DEPTH
        if code not in markets or not markets[code].active:
            raise RequestError("INVALID_PARAM", f"유효하지 않은 코드입니다: {label}")
        supported = True
        if level:
            supported = plain(level) in supported_levels(markets[code])
        out.append(
            UpbitSubscription(
                kind, code, label, depth, level, supported, only_snapshot, only_realtime
            )
        )
    return out


@dataclass(eq=False, slots=True)
class UpbitPublicClient:
    """One socket's state: its format and realtime subscriptions by code."""

    session: WsSession
    format: str = "DEFAULT"
    subscriptions: list[UpbitSubscription] = field(default_factory=list)
    by_code: dict[str, list[UpbitSubscription]] = field(default_factory=dict)

    @property
    def simple(self) -> bool:
        return self.format.startswith("SIMPLE")

    @property
    def listed(self) -> bool:
        return self.format.endswith("_LIST")

    def send(self, message: frames.Message | list[frames.Message]) -> None:
        self.session.send(frames.ENCODER.encode(message), text=False)


class FrameSet:
    """Messages of one publishing round, built once and shared by all sockets."""

    def __init__(self, stream_type: str) -> None:
        self.stream_type = stream_type
        self._default: dict[tuple[Any, ...], frames.Message] = {}
        self._simple: dict[tuple[Any, ...], frames.Message] = {}
        self._encoded: dict[tuple[Any, ...], bytes] = {}

    def message(
        self, key: tuple[Any, ...], build: Callable[[], frames.Message], simple: bool
    ) -> frames.Message:
        message = self._default.get(key)
        if message is None:
            message = self._default[key] = build()
        if not simple:
            return message
        short = self._simple.get(key)
        if short is None:
            short = self._simple[key] = frames.simple(message)
        return short

    def encoded(
        self, key: tuple[Any, ...], build: Callable[[], frames.Message], simple: bool
    ) -> bytes:
        full_key = (*key, simple)
        data = self._encoded.get(full_key)
        if data is None:
            data = self._encoded[full_key] = frames.ENCODER.encode(self.message(key, build, simple))
        return data


class UpbitPublicService(PublicService):
    """The ``/websocket/v1`` service: request handling, snapshots and realtime fan-out."""

    venue = "upbit"
    path = PATH

    def _init_state(self) -> None:
        self._clients: set[UpbitPublicClient] = set()
        self._by_code: dict[str, set[UpbitPublicClient]] = {}
        self._connections = socket_rules.connection_gate(self.limits)
        self._candles: CandleStreams[UpbitPublicClient] = CandleStreams(self.markets)

    # -- connection ------------------------------------------------------------------------

    def admit(self) -> bool:
        """Connection-rate check, called before the handshake is accepted."""
        return self._connections.admit()

    async def handle(self, ws: ServerConnection) -> None:
        session = self.sessions.open(self.venue, ws)
        client = UpbitPublicClient(session)
        self._clients.add(client)
        try:
            await socket_rules.serve(ws, session, self.limits, partial(self._on_request, client))
        finally:
            self._set_subscriptions(client, [])
            self._clients.discard(client)
            await self.sessions.discard(session)

    # -- requests --------------------------------------------------------------------------

    def _on_request(self, client: UpbitPublicClient, text: str) -> None:
        """Apply one admitted request, or answer it with an error frame."""
        try:
            request = parse_request(text, self.markets)
        except RequestError as error:
            client.session.send(error.frame(), text=False)
            return
        client.format = request.format
        if request.list_subscriptions:
            self._list(client, request.ticket)
        else:
            self._subscribe(client, request)

    def _list(self, client: UpbitPublicClient, ticket: str) -> None:
        groups: dict[tuple[str, Decimal | None], list[str]] = {}
        for sub in client.subscriptions:
            key = (sub.type, sub.level if sub.type == "orderbook" else None)
            groups.setdefault(key, []).append(sub.label)
        result: list[dict[str, Any]] = []
        for (kind, level), codes in groups.items():
            item: dict[str, Any] = {"type": kind, "codes": codes}
            if level is not None:
                item["level"] = level
            result.append(item)
        message: frames.Message = {
            "method": "LIST_SUBSCRIPTIONS",
            "result": result,
            "ticket": ticket,
        }
        if client.simple:
            message = frames.simple(message)
        client.send([message] if client.listed else message)

    def _subscribe(self, client: UpbitPublicClient, request: UpbitRequest) -> None:
        """Replace the socket's subscriptions, then queue the snapshots (same sync stretch,
        so they precede any realtime frame)."""
        self._set_subscriptions(client, [s for s in request.subscriptions if not s.only_snapshot])
        snapshots = FrameSet(frames.SNAPSHOT)
        now = self.clock()
        batch = []
        stalled = self.sessions.faults.market_stalled
        for sub in request.subscriptions:
            if sub.only_realtime or stalled(self.venue, sub.code):
                continue
            for key, build in self._messages(sub, snapshots, now, None):
                if client.listed:
                    batch.append(snapshots.message(key, build, client.simple))
                else:
                    client.session.send(snapshots.encoded(key, build, client.simple), text=False)
        if batch:
            client.session.send(frames.ENCODER.encode(batch), text=False)
        if client.subscriptions:
            self.on_watch()

    def _set_subscriptions(self, client: UpbitPublicClient, subs: list[UpbitSubscription]) -> None:
        for code in client.by_code:
            watchers = self._by_code.get(code)
            if watchers is not None:
                watchers.discard(client)
                if not watchers:
                    del self._by_code[code]
        self._candles.forget(client)
        client.subscriptions = subs
        client.by_code = {}
        for sub in subs:
            client.by_code.setdefault(sub.code, []).append(sub)
            self._by_code.setdefault(sub.code, set()).add(client)
            if sub.type in CANDLE_TYPES:
                self._candles.watch(client, sub.code, sub.type)

    # -- publishing ------------------------------------------------------------------------

    def watched_codes(self) -> list[str]:
        return list(self._by_code)

    def _messages(
        self, sub: UpbitSubscription, frame_set: FrameSet, now: int, update: Update | None
    ) -> Iterable[tuple[tuple[Any, ...], Callable[[], frames.Message]]]:
        """(cache key, builder) of each message ``sub`` gets: its snapshot when ``update`` is
        None, else what the update changed."""
        market = self.markets[sub.code]
        stream = frame_set.stream_type
        if sub.type == "ticker":
            if update is None or update.trades:
                yield ("ticker", sub.code), partial(frames.ticker, market, now, stream)
        elif sub.type == "trade":
            trades = [market.last_trade] if update is None else update.trades
            for t in trades:
                yield ("trade", sub.code, t.id), partial(frames.trade, market, t, now, stream)
        elif sub.type in CANDLE_TYPES:
            if update is None:  # realtime candles are paced by ``CandleStreams``
                bar = market.candles.newest(self._candles.period(sub.type))
                if bar is not None:
                    key = (sub.type, sub.code, bar.start, bar.last_seq)
                    yield key, partial(frames.candle, sub.type, market, bar, now, stream)
        elif sub.level_supported and (update is None or update.book):
            yield (
                ("orderbook", sub.code, sub.depth, sub.level),
                partial(frames.orderbook, market, sub.depth, sub.level, stream),
            )

    def publish(self, updates: list[Update], now: int) -> None:
        """Fan one clock step's updates out to the subscribed sockets."""
        realtime = FrameSet(frames.REALTIME)
        batches: dict[UpbitPublicClient, list[frames.Message]] = {}
        stalled = self.sessions.faults.market_stalled
        for update in updates:
            code = update.market.code
            if stalled(self.venue, code):
                continue
            for client in self._by_code.get(code, ()):
                for sub in client.by_code[code]:
                    for key, build in self._messages(sub, realtime, now, update):
                        if client.listed:
                            batches.setdefault(client, []).append(
                                realtime.message(key, build, client.simple)
                            )
                        else:
                            client.session.send(
                                realtime.encoded(key, build, client.simple), text=False
                            )
        for client, batch in batches.items():
            client.session.send(frames.ENCODER.encode(batch), text=False)
        for client, kind, market, bar in self._candles.due(stalled):
            message = partial(frames.candle, kind, market, bar, now, frames.REALTIME)
            key = (kind, market.code, bar.start, bar.last_seq)
            if client.listed:
                client.send([realtime.message(key, message, client.simple)])
            else:
                client.session.send(realtime.encoded(key, message, client.simple), text=False)
