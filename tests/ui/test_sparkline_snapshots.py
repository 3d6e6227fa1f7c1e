"""Snapshot tests of the board's trend column: the last hour of minute closes in the
Western convention (up green, down red) at 160x48 (the 24-hour window in the Korean
convention is in ``test_snapshots.py``'s main screen), and the all-markets board, whose
rows on screen have theirs. Update the baselines as ``tests/ui/test_snapshots.py`` says."""

from __future__ import annotations

from mdtui.demo import point_at
from mdtui.sim.frozen import APP_NOW, FrozenMarket
from mdtui.ui.app import make_app
from tests.support.screen import SIZE
from tests.ui.test_snapshots import frozen_market, prepare

__all__ = ["frozen_market"]  # the fixture, shared with the main screen's snapshots


def test_minute_trends_in_western_colours(snap_compare, frozen_market: FrozenMarket, base_settings):
    settings = point_at(base_settings, frozen_market.url, demo_keys=True).model_copy(
        update={"colors": "western", "sparkline": "1h"}
    )
    app = make_app(settings, clock=lambda: APP_NOW, mode="demo (seed 1)")
    assert snap_compare(app, terminal_size=SIZE, run_before=prepare(frozen_market))
