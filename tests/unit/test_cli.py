"""The command line as a user runs it: real subprocesses, real simulator."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def mdtui(*args: str, env: dict[str, str] | None = None, timeout: float = 60):
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "mdtui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=full_env,
    )


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    return {"XDG_CONFIG_HOME": str(tmp_path / "cfg"), "XDG_STATE_HOME": str(tmp_path / "state")}


def test_version() -> None:
    from mdtui import __version__

    result = mdtui("--version")
    assert result.returncode == 0 and result.stdout.strip() == f"mdtui {__version__}"


def test_bad_setting_is_one_line_and_exit_2(home) -> None:
    result = mdtui("watch", "--demo", env={**home, "MDTUI_COLORS": "purple"})
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "mdtui: invalid setting colors = 'purple': Input should be 'korean' or 'western'"
    ]
    assert "Traceback" not in result.stderr


def test_bad_market_argument(home) -> None:
    result = mdtui("watch", "upbit:btc", env=home)
    assert result.returncode == 2 and "Upbit markets are QUOTE-BASE" in result.stderr


def test_watch_demo_prints_events_from_both_exchanges(home) -> None:
    result = mdtui("watch", "--demo", "upbit:KRW-BTC", "korbit:btc_krw", "--count", "20", env=home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert len(lines) == 20
    events = [json.loads(line) for line in lines]
    assert {e["venue"] for e in events} == {"upbit", "korbit"}
    assert {e["type"] for e in events} <= {"ticker", "trade", "book"}
    book = next(e for e in events if e["type"] == "book")
    assert isinstance(book["bids"][0][0], str), "decimals are exact strings"


def test_watch_demo_in_an_upbit_global_region_shows_its_fiat_markets(home) -> None:
    result = mdtui("--upbit-region", "sg", "watch", "--demo", "--count", "30", env=home)
    assert result.returncode == 0, result.stderr
    events = [json.loads(line) for line in result.stdout.splitlines()]
    upbit = {e["market"] for e in events if e["venue"] == "upbit"}
    assert upbit and all(m.startswith("SGD-") for m in upbit)
    assert {e["market"] for e in events if e["venue"] == "korbit"} <= {
        "btc_krw", "eth_krw", "xrp_krw", "sol_krw", "usdt_krw",
    }  # fmt: skip


def test_simulate_refuses_an_unknown_upbit_region(home) -> None:
    result = mdtui("simulate", "--upbit-region", "xx", env=home)
    assert result.returncode == 2 and "invalid choice: 'xx'" in result.stderr
    assert "Traceback" not in result.stderr


def test_record_then_watch_replay(home, tmp_path) -> None:
    capture = tmp_path / "capture.jsonl"
    result = mdtui(
        "record",
        "--demo",
        "upbit:KRW-BTC",
        "korbit:btc_krw",
        "--duration",
        "2",
        "-o",
        str(capture),
        env=home,
    )
    assert result.returncode == 0, result.stderr
    assert "recorded" in result.stderr
    records = [json.loads(line) for line in capture.read_text().splitlines()]
    assert {r["venue"] for r in records} == {"upbit", "korbit"}

    replayed = mdtui("watch", "--replay", str(capture), env=home)
    assert replayed.returncode == 0, replayed.stderr
    events = [json.loads(line) for line in replayed.stdout.splitlines()]
    assert len(events) >= len(records) // 2
    assert {e["venue"] for e in events} == {"upbit", "korbit"}
    only_btc = mdtui("watch", "--replay", str(capture), "korbit:btc_krw", env=home)
    assert {json.loads(x)["venue"] for x in only_btc.stdout.splitlines()} == {"korbit"}


def test_missing_replay_file(home) -> None:
    result = mdtui("watch", "--replay", str(Path("no-such-capture.jsonl")), env=home)
    assert result.returncode == 2 and "does not exist" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "field"),
    [
        ("MDTUI_WATCHLIST", '["upbit:KRW-BTC"', "watchlist"),
        ("MDTUI_WATCHLIST", "upbit:KRW-BTC", "watchlist"),
        ("MDTUI_KEYS", "quit=x", "keys"),
    ],
)
def test_environment_value_that_is_not_json_is_one_line(home, name, value, field) -> None:
    """Issue: a list or table in the environment that is not JSON ended in about 30 lines
    of pydantic-settings traceback."""
    result = mdtui("watch", "--count", "1", env={**home, name: value})
    assert result.returncode == 2
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"mdtui: invalid setting {field}: {name} must be JSON")
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("content", [b"\x00\x01\xffbinary", b'{"t": 1, "venue": "upbit", "ch'])
def test_watch_replay_of_a_bad_capture_is_one_line(home, tmp_path, content) -> None:
    """Issue: ``watch --replay`` of a binary file, or of a capture cut mid-line, ended in
    a CaptureError traceback."""
    capture = tmp_path / "bad.jsonl"
    capture.write_bytes(content)
    result = mdtui("watch", "--replay", str(capture), env=home)
    assert result.returncode == 1
    (line,) = result.stderr.strip().splitlines()
    assert line.startswith(f"mdtui: {capture}:1: ") and "Traceback" not in result.stderr
