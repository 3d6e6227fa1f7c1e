"""Seeded market generator: a mean-reverting mid, a 30-level book on ticks, trades, 24 h stats.

Venue-neutral: the frame modules (``upbit.public_frames``, ``korbit.public_frames``) turn
this state into each exchange's wire format. Every market draws from its own
``random.Random`` seeded from (seed, venue, code), so a market's path depends only on the
seed and on how many steps it took, never on other markets.

A market moves on a fraction of the clock's periods (``Listing.activity``: every period for
the busiest, about one in 250 for the quietest); in between, a step costs one comparison.
A step that moves (``Market.step``) does a handful of Decimal operations: the fair price moves
(Ornstein-Uhlenbeck in log space around the listing price), the book re-centres on it when
it crosses a tick (cancels at the far side, new quotes on the near side), a taker trade may
hit the best bid or lift the best ask, and a random level may change size or vanish.

The demo account's resting orders live in the book too (``Market.own``, ``Level.own``): a
level's size includes them, and they fill from the market's own flow, so every private fill
is also a public trade at the same price and time:

- a taker trade at a level fills the account's orders there first, oldest first (the
  simulated crowd gives the demo account time priority, so demo fills come within seconds);
- when the market moves through an order's price (the level is cut as the book re-centres),
  the rest of the order fills at its own price;
- every fill of an own order is a public trade of its own (one print per maker, as
  exchanges print them), so fills and public trades match one to one, ids included;
- churn never shrinks a level below the account's part, nor removes such a level.

While a market holds no own orders, the own-order code draws nothing from its random
stream, so its public path depends only on the seed and the number of steps.

``VenueMarkets`` builds a market when it is first read (a subscription, a REST read, an
order), so a listing of hundreds of markets costs nothing until they are used.
"""

from __future__ import annotations

import itertools
import math
import random
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from mdtui.sim.engine.candles import CandleLog, PastPath
from mdtui.sim.engine.listings import Listing
from mdtui.sim.engine.ticks import TickLadder, floor_to_tick, step_down, step_up

DEPTH = 30
"""Levels kept per side."""
TRADE_HISTORY = 500
"""Trades kept per market (the REST maximum of both exchanges)."""
FOLD_EVERY = TRADE_HISTORY - 50
"""Trades are counted into the market's candles when they are read, and at the latest after
this many (so none leaves ``trades`` uncounted); building a market costs no candle work."""
DAY_MS = 86_400_000
_SIZE_QUANTUM = Decimal("0.00000001")
_REVERSION_S = 3600.0
"""Mean-reversion time of the fair price: keeps long demos near realistic levels."""

Away = Callable[[TickLadder, Decimal], Decimal]
"""``step_down`` for bids, ``step_up`` for asks: the direction away from the spread."""


@dataclass(frozen=True, slots=True)
class Rate:
    """How fast markets move. ``Simulator.flood`` divides both intervals by a factor."""

    step_seconds: float = 0.1
    """Period of the shared market clock; each watched market takes one step per period."""
    trade_probability: float = 0.3
    """Chance of a taker trade per market per step."""
    churn_probability: float = 0.5
    """Chance per step that a resting level changes size, vanishes or improves the spread."""
    min_book_interval: float = 0.25
    """Least time between two published books of one market (a changed book waits)."""
    volatility: float = 1.0
    """Multiplier on each market's volatility."""

    def faster(self, factor: float) -> Rate:
        return Rate(
            self.step_seconds / factor,
            self.trade_probability,
            self.churn_probability,
            self.min_book_interval / factor,
            self.volatility,
        )


@dataclass(frozen=True, slots=True)
class SimTrade:
    """One public trade and the top of book right after it."""

    id: int
    """Rises per market with gaps (Korbit ``tradeId``; Upbit derives ``sequential_id``)."""
    timestamp: int
    price: Decimal
    size: Decimal
    buyer_taker: bool
    best_ask_price: Decimal
    best_ask_size: Decimal
    best_bid_price: Decimal
    best_bid_size: Decimal


@dataclass(slots=True)
class Level:
    price: Decimal
    size: Decimal
    """Everything resting at ``price``, the demo account's ``own`` part included."""
    own: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class OwnFill:
    """A fill of the demo account's order ``key``: the public ``trade`` is exactly it."""

    key: str
    is_bid: bool
    price: Decimal
    size: Decimal
    trade: SimTrade


@dataclass(slots=True)
class Stats:
    """Day statistics. ``acc_*`` count since 00:00 UTC, ``*_24h`` never reset (rolling-ish)."""

    day: int
    open: Decimal
    high: Decimal
    low: Decimal
    last: Decimal
    prev_close: Decimal
    acc_volume: Decimal
    acc_value: Decimal
    acc_ask_volume: Decimal
    acc_bid_volume: Decimal
    volume_24h: Decimal
    value_24h: Decimal
    high_52w: Decimal
    high_52w_date: str
    low_52w: Decimal
    low_52w_date: str


@dataclass(slots=True)
class Update:
    """What one step changed in one market, for the publishers."""

    market: Market
    trades: list[SimTrade]
    book: bool


def group_levels(
    levels: list[Level], step: Decimal, *, descending: bool
) -> list[tuple[Decimal, Decimal, Decimal]]:
    """A side aggregated into ``step``-wide price buckets: bids round down, asks round up,
    so the grouped book stays uncrossed. Rows are (bucket price, size, KRW amount)."""
    rounding = ROUND_FLOOR if descending else ROUND_CEILING
    out: list[tuple[Decimal, Decimal, Decimal]] = []
    for level in levels:
        bucket = int((level.price / step).to_integral_value(rounding=rounding)) * step
        amount = level.price * level.size
        if out and out[-1][0] == bucket:
            _, size, total = out[-1]
            out[-1] = (bucket, size + level.size, total + amount)
        else:
            out.append((bucket, level.size, amount))
    return out


def _size(x: float) -> Decimal:
    d = Decimal(f"{x:.8f}")
    return d if d > 0 else _SIZE_QUANTUM


def _date(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d")


class Market:
    """One market's book, trades and statistics, moved by ``step``."""

    def __init__(self, listing: Listing, rng: random.Random, now_ms: int, key: str = "") -> None:
        """``key`` names the market's seed (``seed:venue:code``) for its generated past."""
        self.listing = listing
        self.code = listing.code
        self.ladder = listing.ladder
        self.rng = rng
        self.bids: list[Level] = []
        self.asks: list[Level] = []
        self.trades: deque[SimTrade] = deque(maxlen=TRADE_HISTORY)
        self.book_timestamp = now_ms
        self.book_dirty = False
        self.book_published = -math.inf
        self.own: dict[bool, dict[Decimal, dict[str, Decimal]]] = {True: {}, False: {}}
        """The demo account's resting orders: bids (True) and asks (False), by price, then
        order key -> remaining size in time order."""
        self.own_fills: list[OwnFill] = []
        """Fills of the account's orders since the desk last drained them."""
        self.last_step = -math.inf
        """``time.monotonic`` of the last realtime step (for catch-up)."""
        self._anchor = float(listing.price) * math.exp(rng.gauss(0.0, 0.01))
        self._log_dev = 0.0
        self._sigma = 1.5e-4 * rng.uniform(0.7, 1.4)
        """Relative volatility per sqrt(second)."""
        self._lot = float(listing.daily_volume) / 20_000 or 1.0
        self._next_id = rng.randrange(10_000_000, 90_000_000)
        self._candles = CandleLog(
            PastPath(key or listing.code, self._sigma, listing.ladder, self._volume_per_ms())
        )
        self._unfolded = 0
        """Trades of ``trades`` not in ``_candles`` yet (folded when read, or in batches)."""
        self._target_bid = self._floor(self._anchor)
        if listing.active:
            self._build_book()
        self._seed_history(now_ms)
        self.stats = self._seed_stats(now_ms)
        self._idle = 0
        """Clock periods since the market last moved."""
        self._wait = self._next_wait()
        """Periods between the last move and the next."""

    # -- reading ---------------------------------------------------------------------------

    @property
    def active(self) -> bool:
        return self.listing.active

    def delist(self) -> None:
        """Stop trading for good: the book empties and ``step`` does nothing from now on."""
        self.listing = replace(self.listing, active=False)
        self.bids.clear()
        self.asks.clear()
        self.book_dirty = False

    @property
    def candles(self) -> CandleLog:
        """Every trade of the market in candles, and the generated past before them."""
        if self._unfolded:
            self._fold()
        return self._candles

    @property
    def last_trade(self) -> SimTrade:
        return self.trades[-1]

    # -- stepping --------------------------------------------------------------------------

    def step(self, now_ms: int, rate: Rate) -> tuple[list[SimTrade], bool]:
        """Advance one clock period; returns the new trades and whether the book changed."""
        if not self.listing.active:
            return [], False
        self._idle += 1
        if self._idle < self._wait:
            return [], False
        dt = rate.step_seconds * self._idle
        self._idle = 0
        self._wait = self._next_wait()
        rng = self.rng
        trades: list[SimTrade] = []
        changed = False
        sigma = self._sigma * rate.volatility
        self._log_dev += -self._log_dev * dt / _REVERSION_S + sigma * math.sqrt(dt) * rng.gauss(
            0.0, 1.0
        )
        target_bid = self._floor(self._anchor * math.exp(self._log_dev))
        if target_bid != self._target_bid:
            self._target_bid = target_bid
            changed = self._recentre(target_bid, now_ms, trades)
        if rng.random() < rate.trade_probability:
            trades.extend(self._take(rng.random() < 0.5, now_ms))
            changed = True
        if rng.random() < rate.churn_probability:
            self._churn()
            changed = True
        if changed:
            self._refill(self.bids, step_down)
            self._refill(self.asks, step_up)
            if self.own[True] or self.own[False]:
                self._trade_through(now_ms, trades)
                self._place_own(self.bids, True)
                self._place_own(self.asks, False)
            self.book_timestamp = now_ms
            self.book_dirty = True
        return trades, changed

    def _volume_per_ms(self) -> float:
        """The volume the default clock's taker trades average per ms (the past's pace)."""
        default = Rate()
        trades_per_ms = default.trade_probability * self.listing.activity / default.step_seconds
        return trades_per_ms / 1000 * self._lot * math.exp(-2.0 + 1.2**2 / 2)

    def _next_wait(self) -> int:
        """Periods until the next move: 1 for a market that moves every period, else
        geometric with the listing's activity as the chance per period."""
        chance = self.listing.activity
        if chance >= 1.0:
            return 1
        return 1 + int(math.log(1.0 - self.rng.random()) / math.log(1.0 - chance))

    def _floor(self, price: float) -> Decimal:
        return floor_to_tick(self.ladder, Decimal(repr(price)))

    def _recentre(self, target_bid: Decimal, now_ms: int, trades: list[SimTrade]) -> bool:
        """Move the inside of the book to ``target_bid`` / one tick above it."""
        ladder = self.ladder
        target_ask = step_up(ladder, target_bid)
        bids, asks = self.bids, self.asks
        changed = False
        if asks and asks[0].price <= target_bid:
            if self.rng.random() < 0.5:
                trades.extend(self._take(True, now_ms))
            self._cut(asks, lambda p: p <= target_bid)
            changed = True
        if bids and bids[0].price >= target_ask:
            if self.rng.random() < 0.5:
                trades.extend(self._take(False, now_ms))
            self._cut(bids, lambda p: p >= target_ask)
            changed = True
        if not bids or bids[0].price < target_bid:
            self._quote_inside(bids, target_bid, step_down)
            changed = True
        if not asks or asks[0].price > target_ask:
            self._quote_inside(asks, target_ask, step_up)
            changed = True
        return changed

    @staticmethod
    def _cut(side: list[Level], crossed: Callable[[Decimal], bool]) -> None:
        n = 0
        while n < len(side) and crossed(side[n].price):
            n += 1
        del side[:n]

    def _quote_inside(self, side: list[Level], start: Decimal, away: Away) -> None:
        """New levels from ``start`` towards the current best of ``side`` (exclusive)."""
        best = side[0].price if side else None
        fresh: list[Level] = []
        price = start
        descending = away is step_down
        while len(fresh) < DEPTH and (
            best is None or (price > best if descending else price < best)
        ):
            fresh.append(Level(price, self._level_size()))
            if best is None:
                break
            price = self._gap(price, away)
        side[:0] = fresh

    def _gap(self, price: Decimal, away: Away) -> Decimal:
        r = self.rng.random()
        hops = 1 if r < 0.75 else 2 if r < 0.95 else 3
        for _ in range(hops):
            price = away(self.ladder, price)
        return price

    def _refill(self, side: list[Level], away: Away) -> None:
        if not side:  # a step never empties a side; this keeps the book uncrossed if it did
            other = self.asks if away is step_down else self.bids
            start = away(self.ladder, other[0].price) if other else self._target_bid
            side.append(Level(start, self._level_size()))
        while len(side) < DEPTH:
            side.append(Level(self._gap(side[-1].price, away), self._level_size()))
        del side[DEPTH:]

    def _level_size(self) -> Decimal:
        return _size(self._lot * self.rng.lognormvariate(0.0, 1.0))

    def _take(self, buy: bool, now_ms: int) -> list[SimTrade]:
        """A taker order at the best ask (buy) or best bid (sell), at most that level's size:
        one trade, or one per own order it fills first plus one for the rest."""
        side = self.asks if buy else self.bids
        level = side[0]
        size = _size(self._lot * self.rng.lognormvariate(-2.0, 1.2))
        if size >= level.size:
            size = level.size
            del side[0]
            if not side:
                self._refill(side, step_up if buy else step_down)
        else:
            level.size -= size
        self._next_id += self.rng.randint(1, 4)
        if not level.own:
            return [self._record(now_ms, level.price, size, buy)]
        prints: list[SimTrade] = []
        left = size
        for key, remaining in list(self.own[not buy].get(level.price, {}).items()):
            if left <= 0:
                break
            part = min(remaining, left)
            left -= part
            level.own -= part
            prints.append(self._own_print(not buy, level.price, key, part, now_ms, bool(prints)))
        if left > 0:
            self._next_id += 1
            prints.append(self._record(now_ms, level.price, left, buy))
        return prints

    def _record(self, now_ms: int, price: Decimal, size: Decimal, buyer_taker: bool) -> SimTrade:
        """A public trade with ``self._next_id`` and the top of book now."""
        trade = SimTrade(
            self._next_id,
            now_ms,
            price,
            size,
            buyer_taker,
            self.asks[0].price if self.asks else Decimal(0),
            self.asks[0].size if self.asks else Decimal(0),
            self.bids[0].price if self.bids else Decimal(0),
            self.bids[0].size if self.bids else Decimal(0),
        )
        self._keep(trade)
        self._count(trade)
        return trade

    def _keep(self, trade: SimTrade) -> None:
        self.trades.append(trade)
        self._unfolded += 1
        if self._unfolded >= FOLD_EVERY:
            self._fold()

    def _fold(self) -> None:
        start = len(self.trades) - self._unfolded
        for trade in itertools.islice(self.trades, start, None):
            self._candles.add(trade.timestamp, trade.price, trade.size)
        self._unfolded = 0

    def _churn(self) -> None:
        rng = self.rng
        side = self.bids if rng.random() < 0.5 else self.asks
        r = rng.random()
        if r < 0.2:
            # a quote improving the spread by one tick
            inside = step_up(self.ladder, self.bids[0].price)
            if inside < self.asks[0].price:
                if side is self.bids:
                    side.insert(0, Level(inside, self._level_size()))
                else:
                    outside = step_down(self.ladder, self.asks[0].price)
                    if outside > self.bids[0].price:
                        side.insert(0, Level(outside, self._level_size()))
            return
        index = int(rng.random() ** 2 * len(side))
        level = side[index]
        if r < 0.35 and len(side) > 1:
            if level.own:
                level.size = level.own  # the crowd left; the account's orders stay
            else:
                del side[index]
        else:
            level.size = level.own + self._level_size()

    # -- the demo account's orders --------------------------------------------------------

    def crosses(self, is_bid: bool, price: Decimal) -> bool:
        """Whether a limit order at ``price`` would trade at once (it reaches the other side)."""
        if is_bid:
            return bool(self.asks) and price >= self.asks[0].price
        return bool(self.bids) and price <= self.bids[0].price

    def own_size(self, is_bid: bool, price: Decimal) -> Decimal:
        """The account's resting size at ``price``."""
        return sum(self.own[is_bid].get(price, {}).values(), Decimal(0))

    def add_own(self, is_bid: bool, price: Decimal, size: Decimal, key: str) -> None:
        """Rest order ``key`` (``size`` at ``price``, which must not cross) behind the
        account's other orders at that price."""
        self.own[is_bid].setdefault(price, {})[key] = size
        side = self.bids if is_bid else self.asks
        for level in side:
            if level.price == price:
                level.size += size
                level.own += size
                break
        else:
            self._place_own(side, is_bid)
        self.book_dirty = True

    def remove_own(self, is_bid: bool, price: Decimal, key: str) -> None:
        """Take order ``key`` off the book (a cancel)."""
        size = self.own[is_bid].get(price, {}).get(key, Decimal(0))
        self._forget_own(is_bid, price, key, size)
        self._shrink_own(is_bid, price, size)
        self.book_dirty = True

    def fill_own(
        self, is_bid: bool, price: Decimal, key: str, size: Decimal, now_ms: int
    ) -> SimTrade:
        """A taker trades ``size`` of order ``key`` right now (a test hook): the level
        shrinks and a public trade is recorded. Not added to ``own_fills``: the caller
        knows which order filled."""
        self._forget_own(is_bid, price, key, size)
        self._shrink_own(is_bid, price, size)
        self._next_id += 1
        self.book_timestamp = now_ms
        self.book_dirty = True
        return self._record(now_ms, price, size, not is_bid)

    def _shrink_own(self, is_bid: bool, price: Decimal, size: Decimal) -> None:
        """Take ``size`` of own orders off the level at ``price``; an emptied level goes
        and the side is refilled."""
        side = self.bids if is_bid else self.asks
        for index, level in enumerate(side):
            if level.price == price:
                level.size -= size
                level.own -= size
                if level.size <= 0:
                    del side[index]
                    self._refill(side, step_down if is_bid else step_up)
                    self._place_own(side, is_bid)
                break

    def _forget_own(self, is_bid: bool, price: Decimal, key: str, size: Decimal) -> None:
        orders = self.own[is_bid].get(price, {})
        left = orders.get(key, Decimal(0)) - size
        if left > 0:
            orders[key] = left
            return
        orders.pop(key, None)
        if not orders:
            self.own[is_bid].pop(price, None)

    def _own_print(
        self, is_bid: bool, price: Decimal, key: str, size: Decimal, now_ms: int, fresh_id: bool
    ) -> SimTrade:
        """The public trade of one own fill, recorded in ``own_fills``."""
        if fresh_id:
            self._next_id += 1
        trade = self._record(now_ms, price, size, not is_bid)
        self._forget_own(is_bid, price, key, size)
        self.own_fills.append(OwnFill(key, is_bid, price, size, trade))
        return trade

    def _trade_through(self, now_ms: int, trades: list[SimTrade]) -> None:
        """Orders the market moved through fill at their own price, one public trade each."""
        for is_bid in (True, False):
            crossed = sorted(
                (p for p in self.own[is_bid] if self.crosses(is_bid, p)), reverse=is_bid
            )
            for price in crossed:
                side = self.bids if is_bid else self.asks
                side[:] = [level for level in side if level.price != price]
                for key, size in list(self.own[is_bid][price].items()):
                    trades.append(self._own_print(is_bid, price, key, size, now_ms, True))

    def _place_own(self, side: list[Level], is_bid: bool) -> None:
        """Make every level agree with ``own`` and give each resting own price within the
        shown depth a level (the book may have regrown past a price it had dropped)."""
        own = self.own[is_bid]
        if not own and not any(level.own for level in side):
            return
        present = set()
        for level in side:
            want = self.own_size(is_bid, level.price)
            if level.own != want:
                level.size += want - level.own
                level.own = want
            present.add(level.price)
        missing = [p for p in own if p not in present and not self.crosses(is_bid, p)]
        if not missing:
            return
        for price in missing:
            size = self.own_size(is_bid, price)
            side.append(Level(price, size, size))
        side.sort(key=lambda level: level.price, reverse=is_bid)
        del side[DEPTH:]

    def _count(self, trade: SimTrade) -> None:
        s = self.stats
        day = trade.timestamp // DAY_MS
        price, size = trade.price, trade.size
        if day != s.day:
            s.day, s.prev_close, s.open, s.high, s.low = day, s.last, price, price, price
            s.acc_volume = s.acc_value = s.acc_ask_volume = s.acc_bid_volume = Decimal(0)
        s.high = max(s.high, price)
        s.low = min(s.low, price)
        s.last = price
        value = price * size
        s.acc_volume += size
        s.acc_value += value
        if trade.buyer_taker:
            s.acc_bid_volume += size
        else:
            s.acc_ask_volume += size
        s.volume_24h += size
        s.value_24h += value
        if price > s.high_52w:
            s.high_52w, s.high_52w_date = price, _date(trade.timestamp)
        if price < s.low_52w:
            s.low_52w, s.low_52w_date = price, _date(trade.timestamp)

    # -- seeding ---------------------------------------------------------------------------

    def _build_book(self) -> None:
        self.bids.append(Level(self._target_bid, self._level_size()))
        self.asks.append(Level(step_up(self.ladder, self._target_bid), self._level_size()))
        self._refill(self.bids, step_down)
        self._refill(self.asks, step_up)

    def _seed_history(self, now_ms: int) -> None:
        """Recent trades around the current inside, oldest first, ending ``now_ms``-ish."""
        rng = self.rng
        count = 60
        spacing = 3_600_000
        if self.listing.active:
            # the default clock's trade rate for this market, but no busier than a trade
            # every two seconds
            default = Rate()
            per_trade = default.step_seconds / (default.trade_probability * self.listing.activity)
            spacing = max(2000, int(per_trade * 1000))
        t = now_ms - rng.randint(50, 2000)
        stamps = []
        for _ in range(count):
            stamps.append(t)
            t -= int(rng.expovariate(1 / spacing)) + 1
        bid = self.bids[0] if self.bids else Level(self._target_bid, Decimal(0))
        ask = self.asks[0] if self.asks else Level(step_up(self.ladder, bid.price), Decimal(0))
        drift = 0  # ticks away from today's inside; the newest trade is at the inside
        for age, stamp in reversed(list(enumerate(stamps))):
            buy = rng.random() < 0.5
            price = ask.price if buy else bid.price
            drift = max(-3, min(3, drift + rng.choice((-1, 0, 0, 1)))) if age else 0
            away = step_up if drift > 0 else step_down
            for _ in range(abs(drift)):
                price = away(self.ladder, price)
            self._next_id += rng.randint(1, 4)
            self._keep(
                SimTrade(
                    self._next_id,
                    stamp,
                    price,
                    _size(self._lot * rng.lognormvariate(-2.0, 1.2)),
                    buy,
                    ask.price,
                    ask.size,
                    bid.price,
                    bid.size,
                )
            )

    def _seed_stats(self, now_ms: int) -> Stats:
        rng = self.rng
        last = self.trades[-1].price
        prev_close = self._floor(self._anchor * math.exp(rng.gauss(0.0, 0.02)))
        opening = self._floor(float(prev_close) * math.exp(rng.gauss(0.0, 0.002)))
        high = max(opening, last, self._floor(self._anchor * (1 + abs(rng.gauss(0.0, 0.012)))))
        low = min(opening, last, self._floor(self._anchor * (1 - abs(rng.gauss(0.0, 0.012)))))
        volume_24h = _size(float(self.listing.daily_volume) * rng.uniform(0.6, 1.4))
        value_24h = (volume_24h * Decimal(repr(self._anchor))).quantize(_SIZE_QUANTUM)
        # since 00:00 UTC: never more than the rolling 24 h figures
        part = Decimal(repr((now_ms % DAY_MS) / DAY_MS * rng.uniform(0.8, 1.0)))
        acc_volume = (volume_24h * part).quantize(_SIZE_QUANTUM)
        acc_value = (value_24h * part).quantize(_SIZE_QUANTUM)
        ask_share = Decimal(repr(rng.uniform(0.4, 0.6)))
        acc_ask = (acc_volume * ask_share).quantize(_SIZE_QUANTUM)
        high_52w = self._floor(float(high) * rng.uniform(1.1, 1.9))
        low_52w = self._floor(float(low) * rng.uniform(0.35, 0.85))
        day = now_ms // DAY_MS
        ago = timedelta(days=rng.randint(5, 360))
        today = datetime.fromtimestamp(day * DAY_MS / 1000, UTC)
        return Stats(
            day=day,
            open=opening,
            high=high,
            low=low,
            last=last,
            prev_close=prev_close,
            acc_volume=acc_volume,
            acc_value=acc_value,
            acc_ask_volume=acc_ask,
            acc_bid_volume=acc_volume - acc_ask,
            volume_24h=volume_24h,
            value_24h=value_24h,
            high_52w=high_52w,
            high_52w_date=(today - ago).strftime("%Y-%m-%d"),
            low_52w=low_52w,
            low_52w_date=(today - ago / 2).strftime("%Y-%m-%d"),
        )


class VenueMarkets:
    """All markets of one venue, in listing order; each is built when first read.

    ``now_ms`` is the time a market is built at: a number (every market starts as of then,
    the same whenever it is first read: a frozen simulator) or a clock.
    """

    def __init__(
        self,
        venue: str,
        listings: tuple[Listing, ...],
        seed: int,
        now_ms: int | Callable[[], int],
    ) -> None:
        self.venue = venue
        self.seed = seed
        self.listings: dict[str, Listing] = {listing.code: listing for listing in listings}
        self._now: Callable[[], int] = now_ms if callable(now_ms) else lambda: now_ms
        self._built: dict[str, Market] = {}

    def __getitem__(self, code: str) -> Market:
        market = self._built.get(code)
        if market is None:
            listing = self.listings[code]
            rng = random.Random(f"{self.seed}:{self.venue}:{code}")
            key = f"{self.seed}:{self.venue}:{code}"
            market = self._built[code] = Market(listing, rng, self._now(), key)
        return market

    def __contains__(self, code: object) -> bool:
        return code in self.listings

    def delist(self, code: str) -> None:
        """Delist ``code`` for good: its market stops and the listing says so."""
        market = self[code]
        market.delist()
        self.listings[code] = market.listing

    def __iter__(self) -> Iterator[Market]:
        """Every listed market (building those not built yet)."""
        return (self[code] for code in self.listings)

    def __len__(self) -> int:
        return len(self.listings)

    def built(self) -> list[Market]:
        """The markets built so far, in the order they were first read."""
        return list(self._built.values())

    def step(self, code: str, now_ms: int, rate: Rate, mono: float | None = None) -> Update | None:
        """One step of ``code``. With ``mono`` (monotonic seconds) books are throttled to
        ``rate.min_book_interval``; without it (manual stepping) every changed book goes out."""
        market = self[code]
        trades, _ = market.step(now_ms, rate)
        book = False
        if market.book_dirty and (
            mono is None or mono - market.book_published >= rate.min_book_interval
        ):
            book = True
            market.book_dirty = False
            if mono is not None:
                market.book_published = mono
        if mono is not None:
            market.last_step = mono
        if trades or book:
            return Update(market, trades, book)
        return None

    def catch_up(self, code: str, now_ms: int, rate: Rate, mono: float, limit: int = 50) -> None:
        """Run the steps an unwatched market missed (REST reads it); nobody is told."""
        market = self[code]
        if market.last_step == -math.inf:
            market.last_step = mono
            return
        missed = min(limit, int((mono - market.last_step) / rate.step_seconds))
        for _ in range(missed):
            market.step(now_ms, rate)
        if missed:
            market.last_step = mono
            market.book_dirty = False
