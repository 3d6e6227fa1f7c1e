"""``/``: fuzzy search over every market of both exchanges.

Type a symbol (``btc``), a code (``KRW-ETH``), a Korean name or its initials (``비트``,
``ㅂㅌ``) or an English name; up/down pick, Enter selects the market and adds it to the
watchlist, Escape closes.
"""

from __future__ import annotations

from typing import ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList, Static
from textual.widgets.option_list import Option

from mdtui.display.catalog import Catalog
from mdtui.ui.commands import describe

LIMIT = 40


class SearchScreen(ModalScreen[str | None]):
    """Returns the chosen market key, or None."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "dismiss_none", "Close", id="search.close"),
        Binding("down", "move(1)", "Next", show=False, id="search.down"),
        Binding("up", "move(-1)", "Previous", show=False, id="search.up"),
        Binding("enter", "choose", "Select", show=False, id="search.choose"),
    ]

    def __init__(self, catalog: Catalog, watchlist: list[str], query: str = "") -> None:
        super().__init__()
        self.catalog = catalog
        self.watchlist = set(watchlist)
        self.query_text = query
        self.keys: list[str] = []

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Static(self._title(), id="search-title")
            yield Input(
                value=self.query_text,
                placeholder="symbol, code, 한글 이름, English name",
                id="search-input",
            )
            yield OptionList(id="search-results")
            yield Static(
                "↑↓ choose · Enter select and add to watchlist · Esc close", id="search-help"
            )

    def _title(self) -> str:
        venues = ", ".join(sorted(self.catalog.loaded)) or "watchlist only (lists not loaded)"
        return f"Search {len(self.catalog.entries)} markets · {venues}"

    def on_mount(self) -> None:
        self._fill(self.query_text)
        self.query_one(Input).focus()

    @on(Input.Changed, "#search-input")
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def _fill(self, query: str) -> None:
        results = self.query_one(OptionList)
        hits = self.catalog.search(query, LIMIT)
        self.keys = [entry.key for _, entry in hits]
        results.clear_options()
        results.add_options(
            [
                Option(("✓ " if e.key in self.watchlist else "  ") + describe(e), id=e.key)
                for _, e in hits
            ]
        )
        if hits:
            results.highlighted = 0

    def action_move(self, delta: int) -> None:
        results = self.query_one(OptionList)
        if results.option_count:
            current = results.highlighted or 0
            results.highlighted = max(0, min(current + delta, results.option_count - 1))

    def action_choose(self) -> None:
        results = self.query_one(OptionList)
        if results.highlighted is not None and self.keys:
            self.dismiss(self.keys[results.highlighted])

    @on(Input.Submitted, "#search-input")
    def _submitted(self) -> None:
        self.action_choose()

    @on(OptionList.OptionSelected, "#search-results")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(event.option.id)

    def action_dismiss_none(self) -> None:
        self.dismiss(None)
