"""A plain client of the simulator for its own tests (``websockets`` and ``httpx``, never
the app's code): receiving frames, and the private side's signing, written from the
protocol notes: Upbit JWTs with PyJWT, Korbit signed queries with hmac and cryptography."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import uuid
from collections.abc import Awaitable, Callable, Sequence
from decimal import Decimal
from typing import Any
from urllib.parse import quote, unquote, urlencode

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import load_pem_private_key
from websockets.asyncio.client import ClientConnection

from mdtui.sim import Rate, Simulator, demo_keys
from mdtui.sim.engine.listings import KORBIT_CORE

FIXED_MS = 1_750_000_000_000
"""The frozen simulators' fixed clock."""
FAST = Rate(step_seconds=0.02, min_book_interval=0.04)
"""A market stepping every 20 ms (the ``sim`` fixture)."""
StartSim = Callable[..., Awaitable[Simulator]]
"""The ``start_sim`` fixture: ``await start_sim(**simulator_options)``."""
PRIVATE_FEED_KORBIT = KORBIT_CORE
"""Korbit's listing for tests of the app's private feeds: its core pairs. The feed seeds open
orders pair by pair (``/v2/openOrders`` needs a symbol): the whole listing's 193 pairs take
about 4 s at its 40 calls/s on every (re)connect, which recovery tests do not need to pay
(test_private_loopback covers the whole listing)."""

# -- receiving -------------------------------------------------------------------------------


async def recv(ws: ClientConnection, timeout: float = 2.0) -> str | bytes:
    return await asyncio.wait_for(ws.recv(), timeout)


async def recv_json(ws: ClientConnection, timeout: float = 2.0) -> Any:
    return json.loads(await recv(ws, timeout))


async def silent(ws: ClientConnection, seconds: float) -> bool:
    """True if nothing arrives for ``seconds`` (an observation window, not a wait)."""
    try:
        await asyncio.wait_for(ws.recv(), seconds)
    except TimeoutError:
        return True
    return False


# -- Upbit -----------------------------------------------------------------------------------


def upbit_jwt(
    access_key: str = demo_keys.UPBIT_ACCESS_KEY,
    secret: str = demo_keys.UPBIT_SECRET_KEY,
    *,
    query: str | None = None,
    alg: str = "HS256",
    nonce: str | None = None,
) -> str:
    """A token as upbit.md §4 / rest.md §A2 describe; ``query`` is the raw query sent."""
    payload: dict[str, Any] = {"access_key": access_key, "nonce": nonce or str(uuid.uuid4())}
    if query:
        payload["query_hash"] = hashlib.sha512(unquote(query).encode()).hexdigest()
        payload["query_hash_alg"] = "SHA512"
    return jwt.encode(payload, secret, algorithm=alg)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def tamper(token: str) -> str:
    """The same token with its payload's nonce changed and the old signature kept."""
    header, payload, signature = token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["nonce"] = "not-" + claims["nonce"]
    forged = base64.urlsafe_b64encode(json.dumps(claims).encode()).rstrip(b"=").decode()
    return f"{header}.{forged}.{signature}"


async def upbit_rest(
    sim: Simulator,
    path: str,
    query: str = "",
    *,
    access_key: str = demo_keys.UPBIT_ACCESS_KEY,
    secret: str = demo_keys.UPBIT_SECRET_KEY,
) -> httpx.Response:
    """A signed exchange REST call: ``query`` is sent as is (encode it as a client would)
    and hashed percent-decoded."""
    url = f"{path}?{query}" if query else path
    headers = bearer(upbit_jwt(access_key, secret, query=query or None))
    async with httpx.AsyncClient(base_url=sim.http_url) as client:
        return await client.get(url, headers=headers)


async def upbit_frame(ws: ClientConnection, timeout: float = 2.0) -> Any:
    data = await recv(ws, timeout)
    assert isinstance(data, bytes), "Upbit sends binary frames"
    return json.loads(data, parse_float=Decimal)


# -- Korbit ------------------------------------------------------------------------------------


def korbit_query(
    params: Sequence[tuple[str, str | int]],
    *,
    secret: str | None = demo_keys.KORBIT_HMAC_SECRET,
    pem: str | None = None,
) -> str:
    """``params`` URL-encoded in order, then ``&signature=`` over exactly that string:
    HMAC-SHA256 lowercase hex with ``secret``, or Ed25519 standard base64 with ``pem``."""
    message = urlencode([(k, str(v)) for k, v in params])
    if pem is not None:
        key = load_pem_private_key(pem.encode(), password=None)
        assert isinstance(key, Ed25519PrivateKey)
        signature = quote(base64.b64encode(key.sign(message.encode())).decode(), safe="")
    else:
        assert secret is not None
        signature = hmac.new(secret.encode(), message.encode(), hashlib.sha256).hexdigest()
    return f"{message}&signature={signature}"


def kapi(api_key: str = demo_keys.KORBIT_HMAC_API_KEY) -> dict[str, str]:
    return {"X-KAPI-KEY": api_key}


async def korbit_rest(
    sim: Simulator,
    path: str,
    *params: tuple[str, str | int],
    api_key: str = demo_keys.KORBIT_HMAC_API_KEY,
    secret: str = demo_keys.KORBIT_HMAC_SECRET,
) -> httpx.Response:
    """A signed private REST call: ``params``, then ``timestamp`` (Korbit's server time),
    then the signature."""
    query = korbit_query([*params, ("timestamp", sim.server_time())], secret=secret)
    async with httpx.AsyncClient(base_url=sim.http_url) as client:
        return await client.get(f"{path}?{query}", headers=kapi(api_key))


async def korbit_json(ws: ClientConnection, timeout: float = 2.0) -> Any:
    data = await recv(ws, timeout)
    assert isinstance(data, str), "Korbit sends text frames"
    return json.loads(data)
