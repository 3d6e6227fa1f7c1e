"""The buffered httpx-ws session over a real loopback websocket server."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, aconnect_ws
from websockets.asyncio.server import serve

from mdtui.feed.buffered_session import RELIED_ON, BufferedSession


async def test_relied_on_internals_exist() -> None:
    """feed/session.py subclasses httpx-ws internals; fail loudly if they move."""
    assert issubclass(BufferedSession, AsyncWebSocketSession)
    async with await _burst_then_close(1) as server:
        port = server.sockets[0].getsockname()[1]
        async with (
            httpx.AsyncClient() as client,
            aconnect_ws(
                f"http://127.0.0.1:{port}",
                client,
                session_class=BufferedSession,
            ) as ws,
        ):
            missing = [name for name in RELIED_ON if not hasattr(ws, name)]
            assert missing == []
            assert ws._send_event.statistics().max_buffer_size > 0


async def _burst_then_close(count: int):
    async def handler(ws):
        for i in range(count):
            text = f'{{"n":{i}}}'
            await ws.send(text.encode() if i % 2 else text)
        await ws.close(1001, "going away")

    return serve(handler, "127.0.0.1", 0)


async def test_every_frame_before_close_is_delivered() -> None:
    async with await _burst_then_close(2000) as server:
        port = server.sockets[0].getsockname()[1]
        got: list[bytes | str] = []
        batches = 0
        async with (
            httpx.AsyncClient() as client,
            aconnect_ws(
                f"http://127.0.0.1:{port}",
                client,
                session_class=BufferedSession,
                queue_size=256,
            ) as ws,
        ):
            with pytest.raises(WebSocketDisconnect) as info:
                while True:
                    got += await ws.receive_batch()
                    batches += 1
        assert info.value.code == 1001
    assert len(got) == 2000
    assert got[0] == '{"n":0}' and got[1] == b'{"n":1}' and got[-1] == b'{"n":1999}'
    assert batches < 2000, "frames should arrive in batches"


async def test_answers_server_pings() -> None:
    """A server ping gets a pong from the background reader (Korbit pings every 30 s)."""
    pongs: list[float] = []

    async def handler(ws):
        pongs.append(await asyncio.wait_for(await ws.ping(), 5))
        await ws.send("done")

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        async with (
            httpx.AsyncClient() as client,
            aconnect_ws(
                f"http://127.0.0.1:{port}",
                client,
                session_class=BufferedSession,
            ) as ws,
        ):
            assert await ws.receive_batch() == ["done"]
    assert len(pongs) == 1
