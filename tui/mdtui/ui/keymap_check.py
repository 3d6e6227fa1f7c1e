"""The ``[keys]`` remaps, checked at launch against every binding context before they are
applied. Pure logic: the contexts come in as plain data (:mod:`mdtui.ui.key_contexts`
reads them from the dashboard's classes); out come the remaps to apply and one notice per
kind of problem, with the binding ids and keys as the user wrote them:

- unknown binding ids;
- keys that do not parse (see :func:`key_parses`);
- one key, two actions: in one context, or a context and one it shadows (the focused
  pane's bindings come before the screen's and the app's; the app's priority bindings,
  such as ``ctrl+p``, come first everywhere; a text input takes printable keys);
- actions left with no key;
- remaps refused because they would leave no key for a protected action (quit, help): that
  action keeps its default keys.

The model follows Textual's own: a remapped binding takes its keys from the other
bindings of its context that keep their defaults (``apply_keymap``), and a key press goes
to the first binding along its chain.
"""

from __future__ import annotations

import json
import string
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from textual.keys import Keys, _character_to_key, _normalize_key_list, key_to_character

from mdtui.ui.screens.help import pretty_keys

MODIFIERS = ("alt", "ctrl", "hyper", "meta", "shift", "super")
"""Textual reports modifiers in this (alphabetical) order: ``alt+ctrl+x``, never
``ctrl+alt+x``; a binding matches a key press only when its name is spelled the same."""

CHARACTER_NAMES = frozenset(_character_to_key(c) for c in string.punctuation + " ")
"""Textual's names of the printable ASCII characters that are not letters or digits
(``question_mark``, ``slash``, ``space``, ...)."""


def _kitty_names() -> frozenset[str]:
    """Names Textual gives keys only terminals with the kitty protocol send (``menu``,
    ``f35``, ...); none if this Textual does not have that table."""
    try:
        from textual._keyboard_protocol import FUNCTIONAL_KEYS
    except ImportError:
        return frozenset()
    return frozenset(FUNCTIONAL_KEYS.values())


NAMED_KEYS = (
    frozenset(
        name
        for name in (key.value.rpartition("+")[2] for key in Keys)
        if len(name) > 1 and not name.startswith("<") and "-" not in name
    )
    | _kitty_names()
    | CHARACTER_NAMES
)
"""Every key name longer than one character that Textual reports: ``up``, ``pagedown``,
``f5``, ``escape``, ``tab``, ``enter``, ``space``, ``question_mark``, ..."""


def key_parses(written: str) -> bool:
    """Whether ``written`` (one key of a remap) names a key press Textual can report.

    A key parses when it is one printable character (``j``, ``G``, ``?``, ``ㅂ``), or a
    key name (:data:`NAMED_KEYS`) or a letter or digit after modifiers from
    :data:`MODIFIERS`, each at most once, in Textual's order: ``ctrl+x``, ``shift+f5``,
    ``alt+ctrl+up``. ``ctrl+alt+x`` (order), ``Ctrl+X``, ``ctrl+?`` (Textual says
    ``ctrl+question_mark``) and ``banana`` do not.
    """
    if len(written) == 1:
        return written.isprintable()
    *mods, name = _normalize_key_list(written).split("+")
    if mods != sorted(set(mods)) or not set(mods) <= set(MODIFIERS):
        return False
    if len(name) == 1:
        return bool(mods) and name.isalnum()
    return name in NAMED_KEYS


def suggestion(written: str) -> str | None:
    """The spelling Textual would match for a key whose modifiers are out of order."""
    *mods, name = written.split("+")
    fixed = "+".join([*sorted(set(mods)), name])
    return fixed if mods and fixed != written and key_parses(fixed) else None


def is_printable(key: str) -> bool:
    """Whether ``key`` (normalized) types a character: a text input takes it."""
    if key in CHARACTER_NAMES:
        return True
    if len(key) == 1:
        return key.isprintable()
    character = key_to_character(key)
    return character is not None and character.isprintable()


@dataclass(frozen=True, eq=False)
class Bound:
    """One binding of a context as declared (its keys in Textual's normalized form)."""

    id: str | None
    """None: one of Textual's own, not remappable."""
    action: str
    keys: tuple[str, ...]
    priority: bool = False
    soft: bool = False
    """It passes the key on when it has nothing to do (Textual's scroll actions)."""


@dataclass(frozen=True)
class Context:
    """The bindings of one class (the app, a screen, a widget that can have focus)."""

    name: str
    bindings: tuple[Bound, ...]
    typing: bool = False
    """A text input: it takes every printable key before any but priority bindings."""


@dataclass(frozen=True)
class Chain:
    """Where a key press goes: ``path`` from the focused widget out to its screen (and the
    app, on the main screen); ``above``: contexts whose priority bindings still apply (the
    app, under a modal screen)."""

    path: tuple[str, ...]
    above: tuple[str, ...] = ()


@dataclass(frozen=True)
class KeymapCheck:
    """What :func:`check_keymap` found."""

    keymap: dict[str, str]
    """The remaps to apply, as the user wrote them: known ids only, refused ones left out."""
    notices: list[str]
    """One line per kind of problem, with ids and keys as written (show it as plain text,
    never as markup)."""


Claim = tuple[str, Bound]
"""A binding that wants a key, and the context it is in."""

TYPING = Bound(None, "typing", ())
"""What a text input does with a printable key."""


def check_keymap(
    remaps: Mapping[str, str],
    contexts: Sequence[Context],
    chains: Sequence[Chain],
    protected: Mapping[str, str],
) -> KeymapCheck:
    """Check ``remaps`` (binding id -> comma-separated keys, as the user wrote them).

    ``protected``: binding id -> what it does (``"quit"``), for the actions a remap must
    not leave without a key; such a remap is refused.
    """
    keyboard = _Keyboard(contexts, chains)
    unknown = [bid for bid in remaps if bid not in keyboard.home]
    given = {bid: keys for bid, keys in remaps.items() if bid in keyboard.home}
    unparsed = [
        _item(bid, keys, written)
        for bid, keys in given.items()
        for written in _split(keys)
        if not key_parses(written)
    ]
    applied = {bid: keys for bid, keys in given.items() if keys.strip()}
    refused = keyboard.refuse(applied, protected)
    applied = {bid: keys for bid, keys in applied.items() if bid not in refused}
    presses = keyboard.presses(applied)
    notices: list[str] = []
    if unknown:
        notices.append(f"unknown binding id(s) in [keys]: {', '.join(unknown)} (? lists them)")
    if unparsed:
        notices.append(
            "[keys] not a key name (Textual's names are like j, G, ?, ctrl+x, alt+ctrl+x, f5, "
            "pagedown): " + "; ".join(unparsed)
        )
    if conflicts := _conflicts(presses, applied):
        notices.append("[keys] one key, two actions: " + "; ".join(conflicts))
    if orphans := keyboard.orphans(presses):
        notices.append("[keys] left with no key: " + ", ".join(orphans))
    notices += refused.values()
    return KeymapCheck(applied, notices)


def _split(keys: str) -> list[str]:
    """The keys of a remap as written (Textual strips the spaces around them too)."""
    return [k.strip() for k in keys.split(",")]


def _normalized(keys: str) -> list[str]:
    """The keys of a remap as Textual matches them (``?`` -> ``question_mark``)."""
    return _normalize_key_list(keys).split(",")


def _pairs(keys: str) -> list[tuple[str, str]]:
    """Each key of a remap as written, and as Textual matches it."""
    return list(zip(_split(keys), _normalized(keys), strict=True))


def _remap(bid: str, keys: str) -> str:
    return f"{bid} = {json.dumps(keys, ensure_ascii=False)}"


def _item(bid: str, keys: str, written: str) -> str:
    notes = [written or "an empty key"] if len(_split(keys)) > 1 else []
    if fixed := suggestion(written):
        notes.append(f"write {fixed}")
    return _remap(bid, keys) + (f" ({', '.join(notes)})" if notes else "")


def _who(claim: Claim) -> str:
    where, bound = claim
    if bound is TYPING:
        return f"typing ({where})"
    return f"{bound.id or 'built-in ' + bound.action} ({where})"


@dataclass
class _Presses:
    """What the key presses of one chain do under a keymap."""

    wanted: dict[str, list[Claim]]
    """Key -> the bindings that want it, in the order Textual asks them: the first gets it."""
    taken: dict[str, list[Claim]]
    """Key -> bindings whose default key a remap in their context took."""

    def working(self) -> set[str]:
        """The binding ids some key reaches."""
        return {claims[0][1].id for claims in self.wanted.values() if claims[0][1].id}


def _conflicts(presses: list[_Presses], keymap: Mapping[str, str]) -> list[str]:
    """``key goes to A (where), not B (where)`` for each key a remap is involved in that
    more than one binding wants (a built-in binding losing a key to a remap is not worth a
    word)."""
    written: dict[str, str] = {}
    for keys in keymap.values():
        for shown, key in _pairs(keys):
            written.setdefault(key, shown)
    items: dict[str, None] = {}
    for chain in presses:
        for key, claims in chain.wanted.items():
            (where, winner), rest = claims[0], claims[1:] + chain.taken.get(key, [])
            losers = [
                c for c in rest if c[1] is not winner and (c[1].id is None or c[1].id != winner.id)
            ]
            ids = {winner.id, *(c[1].id for c in losers)}
            if not losers or not ids & set(keymap):
                continue
            if winner.id in keymap and all(c[1].id is None for c in losers):
                continue
            names = ", ".join(dict.fromkeys(_who(c) for c in losers))
            items[f"{written.get(key, key)} goes to {_who((where, winner))}, not {names}"] = None
    return list(items)


class _Keyboard:
    """The contexts and chains, and what a keymap makes of them."""

    def __init__(self, contexts: Sequence[Context], chains: Sequence[Chain]) -> None:
        self.contexts = {c.name: c for c in contexts}
        self.chains = list(chains)
        self.home: dict[str, str] = {}
        """Binding id -> the context it is declared in."""
        self.bound: dict[str, Bound] = {}
        for context in contexts:
            for bound in context.bindings:
                if bound.id is not None:
                    self.home.setdefault(bound.id, context.name)
                    self.bound.setdefault(bound.id, bound)
        self.default = self.working(self.presses({}))
        """Binding id -> the chains where some key reaches it with no remaps."""

    def _bind(
        self, context: Context, keymap: Mapping[str, str]
    ) -> tuple[dict[str, list[Bound]], dict[str, list[Bound]]]:
        """Key -> bindings of one context under ``keymap``, as Textual's ``apply_keymap``
        leaves them: a remapped binding's keys replace its defaults and are taken from the
        bindings that keep theirs. Also key -> the bindings it was taken from."""
        remapped = {
            bid: [k for w, k in _pairs(keymap[bid]) if key_parses(w)]
            for bid in (b.id for b in context.bindings)
            if bid is not None and bid in keymap
        }
        taken_keys = {key for keys in remapped.values() for key in keys}
        keys_to: dict[str, list[Bound]] = {}
        taken: dict[str, list[Bound]] = {}
        for bound in context.bindings:
            if bound.id in remapped:
                keys = list(dict.fromkeys(remapped[bound.id]))
            else:
                keys = [k for k in bound.keys if k not in taken_keys]
                if bound.id is not None:
                    for key in set(bound.keys) & taken_keys:
                        taken.setdefault(key, []).append(bound)
            for key in keys:
                keys_to.setdefault(key, []).append(bound)
        return keys_to, taken

    def presses(self, keymap: Mapping[str, str]) -> list[_Presses]:
        """What each chain's key presses do under ``keymap``: priority bindings from the
        app inwards first, then a text input's typing, then the others from the focused
        widget outwards (a soft binding passes the key on)."""
        bound = {name: self._bind(context, keymap) for name, context in self.contexts.items()}
        out: list[_Presses] = []
        for chain in self.chains:
            outward = chain.path + chain.above
            wanted: dict[str, list[Claim]] = {}
            taken: dict[str, list[Claim]] = {}
            for key in dict.fromkeys(k for name in outward for k in bound[name][0]):
                claims = [
                    (n, b)
                    for n in reversed(outward)
                    for b in bound[n][0].get(key, ())
                    if b.priority
                ]
                for name in chain.path:
                    if self.contexts[name].typing and is_printable(key):
                        claims.append((name, TYPING))
                    claims += [
                        (name, b) for b in bound[name][0].get(key, ()) if not (b.priority or b.soft)
                    ]
                if claims:
                    wanted[key] = claims
            for name in outward:
                for key, losers in bound[name][1].items():
                    taken.setdefault(key, []).extend((name, b) for b in losers)
            out.append(_Presses(wanted, taken))
        return out

    @staticmethod
    def working(presses: list[_Presses]) -> dict[str, set[int]]:
        """Binding id -> the chains where some key reaches it."""
        working: dict[str, set[int]] = {}
        for index, chain in enumerate(presses):
            for bid in chain.working():
                working.setdefault(bid, set()).add(index)
        return working

    def refuse(self, applied: Mapping[str, str], protected: Mapping[str, str]) -> dict[str, str]:
        """Remaps to refuse (id -> the notice) so that each protected action still has a
        key wherever it had one by default: its own remap first, then the remaps that
        take its default keys."""
        keymap = dict(applied)
        refused: dict[str, str] = {}
        for bid, what in protected.items():
            if bid not in self.home:
                continue
            needed = self.default.get(bid, set())
            reach = {name for i in needed for name in self.chains[i].path + self.chains[i].above}
            defaults = set(self.bound[bid].keys)
            suspects = [bid] if bid in keymap else []
            suspects += [
                other
                for other in keymap
                if other != bid
                and self.home[other] in reach
                and defaults & set(_normalized(keymap[other]))
            ]
            for suspect in suspects:
                presses = self.presses(keymap)
                lost = needed - self.working(presses).get(bid, set())
                if not lost:
                    break
                why = self._why(bid, keymap, presses[min(lost)])
                stays = pretty_keys(",".join(self.bound[suspect].keys))
                refused[suspect] = (
                    f"[keys] refused {_remap(suspect, keymap[suspect])}: it would leave no key "
                    f"to {what} ({why}); {suspect} stays on {stays}"
                )
                del keymap[suspect]
        return refused

    def _why(self, bid: str, keymap: Mapping[str, str], chain: _Presses) -> str:
        """What becomes of each key of ``bid`` in a chain where none reaches it."""
        if bid in keymap:
            keys = _pairs(keymap[bid])
        else:
            keys = [(pretty_keys(k), k) for k in self.bound[bid].keys]
        reasons = []
        for shown, key in dict(keys).items():
            if key in chain.wanted:
                reasons.append(f"{shown} goes to {_who(chain.wanted[key][0])}")
            else:
                reasons.append(f"{shown} is not a key")
        return "; ".join(reasons)

    def orphans(self, presses: list[_Presses]) -> list[str]:
        """``id (was keys)`` for each action some key reached by default and none does now."""
        working = self.working(presses)
        return [
            f"{bid} (was {pretty_keys(','.join(self.bound[bid].keys))})"
            for bid in self.home
            if self.default.get(bid) and not working.get(bid)
        ]
