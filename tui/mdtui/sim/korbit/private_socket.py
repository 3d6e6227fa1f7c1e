"""Korbit v2 private websocket, ``/v2/private``.

See docs/protocols.md, 'Korbit: private websocket' and
'Korbit: authentication (HMAC-SHA256 / Ed25519)'.

The upgrade is signed like a REST call (checked by ``signature_check``): header
``X-KAPI-KEY``, query ``timestamp``, optional ``recvWindow``, ``signature`` last. A
rejected upgrade gets a non-101 status (``AuthStatuses.ws``) and
``{"success":false,"error":{"code":<status>,"message":<CODE>}}``. Requests are JSON arrays
of ``subscribe``/``unsubscribe`` objects for ``myOrder`` and ``myTrade`` (``symbols``
required) and ``myAsset``; ``requestId`` gets an ack. Frames are text, with
``channelType`` and the ``order.orders``/``trade.trades``/``asset.assets`` wrappers
carrying ``accountSeq: 1``; no snapshot on subscribe.

Private frames are never dropped (the session is lossless). Choices where no source
confirms what Korbit's server does:

- The upgrade needs a key holding ``readOrders`` or ``readBalances`` (else
  ``PERMISSION_DENIED``); subscribing ``myOrder``/``myTrade`` without ``readOrders``, or
  ``myAsset`` without ``readBalances``, fails with code ``PERMISSION_DENIED``.
- ``accountSeqs``, when sent, must list only 1 (the demo account), else INVALID_REQUEST
  ``invalid_account_seqs``. ``symbols`` on ``myAsset`` is ignored.
- Public types here fail with INVALID_REQUEST ``unknown_type``; other failures as on
  ``/v2/public``.
- A fill sends ``myOrder`` (the order after the fill) then ``myTrade``, then ``myAsset``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from websockets.asyncio.server import ServerConnection

from mdtui.sim.engine.demo_keys import DemoKey
from mdtui.sim.engine.market_generator import VenueMarkets
from mdtui.sim.engine.order_desk import AssetEvent, DeskEvent, OrderDesk
from mdtui.sim.korbit import private_frames as pframes
from mdtui.sim.korbit import signature_check, socket_rules
from mdtui.sim.korbit.public_rest import error_reply
from mdtui.sim.korbit.socket_rules import RequestFailure
from mdtui.sim.net.http import HttpReply, HttpRequest
from mdtui.sim.net.rate_limits import Limits
from mdtui.sim.net.ws_services import PrivateService
from mdtui.sim.net.ws_sessions import SimConnection, WsSession, WsSessions

PATH = "/v2/private"
PERMISSION = {"myOrder": "readOrders", "myTrade": "readOrders", "myAsset": "readBalances"}


@dataclass(eq=False, slots=True)
class KorbitPrivateClient:
    session: WsSession
    key: DemoKey
    my_order: set[str] = field(default_factory=set)
    my_trade: set[str] = field(default_factory=set)
    my_asset: bool = False

    def send(self, frame: bytes) -> None:
        self.session.send(frame, text=True)


class KorbitPrivateService(PrivateService):
    """The ``/v2/private`` service: signed upgrade, subscriptions, the account's events."""

    venue = "korbit"
    path = PATH

    def __init__(
        self,
        markets: VenueMarkets,
        desk: OrderDesk,
        sessions: WsSessions,
        limits: Limits,
        clock: Callable[[], int],
        server_time: Callable[[], int],
        statuses: signature_check.AuthStatuses | None = None,
    ) -> None:
        super().__init__(markets, desk, sessions, limits, clock)
        self.server_time = server_time
        self.statuses = statuses or signature_check.AuthStatuses()
        self._clients: set[KorbitPrivateClient] = set()

    # -- connection ------------------------------------------------------------------------

    def authenticate(self, connection: SimConnection, request: HttpRequest) -> HttpReply | None:
        try:
            key = signature_check.verify_request(
                request, self.keys, self.server_time(), ("readOrders", "readBalances")
            )
        except signature_check.KorbitAuthError as error:
            return error_reply(self.statuses.ws.get(error.code, 401), error.code)
        connection.principal = key
        return None

    async def handle(self, ws: ServerConnection) -> None:
        key = getattr(ws, "principal", None)
        if not isinstance(key, DemoKey):  # not through ``authenticate``: refuse
            await ws.close(1008, "unauthenticated")
            return
        session = self.sessions.open(self.venue, ws, "private")
        client = KorbitPrivateClient(session, key)
        self._clients.add(client)
        apply = partial(self._apply, client)
        try:
            await socket_rules.serve(ws, session, self.limits.korbit_ping_interval, apply)
        finally:
            self._clients.discard(client)
            await self.sessions.discard(session)

    # -- requests --------------------------------------------------------------------------

    def _apply(self, client: KorbitPrivateClient, item: dict[str, Any]) -> None:
        method, kind = socket_rules.check_method(item), item.get("type")
        if kind not in PERMISSION:
            raise RequestFailure("INVALID_REQUEST", "unknown_type")
        seqs = item.get("accountSeqs")
        if seqs is not None and (
            not isinstance(seqs, list) or not seqs or any(s != 1 for s in seqs)
        ):
            raise RequestFailure("INVALID_REQUEST", "invalid_account_seqs")
        if PERMISSION[kind] not in client.key.permissions:
            raise RequestFailure("PERMISSION_DENIED", f"{kind} needs {PERMISSION[kind]}")
        subscribe = method == "subscribe"
        if kind == "myAsset":
            client.my_asset = subscribe
        else:
            symbols = socket_rules.check_symbols(item, self.markets)
            subs = client.my_order if kind == "myOrder" else client.my_trade
            if subscribe:
                subs.update(symbols)
            else:
                subs.difference_update(symbols)
        socket_rules.acknowledge(client.session, item)

    # -- events ----------------------------------------------------------------------------

    def _on_event(self, event: DeskEvent) -> None:
        now = self.clock()
        clients = list(self._clients)
        if isinstance(event, AssetEvent):
            frame = pframes.my_asset(self.desk.account, event.currencies, now)
            for client in clients:
                if client.my_asset:
                    client.send(frame)
            return
        if event.kind == "done":  # the trade event already said "filled"
            return
        order = event.order
        order_frame = pframes.my_order(order, now)
        trade_frame = pframes.my_trade(order, event.fill, now) if event.fill is not None else None
        for client in clients:
            if order.code in client.my_order:
                client.send(order_frame)
            if trade_frame is not None and order.code in client.my_trade:
                client.send(trade_frame)
