"""A market the exchange refuses costs only itself: the real feed worker against the real
simulator, with no market list to check the codes against beforehand."""

from __future__ import annotations

import pytest

from mdtui.feed.public_feeds import public_workers
from mdtui.feed.worker import Subscription
from mdtui.model.events import Subscribed, Ticker, Trade, VenueError
from tests.support.feeds import running

GOOD = {"upbit": ("KRW-BTC", "KRW-ETH"), "korbit": ("btc_krw", "eth_krw")}
BAD = {"upbit": ("KRW-NOTACOIN", "KRW-ZZZ"), "korbit": ("notacoin_krw", "zzz_krw")}


def is_ticker(market: str):
    return lambda ev: type(ev) is Ticker and ev.market == market


@pytest.mark.parametrize("venue", ["upbit", "korbit"])
async def test_refused_codes_are_left_out_and_the_rest_subscribed(
    venue, live_sim, settings, collector
) -> None:
    good, bad = GOOD[venue], BAD[venue]
    worker = public_workers(settings, collector, venues=[venue])[venue]
    tickers = [*good, *bad]
    worker.subscribe(Subscription.of(tickers, [good[0]], [good[0]], tops=tickers))
    async with running(worker):
        for market in good:
            await collector.wait_for(is_ticker(market), timeout=5.0)
        await collector.wait_for(lambda ev: type(ev) is Trade and ev.market == good[0])
        assert set(worker.rejected) == set(bad), "each bad code found, no good one"
        assert worker.streaming.codes() == set(good)
        errors = [ev for ev in collector.events if type(ev) is VenueError]
        assert errors and len(errors) <= 2 * len(bad), "a few refusals, not a loop"
        last = [ev for ev in collector.events if type(ev) is Subscribed][-1]
        assert set(last.markets) == set(good)
        # the server agrees: its latest subscription holds the good codes only
        requests = live_sim.stats(venue).payloads()
        assert not any(code in str(requests[-1]) for code in bad)
    assert worker.stats.connects == 1, "no reconnect for a refusal"


async def test_korbit_failure_naming_no_symbol_splits_the_request(
    live_sim, settings, collector, monkeypatch
) -> None:
    """A failure that answers a request without naming its symbol: the symbols are sent
    again one per request, and the next failure pins the bad one."""
    from mdtui.sim.korbit import socket_rules

    original = socket_rules.RequestFailure.__init__

    def anonymous(self, code: str, message: str) -> None:
        original(self, code, "The symbol does not exist" if code == "INVALID_SYMBOL" else message)

    monkeypatch.setattr(socket_rules.RequestFailure, "__init__", anonymous)
    worker = public_workers(settings, collector, venues=["korbit"])["korbit"]
    worker.subscribe(Subscription.of(["btc_krw", "zzz_krw", "eth_krw"]))
    async with running(worker):
        await collector.wait_for(is_ticker("btc_krw"), timeout=5.0)
        await collector.wait_for(is_ticker("eth_krw"), timeout=5.0)
        assert set(worker.rejected) == {"zzz_krw"}
