"""What the alert form makes of the text typed into it: the fields of one ``[[alerts]]``
table (checked afterwards by the settings' own rules), or one line saying what is wrong.

The price alert is the fast path: the form opens with the market's last price, the user
types the level, and the direction follows from the level against the last price (above
it: ``up`` through it, below: ``down``). The other kinds take a number too: ``move`` a
percent with an optional window (``3``, ``-2 15m``: a sign picks the direction), ``spread``
basis points, ``gap`` a percent.

Alerts set here repeat, re-arming by hysteresis (:data:`REARM_PCT`), so a price hovering
at the level fires once, and again only after it went back and crossed once more.
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from mdtui.display.format import fmt_exact
from mdtui.model.alerts import AlertRule

FORM_KINDS = ("price", "move", "spread", "gap")
"""The kinds the form offers, the price first."""
KIND_LABEL = {"price": "price", "move": "move %", "spread": "spread bps", "gap": "gap %"}
PREFILL = {"move": "3", "spread": "50", "gap": "2"}
"""What the form starts with for the kinds other than price (the price: the last price)."""
REARM_PCT = {"price": Decimal("0.5"), "spread": Decimal(10), "gap": Decimal(10)}
"""Hysteresis of alerts set in the form: how far back past the level (percent of it) the
value must go before the alert fires again."""
MOVE_WINDOW = 300.0
_DURATION = re.compile(r"^(\d+(?:\.\d+)?)\s*(s|m|min|h)?$")
_UNITS = {None: 60.0, "s": 1.0, "m": 60.0, "min": 60.0, "h": 3600.0}


def number(text: str) -> Decimal | None:
    """``150,000,000``, ``1.5e8``, ``3%``, ``+2``: the number typed, or None."""
    cleaned = text.strip().replace(",", "").replace("_", "").removesuffix("%").strip()
    if not cleaned:
        return None
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        return None
    return value if value.is_finite() else None


def duration(text: str) -> float | None:
    """``15m``, ``90s``, ``1h``, ``10`` (minutes): seconds, or None."""
    match = _DURATION.match(text.strip().lower())
    if match is None:
        return None
    return float(match.group(1)) * _UNITS[match.group(2)]


def entry(kind: str, text: str, key: str, last: Decimal | None) -> dict[str, object] | str:
    """The alert's fields for ``kind`` on market ``key`` from the typed ``text``, or one
    line saying what is wrong. ``last``: the market's last price (price alerts)."""
    fields: dict[str, object] = {"kind": kind, "market": key}
    if kind == "move":
        return _move(text, fields)
    value = number(text)
    what = {"price": "price", "spread": "number of bps", "gap": "percent"}[kind]
    if value is None:
        example = {"price": "150,000,000", "spread": "50", "gap": "2"}[kind]
        return f"{text.strip() or 'nothing'} is not a {what}: type one such as {example}"
    if value <= 0:
        return f"the {what} must be more than 0"
    fields["rearm_pct"] = REARM_PCT[kind]
    if kind == "spread":
        fields["bps"] = value
        return fields
    if kind == "gap":
        fields["pct"] = value
        return fields
    if last is None:
        return "no last price yet: the direction follows from it (wait for the first trade)"
    if value == last:
        return "that is the last price: type the level to watch, above or below it"
    fields["level"] = value
    fields["direction"] = "up" if value > last else "down"
    return fields


def _move(text: str, fields: dict[str, object]) -> dict[str, object] | str:
    words = text.split()
    pct = number(words[0]) if words else None
    if pct is None or len(words) > 2:
        return "type a percent and an optional window: 3 (either way, 5 min), +3 15m, -2 1h"
    window = duration(words[1]) if len(words) == 2 else MOVE_WINDOW
    if window is None or window <= 0:
        return f"{words[1]} is not a window: type 30s, 15m or 1h"
    if pct == 0:
        return "the percent must not be 0"
    sign = words[0].strip()[0]
    fields["direction"] = "up" if sign == "+" else "down" if sign == "-" else "any"
    fields["pct"] = abs(pct)
    fields["window"] = window
    return fields


def preview(kind: str, text: str, key: str, last: Decimal | None, shown: str) -> str:
    """The form's line under the field while typing: what the alert would watch (or what
    is wrong). ``shown``: the last price as the board shows it."""
    if kind == "price" and last is not None and number(text) == last:
        return "type the level: above the last price it fires going up, below going down"
    made = entry(kind, text, key, last)
    if isinstance(made, str):
        return made
    if kind == "price":
        way = "up through" if made["direction"] == "up" else "down through"
        level = fmt_exact(Decimal(str(made["level"])))
        return f"fires when the price crosses {way} {level} (last {shown})"
    if kind == "move":
        way = {"up": "up ", "down": "down ", "any": ""}[str(made["direction"])]
        window = float(str(made["window"]))
        span = f"{window / 60:g} min" if window >= 60 else f"{window:g} s"
        return f"fires when the price moves {way}{made['pct']}% within {span}"
    if kind == "spread":
        return f"fires when the best ask is {made['bps']} bps or more above the best bid"
    return f"fires when Upbit and Korbit are {made['pct']}% or more apart"


def watches(rule: AlertRule) -> str:
    """What ``rule`` watches, without its market: ``price up through 150,000,000``."""
    if rule.kind == "price" and rule.level is not None:
        return f"price {rule.direction} through {fmt_exact(rule.level)}"
    return rule.describe().partition(" ")[2]
