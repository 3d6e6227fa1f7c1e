"""Capture files: every raw frame as one JSON line, and reading them back.

Line format: ``{"t": <receive time, unix ms>, "venue": "upbit"|"korbit",
"channel": "public"|"private", "frame": "<the frame's text>"}``. Binary frames (Upbit
sends UTF-8 JSON in binary frames) are stored as their text.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

import msgspec

from mdtui.feed.buffered_session import Frame


class Record(msgspec.Struct, frozen=True):
    t: int
    venue: str
    channel: str
    frame: str


class CaptureError(Exception):
    """A capture file line that is not a valid record; names the line."""


class Recorder:
    """Appends frames to a capture file; use as the feed worker's ``tap``."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] = path.open("wb")
        self._encoder = msgspec.json.Encoder()
        self.count = 0

    def __call__(self, venue: str, channel: str, frame: Frame, t_ms: int) -> None:
        text = frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
        self._file.write(self._encoder.encode(Record(t_ms, venue, channel, text)) + b"\n")
        self.count += 1

    def close(self) -> None:
        self._file.close()


_decoder = msgspec.json.Decoder(Record)


def read_capture(path: Path) -> Iterator[Record]:
    """Yield the records of a capture file; raise CaptureError on a bad line."""
    with path.open("rb") as f:
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield _decoder.decode(line)
            except msgspec.DecodeError as exc:
                raise CaptureError(f"{path}:{number}: not a capture record ({exc})") from None
