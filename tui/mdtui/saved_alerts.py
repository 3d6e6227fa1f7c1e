"""Alerts set in the app, kept across runs, and a short log of the alerts that fired.

``$XDG_STATE_HOME/mdtui/alerts.json`` holds ``{"alerts": [...], "done": [...]}``. Each alert
is written with the keys of a config file's ``[[alerts]]`` table (so one can be moved to the
config as is) and checked by the same rules when read. ``done`` lists the one-shot alerts
(configured or saved) that fired, as ``{"alert": id, "watches": what it watched}``, so they
stay done in the next run; an alert whose config entry changed what it watches is a new
one, armed again. A damaged file or entry is skipped with a problem line (logged, and
listed by ``mdtui alerts``), never an error.

``$XDG_STATE_HOME/mdtui/alerts-fired.jsonl`` holds the newest fired alerts, one JSON object
per line as ``mdtui watch`` prints them (at most :data:`FIRED_KEPT` are kept).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import NamedTuple

import msgspec
from pydantic import ValidationError

from mdtui.model.alerts import Alert, AlertRule
from mdtui.model.events import event_json
from mdtui.settings import AlertSetting, describe_error
from mdtui.state_files import state_dir, write_json

log = logging.getLogger(__name__)

FIRED_KEPT = 200
"""Fired alerts kept in the log (older lines are dropped when it grows past twice that)."""


def default_path() -> Path:
    return state_dir() / "alerts.json"


def fired_path() -> Path:
    return state_dir() / "alerts-fired.jsonl"


class SavedAlerts(NamedTuple):
    rules: list[AlertRule]
    problems: list[str]
    """One line per entry (or file) that could not be used."""
    done: frozenset[tuple[str, str]] = frozenset()
    """One-shot alerts that fired in an earlier run: (id, what it watched)."""

    def done_of(self, rules: Sequence[AlertRule]) -> set[str]:
        """The ids among ``rules`` that are done: same id, watching the same thing."""
        return {rule.id for rule in rules if (rule.id, rule.describe()) in self.done}


def load(path: Path | None = None) -> SavedAlerts:
    """The saved alerts; an entry that is not a valid alert is left out with a problem."""
    path = path or default_path()
    try:
        data = msgspec.json.decode(path.read_bytes())
        entries = data["alerts"]
        if not isinstance(entries, list):
            raise TypeError("'alerts' is not a list")
    except FileNotFoundError:
        return SavedAlerts([], [])
    except (OSError, msgspec.DecodeError, TypeError, KeyError) as exc:
        problem = f"saved alerts {path}: ignored: {exc}"
        log.warning(problem)
        return SavedAlerts([], [problem])
    rules: list[AlertRule] = []
    problems: list[str] = []
    for number, entry in enumerate(entries):
        try:
            rules.append(AlertSetting.model_validate(entry).rule())
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            for e in errors:
                e["loc"] = ("alerts", number, *e["loc"])
            detail = "; ".join(describe_error(e) for e in errors)
            problems.append(f"saved alerts {path}: left out {detail}")
            log.warning(problems[-1])
    return SavedAlerts(rules, problems, _done(data.get("done")))


def _done(entries: object) -> frozenset[tuple[str, str]]:
    """The ``done`` list's usable entries (anything else is left out: at worst a one-shot
    alert is armed again)."""
    if not isinstance(entries, list):
        return frozenset()
    return frozenset(
        (e["alert"], e["watches"])
        for e in entries
        if isinstance(e, dict)
        and isinstance(e.get("alert"), str)
        and isinstance(e.get("watches"), str)
    )


def save(
    rules: Sequence[AlertRule], path: Path | None = None, done: Sequence[AlertRule] = ()
) -> bool:
    """Keep ``rules`` (the alerts set in the app) and which one-shot alerts are ``done``
    for the next run; False when the file cannot be written (logged)."""
    path = path or default_path()
    entries = [_entry(rule) for rule in rules]
    data: dict[str, object] = {"alerts": entries}
    if done:
        data["done"] = [{"alert": rule.id, "watches": rule.describe()} for rule in done]
    try:
        write_json(path, data, indent=2)
    except OSError as exc:
        log.warning("cannot save the alerts to %s: %s", path, exc.strerror)
        return False
    return True


def _entry(rule: AlertRule) -> dict[str, object]:
    """``rule`` as a ``[[alerts]]`` table: the fields that differ from the defaults (by
    value: a rule made from a config table holds its own equal copies of them, which
    ``omit_defaults`` keeps), decimals as exact strings."""
    raw = msgspec.to_builtins(rule, builtin_types=(Decimal,))
    return {
        k: format(v, "f") if isinstance(v, Decimal) else v
        for k, v in raw.items()
        if k not in _DEFAULTS or v != _DEFAULTS[k]
    }


_DEFAULTS: dict[str, object] = {
    f.name: msgspec.to_builtins(f.default, builtin_types=(Decimal,))
    for f in msgspec.structs.fields(AlertRule)
    if f.default is not msgspec.NODEFAULT
}
"""The default of each field of an alert, as :func:`_entry` compares it."""


def record_fired(alerts: Sequence[Alert], path: Path | None = None) -> None:
    """Append ``alerts`` to the fired log (best effort; logged when it cannot be written)."""
    path = path or fired_path()
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("ab") as f:
            for alert in alerts:
                f.write(event_json(alert) + b"\n")
            size = f.tell()
        if size > FIRED_KEPT * 2 * 400:  # about twice the lines kept: trim
            lines = path.read_bytes().splitlines(keepends=True)
            if len(lines) > FIRED_KEPT:
                tmp = path.with_suffix(".tmp")
                tmp.write_bytes(b"".join(lines[-FIRED_KEPT:]))
                tmp.replace(path)
    except OSError as exc:
        log.warning("cannot write the fired alerts log %s: %s", path, exc.strerror)


def recent_fired(path: Path | None = None, limit: int = FIRED_KEPT) -> list[Alert]:
    """The newest fired alerts, oldest first (damaged lines skipped)."""
    path = path or fired_path()
    try:
        lines = path.read_bytes().splitlines()
    except OSError:
        return []
    out: list[Alert] = []
    for line in lines[-limit:]:
        try:
            out.append(_decode_alert(line))
        except msgspec.DecodeError:
            continue
    return out


_decode_alert = msgspec.json.Decoder(Alert).decode
