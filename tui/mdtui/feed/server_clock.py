"""Our clock, and an exchange's read from a REST reply's ``Date`` header."""

from __future__ import annotations

import email.utils
import time

import httpx


def wall_ms() -> int:
    """The local wall clock, Unix ms."""
    return time.time_ns() // 1_000_000


def date_offset_ms(reply: httpx.Response, sent_ms: int, received_ms: int) -> int | None:
    """The server's clock minus ours, in ms, from ``reply``'s ``Date`` (None without a
    readable one). ``Date`` is floored to the second, so the server's time was in
    ``[date, date + 1000)``: its middle is compared with the middle of the round trip."""
    date = reply.headers.get("date")
    if not date:
        return None
    try:
        server = int(email.utils.parsedate_to_datetime(date).timestamp() * 1000)
    except (TypeError, ValueError):
        return None
    return server + 500 - (sent_ms + received_ms) // 2
