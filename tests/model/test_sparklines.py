"""Sparkline: the trend column's closes, from REST candles and then from tickers; and how
the column draws them."""

from __future__ import annotations

from decimal import Decimal as D

from mdtui.display.sparkline import BLOCKS, CELLS, draw
from mdtui.model.candles import Candle
from mdtui.model.sparklines import Sparkline

HOUR = 3_600_000
T0 = 1_750_000_000_000 - 1_750_000_000_000 % HOUR


def candle(start: int, close: str) -> Candle:
    price = D(close)
    return Candle("upbit", "KRW-BTC", "1h", start, price, price, price, price, D(1), price, start)


def test_history_fills_the_hours_without_trades_with_the_close_before() -> None:
    spark = Sparkline("1h", 4)
    spark.load([candle(T0 + 3 * HOUR, "13"), candle(T0, "10"), candle(T0 + HOUR, "11")])
    assert spark.start == T0
    assert spark.closes == [D("10"), D("11"), D("11"), D("13")]


def test_history_keeps_the_window_and_the_close_before_it() -> None:
    spark = Sparkline("1h", 2)
    spark.load([candle(T0 + i * HOUR, str(i)) for i in range(6)])
    assert spark.closes == [D("3"), D("4"), D("5")]
    assert spark.start == T0 + 3 * HOUR


def test_a_ticker_moves_the_last_close_and_a_new_hour_opens_a_bucket() -> None:
    spark = Sparkline("1h", 3)
    spark.load([candle(T0, "10"), candle(T0 + HOUR, "11")])
    version = spark.version
    spark.observe(D("11.5"), T0 + HOUR + 59 * 60_000)
    assert spark.closes == [D("10"), D("11.5")] and spark.version == version + 1
    spark.observe(D("11.5"), T0 + HOUR + 59 * 60_000 + 1)  # the same price: no change
    assert spark.version == version + 1
    spark.observe(D("9"), T0 + HOUR)  # an older report of this bucket's start is later
    assert spark.closes[-1] == D("9")
    spark.observe(D("12"), T0 + 3 * HOUR)  # two hours on: the hour between carries 9
    assert spark.closes == [D("10"), D("9"), D("9"), D("12")]
    spark.observe(D("1"), T0 + 2 * HOUR)  # older than the newest bucket: left out
    assert spark.closes[-1] == D("12")
    spark.observe(D("13"), T0 + 4 * HOUR)  # the window slides
    assert spark.closes == [D("9"), D("9"), D("12"), D("13")] and spark.start == T0 + HOUR


def test_the_window_ends_now_and_carries_the_last_close() -> None:
    spark = Sparkline("1h", 3)
    spark.load([candle(T0, "10"), candle(T0 + HOUR, "11")])
    assert spark.window(T0 + HOUR + 5) == [None, None, D("10"), D("11")]
    assert spark.window(T0 + 3 * HOUR) == [D("10"), D("11"), D("11"), D("11")]
    assert spark.window(T0) == [None, None, D("10"), D("11")]  # the exchange ahead of us


def test_draw_scales_closes_to_the_eight_blocks_and_signs_the_change() -> None:
    # 24 hourly closes in 12 cells: every second close, from the second.
    window: list[D | None] = [D(100)] + [D(100 + i) for i in range(1, 25)]
    glyphs, sign = draw(window)
    assert len(glyphs) == CELLS and glyphs[0] == BLOCKS[0] and glyphs[-1] == BLOCKS[-1]
    assert list(glyphs) == sorted(glyphs) and sign == 1
    falling = [D(200)] + [D(200 - i) for i in range(1, 25)]
    assert draw(falling) == (glyphs[::-1], -1)
    flat = [D("0.00000001")] * 61
    assert draw(flat) == (BLOCKS[0] * CELLS, 0)


def test_draw_leaves_spans_before_the_first_close_blank() -> None:
    window: list[D | None] = [None] * 20 + [D(5), D(7), D(6), D(8), D(8)]
    assert draw(window) == (" " * 9 + BLOCKS[0] + BLOCKS[2] + BLOCKS[-1], 1)  # 5, 6, 8
    assert draw([None] * 25) == ("", 0)


def test_draw_keeps_tiny_differences_apart() -> None:
    # Decimal all the way: a move in the eighth decimal still spans the blocks.
    base = D("0.00001234")
    window: list[D | None] = [base] * 24 + [base + D("0.00000001")]
    glyphs, sign = draw(window)
    assert glyphs == BLOCKS[0] * 11 + BLOCKS[-1] and sign == 1
