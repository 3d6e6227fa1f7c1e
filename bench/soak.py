"""Memory soak: the real dashboard in a real pseudo-terminal for an hour, RSS sampled.

Run by hand: ``.venv/bin/python bench/soak.py [--minutes 60] [--market-speed 15]``.

The simulator runs in a child process with its market clock sped up (``--market-speed``,
as ``mdtui simulate --market-speed`` does) and its demo trader on. ``mdtui`` runs in a
pseudo-terminal of ``--size`` (160x48) pointed at it with the demo accounts' keys, so the
private panes are live too; its screen output is read and thrown away (counted). Every
``--every`` seconds (30) the app process's RSS is sampled from ``/proc``, with the frames
the simulator sent in that interval and the app's CPU. At the end: the samples, the RSS
growth after the first ``--warmup`` minutes (10) and the least-squares slope over them.

``--trace`` runs the app in this process instead, headless under Textual's Pilot at the
same rate, with ``tracemalloc`` on: it prints where Python memory grew between the end of
the warm-up and the end (and the sizes of the app's own stores), to find what keeps
growing. Tracing slows the app down; its RSS figures are not the soak's.

Figures move with the machine's load: say what else ran when you quote them.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import gc
import os
import signal
import sys
import tempfile
import time
import tracemalloc
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from pty_harness import PtyApp, app_environment, simulator


def diagnose(pid: int, report: Path) -> str:
    """Ask the app (run by :func:`in_app`) for its allocator figures; what it wrote."""
    before = report.stat().st_size if report.exists() else 0
    os.kill(pid, signal.SIGUSR1)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if report.exists() and report.stat().st_size > before:
            text = report.read_bytes()[before:].decode()
            if text.endswith("\n\n"):
                return text.strip().replace("\n", "\n        ")
        time.sleep(0.05)
    return "(no answer from the app)"


@dataclass
class Sample:
    minute: float
    rss_mb: float
    frames_s: float
    cpu_pct: float
    out_kb_s: float


def soak(args: argparse.Namespace) -> None:
    cols, rows = args.size
    print(
        f"soak: {args.minutes:g} min, market speed {args.market_speed:g}, {cols}x{rows}, "
        f"RSS every {args.every:g} s; machine: {os.cpu_count()} cores, "
        f"load {os.getloadavg()[0]:.2f}",
        flush=True,
    )
    samples: list[Sample] = []
    with tempfile.TemporaryDirectory() as tmp, simulator(args.market_speed, args.seed) as sim:
        frames = sim.frames
        home = Path(tmp)
        diagnosis = home / "diagnosis.txt" if args.diagnose else None
        command = None
        if diagnosis is not None:
            command = [sys.executable, str(Path(__file__).resolve()), "--in-app", str(diagnosis)]
            if args.allocations is not None:
                command += ["--allocations", str(args.allocations)]
        app = PtyApp(app_environment(sim.url, home, args.app_source), home, cols, rows, command)
        start = time.monotonic()
        sent0, _ = frames()
        last = (start, sent0, app.cpu_s(), 0)
        print(f"{'min':>6} {'RSS MB':>8} {'frames/s':>9} {'CPU %':>6} {'out KB/s':>9}")
        try:
            end = start + args.minutes * 60
            while (now := time.monotonic()) < end:
                time.sleep(min(args.every, end - now) if samples else min(args.every, 2.0))
                if not app.alive():
                    print("the app exited; see its log file", file=sys.stderr)
                    break
                now = time.monotonic()
                sent, dropped = frames()
                cpu, out = app.cpu_s(), app.bytes_out
                span = now - last[0]
                sample = Sample(
                    (now - start) / 60,
                    app.rss_mb(),
                    (sent - last[1]) / span,
                    100 * (cpu - last[2]) / span,
                    (out - last[3]) / span / 1024,
                )
                last = (now, sent, cpu, out)
                samples.append(sample)
                print(
                    f"{sample.minute:6.1f} {sample.rss_mb:8.1f} {sample.frames_s:9.0f} "
                    f"{sample.cpu_pct:6.1f} {sample.out_kb_s:9.1f}",
                    flush=True,
                )
                if diagnosis is not None:
                    print("       ", diagnose(app.pid, diagnosis), flush=True)
        except KeyboardInterrupt:
            print("interrupted: the figures below cover the samples so far")
        finally:
            app.quit()
        log = home / "mdtui.log"
        lines = log.read_text().splitlines() if log.exists() else []
        errors = [line for line in lines if " ERROR " in line]
        reconnects = [line for line in lines if "reconnect" in line]
        if dropped:
            print(f"note: the simulator dropped {dropped} frames (a client fell behind)")
        if errors:
            print(f"note: {len(errors)} error lines in the app's log, first: {errors[0]}")
        if reconnects:
            print(f"note: {len(reconnects)} reconnects in the app's log, first: {reconnects[0]}")
    report(samples, args.warmup)


def report(samples: list[Sample], warmup: float) -> None:
    if len(samples) < 3:
        print("too few samples for a slope")
        return
    window = [s for s in samples if s.minute >= warmup]
    if len(window) < 3:
        window = samples[len(samples) // 2 :]
        print("(run shorter than the warm-up: the slope covers the second half only)")
    xs = [s.minute for s in window]
    ys = [s.rss_mb for s in window]
    mx, my = sum(xs) / len(xs), sum(ys) / len(ys)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, ys, strict=True)) / sum(
        (x - mx) ** 2 for x in xs
    )
    span = xs[-1] - xs[0]
    rate = sum(s.frames_s for s in samples[1:]) / max(len(samples) - 1, 1)
    cpu = sum(s.cpu_pct for s in samples[1:]) / max(len(samples) - 1, 1)
    out = sum(s.out_kb_s for s in samples[1:]) / max(len(samples) - 1, 1)
    print(
        f"\nRSS {samples[0].rss_mb:.1f} MB at {samples[0].minute:.1f} min, "
        f"{window[0].rss_mb:.1f} MB at {xs[0]:.1f} min, {ys[-1]:.1f} MB at {xs[-1]:.1f} min; "
        f"peak {max(s.rss_mb for s in samples):.1f} MB"
    )
    print(
        f"after minute {xs[0]:.1f}: growth {ys[-1] - ys[0]:+.2f} MB over {span:.1f} min "
        f"(last sample - first), least-squares slope {slope:+.4f} MB/min "
        f"({slope * span:+.2f} MB over the window)"
    )
    print(
        f"frames/s received (sent by the simulator): {rate:.0f}; app CPU {cpu:.1f} % of a core;"
        f" output to the terminal {out:.1f} KB/s"
    )


# -- diagnosing: figures from inside the app in the pseudo-terminal -----------------------


def in_app(  # pragma: no cover - runs as the app process
    report: Path, allocations: float | None
) -> None:
    """Run ``mdtui`` as the CLI does; on each SIGUSR1 append to ``report`` what Python's
    allocator holds (pymalloc arenas, bytes in live blocks) and the object kinds whose
    count grew the most since the first signal. With ``allocations`` (minutes), every
    allocation's line is traced (``tracemalloc``, one frame: the app runs slower) and each
    report after that minute also lists the source lines whose live memory grew the most
    since the first report after it."""
    from mdtui.cli import main as mdtui

    first: list[Counter[str]] = []
    started = time.monotonic()
    base: list[tracemalloc.Snapshot] = []
    if allocations is not None:
        tracemalloc.start(1)

    def dump(*_: object) -> None:
        gc.collect()  # count live objects, not the garbage of the last moments
        stats = malloc_stats()
        counts = type_counts()
        if not first:
            first.append(counts)
        grown = sorted(((counts[k] - first[0].get(k, 0), k) for k in counts), reverse=True)
        top = ", ".join(f"{name} {diff:+d}" for diff, name in grown[:8] if diff > 0)
        lines = [
            f"arenas {stats.get('# arenas allocated current', 0)} "
            f"(made {stats.get('# arenas allocated total', 0)}, "
            f"freed {stats.get('# arenas reclaimed', 0)}), "
            f"live blocks {stats.get('# bytes in allocated blocks', 0) / 2**20:.2f} MB, "
            f"free blocks {stats.get('# bytes in available blocks', 0) / 2**20:.2f} MB, "
            f"objects {sum(counts.values())}; grown: {top or '-'}",
            f"fullest caches: {cache_sizes()}",
        ]
        if allocations is not None and time.monotonic() - started >= allocations * 60:
            snapshot = tracemalloc.take_snapshot()
            traced = tracemalloc.get_traced_memory()[0] / 2**20
            if not base:
                base.append(snapshot)
                lines.append(f"traced {traced:.2f} MB: the allocations' baseline")
            else:
                grown_at = [
                    stat for stat in snapshot.compare_to(base[0], "lineno") if stat.size_diff > 0
                ]
                lines.append(f"traced {traced:.2f} MB; grew since the baseline at:")
                lines += [
                    f"  {stat.size_diff / 1024:+8.1f} KiB {stat.count_diff:+7d} "
                    f"{stat.traceback[0].filename.rpartition('site-packages/')[2]}"
                    f":{stat.traceback[0].lineno}"
                    for stat in grown_at[:12]
                ]
        with report.open("a") as out:
            out.write("\n".join(lines) + "\n\n")

    signal.signal(signal.SIGUSR1, dump)
    sys.argv = ["mdtui"]
    raise SystemExit(mdtui([]))


def cache_sizes(top: int = 6) -> str:
    """The biggest memoising caches alive (``functools.lru_cache`` and Textual's
    ``LRUCache``/``FIFOCache``), as entries/capacity: a cache that fills slowly over an
    hour looks like a leak until it is full."""
    from textual.cache import FIFOCache, LRUCache

    from mdtui.ui.memo_caches import memo_caches

    sizes: list[tuple[int, str]] = []
    for wrapper in memo_caches():
        info = wrapper.cache_info()
        name = f"{wrapper.__module__}.{wrapper.__qualname__}"
        sizes.append((info.currsize, f"{name} {info.currsize}/{info.maxsize}"))
    for obj in gc.get_objects():  # made since start-up (the frozen ones are not listed)
        if isinstance(obj, LRUCache | FIFOCache) and len(obj) >= 256:
            sizes.append((len(obj), f"{type(obj).__name__} {len(obj)}/{obj.maxsize}"))
    sizes.sort(reverse=True)
    return ", ".join(text for _, text in sizes[:top])


def malloc_stats() -> dict[str, int]:
    """The summary figures of ``sys._debugmallocstats`` (it writes to the C stderr)."""
    read, write = os.pipe()
    saved = os.dup(2)
    os.dup2(write, 2)
    os.close(write)
    try:
        sys._debugmallocstats()
    finally:
        os.dup2(saved, 2)
        os.close(saved)
    os.set_blocking(read, False)
    text = b""
    with contextlib.suppress(BlockingIOError):
        while chunk := os.read(read, 1 << 20):
            text += chunk
    os.close(read)
    figures = {}
    for line in text.decode().splitlines():
        name, _, value = line.partition("=")
        if name.startswith("#") and value.strip().replace(",", "").isdigit():
            figures[name.strip()] = int(value.strip().replace(",", ""))
    return figures


# -- tracing: the app in this process, headless ---------------------------------------------


def trace(args: argparse.Namespace) -> None:
    cols, rows = args.size
    with tempfile.TemporaryDirectory() as tmp, simulator(args.market_speed, args.seed) as sim:
        home = Path(tmp)
        os.environ.update(app_environment(sim.url, home))
        os.chdir(home)
        asyncio.run(traced_run(args, sim.frames, (cols, rows)))


async def traced_run(args: argparse.Namespace, frames, size: tuple[int, int]) -> None:  # type: ignore[no-untyped-def]
    from mdtui.settings import load_settings
    from mdtui.ui.app import make_app

    app = make_app(load_settings())
    tracemalloc.start(args.frames)
    start = time.monotonic()
    base: tracemalloc.Snapshot | None = None
    base_types: Counter[str] = Counter()
    async with app.run_test(size=size) as pilot:
        sent0, _ = frames()
        end = start + args.minutes * 60
        while time.monotonic() < end:
            await pilot.pause(min(args.every, end - time.monotonic()))
            minute = (time.monotonic() - start) / 60
            current, _ = tracemalloc.get_traced_memory()
            sent, _ = frames()
            print(
                f"{minute:6.1f} min: traced {current / 2**20:7.2f} MB, "
                f"frames so far {sent - sent0}, {stores(app)}",
                flush=True,
            )
            if base is None and minute >= args.warmup:
                gc.collect()
                base = tracemalloc.take_snapshot()
                base_types = type_counts()
        gc.collect()
        final = tracemalloc.take_snapshot()
        final_types = type_counts()
        await pilot.press("q")
    if base is None:
        print("the run ended before the warm-up did: nothing to compare")
        return
    print(f"\nwhere traced memory grew after minute {args.warmup:g} (top {args.top}):")
    keep = [tracemalloc.Filter(False, tracemalloc.__file__)]
    stats = final.filter_traces(keep).compare_to(base.filter_traces(keep), "traceback")
    grown_at = sorted((s for s in stats if s.size_diff > 0), key=lambda s: -s.size_diff)
    for stat in grown_at[: args.top]:
        print(f"\n{stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks")
        for line in stat.traceback.format(limit=args.frames):
            print("   ", line)
    print("\nobject counts that grew the most:")
    grown = {k: final_types[k] - base_types.get(k, 0) for k in final_types}
    for name, diff in sorted(grown.items(), key=lambda kv: -kv[1])[:15]:
        if diff > 0:
            print(f"  {diff:+8d} {name} (now {final_types[name]})")


def type_counts() -> Counter[str]:
    return Counter(type(o).__qualname__ for o in gc.get_objects())


def stores(app) -> str:  # type: ignore[no-untyped-def]
    """The sizes of the app's own stores: what could grow with time."""
    shared = app.shared
    model, account = shared.model, shared.account
    tapes = sum(len(m.tape) for m in model.markets.values())
    return (
        f"markets {len(model.markets)}, tape rows {tapes}, orders {len(account.orders)}, "
        f"fills {len(account.fills)}, toasts {len(app._notifications)}"
    )


def size(text: str) -> tuple[int, int]:
    cols, _, rows = text.partition("x")
    return int(cols), int(rows)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=60.0, help="how long (default 60)")
    parser.add_argument(
        "--market-speed",
        type=float,
        default=15.0,
        help="simulator speed-up (default 15: about 1,000 frames/s with the default watchlist)",
    )
    parser.add_argument("--every", type=float, default=30.0, help="seconds between samples")
    parser.add_argument(
        "--warmup", type=float, default=10.0, help="minutes left out of the slope (default 10)"
    )
    parser.add_argument("--size", type=size, default=(160, 48), help="terminal size (160x48)")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument(
        "--app-source",
        type=Path,
        metavar="DIR",
        help="run the app from DIR (a directory holding the mdtui package, e.g. another "
        "checkout's tui/), to compare builds",
    )
    parser.add_argument(
        "--trace", action="store_true", help="in-process, headless, with tracemalloc"
    )
    parser.add_argument("--frames", type=int, default=8, help="traceback depth for --trace")
    parser.add_argument("--top", type=int, default=25, help="growth sites shown by --trace")
    parser.add_argument(
        "--diagnose",
        action="store_true",
        help="the app also reports Python's allocator figures and the object kinds that "
        "grew, at each sample (a short stall of the app each time)",
    )
    parser.add_argument(
        "--allocations",
        type=float,
        metavar="MINUTE",
        help="with --diagnose: trace every allocation's source line and list, at each "
        "sample, where live memory grew since the first sample after MINUTE (slow)",
    )
    parser.add_argument("--in-app", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.in_app:
        in_app(args.in_app, args.allocations)
    (trace if args.trace else soak)(args)


if __name__ == "__main__":
    main()
