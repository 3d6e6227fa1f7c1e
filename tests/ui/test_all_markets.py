"""The all-markets board: which markets it lists, how it sorts and filters (pure), and the
board itself in the app, against hand-made market lists and tickers and against the
simulator's real lists and streams."""

from __future__ import annotations

from decimal import Decimal as D

from mdtui.display import all_markets, gap
from mdtui.display.all_markets import View
from mdtui.display.catalog import Catalog
from mdtui.model.events import Ticker
from mdtui.ui.app import make_app
from mdtui.venues.markets import MarketInfo
from tests.support.events import NOW, T0, feed, ticker
from tests.support.screen import SIZE, lines, ready
from tests.support.waiting import wait_until


def info(venue: str, market: str, korean: str = "", **flags: bool) -> MarketInfo:
    if venue == "upbit":
        quote, _, base = market.partition("-")
    else:
        base, _, quote = market.upper().partition("_")
    return MarketInfo(venue, market, base, quote, korean or base, base.title(), **flags)


UPBIT = [
    info("upbit", "KRW-BTC", "비트코인"),
    info("upbit", "KRW-ETH", "이더리움"),
    info("upbit", "KRW-ZETA", "제타체인", warning=True),
    info("upbit", "KRW-MEME", "밈코인", caution=True),
    info("upbit", "BTC-ETH", "이더리움"),
    info("upbit", "USDT-BTC", "비트코인"),
]
KORBIT = [
    info("korbit", "btc_krw", "비트코인"),
    info("korbit", "eth_krw", "이더리움"),
    info("korbit", "sol_krw", "솔라나"),
    info("korbit", "old_krw", "올드", active=False),
]


def catalog() -> Catalog:
    cat = Catalog()
    cat.add_infos("upbit", UPBIT)
    cat.add_infos("korbit", KORBIT)
    return cat


def tick(venue: str, market: str, last: str, pct: str, value: str) -> Ticker:
    t = ticker(venue, market, last, pct)
    return Ticker(
        venue, market, t.last, t.prev_close, t.change, D(pct), t.open, t.high, t.low,
        t.volume_24h, D(value), None, None, T0, False,
    )  # fmt: skip


def test_listed_markets_per_exchange_and_quote():
    cat = catalog()
    both = all_markets.listed(cat, View())
    assert set(both) == {
        "upbit:KRW-BTC", "upbit:KRW-ETH", "upbit:KRW-ZETA", "upbit:KRW-MEME",
        "korbit:btc_krw", "korbit:eth_krw", "korbit:sol_krw",
    }  # fmt: skip
    assert "korbit:old_krw" not in both  # stopped pairs are not listed
    assert all_markets.listed(cat, View("korbit")) == [
        "korbit:btc_krw",
        "korbit:eth_krw",
        "korbit:sol_krw",
    ]
    assert all_markets.listed(cat, View("both", "BTC")) == ["upbit:BTC-ETH"]
    assert all_markets.quotes(cat) == ["KRW", "BTC", "USDT"]
    assert all_markets.quotes(cat, "korbit") == ["KRW"]
    view = View()
    assert [view.next_quote(["KRW", "BTC", "USDT"]).quote, view.next_exchange().exchange] == [
        "BTC",
        "upbit",
    ]


def test_typed_filter_matches_symbol_korean_name_and_initials():
    cat = catalog()
    keys = all_markets.listed(cat, View())
    assert set(all_markets.matching(cat, keys, "eth")) == {"upbit:KRW-ETH", "korbit:eth_krw"}
    assert set(all_markets.matching(cat, keys, "솔라")) == {"korbit:sol_krw"}
    assert set(all_markets.matching(cat, keys, "ㅂㅌ")) == {"upbit:KRW-BTC", "korbit:btc_krw"}
    assert all_markets.matching(cat, keys, "  ") == keys


def test_sorts_and_the_gap_between_the_exchanges():
    cat = catalog()
    tickers = {
        "upbit:KRW-BTC": tick("upbit", "KRW-BTC", "101000", "1.5", "900"),
        "korbit:btc_krw": tick("korbit", "btc_krw", "100000", "-0.5", "100"),
        "upbit:KRW-ETH": tick("upbit", "KRW-ETH", "5000", "3", "500"),
        "korbit:eth_krw": tick("korbit", "eth_krw", "5100", "2", "50"),
        "korbit:sol_krw": tick("korbit", "sol_krw", "200", "9", "10"),
    }
    keys = all_markets.listed(cat, View())
    twin = gap.twins(cat)
    assert twin["upbit:KRW-BTC"] == "korbit:btc_krw" and "korbit:sol_krw" not in twin

    def order(sort: str) -> list[str]:
        return all_markets.sort_rows(keys, sort, cat, tickers.get, "korean", twin)

    assert order("value")[:5] == [
        "upbit:KRW-BTC", "upbit:KRW-ETH", "korbit:btc_krw", "korbit:eth_krw", "korbit:sol_krw",
    ]  # fmt: skip
    assert order("value")[5:] == ["upbit:KRW-ZETA", "upbit:KRW-MEME"]  # no data: last
    assert order("change")[0] == "korbit:sol_krw"
    # the gap by size either way, one per coin (Korbit against Upbit, on both of its rows):
    # ETH 5100 against 5000 (+2%) above BTC 100000 against 101000 (-0.99%); then the rest
    assert order("gap")[:4] == [
        "upbit:KRW-ETH", "korbit:eth_krw", "upbit:KRW-BTC", "korbit:btc_krw",
    ]  # fmt: skip
    assert set(order("gap")[4:]) == {"korbit:sol_krw", "upbit:KRW-ZETA", "upbit:KRW-MEME"}
    assert order("name")[0] == "upbit:KRW-MEME"  # 밈코인 < 비트코인 < 솔라나 < ...


def app_for(settings):
    return make_app(settings, start_feeds=False, clock=lambda: NOW)


def board_rows(app) -> list[str]:
    return [t for t in lines(app.board)[1:] if t.strip()]


async def test_the_board_lists_every_market_with_badges_and_adds_to_the_watchlist(base_settings):
    app = app_for(base_settings)
    async with app.run_test(size=SIZE) as pilot:
        app._markets_listed({"upbit": UPBIT, "korbit": KORBIT})
        feed(app, [tick("upbit", "KRW-ZETA", "1200", "5", "7000")])
        watch = list(app.watchlist)
        await pilot.press("m")
        assert app.board.mode == "all"
        assert app.board.border_title == "All markets · Upbit+Korbit · KRW · 7"
        rows = await wait_until(lambda: board_rows(app) or None, 5.0, "rows", pilot=pilot)
        assert len(rows) == 7
        # sorted by traded value: the only market with a ticker first, with its 유의 badge
        assert rows[0].split()[:4] == ["Upbit", "ZETA/KRW", "유의", "제타체인"]
        assert any("MEME/KRW" in r and "주의" in r for r in rows)
        assert "VALUE 24H▼" in lines(app.board)[0]
        # the board's markets are streamed (tickers), the watchlist is kept
        board_keys = set(app._board_listed)
        assert "korbit:sol_krw" in board_keys and app.watchlist == watch
        # filter by typing, then add the highlighted market to the watchlist
        await pilot.press("slash", *"밈코", "enter")
        assert board_rows(app)[0].split()[:3] == ["Upbit", "MEME/KRW", "주의"]
        assert app.board.border_title.endswith("1 of 7 · “밈코”")
        await pilot.press("j", "plus")
        assert app.selected == "upbit:KRW-MEME" and app.watchlist == [*watch, "upbit:KRW-MEME"]
        # other exchanges and quotes
        await pilot.press("slash", "escape", "e")
        assert app.board.border_title == "All markets · Upbit · KRW · 4"
        await pilot.press("u")
        assert app.board.border_title == "All markets · Upbit · BTC · 1"
        # back to the watchlist, its selection restored
        await pilot.press("m")
        assert app.board.mode == "watchlist" and app.board.keys == app.watchlist
        assert app.board.border_title == f"Watchlist · {len(watch) + 1}"


async def test_the_board_streams_every_listed_market_of_the_simulator(settings):
    app = make_app(settings)
    async with app.run_test(size=SIZE) as pilot:
        await ready(pilot, app)
        await pilot.press("m")
        listed = app._board_listed
        assert len(listed) > len(app.watchlist)
        outside = [k for k in listed if k not in app.watchlist]

        def priced() -> bool:
            markets = app.shared.model.markets
            return all(k in markets and markets[k].ticker is not None for k in outside)

        await wait_until(priced, 10.0, "a ticker for every market of the board", pilot=pilot)
        app.board._resort(force=True)
        values = [app.shared.model.markets[k].ticker.value_24h for k in app.board.order]
        assert values == sorted(values, reverse=True)
        assert not any("loading" in r for r in board_rows(app))
