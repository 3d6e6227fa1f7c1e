"""Upbit exchange REST, read side (docs/protocols.md, 'Upbit: exchange REST (private)',
'Upbit: authentication (JWT)' and 'Upbit: rate limits and keepalive'): ``GET
/v1/accounts``, ``/v1/orders/open``, ``/v1/orders/closed``, ``/v1/orders/uuids`` and
``/v1/order``, JWT-signed with ``query_hash`` over the percent-decoded raw query (checked by
``jwt_check``; arrays as repeated bracket keys, ``uuids[]=a&uuids[]=b``); reused nonces fail
with ``nonce_used``. Decimals are strings; errors ``{"error":{"name":<string>,"message":...}}``.

Rate limit: the calls share the ``default`` group, ``Limits.upbit_rest_default_per_second``
(30) in any one-second window per access key (the key a token claims, else the caller's
address; counted before the token is checked). Every reply carries ``Remaining-Req:
group=default; min=1800; sec=N``, N = requests the window still takes; past the limit HTTP
429 ``{"error":{"name":"too_many_requests","message":"Too many requests"}}`` with ``sec=0``
(the real body is unconfirmed: the simulator's choice).

Choices where the protocol notes are silent: ``/v1/accounts`` lists the home currency (KRW,
or an Upbit Global region's fiat) and every currency with a non-zero balance; an unknown
``market`` answers 400 ``notfoundmarket``; a bad parameter 400 ``invalid_parameter``; a
missing ``uuid``/``identifier`` 400 ``validation_error``. Orders sort by creation time
(``order_by``, default ``desc``).

- ``/v1/orders/closed`` filters on creation time within ``start_time``/``end_time`` (at most
  7 days apart; default the last 7 days), sorts by ``order_by``, then drops the rows past
  ``limit`` (100, at most 1000). Times are ms integers; anything else (ISO-8601) fails as
  Upbit's 2024-12-18 notice says, 401 ``{"error":{"name":"jwt_verification","message":
  "Failed to verify the query of Jwt"}}``, unless ``UpbitPrivatePolicy.iso_time_fails`` is
  off (then ISO-8601 with an offset is read).
- ``/v1/orders/uuids`` takes ``uuids[]`` or ``identifiers[]`` (1-100 values): both, or more
  than 100, give 400 ``invalid_parameter``; neither 400 ``validation_error``. Optional
  ``market`` and ``order_by``. Rows (no ``trades``) in any state; unknown ids are left out.
- Demo orders carry an ``identifier`` only when a test placed one with
  ``Simulator.place_order(..., client_order_id=...)``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import partial
from typing import Any

from mdtui.sim.engine.demo_account import DemoOrder
from mdtui.sim.engine.demo_keys import keys_of
from mdtui.sim.engine.order_desk import OrderDesk
from mdtui.sim.net.http import HttpReply, HttpRequest, HttpRoutes
from mdtui.sim.net.rate_limits import KeyedLimit, Limits
from mdtui.sim.upbit import jwt_check
from mdtui.sim.upbit import private_frames as pframes
from mdtui.sim.upbit.private_socket import UpbitPrivatePolicy
from mdtui.sim.upbit.public_frames import ENCODER

WEEK_MS = 7 * 86_400_000
OPEN_STATES = ("wait", "watch")
CLOSED_STATES = ("done", "cancel")
MAX_IDS = 100
DEFAULT_GROUP_PER_SECOND = 30
"""Upbit's documented ``default`` group limit (shown in ``Remaining-Req`` when the
simulator's limit is switched off)."""
TOO_MANY = {"error": {"name": "too_many_requests", "message": "Too many requests"}}
ISO_TIME_FAILS = "Failed to verify the query of Jwt"


class ParamError(Exception):
    def __init__(self, name: str, message: str, status: int = 400) -> None:
        super().__init__(name)
        self.name = name
        self.message = message
        self.status = status


def _reply(body: Any, status: int, left: int) -> HttpReply:
    headers = [("Remaining-Req", f"group=default; min=1800; sec={left}")]
    return HttpReply(status, ENCODER.encode(body), headers)


class UpbitExchangeRest:
    def __init__(
        self,
        desk: OrderDesk,
        nonces: jwt_check.NonceLog,
        clock: Callable[[], int],
        policy: UpbitPrivatePolicy | None = None,
        limits: Limits | None = None,
    ) -> None:
        self.desk = desk
        self.nonces = nonces
        self.clock = clock
        self.policy = policy or UpbitPrivatePolicy()
        self.keys = keys_of("upbit")
        per_second = (limits or Limits()).upbit_rest_default_per_second
        self.limit = KeyedLimit(per_second, DEFAULT_GROUP_PER_SECOND)

    def register(self, routes: HttpRoutes) -> None:
        for path, permission, handler in (
            ("/v1/accounts", "view_accounts", self.accounts),
            ("/v1/orders/open", "view_orders", self.open_orders),
            ("/v1/orders/closed", "view_orders", self.closed_orders),
            ("/v1/orders/uuids", "view_orders", self.orders_by_ids),
            ("/v1/order", "view_orders", self.order),
        ):
            routes.add(path, self._guard(handler, permission))

    def _guard(
        self, handler: Callable[[HttpRequest], Any], permission: str
    ) -> Callable[[HttpRequest], HttpReply]:
        def guarded(request: HttpRequest) -> HttpReply:
            authorization = request.headers.get("Authorization")
            claimed = jwt_check.claimed_access_key(authorization)
            quota = self.limit.take(claimed or f"ip:{request.client_ip}")
            if not quota.admitted:
                return _reply(TOO_MANY, 429, 0)
            try:
                jwt_check.verify(
                    authorization,
                    self.keys,
                    client_ip=request.client_ip,
                    raw_query=request.raw_query,
                    nonces=self.nonces,
                    require=permission,
                )
                return _reply(handler(request), 200, quota.remaining)
            except jwt_check.UpbitAuthError as error:
                return _reply(error.body(), error.status, quota.remaining)
            except ParamError as error:
                body = {"error": {"name": error.name, "message": error.message}}
                return _reply(body, error.status, quota.remaining)

        return guarded

    # -- parameters ------------------------------------------------------------------------

    def _market(self, request: HttpRequest) -> str | None:
        code = request.param("market")
        if code is None or code == "":
            return None
        code = code.upper()
        if code not in self.desk.markets:
            raise ParamError("notfoundmarket", f"다음 마켓에 없는 종목입니다: {code}")
        return code

    @staticmethod
    def _states(
        request: HttpRequest, allowed: tuple[str, ...], default: tuple[str, ...]
    ) -> set[str]:
        state, states = request.query.get("state"), request.query.get("states[]")
        if state and states:
            raise ParamError("invalid_parameter", "state 와 states 는 함께 쓸 수 없습니다.")
        chosen = states or state or list(default)
        if any(s not in allowed for s in chosen):
            raise ParamError("invalid_parameter", "잘못된 파라미터")
        return set(chosen)

    @staticmethod
    def _int(request: HttpRequest, name: str, default: int, low: int, high: int) -> int:
        invalid = partial(ParamError, "invalid_parameter", f"잘못된 파라미터: {name}")
        return request.int_param(name, default, low, high, invalid)

    @staticmethod
    def _sorted(orders: list[DemoOrder], request: HttpRequest) -> list[DemoOrder]:
        order_by = request.param("order_by") or "desc"
        if order_by not in ("asc", "desc"):
            raise ParamError("invalid_parameter", "잘못된 파라미터: order_by")
        return sorted(orders, key=lambda o: (o.created_at, o.number), reverse=order_by == "desc")

    def _time(self, raw: str | None) -> int | None:
        if raw is None or raw == "":
            return None
        if raw.isdigit():
            return int(raw)
        if self.policy.iso_time_fails:
            raise ParamError("jwt_verification", ISO_TIME_FAILS, 401)
        try:
            return int(datetime.fromisoformat(raw).timestamp() * 1000)
        except ValueError:
            raise ParamError("invalid_parameter", "잘못된 파라미터: time") from None

    # -- handlers --------------------------------------------------------------------------

    def accounts(self, _: HttpRequest) -> list[dict[str, Any]]:
        account = self.desk.account
        return [
            pframes.account_row(currency, holding, account.quote)
            for currency, holding in account.holdings.items()
            if currency == account.quote or holding.total > 0
        ]

    def open_orders(self, request: HttpRequest) -> list[dict[str, Any]]:
        code = self._market(request)
        states = self._states(request, OPEN_STATES, ("wait",))
        page = self._int(request, "page", 1, 1, 10**9)
        limit = self._int(request, "limit", 100, 1, 100)
        orders = [
            o
            for o in self.desk.account.open_orders()
            if "wait" in states and code in (None, o.code)
        ]
        rows = self._sorted(orders, request)[(page - 1) * limit : page * limit]
        return [pframes.order_row(o) for o in rows]

    def closed_orders(self, request: HttpRequest) -> list[dict[str, Any]]:
        code = self._market(request)
        states = self._states(request, CLOSED_STATES, CLOSED_STATES)
        wanted = {"done": "filled", "cancel": "canceled"}
        limit = self._int(request, "limit", 100, 1, 1000)
        start, end = self._time(request.param("start_time")), self._time(request.param("end_time"))
        if start is None and end is None:
            end = self.clock()
        if start is None:
            assert end is not None
            start = end - WEEK_MS
        if end is None:
            end = start + WEEK_MS
        if end - start > WEEK_MS or end < start:
            raise ParamError("invalid_parameter", "조회 기간은 최대 7일입니다.")
        orders = [
            o
            for o in self.desk.account.orders.values()
            if o.state in {wanted[s] for s in states}
            and code in (None, o.code)
            and start <= o.created_at <= end
        ]
        return [pframes.order_row(o) for o in self._sorted(orders, request)[:limit]]

    def orders_by_ids(self, request: HttpRequest) -> list[dict[str, Any]]:
        code = self._market(request)
        uuids = [u for u in request.query.get("uuids[]", []) if u]
        identifiers = [i for i in request.query.get("identifiers[]", []) if i]
        if uuids and identifiers:
            raise ParamError("invalid_parameter", "uuids 와 identifiers 는 함께 쓸 수 없습니다.")
        if not uuids and not identifiers:
            raise ParamError("validation_error", "uuids 또는 identifiers 가 필요합니다.")
        if len(uuids or identifiers) > MAX_IDS:
            raise ParamError("invalid_parameter", f"최대 {MAX_IDS}개까지 조회할 수 있습니다.")
        found = (
            [self.desk.account.orders.get(u) for u in uuids]
            if uuids
            else [self.desk.by_client_id(i) for i in identifiers]
        )
        orders = {o.id: o for o in found if o is not None and code in (None, o.code)}
        return [pframes.order_row(o) for o in self._sorted(list(orders.values()), request)]

    def order(self, request: HttpRequest) -> dict[str, Any]:
        order_id, identifier = request.param("uuid"), request.param("identifier")
        if not order_id and not identifier:
            raise ParamError("validation_error", "uuid 또는 identifier 가 필요합니다.")
        order = (
            self.desk.account.orders.get(order_id)
            if order_id
            else self.desk.by_client_id(identifier or "")
        )
        if order is None:
            raise ParamError("order_not_found", "주문을 찾지 못했습니다.", 404)
        return pframes.order_row(order, with_trades=True)
