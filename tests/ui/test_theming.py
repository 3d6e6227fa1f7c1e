"""Theme files -> Textual themes; invalid files are reported, never fatal."""

from __future__ import annotations

from pathlib import Path

import pytest

from mdtui.ui.theming import (
    ThemeError,
    apply_convention,
    builtin_theme_dir,
    load_themes,
    parse_theme,
)

GOOD = """
name = "mine"
dark = false
[ui]
primary = "#112233"
background = "#ffffff"
[market]
up = "#ff0000"
stale = "grey"
[market.western]
up = "#00ff00"
"""


def test_shipped_themes_load():
    loaded = load_themes(builtin_theme_dir())
    names = {t.name for t in loaded.themes}
    assert {"mdtui-dark", "mdtui-light", "mdtui-contrast"} <= names
    assert loaded.errors == []
    for theme in loaded.themes:
        for var in ("up", "down", "bid", "ask", "flash", "own-order", "stale"):
            assert var in theme.variables, (theme.name, var)


def test_parse_theme_maps_market_colours_to_variables():
    theme = parse_theme(Path("mine.toml"), GOOD)
    assert theme.name == "mine" and theme.dark is False
    assert theme.primary == "#112233"
    assert theme.variables["up"] == "#ff0000"
    assert theme.variables["western-up"] == "#00ff00"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("name = ", "not valid TOML"),
        ('name = "x"\n[ui]\nbackground = "#000"', "primary is required"),
        ('name = "x"\n[ui]\nprimary = "reddish"', "'reddish' is not a colour"),
        ('name = "x"\n[ui]\nprimary = "#000"\n[market]\nupp = "#f00"', "unknown colour"),
        ('name = "x"\ncolour = 1\n[ui]\nprimary = "#000"', "unknown key(s) colour"),
        ('name = "x"\ndark = "yes"\n[ui]\nprimary = "#000"', "dark must be true or false"),
    ],
)
def test_invalid_theme_says_why(text, message):
    with pytest.raises(ThemeError, match=None) as info:
        parse_theme(Path("bad.toml"), text)
    assert message in str(info.value)
    assert str(info.value).startswith("bad.toml: ")


def test_bad_file_is_skipped_and_reported(tmp_path):
    (tmp_path / "good.toml").write_text(GOOD, encoding="utf-8")
    (tmp_path / "bad.toml").write_text("name = ", encoding="utf-8")
    loaded = load_themes(tmp_path, tmp_path / "missing")
    assert [t.name for t in loaded.themes] == ["mine"]
    assert any("bad.toml" in e for e in loaded.errors)
    assert any("does not exist" in e for e in loaded.errors)


def test_colour_convention():
    variables = {"up": "red", "down": "blue", "western-up": "green", "western-down": "red"}
    assert apply_convention(variables, "korean")["up"] == "red"
    western = apply_convention(variables, "western")
    assert (western["up"], western["down"]) == ("green", "red")
    assert western["bid"]  # falls back to the default western colours
