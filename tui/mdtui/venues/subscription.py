"""What one public socket should stream: market codes per data type."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

PublicType = Literal["ticker", "orderbook", "trade"]


@dataclass(frozen=True, slots=True)
class Subscription:
    """Exchange market codes wanted per public type (``KRW-BTC`` / ``btc_krw``)."""

    tickers: frozenset[str] = frozenset()
    books: frozenset[str] = frozenset()
    trades: frozenset[str] = frozenset()
    tops: frozenset[str] = frozenset()
    """Markets whose best bid and ask are wanted without the full book (the board's BID and
    ASK columns). Upbit tickers carry no bid/ask, so an Upbit socket streams a one-level
    book for these; Korbit tickers already carry them, so Korbit ignores this."""

    @classmethod
    def of(
        cls,
        tickers: Iterable[str] = (),
        books: Iterable[str] = (),
        trades: Iterable[str] = (),
        tops: Iterable[str] = (),
    ) -> Subscription:
        return cls(frozenset(tickers), frozenset(books), frozenset(trades), frozenset(tops))

    def by_type(self) -> tuple[tuple[PublicType, frozenset[str]], ...]:
        """``(("ticker", codes), ("orderbook", codes), ("trade", codes))``."""
        return (("ticker", self.tickers), ("orderbook", self.books), ("trade", self.trades))

    def __bool__(self) -> bool:
        return bool(self.tickers or self.books or self.trades)

    def markets(self) -> frozenset[str]:
        """Every market code streamed for any type."""
        return self.tickers | self.books | self.trades | self.tops


EMPTY = Subscription()
