"""What Upbit's public and private sockets share: the connection and message rate limits,
the idle timeout, text ``PING`` keepalives and request recording (docs/protocols.md,
'Upbit: rate limits and keepalive').

Upbit allows 5 new connections per second and, per connection, 5 request messages per
second and 100 per minute; it closes a socket after about 120 s with no data either way;
a text ``PING`` is answered with ``{"status":"UP"}``. What the simulator does past the
limits is described at ``net.rate_limits.Limits``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from mdtui.sim.net.rate_limits import Limits, RateGate, SlidingWindow
from mdtui.sim.net.ws_sessions import WsSession, close_when_idle

UP = b'{"status":"UP"}'


def connection_gate(limits: Limits) -> RateGate:
    """The per-second connection limit of one Upbit socket path."""
    per_second = limits.upbit_connections_per_second
    return RateGate(SlidingWindow(per_second, 1.0) if per_second else None)


def message_gate(limits: Limits) -> RateGate:
    """The per-second and per-minute request limits of one Upbit socket."""
    per_second, per_minute = limits.upbit_messages_per_second, limits.upbit_messages_per_minute
    return RateGate(
        SlidingWindow(per_second, 1.0) if per_second else None,
        SlidingWindow(per_minute, 60.0) if per_minute else None,
    )


async def serve(
    ws: ServerConnection, session: WsSession, limits: Limits, on_request: Callable[[str], None]
) -> None:
    """Pass each request of ``ws`` to ``on_request`` until the socket closes; a request
    past the message limits closes it (1008), so does the idle timeout."""
    gate = message_gate(limits)
    idle = (
        asyncio.create_task(close_when_idle(session, limits.upbit_idle_timeout))
        if limits.upbit_idle_timeout
        else None
    )
    try:
        async for message in ws:
            if not receive(session, gate, message, on_request):
                await session.close(1008, "too many requests")
                break
    except ConnectionClosed:
        pass
    finally:
        if idle is not None:
            idle.cancel()


def receive(
    session: WsSession, gate: RateGate, message: str | bytes, on_request: Callable[[str], None]
) -> bool:
    """Handle one client frame: answer ``PING``, else record it and, within the limits,
    pass it on as text; False when the socket must close (rate limit)."""
    text = message.decode("utf-8", "replace") if isinstance(message, bytes) else message
    if text.strip() == "PING":
        session.send(UP, text=False)
        return True
    try:
        payload: Any = json.loads(text)
    except ValueError:
        payload = None
    session.record(message, payload)
    if not gate.admit():
        return False
    on_request(text)
    return True
