"""The Upbit-Korbit gap: the arithmetic (pure), the board's GAP% column, its colours and its
sort, and the gap line of the selected coin, against hand-made market lists, tickers and
books (the simulator: ``test_gap_live.py``)."""

from __future__ import annotations

from decimal import Decimal as D

from rich.cells import cell_len
from rich.style import Style

from mdtui.display import gap
from mdtui.display.catalog import Catalog
from mdtui.model.events import FeedState, Ticker
from mdtui.ui.app import make_app
from mdtui.venues.markets import MarketInfo
from tests.support.events import NOW, T0, book, feed, ticker
from tests.support.screen import SIZE, lines
from tests.support.waiting import wait_until


def info(venue: str, market: str, active: bool = True) -> MarketInfo:
    if venue == "upbit":
        quote, _, base = market.partition("-")
    else:
        base, _, quote = market.upper().partition("_")
    return MarketInfo(venue, market, base, quote, base, base.title(), active=active)


UPBIT = [
    info("upbit", m)
    for m in ("KRW-BTC", "KRW-ETH", "KRW-XRP", "KRW-SOL", "KRW-DOGE", "KRW-ADA", "BTC-ETH")
]
KORBIT = [
    info("korbit", m) for m in ("btc_krw", "eth_krw", "xrp_krw", "sol_krw", "usdt_krw", "trx_krw")
] + [info("korbit", "ada_krw", active=False)]


def catalog() -> Catalog:
    cat = Catalog()
    cat.add_infos("upbit", UPBIT)
    cat.add_infos("korbit", KORBIT)
    return cat


def quoted(venue: str, market: str, last: str, bid: str | None, ask: str | None) -> Ticker:
    """A ticker with a best bid and ask, as Korbit's carry them."""
    t = ticker(venue, market, last)
    return Ticker(
        venue, market, t.last, t.prev_close, t.change, t.change_pct, t.open, t.high, t.low,
        t.volume_24h, t.value_24h, D(bid) if bid else None, D(ask) if ask else None, T0, False,
    )  # fmt: skip


# -- the arithmetic -------------------------------------------------------------------------


def test_twins_pair_the_same_coin_in_the_same_quote_only():
    twin = gap.twins(catalog())
    assert twin["upbit:KRW-BTC"] == "korbit:btc_krw" and twin["korbit:btc_krw"] == "upbit:KRW-BTC"
    assert twin["upbit:KRW-ETH"] == "korbit:eth_krw"
    assert "upbit:BTC-ETH" not in twin  # ETH in BTC on Upbit, in KRW on Korbit: never compared
    assert "upbit:KRW-DOGE" not in twin and "korbit:trx_krw" not in twin  # one exchange only
    assert "upbit:KRW-ADA" not in twin  # Korbit's ADA pair is stopped
    assert gap.upbit_korbit("korbit:btc_krw", twin) == ("upbit:KRW-BTC", "korbit:btc_krw")
    assert gap.upbit_korbit("upbit:KRW-BTC", twin) == ("upbit:KRW-BTC", "korbit:btc_krw")
    assert gap.upbit_korbit("upbit:KRW-DOGE", twin) is None


def test_the_gap_is_korbit_against_upbit_exactly_and_the_same_on_both_rows():
    twin = gap.twins(catalog())
    tickers = {
        "upbit:KRW-BTC": ticker("upbit", "KRW-BTC", "145000000"),
        "korbit:btc_krw": ticker("korbit", "btc_krw", "145100000"),
        "upbit:KRW-ETH": ticker("upbit", "KRW-ETH", "3"),
        "korbit:eth_krw": ticker("korbit", "eth_krw", "2"),
        "upbit:KRW-XRP": ticker("upbit", "KRW-XRP", "3000.00000001"),
        "korbit:xrp_krw": ticker("korbit", "xrp_krw", "3000"),
    }
    btc = gap.gap_pct("upbit:KRW-BTC", twin, tickers.get)
    assert btc == gap.gap_pct("korbit:btc_krw", twin, tickers.get)
    # 100,000 / 145,000,000 = 0.0689655172413793103448275862068965...: one division, to
    # 28 significant digits (the same number a float would give only to about 16)
    assert btc == D("0.06896551724137931034482758621")
    assert gap.gap_pct("korbit:eth_krw", twin, tickers.get) == D(-100) / 3  # Korbit cheaper
    # a hundred-millionth of a won is not lost in a "k / u - 1"
    assert gap.gap_pct("upbit:KRW-XRP", twin, tickers.get) == D("-1E-8") * 100 / D("3000.00000001")
    assert gap.gap_pct("upbit:KRW-XRP", twin, tickers.get) < 0
    assert gap.gap_pct("upbit:KRW-SOL", twin, tickers.get) is None  # no prices yet
    assert gap.gap_pct("upbit:KRW-DOGE", twin, tickers.get) is None  # Upbit only
    assert gap.gap_pct("upbit:BTC-ETH", twin, tickers.get) is None  # no twin in BTC
    assert gap.premium(D(5), D(0)) is None


def test_the_gap_grows_warmer_with_its_size_either_way():
    alert = D(1)
    assert [gap.level(D(pct), alert) for pct in ("0", "0.09", "-0.1", "0.49", "-0.5")] == [
        0,
        0,
        1,
        1,
        2,
    ]
    assert [gap.level(D(pct), alert) for pct in ("0.99", "1", "-1", "37")] == [2, 3, 3, 3]
    assert gap.level(D("0.3"), D("0.3")) == 3 and gap.level(D("0.29"), D("0.3")) == 2


def test_the_executable_gap_both_ways():
    up, kb = gap.routes((D("100000000"), D("100001000")), (D("101000000"), D("101002000")))
    assert (up.buy_venue, up.sell_venue, kb.buy_venue, kb.sell_venue) == (
        "upbit",
        "korbit",
        "korbit",
        "upbit",
    )
    assert up.diff == D(999000) and up.pct == D(999000) * 100 / D(100001000)  # sell 101,000,000
    assert kb.diff == D(-1002000) and kb.pct == D(-1002000) * 100 / D(101002000)
    exact = gap.routes((D("0.00000001"), D("0.00000003")), (D("0.00000002"), D("0.00000004")))
    assert exact[0].diff == D("-0.00000001") and exact[1].diff == D("-0.00000003")
    missing = gap.routes((None, D(5)), (D(6), None))
    assert missing[0].diff == D(1) and missing[1].diff is None and missing[1].pct is None


# -- the board and the gap line -------------------------------------------------------------

WATCH = ["upbit:KRW-BTC", "upbit:KRW-ETH", "upbit:KRW-XRP", "upbit:KRW-SOL", "upbit:KRW-DOGE"]
WATCH += ["korbit:btc_krw", "korbit:eth_krw", "korbit:xrp_krw", "korbit:sol_krw"]
PRICES = {  # Upbit, Korbit: +1% (alert), +0.2% (mild), +0.0333% (quiet), -0.6% (warm)
    "BTC": ("100000000", "101000000"),
    "ETH": ("5000000", "5010000"),
    "XRP": ("3000", "3001"),
    "SOL": ("200000", "198800"),
}


def app_for(settings, alert: str | None = None):
    update: dict[str, object] = {"watchlist": WATCH, "stale_after": 2.0}
    if alert is not None:
        update["gap_alert_pct"] = D(alert)
    return make_app(settings.model_copy(update=update), start_feeds=False, clock=lambda: NOW)


def fed(app) -> None:
    app._markets_listed({"upbit": UPBIT, "korbit": KORBIT})
    events = [ticker("upbit", "KRW-DOGE", "310")]
    for coin, (upbit, korbit) in PRICES.items():
        events += [
            ticker("upbit", f"KRW-{coin}", upbit),
            quoted("korbit", f"{coin.lower()}_krw", korbit, None, None),
        ]
    feed(app, events)


def row_of(app, market: str) -> str:
    return next(t for t in lines(app.board) if f" {market} " in t)


def gap_cell(app, y: int) -> tuple[str, Style | None]:
    """The GAP% cell of the board's ``y``-th line: its text and the style of its last cell."""
    end = lines(app.board)[0].index("GAP%") + 3  # right-aligned, like its values
    cells: list[tuple[str, Style | None]] = []
    for segment in app.board.render_line(y):
        for char in segment.text:  # a wide character takes two cells
            cells += [(char, segment.style)] + [("", segment.style)] * (cell_len(char) - 1)
    text = "".join(c for c, _ in cells[end - 6 : end + 1]).strip()
    return text, cells[end][1]


async def test_the_column_shows_the_gap_on_both_rows_of_a_coin_coloured_by_size(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        await wait_until(lambda: "+1.00%" in row_of(app, "BTC/KRW"), 5.0, "the gap", pilot=pilot)
        board, p = app.board, app.board.palette
        texts = lines(board)
        assert "GAP%" in texts[0]
        rows = {t.split()[0] + " " + t.split()[1]: y for y, t in enumerate(texts) if y}
        expect = {"BTC/KRW": ("+1.00%", 3), "ETH/KRW": ("+0.20%", 1)}
        expect |= {"XRP/KRW": ("+0.03%", 0), "SOL/KRW": ("-0.60%", 2)}
        for symbol, (text, level) in expect.items():
            for venue in ("Upbit", "Korbit"):
                y = rows[f"{venue} {symbol}"]
                shown, style = gap_cell(app, y)
                assert shown == text, (venue, symbol, shown)
                if app.selected != ("upbit:KRW-BTC" if venue == "Upbit" else "korbit:btc_krw"):
                    assert style == p.gap[level], (venue, symbol)
        assert p.gap[3].bgcolor != p.base.bgcolor and p.gap[3].bold  # highlighted
        assert gap_cell(app, rows["Upbit DOGE/KRW"])[0] == ""  # Upbit only: nothing


async def test_the_threshold_is_a_setting(base_settings):
    app = app_for(base_settings, alert="0.5")
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        await wait_until(lambda: "-0.60%" in row_of(app, "SOL/KRW"), 5.0, "the gap", pilot=pilot)
        y = next(y for y, t in enumerate(lines(app.board)) if "Korbit SOL/KRW" in t)
        assert gap_cell(app, y) == ("-0.60%", app.board.palette.gap[3])


async def test_the_watchlist_sorts_by_the_gap_either_way(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        await wait_until(lambda: "+1.00%" in row_of(app, "BTC/KRW"), 5.0, "the gap", pilot=pilot)
        for _ in range(4):  # from watchlist order: change, value, name, gap
            await pilot.press("s")
        assert app.board.sort == "gap"
        assert "GAP%▼" in lines(app.board)[0]
        assert app.board.order == [
            "upbit:KRW-BTC", "korbit:btc_krw", "upbit:KRW-SOL", "korbit:sol_krw",
            "upbit:KRW-ETH", "korbit:eth_krw", "upbit:KRW-XRP", "korbit:xrp_krw",
            "upbit:KRW-DOGE",
        ]  # fmt: skip
        await pilot.press("s")
        assert app.board.sort == "watchlist" and app.board.order == WATCH


def gap_lines(app) -> list[str]:
    return [t.rstrip() for t in lines(app._gap_line)]


async def test_the_gap_line_shows_both_books_and_the_executable_gap_both_ways(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        fed(app)
        # Korbit's socket is live: its data is old but not stale until the socket drops
        app.shared.model.apply([FeedState("korbit", "public", "live", 0, "")], 0)
        feed(
            app,
            [
                book("upbit", "KRW-BTC", "100000000", "1000"),  # the selected market's book
                quoted("korbit", "btc_krw", "101000000", "101000000", "101002000"),
            ],
            now_ms=int(NOW * 1000) - 9000,
        )
        want = [
            " BTC/KRW     Upbit   bid 100,000,000  ask 100,001,000   buy Upbit → sell Korbit"
            "    +999,000 KRW  +1.00%",
            " GAP +1.00%  Korbit  bid 101,000,000  ask 101,002,000   buy Korbit → sell Upbit"
            "  -1,002,000 KRW  -0.99%",
        ]
        await wait_until(
            lambda: gap_lines(app) == want, 5.0, lambda: f"{gap_lines(app)}", pilot=pilot
        )
        # the way that pays is warm, the other quiet
        p = app._gap_line.palette
        styles = {seg.text.strip(): seg.style for seg in app._gap_line.render_line(0)}
        assert styles["+1.00%"] == p.gap[3] and styles["+999,000"] == p.gap[3]
        styles = {seg.text.strip(): seg.style for seg in app._gap_line.render_line(1)}
        assert styles["-0.99%"] == p.muted
        # Korbit's feed goes stale: its row says so, and no route shows as live
        app.shared.model.apply(
            [FeedState("korbit", "public", "reconnecting", 7, "cannot resolve host")], 0
        )
        await wait_until(
            lambda: gap_lines(app)[1].endswith("stale"),
            5.0,
            lambda: f"{gap_lines(app)} {app.shared.stale}",
            pilot=pilot,
        )
        styles = {seg.text.strip(): seg.style for seg in app._gap_line.render_line(0)}
        assert styles["+1.00%"] == p.stale
        # a coin on Upbit only, and a coin Korbit lists in another quote only
        await pilot.press("end")
        assert app.selected == "korbit:sol_krw"
        await pilot.press("k", "k", "k", "k")
        assert app.selected == "upbit:KRW-DOGE"
        await wait_until(
            lambda: (
                gap_lines(app) == [" DOGE/KRW is not listed on Korbit: no Upbit-Korbit gap", ""]
            ),
            5.0,
            lambda: f"{gap_lines(app)}",
            pilot=pilot,
        )
        app.goto_market("upbit:BTC-ETH")
        await wait_until(
            lambda: gap_lines(app) == [" ETH/BTC is not listed on Korbit: no Upbit-Korbit gap", ""],
            5.0,
            lambda: f"{gap_lines(app)}",
            pilot=pilot,
        )


async def test_the_gap_line_drops_words_not_numbers_on_narrow_screens(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=(80, 24)) as pilot:
        fed(app)
        feed(
            app,
            [
                book("upbit", "KRW-BTC", "100000000", "1000"),
                quoted("korbit", "btc_krw", "101000000", "101000000", "101002000"),
            ],
        )
        want = [
            " Upbit   bid 100,000,000  ask 100,001,000   Upbit→Korbit    +999,000 KRW  +1.00%",
            " Korbit  bid 101,000,000  ask 101,002,000   Korbit→Upbit  -1,002,000 KRW  -0.99%",
        ]
        await wait_until(
            lambda: gap_lines(app) == want, 5.0, lambda: f"{gap_lines(app)}", pilot=pilot
        )
        await pilot.resize_terminal(60, 24)
        want = [
            " Upbit   100,000,000 100,001,000  →Korbit    +999,000 +1.00%",
            " Korbit  101,000,000 101,002,000  →Upbit   -1,002,000 -0.99%",
        ]
        await wait_until(
            lambda: gap_lines(app) == want, 5.0, lambda: f"{gap_lines(app)}", pilot=pilot
        )
        await pilot.resize_terminal(60, 18)  # the ladder needs the rows: the gap line leaves
        await wait_until(lambda: not app._gap_line.region.height, 5.0, "no gap line", pilot=pilot)


def test_without_the_market_lists_markets_are_known_by_their_codes():
    cat = Catalog()  # a replay: no lists, only the markets its frames name
    for key in ("upbit:KRW-BTC", "korbit:btc_krw", "upbit:BTC-ETH", "korbit:eth_krw"):
        cat.entry(key)
    assert gap.twins(cat) == {"upbit:KRW-BTC": "korbit:btc_krw", "korbit:btc_krw": "upbit:KRW-BTC"}
    cat.add_infos("korbit", [info("korbit", "eth_krw")])  # Korbit's list: BTC not on it
    assert gap.twins(cat) == {}


async def test_a_replay_shows_the_gap_of_the_markets_it_holds(base_settings, tmp_path):
    app = make_app(
        base_settings, replay=tmp_path / "none.jsonl", start_feeds=False, clock=lambda: NOW
    )
    async with app.run_test(size=SIZE) as pilot:
        feed(
            app, [ticker("upbit", "KRW-BTC", "100000000"), ticker("korbit", "btc_krw", "99000000")]
        )
        await wait_until(
            lambda: len(app.watchlist) == 2 and "-1.00%" in lines(app.board)[1],
            5.0,
            lambda: f"{lines(app.board)[:3]}",
            pilot=pilot,
        )
        assert "GAP%" in lines(app.board)[0]
