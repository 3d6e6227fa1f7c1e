"""The private panes against the real simulator's demo accounts over loopback: own orders
in the Orders pane and on the ladder, fills with a toast, balances, a fill while the
private socket is down, a rejected key, no keys, the scope toggle, and replay.

The simulator's demo trader is paused, so only the test places and fills orders.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal

import pytest
from pydantic import SecretStr

from mdtui.demo import point_at
from mdtui.feed.private_feeds import private_workers
from mdtui.feed.recorder import Recorder
from mdtui.model.events import Fill, Order
from mdtui.settings import Settings
from mdtui.sim import demo_keys as keys
from mdtui.sim.server import Simulator
from mdtui.ui.app import MdtuiApp, make_app
from mdtui.ui.widgets.lines import LinePane

from .conftest import SIZE, ready, wait_until

SECRETS = (
    keys.UPBIT_ACCESS_KEY,
    keys.UPBIT_SECRET_KEY,
    keys.KORBIT_ED25519_API_KEY,
    keys.KORBIT_ED25519_PRIVATE_KEY_PEM.splitlines()[1],
    keys.KORBIT_HMAC_SECRET,
    keys.KORBIT_REVOKED_API_KEY,
    keys.KORBIT_REVOKED_SECRET,
)
MARKET = {"upbit": "KRW-XRP", "korbit": "xrp_krw"}
"""Markets with a coarse tick (1 KRW at ~3,000): an order a few levels away stays put."""


@pytest.fixture
async def quiet_sim() -> AsyncIterator[Simulator]:
    async with Simulator(seed=11) as simulator:
        simulator.pause_trader()
        yield simulator


@pytest.fixture
def demo_settings(quiet_sim: Simulator, base_settings: Settings) -> Settings:
    return point_at(base_settings, quiet_sim.http_url, demo_keys=True)


def lines(pane: LinePane) -> list[str]:
    return [pane.render_line(y).text for y in range(pane.size.height)]


def screen_text(app: MdtuiApp) -> str:
    """Everything on screen: the SVG export (toasts included) and every pane's lines."""
    parts = [app.export_screenshot()]
    for pane in (app.board, app.ladder, app.tape, *app.private.panes.values()):
        parts += lines(pane)
    parts.append(app.status.render().plain)
    return "\n".join(parts)


def assert_no_secret(app: MdtuiApp) -> None:
    text = screen_text(app)
    for secret in SECRETS:
        assert secret not in text, "a secret reached the screen"


def toasts(app: MdtuiApp) -> list[str]:
    return [f"{n.title}: {n.message}" for n in app._notifications]


def resting_price(sim: Simulator, venue: str, side: str, level: int = 3) -> Decimal:
    book = sim.markets[venue][MARKET[venue]]
    return (book.bids if side == "buy" else book.asks)[level].price


def ladder_mark(app: MdtuiApp, price: str) -> str | None:
    """The ladder line of ``price`` if it carries the own-order marker, else None."""
    for text in lines(app.ladder):
        words = text.split()
        if words and words[0].lstrip("▶") == price:
            return text if text.startswith("▶") else None
    return None


async def select(pilot, app: MdtuiApp, key: str) -> None:
    app.goto_market(key)
    await wait_until(pilot, lambda: app.ladder.book is not None, 8.0, f"the {key} book")


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_order_fill_and_balances_show_live(venue, demo_settings, quiet_sim):
    app = make_app(demo_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        key = f"{venue}:{MARKET[venue]}"
        await select(pilot, app, key)
        price = resting_price(quiet_sim, venue, "buy")
        shown = f"{price:,.0f}"
        order_id = str(quiet_sim.place_order(venue, MARKET[venue], "buy", price, "10"))

        # the order is in the Orders pane and marked on the ladder at its price
        orders = app.private.orders
        await wait_until(
            pilot, lambda: any(shown in t for t in lines(orders)), 3.0, "the order in Orders"
        )
        row = next(t for t in lines(orders) if shown in t)
        assert "XRP/KRW" in row and "open" in row and "0.0%" in row
        await wait_until(pilot, lambda: ladder_mark(app, shown), 8.0, "the ladder mark")
        assert "B 10" in ladder_mark(app, shown)
        assert "MINE" in lines(app.ladder)[0]
        assert app.shared.account.order(venue, order_id).state == "open"

        # a partial fill: a row in Fills, a toast naming it, the ladder shows what remains
        label = "Upbit" if venue == "upbit" else "Korbit"
        await pilot.press("a", "b")  # this market's balances only: KRW and XRP
        await pilot.pause(0.05)
        xrp_before = _xrp_row(app, label)
        assert xrp_before is not None
        quiet_sim.fill_order(venue, order_id, "4")
        await wait_until(pilot, lambda: app.shared.account.fills, 8.0, "the fill")
        await wait_until(pilot, lambda: toasts(app), 8.0, "a toast")
        assert f"Fill: {label} XRP/KRW 매수 4 @ {shown}" in toasts(app)
        await wait_until(
            pilot, lambda: "B 6" in (ladder_mark(app, shown) or ""), 2.0, "6 left on the ladder"
        )
        # balances changed: 4 more XRP on that exchange
        await wait_until(
            pilot,
            lambda: (row := _xrp_row(app, label)) is not None and row != xrp_before,
            2.0,
            "the XRP balance",
        )
        await pilot.press("f")
        fills = lines(app.private.fills)
        assert "FEE" in fills[0]
        assert any(shown in t and "매수" in t and " 4 " in t for t in fills[1:]), fills
        assert "Fills" in (app.private.fills.border_title or "")
        await pilot.press("o")
        await wait_until(
            pilot,
            lambda: any(shown in t and "partial" in t and "40.0%" in t for t in lines(orders)),
            2.0,
            "partial in Orders",
        )
        assert_no_secret(app)


def _xrp_row(app: MdtuiApp, label: str) -> str | None:
    for text in lines(app.private.balances):
        words = text.split()
        if len(words) > 2 and words[0] == label and words[1] == "XRP":
            return text
    return None


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_fill_while_disconnected_shows_after_reconnect(venue, demo_settings, quiet_sim):
    app = make_app(demo_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        app.feeds.private[venue].backoff.base = 1.0  # a window in which the socket is down
        key = f"{venue}:{MARKET[venue]}"
        await select(pilot, app, key)
        price = resting_price(quiet_sim, venue, "buy")
        shown = f"{price:,.0f}"
        order_id = str(quiet_sim.place_order(venue, MARKET[venue], "buy", price, "5"))
        await wait_until(pilot, lambda: ladder_mark(app, shown), 8.0, "the ladder mark")
        feeds = app.shared.model.feeds

        await quiet_sim.drop_connections(venue, channel="private")
        await wait_until(
            pilot, lambda: feeds[(venue, "private")].state == "reconnecting", 3.0, "the drop"
        )
        quiet_sim.fill_order(venue, order_id)  # fills completely while nobody listens
        await wait_until(pilot, lambda: feeds[(venue, "private")].state == "live", 8.0, "live")
        await wait_until(
            pilot,
            lambda: app.shared.account.order(venue, order_id).state == "filled",
            5.0,
            "the final order state",
        )
        await pilot.pause(0.1)
        row = next(t for t in lines(app.private.orders) if shown in t)
        assert "filled" in row and "100.0%" in row
        assert ladder_mark(app, shown) is None, "a filled order is no longer on the ladder"
        await pilot.press("f")
        await pilot.pause(0.05)
        assert any(shown in t and " 5 " in t for t in lines(app.private.fills))
        assert any("XRP/KRW" in t for t in toasts(app))


async def test_rejected_key_says_what_to_do_while_public_data_flows(demo_settings, quiet_sim):
    settings = demo_settings.model_copy(
        update={
            "korbit": demo_settings.korbit.model_copy(
                update={
                    "api_key": SecretStr(keys.KORBIT_REVOKED_API_KEY),
                    "secret_key": SecretStr(keys.KORBIT_REVOKED_SECRET),
                }
            )
        }
    )
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            pilot,
            lambda: (
                "check korbit.api_key" in app.status.render().plain
                and "● Upbit priv" in app.status.render().plain
            ),
            8.0,
            "the reason on the status line",
        )
        status = app.status.render().plain
        assert status.startswith(" ◍ Korbit private reconnecting (attempt 1: Korbit does not know")
        assert "● Korbit pub" in status
        assert any("Korbit private feed reconnecting" in t and "korbit.api_key" in t
                   for t in lines(app.private.orders))  # fmt: skip
        # public data keeps flowing, on Korbit too
        state = app.shared.model.markets
        await wait_until(pilot, lambda: "korbit:btc_krw" in state, 5.0, "a Korbit ticker")
        seq = state["korbit:btc_krw"].ticker_seq
        await wait_until(
            pilot, lambda: state["korbit:btc_krw"].ticker_seq > seq, 5.0, "Korbit tickers"
        )
        await pilot.pause(1.0)
        attempts = app.shared.model.feeds[("korbit", "private")].attempt
        assert attempts == 1, "a rejected key is not retried in a tight loop"
        assert app.shared.model.feeds[("upbit", "private")].state == "live"
        assert_no_secret(app)


async def test_without_keys_the_panes_say_how_to_configure_them(settings, sim):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.pause(0.3)
        assert app.feeds.private == {}
        for name in ("o", "f", "b"):
            await pilot.press(name)
            await pilot.pause(0.05)
            text = "\n".join(lines(app.private.shown))
            assert "upbit.access_key" in text and "MDTUI_UPBIT__ACCESS_KEY" in text
            assert "korbit.api_key" in text
            assert "mdtui --demo" in text
        status = app.status.render().plain
        assert "Upbit private off (no API keys)" in status
        assert "Korbit private off (no API keys)" in status
        assert app.ladder.book is not None, "public data flows without keys"


async def test_scope_key_and_pane_keys(demo_settings, quiet_sim):
    app = make_app(demo_settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        up = resting_price(quiet_sim, "upbit", "sell")
        kb = resting_price(quiet_sim, "korbit", "sell")
        quiet_sim.place_order("upbit", "KRW-XRP", "sell", up, "7")
        quiet_sim.place_order("korbit", "xrp_krw", "sell", kb, "9")
        orders = app.private.orders

        def rows() -> list[str]:
            return [t for t in lines(orders)[1:] if "XRP/KRW" in t]

        await wait_until(pilot, lambda: len(rows()) == 2, 8.0, "both orders")
        assert "all markets" in (orders.border_title or "")
        await select(pilot, app, "korbit:xrp_krw")
        await pilot.press("a")
        await pilot.pause(0.05)
        assert app.shared.scope == "korbit:xrp_krw"
        assert len(rows()) == 1 and rows()[0].split()[0] == "Korbit"
        assert "XRP/KRW Korbit only" in (orders.border_title or "")
        await pilot.press("b")
        await pilot.pause(0.05)
        assets = {t.split()[1] for t in lines(app.private.balances)[1:] if t.strip()}
        assert assets == {"KRW", "XRP"}
        await pilot.press("right_square_bracket")  # the scope follows the selection
        await pilot.pause(0.05)
        assert app.shared.scope == app.selected != "korbit:xrp_krw"
        await pilot.press("a", "o")
        await pilot.pause(0.05)
        assert app.shared.scope is None and len(rows()) == 2
        # Tab reaches the shown private pane
        app.board.focus()
        await pilot.press("tab", "tab", "tab")
        assert app.focused is orders
        ids = {row[3] for row in app.help_rows()}
        assert {"private.orders", "private.fills", "private.balances", "private.scope"} <= ids


async def test_replay_drives_the_private_panes(demo_settings, quiet_sim, tmp_path):
    path = tmp_path / "capture.jsonl"
    recorder = Recorder(path)
    seen: list[object] = []
    setup = private_workers(demo_settings, seen.extend, recorder)
    tasks = [asyncio.create_task(w.run()) for w in setup.workers.values()]

    async def until(predicate, what: str) -> None:
        for _ in range(200):
            if predicate():
                return
            await asyncio.sleep(0.025)
        raise AssertionError(f"timed out waiting for {what}")

    try:
        await until(lambda: all(w._state == "live" for w in setup.workers.values()), "live")
        price = resting_price(quiet_sim, "upbit", "buy")
        order_id = quiet_sim.place_order("upbit", "KRW-XRP", "buy", price, "12")
        await until(lambda: any(type(e) is Order for e in seen), "the order frame")
        quiet_sim.fill_order("upbit", order_id, "5")
        await until(lambda: any(type(e) is Fill for e in seen), "the fill frame")
    finally:
        for w, task in zip(setup.workers.values(), tasks, strict=True):
            w.stop()
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        recorder.close()

    app = make_app(demo_settings, replay=path, speed=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(pilot, lambda: app.shared.account.fills, 5.0, "the replayed fill")
        await pilot.pause(0.1)
        shown = f"{price:,.0f}"
        assert any(shown in t and "partial" in t for t in lines(app.private.orders))
        await pilot.press("f")
        await pilot.pause(0.05)
        assert any(shown in t and " 5 " in t for t in lines(app.private.fills))
        assert "Upbit private" in app.status.render().plain
