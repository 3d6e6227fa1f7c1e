"""Exchange simulator: Upbit and Korbit websockets and REST, public and private, on one
loopback port, with a demo account per exchange (keys: ``mdtui.sim.demo_keys``).

Written from the protocol notes only; it shares no code with the client's codecs.
"""

from mdtui.sim import demo_keys
from mdtui.sim.demo_trader import TraderConfig
from mdtui.sim.desk import OrderError
from mdtui.sim.korbit_auth import AuthStatuses
from mdtui.sim.limits import Limits
from mdtui.sim.market import Rate
from mdtui.sim.server import Simulator, main
from mdtui.sim.upbit_private import UpbitPrivatePolicy

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
