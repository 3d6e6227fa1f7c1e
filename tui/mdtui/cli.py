"""Command line: parse arguments, load settings, run the dashboard, watch, record or simulate.

Every expected failure (bad setting, missing file, simulator that will not start) ends in
one ``mdtui: ...`` line on stderr and a non-zero status, never a traceback.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

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


class Parser(argparse.ArgumentParser):
    """argparse, with a mistake said in one line (the usage is one ``--help`` away)."""

    def error(self, message: str) -> NoReturn:
        command = self.prog.partition(" ")[2]
        text = message.removeprefix("argument ")
        if command:
            text = f"{command} {text}" if text != message else f"{command}: {text}"
        self.exit(EXIT_USAGE, f"mdtui: {text} (see: {self.prog} --help)\n")


def _path(value: str) -> Path:
    return Path(value).expanduser()


def _market(value: str) -> str:
    try:
        return check_market(value)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"{value!r}: {exc}") from None


def _whole(value: str, low: int | None = None, high: int | None = None) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
    if (low is not None and number < low) or (high is not None and number > high):
        bounds = f"from {low} to {high}" if high is not None else f"{low} or more"
        raise argparse.ArgumentTypeError(f"{value!r} must be {bounds}")
    return number


def _seed(value: str) -> int:
    return _whole(value)


def _count(value: str) -> int:
    return _whole(value, 0)


def _port(value: str) -> int:
    return _whole(value, 0, 65535)


def _seconds(value: str, *, zero: bool) -> float:
    try:
        number = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number") from None
    if not math.isfinite(number) or number < 0 or (number == 0 and not zero):
        raise argparse.ArgumentTypeError(
            f"{value!r} must be a number {'of 0 or more' if zero else 'above 0'}"
        )
    return number


def _speed(value: str) -> float:
    return _seconds(value, zero=True)


def _duration(value: str) -> float:
    return _seconds(value, zero=False)


MARKET_SPEEDS = (0.1, 100.0)
"""The range of ``--market-speed``: below 0.1 a market barely moves; above 100 the clock's
step (1 ms at 100) is shorter than the simulator can keep time for."""


def _market_speed(value: str) -> float:
    low, high = MARKET_SPEEDS
    try:
        number = float(value)
    except ValueError:
        number = math.nan
    if not low <= number <= high:
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a speed: give a number from {low:g} to {high:g} "
            "(1 = the normal pace, 10 = ten times faster)"
        )
    return number


def build_parser() -> Parser:
    """The options before a command (``mdtui --demo watch``) and after it (``mdtui watch
    --demo``) mean the same: a command's own copy leaves the value unset when absent."""
    parser = Parser(
        prog="mdtui",
        description="Terminal market screen for Upbit and Korbit.",
    )
    parser.add_argument("--version", action="version", version=f"mdtui {__version__}")
    parser.add_argument(
        "--config",
        type=_path,
        help="TOML config file (default: $XDG_CONFIG_HOME/mdtui/config.toml)",
    )
    source = parser.add_mutually_exclusive_group()
    source.add_argument(
        "--demo", action="store_true", help="run against the built-in simulator (no network needed)"
    )
    source.add_argument(
        "--replay",
        type=_path,
        metavar="FILE",
        help="drive the screen from a capture made with 'mdtui record'",
    )
    parser.add_argument(
        "--speed",
        type=_speed,
        help="replay speed factor (default 1; 0 = no pauses)",
    )
    parser.add_argument("--seed", type=_seed, default=1, help="simulator seed for --demo")
    parser.add_argument(
        "--upbit-region",
        choices=REGIONS,
        help="Upbit (kr) or Upbit Global (sg, id, th); overrides the upbit.region setting",
    )
    parser.add_argument(
        "--market-speed",
        type=_market_speed,
        metavar="F",
        help="with --demo: run the simulated markets F times faster (default 1)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    unset = argparse.SUPPRESS

    watch = sub.add_parser("watch", help="print normalized events as JSON lines")
    watch.add_argument(
        "markets",
        nargs="*",
        type=_market,
        metavar="MARKET",
        help="e.g. upbit:KRW-BTC korbit:btc_krw (default: the watchlist)",
    )
    watch.add_argument("--count", type=_count, default=0, help="stop after N events (0 = never)")
    wsrc = watch.add_mutually_exclusive_group()
    wsrc.add_argument(
        "--demo", action="store_true", default=unset, help="use the built-in simulator"
    )
    wsrc.add_argument(
        "--replay", type=_path, default=unset, metavar="FILE", help="replay a capture file"
    )
    watch.add_argument(
        "--speed", type=_speed, default=unset, help="replay speed factor (default 0 = no pauses)"
    )
    watch.add_argument("--seed", type=_seed, default=unset, help="simulator seed for --demo")
    watch.add_argument("--config", type=_path, default=unset, help="TOML config file")

    record = sub.add_parser("record", help="capture raw frames to a JSON Lines file")
    record.add_argument(
        "markets",
        nargs="*",
        type=_market,
        metavar="MARKET",
        help="markets to record (default: the watchlist)",
    )
    record.add_argument("-o", "--output", type=_path, required=True, help="capture file")
    record.add_argument(
        "--duration", type=_duration, default=60.0, help="seconds to record (default 60)"
    )
    record.add_argument(
        "--demo", action="store_true", default=unset, help="record the built-in simulator"
    )
    record.add_argument("--seed", type=_seed, default=unset, help="simulator seed for --demo")
    record.add_argument("--config", type=_path, default=unset, help="TOML config file")

    alerts = sub.add_parser(
        "alerts",
        help="list the alerts (config and saved), armed or muted, and when they last fired",
    )
    alerts.add_argument("--json", action="store_true", help="one JSON object per alert")
    alerts.add_argument("--config", type=_path, default=unset, help="TOML config file")

    simulate = sub.add_parser(
        "simulate",
        help="run the exchange simulator on loopback",
        description="Run the Upbit and Korbit simulator on one port. Its demo accounts' "
        "fixed API keys are public demo values, documented in the module "
        "mdtui.sim.engine.demo_keys.",
    )
    simulate.add_argument("--host", default="127.0.0.1")
    simulate.add_argument("--port", type=_port, default=8765, help="0 picks a free port")
    simulate.add_argument("--seed", type=_seed, default=unset)
    simulate.add_argument(
        "--upbit-region",
        choices=REGIONS,
        default=unset,
        help="the Upbit listing to serve: kr (KRW, BTC, USDT) or Global sg, id, th",
    )
    simulate.add_argument(
        "--market-speed",
        type=_market_speed,
        default=unset,
        metavar="F",
        help="run the market clock F times faster than the normal pace (default 1)",
    )
    simulate.add_argument("--exit-with-stdin", action="store_true", help=argparse.SUPPRESS)
    return parser


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    """The arguments, with the options that do not fit the command refused."""
    parser = build_parser()
    args = parser.parse_args(argv)
    command = args.command
    if args.demo and args.replay is not None:
        parser.error("--demo and --replay cannot be used together")
    if command in ("record", "simulate", "alerts"):
        for flag, given in (("--replay", args.replay), ("--speed", args.speed)):
            if given is not None:
                parser.error(f"{command} takes no {flag}")
    if command == "simulate" and args.demo:
        parser.error("simulate takes no --demo (it is the simulator)")
    if command == "alerts" and args.demo:
        parser.error("alerts takes no --demo")
    if args.market_speed is not None and command != "simulate" and (command or not args.demo):
        parser.error("--market-speed works with --demo (the dashboard) and with simulate")
    if args.speed is None:
        args.speed = 0.0 if command == "watch" else 1.0
    return args


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
    args = parse_args(argv)
    if args.command == "simulate":
        from mdtui.sim.server import main as simulate

        if args.exit_with_stdin:
            _exit_when_stdin_closes()
        return simulate(
            args.host, args.port, args.seed, args.upbit_region or "kr", args.market_speed or 1.0
        )

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
        problem = (
            "is a folder"
            if replay.is_dir()
            else "is not a regular file"
            if replay.exists()
            else "does not exist"
        )
        print(f"mdtui: capture file {replay} {problem}", file=sys.stderr)
        return EXIT_USAGE

    if args.command == "alerts":
        from mdtui.alerts_command import print_alerts

        return print_alerts(settings, args.json)

    from mdtui.demo import DemoError
    from mdtui.feed.recorder import CaptureError, check_capture

    try:
        if replay is not None:
            check_capture(replay)
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
        from mdtui.heap import limit_arenas
        from mdtui.ui.app import run_dashboard

        limit_arenas()  # before the feeds' thread starts
        return run_dashboard(
            settings,
            demo=args.demo,
            replay=replay,
            speed=args.speed,
            seed=args.seed,
            market_speed=args.market_speed or 1.0,
            warnings=warnings,
        )
    except SettingsError as exc:  # a setting only the dashboard reads (the theme)
        print(f"mdtui: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except (DemoError, CaptureError) as exc:
        print(f"mdtui: {exc}", file=sys.stderr)
        return 1


def _run(coro: object) -> int:
    try:
        return asyncio.run(coro)  # type: ignore[arg-type]
    except KeyboardInterrupt:
        return 130
