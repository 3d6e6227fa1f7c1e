"""``?``: every key binding with its id (the name to remap it by in the config file)."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

HelpRow = tuple[str, str, str, str]
"""(where, keys, what, binding id)."""


def binding_rows(where: str, bindings: list, keymap: dict[str, str]) -> list[HelpRow]:
    """Rows for the bindings of one class; ``keymap`` (id -> keys) overrides defaults."""
    rows: list[HelpRow] = []
    for b in bindings:
        if not isinstance(b, Binding) or not b.id:
            continue
        keys = keymap.get(b.id, b.key)
        rows.append((where, keys, b.tooltip or b.description or b.action, b.id))
    return rows


class HelpScreen(ModalScreen[None]):
    """A table of all bindings; any key closes it."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss_help", "Close", id="help.close"),
    ]

    def __init__(self, rows: list[HelpRow], notes: list[str]) -> None:
        super().__init__()
        self.rows = rows
        self.notes = notes

    def compose(self) -> ComposeResult:
        table = Table(expand=True, box=None, pad_edge=False, header_style="bold")
        table.add_column("where", style="dim", no_wrap=True)
        table.add_column("keys", style="bold", no_wrap=True)
        table.add_column("action")
        table.add_column("binding id", style="dim", no_wrap=True)
        for where, keys, what, bid in self.rows:
            table.add_row(where, pretty_keys(keys), what, bid)
        with VerticalScroll(id="help-box"):
            yield Static("mdtui — keys", id="help-title")
            yield Static(table)
            for note in self.notes:
                yield Static(note, classes="help-note", markup=False)

    def action_dismiss_help(self) -> None:
        self.dismiss(None)


_NAMES = {
    "question_mark": "?",
    "slash": "/",
    "left_square_bracket": "[",
    "right_square_bracket": "]",
    "escape": "esc",
    "equals_sign": "=",
    "minus": "-",
    "comma": ",",
    "full_stop": ".",
    "exclamation_mark": "!",
}


def pretty_keys(keys: str) -> str:
    """``question_mark,slash`` -> ``?, /``: keys as the help screen shows them."""
    return ", ".join(_NAMES.get(k.strip(), k.strip()) for k in keys.split(","))
