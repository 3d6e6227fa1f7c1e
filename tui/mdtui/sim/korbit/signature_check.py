"""Korbit's signed-request check.

See docs/protocols.md, 'Korbit: authentication (HMAC-SHA256 / Ed25519)'.

A signed request carries the header ``X-KAPI-KEY`` and, in its query string,
``timestamp`` (ms), optionally ``recvWindow`` (ms, default 5000, at most 60000), and
``signature`` as the **last** parameter. The signed message is the raw query string exactly
as sent, up to (not including) ``&signature=``. HMAC-SHA256 keys (the secret's UTF-8 bytes)
sign in lowercase hex; Ed25519 keys in standard base64, URL-encoded in the query (decoded
here with form rules, so a ``+`` left unencoded reads as a space and fails).

The time window: ``serverTime - timestamp <= recvWindow and timestamp < serverTime + 1000``.

Checks, in order, and the error code of each (``error.message``): no ``timestamp``
(``NO_TIMESTAMP``); ``timestamp`` or ``recvWindow`` not an integer, or ``recvWindow``
outside 1-60000 (``BAD_REQUEST``); header missing, key unknown or revoked
(``KEY_NOT_FOUND``); ``signature`` missing, not last, or wrong (``INVALID_SIGNATURE``);
time window (``EXCEED_TIME_WINDOW``); caller's IP not on the key's allowlist
(``IP_NOT_ALLOWED``); permission (``PERMISSION_DENIED``). Only ``NO_TIMESTAMP``,
``EXCEED_TIME_WINDOW`` and ``KEY_NOT_FOUND`` are documented names; the HTTP statuses are
``AuthStatuses`` (configurable, see there).
"""

from __future__ import annotations

import base64
import binascii
import functools
import hashlib
import hmac
from collections.abc import Mapping
from dataclasses import dataclass, field
from urllib.parse import unquote_plus

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import load_pem_public_key

from mdtui.sim.engine.demo_keys import DemoKey
from mdtui.sim.net.http import HttpRequest

DEFAULT_RECV_WINDOW = 5000
MAX_RECV_WINDOW = 60000
FUTURE_MS = 1000

REST_STATUS: dict[str, int] = {
    "NO_TIMESTAMP": 400,  # seen live
    "BAD_REQUEST": 400,
    "EXCEED_TIME_WINDOW": 400,  # the official CLI's REST fixtures
    "KEY_NOT_FOUND": 404,  # the official CLI's REST fixtures
    "INVALID_SIGNATURE": 401,  # in no source: name and status are the simulator's
    "IP_NOT_ALLOWED": 403,  # the official CLI's tests; no source confirms it
    "PERMISSION_DENIED": 403,  # in no source: name and status are the simulator's
}
WS_STATUS: dict[str, int] = {
    **REST_STATUS,
    "EXCEED_TIME_WINDOW": 401,  # the official CLI's websocket fixture
    "KEY_NOT_FOUND": 401,  # unconfirmed: a rejected upgrade reads as "unauthorized"
}


@dataclass(frozen=True, slots=True)
class AuthStatuses:
    """HTTP status of each rejection, for REST calls and for websocket upgrades."""

    rest: dict[str, int] = field(default_factory=lambda: dict(REST_STATUS))
    ws: dict[str, int] = field(default_factory=lambda: dict(WS_STATUS))


class KorbitAuthError(Exception):
    """A rejected request; ``code`` is Korbit's ``error.message``."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


def _param(pairs: list[tuple[str, str]], name: str) -> str | None:
    for key, value in pairs:
        if key == name:
            return value
    return None


@functools.cache
def _ed25519(pem: str) -> Ed25519PublicKey:
    key = load_pem_public_key(pem.encode("ascii"))
    if not isinstance(key, Ed25519PublicKey):
        raise TypeError("not an Ed25519 public key")
    return key


def signature_ok(key: DemoKey, message: str, signature: str) -> bool:
    """Whether ``signature`` (already URL-decoded) signs ``message`` with ``key``."""
    data = message.encode("utf-8")
    if key.kind == "hmac-sha256":
        expected = hmac.new(key.secret.encode("utf-8"), data, hashlib.sha256).hexdigest()
        return hmac.compare_digest(expected, signature)
    try:
        raw = base64.b64decode(signature, validate=True)
        _ed25519(key.public_key_pem).verify(raw, data)
    except (binascii.Error, ValueError, InvalidSignature):
        return False
    return True


def verify(
    raw_query: str,
    api_key: str | None,
    keys: Mapping[str, DemoKey],
    *,
    server_time: int,
    client_ip: str,
    require: str | tuple[str, ...] | None = None,
) -> DemoKey:
    """Check one signed request; raises ``KorbitAuthError``. ``require``: a permission, or
    a tuple of which the key must hold at least one."""
    pairs = [
        (name, value)
        for name, _, value in (part.partition("=") for part in raw_query.split("&") if part)
    ]
    raw_timestamp = _param(pairs, "timestamp")
    if raw_timestamp is None or raw_timestamp == "":
        raise KorbitAuthError("NO_TIMESTAMP")
    raw_window = _param(pairs, "recvWindow")
    try:
        timestamp = int(raw_timestamp)
        window = DEFAULT_RECV_WINDOW if raw_window is None else int(raw_window)
    except ValueError:
        raise KorbitAuthError("BAD_REQUEST") from None
    if not 0 < window <= MAX_RECV_WINDOW:
        raise KorbitAuthError("BAD_REQUEST")
    key = keys.get(api_key or "")
    if key is None or key.status == "revoked":
        raise KorbitAuthError("KEY_NOT_FOUND")
    cut = raw_query.rfind("&signature=")
    if cut < 0 or pairs[-1][0] != "signature":
        raise KorbitAuthError("INVALID_SIGNATURE")
    signature = unquote_plus(raw_query[cut + len("&signature=") :])
    if not signature_ok(key, raw_query[:cut], signature):
        raise KorbitAuthError("INVALID_SIGNATURE")
    if not (server_time - timestamp <= window and timestamp < server_time + FUTURE_MS):
        raise KorbitAuthError("EXCEED_TIME_WINDOW")
    if key.allowed_ips and client_ip not in key.allowed_ips:
        raise KorbitAuthError("IP_NOT_ALLOWED")
    needed = (require,) if isinstance(require, str) else require
    if needed and not any(p in key.permissions for p in needed):
        raise KorbitAuthError("PERMISSION_DENIED")
    return key


def verify_request(
    request: HttpRequest,
    keys: Mapping[str, DemoKey],
    server_time: int,
    require: str | tuple[str, ...] | None = None,
) -> DemoKey:
    """``verify`` one REST call or websocket upgrade: its raw query, ``X-KAPI-KEY`` and peer."""
    return verify(
        request.raw_query,
        request.headers.get("X-KAPI-KEY"),
        keys,
        server_time=server_time,
        client_ip=request.client_ip,
        require=require,
    )
