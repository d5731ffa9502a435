"""The string side of the exact mode (:mod:`lambda_perms.algebra.exact`).

A resource for each region the resource patterns carve out (:func:`_region_witnesses`), and the
regular languages of String, ARN and Bool condition values (``*``/``?`` wildcards, ARN
components, ``...IgnoreCase`` through the characters whose lower case is the policy's): a ground
string key is decided by the regions its languages carve out of the string space
(:func:`_text_regions`), so z3 only picks a region.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Sequence
from functools import lru_cache
from typing import Any

from lambda_perms.iam import _reglang
from lambda_perms.iam.arn import ResourcePattern
from lambda_perms.iam.conditions import (
    Operator,
    _arn_components,
    _scalar_text,
    _tokens,
    _Wild,
)

__all__: list[str] = []


def __dir__() -> list[str]:
    return __all__


# -- resource witnesses ---------------------------------------------------------------------


def _fresh_character(texts: Iterable[str]) -> str:
    used = set("".join(texts))
    for char in "x0123456789_abcdefghijklmnopqrstuvwyzXYZ~":
        if char not in used:
            return char
    for code in range(0xA1, 0x100):  # pragma: no cover - patterns using every letter above
        if chr(code) not in used:
            return chr(code)
    raise AssertionError("no fresh character")  # pragma: no cover


@lru_cache(maxsize=256)
def _region_witnesses(texts: tuple[str, ...]) -> dict[frozenset[int], str]:
    """A resource for each region the patterns carve out (keyed by the patterns matching it),
    found by the same exploration :func:`lambda_perms.iam._reglang.regions` does."""
    patterns = [_reglang.compile_pattern(t) for t in texts]
    fresh = _fresh_character(texts)
    out: dict[frozenset[int], str] = {}
    simple = _reglang._simple_forms(patterns)
    if simple is not None:
        compiled = [ResourcePattern(t) for t in texts]
        candidates = {t for t, star in simple if not star} | {t + fresh for t, star in simple}
        for candidate in sorted(candidates | {fresh}, key=lambda c: (len(c), c)):
            members = frozenset(i for i, p in enumerate(compiled) if p.matches(candidate))
            out.setdefault(members, candidate)
        return out
    machine = _reglang.Machine(patterns)
    symbols = {":", _reglang._OTHER}
    for pattern in machine.patterns:
        symbols.update(v for kind, v in pattern if kind in (_reglang._LIT, _reglang._VAR))
    moves = []  # (symbol, advance bits, stay bits) over the product, as Machine.search steps
    for symbol in sorted(symbols):
        advance = stay = 0
        for pattern, offset in zip(machine.patterns, machine.base, strict=True):
            a, s = pattern.facts.move(symbol)
            advance, stay = advance | a << offset, stay | s << offset
        moves.append((symbol, advance, stay))

    def members_of(state: int) -> frozenset[int]:
        return frozenset(i for i, bit in enumerate(machine.accepts) if state & bit)

    start = machine.start
    path = {start: ""}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        if path[state]:  # the empty resource only where nothing else will do (below)
            out.setdefault(members_of(state), path[state])
        for symbol, advance, stay in moves:
            nxt = machine._close(((state & advance) << 1) | (state & stay))
            if nxt not in path:
                path[nxt] = path[state] + (fresh if symbol == _reglang._OTHER else symbol)
                queue.append(nxt)
    out.setdefault(members_of(start), "")
    return out


#: Characters outside {c, c.upper(), c.title()} whose Python lower case is the Latin-1
#: character c (checked over all of Unicode by tests/algebra/test_exact.py). IAM policy text is
#: Latin-1, so these are all the characters an ...IgnoreCase value can meet.
_FOLD_EXTRA = {"k": "\u212a", "\u00e5": "\u212b", "\u00df": "\u1e9e"}


def _fold_class(char: str) -> tuple[str, ...]:
    """Every character whose lower case is ``char`` (itself a lower-case Latin-1 character)."""
    found = {char, char.upper(), char.title(), *_FOLD_EXTRA.get(char, "")}
    return tuple(sorted(c for c in found if len(c) == 1 and c.lower() == char))


# -- ground string keys: regions of the string space ------------------------------------------
#
# A key whose values are compared only with ground String, ARN and Bool operators (no policy
# variable reads it or appears in its values) is decided without z3's string theory: each
# operator value is a regular language over characters, the languages of the key carve the space
# of strings into regions (which languages a string is in), and an exploration of the product of
# their automata finds every region with a shortest string in it. z3 then only picks a region.

#: A language: tokens ("lit", characters) consume one of the characters; ("any"|"nc", None) one
#: character (nc: not ':'); ("any*"|"nc*", None) a run of them.
_Lang = tuple[tuple[str, frozenset[str] | None], ...]


def _literal(text: str) -> _Lang:
    return tuple(("lit", frozenset(c)) for c in text)


def _folded_language(lowered: str) -> _Lang:
    return tuple(("lit", frozenset(_fold_class(c))) for c in lowered)


def _glob_language(text: str) -> _Lang:
    # OPERATORS, StringLike: "*" any run of characters, "?" exactly one
    return tuple(
        ("any*", None) if c == "*" else ("any", None) if c == "?" else ("lit", frozenset(c))
        for c in text
    )


def _arn_language(components: Sequence[Sequence[Any]]) -> _Lang:
    # OPERATORS, ARN: "Each of the six colon-delimited components of the ARN is checked
    # separately": the first five hold no ':', the sixth keeps its own colons
    tokens: list[tuple[str, frozenset[str] | None]] = []
    for i, component in enumerate(components):
        if i:
            tokens.append(("lit", frozenset(":")))
        kind = "any" if i == 5 else "nc"
        for token in component:
            if token is _Wild.STAR:
                tokens.append((kind + "*", None))
            elif token is _Wild.ONE:
                tokens.append((kind, None))
            else:
                tokens.append(("lit", frozenset(str(token))))
    return tuple(tokens)


#: Strings of six colon-separated components: what ARN operators accept at all.
_ARN_SHAPE: _Lang = (("nc*", None), ("lit", frozenset(":"))) * 5 + (("any*", None),)
_TRUE, _FALSE = _folded_language("true"), _folded_language("false")
_EMPTY_TEXT = _literal("")


def _closure(lang: _Lang, positions: Iterable[int]) -> frozenset[int]:
    out = set(positions)
    stack = list(out)
    while stack:
        p = stack.pop()
        if p < len(lang) and lang[p][0].endswith("*") and p + 1 not in out:
            out.add(p + 1)
            stack.append(p + 1)
    return frozenset(out)


def _step(lang: _Lang, positions: frozenset[int], char: str) -> frozenset[int]:
    after = set()
    for p in positions:
        if p >= len(lang):
            continue
        kind, chars = lang[p]
        if kind == "lit":
            ok = chars is not None and char in chars
        else:
            ok = char != ":" or kind.startswith("any")
        if ok:
            after.add(p if kind.endswith("*") else p + 1)
    return _closure(lang, after)


@lru_cache(maxsize=1024)
def _text_regions(langs: tuple[_Lang, ...]) -> tuple[tuple[frozenset[int], str], ...]:
    """Every region the languages carve out (the set of languages a string is in) with its
    shortest string, found breadth-first over the product of their automata."""
    named = {c for lang in langs for _, chars in lang if chars for c in chars}
    fresh = _fresh_character(named)  # stands for every character no language names
    alphabet = sorted(named | {":", fresh})
    start = tuple(_closure(lang, (0,)) for lang in langs)
    path = {start: ""}
    found: dict[frozenset[int], str] = {}
    queue = deque([start])
    while queue:
        state = queue.popleft()
        members = frozenset(i for i, (lang, s) in enumerate(zip(langs, state, strict=True))
                            if len(lang) in s)  # fmt: skip
        found.setdefault(members, path[state])
        for char in alphabet:
            nxt = tuple(_step(lang, s, char) for lang, s in zip(langs, state, strict=True))
            if nxt not in path:
                path[nxt] = path[state] + char
                queue.append(nxt)
    return tuple(sorted(found.items(), key=lambda item: (len(item[1]), item[1])))


def _languages(op: Operator, values: Sequence[Any]) -> list[_Lang]:
    """The languages a ground String, ARN or Bool entry tests its key's value against."""
    if op.family == "Bool":
        return [_TRUE, _FALSE]
    if op.family == "Arn":
        out = [_ARN_SHAPE]
        for value in values:
            components = _arn_components(_tokens([(_scalar_text(value), False)]))
            if components is not None:
                out.append(_arn_language(components))
        return out
    texts = [_scalar_text(v) for v in values]
    if op.base in ("StringLike", "StringNotLike"):
        return [_glob_language(t) for t in texts]
    if op.base.endswith("IgnoreCase"):
        return [_folded_language(t.lower()) for t in texts]
    return [_literal(t) for t in texts]
