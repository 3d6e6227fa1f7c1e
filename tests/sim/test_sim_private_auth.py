"""Private authentication: Upbit JWTs and Korbit signed queries, on websockets and REST."""

from __future__ import annotations

import json
import uuid
import warnings
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import InvalidStatus

from mdtui.sim import Simulator, demo_keys
from mdtui.sim.upbit.private_socket import UpbitPrivatePolicy
from tests.support.sim_client import (
    FIXED_MS,
    bearer,
    kapi,
    korbit_json,
    korbit_query,
    tamper,
    upbit_frame,
    upbit_jwt,
)

K = demo_keys


async def refused(url: str, headers: dict[str, str]) -> tuple[int, Any]:
    """Status and JSON body of a refused websocket upgrade."""
    with pytest.raises(InvalidStatus) as caught:
        async with connect(url, additional_headers=headers):
            pass
    response = caught.value.response
    return response.status_code, json.loads(response.body)


async def get(sim: Simulator, path: str, headers: dict[str, str] | None = None) -> httpx.Response:
    async with httpx.AsyncClient(base_url=sim.http_url, verify=False) as client:
        return await client.get(path, headers=headers)


# -- Upbit websocket ---------------------------------------------------------------------------


@pytest.mark.parametrize("alg", ["HS256", "HS512"])
async def test_upbit_valid_jwt_opens_the_private_socket(private: Simulator, alg: str) -> None:
    async with connect(
        private.upbit_private_ws_url, additional_headers=bearer(upbit_jwt(alg=alg))
    ) as ws:
        await ws.send("PING")
        assert await upbit_frame(ws) == {"status": "UP"}
        await ws.send('[{"ticket":"t"},{"type":"myAsset"},{"method":"LIST_SUBSCRIPTIONS"}]')
        listed = await upbit_frame(ws)
        assert listed["method"] == "LIST_SUBSCRIPTIONS" and listed["result"] == []


@pytest.mark.parametrize(
    ("headers", "status", "name"),
    [
        ({}, 401, "no_authorization_token"),
        (bearer(tamper(upbit_jwt())), 401, "jwt_verification"),
        (bearer(upbit_jwt(secret="x" * 64)), 401, "jwt_verification"),
        (bearer(upbit_jwt(access_key="unknown-key")), 401, "invalid_access_key"),
        (
            bearer(upbit_jwt(K.UPBIT_EXPIRED_ACCESS_KEY, K.UPBIT_EXPIRED_SECRET_KEY)),
            401,
            "expired_access_key",
        ),
        (
            bearer(upbit_jwt(K.UPBIT_NO_READ_ACCESS_KEY, K.UPBIT_NO_READ_SECRET_KEY)),
            403,
            "out_of_scope",
        ),
        (
            bearer(upbit_jwt(K.UPBIT_IP_LOCKED_ACCESS_KEY, K.UPBIT_IP_LOCKED_SECRET_KEY)),
            401,
            "no_authorization_ip",
        ),
        ({"Authorization": "Bearer not.a.jwt"}, 401, "jwt_verification"),
    ],
    ids=["missing", "tampered", "wrong-secret", "unknown", "expired", "no-read", "ip", "junk"],
)
async def test_upbit_bad_jwt_is_refused_at_the_handshake(
    private: Simulator, headers: dict[str, str], status: int, name: str
) -> None:
    code, body = await refused(private.upbit_private_ws_url, headers)
    assert code == status and body["error"]["name"] == name and body["error"]["message"]


async def test_upbit_none_alg_and_hs384_are_refused(private: Simulator) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        token = upbit_jwt(alg="HS384")
    code, body = await refused(private.upbit_private_ws_url, bearer(token))
    assert (code, body["error"]["name"]) == (401, "jwt_verification")


async def test_upbit_reused_nonce_is_accepted_on_websockets(private: Simulator) -> None:
    token = bearer(upbit_jwt(nonce="same-nonce"))
    for _ in range(2):  # ccxt reconnects with its cached token
        async with connect(private.upbit_private_ws_url, additional_headers=token) as ws:
            await ws.send("PING")
            assert await upbit_frame(ws) == {"status": "UP"}


async def test_upbit_accept_then_invalid_auth_policy() -> None:
    policy = UpbitPrivatePolicy(reject_at_handshake=False)
    async with Simulator(seed=1, realtime=False, trader=None, upbit_policy=policy) as sim:
        headers = bearer(upbit_jwt(secret="y" * 64))
        async with connect(sim.upbit_private_ws_url, additional_headers=headers) as ws:
            await ws.send('[{"ticket":"t"},{"type":"myOrder"}]')
            assert (await upbit_frame(ws))["error"]["name"] == "INVALID_AUTH"


# -- Upbit REST --------------------------------------------------------------------------------


async def test_upbit_rest_checks_the_query_hash(private: Simulator) -> None:
    query = "market=KRW-BTC&states%5B%5D=wait&order_by=asc"
    path = f"/v1/orders/open?{query}"
    ok = await get(private, path, bearer(upbit_jwt(query=query)))
    assert ok.status_code == 200 and ok.json() == []
    assert "group=default" in ok.headers["remaining-req"]
    wrong = await get(private, path, bearer(upbit_jwt(query="market=KRW-ETH")))
    assert (wrong.status_code, wrong.json()["error"]["name"]) == (401, "invalid_query_payload")
    missing = await get(private, path, bearer(upbit_jwt()))
    assert missing.json()["error"]["name"] == "invalid_query_payload"
    accounts = await get(private, "/v1/accounts", bearer(upbit_jwt()))
    assert accounts.status_code == 200
    assert {row["currency"] for row in accounts.json()} >= {"KRW", "BTC"}


async def test_upbit_rest_rejections(private: Simulator) -> None:
    token = upbit_jwt(nonce=str(uuid.uuid4()))
    assert (await get(private, "/v1/accounts", bearer(token))).status_code == 200
    reused = await get(private, "/v1/accounts", bearer(token))
    assert (reused.status_code, reused.json()["error"]["name"]) == (401, "nonce_used")
    cases = [
        ({}, 401, "no_authorization_token"),
        (bearer(upbit_jwt(K.UPBIT_NO_READ_ACCESS_KEY, K.UPBIT_NO_READ_SECRET_KEY)), 403,
         "out_of_scope"),
        (bearer(upbit_jwt(K.UPBIT_IP_LOCKED_ACCESS_KEY, K.UPBIT_IP_LOCKED_SECRET_KEY)), 401,
         "no_authorization_ip"),
        (bearer(upbit_jwt(K.UPBIT_EXPIRED_ACCESS_KEY, K.UPBIT_EXPIRED_SECRET_KEY)), 401,
         "expired_access_key"),
        (bearer(upbit_jwt(secret="z" * 64)), 401, "jwt_verification"),
    ]  # fmt: skip
    for headers, status, name in cases:
        response = await get(private, "/v1/accounts", headers)
        assert (response.status_code, response.json()["error"]["name"]) == (status, name)


# -- Korbit ------------------------------------------------------------------------------------


async def test_korbit_hmac_and_ed25519_are_accepted(private: Simulator) -> None:
    for api_key, signing in (
        (K.KORBIT_HMAC_API_KEY, {"secret": K.KORBIT_HMAC_SECRET}),
        (K.KORBIT_ED25519_API_KEY, {"pem": K.KORBIT_ED25519_PRIVATE_KEY_PEM}),
    ):
        query = korbit_query([("timestamp", FIXED_MS)], **signing)  # type: ignore[arg-type]
        async with connect(
            f"{private.korbit_private_ws_url}?{query}", additional_headers=kapi(api_key)
        ) as ws:
            await ws.send('[{"method":"subscribe","type":"myAsset","requestId":7}]')
            assert await korbit_json(ws) == {"status": "success", "requestId": 7}
        rest = korbit_query([("timestamp", FIXED_MS), ("recvWindow", 6000)], **signing)  # type: ignore[arg-type]
        info = (await get(private, f"/v2/currentKeyInfo?{rest}", kapi(api_key))).json()
        assert info["success"] is True and info["data"]["apiKey"] == api_key
        assert info["data"]["type"] == ("ed25519" if "pem" in signing else "hmac-sha256")


def _signed(ts: int, **extra: Any) -> str:
    return korbit_query([("timestamp", ts), *extra.items()])


def _flip(query: str) -> str:
    """``query`` with the signature's last hex digit changed."""
    return query[:-1] + ("a" if query[-1] != "a" else "b")


@pytest.mark.parametrize(
    ("query", "api_key", "status", "code"),
    [
        (_flip(_signed(FIXED_MS)), K.KORBIT_HMAC_API_KEY, 401, "INVALID_SIGNATURE"),
        (
            korbit_query([("timestamp", FIXED_MS)], secret="wrong-secret"),
            K.KORBIT_HMAC_API_KEY,
            401,
            "INVALID_SIGNATURE",
        ),
        (
            korbit_query([("timestamp", FIXED_MS)], secret=K.KORBIT_HMAC_SECRET),
            K.KORBIT_ED25519_API_KEY,
            401,
            "INVALID_SIGNATURE",
        ),
        (_signed(FIXED_MS - 5001), K.KORBIT_HMAC_API_KEY, 401, "EXCEED_TIME_WINDOW"),
        (_signed(FIXED_MS + 1000), K.KORBIT_HMAC_API_KEY, 401, "EXCEED_TIME_WINDOW"),
        (
            _signed(FIXED_MS - 8000, recvWindow=7000),
            K.KORBIT_HMAC_API_KEY,
            401,
            "EXCEED_TIME_WINDOW",
        ),
        ("recvWindow=5000", K.KORBIT_HMAC_API_KEY, 400, "NO_TIMESTAMP"),
        (_signed(FIXED_MS), "no-such-key", 401, "KEY_NOT_FOUND"),
        (
            korbit_query([("timestamp", FIXED_MS)], secret=K.KORBIT_REVOKED_SECRET),
            K.KORBIT_REVOKED_API_KEY,
            401,
            "KEY_NOT_FOUND",
        ),
        (
            korbit_query([("timestamp", FIXED_MS)], secret=K.KORBIT_NO_READ_SECRET),
            K.KORBIT_NO_READ_API_KEY,
            403,
            "PERMISSION_DENIED",
        ),
        (
            korbit_query([("timestamp", FIXED_MS)], secret=K.KORBIT_IP_LOCKED_SECRET),
            K.KORBIT_IP_LOCKED_API_KEY,
            403,
            "IP_NOT_ALLOWED",
        ),
    ],
    ids=[
        "bad-sig",
        "wrong-secret",
        "hmac-for-ed25519",
        "old",
        "future",
        "old-in-window",
        "no-ts",
        "unknown",
        "revoked",
        "no-read",
        "ip",
    ],
)
async def test_korbit_bad_upgrade_is_refused(
    private: Simulator, query: str, api_key: str, status: int, code: str
) -> None:
    got, body = await refused(f"{private.korbit_private_ws_url}?{query}", kapi(api_key))
    assert got == status
    assert body == {"success": False, "error": {"code": status, "message": code}}


async def test_korbit_window_edges_and_signature_position(private: Simulator) -> None:
    for query in (_signed(FIXED_MS - 5000), _signed(FIXED_MS + 999),
                  _signed(FIXED_MS - 59_000, recvWindow=60000)):  # fmt: skip
        async with connect(f"{private.korbit_private_ws_url}?{query}", additional_headers=kapi()):
            pass
    signed = _signed(FIXED_MS)
    moved = signed.replace("timestamp", "recvWindow=5000&timestamp", 1)
    _, body = await refused(f"{private.korbit_private_ws_url}?{moved}", kapi())
    assert body["error"]["message"] == "INVALID_SIGNATURE"
    last = f"{signed}&recvWindow=5000"  # signature not last
    _, body = await refused(f"{private.korbit_private_ws_url}?{last}", kapi())
    assert body["error"]["message"] == "INVALID_SIGNATURE"


async def test_korbit_clock_skew_and_time_endpoint(private: Simulator) -> None:
    private.set_clock_skew(30_000)
    code, body = await refused(f"{private.korbit_private_ws_url}?{_signed(FIXED_MS)}", kapi())
    assert (code, body["error"]["message"]) == (401, "EXCEED_TIME_WINDOW")
    server = (await get(private, "/v2/time")).json()["data"]["time"]
    assert server == FIXED_MS + 30_000
    async with connect(
        f"{private.korbit_private_ws_url}?{_signed(server)}", additional_headers=kapi()
    ):
        pass
    rest = await get(private, f"/v2/balance?{_signed(FIXED_MS)}", kapi())
    assert rest.status_code == 400 and rest.json()["error"]["message"] == "EXCEED_TIME_WINDOW"


async def test_korbit_rest_errors(private: Simulator) -> None:
    unsigned = await get(private, "/v2/balance")
    assert unsigned.status_code == 400
    assert unsigned.json() == {"success": False, "error": {"code": 400, "message": "NO_TIMESTAMP"}}
    unknown = await get(private, f"/v2/balance?{_signed(FIXED_MS)}", kapi("nope"))
    assert unknown.status_code == 404 and unknown.json()["error"]["message"] == "KEY_NOT_FOUND"
    no_read = korbit_query([("timestamp", FIXED_MS)], secret=K.KORBIT_NO_READ_SECRET)
    orders = korbit_query(
        [("symbol", "btc_krw"), ("timestamp", FIXED_MS)], secret=K.KORBIT_NO_READ_SECRET
    )
    denied = await get(private, f"/v2/openOrders?{orders}", kapi(K.KORBIT_NO_READ_API_KEY))
    assert denied.status_code == 403 and denied.json()["error"]["message"] == "PERMISSION_DENIED"
    info = await get(private, f"/v2/currentKeyInfo?{no_read}", kapi(K.KORBIT_NO_READ_API_KEY))
    assert info.json()["data"]["permissions"] == ["writeOrders"]
    bad = await get(private, f"/v2/balance?{_flip(_signed(FIXED_MS))}", kapi())
    assert bad.status_code == 401 and bad.json()["error"]["message"] == "INVALID_SIGNATURE"
    no_symbol = await get(private, f"/v2/openOrders?{_signed(FIXED_MS)}", kapi())
    assert no_symbol.json()["error"]["message"] == "BAD_REQUEST"


def test_demo_keys_note_names_the_module_not_the_keys() -> None:
    from mdtui.sim.server import main

    assert "mdtui.sim.engine.demo_keys" in K.DEMO_KEYS_NOTE
    assert "mdtui.sim.engine.demo_keys" in (main.__doc__ or "")
    secrets = [K.UPBIT_SECRET_KEY, K.KORBIT_HMAC_SECRET, K.KORBIT_ED25519_PRIVATE_KEY_PEM]
    assert not any(s in K.DEMO_KEYS_NOTE or s in (main.__doc__ or "") for s in secrets)
