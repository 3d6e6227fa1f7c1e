"""Feed health as the screen shows it: one indicator per socket and the stale rule.

A connected public socket that delivers no data for a while after subscribing is not live:
it shows as ``delayed`` (and its panes as stale), and a live one says which of its markets
are delayed or left out (see :mod:`mdtui.display.market_notes`).

Pure functions over :class:`mdtui.model.market_store.FeedHealth`; no Textual.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from mdtui.display.format import fmt_age, shown_age
from mdtui.display.market_notes import MarketNote, quiet_for
from mdtui.model.market_store import FeedHealth, MarketStore


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """What the status line says about one feed."""

    venue: str
    channel: str
    state: str
    """live, delayed (connected, no data), connecting, reconnecting, down, stopped or off."""
    age: float | None
    """Seconds since the last message, as of the clock's whole second (None: nothing
    received yet)."""
    detail: str
    stale: bool
    delayed: tuple[str, ...] = ()
    """Symbols of its markets that are delayed (a live public socket)."""
    left_out: int = 0
    """How many wanted markets are not subscribed (not listed, delisted, refused)."""

    @property
    def label(self) -> str:
        text = self.state
        if self.detail:
            text += f" ({self.detail})"
        return text


DOWN_AFTER_ATTEMPTS = 5
"""A feed that failed this many reconnects in a row is shown as down (it keeps trying)."""


def feed_status_of(
    health: FeedHealth | None,
    venue: str,
    channel: str,
    now: float,
    stale_after: float,
    quiet_after: float | None = None,
) -> FeedStatus:
    """Summarise one feed at ``now`` (Unix seconds). With ``quiet_after``, a live socket
    that has delivered no data for longer than that since subscribing is ``delayed``."""
    if health is None:
        return FeedStatus(venue, channel, "connecting", None, "", True)
    age = now - health.last_message_ms / 1000 if health.last_message_ms else None
    state: str = health.state
    detail = ""
    quiet = quiet_for(health, int(now * 1000), quiet_after) if quiet_after is not None else None
    if quiet is not None:
        state = "delayed"
        detail = f"no data for {fmt_age(quiet)}"
    elif state == "reconnecting":
        if health.attempt >= DOWN_AFTER_ATTEMPTS:
            state = "down"
        detail = f"attempt {health.attempt}"
        if health.reason:
            detail += f": {health.reason}"
    elif state == "stopped" and health.reason:
        detail = health.reason
    stale = state != "live" and (age is None or age > stale_after)
    shown = shown_age(age, now) if age is not None else None
    return FeedStatus(venue, channel, state, shown, detail, stale)


def feed_statuses(
    model: MarketStore,
    venues: list[str],
    now: float,
    stale_after: float,
    private: list[str] | None = None,
    off: dict[str, str] | None = None,
    quiet_after: float | None = None,
) -> list[FeedStatus]:
    """Public feeds of ``venues`` first (``quiet_after``: see :func:`feed_status_of`), then
    the private feeds of ``private`` (venues with keys) and of ``off`` (venue -> why there
    is no private feed: ``off`` without keys, ``stopped`` with the reason when the
    configured keys cannot be used), then any other feed the model has heard of (a
    replay's private frames)."""
    out = [
        feed_status_of(model.feeds.get((v, "public")), v, "public", now, stale_after, quiet_after)
        for v in venues
    ]
    private = private or []
    off = off or {}
    listed = {(v, "public") for v in venues}
    for venue in _private_order(private, off):
        listed.add((venue, "private"))
        if venue in private:
            health = model.feeds.get((venue, "private"))
            out.append(feed_status_of(health, venue, "private", now, stale_after))
        elif off[venue].startswith("set "):  # no keys at all: nothing is wrong
            out.append(FeedStatus(venue, "private", "off", None, "no API keys", False))
        else:  # keys configured but unusable (unreadable key file, ...): say why
            out.append(FeedStatus(venue, "private", "stopped", None, off[venue], False))
    for (venue, channel), health in sorted(model.feeds.items()):
        if (venue, channel) in listed:
            continue
        out.append(feed_status_of(health, venue, channel, now, stale_after))
    return out


def with_market_notes(
    views: list[FeedStatus], notes: Mapping[str, MarketNote], symbol: Callable[[str], str]
) -> list[FeedStatus]:
    """``views`` with each public feed's delayed and left-out markets (``notes`` by key, in
    board order; ``symbol(key)`` names one)."""
    delayed: dict[str, list[str]] = {}
    left_out: dict[str, int] = {}
    for key, note in notes.items():
        venue = key.partition(":")[0]
        if note.left_out:
            left_out[venue] = left_out.get(venue, 0) + 1
        else:
            delayed.setdefault(venue, []).append(symbol(key))
    return [
        replace(v, delayed=tuple(delayed.get(v.venue, ())), left_out=left_out.get(v.venue, 0))
        if v.channel == "public"
        else v
        for v in views
    ]


def _private_order(private: list[str], off: dict[str, str]) -> list[str]:
    """Venues with a private indicator, Upbit before Korbit."""
    wanted = set(private) | set(off)
    known = [v for v in ("upbit", "korbit") if v in wanted]
    return known + sorted(wanted - set(known))


def stale_reason(view: FeedStatus) -> str | None:
    """The banner a pane shows for a stale venue, or None when its data is current."""
    if not view.stale:
        return None
    if view.age is None:
        return f"no data yet · {view.venue} {view.state}"
    return f"STALE {fmt_age(view.age)} · {view.venue} {view.state} (see status line)"
