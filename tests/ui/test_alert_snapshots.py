"""Snapshot tests of the alert form (``!``) and the alerts pane (``A``) over the frozen
simulator's screen. Update the baselines as ``tests/ui/test_snapshots.py`` says."""

from __future__ import annotations

from decimal import Decimal

from mdtui.demo import point_at
from mdtui.model.alerts import AlertRule
from mdtui.settings import AlertSetting
from mdtui.sim.frozen import APP_NOW, FrozenMarket
from mdtui.ui.app import make_app
from mdtui.ui.screens.alert_form import AlertForm
from mdtui.ui.screens.alerts import AlertsScreen
from tests.support.screen import SIZE
from tests.support.waiting import wait_until
from tests.ui.test_snapshots import frozen_market, prepare

__all__ = ["frozen_market"]  # the fixture, shared with the main screen's snapshots


def make(frozen_market: FrozenMarket, base_settings):
    configured = AlertSetting(kind="gap", market="upbit:KRW-XRP", pct=Decimal(2), name="xrp gap")
    settings = point_at(base_settings, frozen_market.url, demo_keys=True).model_copy(
        update={"alerts": [configured]}
    )
    return make_app(settings, clock=lambda: APP_NOW, mode="demo (seed 1)")


def test_the_alert_form(snap_compare, frozen_market: FrozenMarket, base_settings) -> None:
    app = make(frozen_market, base_settings)
    before = prepare(frozen_market)

    async def run_before(pilot) -> None:
        await before(pilot)
        await pilot.press("exclamation_mark")
        await wait_until(lambda: isinstance(app.screen, AlertForm), 5.0, "the form", pilot=pilot)
        await pilot.press(*"150000000")
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_the_alerts_pane(snap_compare, frozen_market: FrozenMarket, base_settings) -> None:
    app = make(frozen_market, base_settings)
    before = prepare(frozen_market)

    async def run_before(pilot) -> None:
        await before(pilot)
        app.alerting.add(AlertRule(kind="price", market="upbit:KRW-BTC",
                                   level=Decimal("150000000"), direction="up"))  # fmt: skip
        app.alerting.add(AlertRule(kind="move", market="korbit:eth_krw", pct=Decimal("3.5"),
                                   window=900, direction="down", muted=True))  # fmt: skip
        app.alerts_ui.changed()
        await pilot.press("A")
        await wait_until(lambda: isinstance(app.screen, AlertsScreen), 5.0, "the pane",
                         pilot=pilot)  # fmt: skip
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
