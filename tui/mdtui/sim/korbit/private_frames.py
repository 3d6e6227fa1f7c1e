"""Korbit private message bodies: websocket ``myOrder``/``myTrade``/``myAsset`` frames and
the private REST rows. Decimals are strings, times ms numbers, ids numbers, currencies
lower case. The websocket and REST rows name some things differently (``fee``/``feeQty``,
``filledAt``/``tradedAt``); ``myAsset`` frames carry no ``symbol``.

See docs/protocols.md, 'Korbit: private websocket' and 'Korbit: private REST'.

Statuses: a resting order with nothing filled is ``unfilled`` on the websocket and ``open``
on REST; then ``partiallyFilled``, ``filled``; a cancel gives ``canceled`` or, after a
partial fill, ``partiallyFilledCanceled``.
"""

from __future__ import annotations

from typing import Any

from mdtui.sim.engine.demo_account import DemoAccount, DemoFill, DemoOrder
from mdtui.sim.engine.ticks import plain
from mdtui.sim.korbit.public_frames import ENCODER

Message = dict[str, Any]
ACCOUNT_SEQ = 1


def status(order: DemoOrder, *, websocket: bool) -> str:
    if order.state == "filled":
        return "filled"
    if order.state == "canceled":
        return "partiallyFilledCanceled" if order.filled else "canceled"
    if order.filled:
        return "partiallyFilled"
    return "unfilled" if websocket else "open"


def order_row(order: DemoOrder, *, websocket: bool) -> Message:
    row: Message = {"orderId": order.number}
    if not websocket:
        row["symbol"] = order.code
    row.update(
        {
            "status": status(order, websocket=websocket),
            "side": order.side,
            "orderType": "limit",
            "timeInForce": "gtc",
            "price": plain(order.price),
            "qty": plain(order.qty),
            "filledQty": plain(order.filled),
            "filledAmt": plain(order.funds),
        }
    )
    if order.filled:
        row["avgPrice"] = plain(order.avg_price)
    row["createdAt"] = order.created_at
    if order.last_fill_at is not None:
        row["lastFilledAt"] = order.last_fill_at
    if order.client_id is not None:
        row["clientOrderId"] = order.client_id
    return row


def trade_row(order: DemoOrder, fill: DemoFill, *, websocket: bool) -> Message:
    if websocket:
        return {
            "tradeId": fill.trade_id,
            "orderId": order.number,
            "side": order.side,
            "price": plain(fill.price),
            "qty": plain(fill.qty),
            "fee": plain(fill.fee),
            "feeCurrency": "krw",
            "filledAt": fill.timestamp,
            "isTaker": not fill.maker,
        }
    return {
        "symbol": order.code,
        "tradeId": fill.trade_id,
        "orderId": order.number,
        "side": order.side,
        "price": plain(fill.price),
        "qty": plain(fill.qty),
        "amt": plain(fill.funds),
        "tradedAt": fill.timestamp,
        "isTaker": not fill.maker,
        "feeCurrency": "krw",
        "feeQty": plain(fill.fee),
    }


def asset_row(account: DemoAccount, currency: str, *, websocket: bool) -> Message:
    holding = account.holding(currency)
    row: Message = {
        "currency": currency.lower(),
        "balance": plain(holding.total),
        "available": plain(holding.available),
        "tradeInUse": plain(holding.locked),
        "withdrawalInUse": "0",
        "avgPrice": plain(holding.avg_price),
    }
    if websocket:
        row["updatedAt"] = holding.updated_at
    return row


# -- websocket frames ----------------------------------------------------------------------


def my_order(order: DemoOrder, now: int) -> bytes:
    return ENCODER.encode(
        {
            "symbol": order.code,
            "timestamp": now,
            "channelType": "myOrder",
            "order": {
                "accountSeq": ACCOUNT_SEQ,
                "orders": [order_row(order, websocket=True)],
            },
        }
    )


def my_trade(order: DemoOrder, fill: DemoFill, now: int) -> bytes:
    return ENCODER.encode(
        {
            "symbol": order.code,
            "timestamp": now,
            "channelType": "myTrade",
            "trade": {
                "accountSeq": ACCOUNT_SEQ,
                "trades": [trade_row(order, fill, websocket=True)],
            },
        }
    )


def my_asset(account: DemoAccount, currencies: tuple[str, ...], now: int) -> bytes:
    return ENCODER.encode(
        {
            "timestamp": now,
            "channelType": "myAsset",
            "asset": {
                "accountSeq": ACCOUNT_SEQ,
                "assets": [asset_row(account, c, websocket=True) for c in currencies],
            },
        }
    )
