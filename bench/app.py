"""Whole-app benchmark: the real dashboard in a real pseudo-terminal against the simulator
in another process, at chosen message rates.

Run by hand: ``.venv/bin/python bench/app.py [--quick] [--baseline-rev REV] [--seconds S]``.

Each case starts a fresh simulator (``--market-speed`` F: 1 is the demo rate, 15 about
1,000 frames/s, 75 about 5,000 with the default watchlist; ``idle`` steps the markets once
every 100 s, so nothing moves) and a fresh ``mdtui`` in a pseudo-terminal of the case's
size, with the demo accounts' keys (``private``: the private panes' feeds on) or without
(``public``). ``--keys`` are typed once it runs (e.g. a pane toggle, to compare variants).
After a warm-up it measures, over ``--seconds``:

- frames/s the simulator sent, the app's CPU (% of a core, and µs per frame), bytes/s
  written to the terminal, RSS at the end;
- frame-to-screen latency: a marker trade (a quantity nobody else trades) is sent on the
  selected market's socket, and the time until the quantity shows in the terminal's output
  is taken (p50/p99, one probe every 0.5 s in the window's first half);
- key-to-screen latency: ``]`` and ``[`` switch markets in turn in the second half, and the
  time until the order book's title names the new market is taken (p50/p99).

Baselines, in the same run: ``feeds only`` (``mdtui watch`` on the same simulator and
watchlist, its output thrown away: decoding without painting), and with
``--baseline-rev REV`` the same cases run on that commit's build (``git archive``), each
figure then printed with the ratio new/old. Figures move with the machine's load: compare
ratios within one run.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_harness import PtyApp, app_environment, process_cpu_s, simulator

ROOT = Path(__file__).resolve().parents[1]
SPEEDS = {"demo": 1.0, "1k": 15.0, "5k": 75.0, "idle": 0.001}
TITLE = re.compile(rb"Order book \xc2\xb7 ([A-Z0-9]+/[A-Z]+)")


@dataclass
class Case:
    rate: str
    cols: int
    rows: int
    private: bool
    keys: str = ""

    @property
    def name(self) -> str:
        panes = "private" if self.private else "public"
        extra = f" keys {self.keys!r}" if self.keys else ""
        return f"{self.rate:>4} {self.cols}x{self.rows} {panes}{extra}"


@dataclass
class Result:
    frames_s: float
    cpu_pct: float
    us_frame: float
    out_kb_s: float
    rss_mb: float
    frame_ms: list[float]
    key_ms: list[float]


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    if len(values) == 1:
        return values[0]
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1]


def run_case(case: Case, seconds: float, warmup: float, source: Path | None) -> Result:
    with (
        tempfile.TemporaryDirectory() as tmp,
        simulator(SPEEDS[case.rate], seed=1, trader=case.private) as sim,
    ):
        home = Path(tmp)
        env = app_environment(sim.url, home, source, private=case.private)
        app = PtyApp(env, home, case.cols, case.rows)
        try:
            ready = app.expect(lambda text: TITLE.search(text))
            if ready(90) is None:
                raise RuntimeError(f"{case.name}: the dashboard did not show an order book")
            if case.keys:
                app.send(case.keys.encode())
            time.sleep(warmup)
            sent0, _ = sim.frames()
            cpu0, out0, t0 = app.cpu_s(), app.bytes_out, time.monotonic()
            frame_ms = probe_frames(app, sim, t0 + seconds / 2)
            key_ms = probe_keys(app, t0 + seconds)
            t1 = time.monotonic()
            sent1, _ = sim.frames()
            cpu1, out1 = app.cpu_s(), app.bytes_out
            rss = app.rss_mb()
        finally:
            app.quit()
    span = t1 - t0
    frames = max(sent1 - sent0, 1)
    return Result(
        frames / span,
        100 * (cpu1 - cpu0) / span,
        1e6 * (cpu1 - cpu0) / frames,
        (out1 - out0) / span / 1024,
        rss,
        frame_ms,
        key_ms,
    )


def probe_frames(app: PtyApp, sim, until: float) -> list[float]:  # type: ignore[no-untyped-def]
    """Marker trades on the selected market (the first on the board: Upbit KRW-BTC)."""
    found: list[float] = []
    n = 0
    while time.monotonic() < until - 0.5:
        n += 1
        marker = f"0.0007{n:04d}".encode()
        wait = app.expect(lambda text, m=marker: m if m in text else None)
        sent = sim.probe("KRW-BTC", marker.decode())
        seen = wait(5)
        if seen is not None:
            found.append(1000 * (seen[0] - sent))
        time.sleep(max(0.0, 0.5 - (time.monotonic() - sent)))
    return found


def probe_keys(app: PtyApp, until: float) -> list[float]:
    """``]`` then ``[`` in turn: the time until the order book names another market."""
    found: list[float] = []
    key = b"]"
    while time.monotonic() < until - 0.5:
        shown = TITLE.search(app.screen())
        before = shown.group(1) if shown else None

        def moved(text: bytes, before: bytes | None = before) -> bytes | None:
            names = TITLE.findall(text)
            return next((name for name in names if name != before), None)

        wait = app.expect(moved)
        sent = app.send(key)
        seen = wait(5)
        if seen is not None:
            found.append(1000 * (seen[0] - sent))
        key = b"[" if key == b"]" else b"]"
        time.sleep(max(0.0, 0.7 - (time.monotonic() - sent)))
    return found


def feeds_only(rate: str, seconds: float, warmup: float) -> tuple[float, float]:
    """``mdtui watch`` on the same simulator (default watchlist), output thrown away:
    (frames/s, CPU %)."""
    with tempfile.TemporaryDirectory() as tmp, simulator(SPEEDS[rate], seed=1) as sim:
        env = app_environment(sim.url, Path(tmp), private=False)
        proc = subprocess.Popen(
            [sys.executable, "-m", "mdtui", "watch"],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            time.sleep(warmup)
            sent0, _ = sim.frames()
            cpu0, t0 = process_cpu_s(proc.pid), time.monotonic()
            time.sleep(seconds)
            sent1, _ = sim.frames()
            cpu1, t1 = process_cpu_s(proc.pid), time.monotonic()
        finally:
            proc.terminate()
            proc.wait(10)
    return (sent1 - sent0) / (t1 - t0), 100 * (cpu1 - cpu0) / (t1 - t0)


def export(rev: str, into: Path) -> Path:
    """That commit's ``tui/`` (the mdtui package) in ``into``, with the themes beside it
    (where a source checkout finds them)."""
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "tui", "themes"], capture_output=True, check=True
    ).stdout
    subprocess.run(["tar", "-x", "-C", str(into)], input=archive, check=True)
    return into / "tui"


def row(label: str, r: Result) -> str:
    return (
        f"{label:<34} {r.frames_s:8.0f} {r.cpu_pct:6.1f} {r.us_frame:7.0f} {r.out_kb_s:8.1f} "
        f"{r.rss_mb:6.1f} {percentile(r.frame_ms, 50):6.0f} {percentile(r.frame_ms, 99):6.0f} "
        f"{percentile(r.key_ms, 50):6.0f} {percentile(r.key_ms, 99):6.0f}"
    )


def ratio_row(label: str, new: Result, old: Result) -> str:
    def q(a: float, b: float) -> str:
        return f"{a / b:6.2f}x" if b else "     - "

    return (
        f"{label:<34} {'':8} {q(new.cpu_pct, old.cpu_pct)} {q(new.us_frame, old.us_frame)} "
        f"{q(new.out_kb_s, old.out_kb_s)} {q(new.rss_mb, old.rss_mb)} "
        f"{q(percentile(new.frame_ms, 99), percentile(old.frame_ms, 99))} "
        f"{q(percentile(new.key_ms, 99), percentile(old.key_ms, 99))}"
    )


def cases(args: argparse.Namespace) -> list[Case]:
    if args.quick:
        return [Case(rate, 160, 48, True, args.keys) for rate in ("idle", "demo", "1k")]
    out = [Case("idle", 160, 48, True, args.keys)]
    for rate in ("demo", "1k", "5k"):
        for cols, rows in ((160, 48), (100, 30)):
            for private in (True, False):
                out.append(Case(rate, cols, rows, private, args.keys))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=30.0, help="measured window per case")
    parser.add_argument("--warmup", type=float, default=8.0, help="seconds before measuring")
    parser.add_argument("--quick", action="store_true", help="idle, demo and 1k at 160x48 only")
    parser.add_argument("--keys", default="", help="keys typed once the dashboard runs")
    parser.add_argument(
        "--variant",
        metavar="KEYS",
        help="also run every case with these keys typed (e.g. a pane toggle), side by side",
    )
    parser.add_argument("--baseline-rev", metavar="REV", help="also run REV's build, side by side")
    args = parser.parse_args()
    print(
        f"bench/app.py: {args.seconds:g} s per case after {args.warmup:g} s; machine: "
        f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    header = (
        f"{'case':<34} {'frames/s':>8} {'CPU %':>6} {'µs/frm':>7} {'KB/s out':>8} "
        f"{'RSS MB':>6} {'f2s50':>6} {'f2s99':>6} {'k2s50':>6} {'k2s99':>6}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        old_source = export(args.baseline_rev, Path(tmp)) if args.baseline_rev else None
        print(header, flush=True)
        for case in cases(args):
            new = run_case(case, args.seconds, args.warmup, None)
            print(row(case.name, new), flush=True)
            if args.variant is not None:
                variant = Case(case.rate, case.cols, case.rows, case.private, args.variant)
                other = run_case(variant, args.seconds, args.warmup, None)
                print(row(f"  with keys {args.variant!r}", other), flush=True)
                print(ratio_row("  ratio variant/plain", other, new), flush=True)
            if old_source is not None:
                old = run_case(case, args.seconds, args.warmup, old_source)
                print(row(f"  at {args.baseline_rev}", old), flush=True)
                print(ratio_row("  ratio new/old", new, old), flush=True)
        print("\nfeeds only (mdtui watch, output thrown away):")
        for rate in ("demo", "1k", "5k"):
            frames, cpu = feeds_only(rate, args.seconds, args.warmup)
            print(f"  {rate:>4}: {frames:8.0f} frames/s, CPU {cpu:5.1f} %", flush=True)


if __name__ == "__main__":
    main()
