"""``mdtui alerts``: the configured and saved alerts, armed, muted or done (a one-shot
alert that fired), with when each last fired (from the fired-alerts log), without starting
the screen."""

from __future__ import annotations

import sys
import time
from collections.abc import Sequence
from typing import TextIO

import msgspec

from mdtui import saved_alerts
from mdtui.model.alerts import Alert, AlertRule
from mdtui.settings import Settings


def alert_rows(
    settings: Settings, saved: saved_alerts.SavedAlerts, fired: Sequence[Alert]
) -> list[dict[str, object]]:
    """One row per alert: name, source (``config`` or ``saved``), kind, market, what it
    watches, ``armed``, ``muted`` or ``done``, its command and the last time it fired."""
    last: dict[str, Alert] = {alert.alert: alert for alert in fired}
    configured = settings.alert_rules()
    ids = {rule.id for rule in configured}
    done = saved.done_of([*configured, *saved.rules])
    rows: list[dict[str, object]] = []
    for source, rules in (("config", configured), ("saved", saved.rules)):
        for rule in rules:
            if source == "saved" and rule.id in ids:
                continue
            rows.append(_row(rule, source, last.get(rule.id), rule.id in done))
    return rows


def _row(rule: AlertRule, source: str, fired: Alert | None, done: bool) -> dict[str, object]:
    return {
        "name": rule.id,
        "source": source,
        "kind": rule.kind,
        "market": rule.market,
        "watches": rule.describe(),
        "state": "muted" if rule.muted else "done" if done else "armed",
        "repeat": rule.repeat,
        "command": list(rule.command),
        "last_fired": msgspec.to_builtins(fired) if fired is not None else None,
    }


def print_alerts(settings: Settings, as_json: bool = False, out: TextIO | None = None) -> int:
    """Print the alerts (a table, or JSON lines with ``as_json``) and the recently fired
    ones; problems with the saved file go to stderr."""
    out = out or sys.stdout
    saved = saved_alerts.load()
    fired = saved_alerts.recent_fired()
    for problem in saved.problems:
        print(f"mdtui: {problem}", file=sys.stderr)
    rows = alert_rows(settings, saved, fired)
    if as_json:
        encoder = msgspec.json.Encoder(decimal_format="string")
        for row in rows:
            out.write(encoder.encode(row).decode() + "\n")
        return 0
    if not rows:
        print(
            "no alerts: add [[alerts]] tables to the config file, or set them in the app",
            file=out,
        )
        return 0
    print(f"{len(rows)} alert{'s' * (len(rows) != 1)}:", file=out)
    for row in rows:
        fired_row = row["last_fired"]
        when = "never fired"
        if isinstance(fired_row, dict):
            when = f"last fired {_when(int(fired_row['ts']))}: {fired_row['detail']}"
        print(f"  {row['state']:<6} {row['name']}  [{row['source']}]  {when}", file=out)
    if fired:
        print(f"\nrecently fired (newest last, {min(len(fired), 10)} of {len(fired)}):", file=out)
        for alert in fired[-10:]:
            print(f"  {_when(alert.ts)}  {alert.text()}", file=out)
    return 0


def _when(ms: int) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(ms / 1000))
