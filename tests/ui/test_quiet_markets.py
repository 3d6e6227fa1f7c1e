"""Issue 10, items 3 and 4, end to end: the real app against the real simulator.

A bad market never costs a good one (unknown, delisted or refused markets stay on the
board, marked, and out of the subscription), and quiet is not live (a stalled market, a
silent socket and late timestamps show as delayed, on the board and the status line).
"""

from __future__ import annotations

import json
import time

import pytest

from mdtui.demo import point_at
from mdtui.settings import Settings
from mdtui.sim import Simulator
from mdtui.ui.app import MdtuiApp, make_app
from tests.support.screen import SIZE, lines, status_text
from tests.support.sim_client import StartSim
from tests.support.waiting import wait_until

GOOD = [
    "upbit:KRW-BTC",
    "upbit:KRW-ETH",
    "upbit:KRW-XRP",
    "korbit:btc_krw",
    "korbit:eth_krw",
    "korbit:xrp_krw",
]
UNKNOWN = ["upbit:KRW-NOTACOIN", "korbit:zzz_krw"]
WATCHLIST = [GOOD[0], UNKNOWN[0], *GOOD[1:4], UNKNOWN[1], *GOOD[4:]]
"""The issue's watchlist: the two unknown codes among valid ones."""


def with_watchlist(settings: Settings, watchlist: list[str], **more: object) -> Settings:
    return settings.model_copy(update={"watchlist": watchlist, **more})


def row(app: MdtuiApp, key: str) -> str:
    """The board line of ``key``."""
    return lines(app.board)[1 + app.board.order.index(key)]


def priced(app: MdtuiApp, key: str) -> bool:
    """The row shows a live last price (digits, not "loading…", not a note)."""
    state = app.shared.model.markets.get(key)
    if state is None or state.ticker is None or key in app.shared.notes:
        return False
    return f"{state.ticker.last:,}".split(".")[0] in row(app, key)


async def test_unknown_markets_are_marked_and_the_rest_is_live_within_five_seconds(
    settings: Settings,
) -> None:
    app = make_app(with_watchlist(settings, WATCHLIST))
    started = time.monotonic()
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: all(priced(app, key) for key in GOOD),
            5.0,
            lambda: f"live prices for every valid market; board: {lines(app.board)}",
            pilot=pilot,
        )
        await wait_until(
            lambda: all(key in app.shared.notes for key in UNKNOWN),
            5.0 - (time.monotonic() - started) + 0.5,
            "the unknown markets marked",
            pilot=pilot,
        )
        assert "not listed on Upbit" in row(app, "upbit:KRW-NOTACOIN")
        assert "not listed on Korbit" in row(app, "korbit:zzz_krw")
        assert "loading" not in "".join(lines(app.board))
        assert "2 not subscribed" not in status_text(app)
        assert "1 not subscribed" in status_text(app)  # one per exchange
        for venue, code in (("upbit", "KRW-NOTACOIN"), ("korbit", "zzz_krw")):
            assert code not in app.workers_by_venue[venue].streaming.codes()

        # selected, the ladder and tape say so instead of waiting for a book
        app.select_market("korbit:zzz_krw")
        await wait_until(
            lambda: any("not listed on Korbit" in text for text in lines(app.ladder)),
            5.0,
            "the ladder's note",
            pilot=pilot,
        )
        assert not any("waiting" in text for text in lines(app.ladder) + lines(app.tape))


async def test_codes_the_exchange_refuses_are_found_without_market_lists(
    live_sim: Simulator, settings: Settings
) -> None:
    """No market list (the REST calls fail): the subscription goes out with the unknown
    codes, each exchange refuses it, and the app finds the code and subscribes the rest."""
    live_sim.refuse_rest("/v1/market/all", count=100)
    live_sim.refuse_rest("/v2/currencyPairs", count=100)
    app = make_app(with_watchlist(settings, WATCHLIST))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: all(priced(app, key) for key in GOOD),
            5.0,
            lambda: f"live prices for every valid market; board: {lines(app.board)}",
            pilot=pilot,
        )
        await wait_until(
            lambda: all(key in app.shared.notes for key in UNKNOWN), 5.0, "marked", pilot=pilot
        )
        assert app.shared.catalog.loaded == set(), "the lists really are missing"
        assert "refused by Upbit (INVALID_PARAM)" in row(app, "upbit:KRW-NOTACOIN")
        assert "refused by Korbit (INVALID_SYMBOL)" in row(app, "korbit:zzz_krw")
        assert all(w.stats.connects == 1 for w in app.workers_by_venue.values())


async def test_a_watchlist_saved_before_markets_were_delisted(
    live_sim: Simulator, settings: Settings, tmp_path, monkeypatch
) -> None:
    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path))
    configured = list(settings.watchlist)
    saved = [*GOOD, "upbit:KRW-DOGE", "korbit:klay_krw", "korbit:doge_krw"]
    path = tmp_path / "mdtui" / "watchlist.json"
    path.parent.mkdir()
    path.write_text(json.dumps({"configured": configured, "watchlist": saved}))
    live_sim.delist("upbit", "KRW-DOGE")  # since the watchlist was saved
    live_sim.delist("korbit", "doge_krw")
    app = make_app(settings, save_watchlist=True)
    assert app.watchlist == saved
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: all(priced(app, key) for key in GOOD),
            5.0,
            lambda: f"live prices for the listed markets; board: {lines(app.board)}",
            pilot=pilot,
        )
        await wait_until(
            lambda: (
                {"upbit:KRW-DOGE", "korbit:klay_krw", "korbit:doge_krw"} <= app.shared.notes.keys()
            ),
            5.0,
            "the delisted markets marked",
            pilot=pilot,
        )
        assert "not listed on Upbit" in row(app, "upbit:KRW-DOGE")  # Upbit lists no status
        assert "delisted on Korbit" in row(app, "korbit:doge_krw")  # Korbit says "stopped"
        assert "delisted on Korbit" in row(app, "korbit:klay_krw")
        assert app.watchlist == saved, "kept on the board"
        korbit = app.workers_by_venue["korbit"].streaming.codes()
        assert "klay_krw" not in korbit and "doge_krw" not in korbit


@pytest.mark.parametrize("venue, key", [("upbit", "upbit:KRW-ETH"), ("korbit", "korbit:eth_krw")])
async def test_a_stalled_market_shows_delayed_while_its_socket_stays_connected(
    live_sim: Simulator, settings: Settings, venue: str, key: str
) -> None:
    after = 1.5
    app = make_app(with_watchlist(settings, GOOD, delayed_after=after))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(lambda: all(priced(app, k) for k in GOOD), 8.0, "live", pilot=pilot)
        symbol = app.shared.catalog.entry(key).symbol
        markets = app.shared.model.markets
        await wait_until(lambda: markets[key].gap_ms, 8.0, "the market's pace", pilot=pilot)
        assert not app.shared.notes
        live_sim.stall_market(venue, key.partition(":")[2], 60)  # type: ignore[arg-type]
        await wait_until(
            lambda: "delayed" in row(app, key), 15.0, f"{key} delayed on the board", pilot=pilot
        )
        note = app.shared.notes[key]
        assert note.detail.startswith("no update for")
        assert f"delayed {symbol}" in status_text(app)
        others = [k for k in GOOD if k != key]
        assert not any(k in app.shared.notes for k in others), "only the stalled market"
        assert all(w.stats.connects == 1 for w in app.workers_by_venue.values())
        assert app.shared.model.feeds[(venue, "public")].state == "live"

        app.select_market(key)
        await wait_until(
            lambda: any("DELAYED" in text for text in lines(app.ladder) + lines(app.tape)),
            5.0,
            "the ladder and tape say delayed",
            pilot=pilot,
        )
        live_sim.stall_market(venue, key.partition(":")[2], 0)  # type: ignore[arg-type]
        await wait_until(lambda: key not in app.shared.notes, 10.0, "live again", pilot=pilot)
        await wait_until(lambda: "delayed" not in status_text(app), 5.0, "status", pilot=pilot)


async def test_a_connected_socket_without_data_is_not_live(
    live_sim: Simulator, settings: Settings
) -> None:
    live_sim.stall_market("korbit", "eth_krw", 60)  # before the first subscription
    # SUI is not on Korbit: nothing else is streamed there (no twin for a gap)
    app = make_app(with_watchlist(settings, ["upbit:KRW-SUI", "korbit:eth_krw"], delayed_after=1))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: "Korbit public delayed (no data for" in status_text(app),
            15.0,
            lambda: f"the status line to say so: {status_text(app)}",
            pilot=pilot,
        )
        assert "no data for" in app.shared.notes["korbit:eth_krw"].detail
        assert "delayed" in row(app, "korbit:eth_krw")
        assert app.workers_by_venue["korbit"].stats.connects == 1
        assert "upbit:KRW-SUI" not in app.shared.notes


async def test_late_timestamps_are_delayed_once_the_clock_offset_is_out(
    start_sim: StartSim, base_settings: Settings
) -> None:
    """Korbit's clock runs 30 s behind ours: its frames' times are 30 s "old", which is
    the offset (read from its Date), not a delay. Then its frames fall 20 s behind its
    own clock: that is a delay."""
    sim = await start_sim(seed=7)
    sim.set_clock_skew(-30_000)
    settings = point_at(base_settings, sim.http_url)
    app = make_app(with_watchlist(settings, ["korbit:btc_krw", "korbit:eth_krw"], delayed_lag=3))
    async with app.run_test(size=SIZE) as pilot:
        await wait_until(
            lambda: (
                "korbit" in app.feeds.clock_offsets
                and all(priced(app, k) for k in ("korbit:btc_krw", "korbit:eth_krw"))
            ),
            8.0,
            "live prices and the clock offset",
            pilot=pilot,
        )
        assert -31_000 < app.feeds.clock_offsets["korbit"] < -29_000
        seq = app.shared.model.seq
        await wait_until(lambda: app.shared.model.seq > seq + 20, 10.0, "more data", pilot=pilot)
        assert not app.shared.notes, "an offset is not a delay"

        sim.set_clock_skew(-50_000)  # the exchange now stamps its data 20 s late
        await wait_until(
            lambda: "korbit:btc_krw" in app.shared.notes, 10.0, "delayed by lag", pilot=pilot
        )
        assert "behind the clock" in app.shared.notes["korbit:btc_krw"].detail
        assert "delayed" in row(app, "korbit:btc_krw")
