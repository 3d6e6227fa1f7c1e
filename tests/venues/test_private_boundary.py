"""The private-side protocol code and the account model stay pure: no UI, no network."""

from __future__ import annotations

import subprocess
import sys


def test_private_modules_import_neither_textual_nor_httpx() -> None:
    code = (
        "import sys\n"
        "import mdtui.venues.auth, mdtui.venues.upbit_private, mdtui.venues.korbit_private\n"
        "import mdtui.model.account\n"
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in "
        "{'textual', 'httpx', 'httpx_ws', 'websockets', 'rich', 'pydantic'})\n"
        "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert out.stdout.strip() == ""
