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


@dataclass(slots=True)
class _Bound:
    """A market rule bound to one market (``key``)."""

    rule: AlertRule
    key: str
    track: _Track


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
        self._index: dict[str, dict[str, list[_Bound]]] = {}
        """venue -> market code -> the rules watching it."""
        self._last: dict[str, Decimal] = {}
        """Last prices of the markets gap rules watch."""
        self._gen: dict[str, int] = {}
        """venue -> how many times its public socket went down."""
        self._order_rules: list[AlertRule] = []
        self._feed_rules: list[AlertRule] = []
        self._filled: dict[tuple[str, str], Decimal] = {}
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
        index: dict[str, dict[str, list[_Bound]]] = {}
        live = [r for r in self.rules if not r.muted]
        for rule in live:
            if rule.kind not in MARKET_KINDS:
                continue
            for key in self._keys_of(rule):
                track = self._tracks.setdefault((rule.id, key), _Track())
                watched = [key, twin_key(key) or key] if rule.kind == "gap" else [key]
                for market_key in dict.fromkeys(watched):
                    venue, _, code = market_key.partition(":")
                    index.setdefault(venue, {}).setdefault(code, []).append(
                        _Bound(rule, key, track)
                    )
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

    def state(self, rule: AlertRule) -> str:
        """``muted``, ``done`` (a one-shot that fired), ``fired`` (waiting to re-arm) or
        ``armed``, for lists of alerts."""
        if rule.muted:
            return "muted"
        tracks = [t for (rid, _), t in self._tracks.items() if rid == rule.id]
        if rule.id in self._done or any(t.done for t in tracks):
            return "done"
        if any(t.armed is False for t in tracks):
            return "fired"
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
        for ev in events:
            if type(ev) is Ticker:
                markets = index.get(ev.venue)
                bound = markets.get(ev.market) if markets else None
                if bound:
                    self._ticker(ev, bound, out)
            elif type(ev) is Book:
                markets = index.get(ev.venue)
                bound = markets.get(ev.market) if markets else None
                if bound and ev.bids and ev.asks and _has_spread(bound):
                    self._spread(ev, ev.bids[0][0], ev.asks[0][0], bound, out)
            elif type(ev) is FeedState:
                self._feed_state(ev)
        return out

    def _feed_state(self, ev: FeedState) -> None:
        if ev.channel == "public" and ev.state in ("reconnecting", "connecting"):
            self._gen[ev.venue] = self._gen.get(ev.venue, 0) + 1

    def _ticker(self, ev: Ticker, bound: list[_Bound], out: list[Alert]) -> None:
        price = ev.last
        for b in bound:
            kind = b.rule.kind
            if kind == "price":
                self._level(b, ev, price, out)
            elif kind == "move":
                self._move(b, ev, price, out)
            elif kind == "gap":
                self._gap(b, ev, out)
            elif ev.best_bid is not None and ev.best_ask is not None:
                self._spread(ev, ev.best_bid, ev.best_ask, [b], out)

    def _spread(
        self, ev: Ticker | Book, bid: Decimal, ask: Decimal, bound: list[_Bound], out: list[Alert]
    ) -> None:
        mid = bid + ask
        if mid <= 0:
            return
        bps = ((ask - bid) * 20000 / mid).quantize(RATIO)
        for b in bound:
            if b.rule.kind == "spread":
                self._level(b, ev, bps, out)

    def _gap(self, b: _Bound, ev: Ticker, out: list[Alert]) -> None:
        self._last[f"{ev.venue}:{ev.market}"] = ev.last
        upbit = self._last.get(b.key)
        twin = twin_key(b.key)
        korbit = self._last.get(twin) if twin else None
        if upbit is None or korbit is None or korbit <= 0:
            return
        gap = ((upbit / korbit - 1) * 100).quantize(RATIO)
        self._level(b, ev, gap, out, absolute=True)

    def _level(
        self,
        b: _Bound,
        ev: Ticker | Book,
        value: Decimal,
        out: list[Alert],
        absolute: bool = False,
    ) -> None:
        """A level rule (price crossing, spread, gap): fire once beyond the level, re-arm
        once back past it by ``rearm_pct`` of the level."""
        rule, track = b.rule, b.track
        if track.done:
            return
        if rule.kind == "price":
            level, up = rule.level, rule.direction != "down"
        else:
            level, up = (rule.bps if rule.kind == "spread" else rule.pct), True
        assert level is not None
        seen = abs(value) if absolute else value
        beyond = seen >= level if up else seen <= level
        if track.armed is None:
            # a price must be seen on the other side first; a spread or gap already too
            # wide is news at once
            track.armed = not beyond if rule.kind == "price" else True
        gen = self._gen.get(ev.venue, 0)
        after_gap = track.gen not in (-1, gen)
        track.gen = gen
        if not track.armed:
            margin = level * rule.rearm_pct / 100
            if (seen < level - margin) if up else (seen > level + margin):
                track.armed = True
            return
        if not beyond or not self._cooled(rule, track, ev.ts):
            return
        track.armed = False
        self._fired(b, ev, value, self._level_detail(rule, value), after_gap, out)

    @staticmethod
    def _level_detail(rule: AlertRule, value: Decimal) -> str:
        if rule.kind == "price":
            return f"price {_plain(value)} crossed {rule.direction} through {_plain(rule.level)}"
        if rule.kind == "spread":
            return f"spread {_plain(value)} bps (alert at {_plain(rule.bps)})"
        return f"upbit-korbit gap {_plain(value)}% (alert at {_plain(rule.pct)}%)"

    def _move(self, b: _Bound, ev: Ticker, price: Decimal, out: list[Alert]) -> None:
        """Lowest and highest prices within the window (monotonic queues), against the
        last; after firing the window starts again from the last price."""
        rule, track = b.rule, b.track
        if track.done or price <= 0:
            return
        gen = self._gen.get(ev.venue, 0)
        after_gap = track.gen not in (-1, gen)
        track.gen = gen
        ts = ev.ts
        lows, highs = track.lows, track.highs
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
        assert rule.pct is not None
        low, high = lows[0][1], highs[0][1]
        up = (price - low) * 100 / low
        down = (high - price) * 100 / high
        if rule.direction != "down" and up >= rule.pct and up >= down:
            moved = up
        elif rule.direction != "up" and down >= rule.pct:
            moved = -down
        else:
            return
        if not self._cooled(rule, track, ts):
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
            total = self._filled.get(key, Decimal(0)) + fill.size
            self._filled[key] = total
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
            track = self._tracks.setdefault((rule.id, key), _Track())
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
        track = self._tracks.setdefault((rule.id, f"{venue}:{channel}"), _Track())
        if track.done:
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


def _has_spread(bound: list[_Bound]) -> bool:
    return any(b.rule.kind == "spread" for b in bound)


def _plain(value: Decimal | None) -> str:
    return "?" if value is None else format(value, "f")


def _seconds(seconds: float) -> str:
    if seconds >= 60 and seconds % 60 == 0:
        return f"{int(seconds // 60)} min"
    return f"{seconds:g} s"
