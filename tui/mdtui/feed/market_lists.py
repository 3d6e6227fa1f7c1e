"""REST bootstrap: the exchanges' market lists (for names, search, tick sizes and which
watchlist markets exist), and the exchange's clock from the reply."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import NamedTuple

import httpx
import msgspec

from mdtui.feed.public_feeds import korbit_endpoints, upbit_endpoints
from mdtui.feed.server_clock import date_offset_ms, wall_ms
from mdtui.settings import Settings
from mdtui.venues import korbit, upbit
from mdtui.venues.markets import MarketInfo

log = logging.getLogger(__name__)


class RestError(Exception):
    """A REST call failed; the message says which call and why, without secrets."""


class MarketList(NamedTuple):
    infos: list[MarketInfo]
    clock_offset_ms: int | None
    """The exchange's clock minus ours, from the reply's ``Date`` (None: no Date)."""


async def fetch_markets(
    settings: Settings,
    venue: str,
    client: httpx.AsyncClient | None = None,
    clock: Callable[[], int] = wall_ms,
) -> MarketList:
    """``GET /v1/market/all?is_details=true`` (Upbit) or ``GET /v2/currencyPairs`` (Korbit),
    and the exchange's clock against ``clock`` (Unix ms).

    Korbit lists no Korean or English names; they are filled from Upbit's list by base
    currency where the caller has both (see :func:`with_names`).
    """
    if venue == "upbit":
        url = upbit_endpoints(settings.upbit).rest + "/v1/market/all?is_details=true"
        parse = upbit.parse_markets
    elif venue == "korbit":
        url = korbit_endpoints(settings.korbit).rest + "/v2/currencyPairs"
        parse = korbit.parse_markets
    else:
        raise ValueError(f"unknown exchange {venue!r}")
    own = client is None
    client = client or httpx.AsyncClient(timeout=10.0)
    try:
        sent = clock()
        reply = await client.get(url)
    except httpx.HTTPError as exc:
        raise RestError(f"{venue} market list: {type(exc).__name__}") from None
    finally:
        if own:
            await client.aclose()
    if reply.status_code != 200:
        raise RestError(f"{venue} market list: HTTP {reply.status_code}")
    try:
        return MarketList(parse(reply.content), date_offset_ms(reply, sent, clock()))
    except ValueError as exc:
        raise RestError(f"{venue} market list: unexpected reply ({exc})") from None


def with_names(markets: list[MarketInfo], named: list[MarketInfo]) -> list[MarketInfo]:
    """Give nameless markets the Korean/English names of a named market with the same base."""
    names = {m.base: m for m in named if m.korean_name or m.english_name}
    out = []
    for m in markets:
        ref = names.get(m.base)
        if ref is not None and m.korean_name is None and m.english_name is None:
            m = msgspec.structs.replace(
                m, korean_name=ref.korean_name, english_name=ref.english_name
            )
        out.append(m)
    return out
