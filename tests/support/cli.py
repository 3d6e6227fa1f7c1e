"""Running the command line as a user does: ``python -m mdtui ...`` in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def user_env(home: Path) -> dict[str, str]:
    """A user whose config and state folders are under ``home``."""
    return {"XDG_CONFIG_HOME": str(home / "cfg"), "XDG_STATE_HOME": str(home / "state")}


def environment(extra: dict[str, str] | None = None) -> dict[str, str]:
    """The current environment less any ``MDTUI_*`` setting (the tests' own), plus
    ``extra``."""
    base = {k: v for k, v in os.environ.items() if not k.startswith("MDTUI_")}
    return {**base, **(extra or {})}


def mdtui(
    *args: str,
    env: dict[str, str] | None = None,
    cwd: Path | None = None,
    timeout: float = 60,
) -> subprocess.CompletedProcess[str]:
    """Run ``mdtui ARGS`` to its end in :func:`environment` with ``env`` added."""
    return subprocess.run(
        [sys.executable, "-m", "mdtui", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=environment(env),
        cwd=cwd,
    )
