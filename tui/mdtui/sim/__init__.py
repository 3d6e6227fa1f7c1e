"""Exchange simulator: Upbit and Korbit public websockets and REST on one loopback port.

Written from the protocol notes only; it shares no code with the client's codecs.
"""

from mdtui.sim.limits import Limits
from mdtui.sim.market import Rate
from mdtui.sim.server import Simulator, main

__all__ = ["Limits", "Rate", "Simulator", "main"]
