"""Where the bytes to the terminal go: the real dashboard in a pseudo-terminal, its output
kept and taken apart.

Run by hand: ``.venv/bin/python bench/screen_bytes.py [--rate demo] [--size 160x48]``
(needs ``pyte``, a terminal emulator in Python: ``pip install pyte``).

After the warm-up, every byte written over ``--seconds`` is sorted into text, colour and
style changes (SGR), cursor moves and other sequences, and attributed to the screen rows
and column bands it was written to. The output is also played into an emulated terminal,
which tells how many of the cells written did not change (same character, same style):
bytes sent for nothing. ``--save FILE`` keeps the raw output, ``--load FILE`` analyses a
kept one again (with ``--skip`` bytes of warm-up).
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import pyte

from pty_harness import PtyApp, app_environment, simulator

SPEEDS = {"demo": 1.0, "1k": 15.0, "5k": 75.0, "idle": 0.001}
TITLE = re.compile(rb"Order book \xc2\xb7 ([A-Z0-9]+/[A-Z]+)")
TOKEN = re.compile(
    rb"\x1b\[(?P<csi>[0-9;?<>=]*)(?P<final>[ -/]*[@-~])"
    rb"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    rb"|\x1b[()][0-9A-Za-z]|\x1b[=>78MDEc]"
    rb"|(?P<text>[^\x1b]+)"
)
BAND = 40
"""Columns per band in the attribution table."""


class CountingScreen(pyte.Screen):  # type: ignore[misc]
    """A pyte screen that counts the cells drawn and those whose content or style changed."""

    def __init__(self, cols: int, rows: int) -> None:
        super().__init__(cols, rows)
        self.counting = False
        self.drawn: Counter[tuple[int, int]] = Counter()
        self.changed: Counter[tuple[int, int]] = Counter()

    def draw(self, data: str) -> None:
        if not self.counting:
            super().draw(data)
            return
        y, x0 = self.cursor.y, self.cursor.x
        line = self.buffer[y]
        before = {x: line[x] for x in range(x0, min(self.columns, x0 + 2 * len(data)))}
        super().draw(data)
        x1 = self.cursor.x if self.cursor.y == y else self.columns
        for x in range(x0, max(x1, x0)):
            band = (y, x // BAND)
            self.drawn[band] += 1
            if line[x] != before.get(x):
                self.changed[band] += 1


def record(args: argparse.Namespace) -> tuple[bytes, int]:
    cols, rows = (int(v) for v in args.size.split("x"))
    with (
        tempfile.TemporaryDirectory() as tmp,
        simulator(SPEEDS[args.rate], seed=1, trader=not args.public) as sim,
    ):
        home = Path(tmp)
        env = app_environment(sim.url, home, None, private=not args.public)
        app = PtyApp(env, home, cols, rows)
        app.raw = bytearray()
        try:
            ready = app.expect(lambda text: TITLE.search(text))
            if ready(90) is None:
                raise RuntimeError("the dashboard did not show an order book")
            if args.keys:
                app.send(args.keys.encode())
            time.sleep(args.warmup)
            sent0, _ = sim.frames()
            skip = len(app.raw)
            time.sleep(args.seconds)
            sent1, _ = sim.frames()
            raw = bytes(app.raw)
        finally:
            app.quit()
    print(f"frames/s from the simulator: {(sent1 - sent0) / args.seconds:.0f}")
    return raw, skip


def analyse(raw: bytes, skip: int, cols: int, rows: int, seconds: float) -> None:
    screen = CountingScreen(cols, rows)
    stream = pyte.ByteStream(screen)
    stream.feed(raw[:skip])
    window = raw[skip:]
    kinds: Counter[str] = Counter()
    by_band: Counter[tuple[int, int]] = Counter()
    row, col = 0, 0
    frames = 0
    for m in TOKEN.finditer(window):
        size = m.end() - m.start()
        text = m.group("text")
        final = m.group("final")
        if text is not None:
            kinds["text"] += size
            by_band[(row, col // BAND)] += size
            col += len(text.decode("utf-8", "replace"))
        elif final in (b"H", b"C"):
            kinds["cursor moves"] += size
            if final == b"C":  # forward on the same row
                col += int(m.group("csi") or 1)
            else:
                parts = (m.group("csi") or b"1;1").split(b";")
                row = int(parts[0] or 1) - 1
                col = int(parts[1] or 1) - 1 if len(parts) > 1 else 0
            by_band[(row, col // BAND)] += size
        elif final == b"m":
            kinds["SGR (style)"] += size
            by_band[(row, col // BAND)] += size
        else:
            if m.group("csi") == b"?2026" and final == b"h":
                frames += 1
            kinds["other sequences"] += size
    screen.counting = True
    stream.feed(window)
    total = len(window)
    print(f"\n{total / seconds / 1024:.1f} KB/s to the terminal; {frames / seconds:.1f} frames/s")
    if frames:
        print(f"{total / frames:.0f} bytes per frame")
    for kind, size in kinds.most_common():
        print(f"  {kind:<16} {size / seconds / 1024:7.1f} KB/s  {100 * size / total:5.1f} %")
    drawn, changed = sum(screen.drawn.values()), sum(screen.changed.values())
    if drawn:
        print(
            f"cells drawn {drawn / seconds:.0f}/s, changed {changed / seconds:.0f}/s: "
            f"{100 * (drawn - changed) / drawn:.0f} % re-sent unchanged"
        )
    print("\nrows x column bands by bytes (row: bands of 40 columns; bytes/s, cells drawn/changed)")
    for (y, band), size in by_band.most_common(25):
        d, c = screen.drawn[(y, band)], screen.changed[(y, band)]
        text = "".join(screen.buffer[y][x].data for x in range(band * BAND, (band + 1) * BAND))
        print(
            f"  row {y:2d} cols {band * BAND:3d}+ {size / seconds:7.0f} B/s  "
            f"{d / seconds:5.0f}/{c / seconds:4.0f}  {text.rstrip()[:40]}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", choices=sorted(SPEEDS), default="demo")
    parser.add_argument("--size", default="160x48")
    parser.add_argument("--public", action="store_true", help="no private panes' feeds")
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--warmup", type=float, default=8.0)
    parser.add_argument("--keys", default="", help="keys typed once the dashboard runs")
    parser.add_argument("--save", type=Path, help="keep the raw output in this file")
    parser.add_argument("--load", type=Path, help="analyse this raw output instead of running")
    parser.add_argument("--skip", type=int, default=0, help="with --load: warm-up bytes")
    args = parser.parse_args()
    cols, rows = (int(v) for v in args.size.split("x"))
    if args.load:
        raw, skip = args.load.read_bytes(), args.skip
    else:
        raw, skip = record(args)
        if args.save:
            args.save.write_bytes(raw)
            print(f"kept {len(raw)} bytes in {args.save}; warm-up: --skip {skip}")
    analyse(raw, skip, cols, rows, args.seconds)


if __name__ == "__main__":
    main()
