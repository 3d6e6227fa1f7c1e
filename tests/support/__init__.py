"""Helpers shared by the tests. Fixtures are in ``tests/conftest.py``; everything else a
test module needs from elsewhere is here, so no test module imports another one.

- :mod:`.waiting`: :func:`~.waiting.wait_until`, the one way a test waits for something;
- :mod:`.sim_client`: a plain ``websockets``/``httpx`` client of the simulator (receiving,
  Upbit JWTs and Korbit signed queries written from the protocol notes);
- :mod:`.feeds`: running a feed worker and collecting its events;
- :mod:`.events`: hand-made market and private events;
- :mod:`.screen`: what the dashboard shows (pane lines, status line, toasts) and waiting
  for the app to be ready, quiet or caught up;
- :mod:`.samples`: the documented sample frames and checks on decoded events;
- :mod:`.fuzzing`: Hypothesis strategies (imports Hypothesis);
- :mod:`.cli`: running ``mdtui`` in a subprocess as a user does.
- :mod:`.cpu`: pausing the garbage collector around a CPU-time budget.
"""
