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
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from lambda_perms._universe import Universe, UniverseVersion
from lambda_perms._universe import universe as default_universe
from lambda_perms.algebra._space import Space
from lambda_perms.iam import _reglang, _subsumption
from lambda_perms.iam.actions import Action
from lambda_perms.iam.policy import Condition, Effect, Policy, Principal, Statement

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


def _atom(statement: Statement) -> tuple[Any, ...]:
    if not statement.condition and statement.principal is None and statement.not_principal is None:
        return ()
    return (statement.condition, statement.principal, statement.not_principal)


def _grants(policy: Policy, space: Space, offset: int) -> list[_Grant]:
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
                atom=_atom(statement),
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
        return {
            "added": [e.to_dict() for e in self.added],
            "removed": [e.to_dict() for e in self.removed],
            "universe": str(self.universe),
        }

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, sort_keys=False)

    def to_text(self, *, added: str = "added", removed: str = "removed") -> str:
        """Readable lines: ``+ action on resource`` / ``- action on resource``."""
        if not self:
            return "no difference\n"
        lines = [f"+ {added}: {e.describe()}" for e in self.added]
        lines += [f"- {removed}: {e.describe()}" for e in self.removed]
        return "\n".join(lines) + "\n"


def diff(base: Policy, other: Policy, *, universe: Universe | None = None) -> PolicyDiff:
    """The difference in meaning between ``base`` and ``other`` (see :class:`PolicyDiff`)."""
    known = universe if universe is not None else default_universe()
    space = Space(known, (base, other))
    added = _uncovered(base, other, space, first_only=False)
    removed = _uncovered(other, base, space, first_only=False)
    return PolicyDiff(added=added, removed=removed, universe=known.version)


def covers(outer: Policy, inner: Policy, *, universe: Universe | None = None) -> bool:
    """Whether ``outer`` allows every request ``inner`` allows."""
    known = universe if universe is not None else default_universe()
    space = Space(known, (outer, inner))
    return not _uncovered(outer, inner, space, first_only=True)


def _uncovered(
    outer: Policy, inner: Policy, space: Space, *, first_only: bool
) -> tuple[DiffEntry, ...]:
    """Entries of ``inner``'s Allow grants with a request ``inner`` allows and ``outer`` not."""
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
    for signature, actions in sorted(groups.items()):
        relevant = [every[p] for p in signature]
        inner_here = [g for g in relevant if g.index < len(inner_grants)]
        outer_here = [g for g in relevant if g.index >= len(inner_grants)]
        if not any(g.effect is Effect.ALLOW for g in inner_here):
            continue
        for grant, unit in _uncovered_units(inner_here, outer_here, budget=budget):
            entries.extend(_entries(grant, unit, actions, space))
            if first_only:
                return tuple(entries)
    entries.sort(
        key=lambda e: (e.action.key, e.resource, e.except_resources, _condition_key(e.condition))
    )
    return tuple(entries)


@lru_cache(maxsize=1024)
def _condition_key(condition: Condition) -> str:
    return json.dumps(condition.to_document(), sort_keys=True)


#: Transitions the exact searches of one ``_uncovered`` call may take together (at most
#: :data:`~lambda_perms.iam._reglang.DEFAULT_BUDGET` in one search). A unit whose question
#: would exceed it counts as not covered: sound for :func:`covers` (it never claims a cover
#: it has not proved); the diff may then name a grant whose requests are in fact covered.
SEARCH_BUDGET = 60_000


def _uncovered_units(
    inner: Sequence[_Grant], outer: Sequence[_Grant], *, budget: _reglang.Budget | None = None
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
    texts = sorted({r for g in (*inner, *outer) if g.resources for r in g.resources})
    slot = {text: i for i, text in enumerate(texts)}
    patterns = [_reglang.compile_pattern(t) for t in texts]
    index = _subsumption.Index(patterns)
    slots = {
        g.index: tuple(slot[r] for r in g.resources) if g.resources is not None else None
        for g in (*inner, *outer)
    }
    denies = [g for g in inner if g.effect is Effect.DENY]
    allows = [g for g in outer if g.effect is Effect.ALLOW]
    rescues = [g for g in outer if g.effect is Effect.DENY]
    members_of: dict[str, frozenset[int]] = {}
    # a literal unit's only resource is matched by itself (texts are unique) and by wildcards
    wild = [j for j, p in enumerate(patterns) if not _reglang.is_literal(p)]
    wild_index = _subsumption.Index([patterns[j] for j in wild])

    def literal_members(word: str, itself: int) -> frozenset[int]:
        hits = [wild[k] for k in wild_index.matching(word)]
        return frozenset([itself, *(j for j in hits if _reglang.matches(patterns[j], word))])

    def members(word: str) -> frozenset[int]:
        found = members_of.get(word)
        if found is None:
            found = members_of[word] = frozenset(
                j for j in index.matching(word) if _reglang.matches(patterns[j], word)
            )
        return found

    found: list[tuple[tuple[int, int], tuple[_Grant, _Unit]]] = []
    judges: dict[Any, _Judge] = {}
    group = _Group(denies, allows, rescues, slots)
    for grant in inner:
        if grant.effect is not Effect.ALLOW:
            continue
        judge = judges.get(grant.atom)
        if judge is None:  # the judge depends on the grant only through its atom
            judge = judges[grant.atom] = _Judge(grant.atom, group)
        for n, unit in enumerate(_units(grant)):
            try:
                escapes = judge.escapes(
                    unit,
                    slot=slot,
                    patterns=patterns,
                    index=index,
                    members=members,
                    literal_members=literal_members,
                    budget=budget,
                )
            except _reglang.BudgetExceeded:
                escapes = True  # undecided: never claim a cover that was not proved
            if escapes:
                found.append(((grant.index, n), (grant, unit)))
    return [pair for _, pair in sorted(found, key=lambda item: item[0])]


_Shape = tuple[tuple[int, ...] | None, bool, Any]  # (pattern slots, NotResource, atom)


def _implies(rescue: _Shape, deny: _Shape) -> bool:
    """Whether ``deny`` (of inner) applies under the same atom wherever ``rescue`` does."""
    (r_slots, r_not, r_atom), (d_slots, d_not, d_atom) = rescue, deny
    if r_atom == () or r_atom != d_atom:
        return False
    if d_slots is None:
        return True
    if r_slots is None or r_not != d_not:
        return False
    return set(d_slots) <= set(r_slots) if d_not else set(d_slots) >= set(r_slots)


_DENY, _ALLOW, _RESCUE = range(3)  # inner Deny; outer Allow; outer Deny


class _Group:
    """The grants one unit question looks at, indexed once per group of actions: inner
    Denies, outer Allows and outer Denies, by the pattern slots of their Resource lists
    (grants without Resource or with NotResource are kept apart, checked one by one)."""

    def __init__(
        self,
        denies: Sequence[_Grant],
        allows: Sequence[_Grant],
        rescues: Sequence[_Grant],
        slots: dict[int, tuple[int, ...] | None],
    ) -> None:
        def shape(g: _Grant) -> _Shape:
            return slots[g.index], g.not_resource, g.atom

        self.denies = [shape(g) for g in denies]
        self.allows = [shape(g) for g in allows]
        # an outer Deny is no rescue when an inner Deny under the same atom applies wherever
        # it does (that atom must then be false); inner Denies found by atom and slot
        by_atom_slot: dict[tuple[Any, int], list[_Shape]] = defaultdict(list)
        loose: dict[Any, list[_Shape]] = defaultdict(list)
        for d in self.denies:
            if d[0] is None or d[1]:
                loose[d[2]].append(d)
            else:
                for j in set(d[0]):
                    by_atom_slot[(d[2], j)].append(d)

        def shadowed(r: _Shape) -> bool:
            if r[2] == ():
                return False
            near = loose.get(r[2], [])
            if r[0] is not None and not r[1] and r[0]:
                near = near + by_atom_slot.get((r[2], r[0][0]), [])
            return any(_implies(r, d) for d in near)

        self.rescues = [r for r in (shape(g) for g in rescues) if not shadowed(r)]
        self.by_slot: dict[int, list[tuple[int, _Shape]]] = defaultdict(list)
        self.always: list[tuple[int, _Shape]] = []
        # Resource slots of each kind under each atom (which patterns always decide)
        self.resource_slots: dict[tuple[int, Any], set[int]] = defaultdict(set)
        for kind, shapes in ((_DENY, self.denies), (_ALLOW, self.allows), (_RESCUE, self.rescues)):
            for element, negated, atom in shapes:
                if element is None or negated:
                    self.always.append((kind, (element, negated, atom)))
                else:
                    self.resource_slots[(kind, atom)].update(element)
                    for j in set(element):
                        self.by_slot[j].append((kind, (element, negated, atom)))
        every = [*self.denies, *self.allows, *self.rescues]
        self.related = frozenset(j for e, _, _ in every if e is not None for j in e)


class _Judge:
    """Whether an Allow grant of ``inner`` under one condition atom has a request outside
    ``outer`` on a resource, decided from the set of patterns the resource matches (see
    :func:`_uncovered_units`)."""

    def __init__(self, atom: Any, group: _Group) -> None:
        self.atom = atom
        self.group = group
        self.forced = ((), atom)
        self._lists: tuple[list[_Shape], list[_Shape], list[_Shape], list[_Shape]] | None = None
        self._loose: tuple[list[_Shape], list[_Shape]] | None = None

    @property
    def lists(self) -> tuple[list[_Shape], list[_Shape], list[_Shape], list[_Shape]]:
        """(blockers, other inner Denies, rescues, coverers) under this atom: built only
        when a unit needs them."""
        if self._lists is None:
            g, forced = self.group, self.forced
            self._lists = (
                [d for d in g.denies if d[2] in forced],
                [d for d in g.denies if d[2] not in forced],
                g.rescues,
                [a for a in g.allows if a[2] in forced],
            )
        return self._lists

    @property
    def loose(self) -> tuple[list[_Shape], list[_Shape]]:
        """The blockers and coverers without Resource or with NotResource."""
        if self._loose is None:
            always = self.group.always
            self._loose = (
                [shape for kind, shape in always if kind == _DENY and shape[2] in self.forced],
                [shape for kind, shape in always if kind == _ALLOW and shape[2] in self.forced],
            )
        return self._loose

    def kills(self, j: int) -> bool:
        """Whether a resource matching pattern ``j`` is never uncovered (an inner Deny, or
        with no outer Deny an outer Allow, that cannot be made false has ``j``)."""
        slots = self.group.resource_slots
        kinds = (_DENY,) if self.group.rescues else (_DENY, _ALLOW)
        return any(j in slots.get((kind, atom), ()) for kind in kinds for atom in self.forced)

    def judge(self, matched: frozenset[int]) -> bool:
        """Whether some truth values make the request on a resource uncovered, given the
        pattern slots the resource matches: ``O(grants that apply)``."""
        forced = self.forced
        group = self.group
        false: set[Any] = set()
        rescues: list[Any] = []
        covered = False

        def take(kind: int, atom: Any) -> bool:
            nonlocal covered
            if kind == _DENY:
                if atom in forced:
                    return True  # blocked: the inner Deny cannot be made false
                false.add(atom)
            elif kind == _RESCUE:
                rescues.append(atom)
            elif atom in forced:
                covered = True
            return False

        for j in matched:
            for kind, (_, _, atom) in group.by_slot.get(j, ()):
                if take(kind, atom):
                    return False
        for kind, (element, _, atom) in group.always:
            if (element is None or matched.isdisjoint(element)) and take(kind, atom):
                return False
        if any(atom == () or atom not in false for atom in rescues):
            return True
        return not covered

    def escapes(
        self,
        unit: _Unit,
        *,
        slot: dict[str, int],
        patterns: Sequence[_reglang.Pattern],
        index: _subsumption.Index,
        members: Callable[[str], frozenset[int]],
        literal_members: Callable[[str, int], frozenset[int]],
        budget: _reglang.Budget,
    ) -> bool:
        texts, negated = unit
        own = tuple(slot[t] for t in texts) if texts is not None else ()
        inside = own[0] if texts is not None and not negated else None

        def judge_word(word: str) -> bool:
            matched = members(word)
            if inside is None and not matched.isdisjoint(own):
                return False  # a NotResource unit: the word must avoid its patterns
            return self.judge(matched)

        pattern = patterns[inside] if inside is not None else None
        if inside is not None and pattern is not None and _reglang.is_literal(pattern):
            return self.judge(literal_members(_reglang.head(pattern), inside))
        excluded = set(own) if negated else None

        def everywhere(element: tuple[int, ...] | None, negated_element: bool) -> bool:
            """Whether the grant applies to every resource of the unit (by its shape)."""
            if element is None:
                return True
            return negated_element and excluded is not None and excluded.issuperset(element)

        # only a grant without Resource, or with NotResource, can apply to all of a unit
        blockers, coverers = self.loose
        if any(everywhere(e, n) for e, n, _ in blockers):
            return False
        if not self.group.rescues and any(everywhere(e, n) for e, n, _ in coverers):
            return False
        # witness words: of the unit, then of the patterns near it (exact: each is a resource)
        words = list(_subsumption.witnesses(pattern)) if pattern is not None else ["\x00"]
        if any(judge_word(w) for w in words):
            return True
        # a pattern that contains the unit and always decides against it: covered
        if pattern is not None:
            if inside is not None and self.kills(inside):
                return False
            containers = {j for j in members(words[0]) if self.kills(j)} if words else set()
            for w in words[1:]:
                containers &= members(w)
            for j in sorted(containers):
                if _reglang.is_subset([pattern], [patterns[j]], budget=budget):
                    return False
            near = [j for j in index.candidates(pattern) if j != inside]
        else:
            near = sorted(self.group.related | set(own))
        relevant = [j for j in near if j in self.group.related or j in own]
        for j in relevant:
            for w in _subsumption.witnesses(patterns[j]):
                if (pattern is None or _reglang.matches(pattern, w)) and judge_word(w):
                    return True
        if all(_reglang.is_simple(patterns[j]) for j in relevant) and (
            pattern is None or _reglang.is_simple(pattern)
        ):
            return False  # the witnesses met every region: none escapes
        return self._search(
            pattern, own=own, inside=inside, relevant=relevant, patterns=patterns, budget=budget
        )

    def _search(
        self,
        pattern: _reglang.Pattern | None,
        *,
        own: tuple[int, ...],
        inside: int | None,
        relevant: list[int],
        patterns: Sequence[_reglang.Pattern],
        budget: _reglang.Budget,
    ) -> bool:
        if len(relevant) > _subsumption.UNION_LIMIT:
            raise _reglang.BudgetExceeded(f"a search over {len(relevant)} patterns")
        chosen = ([inside] if inside is not None else []) + [j for j in relevant if j != inside]
        machine = _reglang.Machine([patterns[j] for j in chosen])
        bit = {j: machine.accepts[k] for k, j in enumerate(chosen)}
        position = {j: k for k, j in enumerate(chosen)}
        masks: dict[tuple[int, ...], int] = {}

        def mask(element: tuple[int, ...]) -> int:
            found = masks.get(element)
            if found is None:
                found = masks[element] = sum(bit.get(j, 0) for j in set(element))
            return found

        unit_mask = mask(own)
        kill = 0
        for j, k in position.items():
            if self.kills(j):
                kill |= machine.universal[k]
        first = machine.masks[0] if inside is not None else 0

        def shaped(shapes: list[_Shape]) -> list[tuple[int | None, int, int, bool, Any]]:
            """(accept mask, live mask, universal mask, negated, atom) per grant; ``None``
            for a grant that applies everywhere."""
            out: list[tuple[int | None, int, int, bool, Any]] = []
            for e, n, atom in shapes:
                if e is None:
                    out.append((None, 0, 0, n, atom))
                    continue
                ks = [position[j] for j in set(e) if j in position]
                live = sum(machine.masks[k] for k in ks)
                universal = sum(machine.universal[k] for k in ks)
                out.append((mask(e), live, universal, n, atom))
            return out

        lists = self.lists
        blockers, denies = shaped(lists[0]), shaped(lists[1])
        rescues, coverers = shaped(lists[2]), shaped(lists[3])
        own_universal = sum(machine.universal[position[j]] for j in own if j in position)

        def accept(state: int) -> bool:
            if inside is not None:
                if not state & unit_mask:
                    return False
            elif state & unit_mask:
                return False
            for m, _, _, n, _ in blockers:
                if m is None or bool(state & m) != n:
                    return False
            false = {a for m, _, _, n, a in denies if m is None or bool(state & m) != n}
            for m, _, _, n, atom in rescues:
                if (m is None or bool(state & m) != n) and (atom == () or atom not in false):
                    return True
            return not any(m is None or bool(state & m) != n for m, _, _, n, _ in coverers)

        def surely(state: int, m: int | None, live: int, universal: int, n: bool) -> bool:
            """The grant applies to every continuation of ``state``."""
            return m is None or (not state & live if n else bool(state & universal))

        def maybe(state: int, m: int | None, live: int, universal: int, n: bool) -> bool:
            """The grant applies to some continuation of ``state``."""
            return m is None or (not state & universal if n else bool(state & live))

        def prune(state: int) -> bool:
            """No continuation can escape, even choosing for each grant independently."""
            if inside is not None:
                if not state & first:
                    return True
            elif state & own_universal:
                return True
            if state & kill:
                return True
            for m, live, universal, n, _ in blockers:
                if surely(state, m, live, universal, n):
                    return True
            false = {a for m, lv, u, n, a in denies if surely(state, m, lv, u, n)}
            for m, live, universal, n, atom in rescues:
                if maybe(state, m, live, universal, n) and (atom == () or atom not in false):
                    return False
            return any(surely(state, m, lv, u, n) for m, lv, u, n, _ in coverers)

        return machine.search(accept, prune, budget)


_Unit = tuple[tuple[str, ...] | None, bool]  # (patterns, negated); (None, False): everything


def _units(grant: _Grant) -> list[_Unit]:
    if grant.resources is None:
        return [(None, False)]
    if grant.not_resource:
        return [(grant.resources, True)]
    return [((r,), False) for r in grant.resources]


def _entries(grant: _Grant, unit: _Unit, actions: Sequence[str], space: Space) -> list[DiffEntry]:
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
            action=space.display(key),
            resource=resource,
            condition=statement.condition,
            except_resources=excepted,
            principal=statement.principal,
            not_principal=statement.not_principal,
        )
        for key in sorted(actions)
    ]
