"""Verbatim sample frames from shared/protocols (upbit.md §7, korbit.md §4, rest.md)."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parent / "fixtures"


def load(name: str) -> bytes:
    """The sample ``fixtures/<name>.json`` exactly as documented (the file's final newline
    is not part of the frame)."""
    return (FIXTURES / f"{name}.json").read_bytes().rstrip(b"\n")
