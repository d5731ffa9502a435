"""Exact comparison of policies: conditions decided by what they mean, and witnesses.

:func:`lambda_perms.algebra.diff.diff` and :func:`~lambda_perms.algebra.diff.covers` treat a
``Condition`` block as an opaque atom: ``NumericLessThanEquals s3:max-keys 20`` does not cover
``... 10`` there, and a difference they report may not exist. With ``exact=True`` (this module,
the ``exact`` extra: ``pip install 'lambda-perms[exact]'``) the same actions and resource regions
are kept (:class:`~lambda_perms.algebra._space.Space`, :mod:`lambda_perms.iam._reglang`). The
default algorithm first decides each resource unit with conditions as independent atoms; in
each region of the units it leaves in doubt (:mod:`lambda_perms.algebra._refine`), their grants
make one question to the z3 SMT solver: "is there a request context under which one of these
grants allows and the other policy does not?"; a model settles every grant its request falls in,
and the question is asked again for the rest. The condition operators are encoded
(:mod:`~lambda_perms.algebra._encoder`; the string languages in
:mod:`~lambda_perms.algebra._exact_text`, the variables in
:mod:`~lambda_perms.algebra._exact_model`) as :func:`lambda_perms.iam.conditions.evaluate`
decides them, once per policy pair:

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

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from lambda_perms._universe import Universe
from lambda_perms._universe import universe as default_universe
from lambda_perms.algebra._encoder import _Encoder
from lambda_perms.algebra._exact_model import _Model
from lambda_perms.algebra._exact_text import _region_witnesses
from lambda_perms.algebra._refine import UNDECIDED, _Region, _Undecided
from lambda_perms.algebra._space import Space
from lambda_perms.algebra.diff import PolicyDiff, _Grant, _uncovered
from lambda_perms.errors import UsageError
from lambda_perms.iam.policy import Effect, Policy
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


# -- the refinement called by diff._uncovered (through _refine.refined_units) ---------------

_NOTE_RESOURCE_VARIABLES = (
    "resource patterns with policy variables (${...}) are compared as in the default mode, "
    "without witnesses"
)
_NOTE_UNVERIFIED = "a solver model did not survive evaluation; the grant is kept without a witness"
_NOTE_TIMEOUT = "the solver gave up on a question; the grant is kept without a witness"

_Atom = tuple[tuple[Any, ...], bool]  # (diff._atom of the statement, policy variables on)


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
