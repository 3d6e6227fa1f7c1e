"""``--demo``: run the built-in simulator in a child process and point the settings at it.

A child process keeps the simulator's CPU off the dashboard's event loop (the machine may
have two cores and the GIL would make them share one). The child exits when its stdin
closes, so it never outlives mdtui, even after a crash.
"""

from __future__ import annotations

import contextlib
import re
import select
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from pydantic import SecretStr

from mdtui.settings import Settings

READY = re.compile(r"listening on (http://\S+)")


class DemoError(Exception):
    """The simulator did not start."""


@contextlib.contextmanager
def simulator_process(
    seed: int = 1,
    log_file: Path | None = None,
    upbit_region: str = "kr",
    market_speed: float = 1.0,
) -> Iterator[str]:
    """Start ``mdtui simulate`` on a free loopback port, with Upbit's listing of
    ``upbit_region`` and its market clock ``market_speed`` times the normal pace; yield its
    base URL."""
    log = None
    if log_file is not None:
        with contextlib.suppress(OSError):
            log_file.parent.mkdir(parents=True, exist_ok=True)
            log = log_file.open("ab")
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "mdtui",
            "simulate",
            "--port",
            "0",
            "--seed",
            str(seed),
            "--upbit-region",
            upbit_region,
            "--market-speed",
            repr(market_speed),
            "--exit-with-stdin",
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=log or subprocess.DEVNULL,
    )
    try:
        assert proc.stdout is not None
        ready, _, _ = select.select([proc.stdout], [], [], 20)
        line = proc.stdout.readline().decode() if ready else ""
        match = READY.search(line)
        if not match:
            raise DemoError("the built-in simulator did not start (see the log file)")
        yield match.group(1)
    finally:
        if proc.stdin:
            with contextlib.suppress(OSError):
                proc.stdin.close()
        proc.terminate()
        try:
            proc.wait(timeout=3)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if log:
            log.close()


def point_at(settings: Settings, base_url: str, *, demo_keys: bool = False) -> Settings:
    """A copy of ``settings`` whose exchanges both use the simulator at ``base_url``.

    With ``demo_keys`` the simulator's published demo accounts are used (Upbit JWT keys,
    and Korbit's Ed25519 key, so the demo exercises the signed upgrade end to end).
    """
    upbit: dict[str, object] = {"url": base_url, "ws_url": None, "rest_url": None}
    korbit: dict[str, object] = {"url": base_url, "ws_url": None, "rest_url": None}
    if demo_keys:
        from mdtui.sim import demo_keys as keys

        upbit |= {
            "access_key": SecretStr(keys.UPBIT_ACCESS_KEY),
            "secret_key": SecretStr(keys.UPBIT_SECRET_KEY),
        }
        korbit |= {
            "api_key": SecretStr(keys.KORBIT_ED25519_API_KEY),
            "secret_key": SecretStr(keys.KORBIT_ED25519_PRIVATE_KEY_PEM),
            "private_key_file": None,
        }
    return settings.model_copy(
        update={
            "upbit": settings.upbit.model_copy(update=upbit),
            "korbit": settings.korbit.model_copy(update=korbit),
        }
    )
