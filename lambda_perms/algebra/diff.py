"""What one policy allows that another does not: :func:`diff` and :func:`covers`.

Meaning. A policy means the set of requests (action, resource, context, principal) it allows:
allowed by some ``Allow`` statement and denied by no ``Deny`` statement. Actions range over
the universe snapshot plus every concrete action either policy names (:class:`Space`);
``NotAction`` is the complement within that space. Resources are arbitrary strings and
resource patterns are compared exactly as regular languages, not as strings. Conditions
(together with ``Principal``/``NotPrincipal``) are compared as opaque atoms: two statements
are "under the same condition" only when their condition blocks are equal; different
conditions are treated as independent, so the algebra never assumes one condition implies
another. :func:`diff` is empty iff both policies mean the same.

Cost. Actions with the same relevant grants are answered together; each Resource unit of an
Allow grant is then decided on its own, in time linear in the grants that can apply to it,
by witness resources, by a containing pattern, and only then by a bounded exact search over
resource patterns (``_uncovered_units``). The searches of one call take at most
``SEARCH_BUDGET`` transitions together; a unit left undecided counts as not covered, so
:func:`covers` never claims a cover it has not proved, and an empty :func:`diff` still means
the same meaning (the diff may then name a grant whose requests are in fact covered).

``exact=True`` (the ``exact`` extra) keeps the actions and the resource regions and decides the
conditions by what they mean instead (:mod:`lambda_perms.algebra.exact`): the units the atoms
leave in doubt are refined region by region (:mod:`lambda_perms.algebra._refine`), and every
entry then carries a witness :class:`~lambda_perms.iam.request.Request`. The default path stays
as it is.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any

from lambda_perms._universe import Universe, UniverseVersion
from lambda_perms._universe import universe as default_universe
from lambda_perms.algebra._judge import _Group, _Judge, _Resources, _Unit
from lambda_perms.algebra._refine import Refine, refined_units
from lambda_perms.algebra._space import Space
from lambda_perms.algebra.merge import block_key
from lambda_perms.iam import _reglang
from lambda_perms.iam.actions import Action
from lambda_perms.iam.policy import Condition, Effect, Policy, Principal, Statement
from lambda_perms.iam.request import Request

__all__ = ["DiffEntry", "PolicyDiff", "covers", "diff"]


def __dir__() -> list[str]:
    return __all__


@dataclass(frozen=True, slots=True)
class _Grant:
    index: int
    effect: Effect
    actions: frozenset[str]
    resources: tuple[str, ...] | None  # None: every resource (no Resource element)
    not_resource: bool
    atom: tuple[Any, ...]  # condition + principal, compared structurally; () is "always"
    statement: Statement


def _atom(statement: Statement, literal: bool = False) -> tuple[Any, ...]:
    """The statement's condition and principal as an opaque atom: their canonical JSON (equal
    exactly when the blocks are equal, and cheap to hash and compare, which every unit
    question does many times); ``()`` when there is neither."""
    if not statement.condition and statement.principal is None and statement.not_principal is None:
        return ()
    atom = (
        block_key(statement.condition),
        block_key(statement.principal),
        block_key(statement.not_principal),
    )
    if literal:  # ${...} is text in this policy (no 2012-10-17 Version): another condition
        return (*atom, "literal")
    return atom


def _grants(policy: Policy, space: Space, offset: int) -> list[_Grant]:
    """The grants of ``policy``. A condition holding ``${`` in a policy without the 2012-10-17
    Version (policy variables are literal text there) is a different atom from the same block
    in a versioned policy: the same text means something else."""
    literal_text = policy.version != "2012-10-17"
    out = []
    for i, statement in enumerate(policy.statements):
        if statement.resource is not None:
            resources: tuple[str, ...] | None = tuple(r.text for r in statement.resource)
            negated = False
        elif statement.not_resource is not None:
            resources = tuple(r.text for r in statement.not_resource)
            negated = True
        else:
            resources, negated = None, False
        out.append(
            _Grant(
                index=offset + i,
                effect=statement.effect,
                actions=space.actions_of(statement),
                resources=resources,
                not_resource=negated,
                atom=_atom(
                    statement,
                    literal_text and "${" in json.dumps(statement.condition.to_document()),
                ),
                statement=statement,
            )
        )
    return out


@dataclass(frozen=True, slots=True)
class DiffEntry:
    """Requests for ``action`` on ``resource`` (``*`` with ``except_resources`` for a
    ``NotResource`` grant) under ``condition`` (and principal, for resource policies)."""

    action: Action
    resource: str
    condition: Condition
    except_resources: tuple[str, ...] = ()
    principal: Principal | None = None
    not_principal: Principal | None = None
    witness: Request | None = None
    """In an exact diff, a request this entry's side allows and the other side does not
    (``None`` where the exact mode could not decide; :attr:`PolicyDiff.notes` says why)."""

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"action": self.action.text, "resource": self.resource}
        if self.except_resources:
            out["except_resources"] = list(self.except_resources)
        if self.condition:
            out["condition"] = self.condition.to_document()
        if self.principal is not None:
            out["principal"] = self.principal.to_document()
        if self.not_principal is not None:
            out["not_principal"] = self.not_principal.to_document()
        if self.witness is not None:
            out["witness"] = self.witness.to_dict()
        return out

    def describe(self) -> str:
        text = f"{self.action.text} on {self.resource}"
        if self.except_resources:
            text += f" except {', '.join(self.except_resources)}"
        if self.condition:
            text += f" when {json.dumps(self.condition.to_document(), sort_keys=True)}"
        if self.principal is not None:
            text += f" for {json.dumps(self.principal.to_document(), sort_keys=True)}"
        if self.not_principal is not None:
            text += f" for all but {json.dumps(self.not_principal.to_document(), sort_keys=True)}"
        return text


@dataclass(frozen=True, slots=True)
class PolicyDiff:
    """What ``other`` allows that ``base`` does not (``added``) and the reverse (``removed``).

    Each entry names a grant of one side, some of whose requests the other side does not
    allow. The diff is empty iff both policies mean the same. For "required vs current"
    (``required.diff(current)``): :attr:`missing` is what current lacks, :attr:`excess` what
    it grants beyond the requirement.
    """

    added: tuple[DiffEntry, ...]
    removed: tuple[DiffEntry, ...]
    universe: UniverseVersion
    exact: bool = False
    """Whether conditions were decided by what they mean (``diff(..., exact=True)``)."""
    notes: tuple[str, ...] = ()
    """Where the comparison fell back soundly: in an exact diff, to treating conditions as
    independent atoms; in any diff, resource units the search budget left undecided (counted
    as differing, so an entry may name requests that are in fact covered)."""

    @property
    def missing(self) -> tuple[DiffEntry, ...]:
        """``required.diff(current).missing``: required by the base, not granted by other."""
        return self.removed

    @property
    def excess(self) -> tuple[DiffEntry, ...]:
        """``required.diff(current).excess``: granted by other beyond the base."""
        return self.added

    def __bool__(self) -> bool:
        return bool(self.added or self.removed)

    @property
    def is_empty(self) -> bool:
        return not self

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "added": [e.to_dict() for e in self.added],
            "removed": [e.to_dict() for e in self.removed],
            "universe": str(self.universe),
        }
        if self.exact:
            out["exact"] = True
        if self.exact or self.notes:
            out["notes"] = list(self.notes)
        return out

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    def to_text(self, *, added: str = "added", removed: str = "removed") -> str:
        """Readable lines: ``+ action on resource`` / ``- action on resource``."""
        if not self:
            return "no difference\n"
        lines: list[str] = []
        for sign, name, entries in (("+", added, self.added), ("-", removed, self.removed)):
            for e in entries:
                lines.append(f"{sign} {name}: {e.describe()}")
                if e.witness is not None:
                    lines.append(f"    witness: {e.witness.describe()}")
        lines += [f"note: {note}" for note in self.notes]
        return "\n".join(lines) + "\n"


def diff(
    base: Policy, other: Policy, *, universe: Universe | None = None, exact: bool = False
) -> PolicyDiff:
    """The difference in meaning between ``base`` and ``other`` (see :class:`PolicyDiff`).

    ``exact=True``: see :func:`lambda_perms.algebra.exact.exact_diff`.
    """
    if exact:
        from lambda_perms.algebra.exact import exact_diff

        return exact_diff(base, other, universe=universe)
    known = universe if universe is not None else default_universe()
    space = Space(known, (base, other))
    undecided: set[str] = set()
    # one index of both policies' resource patterns serves both directions
    resources = _Resources(
        pattern.text
        for policy in (base, other)
        for statement in policy.statements
        for pattern in statement.resource or statement.not_resource or ()
    )
    added = _uncovered(
        base, other, space, first_only=False, undecided=undecided, resources=resources
    )
    removed = _uncovered(
        other, base, space, first_only=False, undecided=undecided, resources=resources
    )
    notes = (_undecided_note(undecided),) if undecided else ()
    return PolicyDiff(added=added, removed=removed, universe=known.version, notes=notes)


def _undecided_note(undecided: set[str]) -> str:
    shown = sorted(undecided)
    more = f" and {len(shown) - 5} more" if len(shown) > 5 else ""
    return (
        f"{len(shown)} resource unit(s) over the search budget counted as differing (an "
        f"entry on them may name requests the other side in fact allows): "
        f"{', '.join(shown[:5])}{more}"
    )


def covers(
    outer: Policy, inner: Policy, *, universe: Universe | None = None, exact: bool = False
) -> bool:
    """Whether ``outer`` allows every request ``inner`` allows.

    ``exact=True``: see :func:`lambda_perms.algebra.exact.coverage`.
    """
    if exact:
        from lambda_perms.algebra.exact import coverage

        return coverage(outer, inner, universe=universe).covers
    known = universe if universe is not None else default_universe()
    space = Space(known, (outer, inner))
    return not _uncovered(outer, inner, space, first_only=True)


def _uncovered(
    outer: Policy,
    inner: Policy,
    space: Space,
    *,
    first_only: bool,
    refine: Refine | None = None,
    undecided: set[str] | None = None,
    resources: _Resources | None = None,
) -> tuple[DiffEntry, ...]:
    """Entries of ``inner``'s Allow grants with a request ``inner`` allows and ``outer`` not.

    Conditions are atoms here; ``refine`` (exact mode) then decides each unit the atoms leave
    in doubt, region by region, and gives the witness (:func:`~._refine.refined_units`)."""
    inner_grants = _grants(inner, space, 0)
    outer_grants = _grants(outer, space, len(inner_grants))
    if not any(g.effect is Effect.ALLOW for g in inner_grants):
        return ()
    by_action: dict[str, list[int]] = defaultdict(list)
    every = inner_grants + outer_grants
    for position, grant in enumerate(every):
        for action in grant.actions:
            by_action[action].append(position)
    # actions with the same relevant grants have the same answer
    groups: dict[tuple[int, ...], list[str]] = defaultdict(list)
    for action, positions in by_action.items():
        groups[tuple(positions)].append(action)
    entries: list[DiffEntry] = []
    budget = _reglang.Budget(SEARCH_BUDGET)  # shared by every search of this call
    if resources is None:
        resources = _Resources.of(every)
    slots = resources.slots(every)
    for signature, actions in sorted(groups.items()):
        relevant = [every[p] for p in signature]
        inner_here = [g for g in relevant if g.index < len(inner_grants)]
        outer_here = [g for g in relevant if g.index >= len(inner_grants)]
        if not any(g.effect is Effect.ALLOW for g in inner_here):
            continue
        doubtful = _uncovered_units(
            inner_here,
            outer_here,
            budget=budget,
            resources=resources,
            slots=slots,
            undecided=undecided,
        )
        found: list[tuple[_Grant, _Unit, Request | None]]
        if refine is None:
            found = [(grant, unit, None) for grant, unit in doubtful]
        else:
            found = refined_units(doubtful, inner_here, outer_here, actions, refine)
        for grant, unit, witness in found:
            entries.extend(_entries(grant, unit, actions, space, witness))
            if first_only:
                return tuple(entries)
    entries.sort(
        key=lambda e: (e.action.key, e.resource, e.except_resources, _condition_key(e.condition))
    )
    return tuple(entries)


#: The sort key of an entry's condition (entries repeat a few conditions many times).
_condition_key = lru_cache(maxsize=1024)(block_key)


#: Transitions the exact searches of one ``_uncovered`` call may take together (at most
#: :data:`~lambda_perms.iam._reglang.DEFAULT_BUDGET` in one search). A unit whose question
#: would exceed it counts as not covered: sound for :func:`covers` (it never claims a cover
#: it has not proved); the diff may then name a grant whose requests are in fact covered.
SEARCH_BUDGET = 60_000


def _uncovered_units(
    inner: Sequence[_Grant],
    outer: Sequence[_Grant],
    *,
    budget: _reglang.Budget | None = None,
    resources: _Resources | None = None,
    slots: dict[int, tuple[int, ...] | None] | None = None,
    undecided: set[str] | None = None,
) -> list[tuple[_Grant, _Unit]]:
    """The units of ``inner``'s Allow grants holding a request ``inner`` allows and ``outer``
    does not.

    Each unit (one Resource pattern of a grant, or its NotResource list, or everything) is
    asked on its own: is there a resource in it, and a truth value for every condition atom,
    under which its grant is live, no Deny of ``inner`` applies and ``outer`` does not allow?
    Given which patterns a resource matches, the best truth values are forced (the grant's
    atom true, the atoms of the inner Denies that apply false; then either some outer Deny
    that applies can be true, or every outer Allow that applies must be false), so that
    question is linear in the grants, never a walk over ``2^atoms`` assignments. Resources
    are tried cheapest first: a literal unit is its own only resource; witness words of the
    unit and of the patterns that can meet it; a pattern of an unconditional Allow (or Deny)
    that contains the unit settles it; only then an exact search over the unit and the
    patterns that can share a resource with it (bounded by ``budget``; past it, the unit
    counts as not covered).
    """
    budget = budget if budget is not None else _reglang.Budget(SEARCH_BUDGET)
    if resources is None:
        resources = _Resources.of((*inner, *outer))
    if slots is None:
        slots = resources.slots((*inner, *outer))
    denies = [g for g in inner if g.effect is Effect.DENY]
    allows = [g for g in outer if g.effect is Effect.ALLOW]
    rescues = [g for g in outer if g.effect is Effect.DENY]
    found: list[tuple[tuple[int, int], tuple[_Grant, _Unit]]] = []
    judges: dict[Any, _Judge] = {}
    # the answer depends on a grant only through its atom and the unit: grants repeating
    # both (many statements on one resource) are asked once
    decided: dict[tuple[Any, _Unit], bool] = {}
    group = _Group(denies, allows, rescues, slots)
    for grant in inner:
        if grant.effect is not Effect.ALLOW:
            continue
        judge = judges.get(grant.atom)
        if judge is None:  # the judge depends on the grant only through its atom
            judge = judges[grant.atom] = _Judge(grant.atom, group)
        for n, unit in enumerate(_units(grant)):
            escapes = decided.get((grant.atom, unit))
            if escapes is None:
                try:
                    escapes = judge.escapes(unit, resources=resources, budget=budget)
                except _reglang.BudgetExceeded:
                    escapes = True  # undecided: never claim a cover that was not proved
                    if undecided is not None:
                        undecided.add(_describe_unit(unit))
                decided[(grant.atom, unit)] = escapes
            if escapes:
                found.append(((grant.index, n), (grant, unit)))
    return [pair for _, pair in sorted(found, key=lambda item: item[0])]


def _describe_unit(unit: _Unit) -> str:
    patterns, negated = unit
    if patterns is None:
        return "*"
    return f"* except {', '.join(patterns)}" if negated else patterns[0]


def _units(grant: _Grant) -> list[_Unit]:
    if grant.resources is None:
        return [(None, False)]
    if grant.not_resource:
        return [(grant.resources, True)]
    return [((r,), False) for r in grant.resources]


def _entries(
    grant: _Grant,
    unit: _Unit,
    actions: Sequence[str],
    space: Space,
    witness: Request | None = None,
) -> list[DiffEntry]:
    patterns, negated = unit
    excepted: tuple[str, ...] = ()
    if patterns is None:
        resource = "*"
    elif negated:
        resource, excepted = "*", patterns
    else:
        resource = patterns[0]
    statement = grant.statement
    return [
        DiffEntry(
            action=action,
            resource=resource,
            condition=statement.condition,
            except_resources=excepted,
            principal=statement.principal,
            not_principal=statement.not_principal,
            witness=None if witness is None else replace(witness, action=action.text),
        )
        for key in sorted(actions)
        for action in (space.display(key),)
    ]
