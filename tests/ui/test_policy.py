"""Subscription policy and feed health (pure)."""

from __future__ import annotations

from mdtui.display.feed_status import feed_status_of, feed_statuses, stale_reason
from mdtui.feed.subscription_policy import dashboard_subscriptions
from mdtui.model.events import FeedState
from mdtui.model.market_store import FeedHealth, MarketStore

WATCH = ["upbit:KRW-BTC", "upbit:KRW-ETH", "korbit:btc_krw"]


def test_tickers_for_watchlist_detail_for_selection_only():
    subs = dashboard_subscriptions(WATCH, "upbit:KRW-ETH")
    assert subs["upbit"].tickers == {"KRW-BTC", "KRW-ETH"}
    assert subs["upbit"].books == subs["upbit"].trades == {"KRW-ETH"}
    assert subs["korbit"].tickers == {"btc_krw"}
    assert not subs["korbit"].books and not subs["korbit"].trades


def test_selection_outside_watchlist_still_streams():
    subs = dashboard_subscriptions(WATCH, "korbit:eth_krw")
    assert subs["korbit"].tickers == {"btc_krw", "eth_krw"}
    assert subs["korbit"].books == {"eth_krw"}


def test_no_selection():
    subs = dashboard_subscriptions([], None)
    assert not subs["upbit"] and not subs["korbit"]


def test_stale_only_when_not_live_and_old():
    live = FeedHealth("upbit", "public", "live", last_message_ms=1_000)
    assert not feed_status_of(live, "upbit", "public", 100.0, 5).stale
    recon = FeedHealth("upbit", "public", "reconnecting", 2, "connection refused", 1_000)
    fresh = feed_status_of(recon, "upbit", "public", 3.0, 5)
    assert not fresh.stale
    assert fresh.label == "reconnecting (attempt 2: connection refused)"
    old = feed_status_of(recon, "upbit", "public", 10.0, 5)
    assert old.stale
    assert stale_reason(old) == "STALE 9.0s · upbit reconnecting (see status line)"


def test_many_failed_attempts_show_down():
    health = FeedHealth("korbit", "public", "reconnecting", 7, "cannot resolve host (offline?)")
    view = feed_status_of(health, "korbit", "public", 1.0, 5)
    assert view.state == "down" and view.stale and view.age is None
    assert stale_reason(view).startswith("no data yet")


def test_views_list_public_feeds_first():
    model = MarketStore()
    model.apply([FeedState("korbit", "public", "live")], 1_000)
    views = feed_statuses(model, ["upbit", "korbit"], 2.0, 5)
    assert [(v.venue, v.state) for v in views] == [("upbit", "connecting"), ("korbit", "live")]


def test_views_list_private_feeds_and_why_one_is_missing():
    model = MarketStore()
    model.apply([FeedState("korbit", "private", "live")], 1_000)
    off = {"upbit": "set upbit.access_key and upbit.secret_key to see your Upbit orders"}
    views = feed_statuses(model, ["upbit", "korbit"], 2.0, 5, private=["korbit"], off=off)
    assert [(v.venue, v.channel, v.state, v.detail) for v in views][2:] == [
        ("upbit", "private", "off", "no API keys"),
        ("korbit", "private", "live", ""),
    ]
    bad = {"korbit": "korbit: cannot read the Korbit private key file /nowhere.pem"}
    views = feed_statuses(MarketStore(), ["upbit", "korbit"], 2.0, 5, off=bad)
    assert views[-1].state == "stopped" and "cannot read" in views[-1].label


def test_all_markets_board_streams_tickers_only_in_the_same_subscription():
    board = ["upbit:KRW-BTC", "upbit:KRW-SUI", "upbit:KRW-PEPE", "korbit:sol_krw"]
    subs = dashboard_subscriptions(WATCH, "upbit:KRW-ETH", board=board)
    assert subs["upbit"].tickers == {"KRW-BTC", "KRW-ETH", "KRW-SUI", "KRW-PEPE"}
    # best bid and ask (a one-level book on Upbit) only for the watchlist and selection
    assert subs["upbit"].tops == {"KRW-BTC", "KRW-ETH"}
    assert subs["upbit"].books == {"KRW-ETH"}
    assert subs["korbit"].tickers == {"btc_krw", "sol_krw"}


def test_the_selected_coins_twin_is_streamed_with_its_best_bid_and_ask():
    subs = dashboard_subscriptions(WATCH, "korbit:trx_krw", twin="upbit:KRW-TRX")
    # Upbit tickers carry no bid and ask: the twin gets a one-level book, not the full one
    assert "KRW-TRX" in subs["upbit"].tickers and "KRW-TRX" in subs["upbit"].tops
    assert "KRW-TRX" not in subs["upbit"].books and "KRW-TRX" not in subs["upbit"].trades
    assert subs["korbit"].books == subs["korbit"].trades == {"trx_krw"}
    assert "KRW-TRX" not in dashboard_subscriptions(WATCH, "korbit:trx_krw")["upbit"].codes()
