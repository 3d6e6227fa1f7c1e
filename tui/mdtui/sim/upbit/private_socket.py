"""Upbit private websocket, ``/websocket/v1/private``.

See docs/protocols.md, 'Upbit: private websocket' and 'Upbit: authentication (JWT)'.

The upgrade must carry ``Authorization: Bearer <jwt>`` (checked by ``jwt_check``; no query
hash on websockets). Requests are validated like the public ones (array, ticket, format, type),
with the types ``myOrder`` (``codes`` optional: omitted or ``[]`` means every market) and
``myAsset``. Frames are binary UTF-8 JSON in DEFAULT or SIMPLE keys (or wrapped in a list
for the ``*_LIST`` formats), REALTIME only: no snapshot on subscribe.

Choices where no source confirms what Upbit's server does (``UpbitPrivatePolicy``):

- A failed check refuses the upgrade (``reject_at_handshake``) with the REST-style status
  and body: 401 ``{"error":{"name":"no_authorization_token"|"jwt_verification"|
  "invalid_access_key"|"expired_access_key"|"no_authorization_ip",...}}``, or 403
  ``out_of_scope`` when the key holds neither View Orders nor View Account. With
  ``reject_at_handshake=False`` the upgrade succeeds and every request is answered with an
  ``INVALID_AUTH`` error frame instead.
- A reused nonce is accepted on websockets (``reject_reused_nonce=False``): ccxt signs one
  token and reuses it on every reconnect.
- ``myOrder`` on a key without View Orders, or ``myAsset`` without View Account, gets an
  ``INVALID_AUTH`` error frame; ``codes`` on ``myAsset`` gets ``WRONG_FORMAT``; a public
  type on this path gets ``INVALID_PARAM``. A new request replaces the subscription set.
- Errors keep the socket open; rate limits, idle timeout and ``PING`` as on the public path.
- ``iso_time_fails`` belongs to the exchange REST (``exchange_rest``): an ISO-8601
  ``start_time``/``end_time`` fails the JWT query check, as Upbit's notice warns.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from websockets.asyncio.server import ServerConnection

from mdtui.sim.engine.demo_keys import DemoKey
from mdtui.sim.engine.market_generator import VenueMarkets
from mdtui.sim.engine.order_desk import AssetEvent, DeskEvent, OrderDesk, OrderEvent
from mdtui.sim.net.http import HttpReply, HttpRequest
from mdtui.sim.net.rate_limits import Limits
from mdtui.sim.net.ws_services import PrivateService
from mdtui.sim.net.ws_sessions import SimConnection, WsSession, WsSessions
from mdtui.sim.upbit import jwt_check, socket_rules
from mdtui.sim.upbit import private_frames as pframes
from mdtui.sim.upbit import public_frames as frames
from mdtui.sim.upbit.public_socket import RequestError, parse_envelope

PATH = "/websocket/v1/private"
PUBLIC_TYPES = ("ticker", "trade", "orderbook")
PERMISSION = {"myOrder": "view_orders", "myAsset": "view_accounts"}
STATES = {"placed": "wait", "trade": "trade", "done": "done", "cancel": "cancel"}


@dataclass(frozen=True, slots=True)
class UpbitPrivatePolicy:
    """Switches for behaviour the docs leave open (see the module docstring)."""

    reject_at_handshake: bool = True
    reject_reused_nonce: bool = False
    iso_time_fails: bool = True
    """Exchange REST: an ISO-8601 ``start_time``/``end_time`` on ``/v1/orders/closed`` fails
    with 401 ``jwt_verification`` ("Failed to verify the query of Jwt"), as Upbit's
    2024-12-18 notice warns; off, the simulator reads ISO-8601 times too."""


@dataclass(eq=False, slots=True)
class UpbitPrivateClient:
    session: WsSession
    key: DemoKey | None
    auth_error: jwt_check.UpbitAuthError | None = None
    format: str = "DEFAULT"
    my_order: frozenset[str] | None = None
    """Codes of the ``myOrder`` subscription; empty: every market; None: not subscribed."""
    my_asset: bool = False

    def send(self, message: frames.Message) -> None:
        if self.format.startswith("SIMPLE"):
            message = pframes.simple(message) if "type" in message else frames.simple(message)
        body: Any = [message] if self.format.endswith("_LIST") else message
        self.session.send(frames.ENCODER.encode(body), text=False)


class UpbitPrivateService(PrivateService):
    """The ``/websocket/v1/private`` service: JWT check, requests, and the account's events."""

    venue = "upbit"
    path = PATH

    def __init__(
        self,
        markets: VenueMarkets,
        desk: OrderDesk,
        sessions: WsSessions,
        limits: Limits,
        clock: Callable[[], int],
        seed: int,
        policy: UpbitPrivatePolicy | None = None,
    ) -> None:
        super().__init__(markets, desk, sessions, limits, clock)
        self.policy = policy or UpbitPrivatePolicy()
        self.nonces = jwt_check.NonceLog()
        self._rng = random.Random(f"{seed}:upbit:assets")
        self._clients: set[UpbitPrivateClient] = set()
        self._connections = socket_rules.connection_gate(limits)

    # -- connection ------------------------------------------------------------------------

    def admit(self) -> bool:
        """Connection-rate check, shared in kind (not in count) with the public path."""
        return self._connections.admit()

    def authenticate(self, connection: SimConnection, request: HttpRequest) -> HttpReply | None:
        """Check the upgrade's JWT; a reply refuses the upgrade."""
        try:
            verified = jwt_check.verify(
                request.headers.get("Authorization"),
                self.keys,
                client_ip=request.client_ip,
                nonces=self.nonces if self.policy.reject_reused_nonce else None,
            )
            if not verified.key.permissions & set(PERMISSION.values()):
                raise jwt_check.UpbitAuthError("out_of_scope")
        except jwt_check.UpbitAuthError as error:
            if self.policy.reject_at_handshake:
                return HttpReply(error.status, frames.ENCODER.encode(error.body()))
            connection.principal = error
            return None
        connection.principal = verified.key
        return None

    async def handle(self, ws: ServerConnection) -> None:
        principal = getattr(ws, "principal", None)
        session = self.sessions.open(self.venue, ws, "private")
        client = UpbitPrivateClient(
            session,
            principal if isinstance(principal, DemoKey) else None,
            principal if isinstance(principal, jwt_check.UpbitAuthError) else None,
        )
        self._clients.add(client)
        try:
            await socket_rules.serve(ws, session, self.limits, partial(self._on_request, client))
        finally:
            self._clients.discard(client)
            await self.sessions.discard(session)

    # -- requests --------------------------------------------------------------------------

    def _on_request(self, client: UpbitPrivateClient, text: str) -> None:
        """Apply one admitted request, or answer it with an error frame."""
        try:
            if client.auth_error is not None or client.key is None:
                raise RequestError("INVALID_AUTH")
            self._apply(client, text)
        except RequestError as error:
            client.session.send(error.frame(), text=False)

    def _apply(self, client: UpbitPrivateClient, text: str) -> None:
        envelope = parse_envelope(text)
        if envelope.method is not None:
            client.format = envelope.format
            self._list(client, envelope.ticket)
            return
        order_types = 0
        every_market = False
        codes: set[str] = set()
        my_asset = False
        assert client.key is not None
        for item in envelope.type_items:
            kind = item["type"]
            if kind not in PERMISSION:
                raise RequestError("INVALID_PARAM", f"지원하지 않는 type 입니다: {kind}")
            if PERMISSION[kind] not in client.key.permissions:
                raise RequestError("INVALID_AUTH", f"{kind} 를 구독할 권한이 없습니다.")
            if kind == "myAsset":
                if "codes" in item:
                    raise RequestError("WRONG_FORMAT")
                my_asset = True
                continue
            order_types += 1
            item_codes = self._codes(item)
            every_market = every_market or not item_codes
            codes.update(item_codes)
        client.format = envelope.format
        client.my_order = (
            None if not order_types else frozenset() if every_market else frozenset(codes)
        )
        client.my_asset = my_asset

    def _codes(self, item: dict[str, Any]) -> list[str]:
        codes = item.get("codes", [])
        if not isinstance(codes, list):
            raise RequestError("INVALID_PARAM", "codes 필드가 올바르지 않습니다.")
        for code in codes:
            if not isinstance(code, str) or code not in self.markets:
                raise RequestError("INVALID_PARAM", f"유효하지 않은 코드입니다: {code}")
        return codes

    def _list(self, client: UpbitPrivateClient, ticket: str) -> None:
        result: list[dict[str, Any]] = []
        if client.my_order is not None:
            result.append({"type": "myOrder", "codes": sorted(client.my_order)})
        if client.my_asset:
            result.append({"type": "myAsset"})
        client.send({"method": "LIST_SUBSCRIPTIONS", "result": result, "ticket": ticket})

    # -- events ----------------------------------------------------------------------------

    def _on_event(self, event: DeskEvent) -> None:
        now = self.clock()
        if isinstance(event, OrderEvent):
            order = event.order
            message = pframes.my_order(order, STATES[event.kind], event.fill, now)
            for client in list(self._clients):
                codes = client.my_order
                if codes is not None and (not codes or order.code in codes):
                    client.send(message)
        elif isinstance(event, AssetEvent):
            asset_uuid = uuid.UUID(int=self._rng.getrandbits(128), version=4)
            message = pframes.my_asset(
                self.desk.account, event.currencies, asset_uuid, now, event.timestamp
            )
            for client in list(self._clients):
                if client.my_asset:
                    client.send(message)
