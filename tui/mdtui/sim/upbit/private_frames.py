"""Upbit private message bodies: websocket ``myOrder``/``myAsset`` (numbers as JSON numbers)
and the exchange REST rows (decimals as strings).

See docs/protocols.md, 'Upbit: private websocket' and 'Upbit: exchange REST (private)'.

``myOrder`` field meanings follow Upbit's field list and ccxt's reading of it: with ``state:
"trade"``, ``price``/``volume`` are the fill's price and volume and ``trade_uuid``,
``trade_fee``, ``is_maker``, ``trade_timestamp`` describe the fill; in every other state
they are the order's price and volume and the fill fields are null.
"""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta, timezone
from decimal import Decimal
from typing import Any

from mdtui.sim.engine.demo_account import ZERO, DemoAccount, DemoFill, DemoOrder, Holding
from mdtui.sim.engine.ticks import plain

Message = dict[str, Any]
KST = timezone(timedelta(hours=9))

MY_ORDER_KEYS = {
    "type": "ty", "code": "cd", "uuid": "uid", "ask_bid": "ab", "order_type": "ot",
    "state": "s", "trade_uuid": "tuid", "price": "p", "avg_price": "ap", "volume": "v",
    "remaining_volume": "rv", "executed_volume": "ev", "trades_count": "tc",
    "reserved_fee": "rsf", "remaining_fee": "rmf", "paid_fee": "pf", "locked": "l",
    "executed_funds": "ef", "time_in_force": "tif", "trade_fee": "tf", "is_maker": "im",
    "identifier": "id", "smp_type": "smpt", "prevented_volume": "pv",
    "prevented_locked": "pl", "trade_timestamp": "ttms", "order_timestamp": "otms",
    "timestamp": "tms", "stream_type": "st",
}  # fmt: skip
MY_ASSET_KEYS = {
    "type": "ty", "asset_uuid": "astuid", "assets": "ast", "asset_timestamp": "asttms",
    "timestamp": "tms", "stream_type": "st",
}  # fmt: skip
ASSET_ROW_KEYS = {"currency": "cu", "balance": "b", "locked": "l"}


def num(value: Decimal) -> Decimal:
    """``value`` in plain notation (no exponent, no trailing zeros) for a JSON number."""
    return Decimal(plain(value))


def _remaining_fee(order: DemoOrder) -> Decimal:
    return max(order.reserved_fee - order.paid_fee, ZERO) if order.is_open else ZERO


def kst(ms: int, timespec: str = "seconds") -> str:
    """Upbit's ``created_at``: ISO-8601 in Korea time with its offset."""
    return datetime.fromtimestamp(ms / 1000, KST).isoformat(timespec=timespec)


def _state(order: DemoOrder) -> str:
    return {"open": "wait", "filled": "done", "canceled": "cancel"}[order.state]


# -- websocket -------------------------------------------------------------------------------


def my_order(order: DemoOrder, state: str, fill: DemoFill | None, now: int) -> Message:
    """One ``myOrder`` message (DEFAULT keys, REALTIME)."""
    trade = fill is not None and state == "trade"
    return {
        "type": "myOrder",
        "code": order.code,
        "uuid": order.id,
        "ask_bid": "BID" if order.is_bid else "ASK",
        "order_type": "limit",
        "state": state,
        "trade_uuid": fill.id if trade and fill else None,
        "price": num(fill.price if trade and fill else order.price),
        "avg_price": num(order.avg_price),
        "volume": num(fill.qty if trade and fill else order.qty),
        "remaining_volume": num(order.remaining),
        "executed_volume": num(order.filled),
        "trades_count": len(order.fills),
        "reserved_fee": num(order.reserved_fee),
        "remaining_fee": num(_remaining_fee(order)),
        "paid_fee": num(order.paid_fee),
        "locked": num(order.locked),
        "executed_funds": num(order.funds),
        "time_in_force": None,
        "trade_fee": num(fill.fee) if trade and fill else None,
        "is_maker": fill.maker if trade and fill else None,
        "identifier": order.client_id,
        "smp_type": None,
        "prevented_volume": 0,
        "prevented_locked": 0,
        "trade_timestamp": fill.timestamp if trade and fill else None,
        "order_timestamp": order.created_at,
        "timestamp": now,
        "stream_type": "REALTIME",
    }


def my_asset(account: DemoAccount, currencies: tuple[str, ...], asset_uuid: uuid.UUID, now: int,
             asset_time: int) -> Message:  # fmt: skip
    """One ``myAsset`` message listing the ``currencies`` that changed."""
    rows = []
    for currency in currencies:
        holding = account.holding(currency)
        rows.append(
            {
                "currency": currency,
                "balance": num(holding.available),
                "locked": num(holding.locked),
            }
        )
    return {
        "type": "myAsset",
        "asset_uuid": str(asset_uuid),
        "assets": rows,
        "asset_timestamp": asset_time,
        "timestamp": now,
        "stream_type": "REALTIME",
    }


def simple(message: Message) -> Message:
    """The SIMPLE-format spelling of a ``myOrder`` or ``myAsset`` message."""
    if message["type"] == "myOrder":
        return {MY_ORDER_KEYS[k]: v for k, v in message.items()}
    out = {MY_ASSET_KEYS[k]: v for k, v in message.items()}
    out["ast"] = [{ASSET_ROW_KEYS[k]: v for k, v in row.items()} for row in out["ast"]]
    return out


# -- REST ----------------------------------------------------------------------------------


def account_row(currency: str, holding: Holding, unit: str = "KRW") -> Message:
    """One ``/v1/accounts`` row; ``unit`` is the currency of its average buy price (the
    account's home currency)."""
    return {
        "currency": currency,
        "balance": plain(holding.available),
        "locked": plain(holding.locked),
        "avg_buy_price": plain(holding.avg_price),
        "avg_buy_price_modified": False,
        "unit_currency": unit,
    }


def order_row(order: DemoOrder, *, with_trades: bool = False) -> Message:
    """Upbit's REST order object; ``trades`` only for ``GET /v1/order``."""
    row: Message = {
        "uuid": order.id,
        "side": "bid" if order.is_bid else "ask",
        "ord_type": "limit",
        "price": plain(order.price),
        "state": _state(order),
        "market": order.code,
        "created_at": kst(order.created_at),
        "volume": plain(order.qty),
        "remaining_volume": plain(order.remaining),
        "reserved_fee": plain(order.reserved_fee),
        "remaining_fee": plain(_remaining_fee(order)),
        "paid_fee": plain(order.paid_fee),
        "locked": plain(order.locked),
        "executed_volume": plain(order.filled),
        "executed_funds": plain(order.funds),
        "prevented_volume": "0",
        "prevented_locked": "0",
        "trades_count": len(order.fills),
    }
    if order.client_id is not None:
        row["identifier"] = order.client_id
    if with_trades:
        row["trades"] = [
            {
                "market": order.code,
                "uuid": fill.id,
                "price": plain(fill.price),
                "volume": plain(fill.qty),
                "funds": plain(fill.funds),
                # the taker moved the price towards the order: sellers hit bids
                "trend": "down" if order.is_bid else "up",
                "created_at": kst(fill.timestamp, "microseconds"),
                "side": "bid" if order.is_bid else "ask",
            }
            for fill in order.fills
        ]
    return row
