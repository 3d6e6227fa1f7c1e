"""Themes: ``themes/*.toml`` files -> Textual ``Theme`` objects with the market colours.

A theme file::

    name = "mdtui-dark"
    dark = true
    [ui]                 # Textual's base colours: primary, background, surface, ...
    primary = "#4c9aff"
    [market]             # Korean convention: up and bids red, down and asks blue
    up = "#f6465d"
    [market.western]     # optional: the Western convention (up and bids green)
    up = "#0ecb81"

The market colours become theme variables (``$up``, ``$down``, ``$bid``, ``$ask``,
``$flash``, ``$own-order``, ``$stale`` and ``$western-up`` ...), with defaults so that
Textual's built-in themes work too. The colour convention setting picks which set ``$up``
etc. resolve to (:func:`apply_convention`).
"""

from __future__ import annotations

import logging
import tomllib
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

from textual.color import Color, ColorParseError
from textual.theme import BUILTIN_THEMES, Theme

log = logging.getLogger(__name__)

DEFAULT_THEME = "mdtui-dark"

UI_KEYS = (
    "primary",
    "secondary",
    "accent",
    "warning",
    "error",
    "success",
    "foreground",
    "background",
    "surface",
    "panel",
    "boost",
)
MARKET_KEYS = ("up", "down", "bid", "ask", "flash", "own-order", "stale", "big-trade")
CONVENTION_KEYS = ("up", "down", "bid", "ask")

MARKET_DEFAULTS: dict[str, str] = {
    "up": "#f6465d",
    "down": "#3b82f6",
    "bid": "#f6465d",
    "ask": "#3b82f6",
    "flash": "#c9a227",
    "own-order": "#c77dff",
    "stale": "#808080",
    "big-trade": "#c9a227",
    "western-up": "#0ecb81",
    "western-down": "#f6465d",
    "western-bid": "#0ecb81",
    "western-ask": "#f6465d",
}
"""Fallback market colours (Korean convention; ``western-*`` for the Western one)."""


class ThemeError(Exception):
    """A theme file is invalid; the message names the file and the problem."""


@dataclass(frozen=True)
class LoadedThemes:
    themes: list[Theme]
    errors: list[str]


def builtin_theme_dir() -> Path | None:
    """The shipped ``themes/`` folder: inside the installed package, else the source tree."""
    packaged = resources.files("mdtui") / "themes"
    if packaged.is_dir():
        return Path(str(packaged))
    source = Path(__file__).resolve().parents[3] / "themes"
    return source if source.is_dir() else None


def _color(path: Path, where: str, key: str, value: object) -> str:
    if not isinstance(value, str):
        raise ThemeError(f"{path.name}: {where}{key} must be a colour string, not {value!r}")
    try:
        Color.parse(value)
    except ColorParseError:
        raise ThemeError(f"{path.name}: {where}{key} = {value!r} is not a colour") from None
    return value


def _table(path: Path, data: dict, name: str) -> dict:
    table = data.get(name, {})
    if not isinstance(table, dict):
        raise ThemeError(f"{path.name}: [{name}] must be a table")
    return table


def parse_theme(path: Path, text: str) -> Theme:
    """Build a Theme from the TOML ``text`` of ``path``; raise ThemeError when invalid."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ThemeError(f"{path.name}: not valid TOML ({exc})") from None
    unknown = set(data) - {"name", "dark", "description", "ui", "market"}
    if unknown:
        raise ThemeError(f"{path.name}: unknown key(s) {', '.join(sorted(unknown))}")
    name = data.get("name", path.stem)
    if not isinstance(name, str) or not name.strip():
        raise ThemeError(f"{path.name}: name must be a non-empty string")
    dark = data.get("dark", True)
    if not isinstance(dark, bool):
        raise ThemeError(f"{path.name}: dark must be true or false")
    ui = _table(path, data, "ui")
    if "primary" not in ui:
        raise ThemeError(f"{path.name}: [ui] primary is required")
    colors: dict[str, str] = {}
    for key, value in ui.items():
        if key not in UI_KEYS:
            raise ThemeError(f"{path.name}: unknown colour [ui] {key}")
        colors[key] = _color(path, "[ui] ", key, value)
    market = _table(path, data, "market")
    variables: dict[str, str] = {}
    for key, value in market.items():
        if key == "western":
            if not isinstance(value, dict):
                raise ThemeError(f"{path.name}: [market.western] must be a table")
            for wkey, wvalue in value.items():
                if wkey not in CONVENTION_KEYS:
                    raise ThemeError(f"{path.name}: unknown colour [market.western] {wkey}")
                variables[f"western-{wkey}"] = _color(path, "[market.western] ", wkey, wvalue)
        elif key in MARKET_KEYS:
            variables[key] = _color(path, "[market] ", key, value)
        else:
            raise ThemeError(f"{path.name}: unknown colour [market] {key}")
    return Theme(
        name=name.strip(),
        primary=colors["primary"],
        secondary=colors.get("secondary"),
        accent=colors.get("accent"),
        warning=colors.get("warning"),
        error=colors.get("error"),
        success=colors.get("success"),
        foreground=colors.get("foreground"),
        background=colors.get("background"),
        surface=colors.get("surface"),
        panel=colors.get("panel"),
        boost=colors.get("boost"),
        dark=dark,
        variables=variables,
    )


def load_theme_file(path: Path) -> Theme:
    """Read and parse one theme file."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise ThemeError(f"{path.name}: cannot read ({exc})") from None
    return parse_theme(path, text)


def load_themes(*dirs: Path | None) -> LoadedThemes:
    """Every ``*.toml`` theme in ``dirs`` (later directories override earlier names);
    invalid files are reported in ``errors`` and skipped."""
    themes: dict[str, Theme] = {}
    errors: list[str] = []
    for folder in dirs:
        if folder is None:
            continue
        if not folder.is_dir():
            errors.append(f"theme folder {folder} does not exist")
            continue
        for path in sorted(folder.glob("*.toml")):
            try:
                theme = load_theme_file(path)
            except ThemeError as exc:
                log.warning("invalid theme: %s", exc)
                errors.append(str(exc))
                continue
            themes[theme.name] = theme
    return LoadedThemes(list(themes.values()), errors)


def theme_problem(wanted: str, loaded: LoadedThemes) -> str | None:
    """Why the ``theme`` setting cannot be used, in one line (None when it can)."""
    if wanted in BUILTIN_THEMES or any(t.name == wanted for t in loaded.themes):
        return None
    names = ", ".join(t.name for t in loaded.themes)
    skipped = f" (skipped: {'; '.join(loaded.errors)})" if loaded.errors else ""
    return (
        f"invalid setting theme = {wanted!r}: no such theme; use one of {names} "
        f"or a Textual theme such as textual-dark{skipped}"
    )


def apply_convention(variables: dict[str, str], convention: str) -> dict[str, str]:
    """Resolve ``$up``/``$down``/``$bid``/``$ask`` for the colour convention setting:
    Korean keeps them, Western takes the ``western-*`` values."""
    if convention != "western":
        return variables
    out = dict(variables)
    for key in CONVENTION_KEYS:
        out[key] = variables.get(f"western-{key}", MARKET_DEFAULTS[f"western-{key}"])
    return out
