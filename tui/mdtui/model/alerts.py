"""Alerts: the conditions a trader asked to hear about, and the evaluator that watches for them.

An :class:`AlertRule` is one alert as configured (``[[alerts]]``) or set in the app. Kinds:

- ``price``: the last price crosses ``level`` going ``up`` or ``down`` (a crossing: the
  price must first be seen on the other side of the level);
- ``move``: the last price moves ``pct`` percent (``up``, ``down`` or ``any``) within
  ``window`` seconds; after firing, the window starts again from that price;
- ``spread``: the spread is ``bps`` basis points of the mid or more;
- ``gap``: the Upbit-Korbit gap of a coin (both exchanges' last prices, the same quote) is
  ``pct`` percent or more either way;
- ``order``: one of the user's own orders filled, partly filled or cancelled (``on``);
- ``feed``: a feed down (not live) or stale (live, no data) for ``after`` seconds, then
  ``back`` once data flows again.

Each names a market (``upbit:KRW-BTC``) or ``*``: every watchlist market (own orders: every
market; feeds: ``*``, ``upbit`` or ``korbit``). Re-arming: after firing, an alert fires again
only once its value has gone back past the level by ``rearm_pct`` percent of the level
(hysteresis) and ``cooldown`` seconds have passed; ``repeat = false`` makes it one-shot.
``muted`` alerts are kept but never evaluated.

:class:`AlertEngine` evaluates rules as data arrives. Market rules are indexed by venue
and market, so an event looks only at its own market's rules (nothing at all when no rule
is armed). Market alerts are timed by the exchange's timestamps, so a replay of a capture
fires the same alerts, with the same times, as the live run. A crossing first seen in the
first data after a public socket reconnected is ``while_disconnected``; a fill or a
cancellation recovered by a private seed or catch-up is too. Own-order alerts fire on *new*
fills only (the account de-duplicates them), so a fill seen live and again in a catch-up
fires once.

Pure: no I/O, no clock of its own (times are passed in).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Literal

import msgspec

from mdtui.model.account import Account
from mdtui.model.events import (
    AnyEvent,
    Book,
    Event,
    FeedState,
    Fill,
    Order,
    OrdersSnapshot,
    Ticker,
)
from mdtui.model.market_store import FeedHealth

AlertKind = Literal["price", "move", "spread", "gap", "order", "feed"]
KINDS: tuple[str, ...] = ("price", "move", "spread", "gap", "order", "feed")
MARKET_KINDS = frozenset({"price", "move", "spread", "gap"})
ORDER_EVENTS: tuple[str, ...] = ("filled", "partial", "cancelled")
ALL = "*"
"""A rule's ``market`` for every watchlist market (own orders: every market)."""
ORDERS_KEPT = 10_000
"""Orders whose filled size the evaluator remembers."""
RATIO = Decimal("0.0001")
"""Ratios (percent, basis points) in alerts are given to four decimals."""


class AlertRule(msgspec.Struct, frozen=True, kw_only=True, omit_defaults=True):
    """One alert. Only the fields of its ``kind`` mean anything (settings check that)."""

    kind: AlertKind
    market: str = ALL
    name: str = ""
    level: Decimal | None = None
    """price: the level crossed."""
    direction: Literal["up", "down", "any"] = "any"
    """price: ``up`` or ``down`` (required); move: ``up``, ``down`` or ``any``."""
    pct: Decimal | None = None
    """move: percent moved within ``window``; gap: percent between the exchanges."""
    window: float = 300.0
    """move: seconds."""
    bps: Decimal | None = None
    """spread: basis points of the mid."""
    on: tuple[str, ...] = ORDER_EVENTS
    """order: which of ``filled``, ``partial``, ``cancelled``."""
    channel: str = ALL
    """feed: ``public``, ``private`` or ``*``."""
    after: float = 30.0
    """feed: seconds down or stale before it fires."""
    repeat: bool = True
    cooldown: float = 0.0
    """Seconds after firing during which it does not fire again."""
    rearm_pct: Decimal = Decimal(0)
    """Hysteresis: how far (percent of the level) the value must go back before re-arming."""
    muted: bool = False
    command: tuple[str, ...] = ()
    """Run on firing (see the settings' ``alert_command``); empty: the global one, if any."""

    @property
    def id(self) -> str:
        """The alert's name, or a description of it when it has none."""
        return self.name or self.describe()

    def describe(self) -> str:
        """``upbit:KRW-BTC price up through 100000000``: what the alert watches."""
        where = self.market
        if self.kind == "price":
            what = f"price {self.direction} through {_plain(self.level)}"
        elif self.kind == "move":
            way = "" if self.direction == "any" else f" {self.direction}"
            what = f"move{way} {_plain(self.pct)}% in {_seconds(self.window)}"
        elif self.kind == "spread":
            what = f"spread above {_plain(self.bps)} bps"
        elif self.kind == "gap":
            what = f"upbit-korbit gap above {_plain(self.pct)}%"
        elif self.kind == "order":
            what = "order " + "/".join(self.on)
        else:
            channel = "" if self.channel == ALL else f" {self.channel}"
            what = f"feed{channel} down for {_seconds(self.after)}"
        return f"{where} {what}"


class Alert(Event, tag="alert", frozen=True):
    """An alert fired. ``value`` is what fired it: the price (price), the percent moved
    (move) or between the exchanges (gap), the spread in bps, the fill's price (or the
    cancelled order's price), the seconds a feed was down. ``ts``: the exchange's time of
    the data (a feed alert: the local time). ``market`` is empty for a feed alert
    (``detail`` names the feed)."""

    alert: str
    kind: str
    venue: str
    market: str
    value: Decimal
    detail: str
    ts: int
    while_disconnected: bool = False
    order_id: str = ""

    @property
    def key(self) -> str:
        return f"{self.venue}:{self.market}" if self.market else self.venue

    def text(self) -> str:
        """One line for a toast, a log or a notification."""
        where = f"{self.key} " if self.market else ""
        gap = " (while disconnected)" if self.while_disconnected else ""
        return f"{self.alert}: {where}{self.detail}{gap}"


def twin_key(key: str) -> str | None:
    """The same coin and quote on the other exchange: ``upbit:KRW-BTC`` <-> ``korbit:btc_krw``."""
    venue, _, market = key.partition(":")
    if venue == "upbit" and "-" in market:
        quote, _, base = market.partition("-")
        return f"korbit:{base.lower()}_{quote.lower()}"
    if venue == "korbit" and "_" in market:
        base, _, quote = market.partition("_")
        return f"upbit:{quote.upper()}-{base.upper()}"
    return None


# --------------------------------------------------------------------------- evaluation


@dataclass(slots=True)
class _Track:
    """One rule's state on one market (or feed)."""

    armed: bool | None = None
    """None: nothing seen yet."""
    fired_ms: int | None = None
    done: bool = False
    """A one-shot alert that fired."""
    gen: int = -1
    """The reconnect generation of the venue when last seen (-1: never)."""
    lows: deque[tuple[int, Decimal]] = field(default_factory=deque)
    highs: deque[tuple[int, Decimal]] = field(default_factory=deque)
    since_ms: int = 0
    """feed: when it went down (0: up)."""
    value: Decimal | None = None
    """The value last evaluated (a price, a spread, a gap)."""
    held: bool = False
    """Beyond its level, waiting for the cool-down: evaluated again even when unchanged."""
    a: Decimal | None = None
    b: Decimal | None = None
    """The inputs last evaluated: spread: best bid and ask; gap: Upbit and Korbit prices."""


@dataclass(slots=True)
class _Bound:
    """A market rule bound to one market (``key``), with its level worked out: the level,
    the level it re-arms at, and which way it fires (price crossings)."""

    rule: AlertRule
    key: str
    track: _Track
    level: Decimal = Decimal(0)
    rearm: Decimal = Decimal(0)
    up: bool = True

    def __post_init__(self) -> None:
        rule = self.rule
        level = {"price": rule.level, "spread": rule.bps}.get(rule.kind, rule.pct)
        if level is None:
            return
        margin = level * rule.rearm_pct / 100
        self.up = rule.kind != "price" or rule.direction != "down"
        self.level = level
        self.rearm = level - margin if self.up else level + margin

    def beyond(self, price: Decimal) -> bool:
        """A price crossing: ``price`` is at or past the level, the way it fires."""
        return price >= self.level if self.up else price <= self.level


@dataclass(slots=True)
class _Watch:
    """The rules watching one market, and what they last saw of it: an event that changes
    none of it (most tickers change volumes only, most books sizes only) is skipped."""

    bound: list[_Bound] = field(default_factory=list)
    prices: list[_Bound] = field(default_factory=list)
    """The price crossings among them."""
    others: list[_Bound] = field(default_factory=list)
    low: Decimal | None = None
    high: Decimal | None = None
    """While the price stays strictly between these, no price crossing changes state
    (None: unknown, evaluate them)."""
    spread: bool = False
    """Some rule reads its spread."""
    cooldown: bool = False
    """Some rule has a cool-down (a held crossing is evaluated at every event)."""
    last: Decimal | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    gen: int = 0

    def add(self, bound: _Bound) -> None:
        self.bound.append(bound)
        (self.prices if bound.rule.kind == "price" else self.others).append(bound)
        self.spread = self.spread or bound.rule.kind == "spread"
        self.cooldown = self.cooldown or bool(bound.rule.cooldown)

    def quiet(self, price: Decimal) -> bool:
        """Whether ``price`` is inside the band where no price crossing changes state."""
        low, high = self.low, self.high
        return low is not None and high is not None and low < price < high

    def find_band(self) -> None:
        """The band around the price where no price crossing changes state: below the
        armed levels above it and the re-arm levels of fired ones, and so on."""
        low: Decimal | None = Decimal("-Infinity")
        high: Decimal | None = Decimal("Infinity")
        for b in self.prices:
            track = b.track
            if track.done:
                continue
            if track.armed is None or track.held:
                low = high = None
                break
            edge = b.level if track.armed else b.rearm
            if b.up == bool(track.armed):  # fires or re-arms above: a ceiling
                high = min(high, edge)  # type: ignore[type-var]
            else:
                low = max(low, edge)  # type: ignore[type-var]
        self.low, self.high = low, high

    def unchanged(self, ev: Ticker, gen: int) -> bool:
        return (
            ev.last == self.last
            and gen == self.gen
            and not self.cooldown
            and (not self.spread or (ev.best_bid == self.bid and ev.best_ask == self.ask))
        )


class AlertEngine:
    """Evaluates :class:`AlertRule` s against market data, own orders and feed health."""

    def __init__(
        self,
        rules: Iterable[AlertRule] = (),
        watchlist: Sequence[str] = (),
        done: Iterable[str] = (),
    ) -> None:
        self.rules: list[AlertRule] = []
        self.watchlist: list[str] = list(watchlist)
        self._done = set(done)
        """Ids of one-shot alerts that fired already (e.g. in an earlier run)."""
        self._tracks: dict[tuple[str, str], _Track] = {}
        self._tracks_of: dict[str, list[_Track]] = {}
        """rule id -> its tracks (one per market or feed)."""
        self._index: dict[str, dict[str, _Watch]] = {}
        """venue -> market code -> the rules watching it."""
        self._gen: dict[str, int] = {}
        """venue -> how many times its public socket went down."""
        self._order_rules: list[AlertRule] = []
        self._feed_rules: list[AlertRule] = []
        self._filled: dict[tuple[str, str], Decimal] = {}
        """Size of the fills seen per order (the oldest orders forgotten past
        :data:`ORDERS_KEPT`)."""
        self.set_rules(rules)

    # -- rules ---------------------------------------------------------------------------

    def set_rules(self, rules: Iterable[AlertRule]) -> None:
        """Replace the rules (duplicates by id dropped); an alert keeps its state."""
        seen: dict[str, AlertRule] = {}
        for rule in rules:
            seen.setdefault(rule.id, rule)
        self.rules = list(seen.values())
        self._rebuild()

    def set_watchlist(self, keys: Sequence[str]) -> None:
        """The markets ``*`` rules watch."""
        if list(keys) != self.watchlist:
            self.watchlist = list(keys)
            self._rebuild()

    def _rebuild(self) -> None:
        index: dict[str, dict[str, _Watch]] = {}
        live = [r for r in self.rules if not r.muted]
        for rule in live:
            if rule.kind not in MARKET_KINDS:
                continue
            for key in self._keys_of(rule):
                track = self._track(rule.id, key)
                watched = [key, twin_key(key) or key] if rule.kind == "gap" else [key]
                for market_key in dict.fromkeys(watched):
                    venue, _, code = market_key.partition(":")
                    watch = index.setdefault(venue, {}).get(code)
                    if watch is None:
                        watch = index[venue][code] = _Watch()
                    watch.add(_Bound(rule, key, track))
        self._index = index
        self._order_rules = [r for r in live if r.kind == "order"]
        self._feed_rules = [r for r in live if r.kind == "feed"]

    def _keys_of(self, rule: AlertRule) -> list[str]:
        keys = self.watchlist if rule.market == ALL else [rule.market]
        if rule.kind != "gap":
            return list(dict.fromkeys(keys))
        pairs: dict[str, None] = {}
        for key in keys:  # one track per coin: keyed by its Upbit market
            twin = twin_key(key)
            if twin is not None:
                pairs[key if key.startswith("upbit:") else twin] = None
        return list(pairs)

    def _track(self, rule_id: str, key: str) -> _Track:
        """The state of a rule on one market (or feed), made the first time."""
        track = self._tracks.get((rule_id, key))
        if track is None:
            track = self._tracks[(rule_id, key)] = _Track()
            self._tracks_of.setdefault(rule_id, []).append(track)
        return track

    def start_from(self, rule_id: str, key: str, price: Decimal) -> None:
        """An alert just set on market ``key`` while its price was ``price`` (what the user
        saw): a price crossing starts on that side of its level, so a crossing made before
        its first ticker is evaluated still fires (otherwise a price first seen past the
        level waits to come back)."""
        venue, _, code = key.partition(":")
        watch = self._index.get(venue, {}).get(code)
        if watch is None:
            return
        for b in watch.prices:
            if b.rule.id == rule_id and b.track.armed is None:
                b.track.armed = not b.beyond(price)
        watch.low = watch.high = None  # evaluate the next ticker

    def rearm(self, rule_id: str) -> None:
        """Arm an alert again as if just added: a one-shot that fired, or one waiting for
        its hysteresis or cool-down. A crossing must again be seen coming from the other
        side."""
        self._done.discard(rule_id)
        for track in self._tracks_of.get(rule_id, []):
            track.armed = None
            track.fired_ms = None
            track.done = False
            track.held = False
            track.value = track.a = track.b = None
            track.since_ms = 0
            track.lows.clear()
            track.highs.clear()
        for markets in self._index.values():
            for watch in markets.values():
                watch.low = watch.high = None  # the band is found again at the next ticker
                watch.last = watch.bid = watch.ask = None

    def done_ids(self) -> set[str]:
        """Ids of the one-shot alerts that fired (this run or, as given, an earlier one)."""
        done = set(self._done)
        done.update(i for i, tracks in self._tracks_of.items() if any(t.done for t in tracks))
        return done

    def state(self, rule: AlertRule) -> str:
        """``muted``, ``done`` (a one-shot that fired), ``fired`` (waiting to re-arm) or
        ``armed``, for lists of alerts."""
        if rule.muted:
            return "muted"
        tracks = self._tracks_of.get(rule.id, [])
        if rule.id in self._done or any(t.done for t in tracks):
            return "done"
        if any(t.armed is False and t.fired_ms is not None for t in tracks):
            return "fired"  # not a price first seen past its level: that is still armed
        return "armed"

    # -- market data ---------------------------------------------------------------------

    def market(self, events: Iterable[AnyEvent]) -> list[Alert]:
        """Evaluate a batch of public events (after the market store applied it)."""
        index = self._index
        if not index:
            for ev in events:
                if type(ev) is FeedState:
                    self._feed_state(ev)
            return []
        out: list[Alert] = []
        gens = self._gen
        for ev in events:
            if type(ev) is Ticker:
                markets = index.get(ev.venue)
                watch = markets.get(ev.market) if markets else None
                if watch is None:
                    continue
                gen = gens.get(ev.venue, 0)
                if watch.unchanged(ev, gen):
                    continue
                fresh = gen != watch.gen
                watch.last, watch.gen = ev.last, gen
                if watch.spread:
                    watch.bid, watch.ask = ev.best_bid, ev.best_ask
                self._ticker(ev, watch, gen, fresh, out)
            elif type(ev) is Book:
                markets = index.get(ev.venue)
                watch = markets.get(ev.market) if markets else None
                if watch is None or not watch.spread or not ev.bids or not ev.asks:
                    continue
                bid, ask = ev.bids[0][0], ev.asks[0][0]
                if bid == watch.bid and ask == watch.ask and not watch.cooldown:
                    continue
                watch.bid, watch.ask = bid, ask
                self._spread(ev, bid, ask, watch.bound, out)
            elif type(ev) is FeedState:
                self._feed_state(ev)
        return out

    def _feed_state(self, ev: FeedState) -> None:
        if ev.channel == "public" and ev.state in ("reconnecting", "connecting"):
            self._gen[ev.venue] = self._gen.get(ev.venue, 0) + 1

    def _ticker(self, ev: Ticker, watch: _Watch, gen: int, fresh: bool, out: list[Alert]) -> None:
        """A ticker of a watched market; price crossings only when the price left the band
        where none of them can change (or after a reconnect)."""
        price = ev.last
        if watch.prices and (fresh or not watch.quiet(price)):
            for b in watch.prices:
                self._level(b, ev, price, gen, out)
            watch.find_band()
        for b in watch.others:
            kind = b.rule.kind
            if kind == "move":
                self._move(b, ev, price, gen, out)
            elif kind == "gap":
                self._gap(b, ev, gen, out)
            elif ev.best_bid is not None and ev.best_ask is not None:
                self._spread(ev, ev.best_bid, ev.best_ask, [b], out)

    def _spread(
        self, ev: Ticker | Book, bid: Decimal, ask: Decimal, bound: list[_Bound], out: list[Alert]
    ) -> None:
        """Spread rules: ``(ask - bid) * 20000 / (bid + ask)`` bps, compared as a ratio
        (a division only when one fires), and only when the best bid or ask changed."""
        gen = self._gen.get(ev.venue, 0)
        for b in bound:
            track = b.track
            if b.rule.kind != "spread":
                continue
            if track.a == bid and track.b == ask and not track.held:
                track.gen = gen
                continue
            track.a, track.b = bid, ask
            total = bid + ask
            if total > 0:
                self._ratio(b, ev, (ask - bid) * 20000, total, 1, gen, out)

    def _gap(self, b: _Bound, ev: Ticker, gen: int, out: list[Alert]) -> None:
        """The coin's Upbit price (``a`` of the track) against its Korbit price (``b``):
        ``|a - b| * 100 / b`` percent, either way."""
        track, price = b.track, ev.last
        if (track.a if ev.venue == "upbit" else track.b) == price and not track.held:
            track.gen = gen
            return
        if ev.venue == "upbit":
            track.a = price
        else:
            track.b = price
        upbit, korbit = track.a, track.b
        if upbit is None or korbit is None or korbit <= 0:
            return
        sign = 1 if upbit >= korbit else -1
        self._ratio(b, ev, abs(upbit - korbit) * 100, korbit, sign, gen, out)

    def _ratio(
        self,
        b: _Bound,
        ev: Ticker | Book,
        num: Decimal,
        den: Decimal,
        sign: int,
        gen: int,
        out: list[Alert],
    ) -> None:
        """A rule on ``num / den`` (``den`` > 0; a spread or a gap): fire once at its level
        or above, re-arm once below it by ``rearm_pct`` of the level; already above at
        the first look fires at once."""
        track = b.track
        if track.done:
            return
        after_gap = track.gen not in (-1, gen)
        track.gen = gen
        if track.armed is None:
            track.armed = True
        if not track.armed:
            if num < b.rearm * den:
                track.armed = True
            return
        beyond = num >= b.level * den
        track.held = beyond and not self._cooled(b.rule, track, ev.ts)
        if not beyond or track.held:
            return
        track.armed = False
        value = (num / den).quantize(RATIO) * sign
        self._fired(b, ev, value, self._level_detail(b.rule, value), after_gap, out)

    def _level(self, b: _Bound, ev: Ticker, price: Decimal, gen: int, out: list[Alert]) -> None:
        """A price crossing: fire once the price is seen at or past the level, coming from
        the other side; re-arm once back past it by ``rearm_pct`` of the level."""
        track = b.track
        if track.done:
            return
        after_gap = track.gen not in (-1, gen)
        track.gen = gen
        if price == track.value and not track.held:
            return
        track.value = price
        beyond = b.beyond(price)
        if track.armed is None:  # seen on the other side first
            track.armed = not beyond
        if not track.armed:
            if (price < b.rearm) if b.up else (price > b.rearm):
                track.armed = True
            return
        track.held = beyond and not self._cooled(b.rule, track, ev.ts)
        if not beyond or track.held:
            return
        track.armed = False
        self._fired(b, ev, price, self._level_detail(b.rule, price), after_gap, out)

    @staticmethod
    def _level_detail(rule: AlertRule, value: Decimal) -> str:
        if rule.kind == "price":
            return f"price {_plain(value)} crossed {rule.direction} through {_plain(rule.level)}"
        if rule.kind == "spread":
            return f"spread {_plain(value)} bps (alert at {_plain(rule.bps)})"
        return f"upbit-korbit gap {_plain(value)}% (alert at {_plain(rule.pct)}%)"

    def _move(self, b: _Bound, ev: Ticker, price: Decimal, gen: int, out: list[Alert]) -> None:
        """Lowest and highest prices within the window (monotonic queues), against the
        last; after firing the window starts again from the last price. An unchanged price
        only moves its queue entries' time (prices leaving the window cannot make a move
        larger)."""
        rule, track = b.rule, b.track
        if track.done or price <= 0:
            return
        after_gap = track.gen not in (-1, gen)
        track.gen = gen
        ts = ev.ts
        lows, highs = track.lows, track.highs
        if price == track.value and not track.held:
            return
        if lows:  # the previous price held until now
            lows[-1] = (ts, lows[-1][1])
            highs[-1] = (ts, highs[-1][1])
        track.value = price
        while lows and lows[-1][1] >= price:
            lows.pop()
        lows.append((ts, price))
        while highs and highs[-1][1] <= price:
            highs.pop()
        highs.append((ts, price))
        start = ts - int(rule.window * 1000)
        while lows[0][0] < start:
            lows.popleft()
        while highs[0][0] < start:
            highs.popleft()
        pct = rule.pct
        assert pct is not None
        low, high = lows[0][1], highs[0][1]
        rose = rule.direction != "down" and (price - low) * 100 >= pct * low
        fell = rule.direction != "up" and (high - price) * 100 >= pct * high
        if not rose and not fell:
            track.held = False
            return
        up = (price - low) * 100 / low
        down = (high - price) * 100 / high
        moved = up if rose and (not fell or up >= down) else -down
        track.held = not self._cooled(rule, track, ts)
        if track.held:
            return
        lows.clear()
        highs.clear()
        lows.append((ts, price))
        highs.append((ts, price))
        moved = moved.quantize(RATIO)
        sign = "+" if moved > 0 else ""
        detail = (
            f"moved {sign}{_plain(moved)}% in {_seconds(rule.window)} to {_plain(price)} "
            f"(alert at {_plain(rule.pct)}%)"
        )
        self._fired(b, ev, moved, detail, after_gap, out)

    def _cooled(self, rule: AlertRule, track: _Track, ts: int) -> bool:
        return track.fired_ms is None or ts - track.fired_ms >= rule.cooldown * 1000

    def _fired(
        self,
        b: _Bound,
        ev: Ticker | Book,
        value: Decimal,
        detail: str,
        after_gap: bool,
        out: list[Alert],
    ) -> None:
        rule, track = b.rule, b.track
        if rule.id in self._done:
            track.done = True
            return
        track.fired_ms = ev.ts
        if not rule.repeat:
            track.done = True
            self._done.add(rule.id)
        venue, _, market = b.key.partition(":")
        if rule.kind != "gap":
            venue, market = ev.venue, ev.market
        out.append(Alert(rule.id, rule.kind, venue, market, value, detail, ev.ts, after_gap))

    # -- own orders ----------------------------------------------------------------------

    def private(self, events: Sequence[object], account: Account) -> tuple[list[Fill], list[Alert]]:
        """Apply a private batch to ``account`` and return its new fills and the alerts
        they fire: a fill (``filled`` when it completes its order, else ``partial``), an
        order newly cancelled. A batch holding an order snapshot is a REST seed or
        catch-up: what it fires happened ``while_disconnected``."""
        rules = self._order_rules
        if not rules:
            return account.apply(events), []
        watched: dict[tuple[str, str], str | None] = {}
        seeded = False
        for ev in events:
            if type(ev) is Order:
                key = (ev.venue, ev.order_id)
                if key not in watched:
                    old = account.orders.get(key)
                    watched[key] = old.state if old is not None else None
            elif type(ev) is OrdersSnapshot:
                seeded = True
                for o in ev.orders:
                    key = (o.venue, o.order_id)
                    if key not in watched:
                        old = account.orders.get(key)
                        watched[key] = old.state if old is not None else None
        fills = account.apply(events)
        out: list[Alert] = []
        last_of: dict[tuple[str, str], Fill] = {(f.venue, f.order_id): f for f in fills}
        for fill in fills:
            key = (fill.venue, fill.order_id)
            total = self._filled.pop(key, Decimal(0)) + fill.size
            self._filled[key] = total  # newest last
            if len(self._filled) > ORDERS_KEPT:
                del self._filled[next(iter(self._filled))]
            order = account.orders.get(key)
            complete = order is not None and (
                (order.qty is not None and max(total, order.filled) >= order.qty)
                or (order.qty is None and order.state == "filled" and last_of[key] is fill)
            )
            what = "filled" if complete else "partial"
            detail = f"{fill.side} {_plain(fill.size)} at {_plain(fill.price)} ({what})"
            where = (fill.venue, fill.market, fill.order_id)
            self._order_alert(where, what, fill.price, detail, fill.ts, seeded, out)
        for key, before in watched.items():
            order = account.orders.get(key)
            if order is None or order.state != "cancelled" or before == "cancelled":
                continue
            detail = f"{order.side} order cancelled ({_plain(order.filled)} filled)"
            where = (order.venue, order.market, order.order_id)
            value = order.price or Decimal(0)
            self._order_alert(where, "cancelled", value, detail, order.updated_ms, seeded, out)
        return fills, out

    def _order_alert(
        self,
        where: tuple[str, str, str],
        what: str,
        value: Decimal,
        detail: str,
        ts: int,
        seeded: bool,
        out: list[Alert],
    ) -> None:
        venue, market, order_id = where
        key = f"{venue}:{market}"
        for rule in self._order_rules:
            if what not in rule.on or rule.market not in (ALL, key):
                continue
            track = self._track(rule.id, key)
            if track.done or rule.id in self._done:
                continue
            if rule.cooldown and not self._cooled(rule, track, ts):
                continue
            track.fired_ms = ts
            if not rule.repeat:
                track.done = True
                self._done.add(rule.id)
            out.append(Alert(rule.id, "order", venue, market, value, detail, ts, seeded, order_id))

    # -- feed health ---------------------------------------------------------------------

    def health(self, feeds: Mapping[tuple[str, str], FeedHealth], now_ms: int) -> list[Alert]:
        """Feed rules at ``now_ms`` (call it every second or so): ``down`` once a feed has
        been down or without data for ``after`` seconds, ``back`` when it recovers."""
        out: list[Alert] = []
        for rule in self._feed_rules:
            for (venue, channel), feed in feeds.items():
                if rule.market not in (ALL, venue) or rule.channel not in (ALL, channel):
                    continue
                self._feed(rule, venue, channel, feed, now_ms, out)
        return out

    def _feed(
        self,
        rule: AlertRule,
        venue: str,
        channel: str,
        feed: FeedHealth,
        now_ms: int,
        out: list[Alert],
    ) -> None:
        track = self._track(rule.id, f"{venue}:{channel}")
        if track.done or rule.id in self._done:
            return
        if feed.state != "live":
            bad = True
        elif channel == "public":
            heard = max(feed.last_data_ms, feed.subscribed_ms)
            bad = bool(feed.streaming) and heard > 0 and now_ms - heard > rule.after * 1000
        else:
            bad = False
        if bad and not track.since_ms:
            live_data = feed.state == "live" and channel == "public"
            track.since_ms = max(feed.last_data_ms, feed.subscribed_ms) if live_data else now_ms
        elif not bad:
            was_down = track.armed is False
            since = track.since_ms
            track.since_ms = 0
            if was_down:
                track.armed = True
                seconds = Decimal((now_ms - since) // 100) / 10
                detail = f"{venue} {channel} feed back after {_plain(seconds)} s"
                out.append(Alert(rule.id, "feed", venue, "", seconds, detail, now_ms))
                if not rule.repeat:
                    track.done = True
            return
        down_ms = now_ms - track.since_ms
        if track.armed is False or down_ms < rule.after * 1000:
            return
        if not self._cooled(rule, track, now_ms):
            return
        track.armed = False
        track.fired_ms = now_ms
        seconds = Decimal(down_ms // 100) / 10
        state = "stale (no data)" if feed.state == "live" else feed.state
        detail = f"{venue} {channel} feed {state} for {_plain(seconds)} s"
        out.append(Alert(rule.id, "feed", venue, "", seconds, detail, now_ms))


def _plain(value: Decimal | None) -> str:
    return "?" if value is None else format(value, "f")


def _seconds(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"
