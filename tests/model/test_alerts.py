"""The alert evaluator on hand-made events: each kind, re-arming, one-shot, muting, the
watchlist, reconnects and own orders."""

from __future__ import annotations

from decimal import Decimal as D

import msgspec
import pytest

from mdtui.model.account import Account
from mdtui.model.alerts import Alert, AlertEngine, AlertRule, twin_key
from mdtui.model.events import FeedState, OrdersSnapshot, event_json
from mdtui.model.market_store import FeedHealth
from tests.support.events import T0, book, fill, order, ticker

KEY = "upbit:KRW-BTC"
SECOND = 1000


def price_rule(level: str, direction: str = "up", **more) -> AlertRule:
    return AlertRule(kind="price", market=KEY, level=D(level), direction=direction, **more)


def run(engine: AlertEngine, *prices: str, venue: str = "upbit", market: str = "KRW-BTC",
        step: int = SECOND) -> list[Alert]:  # fmt: skip
    """Tickers at ``prices``, one ``step`` apart; the alerts they fire."""
    out: list[Alert] = []
    for i, price in enumerate(prices):
        out += engine.market([ticker(venue, market, price, ts=T0 + i * step)])
    return out


def test_a_price_alert_fires_once_per_crossing_and_re_arms_on_the_way_back() -> None:
    engine = AlertEngine([price_rule("100")])
    fired = run(engine, "99", "100", "101", "102", "99", "101")
    assert [a.value for a in fired] == [D("100"), D("101")]
    first = fired[0]
    assert (first.alert, first.kind, first.venue, first.market) == (
        "upbit:KRW-BTC price up through 100",
        "price",
        "upbit",
        "KRW-BTC",
    )
    assert first.ts == T0 + SECOND and not first.while_disconnected
    assert "crossed up through 100" in first.detail


def test_a_price_already_past_the_level_has_not_crossed_it() -> None:
    rule = price_rule("100", "down")
    engine = AlertEngine([rule])
    assert run(engine, "90", "80") == []
    assert engine.state(rule) == "armed"
    assert [a.value for a in run(engine, "101", "100")] == [D("100")]


def test_hysteresis_needs_the_price_back_past_the_margin() -> None:
    engine = AlertEngine([price_rule("100", rearm_pct=D("1"))])
    fired = run(engine, "99", "100", "99.5", "100.5", "98.9", "100")
    assert [a.value for a in fired] == [D("100"), D("100")]
    assert [a.ts for a in fired] == [T0 + SECOND, T0 + 5 * SECOND]


def test_a_cool_down_holds_a_second_crossing_until_it_is_over() -> None:
    engine = AlertEngine([price_rule("100", cooldown=60)])
    fired = run(engine, "99", "101", "99", "101", "102", "103", step=20 * SECOND)
    # the second crossing (at 60 s) waits for the cool-down, then fires once (at 80 s)
    assert [(a.ts, a.value) for a in fired] == [
        (T0 + 20 * SECOND, D("101")),
        (T0 + 80 * SECOND, D("102")),
    ]


def test_one_shot_fires_once_and_a_fired_one_shot_never_again() -> None:
    rule = price_rule("100", repeat=False)
    engine = AlertEngine([rule])
    assert len(run(engine, "99", "101", "99", "101")) == 1
    assert engine.state(rule) == "done"
    assert run(AlertEngine([rule], done=[rule.id]), "99", "101") == []


def test_muted_alerts_are_not_evaluated() -> None:
    rule = price_rule("100", muted=True)
    engine = AlertEngine([rule])
    assert run(engine, "99", "101") == []
    assert engine.state(rule) == "muted"
    engine.set_rules([msgspec.structs.replace(rule, muted=False)])
    assert len(run(engine, "99", "101")) == 1


def test_other_markets_do_not_touch_the_rules() -> None:
    engine = AlertEngine([price_rule("100")])
    assert run(engine, "99", "101", market="KRW-ETH") == []
    assert run(engine, "99", "101", venue="korbit", market="btc_krw") == []
    assert len(run(engine, "99", "101")) == 1


def test_every_watchlist_market() -> None:
    rule = AlertRule(kind="price", level=D("100"), direction="up")
    engine = AlertEngine([rule], watchlist=["upbit:KRW-ETH"])
    assert len(run(engine, "99", "101", market="KRW-ETH")) == 1
    assert run(engine, "99", "101") == []
    engine.set_watchlist(["upbit:KRW-ETH", KEY])
    assert [a.market for a in run(engine, "99", "101")] == ["KRW-BTC"]


def test_a_move_within_the_window() -> None:
    rule = AlertRule(kind="move", market=KEY, pct=D("3"), window=300)
    engine = AlertEngine([rule])
    fired = run(engine, "100", "102", "103.5", "104", "101", step=60 * SECOND)
    assert [a.value for a in fired] == [D("3.5000")]  # then the window starts again at 103.5
    assert "moved +3.5000% in 5 min to 103.5" in fired[0].detail
    fired = engine.market([ticker("upbit", "KRW-BTC", "100", ts=T0 + 301 * SECOND)])
    assert [a.value for a in fired] == [D("-3.8462")]  # from 104, within the window


def test_a_slow_move_is_no_move() -> None:
    rule = AlertRule(kind="move", market=KEY, pct=D("3"), window=60, direction="up")
    engine = AlertEngine([rule])
    assert run(engine, "100", "101", "102", "103", "90", step=61 * SECOND) == []


def test_the_spread_from_the_book_and_from_tickers_with_a_best_bid_and_ask() -> None:
    rule = AlertRule(kind="spread", market=KEY, bps=D("50"))
    engine = AlertEngine([rule])
    assert engine.market([book("upbit", "KRW-BTC", "1000", "1")]) == []  # 10 bps
    fired = engine.market([book("upbit", "KRW-BTC", "1000", "10")])
    assert [a.value for a in fired] == [D("99.5025")]
    korbit = AlertRule(kind="spread", market="korbit:btc_krw", bps=D("50"))
    engine = AlertEngine([korbit])
    wide = msgspec.structs.replace(
        ticker("korbit", "btc_krw", "1000"), best_bid=D("990"), best_ask=D("1000")
    )
    assert [a.value for a in engine.market([wide])] == [D("100.5025")]


def test_the_gap_between_the_exchanges() -> None:
    assert twin_key(KEY) == "korbit:btc_krw" and twin_key("korbit:btc_krw") == KEY
    rule = AlertRule(kind="gap", market="korbit:btc_krw", pct=D("1"))
    engine = AlertEngine([rule])
    assert engine.market([ticker("upbit", "KRW-BTC", "101")]) == []  # no Korbit price yet
    fired = engine.market([ticker("korbit", "btc_krw", "100")])
    assert [(a.venue, a.market, a.value) for a in fired] == [("upbit", "KRW-BTC", D("1.0000"))]
    assert engine.market([ticker("korbit", "btc_krw", "99")]) == []  # still above: fired
    assert engine.market([ticker("korbit", "btc_krw", "100.5")]) == []  # re-armed
    assert len(engine.market([ticker("upbit", "KRW-BTC", "98")])) == 1  # -2.49 %: either way


def test_a_crossing_first_seen_after_a_reconnect_was_while_disconnected() -> None:
    engine = AlertEngine([price_rule("100")])
    assert run(engine, "99") == []
    engine.market([FeedState("upbit", "public", "reconnecting", 1)])
    snapshot = msgspec.structs.replace(ticker("upbit", "KRW-BTC", "105"), snapshot=True)
    (alert,) = engine.market([FeedState("upbit", "public", "live"), snapshot])
    assert alert.while_disconnected
    assert alert.text().endswith("(while disconnected)")
    assert engine.market([snapshot]) == []  # the same price again: nothing new


def test_alert_json_has_the_type_and_exact_values() -> None:
    (alert,) = run(AlertEngine([price_rule("100.5")]), "99", "100.50")
    line = msgspec.json.decode(event_json(alert))
    assert line["type"] == "alert"
    assert line["value"] == "100.50"
    assert line["while_disconnected"] is False


# -- own orders ------------------------------------------------------------------------------


def test_fills_fire_once_each_partial_then_filled_and_cancellations() -> None:
    rule = AlertRule(kind="order")
    engine = AlertEngine([rule])
    account = Account()
    placed = order("upbit", "KRW-BTC", "o1", "buy", "100", "3")
    engine.private([placed], account)
    fills, fired = engine.private(
        [fill("upbit", "KRW-BTC", "o1", "t1", "buy", "100", "1")], account
    )
    assert len(fills) == 1 and [a.detail for a in fired] == ["buy 1 at 100 (partial)"]
    done = order("upbit", "KRW-BTC", "o1", "buy", "100", "3", filled="3", state="filled")
    last = fill("upbit", "KRW-BTC", "o1", "t2", "buy", "100", "2")
    _, fired = engine.private([last, done], account)
    assert [(a.kind, a.order_id, a.value) for a in fired] == [("order", "o1", D("100"))]
    assert fired[0].detail.endswith("(filled)") and not fired[0].while_disconnected
    # the catch-up after a gap brings the same fill again: nothing new
    snapshot = OrdersSnapshot("upbit", (), T0, None, True)
    _, fired = engine.private([snapshot, last, done], account)
    assert fired == []
    engine.private([order("upbit", "KRW-BTC", "o2", "sell", "200", "1")], account)
    cancelled = order("upbit", "KRW-BTC", "o2", "sell", "200", "1", state="cancelled")
    _, fired = engine.private([snapshot, cancelled], account)
    assert [(a.detail, a.while_disconnected) for a in fired] == [
        ("sell order cancelled (0 filled)", True)
    ]
    _, fired = engine.private([cancelled], account)
    assert fired == []


def test_order_alerts_narrowed_to_a_market_and_events() -> None:
    rule = AlertRule(kind="order", market="korbit:btc_krw", on=("filled",))
    engine = AlertEngine([rule])
    account = Account()
    engine.private([order("korbit", "btc_krw", "1", "buy", "100", "2")], account)
    engine.private([order("upbit", "KRW-BTC", "2", "buy", "100", "1")], account)
    _, fired = engine.private([fill("korbit", "btc_krw", "1", "a", "buy", "100", "1")], account)
    assert fired == []  # partial: not asked for
    _, fired = engine.private([fill("upbit", "KRW-BTC", "2", "b", "buy", "100", "1")], account)
    assert fired == []  # another market
    _, fired = engine.private([fill("korbit", "btc_krw", "1", "c", "buy", "100", "1")], account)
    assert [a.detail for a in fired] == ["buy 1 at 100 (filled)"]


# -- feeds -------------------------------------------------------------------------------------


@pytest.mark.parametrize("stale", [True, False])
def test_a_feed_down_or_stale_for_long_enough_and_back(stale: bool) -> None:
    engine = AlertEngine([AlertRule(kind="feed", market="upbit", after=10)])
    health = FeedHealth("upbit", "public", "live", streaming=3, last_data_ms=T0, subscribed_ms=T0)
    feeds = {("upbit", "public"): health}
    assert engine.health(feeds, T0 + 5 * SECOND) == []
    if not stale:
        health.state = "reconnecting"
        assert engine.health(feeds, T0 + 6 * SECOND) == []
    (down,) = engine.health(feeds, T0 + 16 * SECOND + (6 * SECOND if not stale else 0))
    assert down.kind == "feed" and down.market == "" and down.value >= 10
    assert ("stale" in down.detail) is stale
    assert engine.health(feeds, T0 + 30 * SECOND) == []  # once
    health.state = "live"
    health.last_data_ms = T0 + 31 * SECOND
    (back,) = engine.health(feeds, T0 + 31 * SECOND)
    assert "back after" in back.detail
    assert engine.health(feeds, T0 + 32 * SECOND) == []


def test_a_feed_rule_watches_only_its_venue() -> None:
    engine = AlertEngine([AlertRule(kind="feed", market="korbit", after=1)])
    health = FeedHealth("upbit", "public", "reconnecting")
    assert engine.health({("upbit", "public"): health}, T0) == []
    assert engine.health({("upbit", "public"): health}, T0 + 5 * SECOND) == []


def test_a_price_held_for_a_long_time_counts_until_it_changes() -> None:
    """Unchanged tickers are skipped; the price they repeat was the price until the next
    change, so a jump after a long quiet spell is a move within the window."""
    rule = AlertRule(kind="move", market=KEY, pct=D("3"), window=300)
    engine = AlertEngine([rule])
    assert run(engine, *["100"] * 41, step=10 * SECOND) == []  # 400 s at 100
    fired = engine.market([ticker("upbit", "KRW-BTC", "103", ts=T0 + 401 * SECOND)])
    assert [a.value for a in fired] == [D("3.0000")]


def test_skipping_quiet_prices_fires_exactly_what_evaluating_every_price_fires(
    monkeypatch,
) -> None:
    """The price band (where no crossing can change state) and the skipped unchanged
    tickers are shortcuts only: a random walk past many levels fires the same alerts."""
    import random

    from mdtui.model import alerts as module

    rng = random.Random(5)
    rules = [
        price_rule(str(level), direction, rearm_pct=D(rearm), repeat=repeat)
        for level in range(95, 106, 2)
        for direction in ("up", "down")
        for rearm, repeat in (("0", True), ("0.5", True), ("1", False))
    ]
    rules.append(AlertRule(kind="move", market=KEY, pct=D("2"), window=30))
    prices, price = [], 100.0
    for _ in range(3000):
        price = min(max(price + rng.choice((-1, 0, 0, 1)) * 0.25, 90), 110)
        prices.append(f"{price:.2f}")
    fast = run(AlertEngine(rules), *prices)
    monkeypatch.setattr(module._Watch, "quiet", lambda self, price: False)
    monkeypatch.setattr(module._Watch, "unchanged", lambda self, ev, gen: False)
    slow = run(AlertEngine(rules), *prices)
    assert len(fast) > 100
    assert fast == slow


def test_re_arming_a_fired_alert_waits_for_a_fresh_crossing() -> None:
    one_shot = price_rule("100", repeat=False)
    held = price_rule("200", rearm_pct=D("10"))
    engine = AlertEngine([one_shot, held])
    assert len(run(engine, "99", "101", "199", "201")) == 2
    assert (engine.state(one_shot), engine.state(held)) == ("done", "fired")
    engine.rearm(one_shot.id)
    engine.rearm(held.id)
    assert (engine.state(one_shot), engine.state(held)) == ("armed", "armed")
    assert run(engine, "202") == [], "already past its level: not a crossing"
    assert engine.state(held) == "armed", "it has not fired since"
    fired = run(engine, "99", "101", "199", "201")
    assert [a.alert for a in fired] == [one_shot.id, held.id]


def test_an_alert_set_against_the_price_seen_fires_on_a_crossing_before_its_first_ticker() -> None:
    """The form's alert: set up through 100 while the price shown was 99; the price jumps
    to 101 before the first ticker the alert sees. It crossed, so it fires."""
    rule = price_rule("100")
    engine = AlertEngine([rule])
    engine.start_from(rule.id, KEY, D("99"))
    assert [a.value for a in run(engine, "101", "102")] == [D("101")]

    plain = AlertEngine([rule])  # a config alert: no price seen, first seen past the level
    assert run(plain, "101", "102") == []

    same_side = AlertEngine([rule])  # set while already past: waits to come back
    same_side.start_from(rule.id, KEY, D("100.5"))
    assert run(same_side, "101", "102") == []
    assert [a.value for a in run(same_side, "99", "100")] == [D("100")]
