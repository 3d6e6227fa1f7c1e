"""Notices that stay: what was said before the screen started (a config file readable by
others, no log file, a theme file skipped, key conflicts) and a replay stopped by a bad
line of its capture.

Unlike a toast they do not expire and cover nothing: a bar at the top of the screen, one
line per message (shown as written, never read as markup), until dismissed with the
``notices.dismiss`` key or a click.
"""

from __future__ import annotations

from rich.text import Text
from textual import events
from textual.widgets import Static


class Notices(Static):
    """The notice bar; hidden while it has nothing to say."""

    DEFAULT_CSS = """
    Notices {
        display: none;
        height: auto;
        max-height: 10;
        padding: 0 1;
        background: $warning 20%;
        color: $foreground;
    }
    Notices.-shown {
        display: block;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.messages: list[str] = []
        self.dismiss_key = "esc"

    def add(self, messages: list[str]) -> None:
        """Show ``messages`` below those already shown."""
        if not messages:
            return
        self.messages += messages
        self.update(self._text())
        self.add_class("-shown")

    def dismiss(self) -> None:
        self.messages = []
        self.update("")
        self.remove_class("-shown")

    @property
    def shown(self) -> bool:
        return bool(self.messages)

    def _text(self) -> Text:
        text = Text()
        for message in self.messages:
            text.append("⚠ ", style="bold")
            text.append(message + "\n")
        text.append(f"{self.dismiss_key} or click: dismiss", style="dim")
        return text

    def on_click(self, event: events.Click) -> None:
        self.dismiss()
