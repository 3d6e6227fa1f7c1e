"""Hypothesis strategies for the decoder fuzz tests: JSON trees and mutated samples.

Import after ``pytest.importorskip("hypothesis")``.
"""

from __future__ import annotations

import json

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from .samples import load

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
