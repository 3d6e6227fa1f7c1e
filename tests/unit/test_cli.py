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


def test_alerts_lists_config_and_saved_alerts_and_when_they_fired(home, tmp_path) -> None:
    cfg = Path(home["XDG_CONFIG_HOME"]) / "mdtui"
    cfg.mkdir(parents=True)
    (cfg / "config.toml").write_text(
        '[[alerts]]\nname = "btc 100m"\nkind = "price"\nmarket = "upbit:KRW-BTC"\n'
        'level = 100000000\ndirection = "up"\n'
    )
    state = Path(home["XDG_STATE_HOME"]) / "mdtui"
    state.mkdir(parents=True)
    (state / "alerts.json").write_text(
        json.dumps(
            {
                "alerts": [
                    {"kind": "spread", "market": "*", "bps": "30", "muted": True},
                    {"kind": "price", "level": "1"},
                ]
            }
        )
    )
    fired = {"type": "alert", "alert": "btc 100m", "kind": "price", "venue": "upbit",
             "market": "KRW-BTC", "value": "100000000", "detail": "price crossed up",
             "ts": 1767225600000, "while_disconnected": False, "order_id": ""}  # fmt: skip
    (state / "alerts-fired.jsonl").write_text(json.dumps(fired) + "\n")
    result = mdtui("alerts", env=home)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "2 alerts:"
    assert lines[1].startswith("  armed  btc 100m  [config]  last fired 2026-01-01 09:00:00")
    assert lines[2] == "  muted  * spread above 30 bps  [saved]  never fired"
    assert "btc 100m: upbit:KRW-BTC price crossed up" in result.stdout
    assert result.stderr.count("\n") == 1 and "a price alert needs direction" in result.stderr
    rows = [json.loads(line) for line in mdtui("alerts", "--json", env=home).stdout.splitlines()]
    assert [(r["name"], r["state"]) for r in rows] == [
        ("btc 100m", "armed"),
        ("* spread above 30 bps", "muted"),
    ]
    assert rows[0]["last_fired"]["value"] == "100000000"


def test_a_bad_alert_in_the_config_stops_with_one_line(home) -> None:
    result = mdtui("alerts", env={**home, "MDTUI_ALERTS": '[{"kind": "move", "market": "x"}]'})
    assert result.returncode == 2
    assert result.stderr.splitlines() == [
        "mdtui: invalid setting alerts.0.market = 'x': must be venue:MARKET, "
        "e.g. upbit:KRW-BTC or korbit:btc_krw"
    ]
