"""Files mdtui keeps between runs in ``$XDG_STATE_HOME/mdtui`` (``~/.local/state/mdtui``):
where they live, and writing one whole or not at all."""

from __future__ import annotations

import json
import os
from pathlib import Path


def state_dir() -> Path:
    """``$XDG_STATE_HOME/mdtui``, or ``~/.local/state/mdtui``."""
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "mdtui"


def write_json(path: Path, data: object, indent: int | None = None) -> None:
    """Write ``data`` as JSON to ``path`` through a temporary file, so a crash leaves the
    old file or the new one, never half of one. Raises OSError."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp")
    tmp.write_text(json.dumps(data, indent=indent, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
