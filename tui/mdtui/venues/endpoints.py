"""Endpoint URLs: the three addresses a venue needs, and the explicit-base-URL mapping."""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import urlsplit


class Endpoints(NamedTuple):
    """Where a venue lives: public and private websocket URLs and the REST base URL."""

    public_ws: str
    private_ws: str
    rest: str


_WS_FOR = {"http": "ws", "https": "wss", "ws": "ws", "wss": "wss"}
_HTTP_FOR = {"http": "http", "https": "https", "ws": "http", "wss": "https"}


def from_base(base: str, public_path: str, private_path: str) -> Endpoints:
    """Map one explicit base URL (e.g. the simulator's ``http://127.0.0.1:PORT``) to endpoints.

    ``http``/``ws`` give ``ws://`` sockets and an ``http://`` REST base; ``https``/``wss``
    give ``wss://`` and ``https://``. A path prefix in ``base`` is kept; the websocket paths
    are appended to it. Raises ValueError for another scheme, a missing host, a query or a
    fragment.
    """
    parts = urlsplit(base.strip())
    scheme = parts.scheme.lower()
    if scheme not in _WS_FOR or not parts.netloc:
        raise ValueError(f"base URL {base!r} must be http(s):// or ws(s):// with a host")
    if parts.query or parts.fragment:
        raise ValueError(f"base URL {base!r} must not have a query or fragment")
    root = parts.netloc + parts.path.rstrip("/")
    ws = f"{_WS_FOR[scheme]}://{root}"
    return Endpoints(ws + public_path, ws + private_path, f"{_HTTP_FOR[scheme]}://{root}")
