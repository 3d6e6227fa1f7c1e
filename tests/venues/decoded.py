"""Checks on decoded events shared by the codec tests."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal


def exact(value: Decimal, text: str) -> bool:
    """Equal in value *and* in representation (digits and exponent)."""
    return value == Decimal(text) and value.as_tuple() == Decimal(text).as_tuple()


def only(events: list) -> object:
    assert len(events) == 1, events
    return events[0]


def check_sample(events: list, expected: object, exacts: Mapping[str, str]) -> None:
    """One event, equal to ``expected``, whose fields in ``exacts`` keep their digits."""
    ev = only(events)
    assert ev == expected
    for field, text in exacts.items():
        assert exact(getattr(ev, field), text), field
