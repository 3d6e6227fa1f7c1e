"""The delayed rule and the notes of markets left out, on hand-made model states; the
subscription arithmetic the refusals use."""

from __future__ import annotations

from decimal import Decimal

import pytest

from mdtui.display.market_notes import DelayRules, delay_note, market_notes, quiet_for
from mdtui.feed.supervisor import Exclusion
from mdtui.model.events import Subscribed, Ticker
from mdtui.model.market_store import FeedHealth, MarketStore
from mdtui.venues import korbit
from mdtui.venues.subscription import EMPTY, Subscription, codes_named

RULES = DelayRules(after=10.0, cadence=5.0, lag=5.0)
T0 = 1_800_000_000_000


def ticker(market: str, ts: int, snapshot: bool = False) -> Ticker:
    one = Decimal(1)
    return Ticker(
        "upbit", market, one, one, one, one, one, one, one, one, one, None, None, ts, snapshot
    )


def store_with(updates: list[int], subscribed: int = T0, lag: int = 0) -> MarketStore:
    """A store where KRW-BTC was subscribed at ``subscribed`` and got a ticker at each of
    ``updates`` (arriving ``lag`` ms after its exchange timestamp)."""
    store = MarketStore()
    store.apply([Subscribed("upbit", "public", ("KRW-BTC",), ("KRW-BTC",))], subscribed)
    for at in updates:
        store.apply([ticker("KRW-BTC", at - lag)], at)
    return store


def note_at(store: MarketStore, now: int, offset: int | None = 0):
    return delay_note(store.markets["upbit:KRW-BTC"], now, offset, RULES)


def test_a_busy_market_is_delayed_after_the_floor_not_before() -> None:
    store = store_with([T0 + 100 * i for i in range(1, 50)])  # every 100 ms
    last = T0 + 4900
    assert store.markets["upbit:KRW-BTC"].gap_ms == 100
    assert note_at(store, last + 10_000) is None
    note = note_at(store, last + 10_001)
    assert note is not None and note.kind == "delayed" and note.text == "delayed 10s"
    assert note.detail == "no update for 10s"


def test_a_slow_market_is_judged_by_its_own_pace() -> None:
    store = store_with([T0 + 30_000 * i for i in range(1, 6)])  # every 30 s
    last = T0 + 150_000
    assert note_at(store, last + 60_000) is None, "two usual gaps are not a delay"
    assert note_at(store, last + 150_001) is not None, "more than five are"


def test_nothing_since_subscribing_counts_from_the_subscription() -> None:
    store = store_with([], subscribed=T0)
    assert note_at(store, T0 + 10_000) is None
    note = note_at(store, T0 + 10_001)
    assert note is not None and note.detail == "no data for 10s since subscribing"


def test_a_market_heard_from_once_has_no_pace_yet() -> None:
    """Its snapshot came; an illiquid market may not trade again for an hour."""
    store = store_with([T0 + 100])
    assert note_at(store, T0 + 3_600_000) is None
    store.apply([ticker("KRW-BTC", T0 + 200)], T0 + 200)
    assert note_at(store, T0 + 10_201) is not None, "two updates: a pace, 100 ms"


def test_snapshots_are_data_but_no_pace() -> None:
    """Upbit sends every market a snapshot again at each request (a market switch): that
    must not make a slow market look busy."""
    store = store_with([T0 + 60_000, T0 + 120_000])  # realtime, a minute apart
    for i in range(1, 30):
        store.apply(
            [ticker("KRW-BTC", T0 + 120_000 + 2000 * i, snapshot=True)], T0 + 120_000 + 2000 * i
        )
    state = store.markets["upbit:KRW-BTC"]
    assert state.gap_ms == 60_000 and state.updated_ms == T0 + 178_000
    assert note_at(store, T0 + 178_000 + 200_000) is None
    assert note_at(store, T0 + 178_000 + 300_001) is not None


def test_a_resubscription_restarts_the_count_and_is_no_gap() -> None:
    store = store_with([T0 + 100 * i for i in range(1, 11)])
    store.apply([Subscribed("upbit", "public", ("KRW-BTC",), ("KRW-BTC",))], T0 + 60_000)
    assert note_at(store, T0 + 65_000) is None
    store.apply([ticker("KRW-BTC", T0 + 70_000)], T0 + 70_000)
    assert store.markets["upbit:KRW-BTC"].gap_ms == 100, "the gap across it is not counted"


def test_late_timestamps_count_once_the_offset_is_out() -> None:
    store = store_with([T0 + 1000], lag=30_000)  # stamped 30 s before it arrived
    assert note_at(store, T0 + 1000, offset=None) is None, "unknown offset: no lag check"
    assert note_at(store, T0 + 1000, offset=-30_000) is None, "the exchange's clock is behind"
    note = note_at(store, T0 + 1000, offset=-20_000)
    assert note is not None and note.detail == "data 10s behind the clock"
    assert note_at(store, T0 + 1000, offset=-25_000) is None, "5 s is the limit"


def test_notes_of_a_watchlist() -> None:
    store = store_with([T0 + 500, T0 + 1000])
    excluded = {
        "upbit:KRW-XYZ": Exclusion("unlisted"),
        "korbit:klay_krw": Exclusion("delisted"),
        "korbit:bad_krw": Exclusion("rejected", "INVALID_SYMBOL"),
    }
    keys = ["upbit:KRW-BTC", *excluded, "korbit:btc_krw"]
    notes = market_notes(keys, excluded, store, ["upbit"], T0 + 20_000, {}, RULES)
    assert {k: n.text for k, n in notes.items()} == {
        "upbit:KRW-BTC": "delayed 19s",
        "upbit:KRW-XYZ": "not listed on Upbit",
        "korbit:klay_krw": "delisted on Korbit",
        "korbit:bad_krw": "refused by Korbit (INVALID_SYMBOL)",
    }
    assert [n.left_out for n in notes.values()] == [False, True, True, True]
    down = market_notes(keys, {}, store, [], T0 + 20_000, {}, RULES)
    assert down == {}, "a venue whose socket is not connected is the status line's stale"


@pytest.mark.parametrize(
    "state, streaming, data, expected",
    [
        ("live", 2, T0 + 1000, None),
        ("live", 2, T0 + 500, 10.5),
        ("live", 2, 0, 11.0),
        ("live", 0, 0, None),
        ("reconnecting", 2, 0, None),
    ],
)
def test_a_live_socket_without_data(state, streaming, data, expected) -> None:
    health = FeedHealth("korbit", "public", state, subscribed_ms=T0, streaming=streaming)
    health.last_data_ms = data
    assert quiet_for(health, T0 + 11_000, 10.0) == expected


def test_subscription_arithmetic() -> None:
    sub = Subscription.of(["A-B", "C-D"], ["A-B"], ["A-B"], tops=["A-B", "C-D"])
    assert sub.without(["C-D"]) == Subscription.of(["A-B"], ["A-B"], ["A-B"], tops=["A-B"])
    assert sub.without(["X-Y"]) is sub
    assert sub.minus(sub) == EMPTY
    assert sub.minus(Subscription.of(["A-B"])).tickers == {"C-D"}
    assert codes_named("유효하지 않은 코드입니다: KRW-ZZZ.1", ["KRW-ZZZ", "KRW-Z"]) == {"KRW-ZZZ"}
    assert codes_named("The symbol does not exist (zzz_krw)", ["zz_krw", "zzz_krw"]) == {"zzz_krw"}


def test_korbit_symbols_subscribed_one_per_request() -> None:
    new = Subscription.of(["a_krw", "b_krw", "c_krw"])
    requests = korbit.requests_for(
        EMPTY, new, ids=iter(range(1, 9)), single=frozenset({"b_krw", "c_krw"})
    )
    assert [(r.symbols, r.request_id) for r in requests] == [
        (("a_krw",), 1),
        (("b_krw",), 2),
        (("c_krw",), 3),
    ]
    assert korbit.requested(requests[1]) == Subscription.of(["b_krw"])


def test_delay_settings(tmp_path, monkeypatch) -> None:
    from mdtui.settings import SettingsError, load_settings

    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path))
    s = load_settings()
    assert (s.delayed_after, s.delayed_cadence, s.delayed_lag) == (10.0, 5.0, 5.0)
    monkeypatch.setenv("MDTUI_DELAYED_CADENCE", "0.5")
    with pytest.raises(SettingsError) as info:
        load_settings()
    assert "delayed_cadence = '0.5'" in str(info.value) and "\n" not in str(info.value)
