"""Candle codecs: Upbit's candle frames (DEFAULT and SIMPLE) and REST candles, Korbit's
REST candles; exact digits, the bucket grid, bad rows counted and skipped."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mdtui.model.events import Candle, Malformed
from mdtui.venues import korbit_candles, upbit, upbit_candles
from mdtui.venues.korbit import ApiError
from tests.support.samples import ABSURD, exact, load, only, with_numbers

D = Decimal

SIMPLE = {
    "type": "ty",
    "code": "cd",
    "candle_date_time_utc": "cdttmu",
    "candle_date_time_kst": "cdttmk",
    "opening_price": "op",
    "high_price": "hp",
    "low_price": "lp",
    "trade_price": "tp",
    "candle_acc_trade_volume": "catv",
    "candle_acc_trade_price": "catp",
    "timestamp": "tms",
    "stream_type": "st",
}

SAMPLE = Candle(
    venue="upbit",
    market="KRW-ETH",
    interval="1m",
    start=1_735_792_080_000,  # 04:28:05 in the sample, cut to its minute
    open=D("142009000"),
    high=D("142009000"),
    low=D("142009000"),
    close=D("142009000"),
    volume=D("0.00606119"),
    value=D("860743.53071"),
    ts=1_735_792_085_824,
)


def simple_text(text: bytes | str) -> str:
    """The sample with SIMPLE keys, numbers written exactly as in the sample."""
    out = text.decode() if isinstance(text, bytes) else text
    for long, short in SIMPLE.items():
        out = out.replace(f'"{long}":', f'"{short}":')
    return out


# --------------------------------------------------------------------------- Upbit socket


@pytest.mark.parametrize("simple", [False, True])
def test_the_verbatim_candle_frame(simple: bool) -> None:
    frame = simple_text(load("upbit_candle")) if simple else load("upbit_candle")
    ev = only(upbit.decode(frame))
    assert ev == SAMPLE
    assert exact(ev.value, "860743.5307100000000000")
    assert exact(ev.open, "142009000.00000000")


@pytest.mark.parametrize(
    ("typ", "interval", "start"),
    [
        ("candle.1s", "1s", 1_735_792_085_000),
        ("candle.5m", "5m", 1_735_791_900_000),
        ("candle.15m", "15m", 1_735_791_300_000),
        ("candle.60m", "1h", 1_735_790_400_000),
        ("candle.240m", "4h", 1_735_790_400_000),
    ],
)
def test_every_charted_type_maps_to_its_interval(typ: str, interval: str, start: int) -> None:
    ev = only(upbit.decode(load("upbit_candle").replace(b"candle.1m", typ.encode())))
    assert (ev.interval, ev.start) == (interval, start)


@pytest.mark.parametrize("typ", ["candle.3m", "candle.10m", "candle.30m"])
def test_uncharted_types_decode_to_nothing(typ: str) -> None:
    assert upbit.decode(load("upbit_candle").replace(b"candle.1m", typ.encode())) == []


def test_snapshot_flag_and_list_format() -> None:
    frame = json.loads(load("upbit_candle")) | {"stream_type": "SNAPSHOT"}
    assert only(upbit.decode(json.dumps(frame))).snapshot is True
    two = b"[" + load("upbit_candle") + b"," + load("upbit_trade") + b"]"
    assert [type(e).__name__ for e in upbit.decode(two)] == ["Candle", "Trade"]


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({("low_price",): "142009001"}, "outside low"),
        ({("high_price",): "1"}, "outside low"),
        ({("candle_acc_trade_volume",): "-1"}, "size out of range"),
        ({("trade_price",): ABSURD[0]}, "price out of range"),
        ({("candle_acc_trade_price",): "NaN"}, "value out of range"),
    ],
)
def test_bad_candles_are_malformed(change: dict, reason: str) -> None:
    ev = only(upbit.decode(with_numbers("upbit_candle", change)))
    assert isinstance(ev, Malformed) and reason in ev.reason


@pytest.mark.parametrize("when", ["2025-01-02 04:28:05", "2025-01-02", "x" * 19, ""])
def test_a_bad_bucket_time_is_malformed(when: str) -> None:
    frame = json.loads(load("upbit_candle")) | {"candle_date_time_utc": when}
    assert isinstance(only(upbit.decode(json.dumps(frame))), Malformed)


def test_subscribe_message_carries_candle_types() -> None:
    text = upbit.subscribe_message(["KRW-BTC"], [], [], candles=[("1h", "KRW-BTC")], ticket="t")
    request = json.loads(text)
    assert {"type": "candle.60m", "codes": ["KRW-BTC"]} in request
    assert request[0] == {"ticket": "t"} and request[-1] == {"format": "SIMPLE"}


# --------------------------------------------------------------------------- Upbit REST


def test_upbit_rest_sample() -> None:
    ev = only(upbit_candles.parse_rest(load("upbit_candles_minutes"), "1m"))
    assert ev == Candle(
        venue="upbit",
        market="KRW-BTC",
        interval="1m",
        start=1_582_612_860_000,
        open=D("11436000"),
        high=D("11443000"),
        low=D("11428000"),
        close=D("11443000"),
        volume=D("1.48642105"),
        value=D("17001839.06758"),
        ts=1_582_612_901_489,
    )
    assert exact(ev.value, "17001839.06758000")


def test_upbit_rest_rows_come_oldest_first_and_a_bad_row_is_skipped() -> None:
    row = json.loads(load("upbit_candles_minutes"))[0]
    older = row | {"candle_date_time_utc": "2020-02-25T06:40:00", "trade_price": 11436000}
    bad = row | {"candle_date_time_utc": "2020-02-25T06:39:00", "low_price": -5}
    body = json.dumps([row, older, bad])
    skipped: list[str] = []
    candles = upbit_candles.parse_rest(body, "1m", skipped=skipped)
    assert [c.start for c in candles] == [1_582_612_800_000, 1_582_612_860_000]
    assert len(skipped) == 1 and "price out of range" in skipped[0]
    with pytest.raises(ValueError, match="price out of range"):
        upbit_candles.parse_rest(body, "1m")
    with pytest.raises(ValueError):
        upbit_candles.parse_rest(b'{"error":{"name":400,"message":"x"}}', "1m")


@pytest.mark.parametrize(
    ("interval", "path"),
    [
        ("1s", "/v1/candles/seconds"),
        ("1m", "/v1/candles/minutes/1"),
        ("5m", "/v1/candles/minutes/5"),
        ("15m", "/v1/candles/minutes/15"),
        ("1h", "/v1/candles/minutes/60"),
        ("4h", "/v1/candles/minutes/240"),
        ("1d", "/v1/candles/days"),
    ],
)
def test_upbit_rest_paths(interval: str, path: str) -> None:
    assert upbit_candles.rest_request("KRW-BTC", interval) == (
        path,
        {"market": "KRW-BTC", "count": "200"},
    )


def test_upbit_rest_older_page_and_limits() -> None:
    _, params = upbit_candles.rest_request("KRW-BTC", "1m", count=5, before=1_735_792_080_000)
    assert params == {"market": "KRW-BTC", "count": "5", "to": "2025-01-02T04:28:00Z"}
    with pytest.raises(ValueError):
        upbit_candles.rest_request("KRW-BTC", "1m", count=201)


# --------------------------------------------------------------------------- Korbit REST

KORBIT_ROWS = [
    {
        "timestamp": 1_735_792_080_000,
        "open": "142009000",
        "high": "142100000",
        "low": "141990000",
        "close": "142050000",
        "volume": "0.123456789012",
    },
    {
        "timestamp": 1_735_792_020_000,
        "open": "142000000",
        "high": "142009000",
        "low": "142000000",
        "close": "142009000",
        "volume": "2.5",
    },
]


def korbit_body(rows: list[dict]) -> str:
    return json.dumps({"success": True, "data": rows})


def test_korbit_rest_rows() -> None:
    candles = korbit_candles.parse_rest(korbit_body(KORBIT_ROWS), "btc_krw", "1m")
    assert [c.start for c in candles] == [1_735_792_020_000, 1_735_792_080_000]
    newest = candles[-1]
    assert newest == Candle(
        venue="korbit",
        market="btc_krw",
        interval="1m",
        start=1_735_792_080_000,
        open=D("142009000"),
        high=D("142100000"),
        low=D("141990000"),
        close=D("142050000"),
        volume=D("0.123456789012"),
        value=None,  # Korbit does not say
        ts=1_735_792_080_000,
    )
    assert exact(newest.volume, "0.123456789012")


def test_korbit_rest_bad_rows_errors_and_older_pages() -> None:
    bad = KORBIT_ROWS[0] | {"timestamp": 1_735_791_960_000, "close": "1e999999"}
    skipped: list[str] = []
    body = korbit_body([*KORBIT_ROWS, bad, {"timestamp": 1}])
    candles = korbit_candles.parse_rest(body, "btc_krw", "1m", skipped=skipped)
    assert len(candles) == 2 and len(skipped) == 2
    older = korbit_candles.parse_rest(
        korbit_body(KORBIT_ROWS), "btc_krw", "1m", before=1_735_792_080_000
    )
    assert [c.start for c in older] == [1_735_792_020_000]
    error = '{"success":false,"error":{"code":400,"message":"BAD_REQUEST"}}'
    with pytest.raises(ApiError, match="BAD_REQUEST"):
        korbit_candles.parse_rest(error, "btc_krw", "1m")


def test_korbit_rest_requests() -> None:
    assert korbit_candles.rest_request("btc_krw", "4h") == (
        "/v2/candles",
        {"symbol": "btc_krw", "interval": "240", "limit": "200"},
    )
    _, params = korbit_candles.rest_request("btc_krw", "1d", count=3, before=86_400_000)
    assert params == {"symbol": "btc_krw", "interval": "1D", "limit": "3", "end": "86399999"}
    with pytest.raises(ValueError, match="no 1s candles"):
        korbit_candles.rest_request("btc_krw", "1s")
