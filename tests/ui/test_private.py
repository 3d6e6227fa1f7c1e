"""The private panes against the real simulator's demo accounts over loopback: own orders
in the Orders pane and on the ladder, fills with a toast, balances, a fill while the
private socket is down, a rejected key, no keys, the scope toggle, and replay.

The simulator's demo trader is paused, so only the test places and fills orders.
"""

from __future__ import annotations

import asyncio
from decimal import Decimal

import pytest
from pydantic import SecretStr

from mdtui.feed.private_feeds import private_workers
from mdtui.feed.recorder import Recorder
from mdtui.model.events import Fill, Order
from mdtui.sim import Simulator
from mdtui.sim import demo_keys as keys
from mdtui.ui.app import MdtuiApp, make_app
from tests.support.screen import SIZE, lines, ready, screen_text, status_text, toasts
from tests.support.waiting import wait_until

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


def assert_no_secret(app: MdtuiApp) -> None:
    text = screen_text(app)
    for secret in SECRETS:
        assert secret not in text, "a secret reached the screen"


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
    await wait_until(lambda: app.ladder.book is not None, 8.0, f"the {key} book", pilot=pilot)


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
            lambda: any(shown in t for t in lines(orders)), 8.0, "the order in Orders", pilot=pilot
        )
        row = next(t for t in lines(orders) if shown in t)
        assert "XRP/KRW" in row and "open" in row and "0.0%" in row
        await wait_until(lambda: ladder_mark(app, shown), 8.0, "the ladder mark", pilot=pilot)
        assert "B 10" in ladder_mark(app, shown)
        # the header shows the feed's health until the next health check (every 0.25 s)
        await wait_until(lambda: "MINE" in lines(app.ladder)[0], 5.0, "MINE column", pilot=pilot)
        assert "MINE" in lines(app.ladder)[0]
        assert app.shared.account.order(venue, order_id).state == "open"

        # a partial fill: a row in Fills, a toast naming it, the ladder shows what remains
        label = "Upbit" if venue == "upbit" else "Korbit"
        await pilot.press("a", "b")  # this market's balances only: KRW and XRP
        xrp_before = await wait_until(
            lambda: balance_assets(app) == {"KRW", "XRP"} and _xrp_row(app, label),
            5.0,
            "this market's balances",
            pilot=pilot,
        )
        assert xrp_before is not None
        quiet_sim.fill_order(venue, order_id, "4")
        await wait_until(lambda: app.shared.account.fills, 8.0, "the fill", pilot=pilot)
        await wait_until(lambda: toasts(app), 8.0, "a toast", pilot=pilot)
        assert f"Fill: {label} XRP/KRW 매수 4 @ {shown}" in toasts(app)
        await wait_until(
            lambda: "B 6" in (ladder_mark(app, shown) or ""),
            8.0,
            "6 left on the ladder",
            pilot=pilot,
        )
        # balances changed: 4 more XRP on that exchange
        await wait_until(
            lambda: (row := _xrp_row(app, label)) is not None and row != xrp_before,
            8.0,
            "the XRP balance",
            pilot=pilot,
        )
        await pilot.press("f")
        await wait_until(
            lambda: any(shown in t and "매수" in t for t in lines(app.private.fills)[1:]),
            5.0,
            "the fill in Fills",
            pilot=pilot,
        )
        fills = lines(app.private.fills)
        assert "FEE" in fills[0]
        assert any(shown in t and "매수" in t and " 4 " in t for t in fills[1:]), fills
        assert "Fills" in (app.private.fills.border_title or "")
        await pilot.press("o")
        await wait_until(
            lambda: any(shown in t and "partial" in t and "40.0%" in t for t in lines(orders)),
            8.0,
            "partial in Orders",
            pilot=pilot,
        )
        assert_no_secret(app)


def balance_assets(app: MdtuiApp) -> set[str]:
    """The assets the Balances pane lists."""
    return {t.split()[1] for t in lines(app.private.balances)[1:] if len(t.split()) > 1}


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
        await wait_until(lambda: ladder_mark(app, shown), 8.0, "the ladder mark", pilot=pilot)
        feeds = app.shared.model.feeds

        await quiet_sim.drop_connections(venue, channel="private")
        await wait_until(
            lambda: feeds[(venue, "private")].state == "reconnecting", 8.0, "the drop", pilot=pilot
        )
        quiet_sim.fill_order(venue, order_id)  # fills completely while nobody listens
        await wait_until(
            lambda: feeds[(venue, "private")].state == "live", 8.0, "live", pilot=pilot
        )
        await wait_until(
            lambda: app.shared.account.order(venue, order_id).state == "filled",
            5.0,
            "the final order state",
            pilot=pilot,
        )
        row = await wait_until(
            lambda: next(
                (t for t in lines(app.private.orders) if shown in t and "filled" in t), None
            ),
            5.0,
            "the filled order in Orders",
            pilot=pilot,
        )
        assert "filled" in row and "100.0%" in row
        await wait_until(
            lambda: ladder_mark(app, shown) is None,
            5.0,
            "a filled order no longer on the ladder",
            pilot=pilot,
        )
        assert ladder_mark(app, shown) is None, "a filled order is no longer on the ladder"
        await pilot.press("f")
        await wait_until(
            lambda: any(shown in t and " 5 " in t for t in lines(app.private.fills)),
            5.0,
            "the fill in Fills",
            pilot=pilot,
        )
        await wait_until(
            lambda: any("XRP/KRW" in t for t in toasts(app)), 5.0, "a toast", pilot=pilot
        )
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
            lambda: (
                "check korbit.api_key" in status_text(app) and "● Upbit priv" in status_text(app)
            ),
            8.0,
            "the reason on the status line",
            pilot=pilot,
        )
        status = status_text(app)
        assert status.startswith(" ◍ Korbit private reconnecting (attempt 1: Korbit does not know")
        assert "● Korbit pub" in status
        assert any("Korbit private feed reconnecting" in t and "korbit.api_key" in t
                   for t in lines(app.private.orders))  # fmt: skip
        # public data keeps flowing, on Korbit too
        state = app.shared.model.markets
        await wait_until(lambda: "korbit:btc_krw" in state, 5.0, "a Korbit ticker", pilot=pilot)
        seq = state["korbit:btc_krw"].ticker_seq
        await wait_until(
            lambda: state["korbit:btc_krw"].ticker_seq > seq, 5.0, "Korbit tickers", pilot=pilot
        )
        await pilot.pause(1.0)  # an observation window (no retry within it), not a wait
        attempts = app.shared.model.feeds[("korbit", "private")].attempt
        assert attempts == 1, "a rejected key is not retried in a tight loop"
        assert app.shared.model.feeds[("upbit", "private")].state == "live"
        assert_no_secret(app)


async def test_without_keys_the_panes_say_how_to_configure_them(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        assert app.feeds.private == {}
        for name in ("o", "f", "b"):
            await pilot.press(name)
            await wait_until(
                lambda: "mdtui --demo" in "\n".join(lines(app.private.shown)),
                5.0,
                f"how to configure keys, in the pane of {name!r}",
                pilot=pilot,
            )
            text = "\n".join(lines(app.private.shown))
            assert "upbit.access_key" in text and "MDTUI_UPBIT__ACCESS_KEY" in text
            assert "korbit.api_key" in text
            assert "mdtui --demo" in text
        await wait_until(
            lambda: "Korbit private off" in status_text(app), 5.0, "the status", pilot=pilot
        )
        status = status_text(app)
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

        await wait_until(lambda: len(rows()) == 2, 8.0, "both orders", pilot=pilot)
        assert "all markets" in (orders.border_title or "")
        await select(pilot, app, "korbit:xrp_krw")
        await pilot.press("a")
        assert app.shared.scope == "korbit:xrp_krw"
        await wait_until(lambda: len(rows()) == 1, 5.0, "the Korbit order only", pilot=pilot)
        assert len(rows()) == 1 and rows()[0].split()[0] == "Korbit"
        assert "XRP/KRW Korbit only" in (orders.border_title or "")
        await pilot.press("b")
        await wait_until(
            lambda: balance_assets(app) == {"KRW", "XRP"},
            5.0,
            lambda: f"this market's balances only, not {balance_assets(app)}",
            pilot=pilot,
        )
        assets = {t.split()[1] for t in lines(app.private.balances)[1:] if t.strip()}
        assert assets == {"KRW", "XRP"}
        await pilot.press("right_square_bracket")  # the scope follows the selection
        assert app.shared.scope == app.selected != "korbit:xrp_krw"
        await pilot.press("a", "o")
        assert app.shared.scope is None
        await wait_until(lambda: len(rows()) == 2, 5.0, "both orders again", pilot=pilot)
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
    try:
        await wait_until(lambda: all(w._state == "live" for w in setup.workers.values()), 8.0,
                         "both private feeds live")  # fmt: skip
        price = resting_price(quiet_sim, "upbit", "buy")
        order_id = quiet_sim.place_order("upbit", "KRW-XRP", "buy", price, "12")
        await wait_until(lambda: any(type(e) is Order for e in seen), 8.0, "the order frame")
        quiet_sim.fill_order("upbit", order_id, "5")
        await wait_until(lambda: any(type(e) is Fill for e in seen), 8.0, "the fill frame")
    finally:
        for w, task in zip(setup.workers.values(), tasks, strict=True):
            w.stop()
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        recorder.close()

    app = make_app(demo_settings, replay=path, speed=0)
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: app.shared.account.fills, 8.0, "the replayed fill", pilot=pilot)
        shown = f"{price:,.0f}"
        await wait_until(
            lambda: any(shown in t and "partial" in t for t in lines(app.private.orders)),
            5.0,
            "the partial order in Orders",
            pilot=pilot,
        )
        assert any(shown in t and "partial" in t for t in lines(app.private.orders))
        await pilot.press("f")
        await wait_until(
            lambda: any(shown in t and " 5 " in t for t in lines(app.private.fills)),
            5.0,
            "the fill in Fills",
            pilot=pilot,
        )
        assert any(shown in t and " 5 " in t for t in lines(app.private.fills))
        # the status line is rebuilt every HEALTH_EVERY (0.25 s): wait for it, never a while
        await wait_until(
            lambda: "Upbit private" in status_text(app),
            5.0,
            lambda: f"the private feed on the status line, not {status_text(app)!r}",
            pilot=pilot,
        )
        assert "Upbit private" in status_text(app)
