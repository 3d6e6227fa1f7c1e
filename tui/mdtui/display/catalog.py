"""Every market the app knows (REST lists of both exchanges plus the watchlist), with
names, price precision and a fuzzy search over symbol, Korean and English names.

Pure Python: the search screen and the command palette both rank with :func:`search`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

from mdtui.display.format import decimals_of, infer_decimals
from mdtui.model.events import market_key, split_key
from mdtui.venues.markets import MarketInfo, TickBands, tick_from_bands, with_tick_at

VENUE_LABEL = {"upbit": "Upbit", "korbit": "Korbit"}
VENUE_SHORT = {"upbit": "UP", "korbit": "KB"}

_CHOSEONG = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"


def initials(text: str) -> str:
    """Hangul initial consonants (초성) of ``text``: ``비트코인`` -> ``ㅂㅌㅋㅇ``."""
    out = []
    for ch in text:
        code = ord(ch) - 0xAC00
        if 0 <= code < 11172:
            out.append(_CHOSEONG[code // 588])
        elif not ch.isspace():
            out.append(ch)
    return "".join(out)


def split_code(venue: str, market: str) -> tuple[str, str]:
    """(base, quote) from an exchange code: ``KRW-BTC`` -> (BTC, KRW), ``btc_krw`` likewise."""
    if venue == "upbit" and "-" in market:
        quote, _, base = market.partition("-")
        return base.upper(), quote.upper()
    if "_" in market:
        base, _, quote = market.partition("_")
        return base.upper(), quote.upper()
    return market.upper(), ""


@dataclass(slots=True)
class Entry:
    """One market as the UI shows and searches it."""

    venue: str
    market: str
    base: str
    quote: str
    korean: str = ""
    english: str = ""
    info: MarketInfo | None = None
    exchange_bands: TickBands = ()
    """The tick rule the exchange's tick endpoint gave (empty: use the table in ``info``)."""
    seen_decimals: int = 0
    _haystacks: tuple[str, ...] = field(default=(), repr=False)

    @property
    def key(self) -> str:
        return market_key(self.venue, self.market)

    @property
    def symbol(self) -> str:
        """``BTC/KRW``."""
        return f"{self.base}/{self.quote}" if self.quote else self.base

    def name(self, names: str) -> str:
        """The Korean or English name (setting), falling back to the other, then the base."""
        if names == "korean":
            return self.korean or self.english or self.base
        return self.english or self.korean or self.base

    def tick_at(self, price: Decimal) -> Decimal | None:
        """The price tick at ``price``: the exchange's rule, else the documented table;
        None when neither is known (or for a price that is no price)."""
        if not price.is_finite() or price <= 0:
            return None
        if self.exchange_bands:
            return tick_from_bands(price, self.exchange_bands)
        return self.info.tick_size(price) if self.info is not None else None

    def price_decimals(self, price: Decimal | None, seen: Iterable[Decimal] = ()) -> int:
        """Decimals to show prices near ``price`` in: the tick's, else what data showed."""
        if price is not None:
            tick = self.tick_at(price)
            if tick is not None:
                return decimals_of(tick)
        found = infer_decimals(seen)
        if price is not None:
            found = max(found, decimals_of(price))
        if found > self.seen_decimals:
            self.seen_decimals = found
        return self.seen_decimals

    def haystacks(self) -> tuple[str, ...]:
        if not self._haystacks:
            self._haystacks = tuple(
                s.casefold()
                for s in (
                    self.base,
                    self.market,
                    self.symbol,
                    self.korean,
                    initials(self.korean),
                    self.english,
                )
                if s
            )
        return self._haystacks


def score(query: str, entry: Entry) -> float:
    """How well ``query`` matches ``entry`` (0: not at all). Exact symbol beats prefix beats
    word substring beats in-order letters (fuzzy)."""
    q = query.casefold().strip()
    if not q:
        return 1.0
    best = 0.0
    for i, hay in enumerate(entry.haystacks()):
        weight = 1.0 if i < 3 else 0.8
        if hay == q:
            s = 100.0
        elif hay.startswith(q):
            s = 60.0 + 20.0 * len(q) / len(hay)
        elif q in hay:
            s = 40.0 + 10.0 * len(q) / len(hay)
        else:
            s = _subsequence(q, hay)
        best = max(best, s * weight)
    return best


def _subsequence(q: str, hay: str) -> float:
    """Score for the letters of ``q`` appearing in order in ``hay``; tighter is better."""
    pos = -1
    first = -1
    for ch in q:
        pos = hay.find(ch, pos + 1)
        if pos < 0:
            return 0.0
        if first < 0:
            first = pos
    span = pos - first + 1
    return 10.0 + 20.0 * len(q) / span


class Catalog:
    """The known markets by key."""

    def __init__(self) -> None:
        self.entries: dict[str, Entry] = {}
        self.loaded: set[str] = set()
        """Venues whose full REST market list arrived."""
        self.version = 0
        """Bumped by every list merged (what is derived from the lists is renewed)."""

    def entry(self, key: str) -> Entry:
        """The entry for ``key``, made from the code alone when the venue list is missing."""
        found = self.entries.get(key)
        if found is None:
            venue, market = split_key(key)
            base, quote = split_code(venue, market)
            found = self.entries[key] = Entry(venue, market, base, quote)
        return found

    def add_infos(self, venue: str, infos: Iterable[MarketInfo]) -> int:
        """Merge a venue's REST market list; return how many markets it had."""
        count = 0
        for info in infos:
            entry = self.entry(market_key(info.venue, info.market))
            entry.base, entry.quote = info.base, info.quote
            entry.korean = info.korean_name or entry.korean
            entry.english = info.english_name or entry.english
            entry.info = info
            entry._haystacks = ()
            count += 1
        self.loaded.add(venue)
        self.version += 1
        return count

    def apply_ticks(
        self,
        venue: str,
        rules: dict[str, tuple[TickBands, Decimal | None]],
        price_of: Callable[[str], Decimal | None],
    ) -> None:
        """Take the exchange's tick rules (``market -> (bands, tick)``, see
        :class:`~mdtui.feed.tick_rules.TickRule`): a whole rule replaces the table; a
        tick at the current price (``price_of(key)``) corrects the table's band there."""
        for market, (bands, tick) in rules.items():
            entry = self.entries.get(market_key(venue, market))
            if entry is None:
                continue
            if bands:
                entry.exchange_bands = bands
            elif tick is not None:
                table = entry.info.tick_bands if entry.info is not None else ()
                entry.exchange_bands = with_tick_at(table, price_of(entry.key), tick)

    def search(self, query: str, limit: int = 50) -> list[tuple[float, Entry]]:
        """The best ``limit`` matches, best first; ties keep KRW markets and Upbit first."""
        hits = []
        for entry in self.entries.values():
            s = score(query, entry)
            if s > 0:
                hits.append((s, entry))
        hits.sort(key=lambda h: (-h[0], h[1].quote != "KRW", h[1].venue != "upbit", h[1].base))
        return hits[:limit]
