"""The chart's keys: the pane on and off, the full-screen view, the interval, zoom and
scroll. App bindings (they work from any pane), each with an id to remap it by; all but
the two view keys work only while the chart is shown.

Where the chart goes is a class of the main screen (rules in ``app.tcss``): ``-chart``
puts it in place of the trade tape (of the order book and tape on short or narrow
screens, where on a short screen it takes turns with the private panes), and
``-chart-full`` gives it the whole screen but the status line and key hints.
"""

from __future__ import annotations

from textual.binding import Binding, BindingType
from textual.widget import Widget

from mdtui.model.candles import INTERVALS
from mdtui.ui.widgets.chart import ChartPane

INTERVAL_KEYS = dict(zip("1234567", INTERVALS, strict=True))
"""``1`` .. ``7``: 1s, 1m, 5m, 15m, 1h, 4h, 1d."""

CHART_BINDINGS: list[BindingType] = [
    Binding(
        "c",
        "chart('pane')",
        "Chart",
        id="chart.toggle",
        tooltip="The chart of the selected market in place of the trade tape, or back "
        "(short or narrow screens: in place of the order book and tape)",
    ),
    Binding(
        "C",
        "chart('full')",
        "Full chart",
        show=False,
        id="chart.full",
        tooltip="The chart on the whole screen, or back",
    ),
    *[
        Binding(
            key,
            f"chart('interval', '{name}')",
            name,
            show=False,
            id=f"chart.{name}",
            tooltip=f"Chart: {name} candles",
        )
        for key, name in INTERVAL_KEYS.items()
    ],
    Binding(
        "equals_sign",
        "chart('zoom', '1')",
        "Zoom in",
        show=False,
        id="chart.zoom_in",
        tooltip="Chart: zoom in (fewer, wider candles)",
    ),
    Binding(
        "minus",
        "chart('zoom', '-1')",
        "Zoom out",
        show=False,
        id="chart.zoom_out",
        tooltip="Chart: zoom out (more candles; several to a column)",
    ),
    Binding(
        "comma",
        "chart('scroll', '1')",
        "Older",
        show=False,
        id="chart.back",
        tooltip="Chart: scroll back in time (loads older candles past the oldest)",
    ),
    Binding(
        "full_stop",
        "chart('scroll', '-1')",
        "Newer",
        show=False,
        id="chart.forward",
        tooltip="Chart: scroll forward in time",
    ),
]


def chart_command(screen: Widget, pane: ChartPane, command: str, argument: str) -> None:
    """Do one chart key's ``command`` on the main ``screen``."""
    if command == "pane":
        shown = screen.has_class("-chart") or screen.has_class("-chart-full")
        screen.set_class(not shown, "-chart")
        screen.remove_class("-chart-full")
    elif command == "full":
        screen.toggle_class("-chart-full")
    elif command == "off":
        screen.remove_class("-chart", "-chart-full")
    elif command == "interval":
        pane.choose_interval(argument)
    elif command == "zoom":
        pane.zoom_by(int(argument))
    elif command == "scroll":
        pane.scroll_by(int(argument))
    active = screen.has_class("-chart") or screen.has_class("-chart-full")
    if active:
        # The chart takes the place of the private panes (short screens) and of the tape
        # where the order book and tape take turns (narrow ones).
        screen.remove_class("-private-open", "-show-tape")
    pane.set_active(active)
