"""Exact decisions about sets of resources described by IAM resource patterns.

A ``Resource`` entry denotes a regular language of ARNs (``*`` and ``?`` with IAM's segment
rule, see :mod:`lambda_perms.iam._glob`). The algebra needs Boolean questions over several such
languages at once ("is there a resource matched by ``a`` and by ``b`` but by none of ``c``,
``d``?"), which this module answers exactly by exploring the product of the patterns'
automata over a finite alphabet of character classes.

Policy variables (``${aws:username}``) make a pattern depend on the request. They are kept
as opaque symbols, one per variable: a variable is matched only by itself and by a ``*`` that
may cross segments. So a question about a pattern with variables is answered for every value
the variable could take at once; where that is uncertain the answer errs towards "these sets
differ", never towards "this policy covers that one".
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import cache

__all__ = ["Pattern", "compile_pattern", "covered", "exists", "is_subset", "regions"]

# Token kinds. A pattern is a tuple of tokens; each token either consumes one symbol
# (LIT, ONE, VAR) or is a star that consumes any number of symbols it admits.
_LIT, _ONE, _VAR, _STAR_SEG, _STAR_ANY = range(5)

# Symbols are one-character strings. Variables get symbols from a private-use range, which
# can never occur in a policy (IAM allows only U+0009-U+00FF) or in a literal.
_VAR_BASE = 0xE000
_OTHER = "\x00"  # stands for every character no pattern names


# variable name (lower case) -> its symbol; grows as patterns with new variables are compiled
_VARS: dict[str, str] = {}


def _vs(name: str) -> str:
    symbol = _VARS.get(name)
    if symbol is None:
        symbol = chr(_VAR_BASE + len(_VARS))
        _VARS[name] = symbol
    return symbol


Token = tuple[int, str]
Pattern = tuple[Token, ...]


@cache
def compile_pattern(text: str, variables: bool = True) -> Pattern:
    """Tokens of a resource pattern (``variables``: treat ``${...}`` as policy variables)."""
    tokens: list[Token] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        if variables and text.startswith("${", i) and "}" in text[i + 2 :]:
            end = text.index("}", i + 2)
            body = text[i + 2 : end]
            if body in ("*", "?", "$"):  # ${*} ${?} ${$}: the literal character
                tokens.append((_LIT, body))
            else:
                tokens.append((_VAR, _vs(body.split(",")[0].strip().lower())))
            i = end + 1
            continue
        if char == "*":
            ends = i + 1 == n or text[i + 1] == ":"
            tokens.append((_STAR_ANY if ends else _STAR_SEG, ""))
        elif char == "?":
            tokens.append((_ONE, ""))
        else:
            tokens.append((_LIT, char))
        i += 1
    return tuple(tokens)


def _admits(kind: int, value: str, symbol: str) -> bool:
    """Whether a token of ``kind`` consumes ``symbol``."""
    if kind in (_LIT, _VAR):
        return symbol == value
    if kind == _STAR_ANY:
        return True
    # ONE and STAR_SEG: one ordinary character other than ':'; never a variable
    return symbol != ":" and not (_VAR_BASE <= ord(symbol) < _VAR_BASE + 0x1000)


@cache
def _closure(pattern: Pattern, positions: frozenset[int]) -> frozenset[int]:
    out = set(positions)
    stack = list(positions)
    while stack:
        p = stack.pop()
        if p < len(pattern) and pattern[p][0] in (_STAR_SEG, _STAR_ANY) and p + 1 not in out:
            out.add(p + 1)
            stack.append(p + 1)
    return frozenset(out)


@cache
def _step(pattern: Pattern, positions: frozenset[int], symbol: str) -> frozenset[int]:
    nxt: set[int] = set()
    for p in positions:
        if p >= len(pattern):
            continue
        kind, value = pattern[p]
        if not _admits(kind, value, symbol):
            continue
        if kind in (_STAR_SEG, _STAR_ANY):
            nxt.add(p)  # the star stays
        else:
            nxt.add(p + 1)
    return _closure(pattern, frozenset(nxt))


def _alphabet(patterns: Sequence[Pattern]) -> tuple[str, ...]:
    symbols = {":", _OTHER}
    for pattern in patterns:
        for kind, value in pattern:
            if kind in (_LIT, _VAR):
                symbols.add(value)
    return tuple(sorted(symbols))


def exists(
    patterns: Sequence[Pattern],
    accept: Callable[[tuple[bool, ...]], bool],
) -> bool:
    """Whether some resource's membership vector (one bool per pattern) satisfies ``accept``.

    ``accept`` must be a pure function of the vector; it is called on the vectors of
    reachable product states. The search visits each product state once.
    """
    if not patterns:
        return accept(())
    simple = _simple_forms(patterns)
    if simple is not None:
        return any(
            accept(tuple(i in members for i in range(len(patterns))))
            for members in _simple_member_sets(simple)
        )
    alphabet = _alphabet(patterns)
    start = tuple(_closure(p, frozenset({0})) for p in patterns)
    seen = {start}
    stack = [start]
    while stack:
        state = stack.pop()
        vector = tuple(len(p) in s for p, s in zip(patterns, state, strict=True))
        if accept(vector):
            return True
        for symbol in alphabet:
            nxt = tuple(_step(p, s, symbol) for p, s in zip(patterns, state, strict=True))
            if nxt not in seen:
                seen.add(nxt)
                stack.append(nxt)
    return False


def regions(patterns: Sequence[Pattern]) -> list[frozenset[int]]:
    """Every distinct set of patterns (by index) that some resource is matched by exactly.

    Together they are all the regions the patterns carve out of the space of resources
    (including the region no pattern matches), each given by the patterns that match it.
    """
    if not patterns:
        return [frozenset()]
    simple = _simple_forms(patterns)
    if simple is not None:
        return sorted(set(_simple_member_sets(simple)), key=sorted)
    found: set[frozenset[int]] = set()

    def collect(vector: tuple[bool, ...]) -> bool:
        found.add(frozenset(i for i, inside in enumerate(vector) if inside))
        return False

    exists(patterns, collect)
    return sorted(found, key=sorted)


def _simple_member_sets(forms: list[tuple[str, bool]]) -> Iterator[frozenset[int]]:
    """The pattern sets of a witness set that meets every region the patterns carve out.

    For literals and prefix-star patterns every region is met by a literal itself, by the
    longest prefix it extends followed by a character no pattern uses, or by such a character
    alone: a string is classified only by the literals it equals and the prefixes it extends.
    """
    literal: dict[str, list[int]] = {}
    prefixes: dict[str, list[int]] = {}
    for i, (text, star) in enumerate(forms):
        (prefixes if star else literal).setdefault(text, []).append(i)
    lengths = sorted({len(text) for text in prefixes})
    witnesses = set(literal) | {text + _OTHER for text in prefixes} | {_OTHER}
    for witness in witnesses:
        members = set(literal.get(witness, ()))
        for length in lengths:  # the prefixes a witness extends, found by slicing it
            if length > len(witness):
                break
            members.update(prefixes.get(witness[:length], ()))
        yield frozenset(members)


def _simple_forms(patterns: Sequence[Pattern]) -> list[tuple[str, bool]] | None:
    """``(literal text, ends with a segment-crossing star)`` per pattern, when every pattern
    is a literal, a literal followed by a final ``*``, or ``*``; else ``None``."""
    out: list[tuple[str, bool]] = []
    for pattern in patterns:
        form = _simple_form(pattern)
        if form is None:
            return None
        out.append(form)
    return out


@cache
def _simple_form(pattern: Pattern) -> tuple[str, bool] | None:
    star = bool(pattern) and pattern[-1][0] == _STAR_ANY
    body = pattern[:-1] if star else pattern
    if any(kind != _LIT for kind, _ in body):
        return None
    return ("".join(value for _, value in body), star)


def is_subset(inner: Sequence[Pattern], outer: Sequence[Pattern]) -> bool:
    """Whether every resource matched by some pattern of ``inner`` is matched by ``outer``."""
    k = len(inner)

    def escapes(vector: tuple[bool, ...]) -> bool:
        return any(vector[:k]) and not any(vector[k:])

    return not exists([*inner, *outer], escapes)


# -- containment of resource patterns, given as texts ----------------------------------------------


def covered(inner: str, by: Sequence[str]) -> bool:
    """Whether every resource the pattern ``inner`` matches is matched by a pattern of ``by``.

    Exact, like :func:`is_subset`, which it calls only when quicker tests cannot decide. Every
    resource a pattern matches starts with its literal head (the text before its first
    wildcard) and ends with its literal tail: a pattern of ``by`` whose head (tail) is neither
    a prefix (suffix) of ``inner``'s nor the other way round shares no resource with
    ``inner``. ``inner`` is covered by a pattern that is ``inner``'s start followed by a final
    ``*``, and not covered when no pattern of ``by`` matches ``inner`` with its ``*`` empty and
    its ``?`` a letter. Patterns with policy variables go straight to the automata.

    >>> covered("arn:aws:s3:::b/a", ["arn:aws:s3:::b/*"])
    True
    >>> covered("arn:aws:s3:::b/*", ["arn:aws:s3:::b/a", "arn:aws:s3:::c/*"])
    False
    """
    return _covered(inner, tuple(by))


@cache
def _covered(inner: str, by: tuple[str, ...]) -> bool:
    if inner in by or "*" in by:
        return True
    if "${" in inner or any("${" in outer for outer in by):
        candidates = by
    else:
        from lambda_perms.iam._glob import resource_regex

        head, tail = _head(inner), _tail(inner)
        candidates = tuple(
            outer
            for outer in by
            if _one_extends_the_other(head, _head(outer), str.startswith)
            and _one_extends_the_other(tail, _tail(outer), str.endswith)
        )
        for outer in candidates:
            start = outer[:-1]
            if outer.endswith("*") and start[-1:] not in ("*", "?", "") and inner.startswith(start):
                return True
        witness = inner.replace("*", "").replace("?", "x")
        if not any(resource_regex(outer).fullmatch(witness) for outer in candidates):
            return False
    if not candidates:
        return False
    return is_subset([compile_pattern(inner)], [compile_pattern(outer) for outer in candidates])


def _head(text: str) -> str:
    """The literal text before the first wildcard (all of ``text`` without one)."""
    cuts = [i for i in (text.find("*"), text.find("?")) if i >= 0]
    return text[: min(cuts)] if cuts else text


def _tail(text: str) -> str:
    """The literal text after the last wildcard (all of ``text`` without one)."""
    return text[max(text.rfind("*"), text.rfind("?")) + 1 :]


def _one_extends_the_other(a: str, b: str, extends: Callable[[str, str], bool]) -> bool:
    return extends(a, b) or extends(b, a)
