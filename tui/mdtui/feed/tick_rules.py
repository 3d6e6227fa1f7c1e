"""The exchanges' own price ticks for the markets on screen: Upbit
``GET /v1/orderbook/instruments`` (the tick at each market's current price, up to 100
markets a call) and Korbit ``GET /v2/tickSizePolicy`` (the whole rule, one pair a call:
several pairs in one call is not documented). Until they arrive, the documented tables
stand in; a failed call is logged and the table stays."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine, Iterable
from decimal import Decimal
from typing import Any, NamedTuple

import httpx

from mdtui.feed.public_feeds import korbit_endpoints, upbit_endpoints
from mdtui.model.events import split_key
from mdtui.settings import Settings
from mdtui.venues import korbit, upbit
from mdtui.venues.markets import TickBands

log = logging.getLogger(__name__)

UPBIT_BATCH = 100
"""Markets per ``orderbook/instruments`` call (one unknown code fails the whole call, so
only listed codes are asked)."""
KORBIT_PACE = 0.1
"""Seconds between Korbit's one-pair calls (well under its public limit)."""


class TickRule(NamedTuple):
    """What an exchange said about a market's ticks: the whole rule (Korbit), or the tick
    at the current price (Upbit)."""

    bands: TickBands = ()
    tick: Decimal | None = None


Spawn = Callable[[Coroutine[Any, Any, None], str, str], object]


async def fetch_tick_rules(
    settings: Settings, venue: str, markets: list[str], client: httpx.AsyncClient
) -> dict[str, TickRule]:
    """The tick rules of ``markets`` (exchange codes) of ``venue``; raises httpx errors
    and ValueError (a reply of the wrong shape)."""
    out: dict[str, TickRule] = {}
    if venue == "upbit":
        base = upbit_endpoints(settings.upbit).rest
        for i in range(0, len(markets), UPBIT_BATCH):
            codes = ",".join(markets[i : i + UPBIT_BATCH])
            reply = await client.get(f"{base}/v1/orderbook/instruments", params={"markets": codes})
            reply.raise_for_status()
            for market, tick in upbit.parse_instruments(reply.content).items():
                out[market] = TickRule(tick=tick)
    elif venue == "korbit":
        base = korbit_endpoints(settings.korbit).rest
        for i, market in enumerate(markets):
            if i:
                await asyncio.sleep(KORBIT_PACE)
            reply = await client.get(f"{base}/v2/tickSizePolicy", params={"symbol": market})
            reply.raise_for_status()
            for symbol, bands in korbit.parse_tick_size_policy(reply.content).items():
                out[symbol] = TickRule(bands=bands)
    return out


class TickFetcher:
    """Asks each market's ticks once, in the background, as markets come on screen."""

    def __init__(
        self,
        settings: Settings,
        on_rules: Callable[[str, dict[str, TickRule]], None],
        spawn: Spawn,
    ) -> None:
        self.settings = settings
        self.on_rules = on_rules
        self._spawn = spawn
        self.asked: set[str] = set()
        """Market keys asked for (answered or not: a failure is not retried)."""

    def want(self, keys: Iterable[str], listed: Callable[[str], bool]) -> None:
        """Fetch the ticks of those ``keys`` the exchange lists and nobody asked yet."""
        new: dict[str, list[str]] = {}
        for key in keys:
            if key in self.asked or not listed(key):
                continue
            self.asked.add(key)
            venue, market = split_key(key)
            new.setdefault(venue, []).append(market)
        for venue, markets in new.items():
            self._spawn(self._fetch(venue, markets), f"{venue} ticks", f"ticks-{venue}")

    async def _fetch(self, venue: str, markets: list[str]) -> None:
        try:
            async with httpx.AsyncClient(timeout=10.0) as client:
                rules = await fetch_tick_rules(self.settings, venue, markets, client)
        except asyncio.CancelledError:
            raise
        except Exception as exc:  # a tick rule is a refinement: the table stays
            log.warning("%s tick sizes for %s: %s", venue, ",".join(markets), exc)
            return
        self.on_rules(venue, rules)
