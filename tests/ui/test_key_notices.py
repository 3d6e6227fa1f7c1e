"""``[keys]`` problems at launch, in the running dashboard: the notice on screen, the keys
that still work."""

from __future__ import annotations

from mdtui.ui.app import make_app
from mdtui.ui.widgets.notices import Notices
from tests.support.events import NOW
from tests.support.screen import SIZE
from tests.support.waiting import wait_until


def app_with_keys(base_settings, keys: dict[str, str]):
    settings = base_settings.model_copy(update={"keys": keys})
    return make_app(settings, start_feeds=False, clock=lambda: NOW)


def toast_texts(app) -> list[str]:
    """The launch notices on screen (the notice bar), as the user reads them."""
    return list(app.screen.query_one(Notices).messages)


async def test_quit_on_j_is_refused_with_a_notice_and_q_still_quits(base_settings):
    """Issue 10: ``quit = "j"`` left j moving the board and no quit key but ctrl+q."""
    app = app_with_keys(base_settings, {"quit": "j"})
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        shown = await wait_until(
            lambda: [t for t in toast_texts(app) if "refused" in t], 5.0, "the notice", pilot=pilot
        )
        assert 'refused quit = "j"' in shown[0] and "board.down" in shown[0], shown
        assert "quit stays on q" in shown[0]
        assert ("app", "q", "Quit at once", "quit") in app.help_rows()
        first = app.selected
        await pilot.press("j")
        assert app.selected == app.watchlist[1] != first, "j still moves the board"
        assert not app._exit
        await pilot.press("q")
        await wait_until(lambda: app._exit, 8.0, "exit", pilot=pilot)


async def test_key_notices_show_what_the_user_wrote(base_settings):
    """Brackets in a remap are shown, not read as markup; a conflict names both ids."""
    keys = {"board.down": "down,[b]n[/b]", "theme.cycle": "slash"}
    app = app_with_keys(base_settings, keys)
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await wait_until(lambda: len(toast_texts(app)) >= 3, 5.0, "three notices", pilot=pilot)
        text = "\n".join(toast_texts(app)).replace("\n", " ")
        assert 'board.down = "down,[b]n[/b]" ([b]n[/b])' in text
        assert "slash goes to theme.cycle (app), not search (app)" in text
        assert "left with no key: search (was /)" in text
        await pilot.press("slash")
        assert app.theme == "mdtui-light", "the remap is applied: / cycles the theme"
