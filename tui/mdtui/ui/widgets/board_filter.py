"""The all-markets board's filter line: typing narrows the rows at once; Enter goes back to
the board keeping the filter, Escape clears it."""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType
from textual.message import Message
from textual.widgets import Input


class BoardFilter(Input):
    """A one-line filter over symbol, Korean and English names and 초성."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "clear", "Clear filter", id="filter.clear", show=False),
    ]

    class Cleared(Message):
        """The user cleared the filter (Escape)."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(placeholder="filter: symbol, 이름, name, ㅂㅌ …", id=id)

    def action_clear(self) -> None:
        self.value = ""
        self.post_message(self.Cleared())
