"""Markets quoted in BTC and USDT (and Upbit Global's currencies) end to end: board, ladder
and tape in the market's own quote and precision, big trades per quote, and holdings
valued in the home currency through the market that converts them."""

from __future__ import annotations

from decimal import Decimal as D

from mdtui.display.catalog import Catalog
from mdtui.display.format import fmt_notional
from mdtui.display.holdings import pricing_markets
from mdtui.model.events import Balance, Balances, Book, Ticker
from mdtui.ui.app import make_app
from mdtui.venues.markets import MarketInfo
from tests.support.events import NOW, T0, feed, trade
from tests.support.screen import SIZE, lines
from tests.support.waiting import wait_until


def test_derived_values_in_other_quotes_keep_four_significant_digits():
    assert fmt_notional(D("0.0123456"), "BTC", "ko") == "0.01235"
    assert fmt_notional(D("0.00000617"), "BTC", "ko") == "0.00000617"
    assert fmt_notional(D("12.3456"), "USDT", "ko") == "12.35"
    assert fmt_notional(D("1234567"), "IDR", "ko") == "1.2M"  # no 조/억 outside KRW
    assert fmt_notional(D("12345678"), "KRW", "ko") == "1,235만"


def test_holdings_are_priced_by_the_first_route_the_exchange_lists():
    catalog = Catalog()
    catalog.add_infos(
        "upbit",
        [
            MarketInfo("upbit", "KRW-BTC", "BTC", "KRW"),
            MarketInfo("upbit", "BTC-XYZ", "XYZ", "BTC"),
            MarketInfo("upbit", "KRW-ETH", "ETH", "KRW"),
            MarketInfo("upbit", "BTC-ETH", "ETH", "BTC"),
        ],
    )
    rows = [
        Balance("upbit", cur, D(1), D(1), D(0), None, 1) for cur in ("KRW", "BTC", "XYZ", "ETH")
    ]
    rows.append(Balance("upbit", "DUST", D(0), D(0), D(0), None, 1))
    assert pricing_markets(rows, catalog, "KRW") == [
        "upbit:KRW-BTC",
        "upbit:BTC-XYZ",
        "upbit:KRW-ETH",
    ]
    # before Korbit's list is loaded its direct markets are assumed
    korbit = [Balance("korbit", "SOL", D(2), D(2), D(0), None, 1)]
    assert pricing_markets(korbit, catalog, "KRW") == ["korbit:sol_krw"]


def tick(venue: str, market: str, last: str, value: str = "100") -> Ticker:
    p = D(last)
    return Ticker(venue, market, p, p, D(0), D(0), p, p, p, D(1), D(value), None, None, T0, False)


async def test_a_btc_market_shows_in_btc_and_holdings_are_valued_in_krw(base_settings):
    settings = base_settings.model_copy(
        update={"watchlist": ["upbit:BTC-ETH", "upbit:KRW-BTC"], "big_trade": {"btc": D("0.1")}}
    )
    app = make_app(settings, start_feeds=False, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        app._markets_listed(
            {
                "upbit": [
                    MarketInfo("upbit", "BTC-ETH", "ETH", "BTC", "이더리움", "Ethereum"),
                    MarketInfo("upbit", "KRW-BTC", "BTC", "KRW", "비트코인", "Bitcoin"),
                    MarketInfo("upbit", "BTC-XYZ", "XYZ", "BTC", "엑스와이지", "Xyz"),
                ]
            }
        )
        bids = tuple((D("0.03612345") - D("0.00000001") * i, D("1.5")) for i in range(20))
        asks = tuple((D("0.03612346") + D("0.00000001") * i, D("2.25")) for i in range(20))
        feed(
            app,
            [
                tick("upbit", "BTC-ETH", "0.03612345", "12.3456"),
                tick("upbit", "KRW-BTC", "145000000"),
                tick("upbit", "BTC-XYZ", "0.00000123"),
                Book("upbit", "BTC-ETH", bids, asks, T0, False),
                trade("upbit", "BTC-ETH", "0.03612345", "5", "buy", 1),  # 0.18 BTC: big
                trade("upbit", "BTC-ETH", "0.03612346", "0.01", "sell", 2),
            ],
        )
        await wait_until(lambda: app.ladder.shown, 5.0, "the book", pilot=pilot)
        board = lines(app.board)[1]
        assert "ETH/BTC" in board and "0.03612345" in board
        assert board.split()[5] == "12.35"  # 24 h value in BTC, not 조/억
        ladder = lines(app.ladder)
        assert "BTC" in ladder[0].split()  # the value column is in the quote
        best_bid = next(t for t in ladder if t.split()[:1] == ["0.03612345"])
        assert best_bid.split()[1:3] == ["1.50", "0.05419"]  # 0.054185175 BTC, 4 digits
        tape = await wait_until(
            lambda: [t for t in lines(app.tape)[1:] if t.strip()] or None, 5.0, "trades"
        )
        assert "0.0003612" in tape[0] and "0.1806" in tape[1]  # newest first
        assert "◆" in tape[1] and "◆" not in tape[0]  # 0.18 BTC is big, 0.00036 is not

        # holdings: XYZ only trades against BTC, valued through KRW-BTC
        app.shared.account.apply(
            [
                Balances(
                    "upbit",
                    (
                        Balance("upbit", "KRW", D("1000"), D("1000"), D(0), None, T0),
                        Balance("upbit", "XYZ", D("1000.5"), D("1000.5"), D(0), D("150"), T0),
                    ),
                    T0,
                    True,
                )
            ]
        )
        await pilot.press("b")
        rows = await wait_until(
            lambda: [t for t in lines(app.private.balances) if "XYZ" in t] or None,
            5.0,
            "the XYZ balance",
            pilot=pilot,
        )
        header = lines(app.private.balances)[0]
        assert "VALUE KRW" in header
        assert "178.35" in rows[0] and "178,439.175" in rows[0]  # 1000.5 x 0.00000123 x 145M
        assert "+18.90%" in rows[0]  # against the 150 KRW average
        assert "KRW" in (app.private.balances.border_subtitle or "")


async def test_balances_in_another_home_currency(base_settings):
    settings = base_settings.model_copy(update={"home_currency": "usdt"})
    app = make_app(settings, start_feeds=False, clock=lambda: NOW)
    async with app.run_test(size=SIZE) as pilot:
        feed(app, [tick("upbit", "USDT-BTC", "105000.5")])
        app.shared.account.apply(
            [
                Balances(
                    "upbit",
                    (Balance("upbit", "BTC", D("0.5"), D("0.5"), D(0), D("140000000"), T0),),
                    T0,
                    True,
                )
            ]
        )
        await pilot.press("b")
        rows = await wait_until(
            lambda: [t for t in lines(app.private.balances) if "BTC" in t] or None,
            5.0,
            "the BTC balance",
            pilot=pilot,
        )
        assert "VALUE USDT" in lines(app.private.balances)[0]
        assert "52,500.25" in rows[0]
        assert "%" not in rows[0]  # the KRW average price gives no USDT P&L
