"""CandleSeries: buckets in order, the last report of a bucket wins, trades build candles."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from mdtui.model.candles import Candle, CandleSeries, bucket_start

MIN = 60_000


def candle(start: int, close: str, volume: str = "1") -> Candle:
    price = D(close)
    return Candle(
        "korbit", "btc_krw", "1m", start, price, price, price, price, D(volume), price, start
    )


def test_buckets_start_on_utc_multiples() -> None:
    assert bucket_start(1_735_792_085_824, "1m") == 1_735_792_080_000
    assert bucket_start(1_735_792_085_824, "1d") == 1_735_776_000_000  # 2025-01-02 00:00 UTC
    assert bucket_start(1_735_792_085_824, "1s") == 1_735_792_085_000


def test_the_last_report_of_a_bucket_wins_and_order_is_kept() -> None:
    series = CandleSeries("korbit", "btc_krw", "1m")
    assert series.put_many([candle(2 * MIN, "3"), candle(0, "1")])
    assert series.put(candle(MIN, "2"))
    version = series.version
    assert not series.put(candle(MIN, "2"))
    assert series.version == version
    assert series.put(candle(MIN, "2.5"))
    assert [c.close for c in series.candles] == [D("1"), D("2.5"), D("3")]
    assert [c.start for c in series.before(2 * MIN)] == [0, MIN]


def test_the_limit_drops_the_oldest() -> None:
    series = CandleSeries("korbit", "btc_krw", "1m", limit=2)
    series.put_many([candle(0, "1"), candle(MIN, "2"), candle(2 * MIN, "3")])
    assert [c.start for c in series.candles] == [MIN, 2 * MIN]
    assert not series.put(candle(0, "1"))


def test_trades_extend_the_newest_bucket_and_open_the_next() -> None:
    series = CandleSeries("korbit", "btc_krw", "1m")
    series.put(candle(0, "100", "2"))
    assert series.add_trade(D("105.5"), D("0.5"), 30_000)
    assert series.add_trade(D("99"), D("1"), 40_000)
    assert not series.add_trade(D("1"), D("1"), -1)  # older than the newest bucket
    assert series.add_trade(D("101"), D("3"), MIN + 5)
    first, second = series.candles
    assert (first.open, first.high, first.low, first.close) == (D(100), D("105.5"), D(99), D(99))
    assert first.volume == D("3.5") and first.value == D("100") + D("52.75") + D("99")
    assert (second.start, second.open, second.close, second.volume) == (MIN, D(101), D(101), D(3))


def test_an_unknown_interval_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown candle interval '2m'"):
        CandleSeries("upbit", "KRW-BTC", "2m")
