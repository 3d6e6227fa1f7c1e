"""What one public socket should stream: market codes per data type."""

from __future__ import annotations

import re
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
    candles: frozenset[tuple[str, str]] = frozenset()
    """(interval, code) pairs whose candles are streamed (Upbit ``candle.*``; Korbit
    streams no candles and ignores this)."""

    @classmethod
    def of(
        cls,
        tickers: Iterable[str] = (),
        books: Iterable[str] = (),
        trades: Iterable[str] = (),
        tops: Iterable[str] = (),
        candles: Iterable[tuple[str, str]] = (),
    ) -> Subscription:
        return cls(
            frozenset(tickers),
            frozenset(books),
            frozenset(trades),
            frozenset(tops),
            frozenset(candles),
        )

    def by_type(self) -> tuple[tuple[PublicType, frozenset[str]], ...]:
        """``(("ticker", codes), ("orderbook", codes), ("trade", codes))``."""
        return (("ticker", self.tickers), ("orderbook", self.books), ("trade", self.trades))

    def __bool__(self) -> bool:
        return bool(self.tickers or self.books or self.trades or self.candles)

    def codes(self) -> frozenset[str]:
        """Every market code in any type (``tops`` and candles included)."""
        codes = self.tickers | self.books | self.trades | self.tops
        return codes | {code for _, code in self.candles} if self.candles else codes

    def without(self, codes: Iterable[str]) -> Subscription:
        """This subscription less ``codes``, in every type."""
        drop = frozenset(codes)
        if not drop & self.codes():
            return self
        return Subscription(
            self.tickers - drop,
            self.books - drop,
            self.trades - drop,
            self.tops - drop,
            frozenset(pair for pair in self.candles if pair[1] not in drop),
        )

    def minus(self, other: Subscription) -> Subscription:
        """Type by type, what this subscription has and ``other`` has not."""
        return Subscription(
            self.tickers - other.tickers,
            self.books - other.books,
            self.trades - other.trades,
            self.tops - other.tops,
            self.candles - other.candles,
        )


EMPTY = Subscription()


@dataclass(frozen=True, slots=True)
class Rejection:
    """What an exchange's refusal of a subscription request means for the socket.

    ``codes`` are the markets it refused (left out from then on); ``unsent`` is the part
    of what had been sent that did not take effect (sent again, less ``codes``).
    """

    codes: frozenset[str]
    unsent: Subscription


_CODE = re.compile(r"[A-Za-z0-9]+[-_][A-Za-z0-9]+")
"""A market code as error messages name it: ``KRW-BTC`` (``KRW-BTC.1`` with a depth),
``btc_krw``."""


def codes_named(message: str, codes: Iterable[str]) -> frozenset[str]:
    """The codes among ``codes`` that ``message`` names, as whole words."""
    named = set(_CODE.findall(message))
    return frozenset(code for code in codes if code in named)
