"""The alert command: run without a shell, with the details, never with a secret, killed
after its time limit, a failure one log line."""

from __future__ import annotations

import json
import logging
import sys
from decimal import Decimal as D

import pytest
from pydantic import SecretStr

from mdtui.alerting import Alerting, command_argv
from mdtui.model.account import Account
from mdtui.model.alerts import Alert
from mdtui.model.market_store import MarketStore
from mdtui.saved_alerts import SavedAlerts
from tests.support.events import T0, ticker
from tests.support.waiting import wait_until

UPBIT_SECRET = "upbit-secret-0123456789"
KORBIT_SECRET = "korbit-secret-9876543210"
REPORT = """
import json, os, sys
with open(sys.argv[1], "w") as f:
    json.dump({"argv": sys.argv[2:], "env": dict(os.environ)}, f)
"""


@pytest.fixture
def keyed(base_settings, monkeypatch, tmp_path):
    """Settings holding both exchanges' keys, and an environment full of secrets."""
    monkeypatch.setenv("MDTUI_UPBIT__SECRET_KEY", UPBIT_SECRET)
    monkeypatch.setenv("UPBIT_ACCESS_KEY", "access")
    monkeypatch.setenv("KORBIT_API_KEY", "korbit-id")
    monkeypatch.setenv("MY_NOTES", f"the key is {KORBIT_SECRET}")
    monkeypatch.setenv("GITHUB_TOKEN", "ghp_x")
    monkeypatch.setenv("KEEP_ME", "kept")
    return base_settings.model_copy(
        update={
            "upbit": base_settings.upbit.model_copy(
                update={
                    "access_key": SecretStr("upbit-access-key"),
                    "secret_key": SecretStr(UPBIT_SECRET),
                }
            ),
            "korbit": base_settings.korbit.model_copy(
                update={
                    "api_key": SecretStr("korbit-api-key"),
                    "secret_key": SecretStr(KORBIT_SECRET),
                }
            ),
        }
    )


def alerting_with(settings, command: list[str], timeout: float = 10.0) -> Alerting:
    settings = settings.model_copy(
        update={
            "alerts": [],
            "alert_command": command,
            "alert_command_timeout": timeout,
        }
    )
    from mdtui.settings import AlertSetting

    rule = AlertSetting(kind="price", market="upbit:KRW-BTC", level=D(100), direction="up")
    settings.alerts.append(rule)
    return Alerting(settings, MarketStore(), Account(), persist=False, saved=SavedAlerts([], []))


def cross(alerting: Alerting) -> None:
    alerting.public([ticker("upbit", "KRW-BTC", "99", ts=T0)])
    alerting.public([ticker("upbit", "KRW-BTC", "101.50", ts=T0 + 1000)])


async def test_the_command_gets_the_details_and_no_secret(keyed, tmp_path) -> None:
    out = tmp_path / "report.json"
    command = [sys.executable, "-c", REPORT, str(out), "{name}", "{value}", "{market} at {time}"]
    alerting = alerting_with(keyed, command)
    cross(alerting)
    await wait_until(out.exists, 20, "the command's report")
    await alerting.wait_commands()
    report = json.loads(out.read_text())
    name = "upbit:KRW-BTC price up through 100"
    assert report["argv"] == [name, "101.50", f"upbit:KRW-BTC at {T0 + 1000}"]
    env = report["env"]
    assert env["MDTUI_ALERT_NAME"] == name
    assert env["MDTUI_ALERT_KIND"] == "price"
    assert env["MDTUI_ALERT_MARKET"] == "upbit:KRW-BTC"
    assert env["MDTUI_ALERT_VALUE"] == "101.50"
    assert env["MDTUI_ALERT_WHILE_DISCONNECTED"] == "0"
    assert env["KEEP_ME"] == "kept"
    for gone in ("MDTUI_UPBIT__SECRET_KEY", "UPBIT_ACCESS_KEY", "KORBIT_API_KEY", "MY_NOTES",
                 "GITHUB_TOKEN"):  # fmt: skip
        assert gone not in env
    everything = json.dumps(report)
    assert UPBIT_SECRET not in everything and KORBIT_SECRET not in everything


def test_without_placeholders_the_text_is_the_last_argument() -> None:
    alert = Alert("btc", "price", "upbit", "KRW-BTC", D(1), "price 1 crossed up", T0)
    assert command_argv(["notify-send", "mdtui"], alert) == [
        "notify-send",
        "mdtui",
        "btc: upbit:KRW-BTC price 1 crossed up",
    ]


async def test_a_command_past_its_time_limit_is_killed_and_logged(base_settings, caplog) -> None:
    caplog.set_level(logging.INFO, "mdtui.alerting")
    alerting = alerting_with(base_settings, [sys.executable, "-c", "import time; time.sleep(60)"],
                             timeout=0.5)  # fmt: skip
    cross(alerting)
    await alerting.wait_commands()
    assert any("killed after 0.5 s" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("command", "said"),
    [
        (["/nonexistent/notify"], "cannot run it"),
        ([sys.executable, "-c", "import sys; sys.exit('no display')"], "exited with status 1"),
    ],
)
async def test_a_failing_command_is_one_log_line(base_settings, caplog, command, said) -> None:
    caplog.set_level(logging.INFO, "mdtui.alerting")
    alerting = alerting_with(base_settings, command)
    cross(alerting)
    await alerting.wait_commands()
    lines = [r.getMessage() for r in caplog.records if r.name == "mdtui.alerting"]
    assert [line for line in lines if said in line], lines
    assert len(alerting.fired) == 1
