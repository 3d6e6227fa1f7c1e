"""Feed health as the screen shows it: one indicator per socket and the stale rule.

Pure functions over :class:`mdtui.model.market_store.FeedHealth`; no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from mdtui.display.format import fmt_age
from mdtui.model.market_store import FeedHealth, MarketStore


@dataclass(frozen=True, slots=True)
class FeedStatus:
    """What the status line says about one feed."""

    venue: str
    channel: str
    state: str
    """live, connecting, reconnecting, down, stopped or off."""
    age: float | None
    """Seconds since the last message (None: nothing received yet)."""
    detail: str
    stale: bool

    @property
    def label(self) -> str:
        text = self.state
        if self.detail:
            text += f" ({self.detail})"
        return text


DOWN_AFTER_ATTEMPTS = 5
"""A feed that failed this many reconnects in a row is shown as down (it keeps trying)."""


def feed_status_of(
    health: FeedHealth | None, venue: str, channel: str, now: float, stale_after: float
) -> FeedStatus:
    """Summarise one feed at ``now`` (Unix seconds)."""
    if health is None:
        return FeedStatus(venue, channel, "connecting", None, "", True)
    age = now - health.last_message_ms / 1000 if health.last_message_ms else None
    state: str = health.state
    detail = ""
    if state == "reconnecting":
        if health.attempt >= DOWN_AFTER_ATTEMPTS:
            state = "down"
        detail = f"attempt {health.attempt}"
        if health.reason:
            detail += f": {health.reason}"
    elif state == "stopped" and health.reason:
        detail = health.reason
    stale = state != "live" and (age is None or age > stale_after)
    return FeedStatus(venue, channel, state, age, detail, stale)


def feed_statuses(
    model: MarketStore,
    venues: list[str],
    now: float,
    stale_after: float,
    private: list[str] | None = None,
    off: dict[str, str] | None = None,
) -> list[FeedStatus]:
    """Public feeds of ``venues`` first, then the private feeds of ``private`` (venues
    with keys) and of ``off`` (venue -> why there is no private feed: ``off`` without keys,
    ``stopped`` with the reason when the configured keys cannot be used), then any other
    feed the model has heard of (a replay's private frames)."""
    out = [
        feed_status_of(model.feeds.get((v, "public")), v, "public", now, stale_after)
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
