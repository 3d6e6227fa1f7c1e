"""The alerts on the dashboard: the keys (``!`` set one on the selected market, ``A`` the
alerts pane, ``M`` mute every alert or unmute), what a fired alert does on screen (a toast
each, the terminal bell when ``bell_on_alert``, a mark on its board row) and the board's
marks: ``armed`` on the row of a market an alert watches, ``fired`` for
:data:`FIRED_MARK_FOR` seconds after one fired there (glyphs: ``board.ALERT_MARKS``).

While alerts are silenced (the mute key, ``alert_quiet_hours``) a fired alert raises no
toast or bell (and runs no command: see :mod:`mdtui.alerting`); the pane and the row's mark
still record it, and the board's bottom border says why it is quiet.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import TYPE_CHECKING

from textual.app import SystemCommand
from textual.binding import Binding, BindingType

from mdtui import saved_alerts
from mdtui.display.alert_entry import watches
from mdtui.display.catalog import VENUE_LABEL
from mdtui.display.format import fmt_price, group_digits
from mdtui.model.alerts import MARKET_KINDS, Alert, AlertRule
from mdtui.ui.screens.alert_form import AlertForm
from mdtui.ui.screens.alerts import AlertsScreen

if TYPE_CHECKING:
    from mdtui.ui.app import MdtuiApp

ALERT_BINDINGS: list[BindingType] = [
    Binding(
        "exclamation_mark",
        "add_alert",
        "Alert",
        id="alert.add",
        tooltip="Set an alert on the selected market (its last price filled in)",
    ),
    Binding(
        "A",
        "show_alerts",
        "Alerts",
        show=False,
        id="alerts.show",
        tooltip="Every alert: armed, fired (when, at what value), muted",
    ),
    Binding(
        "M",
        "mute_alerts",
        "Mute alerts",
        show=False,
        id="alerts.mute_all",
        tooltip="Mute every alert (recorded, not heard), or unmute",
    ),
]
FIRED_MARK_FOR = 900.0
"""Seconds a row keeps the fired mark."""
ALERT_TOASTS = 4
"""Toasts for one batch of fired alerts at most; the rest are summed up in one."""
TOAST_FOR = 20.0


class AlertsUI:
    """The dashboard's side of :attr:`MdtuiApp.alerting`."""

    def __init__(self, app: MdtuiApp) -> None:
        self.app = app
        self.alerting = app.alerting
        self._fired_at: dict[str, float] = {}
        """market key -> when an alert last fired there (monotonic)."""
        self._hush = ""

    # -- keys -----------------------------------------------------------------------

    def add(self) -> None:
        """Open the form on the selected market."""
        app = self.app
        key = app.selected
        if key is None:
            app.notify("select a market on the board first", timeout=3)
            return
        entry = app.shared.catalog.entry(key)
        state = app.shared.model.markets.get(key)
        last = state.ticker.last if state is not None and state.ticker is not None else None
        shown = fmt_price(last, entry.price_decimals(last)) if last is not None else ""
        title = f"Alert on {self.market_label(key)} · {entry.name(app.settings.names)}"
        session = "replay" if app.replay_path is not None else "demo"
        note = "saved for next time" if self.alerting.persist else f"{session}: kept until you quit"
        app.push_screen(
            AlertForm(key, title, last, shown, note), lambda rule: self._armed(rule, last)
        )

    def _armed(self, rule: AlertRule | None, seen: Decimal | None) -> None:
        """The form's alert, set against ``seen``, the price the form showed."""
        if rule is None:
            return
        self.alerting.add(rule, seen)
        self.refresh_marks()
        text = f"armed: {self.market_label(rule.market)} {watches(rule)} (A lists alerts)"
        self.app.notify(text, title="Alert", timeout=4, markup=False)

    def show(self) -> None:
        """Open the alerts pane."""
        earlier = saved_alerts.recent_fired() if self.alerting.persist else []
        pane = AlertsScreen(self.alerting, self.market_label, earlier, self.changed)
        self.app.push_screen(pane)

    def toggle_mute(self) -> None:
        muted = self.alerting.muted_all = not self.alerting.muted_all
        self.app.notify(
            "alerts muted: recorded, not heard (M unmutes)" if muted else "alerts unmuted",
            timeout=3,
        )
        self.changed()

    def changed(self) -> None:
        """The rules or the mute changed (the pane, the mute key)."""
        self.refresh_marks()
        self.show_hush()

    # -- fired ----------------------------------------------------------------------

    def fired(self, alerts: list[Alert]) -> None:
        """Mark the rows; unless silenced, a toast each (a few at most) and the bell."""
        app = self.app
        now = time.monotonic()
        for alert in alerts:
            if alert.market:
                self._fired_at[alert.key] = now
        if any(alert.market for alert in alerts):
            app.set_timer(FIRED_MARK_FOR + 0.1, self.refresh_marks)
        self.refresh_marks()
        if app.screen_stack and isinstance(app.screen, AlertsScreen):
            app.screen.fill()
        if self.alerting.silenced():
            return
        for alert in alerts[:ALERT_TOASTS]:
            app.notify(self.toast_text(alert), title="Alert", severity="warning",
                       timeout=TOAST_FOR, markup=False)  # fmt: skip
        if len(alerts) > ALERT_TOASTS:
            more = len(alerts) - ALERT_TOASTS
            app.notify(f"{more} more alerts fired (A lists them)", title="Alerts",
                       severity="warning", timeout=TOAST_FOR)  # fmt: skip
        if app.settings.bell_on_alert:
            app.bell()

    def toast_text(self, alert: Alert) -> str:
        """``BTC/KRW Upbit · price: price 150,001,000 crossed up through 150,000,000``."""
        where = self.market_label(alert.key) if alert.market else alert.venue
        name = "" if alert.alert.startswith(alert.key) else f"{alert.alert} · "
        late = " (while disconnected)" if alert.while_disconnected else ""
        return f"{name}{where} · {alert.kind}: {group_digits(alert.detail)}{late}"

    # -- the board ------------------------------------------------------------------

    def refresh_marks(self) -> None:
        """Work out every row's mark and repaint the board when one changed."""
        app = self.app
        marks: dict[str, str] = {}
        for rule in self.alerting.rules():
            if rule.muted or rule.kind not in MARKET_KINDS or ":" not in rule.market:
                continue
            if self.alerting.state(rule) in ("armed", "fired"):
                marks[rule.market] = "armed"
        now = time.monotonic()
        for key, at in list(self._fired_at.items()):
            if now - at < FIRED_MARK_FOR:
                marks[key] = "fired"
            else:
                del self._fired_at[key]
        if marks != app.shared.alert_marks:
            app.shared.alert_marks = marks
            if app._is_main():
                app.board.refresh()

    def show_hush(self) -> None:
        """Say on the board's bottom border why alerts are quiet, if they are."""
        hushed = self.alerting.silenced()
        text = f"alerts {hushed}" if hushed else ""
        if hushed == "muted":
            text += " (M unmutes)"
        if text != self._hush and self.app._is_main():
            self._hush = text
            self.app.board.border_subtitle = text or None

    def market_label(self, key: str) -> str:
        """``BTC/KRW Upbit``."""
        entry = self.app.shared.catalog.entry(key)
        return f"{entry.symbol} {VENUE_LABEL.get(entry.venue, entry.venue)}"

    def commands(self) -> Iterator[SystemCommand]:
        """The palette's ``alert:`` commands."""
        app = self.app
        key = app.selected
        add: Callable[[], None] = self.add
        if key is not None:
            yield SystemCommand(
                f"alert: add price alert for {self.market_label(key)}",
                "Set an alert on the selected market (!)",
                add,
            )
        yield SystemCommand("alert: show alerts", "Every alert, fired or not (A)", self.show)
        muted = self.alerting.muted_all
        yield SystemCommand(
            "alert: unmute" if muted else "alert: mute all",
            "Alerts are recorded but not heard while muted (M)",
            self.toggle_mute,
        )
