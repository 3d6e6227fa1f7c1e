"""``!``: set an alert on the selected market in one small form.

It opens on a price alert with the market's last price in the field, selected, so typing
the level replaces it; the line under the field says which way it fires (the level against
the last price) or what is wrong. ``↑``/``↓`` switch to a move, spread or gap alert, Enter
arms it, Escape cancels. A bad value is one line in the form and nothing is lost.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, ClassVar

from pydantic import ValidationError
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Static

from mdtui.display.alert_entry import FORM_KINDS, KIND_LABEL, PREFILL, entry, preview
from mdtui.model.alerts import AlertRule
from mdtui.settings import AlertSetting, describe_error

if TYPE_CHECKING:
    from pydantic_core import ErrorDetails


class AlertForm(ModalScreen[AlertRule | None]):
    """Returns the alert to arm, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="alert.cancel"),
        Binding("down", "kind(1)", "Next kind", show=False, id="alert.next_kind"),
        Binding("up", "kind(-1)", "Previous kind", show=False, id="alert.previous_kind"),
    ]

    def __init__(self, key: str, title: str, last: Decimal | None, shown: str, note: str) -> None:
        """``title``: the market as a line; ``last``: its last price, ``shown`` as the
        board shows it; ``note``: where the alert is kept."""
        super().__init__()
        self.key = key
        self.title_text = title
        self.last = last
        self.shown = shown if last is not None else ""
        self.note = note
        self.kind = "price"

    def compose(self) -> ComposeResult:
        with Vertical(id="alert-box"):
            yield Static(self.title_text, id="alert-title", markup=False)
            yield Static(self._kinds(), id="alert-kinds")
            yield Input(value=self._prefill(), id="alert-input", select_on_focus=True)
            yield Static("", id="alert-line", markup=False)
            yield Static(
                f"Enter arm · Esc cancel · ↑↓ kind · {self.note}",
                id="alert-help",
                markup=False,
            )

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._show_preview()

    def _kinds(self) -> str:
        return "  ".join(
            f"[reverse] {KIND_LABEL[k]} [/]" if k == self.kind else f" {KIND_LABEL[k]} "
            for k in FORM_KINDS
        )

    def _prefill(self) -> str:
        if self.kind == "price":
            return self.shown
        return PREFILL[self.kind]

    def action_kind(self, delta: int) -> None:
        index = (FORM_KINDS.index(self.kind) + delta) % len(FORM_KINDS)
        self.kind = FORM_KINDS[index]
        self.query_one("#alert-kinds", Static).update(self._kinds())
        field = self.query_one(Input)
        field.value = self._prefill()
        field.select_all()
        self._show_preview()

    @on(Input.Changed, "#alert-input")
    def _changed(self) -> None:
        self._show_preview()

    def _show_preview(self, problem: str | None = None) -> None:
        line = self.query_one("#alert-line", Static)
        text = self.query_one(Input).value
        line.update(problem or preview(self.kind, text, self.key, self.last, self.shown))
        line.set_class(problem is not None, "-error")

    @on(Input.Submitted, "#alert-input")
    def _submitted(self, event: Input.Submitted) -> None:
        made = entry(self.kind, event.value, self.key, self.last)
        if isinstance(made, str):
            self._show_preview(made)
            return
        try:
            rule = AlertSetting.model_validate(made).rule()
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
            self._show_preview("; ".join(_problem(e) for e in errors))
            return
        self.dismiss(rule)

    def action_cancel(self) -> None:
        self.dismiss(None)


def _problem(error: ErrorDetails) -> str:
    """A settings check's complaint about the alert, without the settings' own path."""
    if not error["loc"]:
        return error["msg"].removeprefix("Value error, ")
    return describe_error(error)
