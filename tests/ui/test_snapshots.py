"""Snapshot tests of the main screen, the search overlay and the help screen, against the
frozen simulator (fixed seed, fixed clock, markets stepped by hand) and a fixed app clock.

The demo accounts are connected with the demo keys: fixed resting orders (marked on the
ladder), one fill received live, and the seeded balances. The fill's toast is cleared
before the snapshot (when it would expire is not deterministic).

Update the baselines with ``pytest tests/ui/test_snapshots.py --snapshot-update`` after a
deliberate change of the screen, and look at the new SVGs before committing them.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mdtui.demo import point_at
from mdtui.settings import Settings
from mdtui.sim.frozen import APP_NOW, FrozenMarket
from mdtui.ui.app import MdtuiApp, make_app
from tests.support.screen import SIZE, demo_activity, lines, ready, settle
from tests.support.waiting import wait_until

STEPS = 40
"""Market steps after the first snapshot: enough for a tape and moved prices."""


@pytest.fixture
def frozen_market() -> Iterator[FrozenMarket]:
    """The frozen simulator in a thread of its own (the snapshot app runs its own loop)."""
    with FrozenMarket(seed=1) as market:
        market.place_demo_orders()
        yield market


@pytest.fixture
def app(frozen_market: FrozenMarket, base_settings: Settings) -> MdtuiApp:
    settings = point_at(base_settings, frozen_market.url, demo_keys=True)
    return make_app(settings, clock=lambda: APP_NOW, mode="demo (seed 1)")


def prepare(frozen: FrozenMarket):
    async def run_before(pilot) -> None:
        app = pilot.app
        await ready(pilot, app)
        await settle(pilot, app, quiet=0.3)
        frozen.advance(STEPS)
        await settle(pilot, app, quiet=0.3)
        await demo_activity(app, frozen)
        await settle(pilot, app)
        app.clear_notifications()
        await pilot.pause()

    return run_before


def test_main_screen(snap_compare, app, frozen_market):
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare(frozen_market))


def test_search_overlay(snap_compare, app, frozen_market):
    before = prepare(frozen_market)

    async def run_before(pilot) -> None:
        await before(pilot)
        await pilot.press("slash", *"eth")
        await wait_until(
            lambda: (
                type(app.screen).__name__ == "SearchScreen" and "upbit:KRW-ETH" in app.screen.keys
            ),
            5.0,
            "the search results",
            pilot=pilot,
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare, app, frozen_market):
    before = prepare(frozen_market)

    async def run_before(pilot) -> None:
        await before(pilot)
        await pilot.press("question_mark")
        await wait_until(
            lambda: type(app.screen).__name__ == "HelpScreen", 5.0, "the help", pilot=pilot
        )
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


@pytest.mark.parametrize(
    "size", [(120, 36), (80, 24), (60, 18), (40, 10)], ids=lambda s: f"{s[0]}x{s[1]}"
)
def test_main_screen_at_smaller_sizes(snap_compare, app, frozen_market, size):
    """160x48 is test_main_screen; smaller terminals get the smaller layouts."""
    assert snap_compare(app, terminal_size=size, run_before=prepare(frozen_market))


def test_short_screen_with_the_orders_on_their_key(snap_compare, app, frozen_market):
    before = prepare(frozen_market)

    async def run_before(pilot) -> None:
        await before(pilot)
        await pilot.press("o")
        await pilot.pause()

    assert snap_compare(app, terminal_size=(80, 24), run_before=run_before)


def test_markets_not_listed_and_delayed(snap_compare, frozen_market, base_settings):
    """Issue 10: two markets no exchange lists stay on the board, marked; a market whose
    data stopped (the simulator stalls it) while the others moved 30 s on is delayed,
    on the board, the ladder and tape (selected) and the status line."""
    now = [APP_NOW]
    watchlist = [
        "upbit:KRW-BTC",
        "upbit:KRW-NOTACOIN",
        "upbit:KRW-ETH",
        "korbit:btc_krw",
        "korbit:zzz_krw",
        "korbit:eth_krw",
    ]
    settings = point_at(base_settings, frozen_market.url).model_copy(
        update={"watchlist": watchlist}
    )
    app = make_app(settings, clock=lambda: now[0], mode="demo (seed 1)")
    listed = [k for k in watchlist if "NOTACOIN" not in k and "zzz" not in k]

    async def run_before(pilot) -> None:
        markets = app.shared.model.markets
        await wait_until(
            lambda: (
                all(k in markets and markets[k].ticker for k in listed)
                and {"upbit:KRW-NOTACOIN", "korbit:zzz_krw"} <= app.shared.notes.keys()
            ),
            8.0,
            "listed markets priced, the others marked",
            pilot=pilot,
        )
        for _ in range(2):  # two seconds of market steps: every market shows its pace
            now[0] += 1
            frozen_market.advance(8)
            await settle(pilot, app, quiet=0.3)
        frozen_market.call(lambda sim: sim.stall_market("upbit", "KRW-ETH", 3600))
        now[0] += 30  # both clocks move 30 s on; every market but the stalled one updates
        frozen_market.advance(STEPS, step_ms=750)
        app.select_market("upbit:KRW-ETH")
        await wait_until(
            lambda: (
                "upbit:KRW-ETH" in app.shared.notes
                and any("DELAYED" in text for text in lines(app.ladder))
            ),
            5.0,
            "ETH delayed",
            pilot=pilot,
        )
        await settle(pilot, app)
        await pilot.pause()

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
