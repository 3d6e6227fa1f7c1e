"""What the websocket services share, public and private, beyond their venue's protocol.

``server.WsService`` is the shape they fill: ``venue``, ``path``, ``admit()``,
``authenticate(connection, request)``, ``handle(ws)``, ``watched_codes()`` and
``publish(updates, now)``.
"""

from __future__ import annotations

from collections.abc import Callable

from websockets.asyncio.server import ServerConnection

from mdtui.sim.demo_keys import keys_of
from mdtui.sim.desk import Desk, Event
from mdtui.sim.limits import Limits
from mdtui.sim.market import Update, VenueMarkets
from mdtui.sim.rest import HttpReply, HttpRequest
from mdtui.sim.session import Sessions


class PublicService:
    """A market-data socket: no authentication; ``on_watch`` wakes the clock on subscribe."""

    venue: str
    path: str

    def __init__(
        self,
        markets: VenueMarkets,
        sessions: Sessions,
        limits: Limits,
        clock: Callable[[], int],
        on_watch: Callable[[], None],
    ) -> None:
        self.markets = markets
        self.sessions = sessions
        self.limits = limits
        self.clock = clock
        self.on_watch = on_watch
        self._init_state()

    def _init_state(self) -> None:
        """Set up the service's own state (its sockets and subscriptions)."""

    def admit(self) -> bool:
        """Connection-rate check, called before the handshake is accepted."""
        return True

    def authenticate(self, connection: ServerConnection, request: HttpRequest) -> HttpReply | None:
        """Public: no authentication."""
        return None


class PrivateService:
    """An account socket: the venue's demo keys, and the desk's events (``_on_event``)."""

    venue: str
    path: str

    def __init__(
        self,
        markets: VenueMarkets,
        desk: Desk,
        sessions: Sessions,
        limits: Limits,
        clock: Callable[[], int],
    ) -> None:
        self.markets = markets
        self.desk = desk
        self.sessions = sessions
        self.limits = limits
        self.clock = clock
        self.keys = keys_of(self.venue)
        desk.listeners.append(self._on_event)

    def admit(self) -> bool:
        """Connection-rate check, called before the handshake is accepted."""
        return True

    def _on_event(self, event: Event) -> None:
        """Send the subscribed sockets what ``event`` changed."""
        raise NotImplementedError

    def watched_codes(self) -> list[str]:
        """No public market is watched from here."""
        return []

    def publish(self, updates: list[Update], now: int) -> None:
        """Nothing public goes out here."""
