"""The private panes, the ladder's own-order marks, fill toasts and the status line against
hand-made private events (no feeds)."""

from __future__ import annotations

from textual.geometry import Region

from mdtui.feed.private_feeds import KEY_HELP
from mdtui.model.events import FeedState
from mdtui.ui import app as app_module
from mdtui.ui.app import make_app
from tests.support.events import NOW, T0, book, feed, fill, order
from tests.support.screen import SIZE, caught_up, lines, status_text
from tests.support.waiting import wait_until


def app_for(settings, **kw):
    return make_app(settings, start_feeds=False, clock=lambda: NOW, **kw)


async def test_own_orders_mark_the_ladder_and_repaint_only_their_row(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        feed(app, [book("upbit", "KRW-BTC", "145200000", "1000")])
        await wait_until(lambda: app.ladder.shown, 5.0, "the book", pilot=pilot)
        assert "MINE" not in lines(app.ladder)[0], "no column without own orders"
        account = app.shared.account
        account.apply([order("upbit", "KRW-BTC", "o1", "buy", "145199000", "0.02")])
        await wait_until(lambda: "MINE" in lines(app.ladder)[0], 5.0, "the column", pilot=pilot)
        text = lines(app.ladder)
        assert "MINE" in text[0]
        row = next(t for t in text if t.lstrip("▶").startswith("145,199,000"))
        assert row.startswith("▶") and "B 0.02000" in row
        spread = next(i for i, t in enumerate(text) if "spread" in t)
        assert text.index(row) == spread + 2, "the second bid level"
        mark_style = app.ladder.render_line(text.index(row))._segments[0].style
        assert mark_style.color == app.ladder.palette.own.color

        # another order at another level, then a partial fill: one row repaints each time
        painted: list[Region | None] = []
        original = app.ladder.refresh

        def spy(*regions, **kw):
            painted.append(regions[0] if regions else None)
            return original(*regions, **kw)

        app.ladder.refresh = spy  # type: ignore[method-assign]
        account.apply([order("upbit", "KRW-BTC", "o2", "sell", "145203000", "0.01")])
        await wait_until(lambda: painted, 5.0, "a repaint", pilot=pilot)
        await caught_up(pilot, app)
        assert painted and None not in painted
        assert {r.y for r in painted if r is not None} == {spread - 3}
        painted.clear()
        account.apply(
            [order("upbit", "KRW-BTC", "o1", "buy", "145199000", "0.02", "0.015", "partial")]
        )
        await wait_until(lambda: painted, 5.0, "a repaint", pilot=pilot)
        await caught_up(pilot, app)
        assert {r.y for r in painted if r is not None} == {spread + 2} and None not in painted
        assert "B 0.00500" in lines(app.ladder)[spread + 2]
        # an order on another market changes nothing here
        painted.clear()
        account.apply([order("upbit", "KRW-ETH", "o3", "buy", "5000000", "1")])
        await caught_up(pilot, app)
        assert painted == []


async def test_orders_open_first_then_closed_with_ages(base_settings):
    app = app_for(base_settings)
    now = int(NOW * 1000)
    async with app.run_test(size=SIZE) as pilot:
        app.shared.account.apply(
            [
                order("upbit", "KRW-BTC", "a", "buy", "145000000", "0.1", ts=now - 75_000),
                order("korbit", "eth_krw", "b", "sell", "5200000", "2", "2", "filled",
                      ts=now - 5_000),
                order("upbit", "KRW-XRP", "c", "sell", "3100", "100", "40", "partial",
                      ts=now - 12_000),
            ]
        )  # fmt: skip
        await wait_until(
            lambda: "Orders 2 open" in (app.private.orders.border_title or ""),
            5.0,
            "the orders",
            pilot=pilot,
        )
        text = lines(app.private.orders)
        assert text[0].split()[:4] == ["EXCH", "MARKET", "SIDE", "TYPE"]
        rows = [t.split() for t in text[1:4]]
        assert [r[1] for r in rows] == ["XRP/KRW", "BTC/KRW", "ETH/KRW"]
        assert rows[0][-2:] == ["partial", "12s"] and "40.0%" in rows[0]
        assert rows[1][-2:] == ["open", "1m15s"]
        assert rows[2][-2:] == ["filled", "5.0s"] and "100.0%" in rows[2]
        assert "Orders 2 open" in (app.private.orders.border_title or "")


async def test_fill_toasts_name_the_fill_are_capped_and_ring_when_asked(base_settings, monkeypatch):
    # toasts in one window count together: one long enough for a loaded machine to stay
    # within it between the first fill and the batch
    monkeypatch.setattr(app_module, "FILL_TOAST_WINDOW", 2.0)
    settings = base_settings.model_copy(update={"bell_on_fill": True, "names": "english"})
    app = app_for(settings)
    bells: list[int] = []
    async with app.run_test(size=SIZE) as pilot:
        app.bell = lambda: bells.append(1)  # type: ignore[method-assign]
        sink = app.feeds.private_sink
        first = fill("upbit", "KRW-BTC", "o1", "t1", "buy", "145200000", "0.01")
        sink([FeedState("upbit", "private", "live"), first])
        await wait_until(lambda: app._notifications, 5.0, "the toast", pilot=pilot)
        messages = [n.message for n in app._notifications]
        assert messages == ["Upbit BTC/KRW BUY 0.01000 @ 145,200,000"]
        assert bells == [1]
        sink([first])  # the same fill again (a reconnect's catch-up) is not news
        await caught_up(pilot, app)
        assert len(list(app._notifications)) == 1 and bells == [1]
        sink([FeedState("korbit", "private", "live")])
        sink([fill("korbit", "xrp_krw", f"o{i}", f"t{i}", "sell", "3100", "10", T0 + i)
              for i in range(2, 8)])  # fmt: skip
        await caught_up(pilot, app)
        assert len(list(app._notifications)) == 4, "at most four toasts at once"
        await wait_until(
            lambda: any("3 more fills on Korbit" in n.message for n in app._notifications),
            10.0,
            "the summary toast",
            pilot=pilot,
        )
        assert "Fills +7" in (app.private.orders.border_title or "")
        await pilot.press("f")
        await wait_until(
            lambda: len([t for t in lines(app.private.fills)[1:] if t.strip()]) == 7,
            5.0,
            "7 fills",
            pilot=pilot,
        )
        assert len([t for t in lines(app.private.fills)[1:] if t.strip()]) == 7
        assert "Fills +" not in (app.private.fills.border_title or "")


async def test_status_line_puts_an_actionable_reason_first(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        hint = "Korbit rejected the signature: check korbit.secret_key or the private key file"
        app.shared.private_missing = {"upbit": KEY_HELP["upbit"]}
        app.shared.model.apply(
            [
                FeedState("upbit", "public", "live"),
                FeedState("korbit", "public", "live"),
                FeedState("korbit", "private", "reconnecting", 1, hint),
            ],
            int(NOW * 1000),
        )
        await wait_until(lambda: hint in status_text(app), 5.0, "the reason", pilot=pilot)
        status = status_text(app)
        assert status.startswith(f" ◍ Korbit private reconnecting (attempt 1: {hint})"), status
        assert "● Upbit pub" in status and "Upbit priv no keys" in status
        await wait_until(
            lambda: any(hint in t for t in lines(app.private.orders)), 5.0, "the hint", pilot=pilot
        )
        assert any(hint in t for t in lines(app.private.orders))
        assert any("upbit.access_key" in t for t in lines(app.private.orders))
        app.shared.model.apply([FeedState("korbit", "private", "live")], int(NOW * 1000))
        await wait_until(
            lambda: "Korbit private live" in status_text(app), 5.0, "live", pilot=pilot
        )
        status = status_text(app)
        assert status.startswith(" ● Upbit public live")
        assert "Upbit private off (no API keys)" in status and "Korbit private live" in status
        await wait_until(
            lambda: not any(hint in t for t in lines(app.private.orders)),
            5.0,
            "the hint gone from Orders",
            pilot=pilot,
        )
        assert not any(hint in t for t in lines(app.private.orders))
