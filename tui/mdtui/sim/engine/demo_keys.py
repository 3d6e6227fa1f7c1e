"""Fixed API keys and starting balances of the simulator's demo accounts.

These are **public demo values, not secrets**: they only open the built-in simulator
(``mdtui simulate``, ``mdtui --demo``) and are published here so that any client (mdtui's
``--demo``, ccxt, curl, a test) can sign requests against it. No real exchange knows them.

===========================  ========  ==============================================
Constants                    Venue     What the simulator does with the key
===========================  ========  ==============================================
UPBIT_ACCESS_KEY,            Upbit     demo account; HS256/HS512 JWT; every
UPBIT_SECRET_KEY                       permission
UPBIT_EXPIRED_ACCESS_KEY,    Upbit     401 ``expired_access_key`` (the key's year is
UPBIT_EXPIRED_SECRET_KEY               over)
UPBIT_NO_READ_ACCESS_KEY,    Upbit     may only place orders: 403 ``out_of_scope`` on
UPBIT_NO_READ_SECRET_KEY               accounts, orders and the private websocket
UPBIT_IP_LOCKED_ACCESS_KEY,  Upbit     allowlist is 203.0.113.7 only: 401
UPBIT_IP_LOCKED_SECRET_KEY             ``no_authorization_ip`` from 127.0.0.1
KORBIT_HMAC_API_KEY,         Korbit    demo account; HMAC-SHA256 (lowercase hex)
KORBIT_HMAC_SECRET
KORBIT_ED25519_API_KEY,      Korbit    demo account; Ed25519 (standard base64);
KORBIT_ED25519_PRIVATE_KEY_PEM,        PKCS#8 private key, SPKI public key
KORBIT_ED25519_PUBLIC_KEY_PEM
KORBIT_REVOKED_API_KEY,      Korbit    deleted key: ``KEY_NOT_FOUND``
KORBIT_REVOKED_SECRET
KORBIT_NO_READ_API_KEY,      Korbit    only ``writeOrders``: ``PERMISSION_DENIED``
KORBIT_NO_READ_SECRET                  on reads and the private websocket
KORBIT_IP_LOCKED_API_KEY,    Korbit    allowlist is 203.0.113.7 only:
KORBIT_IP_LOCKED_SECRET                ``IP_NOT_ALLOWED`` from 127.0.0.1
===========================  ========  ==============================================

Both Korbit demo keys (HMAC and Ed25519) open the same Korbit demo account. The
starting balances are ``UPBIT_BALANCES`` and ``KORBIT_BALANCES`` (currency -> amount and
average buy price in KRW; ``UPBIT_GLOBAL_BALANCES`` for an Upbit Global region, in its
fiat); every simulator start begins from them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DEMO_KEYS_NOTE = (
    "The demo accounts' fixed API keys (public demo values) are documented in the module "
    "mdtui.sim.engine.demo_keys (tui/mdtui/sim/engine/demo_keys.py)."
)
"""One line for help texts: where the demo keys are, never the keys themselves."""

# -- Upbit ---------------------------------------------------------------------------------

UPBIT_ACCESS_KEY = "mdtuiDemoUpbitAccessKey00000000000000001"
UPBIT_SECRET_KEY = "mdtuiDemoUpbitSecretKey0001PublicDemoValueForTheBuiltInSimulator"
UPBIT_EXPIRED_ACCESS_KEY = "mdtuiDemoUpbitAccessKey00000000000000002"
UPBIT_EXPIRED_SECRET_KEY = "mdtuiDemoUpbitSecretKey0002PublicDemoValueForTheBuiltInSimulator"
UPBIT_NO_READ_ACCESS_KEY = "mdtuiDemoUpbitAccessKey00000000000000003"
UPBIT_NO_READ_SECRET_KEY = "mdtuiDemoUpbitSecretKey0003PublicDemoValueForTheBuiltInSimulator"
UPBIT_IP_LOCKED_ACCESS_KEY = "mdtuiDemoUpbitAccessKey00000000000000004"
UPBIT_IP_LOCKED_SECRET_KEY = "mdtuiDemoUpbitSecretKey0004PublicDemoValueForTheBuiltInSimulator"

# -- Korbit --------------------------------------------------------------------------------

KORBIT_HMAC_API_KEY = "mdtui-demo-korbit-hmac-0001"
KORBIT_HMAC_SECRET = "mdtui-demo-korbit-hmac-secret-0001-public-demo-value"
KORBIT_ED25519_API_KEY = "mdtui-demo-korbit-ed25519-0001"
KORBIT_ED25519_PRIVATE_KEY_PEM = """\
-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIDxDAyvCmYJeXMuY3+DGcAqhpsp6lRQuo9EBRizS5kri
-----END PRIVATE KEY-----
"""
KORBIT_ED25519_PUBLIC_KEY_PEM = """\
-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAgOP9rcQpAND5Nepv796N7zKVj80JsRETkRMvJAsjTHs=
-----END PUBLIC KEY-----
"""
KORBIT_REVOKED_API_KEY = "mdtui-demo-korbit-hmac-0002"
KORBIT_REVOKED_SECRET = "mdtui-demo-korbit-hmac-secret-0002-public-demo-value"
KORBIT_NO_READ_API_KEY = "mdtui-demo-korbit-hmac-0003"
KORBIT_NO_READ_SECRET = "mdtui-demo-korbit-hmac-secret-0003-public-demo-value"
KORBIT_IP_LOCKED_API_KEY = "mdtui-demo-korbit-hmac-0004"
KORBIT_IP_LOCKED_SECRET = "mdtui-demo-korbit-hmac-secret-0004-public-demo-value"

# -- starting balances (currency -> (amount, average buy price in KRW)) --------------------

UPBIT_BALANCES: dict[str, tuple[str, str]] = {
    "KRW": ("100000000", "0"),
    "BTC": ("0.5", "140000000"),
    "ETH": ("5", "5000000"),
    "XRP": ("20000", "3000"),
    "SOL": ("50", "230000"),
    "USDT": ("5000", "1385"),
}
UPBIT_GLOBAL_BALANCES: dict[str, dict[str, tuple[str, str]]] = {
    "sg": {
        "SGD": ("100000", "0"),
        "BTC": ("0.5", "130000"),
        "ETH": ("5", "4700"),
        "XRP": ("20000", "2.8"),
        "SOL": ("50", "215"),
        "USDT": ("5000", "1.29"),
    },
    "id": {
        "IDR": ("1500000000", "0"),
        "BTC": ("0.5", "1650000000"),
        "ETH": ("5", "59000000"),
        "XRP": ("20000", "35000"),
        "SOL": ("50", "2700000"),
        "USDT": ("5000", "16000"),
    },
    "th": {
        "THB": ("3000000", "0"),
        "BTC": ("0.5", "3400000"),
        "ETH": ("5", "122000"),
        "XRP": ("20000", "72"),
        "SOL": ("50", "5600"),
        "USDT": ("5000", "33"),
    },
}
"""The Upbit demo account's start in each Global region (average prices in its fiat)."""
KORBIT_BALANCES: dict[str, tuple[str, str]] = {
    "KRW": ("50000000", "0"),
    "BTC": ("0.3", "141000000"),
    "ETH": ("4", "5050000"),
    "XRP": ("15000", "3010"),
    "SOL": ("30", "235000"),
}

# -- what each key may do --------------------------------------------------------------------

UPBIT_PERMISSIONS = frozenset({"view_accounts", "view_orders", "make_orders", "withdraw"})
"""Upbit's 자산조회 (View Account), 주문조회 (View Orders), 주문하기, 출금하기."""
KORBIT_PERMISSIONS = frozenset({"readBalances", "readOrders", "writeOrders"})
BLOCKED_IP_ONLY = ("203.0.113.7",)
"""The IP-locked keys' allowlist: a documentation address, never 127.0.0.1."""

KeyStatus = Literal["active", "expired", "revoked"]


@dataclass(frozen=True, slots=True)
class DemoKey:
    """One key the simulator knows: which account it opens and what it may do."""

    venue: Literal["upbit", "korbit"]
    key: str
    """Upbit access key, or Korbit ``X-KAPI-KEY``."""
    secret: str = ""
    """HMAC secret (Upbit, Korbit HMAC); empty for Ed25519."""
    public_key_pem: str = ""
    """SPKI PEM of a Korbit Ed25519 key."""
    permissions: frozenset[str] = field(default_factory=frozenset)
    allowed_ips: tuple[str, ...] = ()
    """Empty: any address."""
    status: KeyStatus = "active"
    label: str = ""

    @property
    def kind(self) -> Literal["hmac-sha256", "ed25519"]:
        return "ed25519" if self.public_key_pem else "hmac-sha256"


DEMO_KEYS: tuple[DemoKey, ...] = (
    DemoKey("upbit", UPBIT_ACCESS_KEY, UPBIT_SECRET_KEY, permissions=UPBIT_PERMISSIONS,
            label="demo"),
    DemoKey("upbit", UPBIT_EXPIRED_ACCESS_KEY, UPBIT_EXPIRED_SECRET_KEY,
            permissions=UPBIT_PERMISSIONS, status="expired", label="expired"),
    DemoKey("upbit", UPBIT_NO_READ_ACCESS_KEY, UPBIT_NO_READ_SECRET_KEY,
            permissions=frozenset({"make_orders"}), label="no read permission"),
    DemoKey("upbit", UPBIT_IP_LOCKED_ACCESS_KEY, UPBIT_IP_LOCKED_SECRET_KEY,
            permissions=UPBIT_PERMISSIONS, allowed_ips=BLOCKED_IP_ONLY, label="ip locked"),
    DemoKey("korbit", KORBIT_HMAC_API_KEY, KORBIT_HMAC_SECRET, permissions=KORBIT_PERMISSIONS,
            label="demo hmac"),
    DemoKey("korbit", KORBIT_ED25519_API_KEY, public_key_pem=KORBIT_ED25519_PUBLIC_KEY_PEM,
            permissions=KORBIT_PERMISSIONS, label="demo ed25519"),
    DemoKey("korbit", KORBIT_REVOKED_API_KEY, KORBIT_REVOKED_SECRET,
            permissions=KORBIT_PERMISSIONS, status="revoked", label="revoked"),
    DemoKey("korbit", KORBIT_NO_READ_API_KEY, KORBIT_NO_READ_SECRET,
            permissions=frozenset({"writeOrders"}), label="no read permission"),
    DemoKey("korbit", KORBIT_IP_LOCKED_API_KEY, KORBIT_IP_LOCKED_SECRET,
            permissions=KORBIT_PERMISSIONS, allowed_ips=BLOCKED_IP_ONLY, label="ip locked"),
)  # fmt: skip


def keys_of(venue: str) -> dict[str, DemoKey]:
    """The demo keys of ``venue`` by key id."""
    return {k.key: k for k in DEMO_KEYS if k.venue == venue}
