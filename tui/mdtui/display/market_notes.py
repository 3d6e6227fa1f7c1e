"""What the screen says about a market whose data is not live: left out of its exchange's
subscription (not listed, delisted, refused), or delayed.

A market of a live socket is **delayed** when (times on the app's clock; its tickers are
what is watched, see :mod:`mdtui.model.market_store`):

- no ticker arrived for it since it was subscribed, for longer than ``after``;
- no ticker arrived for longer than ``max(after, cadence x its usual gap)`` between
  realtime tickers, counted from its last ticker or its subscription, whichever is later
  (a market that trades once a minute is not called delayed after ten seconds). Until two
  realtime tickers gave it a pace, this rule does not judge it: its snapshot came, and an
  illiquid market may not trade again for an hour;
- or its last ticker was stamped by the exchange more than ``lag`` before it arrived, once
  the clocks' offset (read from the exchange's ``Date``) is taken out.

A socket that is not live is the status line's business ("stale"), not this module's.
Pure functions over the market store; no Textual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Literal

from mdtui.display.catalog import VENUE_LABEL
from mdtui.display.format import fmt_age
from mdtui.feed.supervisor import Exclusion
from mdtui.model.market_store import FeedHealth, MarketState, MarketStore

NoteKind = Literal["unlisted", "delisted", "rejected", "delayed"]


@dataclass(frozen=True, slots=True)
class DelayRules:
    """The thresholds, in seconds (the ``delayed_*`` settings)."""

    after: float = 10.0
    cadence: float = 5.0
    lag: float = 5.0


@dataclass(frozen=True, slots=True)
class MarketNote:
    """``text`` fits a board row; ``detail`` says more (banners, logs)."""

    kind: NoteKind
    text: str
    detail: str

    @property
    def left_out(self) -> bool:
        """Not subscribed at all (as opposed to subscribed and delayed)."""
        return self.kind != "delayed"


def exclusion_note(venue: str, why: Exclusion) -> MarketNote:
    """The note of a market left out of ``venue``'s subscription."""
    label = VENUE_LABEL.get(venue, venue)
    if why.kind == "unlisted":
        text = f"not listed on {label}"
        return MarketNote("unlisted", text, f"{text}: not subscribed")
    if why.kind == "delisted":
        text = f"delisted on {label}"
        return MarketNote("delisted", text, f"{text} (not trading): not subscribed")
    text = f"refused by {label} ({why.detail})" if why.detail else f"refused by {label}"
    return MarketNote("rejected", text, f"{text}: not subscribed")


def delay_note(
    state: MarketState, now_ms: int, offset_ms: int | None, rules: DelayRules
) -> MarketNote | None:
    """Whether the subscribed market ``state`` is delayed at ``now_ms``, and by how much.
    ``offset_ms`` is the exchange's clock minus ours (None: unknown, no lag check)."""
    if not state.subscribed_ms:
        return None
    since = now_ms - max(state.updated_ms, state.subscribed_ms)
    if state.updated_ms < state.subscribed_ms:
        if since > rules.after * 1000:
            age = fmt_age(since / 1000)
            return MarketNote("delayed", f"delayed {age}", f"no data for {age} since subscribing")
    elif state.gap_ms and since > max(rules.after, rules.cadence * state.gap_ms / 1000) * 1000:
        age = fmt_age(since / 1000)
        return MarketNote("delayed", f"delayed {age}", f"no update for {age}")
    if offset_ms is not None and state.lag_ms is not None:
        lag = state.lag_ms + offset_ms
        if lag > rules.lag * 1000:
            age = fmt_age(lag / 1000)
            return MarketNote("delayed", f"delayed {age}", f"data {age} behind the clock")
    return None


def market_notes(
    keys: Iterable[str],
    excluded: Mapping[str, Exclusion],
    model: MarketStore,
    live: Iterable[str],
    now_ms: int,
    offsets: Mapping[str, int],
    rules: DelayRules,
) -> dict[str, MarketNote]:
    """The notes of ``keys`` that have one: left out, or (on a ``live`` venue's public
    socket) delayed."""
    live_venues = set(live)
    out: dict[str, MarketNote] = {}
    for key in keys:
        venue = key.partition(":")[0]
        why = excluded.get(key)
        if why is not None:
            out[key] = exclusion_note(venue, why)
            continue
        state = model.markets.get(key)
        if venue in live_venues and state is not None:
            note = delay_note(state, now_ms, offsets.get(venue), rules)
            if note is not None:
                out[key] = note
    return out


def quiet_for(health: FeedHealth | None, now_ms: int, after: float) -> float | None:
    """Seconds a live, subscribed public socket has delivered no data for, once that is
    more than ``after`` (else None)."""
    if health is None or health.state != "live" or not health.streaming:
        return None
    if not health.subscribed_ms:
        return None
    since = (now_ms - max(health.last_data_ms, health.subscribed_ms)) / 1000
    return since if since > after else None
