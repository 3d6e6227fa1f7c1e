"""The markets each simulated exchange lists: codes, names, quotes, starting prices on the
quote's ticks, typical volumes, how busy each is, and Upbit's ``market_event`` flags.

In the numbers and shapes of the real exchanges (docs/protocols.md, 'Upbit: quotation REST'
and 'Korbit: public REST'):

- Upbit (Korea): about 230 KRW markets, 150 BTC markets (prices in BTC, 8 decimals) and
  100 USDT markets; a few carry ``market_event`` warning or caution flags.
- Upbit Global (``sg``, ``id``, ``th``): each region its own fiat market (SGD, IDR or THB,
  on that quote's ticks) plus smaller BTC and USDT markets; names in English.
- Korbit: 193 launched KRW pairs and 34 stopped ones.

The core markets (the first of each venue, below) are fixed and busy; the rest come from
``engine.coins`` (well-known coins, then a seeded long tail), so a venue's listing is the
same for the same seed. A coin is listed in a quote only where the quote's tick leaves at
least 100 steps below its price. Activity (how often a market moves) falls with the rank of
its traded value within its quote: most markets are quiet, a few busy.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from decimal import Decimal
from functools import cache
from typing import Literal

from mdtui.sim.engine.coins import WELL_KNOWN, Coin, activity, generated_coins
from mdtui.sim.engine.ticks import KORBIT_KRW, UPBIT_LADDERS, TickLadder, floor_to_tick, tick_size

Region = Literal["kr", "sg", "id", "th"]
REGIONS: tuple[Region, ...] = ("kr", "sg", "id", "th")
REGION_FIAT: dict[str, str] = {"kr": "KRW", "sg": "SGD", "id": "IDR", "th": "THB"}
"""Each Upbit region's home (fiat) quote currency."""

CAUTIONS = (
    "PRICE_FLUCTUATIONS",
    "TRADING_VOLUME_SOARING",
    "DEPOSIT_AMOUNT_SOARING",
    "GLOBAL_PRICE_DIFFERENCES",
    "CONCENTRATION_OF_SMALL_ACCOUNTS",
)
"""The keys of Upbit's ``market_event.caution``."""

KRW_PER: dict[str, Decimal] = {
    "KRW": Decimal(1),
    "BTC": Decimal("145200000"),
    "USDT": Decimal("1391"),
    "SGD": Decimal("1080"),
    "IDR": Decimal("0.086"),
    "THB": Decimal("42"),
}
"""KRW per unit of each quote currency when the simulator starts (the core markets' levels,
and rough exchange rates): a coin's price in a quote is its KRW price over this."""


@dataclass(frozen=True, slots=True)
class Listing:
    """One market: its venue code, base and quote, names, start price (in the quote), typical
    24 h base volume, price ticks, and how busy it is."""

    code: str
    base: str
    korean_name: str
    english_name: str
    price: Decimal
    daily_volume: Decimal
    active: bool = True
    """Korbit's ``launched`` (False: ``stopped``: no book, no trades)."""
    quote: str = "KRW"
    ladder: TickLadder = KORBIT_KRW
    """The quote's price ticks (Korbit's KRW ladder unless given)."""
    activity: float = 1.0
    """Chance per market-clock period that the market moves (1: every period)."""
    warning: bool = False
    """Upbit ``market_event.warning`` (유의 종목)."""
    cautions: tuple[str, ...] = ()
    """The Upbit ``market_event.caution`` flags that are set (주의)."""


def _upbit(base: str, korean: str, english: str, price: str, volume: str) -> Listing:
    return Listing(
        f"KRW-{base}", base, korean, english, Decimal(price), Decimal(volume),
        ladder=UPBIT_LADDERS["KRW"],
    )  # fmt: skip


def _korbit(
    base: str, korean: str, english: str, price: str, volume: str, active: bool = True
) -> Listing:
    return Listing(
        f"{base.lower()}_krw", base, korean, english, Decimal(price), Decimal(volume), active
    )


UPBIT_CORE: tuple[Listing, ...] = (
    _upbit("BTC", "비트코인", "Bitcoin", "145200000", "2400"),
    _upbit("ETH", "이더리움", "Ethereum", "5210000", "38000"),
    _upbit("XRP", "엑스알피(리플)", "XRP", "3105", "210000000"),
    _upbit("SOL", "솔라나", "Solana", "241500", "310000"),
    _upbit("DOGE", "도지코인", "Dogecoin", "311", "950000000"),
    _upbit("ADA", "에이다", "Cardano", "1102", "140000000"),
    _upbit("TRX", "트론", "TRON", "443", "90000000"),
    _upbit("AVAX", "아발란체", "Avalanche", "34180", "900000"),
    _upbit("LINK", "체인링크", "Chainlink", "31050", "1100000"),
    _upbit("DOT", "폴카닷", "Polkadot", "5815", "3200000"),
    _upbit("BCH", "비트코인캐시", "Bitcoin Cash", "781500", "9000"),
    _upbit("ETC", "이더리움클래식", "Ethereum Classic", "30120", "480000"),
    _upbit("SUI", "수이", "Sui", "5035", "21000000"),
    _upbit("USDT", "테더", "Tether", "1391", "180000000"),
    _upbit("SHIB", "시바이누", "Shiba Inu", "0.01852", "1100000000000"),
    _upbit("PEPE", "페페", "Pepe", "0.01523", "2900000000000"),
)
"""Upbit's busiest KRW markets: fixed levels, moving every clock period."""

KORBIT_CORE: tuple[Listing, ...] = (
    _korbit("BTC", "비트코인", "Bitcoin", "145310000", "120"),
    _korbit("ETH", "이더리움", "Ethereum", "5213000", "2100"),
    _korbit("XRP", "리플", "XRP", "3106", "11000000"),
    _korbit("SOL", "솔라나", "Solana", "241700", "16000"),
    _korbit("DOGE", "도지코인", "Dogecoin", "311.2", "40000000"),
    _korbit("ADA", "에이다", "Cardano", "1103", "7000000"),
    _korbit("TRX", "트론", "TRON", "443.5", "4000000"),
    _korbit("AVAX", "아발란체", "Avalanche", "34210", "40000"),
    _korbit("LINK", "체인링크", "Chainlink", "31070", "52000"),
    _korbit("DOT", "폴카닷", "Polkadot", "5820", "150000"),
    _korbit("BCH", "비트코인캐시", "Bitcoin Cash", "782000", "400"),
    _korbit("ETC", "이더리움클래식", "Ethereum Classic", "30130", "21000"),
    _korbit("USDT", "테더", "Tether", "1392", "9000000"),
    _korbit("KLAY", "클레이튼", "Klaytn", "182.3", "0", active=False),
)
"""Korbit's busiest pairs (and one stopped): fixed levels, moving every clock period."""

# -- sizes of each listing -------------------------------------------------------------------

UPBIT_KR_COUNTS = {"KRW": 232, "BTC": 150, "USDT": 100}
UPBIT_GLOBAL_COUNTS: dict[str, dict[str, int]] = {
    "sg": {"SGD": 90, "USDT": 40, "BTC": 30},
    "id": {"IDR": 90, "USDT": 30, "BTC": 20},
    "th": {"THB": 60, "USDT": 20, "BTC": 15},
}
KORBIT_LAUNCHED = 193
KORBIT_STOPPED = 34
TAIL_COINS = 260
"""Made-up coins per seed: enough for every listing above."""

_VALUE_SHARE = {"KRW": 1.0, "BTC": 0.01, "USDT": 0.02, "SGD": 0.01, "IDR": 0.01, "THB": 0.005}
"""A quote's traded value relative to Upbit Korea's KRW market."""
_ACTIVITY_SCALE = {"KRW": 1.2, "BTC": 0.2, "USDT": 0.3, "SGD": 0.6, "IDR": 0.6, "THB": 0.5}
"""Activity of a quote's busiest market (see ``coins.activity``)."""
_KORBIT_ACTIVITY_SCALE = 1.0
_KORBIT_VALUE_SHARE = 0.05
_KORBIT_SKIPS = frozenset({"BTT", "MED", "MBL", "SSX", "MLK", "IQ", "UPP", "AQT", "META", "QKC"})
"""Well-known coins Korbit does not list."""
_NOT_IN = {"BTC": ("BTC", "USDT", "USDC"), "USDT": ("USDT", "USDC")}
"""Coins a quote does not list (itself, and stablecoins in crypto quotes)."""
_MIN_STEPS = 100
"""A quote lists a coin only if its price is at least this many ticks."""


@cache
def universe(seed: int) -> tuple[Coin, ...]:
    """Every coin beyond the core markets, for ``seed``: the well-known coins, then the
    made-up long tail."""
    taken = {c.base for c in UPBIT_CORE + KORBIT_CORE} | {c.symbol for c in WELL_KNOWN}
    taken |= set(KRW_PER)
    return WELL_KNOWN + generated_coins(seed, TAIL_COINS, taken)


def _core_coins() -> tuple[Coin, ...]:
    return tuple(
        Coin(x.base, x.korean_name, x.english_name, x.price, x.price * x.daily_volume)
        for x in UPBIT_CORE
    )


def _in_quote(krw_price: Decimal, quote: str, ladder: TickLadder) -> Decimal | None:
    """The coin's price in ``quote`` on ``ladder``, or None when too few ticks are left."""
    price = floor_to_tick(ladder, Decimal(f"{krw_price / KRW_PER[quote]:.6g}"))
    if price <= 0 or price < tick_size(ladder, price) * _MIN_STEPS:
        return None
    return price


def _volume(value: Decimal, price: Decimal) -> Decimal:
    return Decimal(f"{value / price:.6g}")


def _flags(rng: random.Random, coin: Coin) -> tuple[bool, tuple[str, ...]]:
    """Upbit's ``market_event`` of a coin: a warning on about 3 % of the long tail,
    caution flags on about 8 %."""
    if not coin.generated:
        return False, ()
    warning = rng.random() < 0.03
    cautions: tuple[str, ...] = ()
    if rng.random() < 0.08:
        cautions = tuple(sorted(rng.sample(CAUTIONS, rng.choice((1, 1, 2))), key=CAUTIONS.index))
    return warning, cautions


def _quote_listings(
    coins: tuple[Coin, ...],
    quote: str,
    count: int,
    name_korean: bool,
    flags: dict[str, tuple[bool, tuple[str, ...]]],
    ranked_above: int = 0,
) -> list[Listing]:
    """Up to ``count`` markets of ``quote``, busiest first, from ``coins`` (the first that
    the quote can list); ``ranked_above`` markets of the quote are busier than all of them."""
    ladder = UPBIT_LADDERS[quote]
    share = _VALUE_SHARE[quote]
    rows: list[tuple[Coin, Decimal]] = []
    for coin in coins:
        if coin.symbol in _NOT_IN.get(quote, (quote,)):
            continue
        price = _in_quote(coin.krw_price, quote, ladder)
        if price is not None:
            rows.append((coin, price))
        if len(rows) == count:
            break
    rows.sort(key=lambda row: -row[0].krw_daily_value)
    out = []
    for rank, (coin, price) in enumerate(rows, start=ranked_above + 1):
        value = coin.krw_daily_value * Decimal(share) / KRW_PER[quote]
        warning, cautions = flags.get(coin.symbol, (False, ()))
        out.append(
            Listing(
                code=f"{quote}-{coin.symbol}",
                base=coin.symbol,
                korean_name=coin.korean_name if name_korean else "",
                english_name=coin.english_name,
                price=price,
                daily_volume=_volume(value, price),
                quote=quote,
                ladder=ladder,
                activity=activity(rank, _ACTIVITY_SCALE[quote]),
                warning=warning,
                cautions=cautions,
            )
        )
    return out


@cache
def upbit_listings(region: Region = "kr", seed: int = 1) -> tuple[Listing, ...]:
    """Upbit's markets in ``region`` for ``seed``: Korea lists the core markets first, then
    KRW, BTC and USDT markets; a Global region its fiat, USDT and BTC markets."""
    rng = random.Random(f"{seed}:upbit:{region}:market_event")
    coins = _core_coins() + universe(seed)
    flags = {coin.symbol: _flags(rng, coin) for coin in coins}
    if region == "kr":
        core = {x.base for x in UPBIT_CORE}
        counts = UPBIT_KR_COUNTS
        krw = _quote_listings(
            tuple(c for c in coins if c.symbol not in core),
            "KRW",
            counts["KRW"] - len(UPBIT_CORE),
            True,
            flags,
            ranked_above=len(UPBIT_CORE),
        )
        rest = [
            listing
            for quote in ("BTC", "USDT")
            for listing in _quote_listings(coins, quote, counts[quote], True, flags)
        ]
        return UPBIT_CORE + tuple(krw) + tuple(rest)
    by_value = tuple(sorted(coins, key=lambda c: -c.krw_daily_value))
    return tuple(
        listing
        for quote, count in UPBIT_GLOBAL_COUNTS[region].items()
        for listing in _quote_listings(by_value, quote, count, False, flags)
    )


@cache
def korbit_listings(seed: int = 1) -> tuple[Listing, ...]:
    """Korbit's pairs for ``seed``: the core pairs, then launched KRW pairs (most of them
    also on Upbit, at a price a little off Upbit's), then stopped ones."""
    rng = random.Random(f"{seed}:korbit:listings")
    core = {x.base for x in KORBIT_CORE}
    launched = KORBIT_LAUNCHED - sum(x.active for x in KORBIT_CORE)
    stopped = KORBIT_STOPPED - sum(not x.active for x in KORBIT_CORE)
    chosen: list[tuple[Coin, Decimal]] = []
    for coin in universe(seed):
        if coin.symbol in core or coin.symbol in _KORBIT_SKIPS:
            continue
        krw = coin.krw_price * Decimal(repr(math.exp(rng.gauss(0.0, 0.004))))
        price = floor_to_tick(KORBIT_KRW, Decimal(f"{krw:.6g}"))
        if price >= tick_size(KORBIT_KRW, price) * _MIN_STEPS:
            chosen.append((coin, price))
        if len(chosen) == launched + stopped:
            break
    live = sorted(chosen[:launched], key=lambda row: -row[0].krw_daily_value)
    out = []
    busier = sum(x.active for x in KORBIT_CORE)
    for rank, (coin, price) in enumerate(live, start=busier + 1):
        value = coin.krw_daily_value * Decimal(_KORBIT_VALUE_SHARE)
        out.append(_korbit_pair(coin, price, _volume(value, price), True, rank))
    for coin, price in chosen[launched:]:
        out.append(_korbit_pair(coin, price, Decimal(0), False, len(live)))
    return KORBIT_CORE + tuple(out)


def _korbit_pair(coin: Coin, price: Decimal, volume: Decimal, active: bool, rank: int) -> Listing:
    return Listing(
        code=f"{coin.symbol.lower()}_krw",
        base=coin.symbol,
        korean_name=coin.korean_name,
        english_name=coin.english_name,
        price=price,
        daily_volume=volume,
        active=active,
        activity=activity(rank, _KORBIT_ACTIVITY_SCALE),
    )
