"""The unit question of :func:`lambda_perms.algebra.diff._uncovered_units`: whether an Allow
grant of ``inner`` under one condition atom has a request ``outer`` does not allow on some
resource of one unit (a Resource pattern, a NotResource list, or everything), decided from the set
of patterns a resource matches, with the condition atoms' best truth values forced.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from typing import TYPE_CHECKING, Any

from lambda_perms.iam import _reglang, _subsumption

if TYPE_CHECKING:
    from lambda_perms.algebra.diff import _Grant

__all__: list[str] = []


def __dir__() -> list[str]:
    return __all__


_Unit = tuple[tuple[str, ...] | None, bool]  # (patterns, negated); (None, False): everything


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


class _Resources:
    """The resource patterns of the grants compared, each numbered once (its *slot*), with
    the index that finds the patterns a resource matches and a cache of those sets: built
    once per comparison and shared by every group of actions, so a policy's many groups do
    not each index, and match words against, the same patterns again."""

    def __init__(self, texts: Iterable[str]) -> None:
        texts = sorted(set(texts))
        self.slot = {text: i for i, text in enumerate(texts)}
        self.patterns = [_reglang.compile_pattern(t) for t in texts]
        self.index = _subsumption.Index(self.patterns)
        # a literal unit's only resource is matched by itself (texts are unique) and by
        # wildcards
        self._wild = [j for j, p in enumerate(self.patterns) if not _reglang.is_literal(p)]
        self._wild_index = _subsumption.Index([self.patterns[j] for j in self._wild])
        # as tuples: the collector soon stops tracking a tuple of ints, never a frozenset
        self._members: dict[str, tuple[int, ...]] = {}

    @classmethod
    def of(cls, grants: Iterable[_Grant]) -> _Resources:
        """The patterns of ``grants``' Resource and NotResource lists."""
        return cls(text for g in grants if g.resources for text in g.resources)

    def slots(self, grants: Iterable[_Grant]) -> dict[int, tuple[int, ...] | None]:
        """Each grant's Resource (or NotResource) list as slots, by grant index."""
        slot = self.slot
        return {
            g.index: None if g.resources is None else tuple(slot[r] for r in g.resources)
            for g in grants
        }

    def members(self, word: str, known: int | None = None) -> tuple[int, ...]:
        """The slots of the patterns matching ``word`` (``known``: a slot whose pattern is
        known to match it, a witness's own, which need not be run)."""
        found = self._members.get(word)
        if found is None:
            patterns = self.patterns
            found = self._members[word] = tuple(
                j
                for j in self.index.matching(word)
                if j == known or _reglang.matches(patterns[j], word)
            )
        return found

    def literal_members(self, word: str, itself: int) -> frozenset[int]:
        """:meth:`members` of the literal pattern in slot ``itself``, whose word it is."""
        patterns, wild = self.patterns, self._wild
        if not wild:
            return frozenset((itself,))
        hits = [wild[k] for k in self._wild_index.matching(word)]
        return frozenset([itself, *(j for j in hits if _reglang.matches(patterns[j], word))])


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
        # per slot, each (kind, atom) once: the unit question looks at nothing else, and
        # many grants on one resource must not make each question as long as the policy
        # (kept as tuples: the collector soon stops tracking those, never a dict per slot)
        by_slot: dict[int, dict[tuple[int, Any], None]] = defaultdict(dict)
        self.always: list[tuple[int, _Shape]] = []
        # Resource slots of each kind under each atom (which patterns always decide)
        self.resource_slots: dict[tuple[int, Any], set[int]] = defaultdict(set)
        for kind, shapes in ((_DENY, self.denies), (_ALLOW, self.allows), (_RESCUE, self.rescues)):
            for element, negated, atom in shapes:
                if element is None or negated:
                    self.always.append((kind, (element, negated, atom)))
                else:
                    self.resource_slots[(kind, atom)].update(element)
                    for j in element:
                        by_slot[j][(kind, atom)] = None
        self.by_slot = {j: tuple(pairs) for j, pairs in by_slot.items()}
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

    def judge(self, matched: Collection[int]) -> bool:
        """Whether some truth values make the request on a resource uncovered, given the
        pattern slots the resource matches: ``O(grants that apply)``."""
        forced = self.forced
        group = self.group
        false: set[Any] = set()
        rescues: list[Any] = []
        covered = False
        by_slot = group.by_slot
        applying = [pair for j in matched if j in by_slot for pair in by_slot[j]]
        if group.always:
            seen = set(matched)
            applying += [
                (kind, atom)
                for kind, (element, _, atom) in group.always
                if element is None or seen.isdisjoint(element)
            ]
        for kind, atom in applying:
            if kind == _DENY:
                if atom in forced:
                    return False  # blocked: the inner Deny cannot be made false
                false.add(atom)
            elif kind == _RESCUE:
                rescues.append(atom)
            elif atom in forced:
                covered = True
        if any(atom == () or atom not in false for atom in rescues):
            return True
        return not covered

    def escapes(self, unit: _Unit, *, resources: _Resources, budget: _reglang.Budget) -> bool:
        slot, patterns, index = resources.slot, resources.patterns, resources.index
        texts, negated = unit
        if texts is not None and not negated:  # one Resource pattern: a literal is its word
            literal = patterns[slot[texts[0]]]
            if _reglang.is_literal(literal):
                word = _reglang.head(literal)
                return self.judge(resources.literal_members(word, slot[texts[0]]))
        members = resources.members
        own = tuple(slot[t] for t in texts) if texts is not None else ()
        inside = own[0] if texts is not None and not negated else None

        def judge_word(word: str, known: int | None = None) -> bool:
            matched = members(word, known)
            if inside is None and not set(own).isdisjoint(matched):
                return False  # a NotResource unit: the word must avoid its patterns
            return self.judge(matched)

        pattern = patterns[inside] if inside is not None else None
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
        if any(judge_word(w, inside) for w in words):
            return True
        # a pattern that contains the unit and always decides against it: covered
        if pattern is not None:
            if inside is not None and self.kills(inside):
                return False
            containers = {j for j in members(words[0], inside) if self.kills(j)} if words else set()
            for w in words[1:]:
                containers.intersection_update(members(w, inside))
            for j in sorted(containers):
                if _reglang.is_subset([pattern], [patterns[j]], budget=budget):
                    return False
            near = [j for j in index.candidates(pattern) if j != inside]
        else:
            near = sorted(self.group.related | set(own))
        relevant = [j for j in near if j in self.group.related or j in own]
        for j in relevant:
            for w in _subsumption.witnesses(patterns[j]):
                if (pattern is None or _reglang.matches(pattern, w)) and judge_word(w, j):
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
