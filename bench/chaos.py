"""The long chaos run, by hand: many private-socket disconnects against the simulator.

    .venv/bin/python bench/chaos.py --rounds 100 --seed 1

Runs the driver of the suite's chaos test (``tests/support/chaos.py``) for ``--rounds``
rounds (each cuts one or both exchanges' private sockets and trades while they are down)
and prints the figures: disconnects, orders, fills, actions during gaps, how long it took,
and every mismatch between the client's account and the simulator's demo accounts.
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from tests.support.chaos import Chaos, chaos_settings, start_chaos_sim

from mdtui.settings import Settings


async def main(rounds: int, seed: int, delay_ms: int) -> int:
    logging.disable(logging.WARNING)  # every cut logs a reconnect warning
    sim, clock = await start_chaos_sim(history_delay_ms=delay_ms)
    try:
        settings = chaos_settings(Settings(_env_file=None), sim)
        settings.korbit.history_lag_ms = delay_ms + 500
        report = await Chaos(sim, clock, settings, seed=seed).run(rounds)
    finally:
        await sim.stop()
    print(f"rounds                {rounds}")
    print(
        f"disconnects           {report.disconnects} (abrupt rounds {report.abrupt}, "
        f"during a seed {report.during_seed})"
    )
    print(f"orders placed         {report.orders}")
    print(f"fills                 {report.fills}")
    print(f"actions during gaps   {report.gap_actions}")
    print(f"seconds               {report.seconds:.0f}")
    print(f"blind spot            {report.blind_spot} (Korbit: never seen, cancelled unfilled)")
    print(f"mismatches            {len(report.mismatches)}")
    for line in report.mismatches:
        print("  " + line)
    return 1 if report.mismatches else 0


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--history-delay-ms", type=int, default=1000)
    args = parser.parse_args()
    sys.exit(asyncio.run(main(args.rounds, args.seed, args.history_delay_ms)))
