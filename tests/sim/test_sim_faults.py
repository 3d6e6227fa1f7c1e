"""Fault switches, introspection, ccxt as a third-party Upbit client, and ``main``."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
import time

import ccxt.pro
import httpx
import pytest
from websockets.asyncio.client import connect
from websockets.exceptions import ConnectionClosed

from mdtui.sim import Simulator
from tests.support.sim_client import recv, recv_json, silent
from tests.support.waiting import wait_until

UPBIT_TICKER = '[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]'
KORBIT_BOOK = '[{"method":"subscribe","type":"orderbook","symbols":["btc_krw"]}]'


async def test_drop_connections_closes_clients(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as up, connect(sim.korbit_ws_url) as kb:
        await up.send(UPBIT_TICKER)
        await kb.send(KORBIT_BOOK)
        await recv(up)
        await recv(kb)
        assert await sim.drop_connections("upbit") == 1
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await recv(up)
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 1012
        assert (await recv_json(kb))["symbol"] == "btc_krw"  # the other venue is untouched
        assert await sim.drop_connections() == 1
        with pytest.raises(ConnectionClosed):
            while True:
                await recv(kb)
    assert sim.stats("upbit").connections_accepted == 1
    assert sim.stats("korbit").connections_accepted == 1


async def test_abrupt_drop(sim: Simulator) -> None:
    async with connect(sim.korbit_ws_url) as ws:
        await ws.send(KORBIT_BOOK)
        await recv(ws)
        await sim.drop_connections("korbit", abrupt=True)
        with pytest.raises(ConnectionClosed) as closed:
            while True:
                await recv(ws)
        assert closed.value.rcvd is None  # no close frame: the TCP connection was cut


async def test_send_raw_malformed_frames(frozen: Simulator) -> None:
    async with connect(frozen.upbit_ws_url) as up, connect(frozen.korbit_ws_url) as kb:
        await wait_until(
            lambda: frozen.open_connections("upbit") == frozen.open_connections("korbit") == 1,
            5.0,
            "both sockets registered",
        )
        assert await frozen.send_raw("upbit", '{"type":"ticker",') == 1
        assert await frozen.send_raw("korbit", b"\x00not json") == 1
        assert await recv(up) == b'{"type":"ticker",'
        assert await recv(kb) == "\x00not json"


async def test_stall_stops_data_then_resumes(sim: Simulator) -> None:
    async with connect(sim.upbit_ws_url) as ws:
        await ws.send(UPBIT_TICKER)
        await recv(ws)
        sim.stall(0.8)
        while not await silent(ws, 0.1):  # frames queued before the stall drain
            pass
        assert await silent(ws, 0.2)
        assert json.loads(await recv(ws, 2.0))["stream_type"] == "REALTIME"


async def _frames_in(ws: object, seconds: float) -> int:
    count = 0
    deadline = time.monotonic() + seconds
    while (left := deadline - time.monotonic()) > 0:
        try:
            await asyncio.wait_for(ws.recv(), left)  # type: ignore[attr-defined]
        except TimeoutError:
            break
        count += 1
    return count


async def test_flood_raises_the_rate() -> None:
    async with Simulator(seed=3) as sim, connect(sim.korbit_ws_url) as ws:
        await ws.send(KORBIT_BOOK)
        await recv(ws)
        normal = await _frames_in(ws, 0.6)
        sim.flood(8)
        flooded = await _frames_in(ws, 0.6)
        sim.flood(1)
        assert flooded > 2 * normal > 0


async def test_requests_are_recorded_per_connection(sim: Simulator) -> None:
    async with connect(sim.korbit_ws_url) as ws:
        await ws.send(KORBIT_BOOK)
        await ws.send("garbage")
        await recv(ws)
    stats = sim.stats("korbit")
    assert [r.message for r in stats.requests] == [KORBIT_BOOK, "garbage"]
    assert stats.payloads()[0][0]["symbols"] == ["btc_krw"] and stats.payloads()[1] is None


async def test_ccxt_pro_upbit_against_the_simulator(sim: Simulator) -> None:
    exchange = ccxt.pro.upbit(
        {
            "urls": {
                "api": {
                    "ws": sim.upbit_ws_url,
                    "public": sim.http_url,
                    "private": sim.http_url,
                }
            }
        }
    )
    try:
        ticker = await asyncio.wait_for(exchange.watch_ticker("BTC/KRW"), 10)
        assert ticker["symbol"] == "BTC/KRW" and ticker["last"] > 0
        book = await asyncio.wait_for(exchange.watch_order_book("ETH/KRW"), 10)
        assert book["bids"][0][0] < book["asks"][0][0]
        book = await asyncio.wait_for(exchange.watch_order_book("ETH/KRW"), 10)
        trades = await asyncio.wait_for(exchange.watch_trades("BTC/KRW"), 10)
        assert trades and trades[-1]["side"] in ("buy", "sell")
    finally:
        await exchange.close()
    # ccxt re-sends its cumulative subscription set on one socket
    assert sim.stats("upbit").connections_accepted == 1


async def test_main_prints_the_address_and_stops_on_sigterm() -> None:
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        "from mdtui.sim import main; raise SystemExit(main('127.0.0.1', 0, 3))",
        stdout=asyncio.subprocess.PIPE,
        env=env,
    )
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 15)).decode()
        prefix = "mdtui simulator listening on http://127.0.0.1:"
        assert line.startswith(prefix) and line[len(prefix) :].strip().isdigit()
        url = line.rsplit(" ", 1)[1].strip()
        async with httpx.AsyncClient(verify=False) as client:
            assert (await client.get(url + "/v2/time")).json()["success"] is True
        process.send_signal(signal.SIGTERM)
        assert await asyncio.wait_for(process.wait(), 10) == 0
        assert await process.stdout.read() == b""
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def _codes_until(ws: object, key: str, wanted: str, count: int) -> dict[str, int]:
    """Frames per market code (``key`` is the frame's code field) until ``count`` frames
    of ``wanted`` arrived."""
    seen: dict[str, int] = {}
    while seen.get(wanted, 0) < count:
        frame = json.loads(await recv(ws, 5.0))  # type: ignore[arg-type]
        code = frame.get(key)
        if code is not None:
            seen[code] = seen.get(code, 0) + 1
    return seen


async def test_stall_market_silences_one_market_while_the_socket_stays_up(sim: Simulator) -> None:
    sim.stall_market("upbit", "KRW-ETH", 60)
    sim.stall_market("korbit", "eth_krw", 60)
    async with connect(sim.upbit_ws_url) as up, connect(sim.korbit_ws_url) as kb:
        await up.send(
            '[{"ticket":"t"},{"type":"trade","codes":["KRW-BTC","KRW-ETH"]},'
            '{"type":"orderbook","codes":["KRW-BTC.1","KRW-ETH.1"]}]'
        )
        await kb.send('[{"method":"subscribe","type":"trade","symbols":["btc_krw","eth_krw"]}]')
        upbit = await _codes_until(up, "code", "KRW-BTC", 30)
        korbit = await _codes_until(kb, "symbol", "btc_krw", 15)
        assert "KRW-ETH" not in upbit and "eth_krw" not in korbit, "not even a snapshot"
        sim.stall_market("upbit", "KRW-ETH", 0)
        sim.stall_market("korbit", "eth_krw", 0)
        assert (await _codes_until(up, "code", "KRW-ETH", 1))["KRW-ETH"] == 1
        assert (await _codes_until(kb, "symbol", "eth_krw", 1))["eth_krw"] == 1
    assert sim.stats("upbit").connections_accepted == sim.stats("korbit").connections_accepted == 1


async def test_delist_leaves_the_lists_and_the_sockets(frozen: Simulator) -> None:
    frozen.delist("upbit", "KRW-XRP")
    frozen.delist("korbit", "xrp_krw")
    async with httpx.AsyncClient() as client:
        upbit = (await client.get(frozen.http_url + "/v1/market/all")).json()
        korbit = (await client.get(frozen.http_url + "/v2/currencyPairs")).json()["data"]
    assert "KRW-XRP" not in {row["market"] for row in upbit} and "KRW-BTC" in str(upbit)
    assert {row["symbol"]: row["status"] for row in korbit}["xrp_krw"] == "stopped"
    async with connect(frozen.upbit_ws_url) as up, connect(frozen.korbit_ws_url) as kb:
        await up.send('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC","KRW-XRP"]}]')
        error = await recv_json(up)
        assert error["error"]["name"] == "INVALID_PARAM" and "KRW-XRP" in error["error"]["message"]
        assert await silent(up, 0.2), "the whole request failed: no KRW-BTC either"
        await kb.send(
            '[{"method":"subscribe","type":"orderbook","symbols":["xrp_krw"],"requestId":3}]'
        )
        assert await recv_json(kb) == {"status": "success", "requestId": 3}
        snapshot = await recv_json(kb)
        assert snapshot["data"]["bids"] == snapshot["data"]["asks"] == []


async def test_korbit_frames_follow_its_clock_skew(frozen: Simulator) -> None:
    frozen.set_clock_skew(-5000)
    async with connect(frozen.korbit_ws_url) as ws, connect(frozen.upbit_ws_url) as up:
        await ws.send('[{"method":"subscribe","type":"ticker","symbols":["btc_krw"]}]')
        await up.send('[{"ticket":"t"},{"type":"ticker","codes":["KRW-BTC"]}]')
        assert (await recv_json(ws))["timestamp"] == frozen.clock() - 5000
        assert (await recv_json(up))["timestamp"] == frozen.clock(), "Upbit's clock is not moved"
