"""What Korbit's public and private sockets share: the server's protocol pings, request
arrays answered item by item, and the ``symbols`` check.

See docs/protocols.md, 'Korbit: public websocket', 'Korbit: private websocket' and
'Korbit: rate limits and keepalive'.

Korbit's server sends a protocol ping with payload ``ping`` every 30 s and sends no JSON
heartbeat. A request that is not a JSON array, or an element that is not an object, is
answered ``{"status":"fail","message":"invalid_format"}`` and the socket stays open.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConcurrencyError, ConnectionClosed

from mdtui.sim.engine.market_generator import VenueMarkets
from mdtui.sim.korbit import public_frames as frames
from mdtui.sim.net.ws_sessions import WsSession

INVALID_FORMAT = frames.fail(None, "invalid_format")


class RequestFailure(Exception):
    """A request item answered with a ``fail`` frame."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


async def ping_every(ws: ServerConnection, interval: float) -> None:
    """Send a protocol ping (payload ``ping``) every ``interval`` seconds, as Korbit does."""
    with contextlib.suppress(ConnectionClosed):
        while True:
            await asyncio.sleep(interval)
            with contextlib.suppress(ConcurrencyError):  # the last ping is still unanswered
                await ws.ping(b"ping")


async def serve(
    ws: ServerConnection,
    session: WsSession,
    ping_interval: float | None,
    apply: Callable[[dict[str, Any]], None],
) -> None:
    """Pass each request item of ``ws`` to ``apply`` until the socket closes, pinging
    every ``ping_interval`` seconds (None: never)."""
    pinger = asyncio.create_task(ping_every(ws, ping_interval)) if ping_interval else None
    try:
        async for message in ws:
            receive(session, message, apply)
    except ConnectionClosed:
        pass
    finally:
        if pinger is not None:
            pinger.cancel()


def receive(
    session: WsSession, message: str | bytes, apply: Callable[[dict[str, Any]], None]
) -> None:
    """Record one client frame and apply its items; a ``RequestFailure`` answers its item."""
    try:
        payload: Any = json.loads(message)
    except ValueError:
        payload = None
    session.record(message, payload)
    if not isinstance(payload, list):
        session.send(INVALID_FORMAT, text=True)
        return
    for item in payload:
        if not isinstance(item, dict):
            session.send(INVALID_FORMAT, text=True)
            continue
        request_id = item.get("requestId")
        try:
            apply(item)
        except RequestFailure as failure:
            session.send(frames.fail(failure.code, failure.message, request_id), text=True)


def check_method(item: dict[str, Any]) -> str:
    """The item's ``method``: ``subscribe`` or ``unsubscribe``."""
    method = item.get("method")
    if method not in ("subscribe", "unsubscribe"):
        raise RequestFailure("INVALID_REQUEST", "unknown_method")
    return method


def check_symbols(item: dict[str, Any], markets: VenueMarkets) -> list[str]:
    """The item's ``symbols``: a non-empty list of listed symbols."""
    symbols = item.get("symbols")
    if not isinstance(symbols, list) or not symbols or not all(isinstance(s, str) for s in symbols):
        raise RequestFailure("INVALID_REQUEST", "invalid_symbols")
    for symbol in symbols:
        if symbol not in markets:
            raise RequestFailure("INVALID_SYMBOL", f"The symbol does not exist ({symbol})")
    return symbols


def acknowledge(session: WsSession, item: dict[str, Any]) -> None:
    """Answer an applied item's ``requestId``, if it has one."""
    request_id = item.get("requestId")
    if request_id is not None:
        session.send(frames.ack(request_id), text=True)
