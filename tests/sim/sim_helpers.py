"""Receive helpers shared by the simulator tests (plain ``websockets`` client)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from websockets.asyncio.client import ClientConnection

from mdtui.sim import Rate

FIXED_MS = 1_750_000_000_000
FAST = Rate(step_seconds=0.02, min_book_interval=0.04)


async def recv(ws: ClientConnection, timeout: float = 2.0) -> str | bytes:
    return await asyncio.wait_for(ws.recv(), timeout)


async def recv_json(ws: ClientConnection, timeout: float = 2.0) -> Any:
    return json.loads(await recv(ws, timeout))


async def silent(ws: ClientConnection, seconds: float) -> bool:
    """True if nothing arrives for ``seconds``."""
    try:
        await asyncio.wait_for(ws.recv(), seconds)
    except TimeoutError:
        return True
    return False
