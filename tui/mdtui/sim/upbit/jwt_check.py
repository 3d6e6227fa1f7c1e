"""Upbit's JWT check (docs/protocols.md, 'Upbit: authentication (JWT)').

``Authorization: Bearer <jwt>``: header ``alg`` HS256 or HS512, signed with the raw secret
key (UTF-8 bytes, not base64-decoded); payload ``access_key`` (a known key) and ``nonce``.
A request with a query adds ``query_hash`` (hex SHA-512 of the percent-decoded raw query,
in sent order) and optionally ``query_hash_alg: "SHA512"``. No ``exp`` is required.

Checks run in this order, each with its REST error (status, ``error.name``): header
present (401 ``no_authorization_token``); token well formed, ``alg`` allowed, ``access_key``
present (401 ``jwt_verification``); key known (401 ``invalid_access_key``); signature
(401 ``jwt_verification``); ``nonce`` present (401 ``jwt_verification``); key not expired
(401 ``expired_access_key``); caller's IP on the key's allowlist (401
``no_authorization_ip``); ``query_hash`` (401 ``invalid_query_payload``); nonce not seen
before (401 ``nonce_used``, where the caller asks for it); permission (403 ``out_of_scope``,
checked by the caller with ``require``). The messages are Upbit's documented ones where
a source quotes one, otherwise the simulator's own wording.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

from mdtui.sim.engine.demo_keys import DemoKey

ALGORITHMS = {"HS256": hashlib.sha256, "HS512": hashlib.sha512}

MESSAGES = {
    "no_authorization_token": "인증 토큰이 존재하지 않습니다.",
    "jwt_verification": "Jwt 토큰 검증에 실패했습니다.",
    "invalid_access_key": "잘못된 엑세스 키입니다.",
    "expired_access_key": "API 키가 만료되었습니다.",
    "no_authorization_ip": "This is not a verified IP.",
    "invalid_query_payload": "JWT 토큰의 쿼리 정보가 요청과 일치하지 않습니다.",
    "nonce_used": "이미 사용된 nonce 입니다.",
    "out_of_scope": "권한이 부족합니다.",
}
STATUS = {"out_of_scope": 403}
"""HTTP status per error name; 401 for every other auth error."""


class UpbitAuthError(Exception):
    """A rejected request: ``status`` and Upbit's error ``name``."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name
        self.status = STATUS.get(name, 401)
        self.message = MESSAGES[name]

    def body(self) -> dict[str, Any]:
        return {"error": {"name": self.name, "message": self.message}}


class NonceLog:
    """Nonces seen per access key (the last ``size`` of each)."""

    def __init__(self, size: int = 100_000) -> None:
        self.size = size
        self._seen: dict[str, tuple[set[str], deque[str]]] = {}

    def first_use(self, access_key: str, nonce: str) -> bool:
        """Record ``nonce``; False if the key used it before."""
        seen, order = self._seen.setdefault(access_key, (set(), deque()))
        if nonce in seen:
            return False
        seen.add(nonce)
        order.append(nonce)
        if len(order) > self.size:
            seen.discard(order.popleft())
        return True


@dataclass(frozen=True, slots=True)
class Verified:
    key: DemoKey
    nonce: str
    payload: dict[str, Any]


def _b64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def _segment_json(segment: str) -> dict[str, Any]:
    try:
        value = json.loads(_b64url(segment))
    except (binascii.Error, ValueError):
        raise UpbitAuthError("jwt_verification") from None
    if not isinstance(value, dict):
        raise UpbitAuthError("jwt_verification")
    return value


def claimed_access_key(authorization: str | None) -> str | None:
    """The ``access_key`` a bearer token claims, read without checking anything (the
    rate limit counts requests per key before the token is verified)."""
    if not authorization or not authorization.startswith("Bearer "):
        return None
    parts = authorization[len("Bearer ") :].strip().split(".")
    if len(parts) != 3:
        return None
    try:
        access_key = _segment_json(parts[1]).get("access_key")
    except UpbitAuthError:
        return None
    return access_key if isinstance(access_key, str) else None


def query_hash(raw_query: str) -> str:
    """The ``query_hash`` a request with this raw query must carry."""
    return hashlib.sha512(unquote(raw_query).encode("utf-8")).hexdigest()


def verify(
    authorization: str | None,
    keys: Mapping[str, DemoKey],
    *,
    client_ip: str,
    raw_query: str | None = None,
    nonces: NonceLog | None = None,
    require: str | None = None,
) -> Verified:
    """Check one request's ``Authorization`` header; raises ``UpbitAuthError``.

    ``raw_query`` (REST) turns the ``query_hash`` check on; ``nonces`` rejects a reused
    nonce; ``require`` names a permission the key must hold.
    """
    if not authorization or not authorization.startswith("Bearer "):
        raise UpbitAuthError("no_authorization_token")
    token = authorization[len("Bearer ") :].strip()
    parts = token.split(".")
    if len(parts) != 3:
        raise UpbitAuthError("jwt_verification")
    header, payload = _segment_json(parts[0]), _segment_json(parts[1])
    digest = ALGORITHMS.get(header.get("alg", ""))
    access_key = payload.get("access_key")
    if digest is None or not isinstance(access_key, str):
        raise UpbitAuthError("jwt_verification")
    key = keys.get(access_key)
    if key is None:
        raise UpbitAuthError("invalid_access_key")
    expected = hmac.new(
        key.secret.encode("utf-8"), f"{parts[0]}.{parts[1]}".encode(), digest
    ).digest()
    try:
        signature = _b64url(parts[2])
    except (binascii.Error, ValueError):
        raise UpbitAuthError("jwt_verification") from None
    if not hmac.compare_digest(expected, signature):
        raise UpbitAuthError("jwt_verification")
    nonce = payload.get("nonce")
    if isinstance(nonce, int) and not isinstance(nonce, bool):
        nonce = str(nonce)
    if not isinstance(nonce, str) or not nonce:
        raise UpbitAuthError("jwt_verification")
    if key.status != "active":
        raise UpbitAuthError("expired_access_key")
    if key.allowed_ips and client_ip not in key.allowed_ips:
        raise UpbitAuthError("no_authorization_ip")
    if raw_query:
        alg = payload.get("query_hash_alg", "SHA512")
        if alg != "SHA512" or payload.get("query_hash") != query_hash(raw_query):
            raise UpbitAuthError("invalid_query_payload")
    if nonces is not None and not nonces.first_use(key.key, nonce):
        raise UpbitAuthError("nonce_used")
    if require is not None and require not in key.permissions:
        raise UpbitAuthError("out_of_scope")
    return Verified(key, nonce, payload)
