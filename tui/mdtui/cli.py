"""Command line: parse arguments, load settings, run the dashboard, watch, record or simulate.

Every expected failure (bad setting, missing file, simulator that will not start) ends in
one ``mdtui: ...`` line on stderr and a non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

from mdtui import __version__
from mdtui.settings import (
    Settings,
    SettingsError,
    check_market,
    config_permission_warning,
    load_settings,
)

EXIT_USAGE = 2
REGIONS = ("kr", "sg", "id", "th")


def _market(value: str) -> str:
    try:
        return check_market(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: {exc}") from None


def _positive(value: str) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"{value!r} must not be negative")
    return number


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="mdtui",
        description="Terminal market screen for Upbit and Korbit.",
    )
    parser.add_argument("--version", action="version", version=f"mdtui {__version__}")
    parser.add_argument(
        "--config", type=Path, help="TOML config file (default: $XDG_CONFIG_HOME/mdtui/config.toml)"
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--demo", action="store_true", help="run against the built-in simulator (no network needed)"
    )
    source.add_argument(
        "--replay",
        type=Path,
        metavar="FILE",
        help="drive the screen from a capture made with 'mdtui record'",
    )
    parser.add_argument(
        "--speed",
        type=_positive,
        default=1.0,
        help="replay speed factor (default 1; 0 = no pauses)",
    )
    parser.add_argument("--seed", type=int, default=1, help="simulator seed for --demo")
    parser.add_argument(
        "--upbit-region",
        choices=REGIONS,
        help="Upbit (kr) or Upbit Global (sg, id, th); overrides the upbit.region setting",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    watch = sub.add_parser("watch", help="print normalized events as JSON lines")
    watch.add_argument(
        "markets",
        nargs="*",
        type=_market,
        metavar="MARKET",
        help="e.g. upbit:KRW-BTC korbit:btc_krw (default: the watchlist)",
    )
    watch.add_argument("--count", type=int, default=0, help="stop after N events (0 = never)")
    wsrc = watch.add_mutually_exclusive_group()
    wsrc.add_argument("--demo", action="store_true", help="use the built-in simulator")
    wsrc.add_argument("--replay", type=Path, metavar="FILE", help="replay a capture file")
    watch.add_argument(
        "--speed", type=_positive, default=0.0, help="replay speed factor (default 0 = no pauses)"
    )
    watch.add_argument("--seed", type=int, default=1, help="simulator seed for --demo")

    record = sub.add_parser("record", help="capture raw frames to a JSON Lines file")
    record.add_argument(
        "markets",
        nargs="*",
        type=_market,
        metavar="MARKET",
        help="markets to record (default: the watchlist)",
    )
    record.add_argument("-o", "--output", type=Path, required=True, help="capture file")
    record.add_argument(
        "--duration", type=_positive, default=60.0, help="seconds to record (default 60)"
    )
    record.add_argument("--demo", action="store_true", help="record the built-in simulator")
    record.add_argument("--seed", type=int, default=1, help="simulator seed for --demo")

    simulate = sub.add_parser(
        "simulate",
        help="run the exchange simulator on loopback",
        description="Run the Upbit and Korbit simulator on one port. Its demo accounts' "
        "fixed API keys are public demo values, documented in the module "
        "mdtui.sim.engine.demo_keys.",
    )
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=int, default=8765, help="0 picks a free port")
    simulate.add_argument("--seed", type=int, default=1)
    simulate.add_argument(
        "--upbit-region",
        choices=REGIONS,
        default="kr",
        help="the Upbit listing to serve: kr (KRW, BTC, USDT) or Global sg, id, th",
    )
    simulate.add_argument("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)
    return parser


def setup_logging(settings: Settings) -> str | None:
    """Log to the configured file only: never to the terminal the UI draws on. Returns a
    warning when the log file cannot be written (logging is then off)."""
    root = logging.getLogger()
    root.setLevel(logging.INFO)
    for old in list(root.handlers):
        root.removeHandler(old)
    warning = None
    try:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        handler: logging.Handler = logging.FileHandler(settings.log_file, encoding="utf-8")
    except OSError as exc:
        warning = f"cannot write log file {settings.log_file}: {exc.strerror}; logging is off"
        print(f"mdtui: {warning}", file=sys.stderr)
        handler = logging.NullHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    for noisy in ("httpx", "httpcore", "websockets"):
        logging.getLogger(noisy).setLevel(logging.WARNING)
    return warning


def _exit_when_stdin_closes() -> None:
    def wait() -> None:
        with contextlib.suppress(OSError):
            while os.read(0, 4096):  # unbuffered: no lock to trip over at shutdown
                pass
        os._exit(0)

    threading.Thread(target=wait, daemon=True).start()


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "simulate":
        from mdtui.sim.server import main as simulate

        if args.exit_with_stdin:
            _exit_when_stdin_closes()
        return simulate(args.host, args.port, args.seed, args.upbit_region)

    region = {"upbit": {"region": args.upbit_region}} if args.upbit_region else {}
    try:
        settings = load_settings(args.config, **region)
    except SettingsError as exc:
        print(f"mdtui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    warnings = [w for w in (setup_logging(settings),) if w]
    warning = config_permission_warning(args.config)
    if warning:
        logging.getLogger("mdtui").warning(warning)
        print(f"mdtui: warning: {warning}", file=sys.stderr)
        warnings.append(warning)
    replay: Path | None = args.replay
    if replay is not None and not replay.is_file():
        print(f"mdtui: capture file {replay} does not exist", file=sys.stderr)
        return EXIT_USAGE

    from mdtui.demo import DemoError
    from mdtui.feed.recorder import CaptureError

    try:
        if args.command == "watch":
            from mdtui.headless import watch

            return _run(
                watch(
                    settings,
                    args.markets or ([] if replay else settings.watchlist),
                    count=args.count,
                    demo=args.demo,
                    replay=replay,
                    speed=args.speed,
                    seed=args.seed,
                )
            )
        if args.command == "record":
            from mdtui.headless import record

            return _run(
                record(
                    settings,
                    args.markets or settings.watchlist,
                    args.output,
                    duration=args.duration,
                    demo=args.demo,
                    seed=args.seed,
                )
            )
        from mdtui.ui.app import run_dashboard

        return run_dashboard(
            settings,
            demo=args.demo,
            replay=replay,
            speed=args.speed,
            seed=args.seed,
            warnings=warnings,
        )
    except (DemoError, CaptureError) as exc:
        print(f"mdtui: {exc}", file=sys.stderr)
        return 1


def _run(coro: object) -> int:
    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        return 130
