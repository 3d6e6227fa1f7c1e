"""The dashboard app: one screen with the ticker board, depth ladder, trade tape, the
user's own orders, fills and balances, and the status line, fed by one async worker per
websocket (public, and private where API keys are set) or by a replay.

Data path: a worker's ``sink`` applies each batch of events to the shared
:class:`~mdtui.model.market_store.MarketStore` (and private batches to the
:class:`~mdtui.model.account.Account`) at once; a 30 Hz timer then asks each visible pane
to repaint what changed since the last flush. No pane renders per message. A new fill
raises a toast (and optionally the terminal bell).
"""

from __future__ import annotations

import contextlib
import gc
import logging
import time
from collections.abc import Callable, Coroutine, Iterator, Sequence
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from typing import Any, ClassVar

from rich.console import Console, RenderableType
from textual import events, on
from textual._compositor import CompositorUpdate
from textual.app import App, ComposeResult, SystemCommand
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.screen import Screen
from textual.widgets import Footer, Input, Static
from textual.worker import Worker, WorkerState

from mdtui import saved_watchlist
from mdtui.alerting import Alerting
from mdtui.display import all_markets
from mdtui.display.catalog import VENUE_LABEL
from mdtui.display.feed_status import feed_statuses, stale_reason, with_market_notes
from mdtui.display.format import fmt_exact, fmt_price, size_decimals
from mdtui.display.holdings import pricing_markets
from mdtui.display.market_notes import DelayRules, market_notes
from mdtui.display.shared_state import ChartWant, SharedState
from mdtui.display.sparkline import WINDOWS
from mdtui.feed.daemon_loop import daemon_loop
from mdtui.feed.recorder import CaptureError
from mdtui.feed.spark_feed import SparkFeed
from mdtui.feed.subscription_policy import VENUES
from mdtui.feed.supervisor import FeedSupervisor
from mdtui.feed.tick_rules import TickFetcher, TickRule
from mdtui.feed.worker import FeedWorker
from mdtui.heap import TRIM_EVERY, trim_heap
from mdtui.model.alerts import Alert
from mdtui.model.candles import Candle
from mdtui.model.events import AnyEvent, Book, Fill, market_key
from mdtui.model.sparklines import Sparkline
from mdtui.saved_alerts import SavedAlerts
from mdtui.settings import REGION_CURRENCY, Settings, SettingsError
from mdtui.ui.alerts_ui import ALERT_BINDINGS, AlertsUI
from mdtui.ui.changed_cells import ChangedCells
from mdtui.ui.commands import MarketCommands
from mdtui.ui.key_contexts import dashboard_contexts
from mdtui.ui.keymap_check import check_keymap
from mdtui.ui.memo_caches import FORGET_EVERY, forget_memos
from mdtui.ui.screens.alert_form import AlertForm
from mdtui.ui.screens.alerts import AlertsScreen
from mdtui.ui.screens.help import HelpScreen, binding_rows
from mdtui.ui.screens.search import SearchScreen
from mdtui.ui.theming import (
    DEFAULT_THEME,
    MARKET_DEFAULTS,
    apply_convention,
    builtin_theme_dir,
    load_themes,
    theme_problem,
)
from mdtui.ui.widgets.board import Board
from mdtui.ui.widgets.board_filter import BoardFilter
from mdtui.ui.widgets.chart import ChartPane
from mdtui.ui.widgets.chart_keys import CHART_BINDINGS, chart_command
from mdtui.ui.widgets.gap_line import ROWS as GAP_ROWS
from mdtui.ui.widgets.gap_line import GapLine
from mdtui.ui.widgets.ladder import Ladder
from mdtui.ui.widgets.notices import Notices
from mdtui.ui.widgets.private_panes import SIDE_LABEL, PrivatePanes
from mdtui.ui.widgets.status import StatusLine
from mdtui.ui.widgets.tape import Tape
from mdtui.venues.markets import MarketInfo

log = logging.getLogger(__name__)

FLUSH_HZ = 30
BOARD_EVERY = 3
"""The board repaints on every third flush (10 Hz): faster than anyone reads a row."""
LADDER_EVERY = 2
"""The order book and the gap line on every second flush (15 Hz); the trade tape and the
chart on every flush, so a trade is on screen within one flush."""
HEALTH_EVERY = 0.25
"""Seconds between feed-health checks (status line, stale banners)."""
FILL_TOASTS = 4
"""At most this many fill toasts within :data:`FILL_TOAST_WINDOW` seconds; fills beyond
that are summed up in one toast (every fill is still in the Fills pane)."""
FILL_TOAST_WINDOW = 3.0
MIN_WIDTH, MIN_HEIGHT = 60, 18
"""Below this the screen shows only a line saying what size it needs."""
WIDE_FROM = 76
"""Columns from which the ladder (at least 40) and the tape (at least 36) fit side by side."""
TALL_FROM = 36
"""Rows from which the private panes stay on screen under the ladder and tape."""
LADDER_ROWS = 14
"""Rows that give the ladder five levels a side (borders, header, spread line)."""
BOARD_MIN_ROWS = 5
GAP_FROM = 24
"""Rows from which the gap line (the selected coin's Upbit-Korbit gap) sits under the board;
on fewer the ladder needs its rows (the board's GAP% column stays)."""
CHROME_ROWS = 2
"""The status line and the key hints."""

Clock = Callable[[], float]

PROTECTED_KEYS = {"quit": "quit", "help": "open help"}
"""Binding ids a ``[keys]`` remap may not leave without a key (the remap is refused)."""


class MainScreen(Screen[None]):
    """Board on top; ladder and tape below; the private panes (orders, fills, balances)
    under them; status line and key hints at the bottom.

    Smaller terminals get a smaller layout (classes set by Textual's breakpoints, rules in
    ``app.tcss``): below :data:`TALL_FROM` rows the private panes leave the screen and come
    back on their keys in place of the ladder and tape; below :data:`WIDE_FROM` columns the
    ladder and the tape take turns (``w``); below :data:`GAP_FROM` rows the gap line leaves;
    below :data:`MIN_WIDTH` x :data:`MIN_HEIGHT` one centred line says what size the screen
    needs."""

    # Typed by Textual as an instance variable, hence no ClassVar here.
    HORIZONTAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-w-tiny"),
        (MIN_WIDTH, "-w-narrow"),
        (WIDE_FROM, "-w-wide"),
    ]
    VERTICAL_BREAKPOINTS = [  # noqa: RUF012
        (0, "-h-tiny"),
        (MIN_HEIGHT, "-h-short"),
        (TALL_FROM, "-h-tall"),
    ]

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "app.focus_next", "Next pane", show=False, id="pane.next"),
        Binding("shift+tab", "app.focus_previous", "Previous pane", show=False, id="pane.previous"),
        Binding(
            "escape",
            "app.dismiss_notices",
            "Dismiss",
            show=False,
            id="notices.dismiss",
            tooltip="Dismiss the notices at the top of the screen",
        ),
    ]

    def __init__(self, shared: SharedState, clock: Clock) -> None:
        super().__init__()
        self.shared = shared
        self.clock = clock

    def compose(self) -> ComposeResult:
        yield Notices(id="notices")
        yield BoardFilter(id="board-filter")
        yield Board(self.shared, id="board")
        yield GapLine(self.shared, id="gap-line")
        with Horizontal(id="lower"):
            yield Ladder(self.shared, id="ladder")
            yield Tape(self.shared, id="tape")
            yield ChartPane(self.shared, id="chart")
        yield PrivatePanes(self.shared, self.clock, id="private")
        yield StatusLine(id="status")
        yield Footer()
        yield Static(id="too-small")

    def on_resize(self, event: events.Resize) -> None:
        width, height = event.size
        self.query_one("#too-small", Static).update(
            f"mdtui needs at least {MIN_WIDTH}x{MIN_HEIGHT}\n(this terminal is {width}x{height})"
        )
        # Short screens: the board gives up rows until the ladder has LADDER_ROWS.
        board = self.query_one("#board")
        low = height < GAP_FROM
        self.set_class(low, "-no-gap-line")
        rows = height - CHROME_ROWS - LADDER_ROWS - (0 if low else GAP_ROWS)
        board.styles.max_height = max(BOARD_MIN_ROWS, rows) if height < TALL_FROM else None
        # Where the ladder and the tape take turns, each one's bottom border names the key.
        narrow = width < WIDE_FROM
        self.query_one(Ladder).border_subtitle = "w trades" if narrow else None
        self.query_one(Tape).border_subtitle = "w book" if narrow else None

    @property
    def short(self) -> bool:
        """Too few rows for the private panes beside the ladder and tape."""
        return self.size.height < TALL_FROM

    @property
    def narrow(self) -> bool:
        """Too few columns for the ladder and the tape side by side."""
        return self.size.width < WIDE_FROM

    def on_mount(self) -> None:
        app = self.app
        if isinstance(app, MdtuiApp):
            app.main_ready(self)


class MdtuiApp(App[int]):
    """mdtui's dashboard. Build it with :func:`make_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "mdtui"
    COMMANDS = App.COMMANDS | {MarketCommands}

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit at once"),
        Binding("question_mark", "help", "Help", id="help", tooltip="Show all keys"),
        Binding(
            "slash",
            "search",
            "Search",
            id="search",
            tooltip="Search every market of both exchanges; Enter adds and selects",
        ),
        Binding(
            "left_square_bracket",
            "market(-1)",
            "Prev",
            id="market.previous",
            tooltip="Previous market (from any pane)",
        ),
        Binding(
            "right_square_bracket",
            "market(1)",
            "Next",
            id="market.next",
            tooltip="Next market (from any pane)",
        ),
        Binding(
            "o",
            "private('orders')",
            "Orders",
            id="private.orders",
            tooltip="Show your orders (open first, then recently closed)",
        ),
        Binding("f", "private('fills')", "Fills", id="private.fills", tooltip="Show your fills"),
        Binding(
            "b",
            "private('balances')",
            "Balances",
            id="private.balances",
            tooltip="Show your balances, valued at the last price",
        ),
        Binding(
            "m",
            "board_mode",
            "Markets",
            id="board.mode",
            tooltip="The board: your watchlist, or every market of a quote currency",
        ),
        Binding(
            "e",
            "board_exchange",
            "Exchange",
            id="board.exchange",
            tooltip="All-markets board: Upbit and Korbit, Upbit only, Korbit only",
        ),
        Binding(
            "u",
            "board_quote",
            "Quote",
            id="board.quote",
            tooltip="All-markets board: next quote currency (KRW, BTC, USDT, ...)",
        ),
        Binding(
            "plus",
            "watch",
            "Add",
            id="watchlist.add",
            tooltip="All-markets board: add the highlighted market to the watchlist",
        ),
        Binding(
            "w",
            "swap_lower",
            "Ladder/Trades",
            id="lower.swap",
            tooltip="Narrow screens: show the trade tape in place of the order book, or back",
        ),
        Binding(
            "d",
            "remove",
            "Remove",
            id="watchlist.remove",
            tooltip="Remove the selected market from the watchlist",
        ),
        Binding("t", "cycle_theme", "Theme", id="theme.cycle", tooltip="Next theme"),
        Binding(
            "a",
            "private_scope",
            "All/Market",
            id="private.scope",
            tooltip="Orders, fills and balances: all markets, or the selected market only",
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            show=False,
            priority=True,
            id="palette",
            tooltip="Command palette (symbol search, themes, ...)",
        ),
        Binding(
            "ctrl+l",
            "redraw",
            "Redraw",
            show=False,
            id="screen.redraw",
            tooltip="Send the whole screen to the terminal again",
        ),
        *CHART_BINDINGS,
        *ALERT_BINDINGS,
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        replay: Path | None = None,
        speed: float = 1.0,
        clock: Clock | None = None,
        mode: str = "live",
        start_feeds: bool = True,
        save_watchlist: bool = False,
        warnings: Sequence[str] = (),
    ) -> None:
        self.settings = settings
        self.startup_warnings = list(warnings)
        """Said before the screen took over (config file readable by others, no log
        file): shown again in the screen's notices, or nobody would see them."""
        super().__init__()
        checked = check_keymap(
            settings.keys, *dashboard_contexts(type(self), MainScreen), PROTECTED_KEYS
        )
        self.keymap = checked.keymap
        """The ``[keys]`` remaps applied: known ids, the refused ones left out."""
        self.startup_warnings += checked.notices
        self.changed_cells = ChangedCells()
        """What the terminal shows: screen updates send only what changed on it."""
        self.replay_path = replay
        self.speed = speed
        self.clock: Clock = clock or time.time
        self.mode = mode
        self.start_feeds = start_feeds
        self.shared = SharedState(
            names=settings.names,
            locale=settings.number_locale,
            big_trade=settings.big_trades(),
            home=settings.home,
            account_currency={"upbit": REGION_CURRENCY[settings.upbit.region], "korbit": "KRW"},
            replay=replay is not None,
            gap_alert=settings.gap_alert_pct,
            spark=None if replay else WINDOWS.get(settings.sparkline),  # a capture has no history
            wall_ms=lambda: int(self.clock() * 1000),
        )
        self._configured = list(dict.fromkeys(settings.watchlist))
        self._save_watchlist = save_watchlist and replay is None
        self.watchlist: list[str] = (
            []
            if replay
            else list(saved_watchlist.load(self._configured))
            if self._save_watchlist
            else list(self._configured)
        )
        self.selected: str | None = self.watchlist[0] if self.watchlist else None
        self.alerting = Alerting(
            settings,
            self.shared.model,
            self.shared.account,
            watchlist=self.watchlist,
            on_fired=self._alerts_fired,
            persist=self._save_watchlist,
            saved=None if self._save_watchlist else SavedAlerts([], []),
        )
        """The alerts: evaluated on every batch; fired ones reach :meth:`_alerts_fired`."""
        self.startup_warnings += self.alerting.problems
        self.alerts_ui = AlertsUI(self)
        """The alerts on screen: the form, the pane, toasts, bell and the board's marks."""
        self.feeds = FeedSupervisor(
            settings,
            self._public_batch,
            self._private_batch,
            spawn=self._run_feed,
            on_markets=self._markets_listed,
            on_replay_end=self._replay_ended,
            clock=lambda: int(self.clock() * 1000),
        )
        self.delay_rules = DelayRules(
            settings.delayed_after, settings.delayed_cadence, settings.delayed_lag
        )
        self.theme_names: list[str] = []
        self.theme_errors: list[str] = []
        self._health_at = 0.0
        self._health_second = 0
        self._flushes = 0
        self._panes: tuple[Board, Ladder, Tape, StatusLine, PrivatePanes] | None = None
        self._chart: ChartPane | None = None
        self._notices: Notices | None = None
        self._gap_line: GapLine | None = None
        self.private_all = True
        """The private panes list every market (False: the selected market only)."""
        self._toasts: list[float] = []
        self._held_fills: list[Fill] = []
        self._known_markets = 0
        self._ticks = TickFetcher(settings, self._ticks_arrived, spawn=self._run_feed)
        spark = self.shared.spark
        self._sparks = (
            SparkFeed(settings, spark.interval, spark.points + 1, self._spark_history)
            if spark is not None
            else None
        )
        """Reads the trend column's candles of the rows on screen (none in a replay)."""
        self._sparks_shown: tuple[tuple[str, ...], int] = ((), -1)
        self._spark_lives: dict[str, int] = {}
        """Each exchange's public socket lives, as the trend column last saw them."""
        self._pricing: list[str] = []
        """The markets whose tickers value the user's holdings (streamed)."""
        self._board_listed: list[str] = []
        """The all-markets board's markets before the typed filter (what it streams)."""
        self._watch_selected: str | None = None
        """The watchlist's selection while the all-markets board is shown."""
        self._chart_asked: ChartWant | None = None
        """The chart's want last passed to the feeds."""
        self._load_themes()

    # -- themes -------------------------------------------------------------------------

    def _load_themes(self) -> None:
        loaded = load_themes(builtin_theme_dir(), self.settings.theme_dir)
        for theme in loaded.themes:
            self.register_theme(theme)
        self.theme_names = [t.name for t in loaded.themes]
        self.theme_errors = list(loaded.errors)
        wanted = self.settings.theme
        if wanted not in self.available_themes:
            fallback = DEFAULT_THEME if DEFAULT_THEME in self.available_themes else "textual-dark"
            self.theme_errors.append(f"theme {wanted!r} not found; using {fallback}")
            wanted = fallback
        self.theme = wanted

    def get_theme_variable_defaults(self) -> dict[str, str]:
        return dict(MARKET_DEFAULTS)

    def get_css_variables(self) -> dict[str, str]:
        variables = apply_convention(super().get_css_variables(), self.settings.colors)
        self.theme_variables = variables
        return variables

    def action_cycle_theme(self) -> None:
        names = self.theme_names or [self.theme]
        index = names.index(self.theme) + 1 if self.theme in names else 0
        self.theme = names[index % len(names)]
        self.notify(f"theme: {self.theme}", timeout=1.5)

    # -- lifecycle ----------------------------------------------------------------------

    def get_default_screen(self) -> Screen:
        return MainScreen(self.shared, self.clock)

    def _is_main(self) -> bool:
        """Whether the panes are mounted and attached (not before start or at shutdown)."""
        return self._panes is not None and self._panes[0].is_attached

    @property
    def board(self) -> Board:
        assert self._panes is not None, "the main screen is not mounted yet"
        return self._panes[0]

    @property
    def ladder(self) -> Ladder:
        assert self._panes is not None, "the main screen is not mounted yet"
        return self._panes[1]

    @property
    def tape(self) -> Tape:
        assert self._panes is not None, "the main screen is not mounted yet"
        return self._panes[2]

    @property
    def status(self) -> StatusLine:
        assert self._panes is not None, "the main screen is not mounted yet"
        return self._panes[3]

    @property
    def chart(self) -> ChartPane:
        assert self._chart is not None, "the main screen is not mounted yet"
        return self._chart

    @property
    def private(self) -> PrivatePanes:
        """The Orders, Fills and Balances panes."""
        assert self._panes is not None, "the main screen is not mounted yet"
        return self._panes[4]

    def main_ready(self, screen: MainScreen) -> None:
        """The main screen is mounted: apply config, show the selection, start the feeds."""
        self._panes = (
            screen.query_one(Board),
            screen.query_one(Ladder),
            screen.query_one(Tape),
            screen.query_one(StatusLine),
            screen.query_one(PrivatePanes),
        )
        self._chart = screen.query_one(ChartPane)
        self.set_keymap(self.keymap)
        self._notices = screen.query_one(Notices)
        self._gap_line = screen.query_one(GapLine)
        self._notices.dismiss_key = self._key_display("notices.dismiss", "escape")
        self._notices.add([*self.theme_errors, *self.startup_warnings])
        self.board.empty_hint = (
            "no market data in this capture yet"
            if self.replay_path is not None
            else f"The watchlist is empty: press {self._key_display('search', 'slash')} "
            "to search and add markets"
        )
        self.shared.live_book = self._live_book
        self.board.set_keys(self.watchlist, self.selected)
        self.board.focus()
        self._show_selected()
        if self.start_feeds:
            self._resubscribe()  # stored until the workers exist; start() sends it
            self.feeds.start(self.replay_path, self.speed)
            if self._sparks is not None:
                self._run_feed(self._sparks.run(), "trend column", "sparks")
            self.shared.private_missing = self.feeds.private_missing
        self.alerts_ui.refresh_marks()
        self.alerts_ui.show_hush()
        self.set_interval(1 / FLUSH_HZ, self._flush_tick, name="flush")
        self.set_interval(TRIM_EVERY, trim_heap, name="heap-trim")
        self.set_interval(FORGET_EVERY, forget_memos, name="memo-caches")
        self.app_resume_signal.subscribe(self, lambda _app: self.changed_cells.forget())
        self._flush_panes()

    def _key_display(self, binding_id: str, default: str) -> str:
        """How the first key of a binding shows (remaps included), e.g. ``/`` or ``esc``."""
        key = self.keymap.get(binding_id, default).split(",")[0].strip()
        return self.get_key_display(Binding(key, ""))

    def action_dismiss_notices(self) -> None:
        if self._notices is not None:
            self._notices.dismiss()

    def _live_book(self, key: str) -> Book | None:
        if self.ladder.key == key:
            return self.ladder.book
        state = self.shared.model.markets.get(key)
        return state.book if state is not None and self.feeds.streams_book(key) else None

    # -- feeds --------------------------------------------------------------------------

    @property
    def workers_by_venue(self) -> dict[str, FeedWorker]:
        """The public feed workers by exchange (empty in replay mode or before start)."""
        return self.feeds.workers

    def _run_feed(self, coro: Coroutine[Any, Any, Any], name: str, group: str) -> object:
        """Each feed is a Textual worker of its own group; a failure is reported by
        :meth:`_worker_state`, never raised."""
        return self.run_worker(coro, name=name, group=group, exit_on_error=False)

    def _public_batch(self, events: list[AnyEvent]) -> None:
        self.shared.model.apply(events, int(self.clock() * 1000), "public")
        self.alerting.public(events)

    def _private_batch(self, events: list[AnyEvent]) -> None:
        """Private batches: feed health into the model, orders, fills and balances into
        the account, all of it, in order (alerts evaluated on the way); new fills raise
        toasts."""
        self.shared.model.apply(events, int(self.clock() * 1000), "private")
        balances_seq = self.shared.account.balances_seq
        fills = self.alerting.private(events)
        if fills:
            self._fills_arrived(fills)
        if self.shared.account.balances_seq != balances_seq:
            self._value_holdings()

    def _value_holdings(self) -> None:
        """Stream the tickers that price the user's holdings (when the set changed)."""
        wanted = pricing_markets(
            self.shared.account.balances_view(), self.shared.catalog, self.shared.home
        )
        if wanted != self._pricing:
            self._pricing = wanted
            self._resubscribe()

    def _replay_ended(self, count: int) -> None:
        self.notify(f"replay ended ({count} frames)", timeout=5)

    def _markets_listed(self, lists: dict[str, list[MarketInfo]]) -> None:
        for venue, infos in lists.items():
            self.shared.catalog.add_infos(venue, infos)
        if self._is_main():
            if self.board.mode == "all":
                self._show_all_markets()
            else:
                self.board.set_keys(self.watchlist, self.selected)
                self._resubscribe()  # the twins of the watchlist's coins are known now
            self._update_titles()
        self._value_holdings()
        self._want_ticks()

    def _resubscribe(self) -> None:
        board = self._board_listed if self._is_main() and self.board.mode == "all" else []
        # The GAP% column needs the ticker of each row's twin on the other exchange, the
        # gap line the selected coin's twin's best bid and ask too.
        twins = self.shared.twins()
        others = [twins[k] for k in board or self.watchlist if k in twins]
        twin = twins.get(self.selected) if self.selected else None
        chart = self._chart_asked = self.shared.chart
        shown = (chart.key, chart.interval, chart.older_than) if chart is not None else None
        self.feeds.want(
            self.watchlist, self.selected, [*board, *others, *self._pricing], twin, shown
        )
        self._want_ticks()

    def _want_ticks(self) -> None:
        """Ask the exchanges' ticks of the watchlist and the selected market (once each)."""
        if not self.start_feeds or self.replay_path is not None:
            return
        keys = [*self.watchlist, self.selected] if self.selected else self.watchlist
        self._ticks.want(keys, self._listed)

    def _listed(self, key: str) -> bool:
        """Whether the exchange's market list (loaded) lists ``key``."""
        entry = self.shared.catalog.entries.get(key)
        return entry is not None and entry.info is not None

    def _want_sparks(self) -> None:
        """Hand the rows on screen to the trend column's feed, when they changed (none
        while the column is off screen)."""
        if self._sparks is None or not self.start_feeds:
            return
        board = self.board
        shown = (
            tuple(board.visible_keys()) if board.shows_spark else (),
            self.shared.catalog.version,
        )
        if shown != self._sparks_shown:
            self._sparks_shown = shown
            self._sparks.want(key for key in shown[0] if self._listed(key))
        for venue in VENUES:
            health = self.shared.model.feeds.get((venue, "public"))
            lives = health.lives if health is not None else 0
            if 0 < self._spark_lives.get(venue, 0) < lives:
                self._sparks.forget(venue)  # reconnected: buckets may have passed unseen
            self._spark_lives[venue] = lives

    def _spark_history(self, key: str, candles: list[Candle]) -> None:
        spark = self.shared.spark
        if spark is not None:
            self.shared.model.put_spark(key, Sparkline(spark.interval, spark.points), candles)

    def _ticks_arrived(self, venue: str, rules: dict[str, TickRule]) -> None:
        def last(key: str) -> Decimal | None:
            state = self.shared.model.markets.get(key)
            return state.last_price if state is not None else None

        self.shared.catalog.apply_ticks(
            venue, {m: (r.bands, r.tick) for m, r in rules.items()}, last
        )
        if self._is_main():
            self.board.clear_cache()
            self.board.refresh()
            self.ladder.clear_cache()
            self.ladder.refresh()

    @on(Worker.StateChanged)
    def _worker_state(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if event.state == WorkerState.ERROR:
            log.error("worker %s failed: %r", worker.name, worker.error)
            if isinstance(worker.error, CaptureError) and self._notices is not None:
                self._notices.add([f"replay stopped: {worker.error}"])
                return
            self.notify(f"{worker.name} stopped: {worker.error!r}", severity="error", timeout=10)

    # -- the flush ----------------------------------------------------------------------

    def _flush_tick(self) -> None:
        """The flush timer: the board on every third tick, the order book every second."""
        self._flushes += 1
        self._flush_panes(
            board=self._flushes % BOARD_EVERY == 0, ladder=self._flushes % LADDER_EVERY == 0
        )

    def _flush_panes(self, *, board: bool = True, ladder: bool = True) -> None:
        """Push model changes to the panes (<= 30 Hz, the board and the ladder less often;
        each pane repaints only what changed).

        Nothing is repainted while an overlay (search, help, palette) covers the panes: a
        translucent overlay re-renders itself for every change beneath it. The model keeps
        updating, and the panes catch up the moment the overlay closes.
        """
        if not self._is_main() or self.screen is not self.screen_stack[0]:
            return
        mono = time.monotonic()
        now = self.clock()
        if self.shared.chart != self._chart_asked:
            self._resubscribe()  # the chart pane shows another market, interval or page
        if self.replay_path is not None:
            self._adopt_replay_markets()
        if mono - self._health_at >= HEALTH_EVERY or int(now) != self._health_second:
            # and on each new second, with the private panes: ages change in one frame
            self._health_at, self._health_second = mono, int(now)
            self._check_health(now)
        if board:
            self.board.flush(mono)
            self._want_sparks()
        if ladder:
            self.ladder.flush(mono)
            if self._gap_line is not None:
                self._gap_line.flush(self.selected)
        self.tape.flush(mono)
        self.chart.flush(mono)
        self.private.flush(now)

    def _check_health(self, now: float | None = None) -> None:
        now = self.clock() if now is None else now
        venues = list(self.workers_by_venue) or self._venues_seen()
        live = self.replay_path is None  # a replay's pace is the file's: nothing is delayed
        views = feed_statuses(
            self.shared.model,
            venues,
            now,
            self.settings.stale_after,
            private=list(self.feeds.private),
            off=self.shared.private_missing,
            quiet_after=self.delay_rules.after if live else None,
        )
        self.shared.set_stale({v.venue: stale_reason(v) for v in views if v.channel == "public"})
        self.alerts_ui.show_hush()  # quiet hours begin and end
        if live:
            self.alerting.tick(int(now * 1000))
            connected = [
                v.venue for v in views if v.channel == "public" and v.state in ("live", "delayed")
            ]
            keys = [*self.watchlist, *([self.selected] if self.selected else [])]
            notes = market_notes(
                dict.fromkeys(keys),
                self.feeds.excluded(),
                self.shared.model,
                connected,
                int(now * 1000),
                self.feeds.clock_offsets,
                self.delay_rules,
            )
            self.shared.set_notes(notes)
            catalog = self.shared.catalog
            views = with_market_notes(views, notes, lambda key: catalog.entry(key).symbol)
        self.status.update(views, now, self._mode_label())

    def _venues_seen(self) -> list[str]:
        seen = {venue for venue, _ in self.shared.model.feeds}
        return [v for v in VENUES if v in seen] + sorted(seen - set(VENUES))

    def _mode_label(self) -> str:
        if self.replay_path is not None:
            return f"replay {self.replay_path.name}"
        return self.mode

    def _adopt_replay_markets(self) -> None:
        markets = self.shared.model.markets
        if len(markets) == self._known_markets:
            return
        self._known_markets = len(markets)
        added = [key for key in markets if key not in self.watchlist]
        if added:
            self.watchlist.extend(added)
            self.alerting.set_watchlist(self.watchlist)
            self.board.set_keys(self.watchlist, self.selected)
            if self.selected is None:
                self.select_market(self.watchlist[0])
            self._update_titles()

    # -- selection ----------------------------------------------------------------------

    def select_market(self, key: str | None) -> None:
        """Make ``key`` the selected market: board cursor, ladder, tape, subscriptions."""
        if key == self.selected and self.ladder.key == key:
            return
        self.selected = key
        self.board.select(key)
        self._show_selected()
        self._resubscribe()

    def _show_selected(self) -> None:
        self.ladder.show(self.selected)
        self.tape.show(self.selected)
        self.chart.show(self.selected)
        self.shared.scope = None if self.private_all else self.selected
        self.private.flush(self.clock())
        self._update_titles()

    def _update_titles(self) -> None:
        if not self._is_main():
            return
        board = self.board
        if board.mode == "all":
            view = board.view
            shown, listed = len(board.keys), len(self._board_listed)
            count = f"{shown} of {listed}" if view.text else f"{listed}"
            typed = f" · “{view.text}”" if view.text else ""
            board.border_title = f"All markets · {view.label()} · {count}{typed}"
        else:
            board.border_title = f"Watchlist · {len(self.watchlist)}"
        if self.selected is None:
            self.ladder.border_title = "Order book"
            self.tape.border_title = "Trades"
            return
        entry = self.shared.catalog.entry(self.selected)
        where = VENUE_LABEL.get(entry.venue, entry.venue)
        name = entry.name(self.settings.names)
        self.ladder.border_title = f"Order book · {entry.symbol} · {where} · {name}"
        self.tape.border_title = f"Trades · {entry.symbol} · {where}"

    @on(Board.Selected)
    def _board_selected(self, event: Board.Selected) -> None:
        self.select_market(event.key)

    def goto_market(self, key: str | None) -> None:
        """Select ``key``, adding it to the watchlist first when needed (search, palette)."""
        if key is None:
            return
        self._add_to_watchlist(key)
        self.select_market(key)
        self._resubscribe()
        self._update_titles()

    def _add_to_watchlist(self, key: str) -> None:
        if key in self.watchlist:
            return
        self.watchlist.append(key)
        if self.board.mode == "watchlist":
            self.board.set_keys(self.watchlist, self.selected)
        self._watchlist_changed()
        self.notify(
            f"added {self.shared.catalog.entry(key).symbol} "
            f"({VENUE_LABEL.get(key.partition(':')[0], '')}) to the watchlist",
            timeout=2,
        )

    # -- the all-markets board ----------------------------------------------------------

    def action_board_mode(self) -> None:
        """Show the all-markets board, or the watchlist again."""
        board = self.board
        if board.mode == "watchlist":
            self._watch_selected = self.selected
            board.set_mode("all")
            self._show_all_markets()
        else:
            board.set_mode("watchlist")
            self._board_listed = []
            self._close_filter()
            board.set_keys(self.watchlist, self.selected)
            back = self._watch_selected
            if self.selected not in self.watchlist and (back in self.watchlist or self.watchlist):
                self.select_market(back if back in self.watchlist else self.watchlist[0])
        self._resubscribe()
        self._update_titles()
        self.refresh_bindings()
        board.focus()

    def _show_all_markets(self) -> None:
        """List (again) the markets of the board's view: after a change of view, filter or
        market list."""
        board, catalog = self.board, self.shared.catalog
        quotes = all_markets.quotes(catalog, board.view.exchange)
        if quotes and board.view.quote not in quotes:
            board.view = board.view.next_quote(quotes)
        listed = all_markets.listed(catalog, board.view)
        streamed = listed != self._board_listed
        self._board_listed = listed
        board.set_keys(all_markets.matching(catalog, listed, board.view.text), self.selected)
        if streamed:
            self._resubscribe()
        self._update_titles()

    def action_board_exchange(self) -> None:
        self.board.view = self.board.view.next_exchange()
        self._show_all_markets()

    def action_board_quote(self) -> None:
        board = self.board
        board.view = board.view.next_quote(
            all_markets.quotes(self.shared.catalog, board.view.exchange)
        )
        self._show_all_markets()

    def action_watch(self) -> None:
        """Add the highlighted market of the all-markets board to the watchlist."""
        if self.selected is not None:
            self._add_to_watchlist(self.selected)

    def _open_filter(self) -> None:
        field = self.screen.query_one(BoardFilter)
        field.display = True
        field.focus()

    def _close_filter(self) -> None:
        if self._is_main():
            field = self.screen.query_one(BoardFilter)
            field.display = False

    @on(Input.Changed, "#board-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        board = self.board
        board.view = replace(board.view, text=event.value)
        self._show_all_markets()

    @on(Input.Submitted, "#board-filter")
    def _filter_done(self, event: Input.Submitted) -> None:
        if not event.value:
            self._close_filter()
        self.board.focus()

    @on(BoardFilter.Cleared)
    def _filter_cleared(self) -> None:
        self._close_filter()
        self.board.focus()

    def _watchlist_changed(self) -> None:
        """Keep the user's edit for the next run (live sessions only)."""
        self.alerting.set_watchlist(self.watchlist)
        if self._save_watchlist:
            saved_watchlist.save(self._configured, self.watchlist)

    def action_market(self, delta: int) -> None:
        order = self.board.order
        if not order:
            return
        index = order.index(self.selected) if self.selected in order else -1
        self.select_market(order[(index + delta) % len(order)])

    def action_remove(self) -> None:
        key = self.selected
        if key is None or key not in self.watchlist:
            return
        order = self.board.order
        index = order.index(key) if key in order else 0
        self.watchlist.remove(key)
        self._watchlist_changed()
        rest = [k for k in order if k != key]
        following = rest[min(index, len(rest) - 1)] if rest else None
        self.selected = None
        self.board.set_keys(self.watchlist, None)
        self.select_market(following)
        self._resubscribe()
        self._update_titles()
        self.notify(f"removed {self.shared.catalog.entry(key).symbol}", timeout=2)

    # -- private panes ------------------------------------------------------------------

    def action_private(self, name: str) -> None:
        """Show the Orders, Fills or Balances pane. On a short screen the panes take the
        place of the ladder and tape; the key of the pane already shown puts them back."""
        screen = self.screen
        if isinstance(screen, MainScreen) and screen.short:
            close = screen.has_class("-private-open") and self.private.current == name
            screen.set_class(not close, "-private-open")
            if not close:
                self.action_chart("off")
        self.private.show(name)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The ladder/trades key is shown (and works) only where the two take turns."""
        if action == "swap_lower":
            screen = self.screen
            return isinstance(screen, MainScreen) and screen.narrow
        if action in ("board_exchange", "board_quote", "watch"):
            return self._is_main() and self.board.mode == "all"
        if action == "remove":
            return not self._is_main() or self.board.mode == "watchlist"
        if action == "chart" and parameters and parameters[0] not in ("pane", "full"):
            return self._is_main() and self.chart.active
        return True

    def action_chart(self, command: str, argument: str = "") -> None:
        """The chart keys (:mod:`mdtui.ui.widgets.chart_keys`)."""
        screen = self.screen
        if isinstance(screen, MainScreen):
            chart_command(screen, self.chart, command, argument)
            self.refresh_bindings()

    def action_swap_lower(self) -> None:
        """On a narrow screen, show the tape in place of the ladder, or back."""
        screen = self.screen
        if isinstance(screen, MainScreen):
            if self.chart.active:
                self.action_chart("off")
            screen.toggle_class("-show-tape")
            self._flush_panes()

    def action_private_scope(self) -> None:
        """Toggle the private panes between all markets and the selected market."""
        self.private_all = not self.private_all
        self.shared.scope = None if self.private_all else self.selected
        self.private.flush(self.clock())
        if self.private_all:
            where = "all markets"
        elif self.selected:
            where = f"{self.shared.catalog.entry(self.selected).symbol} only"
        else:
            where = "the selected market only"
        self.notify(f"orders, fills and balances: {where}", timeout=1.5)

    def _fills_arrived(self, fills: list[Fill]) -> None:
        """New fills: a toast naming each (a few at most; more are summed up), the bell
        if the setting asks for it, and a count on the Fills tab."""
        if self._is_main():
            self.private.fills_arrived(len(fills))
        if self.settings.bell_on_fill:
            self.bell()
        mono = time.monotonic()
        self._toasts = [t for t in self._toasts if mono - t < FILL_TOAST_WINDOW]
        held_before = bool(self._held_fills)
        for fill in fills:
            if len(self._toasts) < FILL_TOASTS:
                self._toasts.append(mono)
                self.notify(self.fill_text(fill), title="Fill", timeout=6)
            else:
                self._held_fills.append(fill)
        if self._held_fills and not held_before:
            self.set_timer(FILL_TOAST_WINDOW, self._release_held_fills)

    def _release_held_fills(self) -> None:
        held, self._held_fills = self._held_fills, []
        if not held:
            return
        if len(held) == 1:
            self.notify(self.fill_text(held[0]), title="Fill", timeout=6)
            return
        venues = sorted({VENUE_LABEL.get(f.venue, f.venue) for f in held})
        self.notify(
            f"{len(held)} more fills on {' and '.join(venues)} (see Fills: f)",
            title="Fills",
            timeout=6,
        )

    def _alerts_fired(self, alerts: list[Alert]) -> None:
        """Alerts fired (already logged, recorded and their commands started): toasts, the
        bell and the board's marks (``self.alerting.fired`` keeps the session's)."""
        self.alerts_ui.fired(alerts)

    def action_add_alert(self) -> None:
        self.alerts_ui.add()

    def action_show_alerts(self) -> None:
        self.alerts_ui.show()

    def action_mute_alerts(self) -> None:
        self.alerts_ui.toggle_mute()

    def fill_text(self, fill: Fill) -> str:
        """``Upbit BTC/KRW BUY 0.01000 @ 145,145,000``: exchange, market, side, size @
        price."""
        entry = self.shared.catalog.entry(market_key(fill.venue, fill.market))
        side = SIDE_LABEL.get(self.settings.names, SIDE_LABEL["english"])[fill.side]
        decimals = entry.price_decimals(fill.price)
        size = fmt_exact(fill.size, size_decimals(fill.price))
        return (
            f"{VENUE_LABEL.get(fill.venue, fill.venue)} {entry.symbol} {side} "
            f"{size} @ {fmt_price(fill.price, decimals)}"
        )

    def action_search(self) -> None:
        """Search every market (overlay); on the all-markets board, filter its rows."""
        if self._is_main() and self.board.mode == "all":
            self._open_filter()
            return
        self.push_screen(SearchScreen(self.shared.catalog, self.watchlist), self.goto_market)

    def _display(self, screen: Screen[Any], renderable: RenderableType | None) -> None:
        """Textual's screen output, with each screen update cut to the cells that changed
        (:mod:`mdtui.ui.changed_cells`)."""
        if isinstance(renderable, CompositorUpdate) and not (
            self._driver is not None and self._driver.is_inline
        ):
            renderable = _ChangedOnly(
                renderable, self.changed_cells, self.size.width, self.size.height
            )
        super()._display(screen, renderable)

    def action_redraw(self) -> None:
        self.changed_cells.forget()
        self.screen.refresh()

    def action_help(self) -> None:
        notes = [
            "Remap keys in config.toml by binding id, e.g. a [keys] table with "
            'board.down = "down,j,n" (keys separated by commas).',
            "Click a board row to select it. Symbol search is also in the palette (ctrl+p).",
        ]
        self.push_screen(HelpScreen(self.help_rows(), notes))

    def help_rows(self) -> list[tuple[str, str, str, str]]:
        keymap = self.keymap
        rows = binding_rows("app", self.BINDINGS, keymap)
        rows += binding_rows("screen", MainScreen.BINDINGS, keymap)
        rows += binding_rows("board", Board.BINDINGS, keymap)
        rows += binding_rows("search", SearchScreen.BINDINGS, keymap)
        rows += binding_rows("alert form", AlertForm.BINDINGS, keymap)
        rows += binding_rows("alerts", AlertsScreen.BINDINGS, keymap)
        rows += binding_rows("help", HelpScreen.BINDINGS, keymap)
        return rows

    def get_system_commands(self, screen: Screen) -> Iterator[SystemCommand]:
        yield from super().get_system_commands(screen)
        yield SystemCommand("Search markets", "Find any market and add it (/)", self.action_search)
        yield SystemCommand("Next theme", "Cycle the mdtui themes (t)", self.action_cycle_theme)
        yield SystemCommand(
            "Sort board", "Cycle the board's sort column (s)", self.board.action_sort
        )
        yield SystemCommand("Remove market", "Remove the selected market (d)", self.action_remove)
        yield SystemCommand("Orders", "Show your orders (o)", lambda: self.action_private("orders"))
        yield SystemCommand("Fills", "Show your fills (f)", lambda: self.action_private("fills"))
        yield SystemCommand(
            "Balances", "Show your balances (b)", lambda: self.action_private("balances")
        )
        yield SystemCommand(
            "Private scope",
            "Orders, fills and balances: all markets or the selected one (a)",
            self.action_private_scope,
        )
        yield from self.alerts_ui.commands()
        yield SystemCommand("Keys", "Show all key bindings (?)", self.action_help)

    async def action_quit(self) -> None:
        """Quit at once: stop the feeds (no waiting on sockets) and exit."""
        self.feeds.stop()
        self.exit(0)


def make_app(
    settings: Settings,
    *,
    replay: Path | None = None,
    speed: float = 1.0,
    clock: Clock | None = None,
    mode: str = "live",
    start_feeds: bool = True,
    save_watchlist: bool = False,
    warnings: Sequence[str] = (),
) -> MdtuiApp:
    """The one factory the CLI, the tests and the screenshot script use."""
    return MdtuiApp(
        settings,
        replay=replay,
        speed=speed,
        clock=clock,
        mode=mode,
        start_feeds=start_feeds,
        save_watchlist=save_watchlist,
        warnings=warnings,
    )


def run_dashboard(
    settings: Settings,
    *,
    demo: bool = False,
    replay: Path | None = None,
    speed: float = 1.0,
    seed: int = 1,
    market_speed: float = 1.0,
    warnings: Sequence[str] = (),
) -> int:
    """Run the dashboard in this terminal until the user quits; return the exit status.
    ``market_speed`` speeds up the demo's simulated markets.
    ``warnings`` (printed before the screen took over) are shown again as notices. A
    ``theme`` that does not exist raises SettingsError before anything starts."""
    problem = theme_problem(settings.theme, load_themes(builtin_theme_dir(), settings.theme_dir))
    if problem:
        raise SettingsError(problem)
    with contextlib.ExitStack() as stack:
        mode = "live"
        if demo:
            from mdtui.demo import point_at, simulator_process

            url = stack.enter_context(
                simulator_process(seed, settings.log_file, settings.upbit.region, market_speed)
            )
            settings = point_at(settings, url, demo_keys=True)
            pace = "" if market_speed == 1 else f", markets {market_speed:g}x"
            mode = f"demo (seed {seed}{pace})"
        app = make_app(
            settings,
            replay=replay,
            speed=speed,
            mode=mode,
            save_watchlist=not demo and replay is None,
            warnings=warnings,
        )
        freeze_startup_objects()
        with daemon_loop() as loop:
            result = app.run(loop=loop)
        return result if isinstance(result, int) else (app.return_code or 0)


def freeze_startup_objects() -> None:
    """Collect the start-up garbage, then exempt every object alive now (modules, classes,
    functions: most of the process) from the cyclic garbage collector. A full collection
    walks every tracked object, and on a busy machine one over all of them stalled the
    screen for 100-200 ms every few seconds while frames arrived (``bench/fuzz_stall.py``).
    The frozen objects live as long as the process anyway."""
    gc.collect()
    gc.freeze()


class _ChangedOnly(CompositorUpdate):
    """A screen update rendered as only the cells that changed, when Textual writes it."""

    def __init__(self, update: CompositorUpdate, cells: ChangedCells, width: int, height: int):
        self._update = update
        self._cells = cells
        self._size = (width, height)

    def render_segments(self, console: Console) -> str:
        try:
            return self._cells.render(self._update, console, *self._size)
        except Exception:
            self._cells.forget()
            raise
