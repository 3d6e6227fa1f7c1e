"""Shared venue helpers (tick bands, Decimal cache, previews) and the import boundary."""

from __future__ import annotations

import subprocess
import sys
from decimal import Decimal

import pytest

from mdtui.venues.frames import PREVIEW_CHARS, BadNumber, DecimalCache, preview
from mdtui.venues.markets import MarketInfo, bands, tick_from_bands
from mdtui.venues.ranges import SIZE

D = Decimal


def test_bands_validation() -> None:
    assert bands(("0", "1"), ("10", "2")) == ((D(0), D(1)), (D(10), D(2)))
    for rows in [
        (),
        (("10", "1"), ("0", "2")),
        (("0", "1"), ("0", "2")),
        (("0", "0"),),
        (("-1", "1"),),
        (("0", "NaN"),),
    ]:
        with pytest.raises(ValueError):
            bands(*rows)


def test_tick_from_bands_edges() -> None:
    table = bands(("1", "0.1"), ("10", "1"))
    assert tick_from_bands(D("0.5"), table) == D("0.1")  # below the first bound
    assert tick_from_bands(D("10"), table) == D("1")  # bounds are inclusive
    assert tick_from_bands(D("9.99"), table) == D("0.1")
    with pytest.raises(ValueError):
        tick_from_bands(D("1"), ())
    with pytest.raises(ValueError):
        tick_from_bands(D("Infinity"), table)


def test_market_info_without_ticks() -> None:
    info = MarketInfo(venue="upbit", market="SGD-XRP", base="XRP", quote="SGD")
    assert info.tick_size(D(1)) is None


def test_decimal_cache() -> None:
    cache = DecimalCache(SIZE.check, limit=3)
    a = cache["0.150"]
    assert a.as_tuple() == D("0.150").as_tuple()
    assert cache["0.150"] is a
    cache["1"]
    cache["2"]
    cache["3"]  # the fourth entry clears the cache first
    assert len(cache) == 1
    for bad in ["NaN", "sNaN", "-Infinity", "inf", "", "abc", "1e", "-1", "1e999999"]:
        with pytest.raises(BadNumber):
            cache[bad]
    assert "NaN" not in cache and "-1" not in cache


def test_preview() -> None:
    assert preview("x" * 500) == "x" * PREVIEW_CHARS
    assert preview(b"\xff" + b"a" * 10) == "\ufffd" + "a" * 10
    assert preview("가".encode() * 300) == "가" * PREVIEW_CHARS
    assert preview(None) == "None"


@pytest.mark.parametrize(
    ("modules", "banned"),
    [
        pytest.param(
            "mdtui.venues.upbit, mdtui.venues.korbit, mdtui.venues.markets",
            "{'textual', 'httpx', 'httpx_ws', 'websockets', 'rich'}",
            id="venues",
        ),
        pytest.param(  # the private-side protocol code and the account model stay pure
            "mdtui.venues.auth, mdtui.venues.upbit_private, mdtui.venues.korbit_private, "
            "mdtui.model.account",
            "{'textual', 'httpx', 'httpx_ws', 'websockets', 'rich', 'pydantic'}",
            id="private",
        ),
    ],
)
def test_pure_modules_import_no_ui_or_network(modules: str, banned: str) -> None:
    code = (
        "import sys\n"
        f"import {modules}\n"
        f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {banned})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
