"""Hypothesis strategies for the decoder fuzz tests: JSON trees and mutated samples.

Import after ``pytest.importorskip("hypothesis")``.
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as with_seed
from hypothesis import strategies as st

from .samples import ABSURD, about, load

FUZZ = settings(
    max_examples=300,
    deadline=None,
    database=None,  # keep no example database in the work tree
    suppress_health_check=[HealthCheck.too_slow],
)


def json_values(keys: list[str], tags: list[str], specials: list[str]) -> st.SearchStrategy[object]:
    """JSON trees whose keys and strings are mostly the venue's own words."""
    return st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.floats(allow_nan=False, allow_infinity=False)
        | st.text(max_size=12)
        | st.sampled_from([*tags, *specials]),
        lambda children: (
            st.lists(children, max_size=5)
            | st.dictionaries(st.sampled_from(keys) | st.text(max_size=6), children, max_size=6)
        ),
        max_leaves=25,
    )


def _paths(value: object, prefix: tuple = ()) -> list[tuple]:
    out = [prefix]
    if isinstance(value, dict):
        for k, v in value.items():
            out += _paths(v, (*prefix, k))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            out += _paths(v, (*prefix, i))
    return out


@st.composite
def mutated_samples(draw: st.DrawFn, names: list[str], values: st.SearchStrategy[object]) -> bytes:
    """A documented sample with one node replaced (by ``values``) or deleted, or its bytes
    cut or flipped."""
    raw = load(draw(st.sampled_from(names)))
    how = draw(st.sampled_from(["replace", "delete", "truncate", "flip", "wrap"]))
    if how == "truncate":
        return raw[: draw(st.integers(0, len(raw)))]
    if how == "flip":
        i = draw(st.integers(0, len(raw) - 1))
        return raw[:i] + bytes([draw(st.integers(0, 255))]) + raw[i + 1 :]
    if how == "wrap":
        return b"[" + raw + b"," + raw + b"]"
    doc = json.loads(raw)
    path = draw(st.sampled_from(_paths(doc)[1:]))
    parent = doc
    for step in path[:-1]:
        parent = parent[step]
    if how == "delete":
        del parent[path[-1]]
    else:
        parent[path[-1]] = draw(values)
    return json.dumps(doc).encode()


MARKET_KEYS = [
    "type", "ty", "code", "cd", "status", "error", "name", "message", "symbol", "data",
    "timestamp", "snapshot", "trade_price", "tp", "orderbook_units", "obu", "bids", "asks",
    "price", "qty", "requestId", "channelType", "stream_type", "ask_bid", "ab",
]  # fmt: skip
MARKET_TAGS = ["ticker", "trade", "orderbook", "UP", "success", "fail", "BID", "ASK", "SNAPSHOT"]
market_values = json_values(MARKET_KEYS, MARKET_TAGS, ["NaN", "Infinity", "-0", "1e400", "0"])
"""JSON trees made of the public codecs' own words."""

PUBLIC_SAMPLES = {
    "upbit": [
        "upbit_ticker",
        "upbit_trade",
        "upbit_orderbook",
        "upbit_trade_simple",
        "upbit_candle",
        "upbit_error_wrong_format",
    ],
    "korbit": ["korbit_ticker", "korbit_trade", "korbit_orderbook", "korbit_myorder"],
}
"""The documented frames a public socket's fuzz mutates, per exchange."""


def public_frames(venue: str) -> st.SearchStrategy[bytes]:
    """What the decoder fuzz feeds a public codec, as frame bytes: random bytes, random
    text, random JSON trees, mutated documented samples, and documented samples about
    markets of random codes (which nobody subscribed to)."""
    return st.one_of(
        st.binary(max_size=300),
        st.text(max_size=200).map(str.encode),
        market_values.map(lambda v: json.dumps(v).encode()),
        mutated_samples(PUBLIC_SAMPLES[venue], market_values),
        st.builds(about, st.sampled_from(PUBLIC_SAMPLES[venue]), st.text(max_size=12)).map(
            str.encode
        ),
    )


def draw_many(strategy: st.SearchStrategy[Any], count: int, seed: int) -> list[Any]:
    """``count`` examples of ``strategy`` outside a test (the same ones for a ``seed``), for
    benchmarks that replay a fuzz run."""
    out: list[Any] = []

    @with_seed(seed)
    @settings(
        max_examples=count,
        database=None,
        deadline=None,
        phases=[Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(strategy)
    def collect(example: Any) -> None:
        out.append(example)

    collect()
    return out


# -- extreme but well-formed frames ---------------------------------------------------------

EXTREME = (
    *ABSURD,
    "Infinity",
    "-0",
    "0",
    "1e-999999",
    "999999999999999." + "9" * 30,
    "1E+15",
    "1E-30",
    "1E-31",
    "99999999999999999999.999999999999999999999999999999",
)
"""Absurd numbers and numbers at the edges of the accepted ranges."""

extreme_numbers = st.one_of(
    st.sampled_from(EXTREME),
    st.decimals(allow_nan=False, allow_infinity=False).map(str),
    st.builds(
        lambda digits, exponent: f"{digits}E{exponent}",
        st.integers(-(10**45), 10**45),
        st.integers(-45, 25),
    ),
)
"""Decimal texts from absurd to ordinary, most of them extreme."""
extreme_times = st.one_of(
    st.sampled_from([0, 1, -1, 2**63 - 1, 1262304000000, 4102444799999, 4102444800000]),
    st.integers(0, 2**63 - 1),
    st.integers(1_600_000_000_000, 2_000_000_000_000),
)
"""Unix ms from absurd to ordinary."""

_TIME_KEYS = ("timestamp", "tms", "ttms", "At")


def _numbers(value: object, prefix: tuple = ()) -> list[tuple]:
    """Paths of the number leaves of a parsed sample (Korbit's are decimal strings)."""
    if isinstance(value, dict):
        return [p for k, v in value.items() for p in _numbers(v, (*prefix, k))]
    if isinstance(value, list):
        return [p for i, v in enumerate(value) for p in _numbers(v, (*prefix, i))]
    if isinstance(value, bool):
        return []
    if isinstance(value, int | float):
        return [prefix]
    if isinstance(value, str) and value[:1].isdigit() and value.replace(".", "", 1).isdigit():
        return [prefix]
    return []


@st.composite
def extreme_frames(draw: st.DrawFn, names: list[str], markets: dict[str, str]) -> tuple[str, str]:
    """``(name, frame)``: a documented sample (one of ``names``) about ``markets[venue]``,
    with one to three of its numbers replaced by :data:`extreme_numbers` or, for times, by
    :data:`extreme_times` (see :func:`~.samples.with_numbers` for how they are written)."""
    name = draw(st.sampled_from(names))
    market = markets[name.partition("_")[0]]
    paths = draw(
        st.lists(
            st.sampled_from(_numbers(json.loads(load(name)))), min_size=1, max_size=3, unique=True
        )
    )
    numbers = {
        path: str(draw(extreme_times))
        if str(path[-1]).endswith(_TIME_KEYS)
        else draw(extreme_numbers)
        for path in paths
    }
    return name, about(name, market, numbers)
