"""Render the demo to ``screenshots/*.svg``: one per shipped theme, plus the search overlay,
the balances pane, the chart (beside the order book, and on the whole screen), the alert
form and the alerts pane.

Deterministic: the frozen simulator (seed 1, fixed clock, markets stepped by hand, the demo
accounts with fixed orders and one fill), a fixed app clock, a 160x48 terminal and Korean
time (UTC+9). Run from anywhere:

    python screenshots/make.py
"""

from __future__ import annotations

import logging
import os
import sys
import time
from pathlib import Path

OUT = Path(__file__).resolve().parent
sys.path.insert(0, str(OUT.parent))  # the tests' helpers drive the app (tests/support)
SIZE = (160, 48)
SEED = 1
STEPS = 40
SHOTS = [
    ("mdtui-dark", "dark.svg", ()),
    ("mdtui-light", "light.svg", ()),
    ("mdtui-contrast", "contrast.svg", ()),
    ("mdtui-dark", "search.svg", ("slash", "b", "t", "c")),
    ("mdtui-dark", "balances.svg", ("b",)),
    ("mdtui-dark", "chart.svg", ("c",)),
    ("mdtui-light", "chart-full.svg", ("C",)),
    ("mdtui-dark", "alert-form.svg", ("j", "exclamation_mark", *"5300000")),
    ("mdtui-dark", "alerts.svg", ("exclamation_mark", *"150000000", "enter", "A")),
]
CHART_KEYS = {"c", "C"}


def main() -> int:
    for name in [n for n in os.environ if n.startswith("MDTUI_")]:
        del os.environ[name]
    os.environ["TZ"] = "KST-9"  # POSIX rule: no tz database needed
    time.tzset()
    logging.basicConfig(handlers=[logging.NullHandler()], force=True)

    from tests.support.screen import demo_activity, wait_quiet, wait_ready
    from tests.support.waiting import wait_until

    from mdtui.demo import point_at
    from mdtui.settings import Settings
    from mdtui.sim.frozen import APP_NOW, FrozenMarket
    from mdtui.ui.app import make_app

    for theme, filename, keys in SHOTS:
        with FrozenMarket(seed=SEED) as market:
            market.place_demo_orders()
            settings = Settings(_env_file=None, theme=theme)  # type: ignore[call-arg]
            app = make_app(
                point_at(settings, market.url, demo_keys=True),
                mode=f"demo (seed {SEED})",
                clock=lambda: APP_NOW,
            )

            async def shoot(pilot, market=market, app=app, keys=keys) -> None:
                await wait_ready(app)
                await wait_quiet(app, 0.3)
                market.advance(STEPS)
                await wait_quiet(app, 0.3)
                await demo_activity(app, market)
                await wait_quiet(app)
                app.clear_notifications()
                await pilot.pause()
                if keys:
                    await pilot.press(*keys)
                    await pilot.pause(0.2)
                if keys and keys[0] in CHART_KEYS:  # the chart's candles come over REST first
                    await wait_until(lambda: app.chart.chart is not None, 20, "the chart")
                    await wait_quiet(app)
                await pilot.wait_for_scheduled_animations()
                await pilot.pause()
                app.exit(app.export_screenshot(title="mdtui --demo"))

            svg = app.run(headless=True, size=SIZE, auto_pilot=shoot)
            if not isinstance(svg, str):
                print(f"screenshots: {filename} failed", file=sys.stderr)
                return 1
            (OUT / filename).write_text(svg, encoding="utf-8")
            print(f"screenshots/{filename}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
