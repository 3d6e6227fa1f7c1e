"""Feed health as the screen shows it: one indicator per socket and the stale rule.

Pure functions over :class:`mdtui.model.market.FeedHealth`; no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass

from mdtui.model.market import FeedHealth, MarketData
from mdtui.ui.format import fmt_age


@dataclass(frozen=True, slots=True)
class FeedView:
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


def feed_view(
    health: FeedHealth | None, venue: str, channel: str, now: float, stale_after: float
) -> FeedView:
    """Summarise one feed at ``now`` (Unix seconds)."""
    if health is None:
        return FeedView(venue, channel, "connecting", None, "", True)
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
    return FeedView(venue, channel, state, age, detail, stale)


def feed_views(
    model: MarketData, venues: list[str], now: float, stale_after: float
) -> list[FeedView]:
    """Public feeds of ``venues`` first, then any other feed the model has heard of."""
    out = [feed_view(model.feeds.get((v, "public")), v, "public", now, stale_after) for v in venues]
    for (venue, channel), health in sorted(model.feeds.items()):
        if channel == "public" and venue in venues:
            continue
        out.append(feed_view(health, venue, channel, now, stale_after))
    return out


def stale_reason(view: FeedView) -> str | None:
    """The banner a pane shows for a stale venue, or None when its data is current."""
    if not view.stale:
        return None
    if view.age is None:
        return f"no data yet · {view.venue} {view.state}"
    return f"STALE {fmt_age(view.age)} · {view.venue} {view.state} (see status line)"
