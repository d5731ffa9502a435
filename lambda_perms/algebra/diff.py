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

``exact=True`` (the ``exact`` extra) keeps the actions and the resource regions and decides the
conditions by what they mean instead (:mod:`lambda_perms.algebra.exact`): every entry then
carries a witness :class:`~lambda_perms.iam.request.Request`. The default path stays as it is.
"""

from __future__ import annotations

import itertools
import json
from collections import defaultdict
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import lru_cache
from typing import Any, Final

from lambda_perms._universe import Universe, UniverseVersion
from lambda_perms._universe import universe as default_universe
from lambda_perms.algebra._space import Space
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
    if not statement.condition and statement.principal is None and statement.not_principal is None:
        return ()
    if literal:  # ${...} is text in this policy (no 2012-10-17 Version): another condition
        return (statement.condition, statement.principal, statement.not_principal, "literal")
    return (statement.condition, statement.principal, statement.not_principal)


def _grants(policy: Policy, space: Space, offset: int, *, versioned: bool = False) -> list[_Grant]:
    """The grants of ``policy``; ``versioned``: a condition holding ``${`` in a policy without
    the 2012-10-17 Version (variables are text there) is a different atom (exact mode)."""
    literal_text = versioned and policy.version != "2012-10-17"
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
    """In an exact diff, where it fell back to treating conditions as independent atoms."""

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
    added = _uncovered(base, other, space, first_only=False)
    removed = _uncovered(other, base, space, first_only=False)
    return PolicyDiff(added=added, removed=removed, universe=known.version)


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


class _Undecided:
    def __repr__(self) -> str:
        return "UNDECIDED"


#: What a refinement returns when it cannot decide whether a grant differs in a region.
UNDECIDED: Final = _Undecided()


@dataclass(frozen=True, slots=True)
class _Region:
    """One resource region of one action group: the group's actions, the resource pattern
    texts, the region (slots of the patterns matching it) and the grants touching it."""

    actions: Sequence[str]
    texts: Sequence[str]
    members: frozenset[int]
    inner: Sequence[_Grant]
    outer: Sequence[_Grant]


#: An exact refinement of the atom reasoning: given the Allow grants of ``inner`` that the
#: atoms say may hold a request ``outer`` does not allow, in one region, it returns for each grant
#: that does hold one a witness request (for the first action) or :data:`UNDECIDED`; a grant it
#: leaves out holds none.
Refine = Callable[[Sequence[_Grant], _Region], Mapping[int, Request | _Undecided]]


def _uncovered(
    outer: Policy,
    inner: Policy,
    space: Space,
    *,
    first_only: bool,
    refine: Refine | None = None,
) -> tuple[DiffEntry, ...]:
    """Entries of ``inner``'s Allow grants with a request ``inner`` allows and ``outer`` not."""
    versioned = refine is not None
    inner_grants = _grants(inner, space, 0, versioned=versioned)
    outer_grants = _grants(outer, space, len(inner_grants), versioned=versioned)
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
    for signature, actions in sorted(groups.items()):
        relevant = [every[p] for p in signature]
        inner_here = [g for g in relevant if g.index < len(inner_grants)]
        outer_here = [g for g in relevant if g.index >= len(inner_grants)]
        if not any(g.effect is Effect.ALLOW for g in inner_here):
            continue
        for grant, unit, witness in _uncovered_units(inner_here, outer_here, actions, refine):
            entries.extend(_entries(grant, unit, actions, space, witness))
            if first_only:
                return tuple(entries)
    entries.sort(
        key=lambda e: (e.action.key, e.resource, e.except_resources, _condition_key(e.condition))
    )
    return tuple(entries)


@lru_cache(maxsize=1024)
def _condition_key(condition: Condition) -> str:
    return json.dumps(condition.to_document(), sort_keys=True)


def _uncovered_units(
    inner: Sequence[_Grant],
    outer: Sequence[_Grant],
    actions: Sequence[str] = (),
    refine: Refine | None = None,
) -> list[tuple[_Grant, _Unit, Request | None]]:
    """The units of ``inner``'s Allow grants holding a request ``inner`` allows and ``outer``
    does not, found in one pass over the regions the resource patterns carve out.

    Conditions are atoms here; ``refine`` (exact mode) then decides each grant the atoms
    leave in doubt, and gives the witness."""
    texts = sorted({r for g in (*inner, *outer) if g.resources for r in g.resources})
    slot = {text: i for i, text in enumerate(texts)}
    regions = _reglang.regions([_reglang.compile_pattern(t) for t in texts])
    slots = {
        g.index: frozenset(slot[r] for r in g.resources) if g.resources is not None else None
        for g in (*inner, *outer)
    }

    def applies(grant: _Grant, members: frozenset[int]) -> bool:
        mine = slots[grant.index]
        if mine is None:
            return True
        hit = not mine.isdisjoint(members)
        return not hit if grant.not_resource else hit

    # index the grants by pattern slot, so a region finds the grants it touches directly
    def index(grants: Sequence[_Grant]) -> tuple[dict[int, list[_Grant]], list[_Grant]]:
        by_slot: dict[int, list[_Grant]] = defaultdict(list)
        unconditional: list[_Grant] = []  # no Resource element, or NotResource: check each
        for grant in grants:
            mine = slots[grant.index]
            if mine is None or grant.not_resource:
                unconditional.append(grant)
            else:
                for m in mine:
                    by_slot[m].append(grant)
        return by_slot, unconditional

    def touching(
        indexed: tuple[dict[int, list[_Grant]], list[_Grant]], members: frozenset[int]
    ) -> list[_Grant]:
        by_slot, unconditional = indexed
        out = {g.index: g for m in members for g in by_slot.get(m, ())}
        out.update((g.index, g) for g in unconditional if applies(g, members))
        return list(out.values())

    inner_index, outer_index = index(inner), index(outer)
    found: dict[tuple[int, int], tuple[_Grant, _Unit, Request | None]] = {}
    for members in regions:
        inner_touch = touching(inner_index, members)
        if not any(g.effect is Effect.ALLOW for g in inner_touch):
            continue
        outer_touch = touching(outer_index, members)
        candidates = _candidates(inner_touch, outer_touch, exact=refine is not None)
        units = {
            grant.index: [
                (n, unit)
                for n, unit in enumerate(_units(grant))
                if unit[0] is None or unit[1] or slot[unit[0][0]] in members
            ]
            for grant in candidates.values()
        }
        pending = [
            grant
            for grant in candidates.values()
            if not all((grant.index, n) in found for n, _ in units[grant.index])
        ]
        if refine is None:
            verdicts: dict[int, Request | _Undecided | None] = {g.index: None for g in pending}
        elif pending:
            verdicts = dict(
                refine(pending, _Region(actions, texts, members, inner_touch, outer_touch))
            )
        else:
            verdicts = {}
        for grant in pending:
            if grant.index not in verdicts:
                continue
            verdict = verdicts[grant.index]
            witness = verdict if isinstance(verdict, Request) else None
            for n, unit in units[grant.index]:
                found.setdefault((grant.index, n), (grant, unit, witness))
    return [found[key] for key in sorted(found)]


#: Exact mode: up to this many distinct conditions in one region, the atom cases (2**k) sift the
#: grants before the solver sees them; beyond it the solver decides every Allow grant.
_ENUMERATED_ATOMS = 6


def _candidates(
    inner_touch: Sequence[_Grant], outer_touch: Sequence[_Grant], *, exact: bool
) -> dict[int, _Grant]:
    """The Allow grants of ``inner`` that hold, for some truth of the condition atoms, a request
    ``inner`` allows and ``outer`` does not (by index, in the order found)."""
    local_atoms = sorted({g.atom for g in (*inner_touch, *outer_touch) if g.atom != ()}, key=repr)
    if exact and len(local_atoms) > _ENUMERATED_ATOMS:
        # the solver decides every Allow grant; 2**k atom cases would not end
        return {g.index: g for g in inner_touch if g.effect is Effect.ALLOW}
    candidates: dict[int, _Grant] = {}
    for values in itertools.product((True, False), repeat=len(local_atoms)):
        truth = dict(zip(local_atoms, values, strict=True))
        live = [g for g in inner_touch if g.atom == () or truth[g.atom]]
        if any(g.effect is Effect.DENY for g in live) or not live:
            continue
        if any(
            g.effect is Effect.ALLOW for g in outer_touch if g.atom == () or truth[g.atom]
        ) and not any(
            g.effect is Effect.DENY for g in outer_touch if g.atom == () or truth[g.atom]
        ):
            continue
        for grant in live:
            candidates.setdefault(grant.index, grant)
    return candidates


_Unit = tuple[tuple[str, ...] | None, bool]  # (patterns, negated); (None, False): everything


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
