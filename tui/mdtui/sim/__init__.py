"""Exchange simulator: Upbit and Korbit websockets and REST, public and private, on one
loopback port, with a demo account per exchange (keys: ``mdtui.sim.engine.demo_keys``).

- ``server``: ``Simulator``, which ties the parts below together on one port;
- ``engine``: venue-neutral markets, ticks, coins and listings (every market of both
  exchanges, and Upbit Global's regions), demo accounts, order desk, demo trader and demo
  keys;
- ``upbit``, ``korbit``: each exchange's sockets, REST routes, auth checks and frames;
- ``net``: the HTTP, websocket-service, session and rate-limit plumbing both share.

Written from the protocol notes (docs/protocols.md) only, and importing nothing from the
client (``mdtui.model``, ``mdtui.venues``, ``mdtui.feed``, ``mdtui.ui``...): it is the
independent check of the client's codecs.
"""

from mdtui.sim.engine import demo_keys
from mdtui.sim.engine.demo_trader import TraderConfig
from mdtui.sim.engine.market_generator import Rate
from mdtui.sim.engine.order_desk import OrderError
from mdtui.sim.korbit.signature_check import AuthStatuses
from mdtui.sim.net.rate_limits import Limits
from mdtui.sim.server import Simulator, main
from mdtui.sim.upbit.private_socket import UpbitPrivatePolicy

__all__ = [
    "AuthStatuses",
    "Limits",
    "OrderError",
    "Rate",
    "Simulator",
    "TraderConfig",
    "UpbitPrivatePolicy",
    "demo_keys",
    "main",
]
