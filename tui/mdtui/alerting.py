"""Alerts in a running session (the dashboard or ``mdtui watch``): the rules (config and
saved), the evaluator hooked where events are applied, the fired log and the command hook.

The session calls :meth:`Alerting.public` with each public batch (after the market store
applied it), :meth:`Alerting.private` instead of ``Account.apply`` with each private batch,
and :meth:`Alerting.tick` about once a second (feed health). Fired alerts go to the log, to
the fired-alerts file (live sessions), to the alert's command, and to ``on_fired``. While
:meth:`silenced` (the mute key, quiet hours) no command runs; ``on_fired`` still hears
them (the dashboard records them but raises no toast or bell).

The command runs without a shell: ``command`` (the alert's own, else ``alert_command``)
with the placeholders ``{name}``, ``{kind}``, ``{market}``, ``{value}``, ``{detail}``,
``{time}`` and ``{text}`` filled in in its arguments (without any placeholder, the alert's
text is added as the last argument), and ``MDTUI_ALERT_*`` variables in its environment.
The environment is the user's without a single secret: no ``MDTUI_*`` variable, nothing
named like an exchange key, no value holding a configured key. It gets no input, its output
is discarded, and it is killed after ``alert_command_timeout`` seconds; a failure is one
log line.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import re
import signal
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from decimal import Decimal
from subprocess import DEVNULL, PIPE

import msgspec

from mdtui import saved_alerts
from mdtui.model.account import Account
from mdtui.model.alerts import Alert, AlertEngine, AlertRule
from mdtui.model.events import AnyEvent, Fill
from mdtui.model.market_store import MarketStore
from mdtui.settings import Settings

log = logging.getLogger(__name__)

COMMANDS_AT_ONCE = 8
"""Alert commands running at the same time at most; an alert beyond that runs none."""
SECRET_NAME = re.compile(
    r"^MDTUI_|UPBIT|KORBIT|(ACCESS|SECRET|API|PRIVATE)_?KEY|SECRET|TOKEN|PASSW", re.I
)
"""Environment variables an alert command never sees."""
PLACEHOLDERS = ("name", "kind", "market", "value", "detail", "time", "text")


class Alerting:
    """The alerts of one session. ``persist``: save alerts set in the app and log fired
    alerts to the state folder (False in demo and replay sessions, which save nothing)."""

    def __init__(
        self,
        settings: Settings,
        store: MarketStore,
        account: Account,
        *,
        watchlist: Sequence[str] = (),
        on_fired: Callable[[list[Alert]], None] = lambda alerts: None,
        persist: bool = True,
        saved: saved_alerts.SavedAlerts | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.account = account
        self.on_fired = on_fired
        self.persist = persist
        self.configured: list[AlertRule] = settings.alert_rules()
        loaded = saved if saved is not None else saved_alerts.load()
        self.saved: list[AlertRule] = loaded.rules
        """Alerts set in the app (kept in the saved alerts file)."""
        self.problems: list[str] = list(loaded.problems)
        self._muted: dict[str, bool] = {}
        """Mutes of configured alerts for this session (the config file is not written)."""
        done = loaded.done_of(self.rules()) if persist else set()
        self.engine = AlertEngine(self.rules(), watchlist, done)
        self._done = frozenset(done)
        """The one-shot alerts done, as last saved."""
        self.fired: list[Alert] = []
        """This session's fired alerts, newest last (at most saved_alerts.FIRED_KEPT)."""
        self.muted_all = False
        """Every alert silenced for now (the dashboard's mute key): recorded, not heard."""
        self.quiet_hours = settings.quiet_hours()
        self._running: set[asyncio.Task[None]] = set()

    # -- the rules (what the UI calls) ----------------------------------------------------

    def rules(self) -> list[AlertRule]:
        """Every alert: the configured ones (with this session's mutes), then the saved."""
        ids = {rule.id for rule in self.configured}
        configured = [
            msgspec.structs.replace(rule, muted=self._muted[rule.id])
            if rule.id in self._muted
            else rule
            for rule in self.configured
        ]
        return configured + [rule for rule in self.saved if rule.id not in ids]

    def add(self, rule: AlertRule, seen: Decimal | None = None) -> None:
        """Add (or replace, by id) an alert set in the app, and save it. ``seen``: the
        market's price when it was set (a crossing since then fires)."""
        self.saved = [r for r in self.saved if r.id != rule.id] + [rule]
        self._changed()
        if seen is not None and rule.kind == "price":
            self.engine.start_from(rule.id, rule.market, seen)

    def remove(self, alert_id: str) -> bool:
        """Remove an alert set in the app; False for a configured or unknown one."""
        kept = [r for r in self.saved if r.id != alert_id]
        if len(kept) == len(self.saved):
            return False
        self.saved = kept
        self._changed()
        return True

    def mute(self, alert_id: str, muted: bool = True) -> bool:
        """Mute or unmute an alert (a configured one for this session only); False for an
        unknown id."""
        if any(r.id == alert_id for r in self.configured):
            self._muted[alert_id] = muted
            self.engine.set_rules(self.rules())
            return True
        for i, rule in enumerate(self.saved):
            if rule.id == alert_id:
                self.saved[i] = msgspec.structs.replace(rule, muted=muted)
                self._changed()
                return True
        return False

    def rearm(self, alert_id: str) -> None:
        """Arm an alert again: a one-shot that fired, or one waiting to re-arm."""
        self.engine.rearm(alert_id)
        self._save_done()

    def state(self, rule: AlertRule) -> str:
        """``armed``, ``fired`` (waiting to re-arm), ``done`` (one-shot) or ``muted``."""
        return self.engine.state(rule)

    def silenced(self, now: float | None = None) -> str | None:
        """Why fired alerts are not to be heard at ``now`` (epoch seconds; default: the
        time now): ``muted`` (:attr:`muted_all`), ``quiet hours until 07:00``, or None."""
        if self.muted_all:
            return "muted"
        quiet = self.quiet_hours
        if quiet is not None:
            local = time.localtime(time.time() if now is None else now)
            if quiet.contains(local.tm_hour, local.tm_min):
                return f"quiet hours until {quiet.end_text()}"
        return None

    def set_watchlist(self, keys: Sequence[str]) -> None:
        self.engine.set_watchlist(keys)

    def _changed(self) -> None:
        self.engine.set_rules(self.rules())
        if self.persist:
            self._save()

    def _save(self) -> None:
        self._done = frozenset(self.engine.done_ids())
        done = [rule for rule in self.rules() if rule.id in self._done]
        saved_alerts.save(self.saved, done=done)

    def _save_done(self) -> None:
        """Save when the set of done one-shot alerts changed (one fired, one re-armed)."""
        if self.persist and self.engine.done_ids() != self._done:
            self._save()

    # -- evaluation -----------------------------------------------------------------------

    def public(self, events: Iterable[AnyEvent]) -> None:
        """A public batch, after the market store applied it."""
        fired = self.engine.market(events)
        if fired:
            self._fire(fired)

    def private(self, events: Sequence[AnyEvent]) -> list[Fill]:
        """Apply a private batch to the account (in place of ``Account.apply``); return
        its new fills."""
        fills, fired = self.engine.private(events, self.account)
        if fired:
            self._fire(fired)
        return fills

    def tick(self, now_ms: int) -> None:
        """Feed health alerts at ``now_ms``."""
        fired = self.engine.health(self.store.feeds, now_ms)
        if fired:
            self._fire(fired)

    def _fire(self, alerts: list[Alert]) -> None:
        hushed = self.silenced()
        for alert in alerts:
            log.info("alert fired%s: %s", f" ({hushed})" if hushed else "", alert.text())
        self.fired = (self.fired + alerts)[-saved_alerts.FIRED_KEPT :]
        if self.persist:
            saved_alerts.record_fired(alerts)
            self._save_done()
        if not hushed:
            commands = {rule.id: rule.command for rule in self.engine.rules}
            for alert in alerts:
                argv = commands.get(alert.alert) or tuple(self.settings.alert_command)
                if argv:
                    self._run(alert, argv)
        self.on_fired(alerts)

    def _run(self, alert: Alert, argv: Sequence[str]) -> None:
        if len(self._running) >= COMMANDS_AT_ONCE:
            log.warning("alert command not run for %s: %d still running", alert.alert,
                        len(self._running))  # fmt: skip
            return
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            log.warning("alert command not run for %s: no event loop", alert.alert)
            return
        env = command_env(alert, self.settings)
        task = loop.create_task(
            run_command(command_argv(argv, alert), env, self.settings.alert_command_timeout)
        )
        self._running.add(task)
        task.add_done_callback(self._running.discard)

    async def wait_commands(self) -> None:
        """Wait for the alert commands still running (at the end of ``watch``)."""
        while self._running:
            await asyncio.gather(*self._running, return_exceptions=True)


def alert_fields(alert: Alert) -> dict[str, str]:
    """The details of ``alert`` a command gets, by placeholder name."""
    return {
        "name": alert.alert,
        "kind": alert.kind,
        "market": alert.key,
        "value": format(alert.value, "f"),
        "detail": alert.detail,
        "time": str(alert.ts),
        "text": alert.text(),
    }


def command_argv(argv: Sequence[str], alert: Alert) -> list[str]:
    """``argv`` with the placeholders filled in (or the alert's text appended)."""
    fields = alert_fields(alert)
    marks = {f"{{{name}}}": value for name, value in fields.items()}
    if not any(mark in arg for arg in argv for mark in marks):
        return [*argv, fields["text"]]
    out = []
    for arg in argv:
        for mark, value in marks.items():
            arg = arg.replace(mark, value)
        out.append(arg)
    return out


def command_env(
    alert: Alert, settings: Settings, environ: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The user's environment without secrets, plus ``MDTUI_ALERT_*``."""
    secrets = [
        value.get_secret_value()
        for value in (
            settings.upbit.access_key,
            settings.upbit.secret_key,
            settings.korbit.api_key,
            settings.korbit.secret_key,
        )
        if value is not None and len(value.get_secret_value()) >= 8  # a real key's length
    ]
    source = os.environ if environ is None else environ
    env = {
        name: value
        for name, value in source.items()
        if not SECRET_NAME.search(name) and not any(s in value for s in secrets)
    }
    for name, value in alert_fields(alert).items():
        env[f"MDTUI_ALERT_{name.upper()}"] = value
    env["MDTUI_ALERT_VENUE"] = alert.venue
    env["MDTUI_ALERT_WHILE_DISCONNECTED"] = "1" if alert.while_disconnected else "0"
    env["MDTUI_ALERT_ORDER_ID"] = alert.order_id
    return env


async def run_command(argv: list[str], env: dict[str, str], timeout: float) -> None:
    """Run an alert command; every failure is one log line."""
    name = argv[0]
    started = time.monotonic()
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv, stdin=DEVNULL, stdout=DEVNULL, stderr=PIPE, env=env, start_new_session=True
        )
    except OSError as exc:
        log.warning("alert command %s: cannot run it: %s", name, exc.strerror or exc)
        return
    try:
        async with asyncio.timeout(timeout):
            _, err = await proc.communicate()
    except TimeoutError:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)  # its own session: the children go too
        await proc.wait()
        log.warning("alert command %s: killed after %g s (alert_command_timeout)", name, timeout)
        return
    if proc.returncode:
        last = err.decode("utf-8", "replace").strip().splitlines()[-1:] or [""]
        log.warning("alert command %s exited with status %d: %s", name, proc.returncode,
                    last[0][:200])  # fmt: skip
    else:
        log.info("alert command %s done in %.1f s", name, time.monotonic() - started)
