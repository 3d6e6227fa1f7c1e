"""The watchlist as edited in the dashboard (search adds, ``d`` removes), kept across runs.

Saved as JSON in ``$XDG_STATE_HOME/mdtui/watchlist.json`` together with the configured
watchlist it was edited from. At start the saved list is used only while the configured
one is still the same: change ``watchlist`` in the config file or environment and the
configuration wins again (and the old edits are dropped). Demo and replay sessions save
nothing. A missing or damaged file is ignored, never an error.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

from mdtui.settings import check_market
from mdtui.state_files import state_dir, write_json

log = logging.getLogger(__name__)


def default_path() -> Path:
    return state_dir() / "watchlist.json"


def load(configured: list[str], path: Path | None = None) -> list[str]:
    """The watchlist to start with: the saved edits of ``configured``, else ``configured``."""
    path = path or default_path()
    try:
        saved = json.loads(path.read_text(encoding="utf-8"))
        if saved.get("configured") != configured:
            return configured
        return [check_market(key) for key in saved["watchlist"]]
    except FileNotFoundError:
        return configured
    except (OSError, ValueError, TypeError, KeyError, AttributeError) as exc:
        log.warning("ignoring the saved watchlist %s: %s", path, exc)
        return configured


def save(configured: list[str], current: list[str], path: Path | None = None) -> None:
    """Remember ``current`` as the edited form of ``configured`` (best effort)."""
    path = path or default_path()
    try:
        write_json(path, {"configured": configured, "watchlist": current})
    except OSError as exc:
        log.warning("cannot save the watchlist to %s: %s", path, exc.strerror)
