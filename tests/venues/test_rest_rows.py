"""A seed bends, it does not break: one malformed REST row is skipped and described, the
other rows still parse (issue: one bad row failed the whole seed, the same way on every
retry, so the private feed never went live)."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from mdtui.venues import korbit_private, upbit_private
from mdtui.venues.private_common import BadBody
from tests.support.events import T0

UPBIT_ORDER = {
    "uuid": "u1",
    "side": "bid",
    "ord_type": "limit",
    "price": "100",
    "state": "wait",
    "market": "KRW-XRP",
    "created_at": "2026-12-01T09:00:00+09:00",
    "volume": "5",
    "remaining_volume": "5",
    "executed_volume": "0",
    "trades_count": 0,
}
KORBIT_ORDER = {
    "orderId": 7,
    "symbol": "xrp_krw",
    "orderType": "limit",
    "side": "buy",
    "price": "100",
    "qty": "5",
    "filledQty": "0",
    "createdAt": 1_764_547_200_000,
    "status": "open",
}


def upbit_rows(*bad: dict) -> bytes:
    return json.dumps([UPBIT_ORDER, *bad, {**UPBIT_ORDER, "uuid": "u2"}]).encode()


def korbit_rows(*bad: dict) -> bytes:
    rows = [KORBIT_ORDER, *bad, {**KORBIT_ORDER, "orderId": 8}]
    return json.dumps({"success": True, "data": rows}).encode()


BAD_ROWS = [
    {"uuid": "x", "side": "bid"},  # fields missing
    {**UPBIT_ORDER, "uuid": "x", "price": "NaN"},  # not a finite number
    {**UPBIT_ORDER, "uuid": "x", "executed_volume": [1]},  # wrong type
]


@pytest.mark.parametrize("bad", BAD_ROWS)
def test_upbit_bad_order_row_is_skipped_and_described(bad) -> None:
    with pytest.raises(BadBody):
        upbit_private.parse_order_rows(upbit_rows(bad))
    skipped: list[str] = []
    orders = upbit_private.parse_order_rows(upbit_rows(bad), skipped=skipped)
    assert [o.order_id for o in orders] == ["u1", "u2"]
    assert len(skipped) == 1 and "Upbit order" in skipped[0]


@pytest.mark.parametrize("bad", [{"orderId": 9}, {**KORBIT_ORDER, "orderId": 9, "qty": "Infinity"}])
def test_korbit_bad_order_row_is_skipped_and_described(bad) -> None:
    with pytest.raises(BadBody):
        korbit_private.parse_order_rows(korbit_rows(bad))
    skipped: list[str] = []
    orders = korbit_private.parse_order_rows(korbit_rows(bad), skipped=skipped)
    assert [o.order_id for o in orders] == ["7", "8"]
    assert len(skipped) == 1 and "Korbit order" in skipped[0]


def test_bad_balance_rows_are_skipped() -> None:
    upbit = json.dumps(
        [
            {"currency": "KRW", "balance": "10", "locked": "0"},
            {"currency": "BTC", "balance": "oops"},
        ]
    )
    skipped: list[str] = []
    balances = upbit_private.parse_accounts(upbit, skipped=skipped)
    assert [(b.currency, b.total) for b in balances.rows] == [("KRW", Decimal(10))]
    assert len(skipped) == 1
    korbit = json.dumps(
        {
            "success": True,
            "data": [
                {"currency": "krw", "balance": "5", "available": "5"},
                {"currency": "btc"},
            ],
        }
    )
    skipped = []
    balances = korbit_private.parse_balance(korbit, skipped=skipped)
    assert [b.currency for b in balances.rows] == ["KRW"] and len(skipped) == 1


def test_korbit_bad_trade_row_is_skipped() -> None:
    row = {"tradeId": 1, "orderId": 7, "side": "buy", "price": "100", "qty": "1", "tradedAt": T0}
    body = json.dumps({"success": True, "data": [row, {**row, "tradeId": 2, "price": None}]})
    skipped: list[str] = []
    fills = korbit_private.parse_my_trades(body, symbol="xrp_krw", skipped=skipped)
    assert [f.trade_id for f in fills] == ["1"] and len(skipped) == 1
