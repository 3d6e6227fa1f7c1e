"""Plain HTTP on the websocket port: requests arrive through websockets' ``process_request``
and are answered with a ``websockets.http11.Response`` (``Connection: close``).

Limitation: websockets' HTTP parser refuses request bodies, so the private REST side takes
GET (and could take DELETE) with query strings here; POST bodies would need another
listener. mdtui only monitors, so the simulator serves reads only.
"""

from __future__ import annotations

import email.utils
import http
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar
from urllib.parse import parse_qs, urlsplit

from websockets.datastructures import Headers
from websockets.http11 import Request, Response

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    path: str
    raw_query: str
    """The query string exactly as sent (signature checks need the raw bytes)."""
    query: dict[str, list[str]]
    headers: Headers
    client_ip: str = ""
    """The peer's address (IP allowlists)."""

    @classmethod
    def from_websockets(cls, request: Request, client_ip: str = "") -> HttpRequest:
        parts = urlsplit(request.path)
        return cls(
            request.method,
            parts.path,
            parts.query,
            parse_qs(parts.query, keep_blank_values=True),
            request.headers,
            client_ip,
        )

    def param(self, name: str) -> str | None:
        values = self.query.get(name)
        return values[0] if values else None

    def int_param(
        self,
        name: str,
        default: T,
        low: int,
        high: int,
        not_int: Callable[[], Exception],
        out_of_range: Callable[[], Exception] | None = None,
    ) -> int | T:
        """Parameter ``name`` as an integer in ``low``-``high`` (``default`` when absent or
        empty); raises ``not_int()``, or ``out_of_range()`` (else ``not_int()``)."""
        raw = self.param(name)
        if raw is None or raw == "":
            return default
        try:
            value = int(raw)
        except ValueError:
            raise not_int() from None
        if not low <= value <= high:
            raise (out_of_range or not_int)()
        return value


@dataclass(slots=True)
class HttpReply:
    status: int
    body: bytes
    headers: list[tuple[str, str]] = field(default_factory=list)
    content_type: str = "application/json; charset=utf-8"

    def to_websockets(self, now_ms: int | None = None) -> Response:
        """The reply; its ``Date`` header is the server's clock ``now_ms`` (the wall clock
        when None), to the second as HTTP dates are."""
        status = http.HTTPStatus(self.status)
        date = None if now_ms is None else now_ms / 1000
        headers = Headers(
            [
                ("Date", email.utils.formatdate(date, usegmt=True)),
                ("Connection", "close"),
                ("Content-Type", self.content_type),
                ("Content-Length", str(len(self.body))),
                *self.headers,
            ]
        )
        return Response(status.value, status.phrase, headers, self.body)


Handler = Callable[[HttpRequest], HttpReply]


class HttpRoutes:
    """Exact (method, path) routes, then the first matching path-prefix fallback."""

    def __init__(self, not_found: Handler) -> None:
        self._exact: dict[tuple[str, str], Handler] = {}
        self._prefixes: list[tuple[str, Handler]] = []
        self._not_found = not_found

    def add(self, path: str, handler: Handler, method: str = "GET") -> None:
        self._exact[method, path] = handler

    def fallback(self, prefix: str, handler: Handler) -> None:
        """Answer unrouted paths under ``prefix`` (each venue's documented 404)."""
        self._prefixes.append((prefix, handler))

    def dispatch(self, request: HttpRequest) -> HttpReply:
        handler = self._exact.get((request.method, request.path))
        if handler is not None:
            return handler(request)
        for prefix, fallback in self._prefixes:
            if request.path.startswith(prefix):
                return fallback(request)
        return self._not_found(request)
