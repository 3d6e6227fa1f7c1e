"""Pure exchange protocol code: URLs, subscribe messages, frame -> event decoding, markets.

- :mod:`mdtui.venues.upbit` and :mod:`mdtui.venues.korbit`: one codec module per exchange;
  ``decode(frame) -> list[AnyEvent]`` never raises (bad input becomes ``Malformed``).
- :mod:`mdtui.venues.upbit_private` and :mod:`mdtui.venues.korbit_private`: the private
  sockets' frames (``decode_private``) and the private REST parsers.
- :mod:`mdtui.venues.markets`: ``MarketInfo`` and tick-size bands shared by both.
- :mod:`mdtui.venues.endpoints`: endpoint URLs and the explicit-base-URL mapping.
- :mod:`mdtui.venues.frames`: helpers shared by the codecs, among them :func:`guard`, the one
  place where a decode failure becomes a ``Malformed`` event.

No I/O here, and neither textual nor httpx is imported (tests/venues enforces it).
"""
