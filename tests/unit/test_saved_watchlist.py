import json

from mdtui import saved_watchlist

CONFIGURED = ["upbit:KRW-BTC", "korbit:btc_krw"]


def test_edits_survive_a_restart(tmp_path) -> None:
    path = tmp_path / "watchlist.json"
    assert saved_watchlist.load(CONFIGURED, path) == CONFIGURED
    saved_watchlist.save(CONFIGURED, ["korbit:btc_krw", "upbit:KRW-LINK"], path)
    assert saved_watchlist.load(CONFIGURED, path) == ["korbit:btc_krw", "upbit:KRW-LINK"]


def test_a_changed_config_wins(tmp_path) -> None:
    path = tmp_path / "watchlist.json"
    saved_watchlist.save(CONFIGURED, ["upbit:KRW-LINK"], path)
    assert saved_watchlist.load(["upbit:KRW-ETH"], path) == ["upbit:KRW-ETH"]


def test_a_damaged_file_is_ignored(tmp_path) -> None:
    path = tmp_path / "watchlist.json"
    for text in (
        "{not json",
        json.dumps({"configured": CONFIGURED, "watchlist": ["x"]}),
        json.dumps([1, 2]),
    ):
        path.write_text(text)
        assert saved_watchlist.load(CONFIGURED, path) == CONFIGURED
