"""The chart's layout in cells (display/chart.py): candles, axes, own orders and fills,
zoom and scroll."""

from __future__ import annotations

import re
import time
from decimal import Decimal as D

from mdtui.display.chart import (
    FILL_MARK,
    LAST_LINE,
    ORDER_LINE,
    Chart,
    FillMark,
    OwnOrder,
    layout,
    price_scale,
)
from mdtui.model.candles import Candle

T0 = 1_767_225_600_000  # 2026-01-01 00:00 UTC, 09:00 in Seoul (the tests' zone)
MIN = 60_000


def candle(i: int, o: str, h: str, low: str, c: str, volume: str = "1", step: int = MIN) -> Candle:
    return Candle(
        "upbit", "KRW-BTC", "1m", T0 + i * step, D(o), D(h), D(low), D(c), D(volume), D(0), T0
    )


def tick(value: str):
    return lambda price: D(value)


def cells(chart: Chart) -> list[list[tuple[str, str]]]:
    """Each row as (character, role) per cell."""
    return [[(ch, role) for text, role in row for ch in text] for row in chart.rows]


def text(chart: Chart) -> list[str]:
    return ["".join(t for t, _ in row) for row in chart.rows]


def column(chart: Chart, x: int) -> list[tuple[str, str]]:
    """Cells of column ``x`` in the price rows (header and axis rows left out)."""
    assert chart.scale is not None
    return [row[x] for row in cells(chart)[1 : 1 + chart.scale.rows]]


def test_a_rising_candle_has_an_up_body_and_wicks_above_and_below() -> None:
    chart = layout([candle(0, "100", "120", "90", "110")], 40, 10, interval="1m", tick_at=tick("1"))
    assert chart.scale is not None and (chart.scale.top, chart.scale.step) == (120, 5)
    col = column(chart, chart.plot - 1)
    # Rows 120 115 110 105 100 95 90 85, each half a row 2.5 high: the wick from 120 down
    # to the close (110), the body to the open (100, the upper half of its row), the wick
    # on to 90.
    assert "".join(ch for ch, _ in col) == "││┃┃╿│╵ "
    assert {role for ch, role in col if ch != " "} == {"up"}


def test_a_falling_candle_is_down_and_a_doji_is_a_cross() -> None:
    chart = layout(
        [candle(0, "110", "112", "100", "102"), candle(1, "105", "109", "101", "105")],
        40,
        12,
        interval="1m",
        tick_at=tick("1"),
    )
    x = chart.plot - 1
    falling = [(ch, role) for ch, role in column(chart, x - 1) if ch != " "]
    doji = [(ch, role) for ch, role in column(chart, x) if ch != " "]
    assert {role for _, role in falling} == {"down"}
    assert any(ch in "┃╹╻╿╽" for ch, _ in falling)
    assert "┼" in [ch for ch, _ in doji]  # wicks on both sides of the cross
    assert {role for _, role in doji} == {"flat"}


def test_a_doji_without_wicks_is_a_dash() -> None:
    chart = layout([candle(0, "100", "100", "100", "100")], 30, 8, interval="1m", tick_at=tick("1"))
    x = chart.plot - 1
    assert [ch for ch, _ in column(chart, x) if ch != " "] == ["─"]


def test_wicks_span_from_high_to_low_at_half_row_resolution() -> None:
    # 34 price rows hold 90 to 110 at one tick a row.
    chart = layout([candle(0, "100", "110", "90", "104")], 40, 40, interval="1m", tick_at=tick("1"))
    scale = chart.scale
    assert scale is not None and scale.step == 1
    x = chart.plot - 1
    col = column(chart, x)
    drawn = [r for r, (ch, _) in enumerate(col) if ch != " "]
    assert scale.centre(drawn[0]) == 110 and scale.centre(drawn[-1]) == 90
    # 110 to 105: wick; 104 (the close) to 101: body; 100 (the open, in the upper half
    # of its row): body over wick; 99 to 91: wick; 90 (the low): the upper half only.
    assert (
        "".join(ch for ch, _ in col[drawn[0] : drawn[-1] + 1])
        == "│" * 6 + "┃" * 4 + "╿" + "│" * 9 + "╵"
    )


def test_price_labels_are_row_centres_on_the_tick_with_every_digit_of_a_btc_market() -> None:
    candles = [
        candle(
            i,
            f"0.0185{i:04d}",
            f"0.0185{i + 9:04d}",
            f"0.0184{9990 + i:04d}"[:10],
            f"0.0185{i + 3:04d}",
        )
        for i in range(30)
    ]
    chart = layout(candles, 60, 20, interval="1m", tick_at=tick("0.00000001"))
    scale = chart.scale
    assert scale is not None and chart.decimals == 8
    labels = {}
    for r, row in enumerate(chart.rows[1 : 1 + scale.rows]):
        words = "".join(t for t, role in row if role == "label").split()
        if words:
            labels[r] = words[-1]
    assert len(labels) >= 5
    for r, label in labels.items():
        assert label == f"{scale.centre(r):.8f}"  # exact, 8 decimals
        assert D(label) % D("0.00000001") == 0
    last = [
        t.strip() for t, role in cells_runs(chart) if role in ("last_up", "last_down", "last_flat")
    ]
    assert last == [f"{candles[-1].close:.8f}"]  # the last price, every digit


def cells_runs(chart: Chart) -> list[tuple[str, str]]:
    return [run for row in chart.rows for run in row]


def test_the_step_is_a_round_number_of_ticks_and_the_data_fits() -> None:
    scale = price_scale(D("145100000"), D("145300000"), 20, D("1000"))
    assert scale.step == D("20000")  # 10,000 would need 21 rows
    assert scale.half_row(D("145300000")) >= 0
    assert scale.half_row(D("145100000")) <= 2 * 20 - 1
    assert scale.top % scale.step == 0


def test_the_last_price_is_a_dotted_line_with_its_exact_price() -> None:
    candles = [candle(i, "100", "105", "95", str(100 + i % 3)) for i in range(10)]
    chart = layout(candles, 40, 14, interval="1m", tick_at=tick("1"))
    rows = text(chart)
    line = [r for r in rows if LAST_LINE in r]
    assert len(line) == 1 and line[0].rstrip().endswith(" 100")  # the close of the newest


def test_an_own_order_is_a_line_at_its_price_and_off_the_chart_it_is_on_the_edge() -> None:
    candles = [candle(i, "1000", "1050", "950", "1010") for i in range(10)]
    orders = [OwnOrder("buy", D("960")), OwnOrder("sell", D("5000"))]
    chart = layout(candles, 40, 16, interval="1m", tick_at=tick("1"), orders=orders)
    scale = chart.scale
    assert scale is not None
    rows = text(chart)
    line = rows[1 + scale.row(D("960"))]
    assert line.startswith("B 960 ╌") and line.count(ORDER_LINE) >= 15
    assert {role for t, role in chart.rows[1 + scale.row(D("960"))] if ORDER_LINE in t} == {"own"}
    assert rows[1].startswith("↑S 5,000 ") and ORDER_LINE not in rows[1]


def test_a_fill_is_a_mark_on_its_candle_at_its_price() -> None:
    candles = [candle(i, "1000", "1050", "950", "1010") for i in range(10)]
    fills = [FillMark("buy", D("1000"), T0 + 7 * MIN + 12_345), FillMark("sell", D("1040"), T0)]
    chart = layout(candles, 40, 16, interval="1m", tick_at=tick("1"), fills=fills)
    scale = chart.scale
    assert scale is not None
    x = chart.plot - 1 - 2  # the eighth of ten candles
    assert column(chart, x)[scale.row(D("1000"))] == (FILL_MARK["buy"], "own")
    assert column(chart, x - 7)[scale.row(D("1040"))] == (FILL_MARK["sell"], "own")


def test_zoom_out_merges_candles_and_zoom_in_spaces_them() -> None:
    candles = [candle(i, str(100 + i), str(101 + i), str(99 + i), str(100 + i)) for i in range(400)]
    normal = layout(candles, 60, 14, interval="1m", tick_at=tick("1"))
    wide = layout(candles, 60, 14, interval="1m", tick_at=tick("1"), zoom=0)
    merged = layout(candles, 60, 14, interval="1m", tick_at=tick("1"), zoom=4)
    assert 3 * wide.bars <= normal.bars + 2
    assert merged.bars == normal.bars
    assert merged.oldest is not None and normal.oldest is not None
    assert T0 + 399 * MIN - merged.oldest >= 3 * (T0 + 399 * MIN - normal.oldest)
    # a merged bar: the open of the first, the close of the last, the range of all four
    assert "O 496" in text(merged)[0] and "C 499" in text(merged)[0]
    assert "H 500" in text(merged)[0] and "L 495" in text(merged)[0]


def test_scrolling_back_shows_older_candles_until_the_oldest() -> None:
    candles = [candle(i, str(100 + i), str(101 + i), str(99 + i), str(100 + i)) for i in range(100)]
    live = layout(candles, 60, 14, interval="1m", tick_at=tick("1"))
    back = layout(candles, 60, 14, interval="1m", tick_at=tick("1"), back=30)
    assert "C 199" in text(live)[0] and "C 169" in text(back)[0]
    assert LAST_LINE not in "".join(text(back))  # the live price is not in an old view
    assert not back.at_oldest
    oldest = layout(candles, 60, 14, interval="1m", tick_at=tick("1"), back=99)
    assert oldest.at_oldest and oldest.oldest == T0


def test_the_time_axis_is_local_time_and_days_are_dates() -> None:
    candles = [candle(i, "100", "101", "99", "100") for i in range(90)]
    minutes = layout(candles, 100, 14, interval="1m", tick_at=tick("1"))
    axis = text(minutes)[-1]
    assert "09:30" in axis and "10:00" in axis  # Seoul is UTC+9
    days = [
        Candle("upbit", "KRW-BTC", "1d", T0 + i * 86_400_000, *(D(100),) * 4, D(1), D(0), T0)
        for i in range(40)
    ]
    chart = layout(days, 100, 14, interval="1d", tick_at=tick("1"))
    labels = text(chart)[-1].split()
    assert len(labels) >= 2 and all(re.fullmatch(r"\d\d-\d\d", label) for label in labels)


def test_every_row_has_the_asked_width() -> None:
    candles = [candle(i, "100", "120", "80", str(100 + i)) for i in range(50)]
    for width, height in ((120, 36), (36, 10), (8, 4), (200, 60)):
        chart = layout(candles, width, height, interval="1m", tick_at=tick("1"))
        assert len(chart.rows) == height
        assert all(len(r) == width for r in text(chart)), (width, height)


def test_extreme_prices_keep_the_width_and_cost_little() -> None:
    """The widest numbers the codecs let through (``venues/ranges.py``): the chart keeps
    its width, cuts what does not fit with ``…`` and lays out in a few milliseconds."""
    tiny, huge = "0.000000000000000000000000000001", "99999999999999999999999"
    candles = [candle(0, "1", huge, tiny, "5", huge), candle(1, tiny, "3", tiny, tiny)]
    for step in ("1", tiny):
        start = time.process_time()
        chart = layout(
            candles,
            120,
            36,
            interval="1m",
            tick_at=tick(step),
            orders=[OwnOrder("buy", D(huge)), OwnOrder("sell", D(tiny))],
            fills=[FillMark("buy", D(tiny), T0)],
        )
        assert time.process_time() - start < 0.1
        assert all(len(row) == 120 for row in text(chart))
        assert any("…" in row for row in text(chart))


def test_a_span_without_trades_is_an_empty_column() -> None:
    """Upbit sends no candle for a minute without trades: time stays even across."""
    candles = [candle(i, "100", "104", "96", "102") for i in (0, 1, 2, 9, 10)]
    chart = layout(candles, 40, 12, interval="1m", tick_at=tick("1"))
    x = chart.plot - 1  # minute 10
    drawn = [
        x - k
        for k in range(12)
        if any(ch not in (" ", LAST_LINE) for ch, _ in column(chart, x - k))
    ]
    assert drawn == [x, x - 1, x - 8, x - 9, x - 10]
    assert chart.bars == 5 and chart.oldest == T0
