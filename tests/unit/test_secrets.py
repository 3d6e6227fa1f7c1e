"""No secret reaches a log file, the terminal output or a capture file.

Runs the real CLI against a real simulator with the demo keys configured through the
environment (as a user would), on the happy path and with a rejected key.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mdtui.sim import demo_keys as keys

SECRETS = (keys.UPBIT_SECRET_KEY, keys.KORBIT_HMAC_SECRET, "wrong-s3cret-value")


@pytest.fixture(scope="module")
def simulator() -> Iterator[str]:
    proc = subprocess.Popen(
        [sys.executable, "-m", "mdtui", "simulate", "--port", "0", "--exit-with-stdin"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert proc.stdout is not None
    line = proc.stdout.readline()
    url = re.search(r"(http://\S+)", line).group(1)  # type: ignore[union-attr]
    yield url
    proc.terminate()
    proc.wait(5)


def run_cli(url: str, tmp_path: Path, upbit_secret: str, *args: str):
    env = {
        **os.environ,
        "XDG_CONFIG_HOME": str(tmp_path / "cfg"),
        "XDG_STATE_HOME": str(tmp_path / "state"),
        "MDTUI_UPBIT__URL": url,
        "MDTUI_KORBIT__URL": url,
        "MDTUI_UPBIT__ACCESS_KEY": keys.UPBIT_ACCESS_KEY,
        "MDTUI_UPBIT__SECRET_KEY": upbit_secret,
        "MDTUI_KORBIT__API_KEY": keys.KORBIT_HMAC_API_KEY,
        "MDTUI_KORBIT__SECRET_KEY": keys.KORBIT_HMAC_SECRET,
    }
    return subprocess.run(
        [sys.executable, "-m", "mdtui", *args], env=env, capture_output=True, text=True, timeout=60
    )


@pytest.mark.parametrize("upbit_secret", [keys.UPBIT_SECRET_KEY, "wrong-s3cret-value"])
def test_no_secret_in_logs_output_or_captures(simulator, tmp_path, upbit_secret) -> None:
    capture = tmp_path / "capture.jsonl"
    recorded = run_cli(
        simulator,
        tmp_path,
        upbit_secret,
        "record",
        "upbit:KRW-BTC",
        "korbit:btc_krw",
        "--duration",
        "10",  # Korbit's private feed seeds open orders pair by pair (193 at 40/s) first
        "-o",
        str(capture),
    )
    watched = run_cli(simulator, tmp_path, upbit_secret, "watch", "upbit:KRW-BTC", "--count", "5")
    assert recorded.returncode == 0 and watched.returncode == 0, recorded.stderr
    log_file = tmp_path / "state" / "mdtui" / "mdtui.log"
    texts = {
        "record stdout": recorded.stdout,
        "record stderr": recorded.stderr,
        "watch stdout": watched.stdout,
        "watch stderr": watched.stderr,
        "log file": log_file.read_text(),
        "capture": capture.read_text(),
    }
    assert '"channel":"private"' in texts["capture"], "the private feeds really ran"
    if upbit_secret != keys.UPBIT_SECRET_KEY:
        assert "upbit private reconnecting" in recorded.stderr
        assert "upbit.secret_key" in recorded.stderr, "the message says what to fix"
    for where, text in texts.items():
        for secret in SECRETS:
            assert secret not in text, f"a secret leaked into the {where}"
        assert not re.search(r"eyJ[\w-]+\.[\w-]+\.[\w-]+", text), f"a JWT in the {where}"
