"""``python -m mdtui.sim [--host H] [--port P] [--seed S] [--upbit-region R]``: run
``server.main`` (the simulator with its demo trader) until Ctrl-C; ``--help`` says where the
demo keys are."""

import argparse

from mdtui.sim.engine.demo_keys import DEMO_KEYS_NOTE
from mdtui.sim.engine.listings import REGIONS
from mdtui.sim.server import main

parser = argparse.ArgumentParser(
    prog="python -m mdtui.sim",
    description="Run the Upbit and Korbit simulator (public and private) on loopback.",
    epilog=DEMO_KEYS_NOTE,
)
parser.add_argument("--host", default="127.0.0.1")
parser.add_argument("--port", type=int, default=0)
parser.add_argument("--seed", type=int, default=1)
parser.add_argument("--upbit-region", choices=REGIONS, default="kr")
args = parser.parse_args()
raise SystemExit(main(args.host, args.port, args.seed, args.upbit_region))
