"""Exact comparison of policies: conditions decided by what they mean, and witnesses.

:func:`lambda_perms.algebra.diff.diff` and :func:`~lambda_perms.algebra.diff.covers` treat a
``Condition`` block as an opaque atom: ``NumericLessThanEquals s3:max-keys 20`` does not cover
``... 10`` there, and a difference they report may not exist. With ``exact=True`` (this module,
the ``exact`` extra: ``pip install 'lambda-perms[exact]'``) the same actions and resource regions
are kept (:class:`~lambda_perms.algebra._space.Space`, :mod:`lambda_perms.iam._reglang`). In each
region, the grants the condition atoms leave in doubt (all Allow grants where a region has more
than a few distinct conditions) make one question to the z3 SMT solver: "is there a request
context under which one of these grants allows and the other policy does not?"; a model settles
every grant its request falls in, and the question is asked again for the rest. The condition
operators are encoded as :func:`lambda_perms.iam.conditions.evaluate` decides them, once per
policy pair:

* every condition key is absent, one value or a list of values (a multivalued key; a list of
  at most one element per set-operator test of the key plus one is enough to tell every case
  apart), compared case-insensitively by name;
* String, ARN and Bool operators compare strings as regular languages: ``StringLike``/``ArnLike``
  wildcards (``*`` any run, ``?`` one character; ARN components split at the first five colons),
  ``...IgnoreCase`` and ``Bool`` through the characters whose lower case is the policy's. A key
  no policy variable touches is decided by the regions its languages carve out of the string
  space (an exploration of the product of their automata, z3 only picks a region); policy
  variables (``${aws:username}``, defaults, ``${*}``) make the key a z3 string, and the variable
  the other key's string;
* Numeric and Date operators compare rationals (dates as instants in seconds since the epoch,
  whatever format the policy wrote), IpAddress operators 32- and 128-bit vectors, BinaryEquals
  the decoded bytes; ``Null``, ``...IfExists``, ``ForAllValues``/``ForAnyValue``, negated
  operators and values the operator cannot parse exactly as the evaluator treats them;
* ``Principal``/``NotPrincipal`` over a finite set of principals that stands for all of them
  (each named principal, one more in each named account, one more of each kind).

A model of the formula becomes a :class:`~lambda_perms.iam.request.Request` (the first action
of the group, a resource of the region, the context, the principal), which is then checked with
:meth:`lambda_perms.Policy.evaluate`: a witness is never reported unless the evaluator confirms
that one policy allows it and the other does not.

Where the encoding would not be exact the grant is still decided soundly, never towards
"covers": a condition entry it cannot encode becomes an independent atom (as in the default
mode) and a difference found through it is reported without a witness; a note on the result
says which. These cases are: a key compared by operators of different kinds (``StringEquals``
and ``NumericLessThan`` on one key), a policy variable in an ``...IgnoreCase`` or ARN operator's
value or naming a key compared as a number, date, address or binary value, a policy variable in a
``Resource`` pattern, and a solver that gives up (5 seconds per question).

Case rules follow the evaluator: ``StringEquals``/``StringLike``/``Arn*`` compare case-sensitively;
``...IgnoreCase`` compares the Python lower case of the whole value (the characters whose lower
case is a policy character are listed once, checked against the whole of Unicode by the tests);
``Bool`` takes ``true``/``false`` in any case.

z3 is imported on first use; without it every entry point raises
:class:`~lambda_perms.errors.UsageError` naming the extra. The solver's global context is not
thread-safe: use the exact mode from one thread at a time.
"""

from __future__ import annotations

import base64
import ipaddress
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from functools import lru_cache
from typing import Any

from lambda_perms._universe import Universe
from lambda_perms._universe import universe as default_universe
from lambda_perms.algebra._refine import UNDECIDED, _Region, _Undecided
from lambda_perms.algebra._space import Space
from lambda_perms.algebra.diff import PolicyDiff, _Grant, _uncovered
from lambda_perms.errors import UsageError
from lambda_perms.iam import _reglang
from lambda_perms.iam.arn import ResourcePattern
from lambda_perms.iam.conditions import (
    _DEFAULT,
    _SPECIAL,
    _VARIABLE,
    _VARIABLE_FAMILIES,
    Operator,
    _arn_components,
    _parse_binary,
    _parse_bool,
    _parse_date,
    _parse_network,
    _parse_number,
    _scalar_text,
    _tokens,
    _Wild,
    parse_operator,
)
from lambda_perms.iam.policy import ConditionEntry, Effect, Policy, Principal, Statement
from lambda_perms.iam.request import Request

__all__ = ["Coverage", "coverage", "exact_diff"]


def __dir__() -> list[str]:
    return __all__


#: Per solver question; a question the solver cannot answer in time is undecided.
TIMEOUT_MS = 5000


def _z3() -> Any:
    try:
        import z3
    except ImportError:
        raise UsageError(
            "the exact mode needs the z3 solver: pip install 'lambda-perms[exact]'"
        ) from None
    return z3


@dataclass(frozen=True, slots=True)
class Coverage:
    """The answer of :func:`coverage`: whether ``outer`` allows every request ``inner`` allows.

    ``witness`` is a request ``inner`` allows and ``outer`` does not (confirmed by the
    evaluator), when ``covers`` is false and one was found. ``notes`` say where the exact mode
    fell back to independent atoms; ``exact`` is true when it never did. ``covers`` is never
    true wrongly; without ``exact`` a false answer may be a difference that does not exist.
    """

    covers: bool
    witness: Request | None
    notes: tuple[str, ...] = ()

    @property
    def exact(self) -> bool:
        return not self.notes

    def __bool__(self) -> bool:
        return self.covers


def coverage(outer: Policy, inner: Policy, *, universe: Universe | None = None) -> Coverage:
    """Whether ``outer`` allows every request ``inner`` allows, deciding conditions by what
    they mean, with a witness request when it does not (see the module documentation).

    :raises UsageError: when z3 is not installed (the ``exact`` extra).
    """
    _z3()
    known = universe if universe is not None else default_universe()
    space = Space(known, (outer, inner))
    notes: set[str] = set()
    refine = _Refiner(outer, inner, space, notes)
    entries = _uncovered(outer, inner, space, first_only=True, refine=refine)
    if not entries:
        return Coverage(True, None, tuple(sorted(notes)))
    witness = entries[0].witness
    if witness is None:  # an undecided entry came first: look for a confirmed one
        every = _uncovered(outer, inner, space, first_only=False, refine=refine)
        witness = next((e.witness for e in every if e.witness is not None), None)
    return Coverage(False, witness, tuple(sorted(notes)))


def exact_diff(base: Policy, other: Policy, *, universe: Universe | None = None) -> PolicyDiff:
    """:func:`lambda_perms.algebra.diff.diff` deciding conditions by what they mean: only
    grants holding a real difference are listed, each entry with a witness request (see the
    module documentation; ``PolicyDiff.notes`` say where it fell back to atoms).

    :raises UsageError: when z3 is not installed (the ``exact`` extra).
    """
    _z3()
    known = universe if universe is not None else default_universe()
    space = Space(known, (base, other))
    notes: set[str] = set()
    shared: dict[str, _Encoder] = {}
    added = _uncovered(
        base, other, space, first_only=False, refine=_Refiner(base, other, space, notes, shared)
    )
    removed = _uncovered(
        other, base, space, first_only=False, refine=_Refiner(other, base, space, notes, shared)
    )
    return PolicyDiff(
        added=added, removed=removed, universe=known.version, exact=True, notes=tuple(sorted(notes))
    )


# -- the refinement called by diff._uncovered_units --------------------------------------------

_NOTE_RESOURCE_VARIABLES = (
    "resource patterns with policy variables (${...}) are compared as in the default mode, "
    "without witnesses"
)
_NOTE_UNVERIFIED = "a solver model did not survive evaluation; the grant is kept without a witness"
_NOTE_TIMEOUT = "the solver gave up on a question; the grant is kept without a witness"

_Atom = tuple[tuple[Any, ...], bool]  # (diff._atom of the statement, policy variables on)
_Model = tuple[dict[str, Any], tuple[str, str] | None]


class _Refiner:
    """Decides, for one grant of ``inner`` in one resource region, whether some request there
    is allowed by ``inner`` and not by ``outer``; answers are cached by condition structure."""

    def __init__(
        self,
        outer: Policy,
        inner: Policy,
        space: Space,
        notes: set[str],
        shared: dict[str, _Encoder] | None = None,
    ) -> None:
        self.outer = outer
        self.inner = inner
        self.space = space
        self.notes = notes
        self.shared = {} if shared is None else shared  # one encoder for both directions
        self.count = len(inner.statements)  # diff._uncovered numbers inner's grants first
        self.cache: dict[tuple[Any, ...], _Model | _Undecided | None] = {}
        self._ids: dict[_Atom, int] = {}  # a small number per atom: cheap cache keys
        self._id_of: dict[int, int] = {}  # grant index -> atom number

    def _atom(self, grant: _Grant) -> _Atom:
        # grant.atom already tells a ${...} condition of a Version-less policy apart (versioned
        # grants); the flag also says how to read the variables
        policy = self.inner if grant.index < self.count else self.outer
        return (grant.atom, policy.version == "2012-10-17")

    def _id(self, grant: _Grant) -> int:
        number = self._id_of.get(grant.index)
        if number is None:
            number = self._ids.setdefault(self._atom(grant), len(self._ids))
            self._id_of[grant.index] = number
        return number

    def __call__(
        self, grants: Sequence[_Grant], region: _Region
    ) -> dict[int, Request | _Undecided]:
        inner_touch, outer_touch = region.inner, region.outer
        if any(
            g.resources is not None and any("${" in r for r in g.resources)
            for g in (*inner_touch, *outer_touch)
        ):
            self.notes.add(_NOTE_RESOURCE_VARIABLES)
            return dict.fromkeys((g.index for g in grants), UNDECIDED)
        others = (
            frozenset(self._id(g) for g in inner_touch if g.effect is Effect.DENY),
            frozenset(self._id(g) for g in outer_touch if g.effect is Effect.ALLOW),
            frozenset(self._id(g) for g in outer_touch if g.effect is Effect.DENY),
        )
        action = self.space.display(sorted(region.actions)[0]).text
        resource = _region_witnesses(tuple(region.texts)).get(region.members)
        out: dict[int, Request | _Undecided] = {}
        remaining = list(grants)
        # one question for all the grants: a model gives a request that some of them allow and
        # the other side does not; those are done, ask again for the rest until none is left
        while remaining:
            key = (frozenset(self._id(g) for g in remaining), *others)
            if key not in self.cache:
                self.cache[key] = self._solve(remaining, inner_touch, outer_touch)
            found = self.cache[key]
            if found is None:
                break
            live = self._confirmed(found, remaining, action, resource)
            if not live:
                out.update(dict.fromkeys((g.index for g in remaining), UNDECIDED))
                break
            request = live[0][1]
            for grant, _ in live:
                out[grant.index] = request
            done = {g.index for g, _ in live}
            remaining = [g for g in remaining if g.index not in done]
        return out

    def _confirmed(
        self,
        found: _Model | _Undecided,
        grants: Sequence[_Grant],
        action: str,
        resource: str | None,
    ) -> list[tuple[_Grant, Request]]:
        """The grants the model's request falls in, when the evaluator confirms that ``inner``
        allows it and ``outer`` does not (none: undecided, with a note)."""
        if isinstance(found, _Undecided):
            return []
        if resource is None:  # pragma: no cover - every region has a witness
            self.notes.add(_NOTE_UNVERIFIED)
            return []
        context, principal = found
        request = Request(action, resource, context, principal)
        if not self.inner.evaluate(request).allowed or self.outer.evaluate(request).allowed:
            self.notes.add(_NOTE_UNVERIFIED)
            return []
        live = [
            (grant, request)
            for grant in grants
            if grant.statement.applies_to(
                action,
                resource,
                request.context,
                principal=principal,
                variables=self._atom(grant)[1],
            )
        ]
        if not live:  # pragma: no cover - the model makes one of the grants hold
            self.notes.add(_NOTE_UNVERIFIED)
        return live

    def _solve(
        self, grants: Sequence[_Grant], inner_touch: Sequence[_Grant], outer_touch: Sequence[_Grant]
    ) -> _Model | _Undecided | None:
        z3 = _z3()
        parts: list[tuple[str, _Grant]] = [("target", g) for g in grants]
        parts += [("inner-deny", g) for g in inner_touch if g.effect is Effect.DENY]
        parts += [("outer-allow", g) for g in outer_touch if g.effect is Effect.ALLOW]
        parts += [("outer-deny", g) for g in outer_touch if g.effect is Effect.DENY]
        encoder = self._encoder(z3)
        applies: dict[str, list[Any]] = {}
        keys: set[str] = set()
        for role, g in parts:
            expr, used = encoder.applies(g.statement, self._atom(g)[1])
            applies.setdefault(role, []).append(expr)
            keys |= used
        formula = z3.And(
            z3.Or(*applies["target"], False),
            z3.Not(z3.Or(*applies.get("inner-deny", []), False)),
            z3.Not(
                z3.And(
                    z3.Or(*applies.get("outer-allow", []), False),
                    z3.Not(z3.Or(*applies.get("outer-deny", []), False)),
                )
            ),
        )
        solver = z3.Solver()
        solver.set("timeout", TIMEOUT_MS)
        solver.add(*encoder.constraints_of(keys), formula)
        result = solver.check()
        self.notes.update(encoder.notes)
        if result == z3.unsat:
            return None
        if result != z3.sat:
            self.notes.add(_NOTE_TIMEOUT)
            return UNDECIDED
        return encoder.witness(solver.model(), keys)

    def _encoder(self, z3: Any) -> _Encoder:
        """One encoder for every statement of both policies (keys, regions and list sizes are
        planned over all of them), so a condition is encoded once however many questions use
        it."""
        if "encoder" not in self.shared:
            statements = [(s, self.inner.version == "2012-10-17") for s in self.inner.statements]
            statements += [(s, self.outer.version == "2012-10-17") for s in self.outer.statements]
            self.shared["encoder"] = _Encoder(z3, statements)
        return self.shared["encoder"]


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


# -- the encoding of conditions and principals -------------------------------------------------

#: The kind of value a key is compared as, by operator family ("str" also serves ARN and Bool).
_DOMAIN = {"String": "str", "Arn": "str", "Bool": "str", "Numeric": "num", "Date": "date",
           "IpAddress": "ip", "Binary": "bin"}  # fmt: skip
_EMPTY, _JUNK, _VALID, _V6 = 0, 1, 2, 3  # value tags of the non-string domains
_JUNK_TEXT = {"num": "x", "date": "x", "ip": "x", "bin": "!", "null": "x"}

#: Characters outside {c, c.upper(), c.title()} whose Python lower case is the Latin-1
#: character c (checked over all of Unicode by tests/test_exact.py). IAM policy text is
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


#: (is a value of the operator's type, does it match one of the policy's values)
_Pred = tuple[Callable[["_Value"], Any], Callable[["_Value"], Any]]


class _Inexact(Exception):
    """An entry the encoding cannot decide exactly; the message is the note."""


@dataclass(slots=True)
class _Value:
    """The z3 variables of one context value (a scalar, or one item of a list)."""

    s: Any = None  # str: the string
    tag: Any = None  # other domains: _EMPTY, _JUNK, _VALID (or _V6 for addresses)
    r: Any = None  # num/date: the number (seconds for dates)
    n: Any = None  # num/date: r * 10**digits, an integer (so the witness is a finite decimal)
    a4: Any = None  # ip: IPv4 address
    a6: Any = None  # ip: IPv6 address
    idx: Any = None  # bin: which constant (len(constants): other bytes); text: which region


@dataclass(slots=True)
class _Key:
    name: str
    spelling: str
    domain: str
    mixed: bool
    shape: Any  # 0 absent, 1 one value, 2 a list
    scalar: _Value
    length: Any
    items: list[_Value]
    constants: list[bytes]  # bin: the byte strings policies name (b"" is the empty value)
    langs: dict[_Lang, int]  # text: the languages, numbered
    regions: tuple[tuple[frozenset[int], str], ...]  # text: (languages it is in, a string)

    def member(self, z3: Any, value: _Value, lang: _Lang) -> Any:
        """text: the value is in ``lang``."""
        number = self.langs[lang]
        return z3.Or(
            *(value.idx == j for j, (inside, _) in enumerate(self.regions) if number in inside),
            False,
        )

    @property
    def absent(self) -> Any:
        return self.shape == 0


@dataclass(slots=True)
class _Plan:
    """What the statements ask of each condition key, gathered before any variable is made."""

    families: dict[str, set[str]] = field(default_factory=dict)  # key -> domains compared as
    setops: dict[str, int] = field(default_factory=dict)  # key -> set-operator tests
    spellings: dict[str, str] = field(default_factory=dict)  # key -> as first written
    digits: dict[str, int] = field(default_factory=lambda: {"num": 0, "date": 0})
    constants: dict[str, set[bytes]] = field(default_factory=dict)  # binary values
    langs: dict[str, dict[_Lang, None]] = field(default_factory=dict)  # string languages
    strings: set[str] = field(default_factory=set)  # keys policy variables touch: z3 strings
    principals: list[Principal] = field(default_factory=list)

    @classmethod
    def of(cls, statements: Sequence[tuple[Statement, bool]]) -> _Plan:
        plan = cls()
        for statement, variables in statements:
            plan.principals += [p for p in (statement.principal, statement.not_principal) if p]
            for entry in statement.condition.entries:
                plan.add(entry, variables)
        return plan

    def add(self, entry: ConditionEntry, variables: bool) -> None:
        op = parse_operator(entry.operator)
        key = entry.key.lower()
        self.spellings.setdefault(key, entry.key)
        self.families.setdefault(key, set())
        if op.family != "Null":
            self.families[key].add(_DOMAIN[op.family])
        if op.set_operator is not None:
            self.setops[key] = self.setops.get(key, 0) + 1
        for value in entry.values:
            if op.family in ("Numeric", "Date"):
                parsed = (_parse_number if op.family == "Numeric" else _parse_date)(value)
                if parsed is not None:
                    domain = _DOMAIN[op.family]
                    self.digits[domain] = max(self.digits[domain], _decimals(parsed))
            elif op.family == "Binary":
                raw = _parse_binary(value)
                if raw:
                    self.constants.setdefault(key, set()).add(raw)
            elif variables and op.family in _VARIABLE_FAMILIES and isinstance(value, str):
                for match in _VARIABLE.finditer(value):
                    self.strings.add(key)
                    name = _variable(match.group(1))[0]
                    if name:
                        self.spellings.setdefault(name.lower(), name)
                        self.families.setdefault(name.lower(), set()).add("str")
                        self.strings.add(name.lower())
        if op.family in _VARIABLE_FAMILIES:
            found = self.langs.setdefault(key, dict.fromkeys([_EMPTY_TEXT]))
            found.update(dict.fromkeys(_languages(op, entry.values)))


class _Encoder:
    """Builds the z3 formula of statements' conditions and principals, and reads a request
    context back from a model."""

    def __init__(self, z3: Any, statements: Sequence[tuple[Statement, bool]]) -> None:
        self.z3 = z3
        self.constraints: list[Any] = []
        self.key_constraints: dict[str, list[Any]] = {}
        self.notes: set[str] = set()
        self._entries: dict[tuple[Any, ...], tuple[Any, frozenset[str]]] = {}
        self._free: dict[tuple[Any, ...], Any] = {}
        self._applies: dict[tuple[int, bool], tuple[Any, frozenset[str]]] = {}
        self._using: set[str] = set()
        plan = _Plan.of(statements)
        families, setops, spellings = plan.families, plan.setops, plan.spellings
        constants, langs, strings, digits = plan.constants, plan.langs, plan.strings, plan.digits
        self.digits = {domain: d + 1 for domain, d in digits.items()}
        self.keys: dict[str, _Key] = {}
        for number, (key, kinds) in enumerate(sorted(families.items())):
            before = len(self.constraints)
            domain = "null" if not kinds else next(iter(kinds)) if len(kinds) == 1 else "str"
            if domain == "str" and len(kinds) == 1 and key not in strings:
                domain = "text"
            self.keys[key] = self._key(
                f"k{number}",
                key,
                spellings[key],
                domain=domain,
                mixed=len(kinds) > 1,
                size=setops.get(key, 0) + 1,
                constants=sorted(constants.get(key, ())),
                langs=tuple(langs.get(key, {})) if domain == "text" else (),
            )
            self.key_constraints[key] = self.constraints[before:]
        before = len(self.constraints)
        self._principals(plan.principals)
        self.principal_constraints = self.constraints[before:]

    # -- variables ------------------------------------------------------------------------

    def _key(
        self,
        prefix: str,
        name: str,
        spelling: str,
        *,
        domain: str,
        mixed: bool,
        size: int,
        constants: list[bytes],
        langs: tuple[_Lang, ...],
    ) -> _Key:
        z3 = self.z3
        shape = z3.Int(f"{prefix}.shape")
        length = z3.Int(f"{prefix}.length")
        self.constraints += [shape >= 0, shape <= 2, length >= 0, length <= size]
        regions = _text_regions(langs) if domain == "text" else ()
        count = len(regions) if domain == "text" else len(constants)
        values = [self._value(f"{prefix}.{i}", domain, count) for i in range(size + 1)]
        numbered = {lang: i for i, lang in enumerate(langs)}
        return _Key(name, spelling, domain, mixed, shape, values[0], length, values[1:],
                    constants, numbered, regions)  # fmt: skip

    def _value(self, name: str, domain: str, constants: int) -> _Value:
        z3 = self.z3
        if domain == "str":
            return _Value(s=z3.String(f"{name}.s"))
        if domain == "text":
            idx = z3.Int(f"{name}.idx")
            self.constraints += [idx >= 0, idx < constants]
            return _Value(idx=idx)
        tag = z3.Int(f"{name}.tag")
        top = {"ip": _V6, "null": _JUNK}.get(domain, _VALID)
        self.constraints += [tag >= 0, tag <= top]
        value = _Value(tag=tag)
        if domain in ("num", "date"):
            value.r, value.n = z3.Real(f"{name}.r"), z3.Int(f"{name}.n")
            self.constraints.append(value.r * 10 ** self.digits[domain] == z3.ToReal(value.n))
        elif domain == "ip":
            value.a4, value.a6 = z3.BitVec(f"{name}.a4", 32), z3.BitVec(f"{name}.a6", 128)
        elif domain == "bin":
            value.idx = z3.Int(f"{name}.idx")
            self.constraints += [value.idx >= 0, value.idx <= constants]
        return value

    def _empty(self, key: _Key, value: _Value) -> Any:
        if key.domain == "str":
            return value.s == self._string("")
        if key.domain == "text":
            return key.member(self.z3, value, _EMPTY_TEXT)
        return value.tag == _EMPTY

    def _string(self, text: str) -> Any:
        # z3 reads \\u{...} escapes in string literals: write a backslash as one
        return self.z3.StringVal(text.replace("\\", "\\u{5c}"))

    # -- statements -----------------------------------------------------------------------

    def applies(self, statement: Statement, variables: bool) -> tuple[Any, frozenset[str]]:
        """The condition (and principal) of ``statement`` holds, and the keys (``""``: the
        principal) that this depends on."""
        slot = (id(statement), variables)
        if slot not in self._applies:
            z3 = self.z3
            parts: list[Any] = []
            keys: set[str] = set()
            for entry in statement.condition.entries:
                expr, used = self.entry(entry, variables)
                parts.append(expr)
                keys |= used
            if statement.principal is not None:
                parts.append(self._principal_is(statement.principal))
                keys.add("")
            if statement.not_principal is not None:
                parts.append(z3.Not(self._principal_is(statement.not_principal)))
                keys.add("")
            self._applies[slot] = (z3.And(*parts, True), frozenset(keys))
        return self._applies[slot]

    def constraints_of(self, keys: Iterable[str]) -> list[Any]:
        """The range constraints of the variables of ``keys``."""
        out: list[Any] = []
        for key in sorted(keys):
            out += self.principal_constraints if key == "" else self.key_constraints[key]
        return out

    def entry(self, entry: ConditionEntry, variables: bool) -> tuple[Any, frozenset[str]]:
        slot = (entry.operator, entry.key.lower(), entry.values, variables)
        if slot not in self._entries:
            self._using = {entry.key.lower()}
            try:
                expr = self._entry(entry, variables)
            except _Inexact as e:
                self.notes.add(str(e))
                expr = self._free.setdefault(slot, self.z3.Bool(f"atom{len(self._free)}"))
            self._entries[slot] = (expr, frozenset(self._using))
        return self._entries[slot]

    def _entry(self, entry: ConditionEntry, variables: bool) -> Any:
        z3 = self.z3
        op = parse_operator(entry.operator)
        key = self.keys[entry.key.lower()]
        if op.family == "Null":
            wanted: set[bool] = set()
            for value in entry.values:
                parsed = _parse_bool(value)
                if parsed is None:
                    return z3.BoolVal(False)
                wanted.add(parsed)
            null = z3.Or(
                key.absent,
                z3.And(key.shape == 1, self._empty(key, key.scalar)),
                z3.And(key.shape == 2, key.length == 0),
            )
            tests = [null] if True in wanted else []
            return z3.Or(*tests, *([z3.Not(null)] if False in wanted else []))
        if key.mixed:
            raise _Inexact(
                f"condition key {key.spelling!r} is compared by operators of different kinds; "
                "its conditions are independent atoms"
            )
        variables = variables and op.family in _VARIABLE_FAMILIES
        predicate = self._predicate(op, entry.values, key, variables)
        if predicate is None:  # a value the operator cannot parse: the entry is false
            return z3.BoolVal(False)
        typed, hit = predicate

        def result(value: _Value) -> Any:
            return z3.Not(hit(value)) if op.negated else hit(value)

        if op.set_operator is None:
            absent = z3.BoolVal(op.if_exists or op.negated)
            scalar = z3.And(typed(key.scalar), result(key.scalar))
            listed = z3.BoolVal(False)
        else:
            every = op.set_operator == "ForAllValues"
            absent = z3.BoolVal(every)
            one = z3.And(typed(key.scalar), result(key.scalar))
            scalar = z3.If(self._empty(key, key.scalar), z3.BoolVal(every), one)
            active = [(key.length > i, item) for i, item in enumerate(key.items)]
            typed_all = z3.And(*(z3.Implies(a, typed(v)) for a, v in active), True)
            if every:
                listed = z3.And(typed_all, *(z3.Implies(a, result(v)) for a, v in active))
            else:
                listed = z3.And(typed_all, z3.Or(*(z3.And(a, result(v)) for a, v in active), False))
        return z3.If(key.absent, absent, z3.If(key.shape == 1, scalar, listed))

    # -- predicates: (is the value of the operator's type, does it match a policy value) ----

    def _predicate(
        self, op: Operator, values: Sequence[Any], key: _Key, variables: bool
    ) -> _Pred | None:
        z3 = self.z3
        if key.domain == "text" and op.family in _VARIABLE_FAMILIES:
            return self._text_predicate(op, values, key)
        if op.family == "String":
            return self._string_predicate(op, values, variables)
        if op.family == "Arn":
            return self._arn_predicate(values, variables)
        if op.family == "Bool":
            return self._bool_predicate(values, variables)
        if op.family in ("Numeric", "Date"):
            parse = _parse_number if op.family == "Numeric" else _parse_date
            numbers = [parse(v) for v in values]
            if any(n is None for n in numbers):
                return None
            compare = _COMPARE[op.base.removeprefix(op.family)]
            constants = [z3.Q(*n.as_integer_ratio()) for n in numbers if n is not None]

            def number(v: _Value) -> Any:
                return z3.Or(*(compare(v.r, c) for c in constants), False)

            return (lambda v: v.tag == _VALID), number
        if op.family == "IpAddress":
            networks = [_parse_network(v) for v in values]
            if any(n is None for n in networks):
                return None

            def inside(v: _Value) -> Any:
                tests = []
                for net in networks:
                    assert net is not None
                    v4 = net.version == 4
                    bits, tag, address = (32, _VALID, v.a4) if v4 else (128, _V6, v.a6)
                    if net.prefixlen == 0:
                        tests.append(v.tag == tag)
                    else:
                        head = z3.Extract(bits - 1, bits - net.prefixlen, address)
                        prefix = int(net.network_address) >> (bits - net.prefixlen)
                        tests.append(z3.And(v.tag == tag, head == prefix))
                return z3.Or(*tests, False)

            return (lambda v: z3.Or(v.tag == _VALID, v.tag == _V6)), inside
        if op.family == "Binary":
            wanted = [_parse_binary(v) for v in values]
            if any(w is None for w in wanted):
                return None

            def same(v: _Value) -> Any:
                tests = [v.tag == _EMPTY] if b"" in wanted else []
                tests += [z3.And(v.tag == _VALID, v.idx == key.constants.index(w))
                          for w in set(wanted) if w]  # fmt: skip
                return z3.Or(*tests, False)

            # "" decodes to b"": the empty value is a valid binary value
            return (lambda v: z3.Or(v.tag == _EMPTY, v.tag == _VALID)), same
        raise AssertionError(op.family)  # pragma: no cover

    def _text_predicate(self, op: Operator, values: Sequence[Any], key: _Key) -> _Pred | None:
        z3 = self.z3
        if op.family == "Bool":
            wanted = [_parse_bool(v) for v in values]
            if None in wanted:
                return None
            langs = [_TRUE if w else _FALSE for w in set(wanted)]
        else:
            langs = _languages(op, values)
        if op.family == "Arn":
            shape, langs = langs[0], langs[1:]

            def typed(v: _Value) -> Any:
                return key.member(z3, v, shape)
        elif op.family == "Bool":

            def typed(v: _Value) -> Any:
                return z3.Or(key.member(z3, v, _TRUE), key.member(z3, v, _FALSE))
        else:

            def typed(v: _Value) -> Any:
                return True

        def hit(v: _Value) -> Any:
            return z3.Or(*(key.member(z3, v, lang) for lang in langs), False)

        return typed, hit

    def _string_predicate(self, op: Operator, values: Sequence[Any], variables: bool) -> _Pred:
        z3 = self.z3
        options: list[tuple[Any, list[_Part]]] = []
        for value in values:
            resolved = self._parts(value, variables)
            if resolved is not None:
                options.append(resolved)
        if op.base in ("StringLike", "StringNotLike"):
            regexes = [(ready, self._glob(parts)) for ready, parts in options]
            return _anything, lambda v: z3.Or(
                *(z3.And(ready, z3.InRe(v.s, regex)) for ready, regex in regexes), False
            )
        if op.base.endswith("IgnoreCase"):
            if any(not isinstance(part, str) for _, parts in options for part in parts):
                raise _Inexact(
                    f"a policy variable in a {op.base} value is compared as an independent atom"
                )
            folded = [self._folded("".join(map(str, parts)).lower()) for _, parts in options]
            return _anything, lambda v: z3.Or(*(z3.InRe(v.s, f) for f in folded), False)
        texts = [(ready, self._concat(parts)) for ready, parts in options]
        return _anything, lambda v: z3.Or(
            *(z3.And(ready, v.s == text) for ready, text in texts), False
        )

    def _arn_predicate(self, values: Sequence[Any], variables: bool) -> _Pred:
        z3 = self.z3
        regexes = []
        for value in values:
            text = _scalar_text(value)
            if variables and _VARIABLE.search(text):
                raise _Inexact(
                    "a policy variable in an ARN operator's value is compared as an "
                    "independent atom"
                )
            components = _arn_components(_tokens([(text, False)]))
            if components is None:  # not six components: matches no ARN
                continue
            pieces = []
            for i, tokens in enumerate(components):
                if i:
                    pieces.append(z3.Re(self._string(":")))
                one = self._all() if i == 5 else self._not_colon()
                for token in tokens:
                    if token is _Wild.STAR:
                        pieces.append(z3.Star(one))
                    elif token is _Wild.ONE:
                        pieces.append(one)
                    else:
                        pieces.append(z3.Re(self._string(str(token))))
            regexes.append(z3.Concat(*pieces) if len(pieces) > 1 else pieces[0])
        segment = z3.Concat(z3.Star(self._not_colon()), z3.Re(self._string(":")))
        shape = z3.Concat(*([segment] * 5), z3.Star(self._all()))
        return (lambda v: z3.InRe(v.s, shape)), lambda v: z3.Or(
            *(z3.InRe(v.s, r) for r in regexes), False
        )

    def _bool_predicate(self, values: Sequence[Any], variables: bool) -> _Pred | None:
        z3 = self.z3
        true, false = self._folded("true"), self._folded("false")
        tests: list[Callable[[_Value], Any]] = []
        for value in values:
            if variables and isinstance(value, str) and _VARIABLE.search(value):
                resolved = self._parts(value, variables)
                if resolved is None:
                    continue
                ready, parts = resolved
                tests.append(self._same_bool(ready, self._concat(parts), true, false))
                continue
            parsed = _parse_bool(value)
            if parsed is None:
                return None
            tests.append(self._in(true if parsed else false))
        return (lambda v: z3.InRe(v.s, z3.Union(true, false))), lambda v: z3.Or(
            *(t(v) for t in tests), False
        )

    def _same_bool(self, ready: Any, text: Any, true: Any, false: Any) -> Callable[[_Value], Any]:
        z3 = self.z3

        def test(v: _Value) -> Any:
            return z3.And(
                ready,
                z3.Or(
                    z3.And(z3.InRe(text, true), z3.InRe(v.s, true)),
                    z3.And(z3.InRe(text, false), z3.InRe(v.s, false)),
                ),
            )

        return test

    def _in(self, regex: Any) -> Callable[[_Value], Any]:
        z3 = self.z3

        def test(v: _Value) -> Any:
            return z3.InRe(v.s, regex)

        return test

    # -- strings with policy variables ------------------------------------------------------

    def _parts(self, value: Any, variables: bool) -> tuple[Any, list[_Part]] | None:
        """A policy value as parts: ``str`` (policy text; wildcards count), :class:`_Literal`
        (text that came from ``${*}`` and the like) and z3 strings (a variable's value), with
        the condition under which every variable has a value. ``None``: never has a value."""
        z3 = self.z3
        text = _scalar_text(value)
        if not variables:
            return z3.BoolVal(True), [text]
        parts: list[_Part] = []
        ready: list[Any] = []
        position = 0
        for match in _VARIABLE.finditer(text):
            if match.start() > position:
                parts.append(text[position : match.start()])
            position = match.end()
            body = match.group(1)
            if body in _SPECIAL:
                parts.append(_Literal(body))
                continue
            name, default = _variable(body)
            if not name:
                if default is None:
                    return None
                parts.append(_Literal(default))
                continue
            key = self.keys[name.lower()]
            self._using.add(key.name)
            if key.domain != "str" or key.mixed:
                raise _Inexact(
                    f"policy variable ${{{name}}} names a key that is not compared as a string; "
                    "conditions using it are independent atoms"
                )
            if default is None:
                ready.append(key.shape == 1)
                parts.append(key.scalar.s)
            else:
                ready.append(z3.Or(key.shape == 1, key.absent))
                parts.append(z3.If(key.shape == 1, key.scalar.s, self._string(default)))
        if position < len(text):
            parts.append(text[position:])
        return z3.And(*ready, True), parts

    def _concat(self, parts: Sequence[_Part]) -> Any:
        pieces = [self._string(str(p)) if isinstance(p, str | _Literal) else p for p in parts]
        if not pieces:
            return self._string("")
        return self.z3.Concat(*pieces) if len(pieces) > 1 else pieces[0]

    def _glob(self, parts: Sequence[_Part]) -> Any:
        z3 = self.z3
        pieces = []
        for part in parts:
            if isinstance(part, _Literal):
                pieces.append(z3.Re(self._string(str(part))))
            elif isinstance(part, str):
                for char in part:
                    if char == "*":
                        pieces.append(z3.Star(self._all()))
                    elif char == "?":
                        pieces.append(self._all())
                    else:
                        pieces.append(z3.Re(self._string(char)))
            else:
                pieces.append(z3.Re(part))
        if not pieces:
            return z3.Re(self._string(""))
        return z3.Concat(*pieces) if len(pieces) > 1 else pieces[0]

    def _folded(self, lowered: str) -> Any:
        z3 = self.z3
        if not lowered:
            return z3.Re(self._string(""))
        pieces = []
        for char in lowered:
            options = [z3.Re(self._string(c)) for c in _fold_class(char)]
            pieces.append(z3.Union(*options) if len(options) > 1 else options[0])
        return z3.Concat(*pieces) if len(pieces) > 1 else pieces[0]

    def _all(self) -> Any:
        return self.z3.AllChar(self.z3.ReSort(self.z3.StringSort()))

    def _not_colon(self) -> Any:
        z3 = self.z3
        return z3.Intersect(self._all(), z3.Complement(z3.Re(self._string(":"))))

    # -- principals -------------------------------------------------------------------------

    def _principals(self, elements: Sequence[Principal]) -> None:
        self.candidates: list[tuple[str, str]] = []
        self.principal: Any = None
        if not elements:
            return
        named: set[tuple[str, str]] = set()
        accounts: set[str] = set()
        for element in elements:
            for kind, attribute in Principal.KINDS.items():
                for value in getattr(element, attribute):
                    if value != "*":
                        named.add((kind, value))
                        account = _account(value) if kind == "AWS" else None
                        if account is not None:
                            accounts.add(account)
        fresh_account = next(
            a for a in (f"{n:012d}" for n in range(999999999999, 0, -1)) if a not in accounts
        )
        candidates = set(named)
        candidates |= {("AWS", f"arn:aws:iam::{a}:user/witness") for a in accounts}
        candidates |= {
            ("AWS", f"arn:aws:iam::{fresh_account}:user/witness"),
            ("Service", "witness.amazonaws.com"),
            ("Federated", "witness.example.com"),
            ("CanonicalUser", "0" * 64),
        }
        self.candidates = sorted(candidates)
        self.principal = self.z3.Int("principal")
        self.constraints += [self.principal >= 0, self.principal < len(self.candidates)]

    def _principal_is(self, element: Principal) -> Any:
        z3 = self.z3
        return z3.Or(
            *(self.principal == i for i, c in enumerate(self.candidates) if element.matches(*c)),
            False,
        )

    # -- reading a model back ---------------------------------------------------------------

    def witness(self, model: Any, keys: Iterable[str]) -> _Model:
        z3 = self.z3

        def number(expr: Any) -> int:
            return int(model.eval(expr, model_completion=True).as_long())

        def render(key: _Key, value: _Value) -> str:
            if key.domain == "text":
                return key.regions[number(value.idx)][1]
            if key.domain == "str":
                length = number(z3.Length(value.s))
                return "".join(
                    chr(number(z3.StrToCode(z3.SubString(value.s, i, 1)))) for i in range(length)
                )
            tag = number(value.tag)
            if tag == _EMPTY:
                return ""
            if tag == _JUNK:
                return _JUNK_TEXT[key.domain]
            if key.domain in ("num", "date"):
                digits = self.digits[key.domain]
                text = format(Decimal(number(value.n)).scaleb(-digits), "f")
                return text if "." in text else text + ".0"
            if key.domain == "ip":
                if tag == _VALID:
                    return str(ipaddress.IPv4Address(number(value.a4)))
                return str(ipaddress.IPv6Address(number(value.a6)))
            index = number(value.idx)  # bin
            if index < len(key.constants):
                raw = key.constants[index]
            else:  # bytes no policy names: longer than all of them
                raw = b"\x00" * (max(map(len, key.constants), default=0) + 1)
            return base64.b64encode(raw).decode()

        context: dict[str, Any] = {}
        for key in (self.keys[k] for k in sorted(keys) if k):
            shape = number(key.shape)
            if shape == 1:
                context[key.spelling] = render(key, key.scalar)
            elif shape == 2:
                length = number(key.length)
                context[key.spelling] = [render(key, item) for item in key.items[:length]]
        principal = None
        if self.principal is not None and "" in keys:
            principal = self.candidates[number(self.principal)]
        return context, principal


class _Literal(str):
    """Text from ``${*}``, ``${?}``, ``${$}`` or a default: no wildcards in it."""

    __slots__ = ()


_Part = Any  # str | _Literal | a z3 string


def _anything(value: _Value) -> Any:
    return True


_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "Equals": lambda a, b: a == b,
    "NotEquals": lambda a, b: a == b,  # negated by the caller
    "LessThan": lambda a, b: a < b,
    "LessThanEquals": lambda a, b: a <= b,
    "GreaterThan": lambda a, b: a > b,
    "GreaterThanEquals": lambda a, b: a >= b,
}


def _decimals(number: Decimal) -> int:
    exponent = number.as_tuple().exponent
    return max(0, -exponent) if isinstance(exponent, int) else 0


def _variable(body: str) -> tuple[str, str | None]:
    """``(key name, default)`` of a ``${...}`` body (as the evaluator reads it)."""
    match = _DEFAULT.fullmatch(body)
    if match:
        return match.group("name").strip(), match.group("default")
    return body.strip(), None


def _account(principal: str) -> str | None:
    if len(principal) == 12 and principal.isdigit():
        return principal
    parts = principal.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and len(parts[4]) == 12 and parts[4].isdigit():
        return parts[4]
    return None
