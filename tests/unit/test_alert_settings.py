"""Alerts in the config file, the saved alerts file and the fired log."""

from __future__ import annotations

import json
from decimal import Decimal as D

import pytest

from mdtui import saved_alerts
from mdtui.model.alerts import Alert, AlertRule
from mdtui.settings import AlertSetting, SettingsError, load_settings

CONFIG = """
[[alerts]]
kind = "price"
market = "upbit:KRW-BTC"
level = 100000000.5
direction = "down"
cooldown = 60

[[alerts]]
name = "my fills"
kind = "order"
on = ["filled"]
repeat = false

[[alerts]]
kind = "feed"
market = "korbit"
after = 20
"""


def test_alerts_from_the_config_file(tmp_path) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(CONFIG)
    price, fills, feed = load_settings(cfg).alert_rules()
    assert price == AlertRule(
        kind="price", market="upbit:KRW-BTC", level=D("100000000.5"), direction="down",
        cooldown=60,
    )  # fmt: skip
    assert price.id == "upbit:KRW-BTC price down through 100000000.5"
    assert (fills.id, fills.on, fills.repeat, fills.market) == ("my fills", ("filled",), False, "*")
    assert (feed.market, feed.after) == ("korbit", 20)


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        (
            'kind = "price"\nlevel = 5\nmarket = "upbit:KRW-BTC"',
            "alerts.1: a price alert needs direction",
        ),
        ('kind = "price"\nlevel = "x"\ndirection = "up"', "alerts.1.level = 'x': must be a number"),
        ('kind = "spread"\nbps = -3', "alerts.1.bps = -3: Input should be greater than 0"),
        ('kind = "move"\npct = 3\nlevel = 5', "alerts.1: level does not apply to a move alert"),
        ('kind = "gap"\npct = 1\nmarket = "upbit:KRW-btc"', "alerts.1.market = 'upbit:KRW-btc'"),
        ('kind = "gap"\npct = 1\nmarket = "upbit:BTC-ETH"', "alerts.1: a gap alert names a KRW"),
        ('kind = "feed"\nmarket = "upbit:KRW-BTC"', "alerts.1: market of a feed alert is upbit"),
        ('kind = "order"\non = ["filed"]', "alerts.1.on.0 = 'filed'"),
        ('kind = "sprad"', "alerts.1.kind = 'sprad': Input should be 'price'"),
        ('kind = "order"\nleve = 1', "alerts.1.leve: unknown setting"),
    ],
)
def test_a_bad_alert_is_one_line_naming_its_index_and_field(tmp_path, entry, expected) -> None:
    cfg = tmp_path / "config.toml"
    cfg.write_text(f'[[alerts]]\nkind = "order"\n\n[[alerts]]\n{entry}\n')
    with pytest.raises(SettingsError) as info:
        load_settings(cfg)
    message = str(info.value)
    assert expected in message and "\n" not in message


def test_saved_alerts_survive_a_restart_in_a_readable_file(tmp_path) -> None:
    path = tmp_path / "alerts.json"
    assert saved_alerts.load(path)[:2] == ([], [])
    rules = [
        AlertRule(kind="price", market="korbit:btc_krw", level=D("0.00000001"), direction="up"),
        AlertRule(kind="spread", market="*", bps=D("25"), name="wide", muted=True),
        AlertRule(kind="order", on=("cancelled",), command=("notify-send", "{text}")),
    ]
    assert saved_alerts.save(rules, path)
    text = path.read_text()
    assert '"level": "0.00000001"' in text and text.count("\n") > 10  # one field a line
    assert saved_alerts.load(path)[:2] == (rules, [])


def test_an_alert_checked_by_the_settings_is_saved_with_its_own_fields_only(tmp_path) -> None:
    """What the alert form arms: a rule built from a table, whose defaults are copies."""
    path = tmp_path / "alerts.json"
    table = {"kind": "price", "market": "upbit:KRW-ETH", "level": D("5332000"),
             "direction": "up", "rearm_pct": D("0.5")}  # fmt: skip
    rule = AlertSetting.model_validate(table).rule()
    assert saved_alerts.save([rule], path)
    assert json.loads(path.read_text())["alerts"] == [
        {"kind": "price", "market": "upbit:KRW-ETH", "level": "5332000", "direction": "up",
         "rearm_pct": "0.5"}
    ]  # fmt: skip
    assert saved_alerts.load(path)[:2] == ([rule], [])


def test_a_damaged_saved_file_or_entry_is_skipped_with_a_problem(tmp_path) -> None:
    path = tmp_path / "alerts.json"
    path.write_text("{not json")
    rules, problems, _ = saved_alerts.load(path)
    assert rules == [] and len(problems) == 1 and "ignored" in problems[0]
    good = {"kind": "spread", "bps": "5"}
    path.write_text(json.dumps({"alerts": [{"kind": "price", "level": "1"}, good]}))
    rules, problems, _ = saved_alerts.load(path)
    assert rules == [AlertRule(kind="spread", bps=D(5))]
    assert problems == [f"saved alerts {path}: left out alerts.0: a price alert needs direction"]


def test_the_fired_log_keeps_the_newest(tmp_path, monkeypatch) -> None:
    path = tmp_path / "fired.jsonl"
    monkeypatch.setattr(saved_alerts, "FIRED_KEPT", 5)
    alerts = [
        Alert("a", "price", "upbit", "KRW-BTC", D(n), f"price {n}", n, n % 2 == 0)
        for n in range(30)
    ]
    for alert in alerts:
        saved_alerts.record_fired([alert], path)
    assert saved_alerts.recent_fired(path, limit=3) == alerts[-3:]
    assert len(path.read_text().splitlines()) < 30  # trimmed
    with path.open("a") as f:
        f.write("{damaged\n")
    assert saved_alerts.recent_fired(path)[-1] == alerts[-1]


def test_the_api_the_alerts_ui_calls_keeps_alerts_across_runs(base_settings, tmp_path,
                                                               monkeypatch) -> None:  # fmt: skip
    from mdtui.alerting import Alerting
    from mdtui.model.account import Account
    from mdtui.model.market_store import MarketStore
    from mdtui.settings import AlertSetting

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    configured = AlertSetting(kind="order", name="fills")
    settings = base_settings.model_copy(update={"alerts": [configured]})

    def session() -> Alerting:
        return Alerting(settings, MarketStore(), Account(), watchlist=["upbit:KRW-BTC"])

    first = session()
    rule = AlertRule(kind="price", market="upbit:KRW-BTC", level=D(100), direction="up")
    first.add(rule)
    assert first.mute("fills") and first.mute(rule.id)
    assert [first.state(r) for r in first.rules()] == ["muted", "muted"]
    second = session()  # a restart: the saved alert is back, muted; the config's mute is not
    assert [(r.id, second.state(r)) for r in second.rules()] == [
        ("fills", "armed"),
        (rule.id, "muted"),
    ]
    assert not second.remove("fills")  # configured: only the config file removes it
    assert second.remove(rule.id) and not second.mute(rule.id)
    assert [r.id for r in session().rules()] == ["fills"]


def test_a_one_shot_alert_that_fired_stays_done_in_the_next_run(base_settings, tmp_path,
                                                                monkeypatch) -> None:  # fmt: skip
    """Configured or set in the app, a one-shot alert that fired is not armed again by a
    restart; re-arming it (``r``) or changing what it watches arms it."""
    from mdtui.alerting import Alerting
    from mdtui.alerts_command import alert_rows
    from mdtui.model.account import Account
    from mdtui.model.market_store import MarketStore
    from tests.support.events import T0, ticker

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    one_shot = AlertSetting(kind="price", market="upbit:KRW-BTC", level=D(100), direction="up",
                            repeat=False)  # fmt: skip
    settings = base_settings.model_copy(update={"alerts": [one_shot]})
    app_rule = AlertRule(kind="price", market="upbit:KRW-BTC", level=D(101), direction="up",
                         repeat=False)  # fmt: skip

    def session(config=settings) -> Alerting:
        return Alerting(config, MarketStore(), Account(), watchlist=["upbit:KRW-BTC"])

    def prices(alerting: Alerting, *values: str) -> list[str]:
        fired: list[str] = []
        alerting.on_fired = lambda alerts: fired.extend(a.alert for a in alerts)
        for i, value in enumerate(values):
            alerting.public([ticker("upbit", "KRW-BTC", value, ts=T0 + i)])
        return fired

    first = session()
    first.add(app_rule)
    configured_id = first.rules()[0].id
    assert prices(first, "99", "102", "99", "102") == [configured_id, app_rule.id]
    assert [first.state(r) for r in first.rules()] == ["done", "done"]

    second = session()  # a restart
    assert [second.state(r) for r in second.rules()] == ["done", "done"]
    assert prices(second, "99", "102") == []
    rows = alert_rows(settings, saved_alerts.load(), [])
    assert [row["state"] for row in rows] == ["done", "done"]  # `mdtui alerts` says so too
    second.rearm(app_rule.id)

    third = session()
    assert [third.state(r) for r in third.rules()] == ["done", "armed"]
    assert prices(third, "99", "102") == [app_rule.id]
    moved = settings.model_copy(update={"alerts": [one_shot.model_copy(update={"level": D(98)})]})
    assert session(moved).state(session(moved).rules()[0]) == "armed"  # a new alert


def test_an_alert_set_in_the_app_fires_on_a_crossing_since_the_price_it_was_set_against(
    base_settings, tmp_path, monkeypatch
) -> None:
    """The form hands over the price it showed: the price may cross the level before the
    alert's first ticker, and that crossing fires."""
    from mdtui.alerting import Alerting
    from mdtui.model.account import Account
    from mdtui.model.market_store import MarketStore
    from tests.support.events import T0, ticker

    monkeypatch.setenv("XDG_STATE_HOME", str(tmp_path / "state"))
    rule = AlertRule(kind="price", market="upbit:KRW-BTC", level=D(100), direction="up")

    def fired_after(seen: D | None) -> list[str]:
        alerting = Alerting(base_settings, MarketStore(), Account(), persist=False,
                            saved=saved_alerts.SavedAlerts([], []))  # fmt: skip
        fired: list[str] = []
        alerting.on_fired = lambda alerts: fired.extend(a.detail for a in alerts)
        alerting.add(rule, seen)
        alerting.public([ticker("upbit", "KRW-BTC", "101", ts=T0)])
        return fired

    assert fired_after(D(99)) == ["price 101 crossed up through 100"]
    assert fired_after(None) == []  # no price seen: it must first be seen below
