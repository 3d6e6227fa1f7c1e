"""Market catalogue: names, precision, fuzzy search (pure)."""

from __future__ import annotations

from decimal import Decimal as D

from mdtui.display.catalog import Catalog, initials, score, split_code
from mdtui.venues.markets import MarketInfo, bands


def catalog() -> Catalog:
    cat = Catalog()
    ticks = bands(
        ("0", "0.0001"),
        ("1", "0.001"),
        ("10", "0.01"),
        ("100", "0.1"),
        ("1000", "1"),
        ("1000000", "1000"),
    )
    cat.add_infos(
        "upbit",
        [
            MarketInfo("upbit", "KRW-BTC", "BTC", "KRW", "비트코인", "Bitcoin", tick_bands=ticks),
            MarketInfo("upbit", "KRW-ETH", "ETH", "KRW", "이더리움", "Ethereum", tick_bands=ticks),
            MarketInfo("upbit", "KRW-ETC", "ETC", "KRW", "이더리움클래식", "Ethereum Classic"),
            MarketInfo("upbit", "BTC-ETH", "ETH", "BTC", "이더리움", "Ethereum"),
            MarketInfo("upbit", "KRW-XRP", "XRP", "KRW", "엑스알피(리플)", "XRP"),
        ],
    )
    cat.add_infos(
        "korbit",
        [
            MarketInfo("korbit", "btc_krw", "BTC", "KRW", "비트코인", "Bitcoin"),
        ],
    )
    return cat


def test_codes_split_per_exchange():
    assert split_code("upbit", "KRW-BTC") == ("BTC", "KRW")
    assert split_code("korbit", "btc_krw") == ("BTC", "KRW")


def test_unknown_market_gets_an_entry_from_its_code():
    entry = Catalog().entry("korbit:sol_krw")
    assert (entry.symbol, entry.name("korean")) == ("SOL/KRW", "SOL")


def test_names_follow_setting():
    entry = catalog().entry("upbit:KRW-BTC")
    assert entry.name("korean") == "비트코인"
    assert entry.name("english") == "Bitcoin"


def test_hangul_initials():
    assert initials("비트코인") == "ㅂㅌㅋㅇ"
    assert initials("엑스알피(리플)") == "ㅇㅅㅇㅍ(ㄹㅍ)"


def test_search_by_symbol_korean_english_and_initials():
    cat = catalog()
    assert cat.search("btc")[0][1].key == "upbit:KRW-BTC"
    assert {e.key for _, e in cat.search("btc")[:2]} == {"upbit:KRW-BTC", "korbit:btc_krw"}
    assert cat.search("이더")[0][1].key == "upbit:KRW-ETH"
    assert cat.search("ethereum cl")[0][1].key == "upbit:KRW-ETC"
    assert cat.search("ㅂㅌ")[0][1].base == "BTC"
    assert cat.search("리플")[0][1].key == "upbit:KRW-XRP"
    assert cat.search("KRW-ETH")[0][1].key == "upbit:KRW-ETH"
    assert cat.search("zzz") == []


def test_krw_markets_rank_before_others_on_ties():
    keys = [e.key for _, e in catalog().search("eth")]
    assert keys.index("upbit:KRW-ETH") < keys.index("upbit:BTC-ETH")


def test_fuzzy_letters_in_order():
    entry = catalog().entry("upbit:KRW-ETC")
    assert score("eclc", entry) > 0
    assert score("xq", entry) == 0


def test_price_precision_from_tick_or_data():
    cat = catalog()
    assert cat.entry("upbit:KRW-BTC").price_decimals(D("145200000")) == 0
    assert cat.entry("upbit:KRW-BTC").price_decimals(D("311")) == 1
    # no tick rule: the most decimals the data has shown so far, never fewer
    kb = cat.entry("korbit:btc_krw")
    assert kb.price_decimals(D("311.25")) == 2
    assert kb.price_decimals(D("312")) == 2
