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
    """A capture file that cannot be replayed from some line on; names the file and line."""


class Recorder:
    """Appends frames to a new capture file; use as the feed worker's ``tap``.

    The file must not exist yet (a capture is never overwritten: FileExistsError). Times
    never go back: a wall clock stepped back is recorded as no time passing, so every
    capture written here replays (see :func:`read_capture`).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._file: IO[bytes] = path.open("xb")
        self._encoder = msgspec.json.Encoder()
        self._last_t = 0
        self.count = 0

    def __call__(self, venue: str, channel: str, frame: Frame, t_ms: int) -> None:
        text = frame.decode("utf-8", "replace") if isinstance(frame, bytes) else frame
        self._last_t = max(t_ms, self._last_t)
        self._file.write(self._encoder.encode(Record(self._last_t, venue, channel, text)) + b"\n")
        self.count += 1

    def close(self) -> None:
        self._file.close()


_decoder = msgspec.json.Decoder(Record)


def read_capture(path: Path) -> Iterator[Record]:
    """Yield the records of a capture file in order. A line that is not a record
    (binary data, a line cut off where the file ends, a time before the line above)
    raises CaptureError naming the file and line, after every record before it."""
    try:
        f = path.open("rb")
    except OSError as exc:
        raise CaptureError(f"capture file {path}: cannot read it: {exc.strerror}") from None
    with f:
        last: tuple[int, int] | None = None
        for number, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                rec = _decoder.decode(line)
            except msgspec.DecodeError as exc:
                raise CaptureError(f"{path}:{number}: {_not_a_record(line, exc)}") from None
            if last is not None and rec.t < last[0]:
                raise CaptureError(
                    f"{path}:{number}: out of time order: t = {rec.t} is "
                    f"{last[0] - rec.t} ms before line {last[1]}'s (lines must be in time order)"
                )
            last = (rec.t, number)
            yield rec


def check_capture(path: Path) -> None:
    """Raise CaptureError unless ``path`` starts with a capture record (a quick check
    before the screen takes over: a wrong file says so on the terminal)."""
    for _ in read_capture(path):
        return


def _not_a_record(line: bytes, error: msgspec.DecodeError) -> str:
    if b"\0" in line or not _is_utf8(line):
        return "binary data, not a capture record (a capture is JSON lines from 'mdtui record')"
    if "truncated" in str(error):
        if line.endswith(b"\n"):
            return "the line is cut off (its JSON is incomplete)"
        return "the line is cut off: the capture ends in the middle of it"
    return f"not a capture record ({error})"


def _is_utf8(data: bytes) -> bool:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True
