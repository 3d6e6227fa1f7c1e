"""The chaos test: a storm of private-socket disconnects loses none of the user's events.

See :mod:`tests.support.chaos`; ``bench/chaos.py`` runs the long version by hand.
"""

from __future__ import annotations

import pytest

from tests.support.chaos import VENUES, Chaos, chaos_settings, start_chaos_sim

ROUNDS = 24
SETTLE = 20.0
"""Seconds the client gets after the last reconnect to match the exchanges."""


@pytest.mark.timeout(300)
async def test_no_order_fill_or_balance_is_lost_in_a_storm_of_disconnects(base_settings) -> None:
    sim, clock = await start_chaos_sim(history_delay_ms=500)
    try:
        settings = chaos_settings(base_settings, sim)
        settings.korbit.history_lag_ms = 800
        report = await Chaos(sim, clock, settings, seed=5).run(ROUNDS, SETTLE)
    finally:
        await sim.stop()
    assert sum(report.disconnects.values()) >= 20
    assert all(report.disconnects[v] > 0 for v in VENUES)
    assert report.abrupt > 0 and report.gap_actions > 20 and report.fills > 20
    assert report.mismatches == [], "\n".join(report.mismatches)
