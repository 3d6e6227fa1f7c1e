"""The alert form's reading of what was typed, and quiet hours."""

from __future__ import annotations

from decimal import Decimal as D

import pytest

from mdtui.display.alert_entry import entry, preview, watches
from mdtui.model.alerts import AlertRule
from mdtui.model.quiet_hours import QuietHours
from mdtui.settings import AlertSetting

KEY = "upbit:KRW-BTC"
LAST = D("145000000")


@pytest.mark.parametrize(
    ("typed", "direction"),
    [("150,000,000", "up"), ("1.4e8", "down"), (" 145000001 ", "up"), ("144_999_999.5", "down")],
)
def test_the_direction_of_a_price_alert_follows_from_the_last_price(typed, direction) -> None:
    made = entry("price", typed, KEY, LAST)
    assert isinstance(made, dict)
    assert made["direction"] == direction and made["market"] == KEY
    rule = AlertSetting.model_validate(made).rule()
    assert rule.repeat and rule.rearm_pct == D("0.5")


@pytest.mark.parametrize(
    ("kind", "typed", "last", "problem"),
    [
        ("price", "abc", LAST, "abc is not a price: type one such as 150,000,000"),
        ("price", "", LAST, "nothing is not a price"),
        ("price", "-5", LAST, "the price must be more than 0"),
        ("price", "145,000,000", LAST, "that is the last price"),
        ("price", "150000000", None, "no last price yet"),
        ("price", "nan", LAST, "nan is not a price"),
        ("spread", "x", LAST, "x is not a number of bps"),
        ("move", "3 soon", LAST, "soon is not a window"),
        ("move", "", LAST, "type a percent"),
        ("move", "0", LAST, "the percent must not be 0"),
    ],
)
def test_a_bad_value_is_one_line_saying_what_is_wrong(kind, typed, last, problem) -> None:
    made = entry(kind, typed, KEY, last)
    assert isinstance(made, str) and made.startswith(problem)
    assert "\n" not in made


def test_the_other_kinds() -> None:
    assert entry("move", "-2 15m", KEY, LAST) == {
        "kind": "move", "market": KEY, "direction": "down", "pct": D(2), "window": 900.0
    }  # fmt: skip
    assert entry("move", "3", KEY, LAST) == {
        "kind": "move", "market": KEY, "direction": "any", "pct": D(3), "window": 300.0
    }  # fmt: skip
    spread = entry("spread", "50", KEY, LAST)
    assert isinstance(spread, dict) and spread["bps"] == D(50)
    gap = entry("gap", "2%", KEY, LAST)
    assert isinstance(gap, dict) and gap["pct"] == D(2)
    for made in (spread, gap):
        AlertSetting.model_validate(made)


def test_the_preview_and_the_list_show_every_digit_grouped() -> None:
    line = preview("price", "150000000.5", KEY, LAST, "145,000,000")
    assert line == "fires when the price crosses up through 150,000,000.5 (last 145,000,000)"
    untouched = preview("price", "145,000,000", KEY, LAST, "145,000,000")
    assert untouched.startswith("type the level: above the last price it fires going up")
    rule = AlertRule(kind="price", market=KEY, level=D("0.00012345"), direction="down")
    assert watches(rule) == "price down through 0.00012345"


@pytest.mark.parametrize(
    ("span", "inside", "outside"),
    [
        ("22:00-07:00", [(22, 0), (23, 59), (0, 0), (6, 59)], [(7, 0), (12, 0), (21, 59)]),
        ("9:30-17:00", [(9, 30), (16, 59)], [(9, 29), (17, 0), (23, 0)]),
    ],
)
def test_quiet_hours_may_cross_midnight(span, inside, outside) -> None:
    quiet = QuietHours.parse(span)
    assert all(quiet.contains(h, m) for h, m in inside)
    assert not any(quiet.contains(h, m) for h, m in outside)


@pytest.mark.parametrize(
    ("span", "problem"),
    [
        ("22-7", "quiet hours are written HH:MM-HH:MM, e.g. 22:00-07:00"),
        ("24:00-07:00", "quiet hours: hours are 00-23 and minutes 00-59"),
        ("07:00-07:00", "quiet hours: the start and the end are the same time"),
    ],
)
def test_bad_quiet_hours_say_what_is_wrong(span, problem) -> None:
    with pytest.raises(ValueError, match=problem):
        QuietHours.parse(span)
