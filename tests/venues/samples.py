"""Verbatim sample frames and REST bodies, as the exchanges document them (quoted in
``docs/protocols.md`` under each exchange's websocket and REST sections)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> bytes:
    """The sample ``fixtures/<name>.json`` exactly as documented (the file's final newline
    is not part of the frame)."""
    return (FIXTURES / f"{name}.json").read_bytes().rstrip(b"\n")
