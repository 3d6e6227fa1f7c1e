"""A buffered httpx-ws session: fewer event-loop passes per received frame.

Stock ``AsyncWebSocketSession`` hands every frame from its background reader to the caller
through an unbuffered anyio memory stream, which costs about two event-loop passes per
frame (``bench/ingest.py`` compares the two sessions). This subclass

* creates the stream with a buffer of ``queue_size`` frames,
* lets the background reader put frames with ``send_nowait`` (it awaits only when the
  buffer is full, which is the backpressure), and
* adds :meth:`BufferedSession.receive_batch`, which waits for one frame and then drains
  whatever else is already buffered without another await.

It relies on httpx-ws 0.9 internals (``_send_event``, ``_receive_event``,
``_background_task_group``, ``_should_close``, ``_write_lock``, ``_ping_manager``,
``_read_stream``); ``pyproject.toml`` pins ``httpx-ws<0.10`` and
``tests/feed/test_session.py`` checks those attributes still exist.
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncGenerator

import anyio
import httpcore
import wsproto
from httpx_ws import AsyncWebSocketSession, WebSocketDisconnect, WebSocketNetworkError
from httpx_ws._api import CloseReason, EndOfStream, HTTPXWSException

Frame = bytes | str

RELIED_ON = (
    "_send_event",
    "_receive_event",
    "_background_task_group",
    "_should_close",
    "_write_lock",
    "_ping_manager",
    "_read_stream",
    "_background_keepalive_ping",
)


class BufferedSession(AsyncWebSocketSession):
    """httpx-ws session with a buffered frame queue and batch draining."""

    @contextlib.asynccontextmanager
    async def __asynccontextmanager__(self) -> AsyncGenerator[BufferedSession, None]:
        self._send_event, self._receive_event = anyio.create_memory_object_stream[
            wsproto.events.Event | HTTPXWSException
        ](max(1, self._queue_size))
        self._background_task_group = anyio.create_task_group()
        async with self._send_event, self._receive_event, self._background_task_group:
            self._background_task_group.start_soon(
                self._background_receive, self._max_message_size_bytes
            )
            if self._keepalive_ping_interval_seconds is not None:
                self._background_task_group.start_soon(
                    self._background_keepalive_ping,
                    self._keepalive_ping_interval_seconds,
                    self._keepalive_ping_timeout_seconds,
                )
            try:
                yield self
            finally:
                self._background_task_group.cancel_scope.cancel()
                with anyio.CancelScope(shield=True):
                    await self.close()

    async def _put(self, item: wsproto.events.Event | HTTPXWSException) -> None:
        try:
            self._send_event.send_nowait(item)
        except anyio.WouldBlock:
            await self._send_event.send(item)

    async def _background_receive(self, max_bytes: int) -> None:
        partial: str | bytes | None = None
        connection = self.connection
        put_nowait = self._send_event.send_nowait
        try:
            while not self._should_close.is_set():
                data = await self._read_stream(max_bytes)
                connection.receive_data(data)
                for event in connection.events():
                    if isinstance(event, wsproto.events.Message):
                        if not event.message_finished:
                            partial = event.data if partial is None else partial + event.data
                            continue
                        if partial is not None:
                            event = type(event)(partial + event.data)
                            partial = None
                        try:
                            put_nowait(event)
                        except anyio.WouldBlock:
                            await self._send_event.send(event)
                    elif isinstance(event, wsproto.events.Ping):
                        reply = connection.send(event.response())
                        async with self._write_lock:
                            await self.stream.write(reply)
                    elif isinstance(event, wsproto.events.Pong):
                        self._ping_manager.ack(event.payload)
                    else:
                        if isinstance(event, wsproto.events.CloseConnection):
                            self._should_close.set()
                        await self._put(event)
        except (httpcore.ReadError, httpcore.WriteError, EndOfStream):
            await self.close(CloseReason.INTERNAL_ERROR, "Stream error")
            await self._put(WebSocketNetworkError())

    _pending_error: HTTPXWSException | wsproto.events.CloseConnection | None = None

    async def receive_batch(self, limit: int = 512) -> list[Frame]:
        """Wait for at least one frame, then return every frame already buffered.

        Raises ``WebSocketDisconnect`` on a close frame and ``WebSocketNetworkError`` on a
        broken connection or a keepalive ping timeout; frames that arrived before either
        are returned first, and the error is raised by the next call.
        """
        if self._pending_error is not None:
            error, self._pending_error = self._pending_error, None
            self._raise(error)
        receive = self._receive_event
        event = await receive.receive()
        out: list[Frame] = []
        while True:
            if isinstance(event, wsproto.events.Message):
                out.append(event.data)
            elif isinstance(event, HTTPXWSException | wsproto.events.CloseConnection):
                if not out:
                    self._raise(event)
                self._pending_error = event
                return out
            if len(out) >= limit:
                return out
            try:
                event = receive.receive_nowait()
            except (anyio.WouldBlock, anyio.EndOfStream):
                return out

    @staticmethod
    def _raise(event: HTTPXWSException | wsproto.events.CloseConnection) -> None:
        if isinstance(event, wsproto.events.CloseConnection):
            raise WebSocketDisconnect(event.code, event.reason)
        raise event
