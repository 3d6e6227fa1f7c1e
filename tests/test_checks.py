"""The project's static checks, run with the tests so one command runs everything:
format, lint, import contracts (the layers) and types. Each check's own output is shown
on failure."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent

CHECKS = {
    "format": [str(BIN / "ruff"), "format", "--check", "."],
    "lint": [str(BIN / "ruff"), "check", "."],
    "layers": [str(BIN / "lint-imports")],
    "types": [sys.executable, "-m", "mypy"],
}


@pytest.mark.timeout(900)
@pytest.mark.parametrize("name", sorted(CHECKS))
def test_check(name: str) -> None:
    result = subprocess.run(
        CHECKS[name], cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    assert result.returncode == 0, f"{name} check failed:\n{result.stdout}\n{result.stderr}"
