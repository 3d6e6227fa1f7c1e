"""The websocket services' shape (``WsService``) and the base classes of the public and
private ones: what they share beyond their venue's protocol.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Protocol

from websockets.asyncio.server import ServerConnection

from mdtui.sim.engine.demo_keys import keys_of
from mdtui.sim.engine.market_generator import Update, VenueMarkets
from mdtui.sim.engine.order_desk import DeskEvent, OrderDesk
from mdtui.sim.net.http import HttpReply, HttpRequest
from mdtui.sim.net.rate_limits import Limits
from mdtui.sim.net.ws_sessions import SimConnection, WsSessions


class WsService(Protocol):
    """One websocket path of one venue, as the server drives it."""

    venue: str
    path: str
    markets: VenueMarkets

    def admit(self) -> bool:
        """Connection-rate check, called before the handshake is accepted."""
        ...

    def authenticate(self, connection: SimConnection, request: HttpRequest) -> HttpReply | None:
        """Check the upgrade request; a reply refuses the upgrade, None accepts it (what
        the check found goes in ``connection.principal``)."""
        ...

    async def handle(self, ws: ServerConnection) -> None:
        """Serve one accepted socket until it closes."""
        ...

    def watched_codes(self) -> list[str]:
        """Markets some socket of this service watches (the clock steps them)."""
        ...

    def publish(self, updates: list[Update], now: int) -> None:
        """Send the subscribed sockets what one clock step changed."""
        ...


class PublicService:
    """A market-data socket: no authentication; ``on_watch`` wakes the clock on subscribe."""

    venue: str
    path: str

    def __init__(
        self,
        markets: VenueMarkets,
        sessions: WsSessions,
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

    def authenticate(self, connection: SimConnection, request: HttpRequest) -> HttpReply | None:
        """Public: no authentication."""
        return None


class PrivateService:
    """An account socket: the venue's demo keys, and the desk's events (``_on_event``)."""

    venue: str
    path: str

    def __init__(
        self,
        markets: VenueMarkets,
        desk: OrderDesk,
        sessions: WsSessions,
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

    def _on_event(self, event: DeskEvent) -> None:
        """Send the subscribed sockets what ``event`` changed."""
        raise NotImplementedError

    def watched_codes(self) -> list[str]:
        """No public market is watched from here."""
        return []

    def publish(self, updates: list[Update], now: int) -> None:
        """Nothing public goes out here."""
