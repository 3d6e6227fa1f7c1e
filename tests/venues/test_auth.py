"""Upbit JWTs and Korbit signed queries against independently computed and fixed vectors.

The fixed vectors were computed outside Python with the ``openssl`` command line (HMAC,
SHA-512, Ed25519 ``pkeyutl -rawin``) and ``base64``; the Ed25519 ``sign`` vectors are
RFC 8032 §7.1 tests 1 and 2.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import pickle
import uuid
from urllib.parse import parse_qsl, unquote

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric.ec import SECP256R1, generate_private_key
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import (
    Encoding,
    NoEncryption,
    PrivateFormat,
    load_pem_public_key,
)
from pydantic import SecretStr

from mdtui.venues.auth import (
    AuthError,
    KorbitKey,
    Secret,
    UpbitKey,
    authorization_header,
    encode_query,
    jwt_token,
    query_hash,
    signed_query,
)

pytestmark = pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")

NONCE = "00000000-0000-4000-8000-000000000000"
TOKEN_NO_QUERY = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJhY2Nlc3Nfa2V5IjoiZGVtby1hY2Nlc3MiLCJub25jZSI6IjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAw"
    "MDAwMDAwMCJ9.rbOkF1r3O6Wae8kl_AD9z2tT4LKzRET4fYaWS42U498"
)
CLOSED_QUERY = "market=KRW-BTC&states%5B%5D=done&states%5B%5D=cancel"
CLOSED_QUERY_HASH = (
    "0aededd62b76d555bf21f829c2a854408340bd9474ddd390c33308d2a1bf472b"
    "23559ba339fb346e8d7325d19039eadcb41a54ce02ea20bf2fc0161d9d09c77d"
)
TOKEN_WITH_QUERY = (
    "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9."
    "eyJhY2Nlc3Nfa2V5IjoiZGVtby1hY2Nlc3MiLCJub25jZSI6IjAwMDAwMDAwLTAwMDAtNDAwMC04MDAwLTAwMDAw"
    "MDAwMDAwMCIsInF1ZXJ5X2hhc2giOiIwYWVkZWRkNjJiNzZkNTU1YmYyMWY4MjljMmE4NTQ0MDgzNDBiZDk0NzRk"
    "ZGQzOTBjMzMzMDhkMmExYmY0NzJiMjM1NTliYTMzOWZiMzQ2ZThkNzMyNWQxOTAzOWVhZGNiNDFhNTRjZTAyZWEy"
    "MGJmMmZjMDE2MWQ5ZDA5Yzc3ZCIsInF1ZXJ5X2hhc2hfYWxnIjoiU0hBNTEyIn0."
    "RbltpIXzHdNsQSx6Fzd3XTK6UUOm4Whg2_hImGXfcrU"
)

HMAC_SECRET = "demo-hmac-secret"
HMAC_SIG = "e36a0ae74b6a7521a281daab25f7baed985ec3f9803d9dd2b1f64f99f419b926"
"""openssl dgst -sha256 -hmac demo-hmac-secret of ``timestamp=1700000000000&recvWindow=5000``."""

RFC1_SEED = "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60"
RFC1_SIG_EMPTY = (
    "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555"
    "fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"
)
RFC2_SEED = "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb"
RFC2_SIG_72 = (
    "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
    "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"
)
RFC1_SIG_TS = (
    "eILlxhgvRt5udvWNsEy5mCzV7paA7Qxr2V0YiMR4K1AQd9IxdtyJ98DEHBgLDVV0UKAkxYMpExL6Zh5RyBCiBA=="
)
"""openssl pkeyutl -sign -rawin of ``timestamp=1700000000000`` with the RFC 8032 test-1 key."""


def pkcs8_pem(seed_hex: str) -> str:
    """An Ed25519 PKCS#8 PEM built by hand (RFC 8410 DER prefix + the 32-byte seed)."""
    der = bytes.fromhex("302e020100300506032b657004220420" + seed_hex)
    body = base64.b64encode(der).decode()
    return f"-----BEGIN PRIVATE KEY-----\n{body}\n-----END PRIVATE KEY-----\n"


# --------------------------------------------------------------------------- Secret


def test_secret_is_masked_and_revealed_on_demand() -> None:
    s = Secret("hunter2-very-secret")
    assert s.reveal() == "hunter2-very-secret"
    for text in (repr(s), str(s), f"{s}", f"{s!r}", f"{s:>30}", repr([s]), repr({"k": s})):
        assert "hunter2" not in text
    assert Secret(b"abc").reveal() == "abc"
    assert Secret(SecretStr("xyz")).reveal() == "xyz"
    assert Secret(s) == s and Secret("other") != s
    with pytest.raises(TypeError):
        pickle.dumps(s)
    with pytest.raises(AuthError):
        Secret(123)  # type: ignore[arg-type]


# --------------------------------------------------------------------------- Upbit


def test_jwt_fixed_vectors() -> None:
    assert jwt_token("demo-access", "demo-secret", nonce=NONCE) == TOKEN_NO_QUERY
    assert jwt_token("demo-access", "demo-secret", CLOSED_QUERY, NONCE) == TOKEN_WITH_QUERY
    assert query_hash(CLOSED_QUERY) == CLOSED_QUERY_HASH
    assert query_hash("?" + CLOSED_QUERY) == CLOSED_QUERY_HASH


def _check_signature(token: str, secret: bytes, digest: str = "sha256") -> None:
    signing_input, _, sig = token.rpartition(".")
    expected = hmac.new(secret, signing_input.encode(), getattr(hashlib, digest)).digest()
    assert base64.urlsafe_b64encode(expected).rstrip(b"=").decode() == sig


def test_jwt_payload_and_fresh_nonce() -> None:
    t1 = jwt_token("ak", SecretStr("sk-0123456789"))
    t2 = jwt_token("ak", "sk-0123456789")
    header = jwt.get_unverified_header(t1)
    assert header == {"alg": "HS256", "typ": "JWT"}
    p1 = jwt.decode(t1, "sk-0123456789", algorithms=["HS256"])
    p2 = jwt.decode(t2, "sk-0123456789", algorithms=["HS256"])
    assert set(p1) == {"access_key", "nonce"} and p1["access_key"] == "ak"
    assert uuid.UUID(p1["nonce"]).version == 4
    assert p1["nonce"] != p2["nonce"]
    _check_signature(t1, b"sk-0123456789")
    with pytest.raises(jwt.InvalidSignatureError):
        jwt.decode(t1, "wrong", algorithms=["HS256"])


def test_jwt_query_hash_over_decoded_query() -> None:
    params = [("market", "KRW-BTC"), ("states[]", ["wait", "watch"]), ("limit", 100)]
    query = encode_query(params)
    assert query == "market=KRW-BTC&states%5B%5D=wait&states%5B%5D=watch&limit=100"
    token = jwt_token("ak", "sk", query)
    payload = jwt.decode(token, "sk", algorithms=["HS256"])
    decoded = "market=KRW-BTC&states[]=wait&states[]=watch&limit=100"
    assert payload["query_hash"] == hashlib.sha512(decoded.encode()).hexdigest()
    assert payload["query_hash_alg"] == "SHA512"
    # No parameters: no hash claims.
    for q in (None, "", "?"):
        assert set(jwt.decode(jwt_token("ak", "sk", q), "sk", algorithms=["HS256"])) == {
            "access_key",
            "nonce",
        }


def test_jwt_hs512_and_header_helpers() -> None:
    token = jwt_token("ak", "sk", alg="HS512")
    assert jwt.get_unverified_header(token)["alg"] == "HS512"
    _check_signature(token, b"sk", "sha512")
    header = authorization_header("ak", "sk", nonce=NONCE)
    assert set(header) == {"Authorization"}
    assert header["Authorization"].startswith("Bearer ey")
    key = UpbitKey(SecretStr("demo-access"), SecretStr("demo-secret"))
    assert key.token(nonce=NONCE) == TOKEN_NO_QUERY
    assert key.token(CLOSED_QUERY, NONCE) == TOKEN_WITH_QUERY
    assert (
        jwt.decode(
            key.headers()["Authorization"].removeprefix("Bearer "),
            "demo-secret",
            algorithms=["HS256"],
        )["access_key"]
        == "demo-access"
    )
    with pytest.raises(AuthError):
        jwt_token("ak", "sk", alg="RS256")  # type: ignore[arg-type]


def test_upbit_missing_keys() -> None:
    with pytest.raises(AuthError, match="access key is not configured"):
        UpbitKey(None, "sk")
    with pytest.raises(AuthError, match="secret key is empty"):
        UpbitKey("ak", "  ")


# --------------------------------------------------------------------------- Korbit


def test_korbit_hmac_fixed_vector() -> None:
    key = KorbitKey.from_settings("kid", SecretStr(HMAC_SECRET))
    assert key.scheme == "hmac-sha256"
    q = signed_query([], key, 1700000000000, 5000)
    assert q == f"timestamp=1700000000000&recvWindow=5000&signature={HMAC_SIG}"
    assert key.headers() == {"X-KAPI-KEY": "kid"}


def test_korbit_hmac_with_params_independent() -> None:
    key = KorbitKey("kid", hmac_secret="s3cr3t")
    q = signed_query([("symbol", "btc_krw"), ("limit", "10")], key, 1712345678901)
    unsigned, _, sig = q.rpartition("&signature=")
    assert unsigned == "symbol=btc_krw&limit=10&timestamp=1712345678901"
    assert sig == hmac.new(b"s3cr3t", unsigned.encode(), hashlib.sha256).hexdigest()
    assert sig == sig.lower() and len(sig) == 64
    names = [k for k, _ in parse_qsl(q)]
    assert names == ["symbol", "limit", "timestamp", "signature"]


def test_ed25519_rfc8032_vectors() -> None:
    k1 = KorbitKey.from_pem("kid", pkcs8_pem(RFC1_SEED))
    assert k1.scheme == "ed25519"
    assert base64.b64decode(k1.sign(b"")).hex() == RFC1_SIG_EMPTY
    k2 = KorbitKey.from_settings("kid", pkcs8_pem(RFC2_SEED))
    assert base64.b64decode(k2.sign(b"\x72")).hex() == RFC2_SIG_72


def test_ed25519_signed_query_fixed_and_verified() -> None:
    key = KorbitKey.from_settings("kid", SecretStr(pkcs8_pem(RFC1_SEED)))
    q = signed_query([], key, 1700000000000)
    assert q == "timestamp=1700000000000&signature=" + RFC1_SIG_TS.replace("=", "%3D")
    public = load_pem_public_key(key.public_key_pem().encode())  # type: ignore[union-attr]
    assert isinstance(public, Ed25519PublicKey)
    unsigned, _, sig = q.rpartition("&signature=")
    public.verify(base64.b64decode(unquote(sig)), unsigned.encode())


def test_ed25519_signature_is_url_encoded() -> None:
    key = KorbitKey.from_pem("kid", pkcs8_pem(RFC2_SEED))
    public = load_pem_public_key(key.public_key_pem().encode())  # type: ignore[union-attr]
    seen = set()
    for ts in range(1700000000000, 1700000000200):
        q = signed_query([("symbol", "btc_krw")], key, ts, 60000)
        unsigned, _, sig = q.rpartition("&signature=")
        assert unsigned == f"symbol=btc_krw&timestamp={ts}&recvWindow=60000"
        assert not set(sig) & set("+/=")
        raw = unquote(sig)
        seen |= set(raw) & set("+/")
        public.verify(base64.b64decode(raw, validate=True), unsigned.encode())  # type: ignore[union-attr]
    assert seen == {"+", "/"}


def test_korbit_key_from_settings(tmp_path) -> None:
    pem_file = tmp_path / "korbit.pem"
    pem_file.write_text(pkcs8_pem(RFC1_SEED))
    assert KorbitKey.from_settings("kid", private_key_file=pem_file).scheme == "ed25519"
    assert KorbitKey.from_settings("kid", private_key_file=str(pem_file)).scheme == "ed25519"
    assert KorbitKey.from_settings("kid", "plain-secret").scheme == "hmac-sha256"
    with pytest.raises(AuthError, match="either"):
        KorbitKey.from_settings("kid", "s", pem_file)
    with pytest.raises(AuthError, match="not configured"):
        KorbitKey.from_settings("kid")
    with pytest.raises(AuthError, match="API key"):
        KorbitKey.from_settings(None, "s")
    with pytest.raises(AuthError, match="cannot read"):
        KorbitKey.from_settings("kid", private_key_file=tmp_path / "missing.pem")
    with pytest.raises(AuthError):
        KorbitKey("kid")
    with pytest.raises(AuthError):
        KorbitKey("kid", hmac_secret="")


def test_no_secret_in_repr_str_or_errors(tmp_path) -> None:
    pem = pkcs8_pem(RFC1_SEED)
    pem_body = pem.splitlines()[1]
    ec_pem = (
        generate_private_key(SECP256R1())
        .private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        .decode()
    )
    secrets = ["demo-access-KEY", "demo-secret-KEY", "korbit-hmac-KEY", pem_body]
    objects = [
        UpbitKey("demo-access-KEY", "demo-secret-KEY"),
        KorbitKey("korbit-api-KEY", hmac_secret="korbit-hmac-KEY"),
        KorbitKey.from_pem("korbit-api-KEY", pem),
    ]
    texts = [repr(o) for o in objects] + [str(o) for o in objects] + [f"{o}" for o in objects]
    for o in objects:
        with pytest.raises(TypeError) as exc:
            pickle.dumps(o)
        texts.append(str(exc.value))
    bad_inputs = [
        lambda: KorbitKey.from_pem("korbit-api-KEY", pem.replace(pem_body, pem_body[:-8])),
        lambda: KorbitKey.from_pem("korbit-api-KEY", ec_pem),
        lambda: KorbitKey.from_settings("korbit-api-KEY", "-----BEGIN korbit-hmac-KEY"),
        lambda: jwt_token("demo-access-KEY", "demo-secret-KEY", alg="none"),  # type: ignore[arg-type]
    ]
    secrets += [ec_pem.splitlines()[1], "korbit-api-KEY"]
    for bad in bad_inputs:
        with pytest.raises(AuthError) as exc:
            bad()
        assert exc.value.__cause__ is None
        assert exc.value.__suppress_context__ or exc.value.__context__ is None
        texts += [str(exc.value), repr(exc.value)]
    blob = "\n".join(texts)
    for secret in secrets:
        assert secret not in blob
