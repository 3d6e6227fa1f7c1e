"""The dashboard's binding contexts and the chains a key press goes through, read from
the classes' own bindings (Textual's included), for :mod:`mdtui.ui.keymap_check`."""

from __future__ import annotations

from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.containers import VerticalScroll
from textual.dom import DOMNode
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import DataTable, Input, OptionList

from mdtui.ui.keymap_check import Bound, Chain, Context
from mdtui.ui.screens.alert_form import AlertForm
from mdtui.ui.screens.alerts import AlertsScreen
from mdtui.ui.screens.help import HelpScreen
from mdtui.ui.screens.search import SearchScreen
from mdtui.ui.widgets.board import Board
from mdtui.ui.widgets.board_filter import BoardFilter
from mdtui.ui.widgets.ladder import Ladder
from mdtui.ui.widgets.private_panes import TablePane
from mdtui.ui.widgets.tape import Tape

_SKIPPING = {name for name in dir(Widget) if name.startswith(("action_scroll_", "action_page_"))}
"""Textual's scroll actions, which pass the key on when there is nothing to scroll."""


def context(name: str, node: type[DOMNode], *, typing: bool = False) -> Context:
    """The bindings of ``node`` (its own and inherited ones), one :class:`Bound` per
    binding id (or per action, for Textual's bindings without an id)."""
    grouped: dict[tuple[str | None, str, bool], list[Binding]] = {}
    for bindings in node._merged_bindings.key_to_bindings.values():  # type: ignore[union-attr]
        for b in bindings:
            grouped.setdefault((b.id, b.action if b.id is None else "", b.priority), []).append(b)
    bound = []
    for (bid, _, priority), bindings in grouped.items():
        action = bindings[0].action
        method = f"action_{action}"
        soft = method in _SKIPPING and getattr(node, method, None) is getattr(Widget, method)
        keys = tuple(dict.fromkeys(b.key for b in bindings))
        bound.append(Bound(bid, action, keys, priority, soft))
    return Context(name, tuple(bound), typing)


def dashboard_contexts(
    app: type[App[Any]], main: type[Screen[Any]]
) -> tuple[list[Context], list[Chain]]:
    """Every context with bindings (``app`` and its ``main`` screen, the panes, the search
    and help screens and what has focus in them) and the chains through them."""
    contexts = [
        context("app", app),
        context("screen", main),
        context("board", Board),
        context("ladder", Ladder),
        context("tape", Tape),
        context("private panes", TablePane),
        context("board filter", BoardFilter, typing=True),
        context("search", SearchScreen),
        context("search input", Input, typing=True),
        context("search results", OptionList),
        context("help", HelpScreen),
        context("help text", VerticalScroll),
        context("alert form", AlertForm),
        context("alert input", Input, typing=True),
        context("alerts", AlertsScreen),
        context("alerts table", DataTable),
    ]
    on_main = ("screen", "app")
    chains = [
        Chain(("board", *on_main)),
        Chain(("ladder", *on_main)),
        Chain(("tape", *on_main)),
        Chain(("private panes", *on_main)),
        # While the filter line has focus, typed keys are text (as in any input); only
        # its own keys are checked.
        Chain(("board filter",)),
        Chain(("search input", "search"), above=("app",)),
        Chain(("search results", "search"), above=("app",)),
        Chain(("help text", "help"), above=("app",)),
        Chain(("alert input", "alert form"), above=("app",)),
        Chain(("alerts table", "alerts"), above=("app",)),
    ]
    return contexts, chains
