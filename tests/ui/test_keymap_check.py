"""The ``[keys]`` check at launch: key names, conflicts across contexts, actions left with
no key, and the remaps refused because they would leave no way to quit or to get help."""

from __future__ import annotations

import importlib
import inspect
import pkgutil

import pytest
from textual.binding import Binding
from textual.dom import DOMNode

import mdtui.ui
from mdtui.ui.app import PROTECTED_KEYS, MainScreen, MdtuiApp
from mdtui.ui.key_contexts import dashboard_contexts
from mdtui.ui.keymap_check import (
    Bound,
    Chain,
    Context,
    KeymapCheck,
    check_keymap,
    key_parses,
    suggestion,
)

CONTEXTS, CHAINS = dashboard_contexts(MdtuiApp, MainScreen)


def check(**remaps: str) -> KeymapCheck:
    """The dashboard's check of ``remaps`` (``board__down`` stands for ``board.down``)."""
    keymap = {bid.replace("__", "."): keys for bid, keys in remaps.items()}
    return check_keymap(keymap, CONTEXTS, CHAINS, PROTECTED_KEYS)


def notice(result: KeymapCheck, start: str) -> str:
    (found,) = [n for n in result.notices if n.startswith(start)]
    return found


@pytest.mark.parametrize(
    "key",
    [
        "j",
        "G",
        "?",
        "/",
        "[",
        "ㅂ",
        "question_mark",
        "slash",
        "space",
        "escape",
        "enter",
        "tab",
        "shift+tab",
        "up",
        "pagedown",
        "f5",
        "f24",
        "ctrl+x",
        "ctrl+question_mark",
        "alt+ctrl+x",
        "ctrl+shift+up",
        "alt+shift+f5",
        "menu",  # sent by terminals with the kitty keyboard protocol
    ],
)
def test_key_names_textual_reports_parse(key: str) -> None:
    assert key_parses(key)


@pytest.mark.parametrize(
    "key",
    [
        "ctrl+alt+banana",
        "banana",
        "ctrl+alt+x",  # Textual says alt+ctrl+x
        "shift+ctrl+up",
        "Ctrl+X",
        "ctrl+?",  # Textual says ctrl+question_mark
        "ctrl+ctrl+x",
        "ctrl+",
        "pgdn",
        "esc",
        "F5",
        "",
    ],
)
def test_other_key_names_do_not(key: str) -> None:
    assert not key_parses(key)


def test_modifiers_out_of_order_get_the_spelling_textual_matches() -> None:
    assert suggestion("ctrl+alt+x") == "alt+ctrl+x"
    assert suggestion("shift+ctrl+up") == "ctrl+shift+up"
    assert suggestion("ctrl+alt+banana") is None
    assert suggestion("ctrl+x") is None


def test_the_default_keys_have_no_problem() -> None:
    result = check()
    assert result.notices == []
    assert result.keymap == {}


def test_every_binding_id_is_in_a_checked_context() -> None:
    """A screen or widget added with bindings of its own must be added to the check."""
    declared: set[str] = set()
    for module in pkgutil.walk_packages(mdtui.ui.__path__, "mdtui.ui."):
        for _, cls in inspect.getmembers(importlib.import_module(module.name), inspect.isclass):
            if issubclass(cls, DOMNode) and cls.__module__.startswith("mdtui."):
                declared |= {b.id for b in cls.BINDINGS if isinstance(b, Binding) and b.id}
    checked = {b.id for c in CONTEXTS for b in c.bindings if b.id}
    assert declared <= checked
    assert {"quit", "help", "board.down", "search.close", "help.close"} <= declared


def test_quit_on_a_key_the_board_has_is_refused() -> None:
    result = check(quit="j")
    assert result.notices == [
        '[keys] refused quit = "j": it would leave no key to quit '
        "(j goes to board.down (board)); quit stays on q"
    ]
    assert "quit" not in result.keymap


def test_a_remap_taking_the_only_quit_key_is_refused() -> None:
    result = check(board__sort="q", theme__cycle="q", board__up="up")
    assert result.notices == [
        '[keys] refused board.sort = "q": it would leave no key to quit '
        "(q goes to board.sort (board)); board.sort stays on s",
        '[keys] refused theme.cycle = "q": it would leave no key to quit '
        "(q goes to theme.cycle (app)); theme.cycle stays on t",
    ]
    assert result.keymap == {"board.up": "up"}


def test_help_taken_by_another_app_binding_is_refused() -> None:
    result = check(**{"theme.cycle": "?"})
    (refused,) = result.notices
    assert refused.startswith('[keys] refused theme.cycle = "?": it would leave no key to open')
    assert "? goes to theme.cycle (app)" in refused and "theme.cycle stays on t" in refused
    assert result.keymap == {}


def test_quit_on_keys_that_do_not_parse_is_refused() -> None:
    result = check(quit="ctrl+alt+x")
    assert notice(result, "[keys] not a key name").endswith(
        'quit = "ctrl+alt+x" (write alt+ctrl+x)'
    )
    assert notice(result, "[keys] refused").endswith("(ctrl+alt+x is not a key); quit stays on q")
    assert result.keymap == {}


def test_quit_with_one_working_key_is_kept_and_the_shadowed_one_reported() -> None:
    result = check(quit="j,x")
    assert result.notices == [
        "[keys] one key, two actions: j goes to board.down (board), not quit (app)"
    ]
    assert result.keymap == {"quit": "j,x"}


def test_a_key_taken_from_another_action_is_a_conflict_and_leaves_it_with_none() -> None:
    result = check(theme__cycle="slash")
    assert result.notices == [
        "[keys] one key, two actions: slash goes to theme.cycle (app), not search (app)",
        "[keys] left with no key: search (was /)",
    ]
    assert result.keymap == {"theme.cycle": "slash"}, "reported, not refused"


def test_a_key_name_that_does_not_parse_leaves_the_action_with_no_key() -> None:
    result = check(search="ctrl+alt+banana")
    assert result.notices == [
        "[keys] not a key name (Textual's names are like j, G, ?, ctrl+x, alt+ctrl+x, f5, "
        'pagedown): search = "ctrl+alt+banana"',
        "[keys] left with no key: search (was /)",
    ]


def test_keys_are_named_as_written() -> None:
    result = check(board__down="down, [b]n[/b] ,n", board__up="k,,up")
    assert notice(result, "[keys] not a key name").endswith(
        'board.down = "down, [b]n[/b] ,n" ([b]n[/b]); board.up = "k,,up" (an empty key)'
    )
    assert len(result.notices) == 1


def test_a_priority_binding_shadows_every_context() -> None:
    result = check(palette="j")
    assert result.notices == [
        "[keys] one key, two actions: j goes to palette (app), not board.down (board)"
    ]


def test_a_text_input_takes_printable_keys() -> None:
    result = check(search__close="x")
    assert result.notices == [
        "[keys] one key, two actions: x goes to typing (search input), not search.close (search)"
    ]


def test_a_built_in_binding_can_shadow_a_remap() -> None:
    result = check(watchlist__remove="ctrl+c")
    assert result.notices == [
        "[keys] one key, two actions: ctrl+c goes to built-in screen.copy_text (screen), "
        "not watchlist.remove (app)",
        "[keys] left with no key: watchlist.remove (was d)",
    ]


def test_swaps_and_new_keys_are_fine() -> None:
    result = check(quit="t", theme__cycle="q", board__down="down,j,n", help="h,f1")
    assert result.notices == []
    assert result.keymap["quit"] == "t"


def test_scroll_keys_pass_on_so_they_do_not_shadow() -> None:
    """The board and the ladder scroll sideways on left and right only when they can: the
    key then reaches the app."""
    assert check(market__next="right").notices == []


def test_unknown_ids_are_named_and_left_out() -> None:
    result = check(no__such="x", quit="x")
    assert result.notices == ["unknown binding id(s) in [keys]: no.such (? lists them)"]
    assert result.keymap == {"quit": "x"}


def test_two_remaps_on_one_key_in_one_context() -> None:
    app = Context(
        "app",
        (
            Bound("quit", "quit", ("q",)),
            Bound("a", "a", ("a",)),
            Bound("b", "b", ("b",)),
        ),
    )
    result = check_keymap({"a": "x", "b": "x"}, [app], [Chain(("app",))], {})
    assert result.notices == [
        "[keys] one key, two actions: x goes to a (app), not b (app)",
        "[keys] left with no key: b (was b)",
    ]


def test_a_modal_screen_sees_only_the_apps_priority_bindings() -> None:
    contexts = [
        Context(
            "app",
            (Bound("quit", "quit", ("q",)), Bound("palette", "palette", ("ctrl+p",), True)),
        ),
        Context("help", (Bound("help.close", "close", ("escape",)),)),
    ]
    chains = [Chain(("app",)), Chain(("help",), above=("app",))]
    assert check_keymap({"help.close": "q"}, contexts, chains, {}).notices == []
    result = check_keymap({"help.close": "ctrl+p"}, contexts, chains, {})
    assert result.notices == [
        "[keys] one key, two actions: ctrl+p goes to palette (app), not help.close (help)",
        "[keys] left with no key: help.close (was esc)",
    ]
