from pathlib import Path

import pytest

from mdtui.settings import SettingsError, load_settings


def test_defaults_mix_both_exchanges(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    s = load_settings()
    venues = {key.split(":")[0] for key in s.watchlist}
    assert venues == {"upbit", "korbit"} and len(s.watchlist) >= 10
    assert s.colors == "korean" and s.upbit.region == "kr"


def test_sources_env_over_toml(monkeypatch, tmp_path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('theme = "mdtui-light"\ncolors = "western"\n[upbit]\nregion = "sg"\n')
    monkeypatch.setenv("MDTUI_UPBIT__REGION", "th")
    s = load_settings(cfg)
    assert s.theme == "mdtui-light" and s.colors == "western" and s.upbit.region == "th"


def test_an_upbit_global_region_quotes_the_default_watchlist_in_its_fiat(tmp_path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text('[upbit]\nregion = "sg"\n')
    s = load_settings(cfg)
    upbit = [k for k in s.watchlist if k.startswith("upbit:")]
    assert upbit and all(k.startswith("upbit:SGD-") for k in upbit)
    assert "upbit:SGD-BTC" in upbit and "korbit:btc_krw" in s.watchlist
    assert load_settings(cfg, upbit={"region": "th"}).watchlist[0] == "upbit:THB-BTC"
    cfg.write_text('watchlist = ["upbit:KRW-BTC"]\n[upbit]\nregion = "id"\n')
    assert load_settings(cfg).watchlist == ["upbit:KRW-BTC"], "a configured watchlist stays"


def test_xdg_config_file_is_read(monkeypatch, tmp_path) -> None:
    (tmp_path / "mdtui").mkdir()
    (tmp_path / "mdtui" / "config.toml").write_text('watchlist = ["korbit:btc_krw"]\n')
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    assert load_settings().watchlist == ["korbit:btc_krw"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('[upbit]\nregion = "xx"\n', "upbit.region = 'xx'"),
        ('watchlist = ["upbit:krw-btc"]\n', "watchlist.0 = 'upbit:krw-btc': Upbit markets"),
        ('watchlist = ["binance:BTCUSDT"]\n', "unknown exchange 'binance'"),
        ("[korbit]\nrecv_window = 99999\n", "korbit.recv_window = 99999"),
        ('colours = "red"\n', "colours: unknown setting"),
        ("theme = \n", "config file"),
    ],
)
def test_bad_settings_name_the_field(tmp_path, text, expected) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(text)
    with pytest.raises(SettingsError) as info:
        load_settings(cfg)
    assert expected in str(info.value)
    assert "\n" not in str(info.value)


def test_secret_values_are_hidden(monkeypatch, tmp_path) -> None:
    monkeypatch.setenv("MDTUI_UPBIT__SECRET_KEY", "s3cr3t-value")
    s = load_settings(log_file=tmp_path / "x.log")
    assert "s3cr3t-value" not in repr(s) and "s3cr3t-value" not in str(s.model_dump())
    assert s.upbit.secret_key.get_secret_value() == "s3cr3t-value"


def test_missing_explicit_config() -> None:
    with pytest.raises(SettingsError, match="does not exist"):
        load_settings(Path("/nonexistent/mdtui.toml"))


def test_world_readable_config_with_keys_warns(tmp_path) -> None:
    from mdtui.settings import config_permission_warning

    cfg = tmp_path / "config.toml"
    cfg.write_text('[upbit]\naccess_key = "acc-123"\nsecret_key = "s3cr3t-upbit"\n')
    cfg.chmod(0o644)
    warning = config_permission_warning(cfg)
    assert warning and "chmod 600" in warning
    assert "s3cr3t-upbit" not in warning and "acc-123" not in warning
    cfg.chmod(0o600)
    assert config_permission_warning(cfg) is None
    plain = tmp_path / "plain.toml"
    plain.write_text('theme = "mdtui-dark"\n')
    plain.chmod(0o644)
    assert config_permission_warning(plain) is None


def test_other_programs_lines_in_dotenv_are_left_alone(base_settings, tmp_path) -> None:
    """A ``.env`` in the current folder often belongs to another program: its lines
    without the ``MDTUI_`` prefix stopped mdtui as unknown settings."""
    (tmp_path / ".env").write_text("DATABASE_URL=postgres://x\nMDTUI_COLORS=western\n")
    assert load_settings(log_file=tmp_path / "x.log").colors == "western"


def test_a_remap_of_a_key_is_shown_and_only_secrets_are_hidden(tmp_path) -> None:
    """Issue: a value was shown as <hidden> whenever its setting's name held "key"."""
    cfg = tmp_path / "config.toml"
    cfg.write_text("[keys]\nquit = 1\n[korbit]\napi_key = 2\nprivate_key_file = 3\n")
    with pytest.raises(SettingsError) as info:
        load_settings(cfg)
    message = str(info.value)
    assert "keys.quit = 1:" in message and "korbit.api_key = <hidden>:" in message
    assert "korbit.private_key_file = 3:" in message


def test_a_path_may_start_with_the_home_folder(base_settings, tmp_path, monkeypatch) -> None:
    """``log_file = "~/logs/mdtui.log"`` made a folder named "~" in the current folder."""
    monkeypatch.setenv("HOME", str(tmp_path))
    (tmp_path / "themes").mkdir()
    cfg = tmp_path / "config.toml"
    cfg.write_text('log_file = "~/logs/mdtui.log"\ntheme_dir = "~/themes"\n')
    s = load_settings(cfg)
    assert s.log_file == tmp_path / "logs" / "mdtui.log"
    assert s.theme_dir == tmp_path / "themes"
