"""Exchange simulator: Upbit and Korbit websockets and REST, public and private, on one
loopback port, with a demo account per exchange (keys: ``mdtui.sim.engine.demo_keys``).

Written from the protocol notes only; it shares no code with the client's codecs.
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
