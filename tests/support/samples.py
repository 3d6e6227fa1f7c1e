"""Verbatim sample frames and REST bodies as the exchanges document them (see
``docs/protocols.md`` under each exchange's websocket and REST sections), kept in
``tests/venues/fixtures/``, and checks on what the codecs decode from them."""

from __future__ import annotations

import json
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path

FIXTURES = Path(__file__).resolve().parents[1] / "venues" / "fixtures"

SIXTY_DIGITS = "123456789012345678901234567890123456789012345678901234567890"
ABSURD = ("1e999999", "1e999999999999", "-1", "NaN", SIXTY_DIGITS, "0." + SIXTY_DIGITS)
"""Numbers no price, size or value can be; a single frame carrying one must not hurt."""


def load(name: str) -> bytes:
    """The sample ``fixtures/<name>.json`` exactly as documented (the file's final newline
    is not part of the frame)."""
    return (FIXTURES / f"{name}.json").read_bytes().rstrip(b"\n")


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


def with_numbers(name: str, numbers: Mapping[tuple, str], **fields: object) -> str:
    """The sample ``name`` as JSON text with its top-level ``fields`` set and the number at
    each path of ``numbers`` replaced by the given text, written as the sample writes that
    field: a JSON number where it has one (Upbit's decimals, every time), else a string
    (Korbit's decimals); NaN and Infinity, which are no JSON numbers, always as strings."""
    doc = json.loads(load(name))
    doc.update(fields)
    literals: dict[str, str] = {}
    for i, (path, text) in enumerate(numbers.items()):
        parent = doc
        for step in path[:-1]:
            parent = parent[step]
        quoted = isinstance(parent[path[-1]], str) or text.lstrip("+-") in ("NaN", "Infinity")
        marker = f"@@{i}@@"
        parent[path[-1]] = marker
        literals[json.dumps(marker)] = json.dumps(text) if quoted else text
    out = json.dumps(doc)
    for marker, literal in literals.items():
        out = out.replace(marker, literal)
    return out


def about(name: str, market: str, numbers: Mapping[tuple, str] | None = None) -> str:
    """The sample ``name`` about ``market`` (its code or symbol replaced, where it has one),
    with ``numbers`` replaced as :func:`with_numbers` does."""
    keys = [k for k in ("code", "cd", "symbol") if k in json.loads(load(name))]
    return with_numbers(name, numbers or {}, **dict.fromkeys(keys, market))
