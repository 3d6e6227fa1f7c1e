"""Alerts on the dashboard, against the simulator: ``!`` on a board row opens the form with
the row's market and last price, Enter arms a saved alert (a new app loads it); a fired
alert raises a toast, rings the bell when set, runs its command and marks the row; the
mute key and quiet hours silence all that but the pane still records it; the pane's keys
mute, re-arm and delete."""

from __future__ import annotations

import json
import re
import time
from decimal import Decimal

import pytest
from textual.widgets import DataTable, Input, Static

from mdtui.demo import point_at
from mdtui.display.format import fmt_price
from mdtui.model.alerts import AlertRule
from mdtui.settings import AlertSetting
from mdtui.sim.frozen import APP_NOW
from mdtui.ui.app import MdtuiApp, make_app
from mdtui.ui.screens.alert_form import AlertForm
from mdtui.ui.screens.alerts import AlertsScreen
from tests.support.screen import SIZE, caught_up, lines, ready
from tests.support.waiting import wait_until
from tests.ui.test_snapshots import frozen_market

__all__ = ["frozen_market"]  # the fixture, shared with the main screen's snapshots

XRP = "upbit:KRW-XRP"


def row_of(app: MdtuiApp, symbol: str, venue: str = "Upbit") -> str:
    """The board's line for ``symbol`` on ``venue`` (its mark included)."""
    return next(t for t in lines(app.board) if venue in t and f"{symbol} " in t)


def alert_toasts(app: MdtuiApp) -> list[str]:
    return [str(n.message) for n in app._notifications if n.title == "Alert"]


def pane_rows(app: MdtuiApp) -> list[list[str]]:
    table = app.screen.query_one(DataTable)
    return [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)]


async def open_pane(pilot, app: MdtuiApp) -> AlertsScreen:
    await pilot.press("A")
    return await wait_until(
        lambda: app.screen if isinstance(app.screen, AlertsScreen) else None,
        5.0,
        "the alerts pane",
        pilot=pilot,
    )


async def open_form(pilot, app: MdtuiApp) -> AlertForm:
    await pilot.press("exclamation_mark")
    return await wait_until(
        lambda: app.screen if isinstance(app.screen, AlertForm) else None,
        5.0,
        "the alert form",
        pilot=pilot,
    )


@pytest.fixture
def state_dir(tmp_path, monkeypatch):
    """Where a live session keeps its alerts (a test's own)."""
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    return tmp_path / "state" / "mdtui"


async def test_the_alert_key_opens_the_form_on_the_row_and_enter_arms_a_saved_alert(
    frozen_market, base_settings, state_dir
) -> None:
    settings = point_at(base_settings, frozen_market.url)
    app = make_app(settings, clock=lambda: APP_NOW, save_watchlist=True)
    key = "upbit:KRW-ETH"
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("j")  # the second row
        assert app.selected == key
        last = app.shared.model.markets[key].ticker.last
        shown = fmt_price(last, app.shared.catalog.entry(key).price_decimals(last))
        form = await open_form(pilot, app)
        assert (form.key, form.last) == (key, last)
        assert form.query_one(Input).value == shown
        assert "ETH/KRW Upbit" in str(form.query_one("#alert-title", Static).render())
        level = last + 100_000
        await pilot.press(*str(level))  # replaces the price filled in: it is selected
        assert form.query_one(Input).value == str(level)
        await pilot.press("enter")  # "!", the level, Enter: two keys and the price
        await wait_until(lambda: not isinstance(app.screen, AlertForm), 5.0, "the form to close",
                         pilot=pilot)  # fmt: skip
        rule = AlertRule(kind="price", market=key, level=level, direction="up",
                         rearm_pct=Decimal("0.5"))  # fmt: skip
        assert app.alerting.saved == [rule]
        saved = json.loads((state_dir / "alerts.json").read_text())
        assert saved["alerts"][0]["level"] == str(level)
        await wait_until(lambda: "◇ETH/KRW" in row_of(app, "ETH/KRW"), 5.0, "the row's mark",
                         pilot=pilot)  # fmt: skip

        # a bad value is one line in the form, and Escape leaves without a change
        form = await open_form(pilot, app)
        await pilot.press("a", "b", "c", "enter")
        line = str(form.query_one("#alert-line", Static).render())
        assert line == "abc is not a price: type one such as 150,000,000"
        assert isinstance(app.screen, AlertForm)
        await pilot.press("escape")
        await wait_until(lambda: not isinstance(app.screen, AlertForm), 5.0, "the form to close",
                         pilot=pilot)  # fmt: skip
        assert app.alerting.saved == [rule]

    again = make_app(settings, clock=lambda: APP_NOW, save_watchlist=True)
    async with again.run_test(size=SIZE) as pilot:
        await ready(pilot, again)
        assert again.alerting.rules() == [rule]
        await wait_until(lambda: "◇ETH/KRW" in row_of(again, "ETH/KRW"), 5.0, "the mark",
                         pilot=pilot)  # fmt: skip
        await open_pane(pilot, again)
        assert pane_rows(again) == [
            ["armed", "ETH/KRW Upbit", f"price up through {level:,}", "", "", "app"]
        ]


async def cross_down(pilot, app: MdtuiApp, sim, level: Decimal) -> None:
    """Wait for XRP's last price above ``level``, then trade below it (a demo order
    filled at a lower bid)."""

    def above() -> bool:
        state = app.shared.model.markets.get(XRP)
        return state is not None and state.ticker is not None and state.ticker.last > level

    await wait_until(above, 15, "a ticker above the level", pilot=pilot)
    price = sim.markets["upbit"]["KRW-XRP"].bids[6].price
    sim.fill_order("upbit", sim.place_order("upbit", "KRW-XRP", "buy", price, "1"))
    await wait_until(lambda: app.alerting.fired, 15, "the alert to fire", pilot=pilot)


def xrp_alert(sim) -> AlertSetting:
    """A price alert under XRP's price; once fired it stays so (it would re-arm only 50 %
    above its level), whatever the market does next."""
    level = sim.markets["upbit"]["KRW-XRP"].bids[4].price
    return AlertSetting(kind="price", market=XRP, level=level, direction="down",
                        rearm_pct=Decimal(50))  # fmt: skip


@pytest.mark.parametrize("bell", [True, False], ids=["bell", "no-bell"])
async def test_a_fired_alert_shows_a_toast_rings_marks_the_row_and_the_pane_re_arms_it(
    demo_settings, quiet_sim, bell
) -> None:
    alert = xrp_alert(quiet_sim)
    settings = demo_settings.model_copy(
        update={"alerts": [alert], "bell_on_alert": bell, "alert_command": ["true"]}
    )
    app = make_app(settings)
    bells: list[int] = []
    ran: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        app.alerting._run = lambda fired, argv: ran.append(fired.alert)  # type: ignore[method-assign]
        await ready(pilot, app)
        app.goto_market(XRP)
        assert "◇XRP/KRW" in row_of(app, "XRP/KRW")
        await cross_down(pilot, app, quiet_sim, alert.level)
        fired = app.alerting.fired[0]
        await wait_until(lambda: alert_toasts(app), 5.0, "the alert's toast", pilot=pilot)
        [toast] = alert_toasts(app)
        assert toast.replace(",", "") == f"XRP/KRW Upbit · price: {fired.detail}"
        assert re.search(r"\d{4}", toast) is None, "its prices have thousands separators"
        assert bells == ([1] if bell else [])
        assert ran == [fired.alert]
        await wait_until(lambda: "◆XRP/KRW" in row_of(app, "XRP/KRW"), 5.0, "the fired mark",
                         pilot=pilot)  # fmt: skip
        await open_pane(pilot, app)
        [row] = pane_rows(app)
        assert row[0] == "fired" and row[3] and row[4] == format(fired.value, "f")
        await pilot.press("r")
        assert pane_rows(app)[0][0] == "armed"
        assert app.alerting.state(app.alerting.rules()[0]) == "armed"


@pytest.mark.parametrize("how", ["mute key", "quiet hours"])
async def test_muted_or_in_quiet_hours_an_alert_is_recorded_but_not_heard(
    demo_settings, quiet_sim, how
) -> None:
    alert = xrp_alert(quiet_sim)
    update: dict[str, object] = {"alerts": [alert], "alert_command": ["true"]}
    if how == "quiet hours":
        now = time.time()
        span = [time.strftime("%H:%M", time.localtime(now + d)) for d in (-3600, 3600)]
        update["alert_quiet_hours"] = "-".join(span)
    app = make_app(demo_settings.model_copy(update=update))
    bells: list[int] = []
    ran: list[str] = []
    async with app.run_test(size=SIZE) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        app.alerting._run = lambda fired, argv: ran.append(fired.alert)  # type: ignore[method-assign]
        await ready(pilot, app)
        if how == "mute key":
            await pilot.press("M")
        said = "alerts muted (M unmutes)" if how == "mute key" else "alerts quiet hours until"
        await wait_until(lambda: said in str(app.board.border_subtitle), 5.0, "the board says so",
                         pilot=pilot)  # fmt: skip
        app.goto_market(XRP)
        await cross_down(pilot, app, quiet_sim, alert.level)
        await caught_up(pilot, app)
        assert alert_toasts(app) == [] and bells == [] and ran == []
        assert "◆XRP/KRW" in row_of(app, "XRP/KRW")
        await open_pane(pilot, app)
        [row] = pane_rows(app)
        assert row[0] == "fired" and row[4] == format(app.alerting.fired[0].value, "f")


async def test_the_pane_mutes_and_deletes_and_the_palette_has_the_alert_commands(
    frozen_market, base_settings, state_dir
) -> None:
    configured = AlertSetting(kind="spread", market="upbit:KRW-BTC", bps=Decimal(80))
    settings = point_at(base_settings, frozen_market.url).model_copy(
        update={"alerts": [configured]}
    )
    app = make_app(settings, clock=lambda: APP_NOW, save_watchlist=True)
    mine = AlertRule(kind="move", market="korbit:btc_krw", pct=Decimal(3))
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        assert {"alert: add price alert for BTC/KRW Upbit", "alert: show alerts"} <= set(commands)
        commands["alert: mute all"].callback()
        assert app.alerting.muted_all
        commands = {c.title: c for c in app.get_system_commands(app.screen)}
        commands["alert: unmute"].callback()
        assert not app.alerting.muted_all
        app.alerting.add(mine)
        pane = await open_pane(pilot, app)
        line = pane.query_one("#alerts-line", Static)
        assert [r[0] for r in pane_rows(app)] == ["armed", "armed"]
        await pilot.press("d")  # the configured alert: it stays
        assert "set in the config file" in str(line.render())
        await pilot.press("m")
        assert [r[0] for r in pane_rows(app)] == ["muted", "armed"]
        await pilot.press("down", "m")
        assert [r[0] for r in pane_rows(app)] == ["muted", "muted"]
        saved = json.loads((state_dir / "alerts.json").read_text())["alerts"]
        assert saved == [{"kind": "move", "market": "korbit:btc_krw", "pct": "3", "muted": True}]
        await pilot.press("d")
        assert [r[2] for r in pane_rows(app)] == ["spread above 80 bps"]
        assert json.loads((state_dir / "alerts.json").read_text()) == {"alerts": []}
        await pilot.press("M")
        assert app.alerting.muted_all
        assert "muted: recorded, not heard" in str(pane.query_one("#alerts-title", Static).render())
