"""Alerts on the real feeds of the real simulator over loopback: a price crossing fires
once (and once more only after re-arming), also when it happened while the socket was
down; a fill fires once, seen live or recovered after a forced disconnect; a stalled feed
fires and so does its recovery; a replay of a capture fires what the live run fired."""

from __future__ import annotations

import contextlib
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from decimal import Decimal

import pytest

from mdtui.alerting import Alerting
from mdtui.demo import point_at
from mdtui.feed.private_feeds import private_workers
from mdtui.feed.recorder import Recorder
from mdtui.feed.server_clock import wall_ms
from mdtui.feed.supervisor import PRIVATE_KINDS, FeedSupervisor
from mdtui.headless import running_feeds
from mdtui.model.account import Account
from mdtui.model.alerts import Alert
from mdtui.model.events import AnyEvent, FeedState, Order
from mdtui.model.market_store import MarketStore
from mdtui.saved_alerts import SavedAlerts
from mdtui.settings import AlertSetting, Settings
from mdtui.sim import Simulator
from tests.support.chaos import ShiftedClock
from tests.support.cli import mdtui, user_env
from tests.support.feeds import Collector, running
from tests.support.sim_client import PRIVATE_FEED_KORBIT
from tests.support.waiting import wait_until

KEY = "upbit:KRW-XRP"
MARKET = {"upbit": "KRW-XRP", "korbit": "xrp_krw"}


@dataclass
class Session:
    """A headless session's model and alerts, fed by whatever sink calls it."""

    settings: Settings
    store: MarketStore = field(default_factory=MarketStore)
    account: Account = field(default_factory=Account)
    fired: list[Alert] = field(default_factory=list)
    alerting: Alerting = field(init=False)

    def __post_init__(self) -> None:
        self.alerting = Alerting(
            self.settings,
            self.store,
            self.account,
            watchlist=[KEY],
            on_fired=self.fired.extend,
            persist=False,
            saved=SavedAlerts([], []),
        )

    def __call__(self, events: list[AnyEvent]) -> None:
        self.store.apply(events, wall_ms())
        if any(type(ev) in PRIVATE_KINDS for ev in events):
            self.alerting.private(events)
        else:
            self.alerting.public(events)

    def last(self, key: str = KEY) -> Decimal | None:
        state = self.store.markets.get(key)
        return state.ticker.last if state is not None and state.ticker is not None else None

    def of(self, kind: str) -> list[Alert]:
        return [a for a in self.fired if a.kind == kind]


def with_alerts(settings: Settings, *alerts: dict[str, object]) -> Settings:
    return settings.model_copy(update={"alerts": [AlertSetting(**a) for a in alerts]})


def side(sim: Simulator, venue: str, market: str, bids: bool, depth: int) -> Decimal:
    book = sim.markets[venue][market]
    return (book.bids if bids else book.asks)[depth].price


def trade_at(sim: Simulator, venue: str, market: str, bids: bool, depth: int) -> Decimal:
    """A demo order resting ``depth`` levels into one side, filled now: the last price
    goes there."""
    price = side(sim, venue, market, bids, depth)
    oid = sim.place_order(venue, market, "buy" if bids else "sell", price, "1")
    sim.fill_order(venue, oid)
    return price


@contextlib.asynccontextmanager
async def public_session(sim: Simulator, settings: Settings) -> AsyncIterator[Session]:
    session = Session(point_at(settings, sim.http_url))
    async with running_feeds(session.settings, [KEY], session):
        await wait_until(session.last, 20, "the first ticker")
        yield session


async def test_a_price_alert_fires_once_per_crossing(private, base_settings) -> None:
    sim = private
    level = side(sim, "upbit", "KRW-XRP", True, 4)
    rule = {"kind": "price", "market": KEY, "level": level, "direction": "down"}
    async with public_session(sim, with_alerts(base_settings, rule)) as session:
        assert session.last() > level
        below = trade_at(sim, "upbit", "KRW-XRP", True, 5)
        await wait_until(lambda: session.fired, 10, "the alert")
        trade_at(sim, "upbit", "KRW-XRP", True, 6)  # further down: no new crossing
        await wait_until(lambda: session.last() != below, 10, "the next ticker")
        above = trade_at(sim, "upbit", "KRW-XRP", False, 3)  # back up: re-armed
        await wait_until(lambda: session.last() == above, 10, "the ticker back above")
        assert len(session.fired) == 1
        trade_at(sim, "upbit", "KRW-XRP", True, 5)  # down through it again
        await wait_until(lambda: len(session.fired) == 2, 10, "the second crossing")
    first = session.fired[0]
    assert (first.venue, first.market, first.value) == ("upbit", "KRW-XRP", below)
    assert not first.while_disconnected


async def test_a_move_alert_fires_on_a_forced_move(private, base_settings) -> None:
    sim = private
    rule = {"kind": "move", "market": KEY, "pct": "0.1", "window": 60, "direction": "down"}
    async with public_session(sim, with_alerts(base_settings, rule)) as session:
        start = session.last()
        assert start is not None
        low = trade_at(sim, "upbit", "KRW-XRP", True, 8)
        await wait_until(lambda: session.fired, 10, "the move alert")
    (alert,) = session.fired
    assert alert.kind == "move" and alert.value == ((low - start) * 100 / start).quantize(
        Decimal("0.0001")
    )


async def test_a_crossing_while_disconnected_fires_once_on_the_fresh_snapshot(
    private, base_settings
) -> None:
    sim = private
    level = side(sim, "upbit", "KRW-XRP", True, 4)
    rule = {"kind": "price", "market": KEY, "level": level, "direction": "down"}
    settings = with_alerts(base_settings, rule)
    session = Session(point_at(settings, sim.http_url))
    collector = Collector()

    def sink(events: list[AnyEvent]) -> None:
        collector(events)
        session(events)

    feeds = FeedSupervisor(session.settings, sink, sink, venues=["upbit"], private=False)
    feeds.want_everything([KEY])
    feeds.start()
    try:
        await wait_until(session.last, 20, "the first ticker")
        feeds.workers["upbit"].backoff.base = 2.0
        mark = len(collector.events)
        await sim.drop_connections("upbit", abrupt=True)
        await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "reconnecting", start=mark
        )
        below = trade_at(sim, "upbit", "KRW-XRP", True, 5)  # while the socket is down
        assert not session.fired
        await wait_until(lambda: session.fired, 30, "the alert after the reconnect")
        trade_at(sim, "upbit", "KRW-XRP", True, 6)
        await wait_until(lambda: session.last() != below, 10, "the next ticker")
    finally:
        await feeds.aclose()
    (alert,) = session.fired
    assert alert.while_disconnected and alert.value == below


# -- own orders ------------------------------------------------------------------------------


@pytest.fixture
async def gap_sim(start_sim) -> Simulator:
    simulator = await start_sim(seed=3, clock=ShiftedClock(), korbit_listings=PRIVATE_FEED_KORBIT)
    simulator.pause_trader()
    return simulator


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_a_fill_fires_once_live_and_once_when_recovered_after_a_gap(
    venue, gap_sim, base_settings
) -> None:
    sim = gap_sim
    market = MARKET[venue]
    settings = point_at(
        with_alerts(base_settings, {"kind": "order", "on": ["filled"]}),
        sim.http_url,
        demo_keys=True,
    )
    session = Session(settings)
    collector = Collector()

    def sink(events: list[AnyEvent]) -> None:
        collector(events)
        session(events)

    worker = private_workers(settings, sink).workers[venue]
    worker.backoff.base = 2.0
    price = side(sim, venue, market, True, 3)
    async with running(worker):
        await collector.wait_for(lambda ev: type(ev) is FeedState and ev.state == "live")
        live_id = str(sim.place_order(venue, market, "buy", price, "2"))
        sim.fill_order(venue, live_id)
        await wait_until(lambda: session.fired, 10, "the live fill's alert")
        gap_id = str(sim.place_order(venue, market, "buy", price, "3"))
        await collector.wait_for(lambda ev: type(ev) is Order and ev.order_id == gap_id)
        mark = len(collector.events)
        await sim.drop_connections(venue, channel="private", abrupt=True)
        down = await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "reconnecting", start=mark
        )
        sim.fill_order(venue, gap_id)  # while the socket is down
        await collector.wait_for(
            lambda ev: type(ev) is FeedState and ev.state == "live",
            start=collector.events.index(down),
            timeout=30,
        )
        await wait_until(lambda: len(session.fired) >= 2, 20, "the recovered fill's alert")
    assert session.account.order(venue, gap_id).state == "filled"
    assert [(a.order_id, a.while_disconnected) for a in session.fired] == [
        (live_id, False),
        (gap_id, True),
    ]
    assert all(a.detail.endswith("(filled)") for a in session.fired)


# -- feeds ---------------------------------------------------------------------------------------


async def test_a_stalled_feed_fires_and_so_does_its_recovery(live_sim, base_settings) -> None:
    sim = live_sim
    settings = with_alerts(base_settings, {"kind": "feed", "market": "upbit", "after": 1})
    async with public_session(sim, settings) as session:

        def ticked(kind: str) -> bool:
            session.alerting.tick(wall_ms())
            return any(kind in a.detail for a in session.fired)

        assert not ticked("stale")
        sim.stall(4)
        await wait_until(lambda: ticked("stale"), 20, "the feed-down alert")
        await wait_until(lambda: ticked("back after"), 30, "the recovery alert")
    down, back = session.fired
    assert down.kind == back.kind == "feed" and down.venue == "upbit"
    assert down.detail.startswith("upbit public feed stale (no data) for")
    assert back.value >= down.value >= 1


# -- replay -----------------------------------------------------------------------------------


async def test_a_replay_of_a_capture_fires_what_the_live_run_fired(
    private, base_settings, tmp_path
) -> None:
    sim = private
    level = side(sim, "upbit", "KRW-XRP", True, 4)
    alerts: list[dict[str, object]] = [
        {"kind": "price", "market": KEY, "level": level, "direction": "down"},
        {"kind": "order", "name": "fills"},
        {"kind": "spread", "market": KEY, "bps": 1},
    ]
    settings = point_at(with_alerts(base_settings, *alerts), sim.http_url, demo_keys=True)
    capture = tmp_path / "capture.jsonl"
    recorder = Recorder(capture)
    live = Session(settings)
    try:
        async with running_feeds(settings, [KEY], live, recorder, private=True):
            await wait_until(live.last, 20, "the first ticker")

            def private_live() -> bool:
                health = live.store.feeds.get(("upbit", "private"))
                return health is not None and health.state == "live"

            await wait_until(private_live, 20, "the private feed")
            trade_at(sim, "upbit", "KRW-XRP", True, 5)
            await wait_until(lambda: live.of("price") and live.of("order"), 20, "the alerts")
    finally:
        recorder.close()
    assert live.of("spread")
    config = tmp_path / "config.toml"
    config.write_text(_toml(alerts))
    result = mdtui("watch", "--replay", str(capture), "--config", str(config),
                   env=user_env(tmp_path))  # fmt: skip
    assert result.returncode == 0, result.stderr
    replayed = [json.loads(line) for line in result.stdout.splitlines()]
    replayed = [line for line in replayed if line["type"] == "alert"]
    expected = [json.loads(_json(a)) for a in live.fired]
    assert replayed == expected


def _toml(alerts: list[dict[str, object]]) -> str:
    lines = []
    for alert in alerts:
        lines.append("[[alerts]]")
        for name, value in alert.items():
            text = f'"{value}"' if isinstance(value, str | Decimal) else str(value)
            lines.append(f"{name} = {text}")
    return "\n".join(lines) + "\n"


def _json(alert: Alert) -> bytes:
    from mdtui.model.events import event_json

    return event_json(alert)
