"""The command line as a user runs it: real subprocesses, real simulator."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.cli import environment, mdtui, user_env


@pytest.fixture
def home(tmp_path) -> dict[str, str]:
    return user_env(tmp_path)


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


def test_watch_stops_when_its_reader_goes_away(home) -> None:
    """``mdtui watch --demo | head -2``: a closed stdout ended in a reconnect loop (the
    broken pipe was taken for a failed socket) and never exited."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "mdtui", "watch", "--demo", "upbit:KRW-BTC"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment(home),
    )
    assert proc.stdout is not None and proc.stderr is not None
    assert json.loads(proc.stdout.readline())["venue"] == "upbit"
    proc.stdout.close()
    try:
        status = proc.wait(timeout=30)
    finally:
        proc.kill()
    errors = proc.stderr.read().decode()
    assert status == 0, errors
    assert "Traceback" not in errors and "BrokenPipe" not in errors
