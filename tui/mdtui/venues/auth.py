"""Request signing for the private APIs: Upbit JWTs and Korbit signed queries. Pure code.

Keys live in :class:`Secret` wrappers whose ``repr``/``str`` are masked, so a key object can
be logged, shown in a traceback with locals, or put in an f-string without leaking. No
exception raised here carries key material: a failure inside a library that saw a revealed
key is caught in the frame holding it and reported by the caller as a new AuthError with no
chained cause or context. Functions accept plain ``str`` keys too, but pass
:class:`Secret` (or pydantic ``SecretStr``) objects where possible: a plain string argument
is visible in a traceback that shows locals.

Upbit (``docs/protocols.md``, "Upbit: authentication (JWT)"): ``Authorization: Bearer
<JWT>``, HS256 with the raw secret key, payload ``access_key`` + a fresh uuid4 ``nonce``; a
request with a query adds ``query_hash`` (SHA-512 hex of the URL-decoded query string, in
sent order) and ``query_hash_alg: "SHA512"``.

Korbit (``docs/protocols.md``, "Korbit: authentication (HMAC-SHA256 / Ed25519)"): header
``X-KAPI-KEY`` and the parameters, ``timestamp``, optional ``recvWindow`` and finally
``signature`` over the exact encoded string before it: HMAC-SHA256 lowercase hex, or
Ed25519 standard base64, URL-encoded.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import uuid
import warnings
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Literal, Protocol
from urllib.parse import quote, unquote, urlencode

import jwt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    PublicFormat,
    load_pem_private_key,
)

MASK = "**********"


class AuthError(ValueError):
    """A key that cannot be used (missing, malformed, wrong type). Never contains the key."""


class _HasSecretValue(Protocol):
    def get_secret_value(self) -> str: ...


class Secret:
    """A secret string: ``repr``/``str`` show ``**********``; :meth:`reveal` gives it back.

    Built from a ``str``, UTF-8 ``bytes``, another Secret or anything with
    ``get_secret_value()`` (pydantic ``SecretStr``). Not picklable, so it cannot end up in a
    pickled state dump by accident.
    """

    __slots__ = ("_value",)

    def __init__(self, value: str | bytes | Secret | _HasSecretValue) -> None:
        if isinstance(value, Secret):
            text = value._value
        elif isinstance(value, bytes):
            text = value.decode("utf-8")
        elif isinstance(value, str):
            text = value
        elif hasattr(value, "get_secret_value"):
            text = value.get_secret_value()
        else:
            raise AuthError(f"a secret must be a string, not {type(value).__name__}")
        self._value: str = text

    def reveal(self) -> str:
        """The secret itself: use it, never log it."""
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Secret):
            return NotImplemented
        return hmac.compare_digest(self._value.encode(), other._value.encode())

    def __repr__(self) -> str:
        return f"Secret('{MASK}')"

    def __str__(self) -> str:
        return MASK

    def __format__(self, spec: str) -> str:
        return MASK

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a Secret cannot be pickled")


def _secret(value: str | bytes | Secret | _HasSecretValue | None, what: str) -> Secret:
    if value is None:
        raise AuthError(f"{what} is not configured")
    secret = Secret(value)
    if not secret.reveal().strip():
        raise AuthError(f"{what} is empty")
    return secret


# =========================================================================== Upbit

UpbitAlg = Literal["HS256", "HS512"]


def encode_query(params: Mapping[str, object] | Sequence[tuple[str, object]]) -> str:
    """The URL-encoded query string to send (lists become repeated keys, in order).

    Send exactly this string and hash it with :func:`query_hash`: the two always agree. Use
    ``states[]``-style keys for Upbit's array parameters.
    """
    return urlencode(params, doseq=True)


def query_hash(query: str) -> str:
    """SHA-512 hex of the URL-*decoded* query string (a leading ``?`` is ignored).

    ``market=KRW-BTC&states%5B%5D=done`` hashes as ``market=KRW-BTC&states[]=done``, as
    Upbit's own samples do (``unquote(urlencode(params, doseq=True))``).
    """
    return hashlib.sha512(unquote(query.removeprefix("?")).encode("utf-8")).hexdigest()


def jwt_token(
    access_key: str | Secret | _HasSecretValue,
    secret_key: str | Secret | _HasSecretValue,
    query: str | None = None,
    nonce: str | None = None,
    alg: UpbitAlg = "HS256",
) -> str:
    """A fresh Upbit JWT: ``{"access_key", "nonce"[, "query_hash", "query_hash_alg"]}``.

    ``query`` is the encoded query string as sent (or None/empty for no parameters: the
    websocket and ``GET /v1/accounts``). ``nonce`` defaults to a new uuid4; pass one only in
    tests. Raises :class:`AuthError` for a missing key or an unsupported algorithm.
    """
    access = _secret(access_key, "the Upbit access key")
    secret = _secret(secret_key, "the Upbit secret key")
    if alg not in ("HS256", "HS512"):
        raise AuthError(f"unsupported JWT algorithm {alg!r} (HS256 or HS512)")
    claims: dict[str, str] = {"nonce": nonce or str(uuid.uuid4())}
    if query and query.removeprefix("?"):
        claims["query_hash"] = query_hash(query)
        claims["query_hash_alg"] = "SHA512"
    token = _encode_jwt(access, claims, secret, alg)
    if token is None:
        raise AuthError("could not sign the Upbit JWT with the configured secret key")
    return token


def _encode_jwt(access: Secret, claims: dict[str, str], secret: Secret, alg: str) -> str | None:
    """The signed token, or None; revealed keys stay in this frame, which raises nothing."""
    payload = {"access_key": access.reveal(), **claims}
    try:
        with warnings.catch_warnings():
            # Upbit issues the key; its length is not ours to choose.
            warnings.simplefilter("ignore")
            return jwt.encode(payload, secret.reveal(), algorithm=alg)
    except Exception:
        return None


def authorization_header(
    access_key: str | Secret | _HasSecretValue,
    secret_key: str | Secret | _HasSecretValue,
    query: str | None = None,
    nonce: str | None = None,
    alg: UpbitAlg = "HS256",
) -> dict[str, str]:
    """``{"Authorization": "Bearer <jwt>"}`` for one request or websocket upgrade."""
    return {"Authorization": f"Bearer {jwt_token(access_key, secret_key, query, nonce, alg)}"}


class UpbitKey:
    """An Upbit key pair (access key and secret key), both masked in ``repr``."""

    __slots__ = ("access_key", "alg", "secret_key")

    def __init__(
        self,
        access_key: str | Secret | _HasSecretValue | None,
        secret_key: str | Secret | _HasSecretValue | None,
        alg: UpbitAlg = "HS256",
    ) -> None:
        self.access_key = _secret(access_key, "the Upbit access key")
        self.secret_key = _secret(secret_key, "the Upbit secret key")
        self.alg: UpbitAlg = alg

    def token(self, query: str | None = None, nonce: str | None = None) -> str:
        """A fresh JWT (new nonce) for one request or one websocket connection."""
        return jwt_token(self.access_key, self.secret_key, query, nonce, self.alg)

    def headers(self, query: str | None = None) -> dict[str, str]:
        """The ``Authorization`` header for one request or websocket upgrade."""
        return authorization_header(self.access_key, self.secret_key, query, alg=self.alg)

    def __repr__(self) -> str:
        return f"UpbitKey(access_key='{MASK}', secret_key='{MASK}', alg={self.alg!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("an UpbitKey cannot be pickled")


# =========================================================================== Korbit

KorbitScheme = Literal["hmac-sha256", "ed25519"]
PEM_MARKER = "-----BEGIN"


class KorbitKey:
    """A Korbit API key: the key id (``X-KAPI-KEY``) and an HMAC secret or Ed25519 key.

    The scheme follows from the key given: an Ed25519 PKCS#8 PEM private key signs with
    Ed25519, a plain secret string with HMAC-SHA256. ``repr`` shows only the scheme.
    """

    __slots__ = ("_ed25519", "_hmac", "api_key", "scheme")

    def __init__(
        self,
        api_key: str | Secret | _HasSecretValue | None,
        *,
        hmac_secret: str | Secret | _HasSecretValue | None = None,
        ed25519_key: Ed25519PrivateKey | None = None,
    ) -> None:
        self.api_key = _secret(api_key, "the Korbit API key")
        if (hmac_secret is None) == (ed25519_key is None):
            raise AuthError("a Korbit key needs exactly one of an HMAC secret or an Ed25519 key")
        self._hmac = (
            _secret(hmac_secret, "the Korbit secret key") if hmac_secret is not None else None
        )
        self._ed25519 = ed25519_key
        self.scheme: KorbitScheme = "ed25519" if ed25519_key is not None else "hmac-sha256"

    @classmethod
    def from_pem(
        cls,
        api_key: str | Secret | _HasSecretValue | None,
        pem: str | bytes | Secret | _HasSecretValue,
    ) -> KorbitKey:
        """An Ed25519 key from its unencrypted PKCS#8 PEM text. Raises :class:`AuthError`."""
        key = _load_ed25519(Secret(pem))
        if key is None:
            raise AuthError(
                "the Korbit private key is not an unencrypted PKCS#8 PEM Ed25519 private key"
            )
        return cls(api_key, ed25519_key=key)

    @classmethod
    def from_settings(
        cls,
        api_key: str | Secret | _HasSecretValue | None,
        secret_key: str | Secret | _HasSecretValue | None = None,
        private_key_file: str | os.PathLike[str] | None = None,
    ) -> KorbitKey:
        """The key configured in settings: ``korbit.api_key`` with either ``secret_key``
        (an HMAC secret, or the Ed25519 PEM text itself) or ``private_key_file`` (a PEM
        file: read here, once, at configuration time — the only file access in venues/).

        A value starting with ``-----BEGIN`` is a PEM key (Ed25519), anything else an HMAC
        secret. Raises :class:`AuthError` when nothing usable is configured or both a
        secret and a key file are given.
        """
        if secret_key is not None and private_key_file is not None:
            raise AuthError("configure either korbit.secret_key or korbit.private_key_file")
        if private_key_file is not None:
            path = Path(private_key_file)
            pem = _read_key_file(path)
            if pem is None:
                raise AuthError(f"cannot read the Korbit private key file {path}")
            return cls.from_pem(api_key, pem)
        secret = _secret(secret_key, "the Korbit secret key (or private key file)")
        if secret.reveal().lstrip().startswith(PEM_MARKER):
            return cls.from_pem(api_key, secret)
        return cls(api_key, hmac_secret=secret)

    def sign(self, message: bytes) -> str:
        """The signature of ``message``: lowercase hex (HMAC) or standard base64 (Ed25519)."""
        if self._ed25519 is not None:
            return base64.b64encode(self._ed25519.sign(message)).decode("ascii")
        assert self._hmac is not None
        return hmac.new(self._hmac.reveal().encode("utf-8"), message, hashlib.sha256).hexdigest()

    def headers(self) -> dict[str, str]:
        """``{"X-KAPI-KEY": <api key>}`` for a signed request or the private upgrade."""
        return {"X-KAPI-KEY": self.api_key.reveal()}

    def public_key_pem(self) -> str | None:
        """The SPKI PEM public key to register with Korbit (Ed25519 keys only)."""
        if self._ed25519 is None:
            return None
        return (
            self._ed25519.public_key()
            .public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo)
            .decode("ascii")
        )

    def __repr__(self) -> str:
        return f"KorbitKey(api_key='{MASK}', scheme={self.scheme!r})"

    __str__ = __repr__

    def __reduce__(self) -> tuple[object, ...]:
        raise TypeError("a KorbitKey cannot be pickled")


def _read_key_file(path: Path) -> Secret | None:
    try:
        return Secret(path.read_bytes())
    except (OSError, UnicodeDecodeError):
        return None


def _load_ed25519(pem: Secret) -> Ed25519PrivateKey | None:
    try:
        key = load_pem_private_key(pem.reveal().strip().encode("utf-8"), password=None)
    except Exception:
        return None
    return key if isinstance(key, Ed25519PrivateKey) else None


def signed_query(
    params: Sequence[tuple[str, str]],
    key: KorbitKey,
    timestamp_ms: int,
    recv_window: int | None = None,
) -> str:
    """The exact query string (or form body) to send to a signed Korbit endpoint.

    ``params`` (in order), then ``timestamp``, then ``recvWindow`` when given, URL-encoded
    once; ``signature`` is computed over that string's bytes and appended last,
    URL-encoded (Ed25519's base64 ``+/=`` become ``%2B%2F%3D``). For the private websocket,
    ``params`` is empty: ``timestamp=…[&recvWindow=…]&signature=…``.
    """
    pairs: list[tuple[str, str]] = [*params, ("timestamp", str(int(timestamp_ms)))]
    if recv_window is not None:
        pairs.append(("recvWindow", str(int(recv_window))))
    unsigned = urlencode(pairs)
    signature = key.sign(unsigned.encode("ascii"))
    return f"{unsigned}&signature={quote(signature, safe='')}"
