"""CandleSeries: buckets in order, the last report of a bucket wins, trades build candles."""

from __future__ import annotations

from decimal import Context
from decimal import Decimal as D

import msgspec
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


def test_trade_values_are_exact_and_an_older_trade_keeps_the_close() -> None:
    series = CandleSeries("korbit", "btc_krw", "1m")
    price, size = D("123456789.12345678"), D("0.123456789012345678")
    series.add_trade(price, size, 10_000)
    series.add_trade(D("123456790"), D("1"), 20_000)
    series.add_trade(D("1"), D("1"), 15_000)  # arrived late: not the close
    last = series.last
    assert last is not None and last.close == D("123456790") and last.low == D("1")
    exact = Context(prec=60)
    assert last.value == exact.add(exact.multiply(price, size), D("123456791"))
    assert last.value != price * size + D("123456791")  # 28 digits would round


def test_trades_on_a_candle_without_a_value_keep_it_unknown() -> None:
    series = CandleSeries("korbit", "btc_krw", "1m")
    series.put(msgspec.structs.replace(candle(0, "100"), value=None))
    series.add_trade(D("101"), D("1"), 1_000)
    assert series.last is not None and series.last.value is None
    assert series.last.volume == D("2")


def test_history_of_reported_candles_keeps_the_fuller_report() -> None:
    series = CandleSeries("upbit", "KRW-BTC", "1m")
    series.put(candle(MIN, "105", "3"))  # streamed after the REST call was answered
    assert series.put_history([candle(0, "100", "1"), candle(MIN, "104", "2")], reports=True)
    assert [(c.close, c.volume) for c in series.candles] == [(D(100), D(1)), (D(105), D(3))]
    series.put_history([candle(MIN, "106", "4")], reports=True)
    assert series.candles[-1].close == D(106)


def test_history_replaces_a_bucket_built_from_trades() -> None:
    series = CandleSeries("korbit", "btc_krw", "1m")
    series.add_trade(D("105"), D("9"), MIN + 1)
    series.put_history([candle(MIN, "104", "2")], reports=False)
    assert [(c.close, c.volume) for c in series.candles] == [(D(104), D(2))]
    version = series.version
    series.clear()
    assert len(series) == 0 and series.version == version + 1
