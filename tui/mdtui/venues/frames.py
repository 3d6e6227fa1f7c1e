"""Helpers shared by the venue codecs: the decode guard, the generic JSON parse, struct
variants, a Decimal cache."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any, TypeVar

import msgspec

from mdtui.model.events import AnyEvent, Malformed

PREVIEW_CHARS = 200
"""How much of a bad frame a :class:`Malformed` event keeps."""

_S = TypeVar("_S", bound=msgspec.Struct)
_V = TypeVar("_V")


def preview(frame: object) -> str:
    """The first :data:`PREVIEW_CHARS` characters of a frame, bad UTF-8 replaced."""
    if isinstance(frame, str):
        return frame[:PREVIEW_CHARS]
    if isinstance(frame, bytes | bytearray | memoryview):
        # 4 bytes per character at most, so this slice always covers PREVIEW_CHARS.
        return bytes(frame[: PREVIEW_CHARS * 4]).decode("utf-8", "replace")[:PREVIEW_CHARS]
    return repr(frame)[:PREVIEW_CHARS]


def malformed(venue: str, reason: str, frame: object) -> list[AnyEvent]:
    """A one-element event list reporting an undecodable frame."""
    return [Malformed(venue=venue, reason=reason, frame=preview(frame))]


# --------------------------------------------------------------------------- the guard


class BadFrame(ValueError):
    """A frame (or list element) that parsed but is not of any known shape; the message is
    the :class:`Malformed` reason."""


class BadNumber(ValueError):
    """A number that is not a decimal (``"x"``) or not in its field's range (``"NaN"``,
    ``"Infinity"``, ``1e999999``: :mod:`mdtui.venues.ranges`)."""


def failure_reason(exc: Exception) -> str:
    """The :class:`Malformed` reason for an exception raised while decoding a frame."""
    if isinstance(exc, UnicodeDecodeError):
        return f"invalid UTF-8: {exc.reason}"
    if isinstance(exc, msgspec.ValidationError | BadNumber | BadFrame):
        return str(exc)
    if isinstance(exc, ArithmeticError):
        return f"bad number: {type(exc).__name__}"
    return f"{type(exc).__name__}: {exc}"


def guard(
    venue: str,
    decode: Callable[[_V, Any], list[AnyEvent]],
    value: _V,
    frame: object,
    context: str = "",
) -> list[AnyEvent]:
    """``decode(value, frame)``, or ``[Malformed]`` if it raises anything at all.

    The one place where a decode failure becomes an event, so a codec's ``decode`` never
    raises: ``value`` is what to decode (the frame itself, or one parsed element of it),
    ``frame`` the whole frame (for the preview and for nested guards). The reason is
    :func:`failure_reason`, after ``context`` (e.g. the message type) when one is given.
    """
    try:
        return decode(value, frame)
    except Exception as exc:
        reason = failure_reason(exc)
        return malformed(venue, f"{context}: {reason}" if context else reason, frame)


parse_json: Callable[[bytes | str], Any] = msgspec.json.Decoder(float_hook=Decimal).decode
"""The generic parse of a frame the typed fast path did not take: JSON floats become exact
Decimals, so ``msgspec.convert`` of the parsed value to a wire struct sees every digit, and
the frame is parsed only once however it is dispatched afterwards."""


def renamed_variant(
    cls: type[_S],
    *,
    tag_field: str | None = None,
    rename: dict[str, str],
    types: dict[str, Any] | None = None,
) -> type[_S]:
    """A subclass of ``cls`` whose fields have other wire names (and maybe other types).

    Used for Upbit's SIMPLE format: the struct, its fields and its ``to_events`` method are
    written once with the DEFAULT keys, and the short-key variant is derived from it.
    msgspec only renames fields that a class declares itself, so every field is redeclared.
    """
    types = types or {}
    fields: list[tuple[str, Any] | tuple[str, Any, Any]] = []
    for f in msgspec.structs.fields(cls):
        typ = types.get(f.name, f.type)
        if f.required:
            fields.append((f.name, typ))
        else:
            fields.append((f.name, typ, f.default))
    tag = cls.__struct_config__.tag
    return msgspec.defstruct(  # type: ignore[return-value]
        cls.__name__ + "Simple",
        fields,
        bases=(cls,),
        module=cls.__module__,
        tag_field=tag_field,
        tag=tag,
        rename=rename,
        gc=False,
    )


class DecimalCache(dict[str, Decimal]):
    """Exact ``Decimal`` per decimal string, memoized: ``cache[s]`` is ``Decimal(s)``.

    Book prices and sizes repeat from one frame to the next, so most look-ups are hits, and
    a hit (``dict.__getitem__``, pure C) is several times cheaper than ``Decimal(s)``. Keys
    are the exact strings, so ``"0.150"`` keeps its representation. Misses build the value,
    raise :class:`BadNumber` for a string that is not a decimal, pass it to ``check`` (which
    raises for a value out of range: a hit needs no check), and clear the whole cache once
    it holds ``limit`` entries (a crude but O(1) bound on memory).
    """

    def __init__(self, check: Callable[[Decimal], object], limit: int = 16384) -> None:
        super().__init__()
        self.check = check
        self.limit = limit

    def __missing__(self, key: str) -> Decimal:
        try:
            value = Decimal(key)
        except (ArithmeticError, TypeError, ValueError):
            raise BadNumber(f"not a decimal: {key!r}"[:80]) from None
        self.check(value)
        if len(self) >= self.limit:
            self.clear()
        self[key] = value
        return value
