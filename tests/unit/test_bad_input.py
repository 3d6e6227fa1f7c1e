"""Every bad input a user can give the command line, one clear line each: the real CLI in a
subprocess, its exit status, exactly one line on stderr naming what to fix, no traceback.

Each case writes its files into a fresh folder (``{dir}`` in its arguments and
environment), with an empty config folder and no ``MDTUI_*`` setting but its own.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from tests.support.cli import mdtui, user_env
from tests.support.samples import load

T0 = 1_767_225_600_000
"""The first capture line's time (unix ms)."""


def record(t: int, venue: str, frame: bytes) -> bytes:
    line = {"t": t, "venue": venue, "channel": "public", "frame": frame.decode()}
    return json.dumps(line).encode() + b"\n"


GOOD = (
    record(T0, "upbit", load("upbit_ticker"))
    + record(T0 + 10, "upbit", load("upbit_trade"))
    + record(T0 + 20, "korbit", load("korbit_ticker"))
)
"""Three capture lines of documented frames, one event each."""
TRUNCATED = GOOD + record(T0 + 30, "korbit", load("korbit_trade"))[:45]
OUT_OF_ORDER = GOOD + record(T0 + 5, "korbit", load("korbit_trade"))
BROKEN_THEME = b'name = "mine"\n[ui]\nprimary = "nope"\n'


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    says: str
    """Text the one line on stderr must hold (``{dir}`` is the case's folder)."""
    status: int = 2
    env: dict[str, str] = field(default_factory=dict)
    files: dict[str, bytes] = field(default_factory=dict)
    hidden: str | None = None
    """A secret that must not appear anywhere in the output."""


def config(id: str, says: str, text: bytes, hidden: str | None = None) -> Case:
    """``mdtui --config FILE watch`` with ``text`` in FILE."""
    args = ("--config", "{dir}/config.toml", "watch")
    return Case(id, args, says, files={"config.toml": text}, hidden=hidden)


CASES = [
    # -- environment values that are not JSON ----------------------------------------------
    Case(
        "env-list-unclosed",
        ("watch",),
        "invalid setting watchlist: MDTUI_WATCHLIST must be JSON (a list or a table), e.g. ",
        env={"MDTUI_WATCHLIST": '["upbit:KRW-BTC"'},
    ),
    Case(
        "env-list-bare",
        ("watch",),
        "MDTUI_WATCHLIST must be JSON",
        env={"MDTUI_WATCHLIST": "upbit:KRW-BTC"},
    ),
    Case("env-keys", ("watch",), "MDTUI_KEYS must be JSON", env={"MDTUI_KEYS": "quit=x"}),
    Case(
        "env-table-secret",
        ("watch",),
        "invalid setting upbit: MDTUI_UPBIT must be JSON",
        env={"MDTUI_UPBIT": "access_key=s3cr3t-in-env"},
        hidden="s3cr3t-in-env",
    ),
    Case(
        "env-number",
        ("watch",),
        "stale_after = 'inf': must be a finite number",
        env={"MDTUI_STALE_AFTER": "inf"},
    ),
    Case(
        "env-unknown",
        ("watch",),
        "invalid setting MDTUI_COLOUR: unknown setting (did you mean MDTUI_COLORS?)",
        env={"MDTUI_COLOUR": "western"},
    ),
    Case(
        "env-unknown-nested",
        ("watch",),
        "MDTUI_UPBIT__REGOIN: unknown setting (did you mean MDTUI_UPBIT__REGION?)",
        env={"MDTUI_UPBIT__REGOIN": "sg"},
    ),
    Case(
        "dotenv-unknown",
        ("watch",),
        "invalid setting colour: unknown setting (did you mean colors?)",
        files={".env": b"DATABASE_URL=postgres://x\nMDTUI_COLOUR=western\n"},
    ),
    Case(
        "dotenv-not-utf8",
        ("watch",),
        "file .env is not UTF-8 text (byte 0xff at offset 12): save it as UTF-8",
        files={".env": b"MDTUI_THEME=\xff\n"},
    ),
    # -- capture files ---------------------------------------------------------------------
    Case(
        "watch-replay-binary",
        ("watch", "--replay", "{dir}/capture.jsonl"),
        "{dir}/capture.jsonl:1: binary data, not a capture record",
        status=1,
        files={"capture.jsonl": b"\x1f\x8b\x08\x00binary\x00\xff" * 20},
    ),
    Case(
        "watch-replay-cut",
        ("watch", "--replay", "{dir}/capture.jsonl"),
        "{dir}/capture.jsonl:4: the line is cut off: the capture ends in the middle of it",
        status=1,
        files={"capture.jsonl": TRUNCATED},
    ),
    Case(
        "watch-replay-order",
        ("watch", "--replay", "{dir}/capture.jsonl"),
        "{dir}/capture.jsonl:4: out of time order: t = 1767225600005 is 15 ms before line 3's",
        status=1,
        files={"capture.jsonl": OUT_OF_ORDER},
    ),
    Case(
        "watch-replay-not-a-record",
        ("watch", "--replay", "{dir}/capture.jsonl"),
        "{dir}/capture.jsonl:1: not a capture record (Object missing required field `t`)",
        status=1,
        files={"capture.jsonl": b'{"venue": "upbit"}\n'},
    ),
    Case(
        "watch-replay-missing",
        ("watch", "--replay", "{dir}/nope.jsonl"),
        "capture file {dir}/nope.jsonl does not exist",
    ),
    Case(
        "watch-replay-folder",
        ("watch", "--replay", "{dir}"),
        "capture file {dir} is a folder",
    ),
    Case(
        "watch-replay-device",
        ("watch", "--replay", "/dev/null"),
        "capture file /dev/null is not a regular file",
    ),
    Case(
        "dashboard-replay-binary",
        ("--replay", "{dir}/capture.jsonl"),
        "{dir}/capture.jsonl:1: binary data",
        status=1,
        files={"capture.jsonl": b"\x00\x01\x02\x03"},
    ),
    Case(
        "dashboard-replay-cut-first-line",
        ("--replay", "{dir}/capture.jsonl"),
        "{dir}/capture.jsonl:1: the line is cut off",
        status=1,
        files={"capture.jsonl": GOOD[:30]},
    ),
    Case(
        "record-over-a-capture",
        ("record", "-o", "{dir}/capture.jsonl", "--duration", "1"),
        "{dir}/capture.jsonl already exists: record to a new file",
        status=1,
        files={"capture.jsonl": GOOD},
    ),
    # -- the config file -------------------------------------------------------------------
    Case(
        "config-folder",
        ("--config", "{dir}", "watch"),
        "config file {dir} is a folder: give the path of a .toml file",
    ),
    Case(
        "config-missing",
        ("--config", "{dir}/nope.toml", "watch"),
        "config file {dir}/nope.toml does not exist",
    ),
    config(
        "toml-syntax",
        "config file {dir}/config.toml: line 2, column 1: Unclosed array",
        b'watchlist = ["upbit:KRW-BTC"\ncolors = "western"\n',
    ),
    config(
        "toml-end-of-file",
        "config file {dir}/config.toml: line 2, column 9: Invalid value at the end",
        b'colors = "western"\nnames = ',
    ),
    config(
        "toml-not-utf8",
        "config file {dir}/config.toml is not UTF-8 text (byte 0xff at offset 10)",
        b'theme = "m\xffdtui-dark"\n',
    ),
    config(
        "type-list",
        "invalid setting watchlist = 'upbit:KRW-BTC': must be a list",
        b'watchlist = "upbit:KRW-BTC"\n',
    ),
    config(
        "type-table",
        "invalid setting upbit = 'kr': must be a table",
        b'upbit = "kr"\n',
    ),
    config(
        "type-bool",
        "invalid setting bell_on_fill = 'maybe': must be true or false",
        b'bell_on_fill = "maybe"\n',
    ),
    config(
        "quiet-hours",
        "invalid setting alert_quiet_hours = '22-7': quiet hours are written HH:MM-HH:MM, "
        "e.g. 22:00-07:00",
        b'alert_quiet_hours = "22-7"\n',
    ),
    config(
        "unknown-field",
        "invalid setting colour: unknown setting (did you mean colors?)",
        b'colour = "western"\n',
    ),
    config(
        "unknown-nested-secret",
        "invalid setting upbit.acess_key: unknown setting (did you mean upbit.access_key?)",
        b'[upbit]\nacess_key = "s3cr3t-typo"\n',
        hidden="s3cr3t-typo",
    ),
    config(
        "key-remap-shown",
        'invalid setting keys."board.down" = 3: must be a string (in quotes)',
        b'[keys]\n"board.down" = 3\n',
    ),
    config(
        "secret-hidden",
        "invalid setting korbit.secret_key = <hidden>: must be a string (in quotes)",
        b"[korbit]\nsecret_key = 73310001\n",
        hidden="73310001",
    ),
    # -- watchlist entries -----------------------------------------------------------------
    config(
        "watchlist-exchange",
        "watchlist.1 = 'binance:BTCUSDT': unknown exchange 'binance' (use upbit or korbit)",
        b'watchlist = ["upbit:KRW-BTC", "binance:BTCUSDT"]\n',
    ),
    config(
        "watchlist-case",
        "watchlist.0 = 'upbit:krw-btc': Upbit markets are QUOTE-BASE in upper case",
        b'watchlist = ["upbit:krw-btc"]\n',
    ),
    config(
        "watchlist-no-venue",
        "watchlist.0 = 'btc_krw': must be venue:MARKET",
        b'watchlist = ["btc_krw"]\n',
    ),
    config(
        "watchlist-entry-type",
        "watchlist.1 = 5: must be a string (in quotes)",
        b'watchlist = ["korbit:btc_krw", 5]\n',
    ),
    # -- themes (the dashboard's: refused before the screen starts) ------------------------
    Case(
        "theme-unknown",
        ("--replay", "{dir}/capture.jsonl"),
        "invalid setting theme = 'nosuch': no such theme; use one of mdtui-",
        env={"MDTUI_THEME": "nosuch"},
        files={"capture.jsonl": GOOD},
    ),
    Case(
        "theme-broken-file",
        ("--replay", "{dir}/capture.jsonl"),
        "theme = 'mine': no such theme; use one of mdtui-contrast, mdtui-dark, mdtui-light or "
        "a Textual theme such as textual-dark (skipped: mine.toml: [ui] primary = 'nope' is "
        "not a colour)",
        env={"MDTUI_THEME": "mine", "MDTUI_THEME_DIR": "{dir}/themes"},
        files={"capture.jsonl": GOOD, "themes/mine.toml": BROKEN_THEME},
    ),
    Case(
        "theme-folder",
        ("watch",),
        "invalid setting theme_dir = '{dir}/themes': no such folder",
        env={"MDTUI_THEME_DIR": "{dir}/themes"},
    ),
    # -- exchanges: region, hosts, URLs, numbers -------------------------------------------
    config(
        "region",
        "invalid setting upbit.region = 'us': Input should be 'kr', 'sg', 'id' or 'th'",
        b'[upbit]\nregion = "us"\n',
    ),
    config(
        "host",
        "korbit.host = 'https://korbit.co.kr': 'https://korbit.co.kr' is not a domain name",
        b'[korbit]\nhost = "https://korbit.co.kr"\n',
    ),
    config(
        "url",
        "upbit.url = 'localhost:8765': 'localhost:8765' is not an http(s):// or ws(s):// URL",
        b'[upbit]\nurl = "localhost:8765"\n',
    ),
    config(
        "depth",
        "upbit.orderbook_depth = 10: Input should be 1, 5, 15 or 30",
        b"[upbit]\norderbook_depth = 10\n",
    ),
    config(
        "recv-window",
        "korbit.recv_window = 99999: Input should be less than or equal to 60000",
        b"[korbit]\nrecv_window = 99999\n",
    ),
    config(
        "big-trade",
        "big_trade_krw = '1e999999999': Input should be less than or equal to ",
        b'big_trade_krw = "1e999999999"\n',
    ),
    config(
        "stale-after",
        "stale_after = 'soon': must be a number",
        b'stale_after = "soon"\n',
    ),
    config(
        "gap-alert",
        "invalid setting gap_alert_pct = 0: Input should be greater than 0",
        b"gap_alert_pct = 0\n",
    ),
    config(
        "gap-alert-big",
        "invalid setting gap_alert_pct = 250: Input should be less than or equal to 100",
        b"gap_alert_pct = 250\n",
    ),
    Case(
        "env-gap-alert",
        ("watch",),
        "invalid setting gap_alert_pct = 'nan': must be a finite number",
        env={"MDTUI_GAP_ALERT_PCT": "nan"},
    ),
    # -- flags -----------------------------------------------------------------------------
    Case(
        "flag-unknown", ("--bogus",), "mdtui: unrecognized arguments: --bogus (see: mdtui --help)"
    ),
    Case("command-unknown", ("wach",), "mdtui: COMMAND: invalid choice: 'wach'"),
    Case(
        "count-word",
        ("watch", "--count", "ten"),
        "mdtui: watch --count: 'ten' is not a whole number (see: mdtui watch --help)",
    ),
    Case("count-negative", ("watch", "--count", "-1"), "watch --count: '-1' must be 0 or more"),
    Case(
        "market",
        ("watch", "upbit"),
        "watch MARKET: 'upbit': must be venue:MARKET, e.g. upbit:KRW-BTC or korbit:btc_krw",
    ),
    Case("seed", ("--demo", "--seed", "x"), "--seed: 'x' is not a whole number"),
    Case(
        "speed-nan",
        ("watch", "--replay", "{dir}/capture.jsonl", "--speed", "nan"),
        "watch --speed: 'nan' must be a number of 0 or more",
        files={"capture.jsonl": GOOD},
    ),
    Case("duration-zero", ("record", "-o", "x", "--duration", "0"), "must be a number above 0"),
    Case("record-no-output", ("record",), "record: the following arguments are required: -o"),
    Case("port", ("simulate", "--port", "70000"), "simulate --port: '70000' must be from 0 to"),
    Case("demo-and-replay", ("--demo", "--replay", "x"), "--replay: not allowed with argument"),
    Case(
        "demo-and-replay-across",
        ("--demo", "watch", "--replay", "{dir}/capture.jsonl"),
        "mdtui: --demo and --replay cannot be used together",
        files={"capture.jsonl": GOOD},
    ),
    Case("record-replay", ("--replay", "x", "record", "-o", "y"), "record takes no --replay"),
    Case("simulate-demo", ("--demo", "simulate"), "simulate takes no --demo"),
]


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_bad_input_is_one_line(case: Case, tmp_path: Path) -> None:
    for name, content in case.files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(content)

    def filled(text: str) -> str:
        return text.replace("{dir}", str(tmp_path))

    env = user_env(tmp_path) | {k: filled(v) for k, v in case.env.items()}
    result = mdtui(*map(filled, case.args), env=env, cwd=tmp_path, timeout=30)
    assert result.returncode == case.status, result.stderr
    assert "Traceback" not in result.stderr + result.stdout
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    assert lines[0].startswith("mdtui: "), lines[0]
    assert filled(case.says) in lines[0]
    if case.hidden:
        assert case.hidden not in result.stderr + result.stdout


def test_watch_prints_the_events_before_a_bad_line(tmp_path: Path) -> None:
    """Issue: in ``watch`` the events before the bad line are printed, then the line."""
    capture = tmp_path / "capture.jsonl"
    for content in (TRUNCATED, OUT_OF_ORDER):
        capture.write_bytes(content)
        result = mdtui("watch", "--replay", str(capture), env=user_env(tmp_path))
        assert result.returncode == 1
        events = [json.loads(line) for line in result.stdout.splitlines()]
        assert [(e["venue"], e["type"]) for e in events] == [
            ("upbit", "ticker"),
            ("upbit", "trade"),
            ("korbit", "ticker"),
        ]
        (line,) = result.stderr.splitlines()
        assert line.startswith(f"mdtui: {capture}:4: ")
