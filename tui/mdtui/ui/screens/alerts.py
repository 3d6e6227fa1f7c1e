"""``A``: every alert, configured or set in the app, with its state (armed, fired and
waiting to re-arm, done, muted) and when it last fired and at what value. Keys: ``m``
mute or unmute, ``r`` re-arm, ``d`` delete (alerts set in the app; configured ones live in
the config file), ``M`` mute every alert or unmute; Escape closes.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import DataTable, Static

from mdtui.alerting import Alerting
from mdtui.display.alert_entry import watches
from mdtui.model.alerts import ALL, Alert, AlertRule

COLUMNS = ("STATE", "MARKET", "ALERT", "LAST FIRED", "VALUE", "FROM")
STATE_STYLE = {"armed": "bold", "fired": "bold reverse", "muted": "dim", "done": "dim"}
"""``fired``: waiting to re-arm; ``done``: a one-shot alert that fired."""


class AlertsScreen(ModalScreen[None]):
    """The alerts pane. ``market_label``: ``BTC/KRW Upbit`` for a market key; ``earlier``:
    alerts fired in earlier runs (oldest first); ``changed``: called after every change."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,A", "close", "Close", id="alerts.close"),
        Binding("m", "mute", "Mute/unmute", id="alerts.mute"),
        Binding("r", "rearm", "Re-arm", id="alerts.rearm"),
        Binding("d", "delete", "Delete", id="alerts.delete"),
        Binding("M", "mute_all", "Mute all", id="alerts.mute_all"),
    ]

    def __init__(
        self,
        alerting: Alerting,
        market_label: Callable[[str], str],
        earlier: Sequence[Alert],
        changed: Callable[[], None],
    ) -> None:
        super().__init__()
        self.alerting = alerting
        self.market_label = market_label
        self.earlier = list(earlier)
        self.changed = changed
        self.ids: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="alerts-box"):
            yield Static("", id="alerts-title", markup=False)
            yield DataTable(id="alerts-table", cursor_type="row", zebra_stripes=False)
            yield Static("", id="alerts-line", markup=False)
            yield Static(
                "m mute/unmute · r re-arm · d delete · M mute all/unmute · Esc close",
                id="alerts-help",
                markup=False,
            )

    def on_mount(self) -> None:
        table = self.query_one(DataTable)
        table.add_columns(*COLUMNS)
        self.fill()
        table.focus()

    # -- rows ---------------------------------------------------------------------------

    def fill(self) -> None:
        """List the alerts again (after a change, or when one fired)."""
        table = self.query_one(DataTable)
        row = table.cursor_row
        table.clear()
        last: dict[str, Alert] = {}
        for alert in [*self.earlier, *self.alerting.fired]:
            last[alert.alert] = alert
        configured = {rule.id for rule in self.alerting.configured}
        rules = self.alerting.rules()
        self.ids = [rule.id for rule in rules]
        for rule in rules:
            source = "config" if rule.id in configured else "app"
            table.add_row(*self._cells(rule, last.get(rule.id), source), key=rule.id)
        if rules:
            table.move_cursor(row=min(row, len(rules) - 1))
        else:
            self._say("no alerts yet: press ! on a board row to set one")
        self._title()

    def _cells(self, rule: AlertRule, fired: Alert | None, source: str) -> list[Text]:
        state = self.alerting.state(rule)
        what = watches(rule)
        if rule.name:
            what = f"{rule.name}: {what}"
        when = value = ""
        if fired is not None:
            when = _when(fired.ts) + (" (while disconnected)" if fired.while_disconnected else "")
            value = format(fired.value, "f")
        return [
            Text(state, style=STATE_STYLE.get(state, "")),
            Text(self._where(rule)),
            Text(what),
            Text(when),
            Text(value, justify="right"),
            Text(source, style="dim"),
        ]

    def _where(self, rule: AlertRule) -> str:
        if rule.market == ALL:
            return {"order": "every market", "feed": "every feed"}.get(rule.kind, "watchlist")
        if rule.kind == "feed":
            return f"{rule.market} feeds"
        return self.market_label(rule.market)

    def _title(self) -> None:
        count = len(self.ids)
        hushed = self.alerting.silenced()
        tail = f" · {hushed}: recorded, not heard" if hushed else ""
        title = f"Alerts · {count}{tail}"
        self.query_one("#alerts-title", Static).update(title)

    def _say(self, text: str) -> None:
        self.query_one("#alerts-line", Static).update(text)

    def _current(self) -> AlertRule | None:
        table = self.query_one(DataTable)
        if not self.ids or table.cursor_row < 0 or table.cursor_row >= len(self.ids):
            return None
        wanted = self.ids[table.cursor_row]
        return next((r for r in self.alerting.rules() if r.id == wanted), None)

    # -- keys ---------------------------------------------------------------------------

    def action_mute(self) -> None:
        rule = self._current()
        if rule is None:
            return
        self.alerting.mute(rule.id, not rule.muted)
        kept = " for this session (config alert)" if rule.id in self._configured() else ""
        self._say(f"{'unmuted' if rule.muted else 'muted'}{kept}: {rule.id}")
        self._done()

    def action_rearm(self) -> None:
        rule = self._current()
        if rule is None:
            return
        if rule.muted:
            self._say(f"muted: unmute it first (m): {rule.id}")
            return
        self.alerting.rearm(rule.id)
        self._say(f"re-armed: {rule.id}")
        self._done()

    def action_delete(self) -> None:
        rule = self._current()
        if rule is None:
            return
        if not self.alerting.remove(rule.id):
            self._say(f"set in the config file: delete it there (or mute it: m): {rule.id}")
            return
        self._say(f"deleted: {rule.id}")
        self._done()

    def action_mute_all(self) -> None:
        self.alerting.muted_all = not self.alerting.muted_all
        self._say("every alert muted (M unmutes)" if self.alerting.muted_all else "unmuted")
        self._done()

    def action_close(self) -> None:
        self.dismiss(None)

    def _configured(self) -> set[str]:
        return {rule.id for rule in self.alerting.configured}

    def _done(self) -> None:
        self.fill()
        self.changed()


def _when(ms: int) -> str:
    """``12-01 14:03:22`` (local time): the day too, for alerts that fired overnight."""
    return time.strftime("%m-%d %H:%M:%S", time.localtime(ms / 1000))
