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

Cost, and the budget (the bound every algebra operation states). The product of the
patterns' automata is explored on the fly, one state being the set of live positions of every
pattern at once (a bit set: one Python integer), so a transition costs a few integer
operations over ``P`` bits, ``P`` the patterns' total length. A search visits each product
state once and stops early where the answer can no longer change (a pattern whose final
segment-crossing ``*`` is live matches every continuation, and its other positions are
forgotten; one with no live position matches none; callers prune what they know cannot
succeed). The number of product states is at most ``P + 1`` for one pattern and can grow
exponentially with the number of patterns in the worst case (deciding whether a pattern is
covered by a union of patterns is coNP-hard), so every search takes a ``budget`` of
*transitions* (states expanded times symbol classes): past it, :class:`BudgetExceeded` is
raised and the caller takes its documented, sound fallback. A search therefore costs at most
``O(budget * P / 64)`` word operations (about 6 microseconds a transition at the union limit,
so the default budget is about 0.3 s at worst). Most questions never reach a search: cheap
necessary conditions come first (see :mod:`lambda_perms.iam._subsumption`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from functools import lru_cache

from lambda_perms.errors import LambdaPermsError

__all__ = [
    "DEFAULT_BUDGET",
    "Budget",
    "BudgetExceeded",
    "Machine",
    "Pattern",
    "compile_pattern",
    "exists",
    "head",
    "is_literal",
    "is_simple",
    "is_subset",
    "matches",
    "regions",
    "tail",
]

# Token kinds. A pattern is a tuple of tokens; each token either consumes one symbol
# (LIT, ONE, VAR) or is a star that consumes any number of symbols it admits.
_LIT, _ONE, _VAR, _STAR_SEG, _STAR_ANY = range(5)

# Symbols are one-character strings. Variables get symbols from a private-use range, which
# can never occur in a policy (IAM allows only U+0009-U+00FF) or in a literal.
_VAR_BASE = 0xE000
_OTHER = "\x00"  # stands for every character no pattern names

#: The transitions (states expanded times symbol classes) one search may take before it
#: gives up (see the module docstring).
DEFAULT_BUDGET = 50_000


class BudgetExceeded(LambdaPermsError):
    """An exact search would take more transitions than its budget allows (internal: every
    caller in the algebra catches it and takes a sound fallback)."""


class Budget:
    """Transitions that several searches may take together (one algebra call's bound), and
    at most ``per_search`` in any one of them."""

    __slots__ = ("left", "per_search")

    def __init__(self, total: int, per_search: int = DEFAULT_BUDGET) -> None:
        self.left = total
        self.per_search = per_search


def _limit(budget: int | Budget | None) -> int:
    if budget is None:
        return -1
    if isinstance(budget, Budget):
        return max(0, min(budget.left, budget.per_search))
    return budget


# variable name (lower case) -> its symbol; grows as patterns with new variables are compiled
_VARS: dict[str, str] = {}


def _vs(name: str) -> str:
    symbol = _VARS.get(name)
    if symbol is None:
        symbol = chr(_VAR_BASE + len(_VARS))
        _VARS[name] = symbol
    return symbol


def _is_var(symbol: str) -> bool:
    return _VAR_BASE <= ord(symbol) < _VAR_BASE + 0x1000


Token = tuple[int, str]
# tokens shared by every pattern (not a new tuple per character, for the collector to walk)
_LITERALS: dict[str, Token] = {}
_ONE_T, _STAR_ANY_T, _STAR_SEG_T = (_ONE, ""), (_STAR_ANY, ""), (_STAR_SEG, "")


class Pattern(tuple[Token, ...]):
    """A compiled resource pattern: its tokens (a tuple), with the facts the searches need
    computed once (and its hash, which a tuple would recompute on every look-up).

    ``head``/``tail``: the literal text every word starts/ends with; ``literal``: no
    wildcard and no variable (one word, its text); ``form``: ``(text, final star)`` when the
    pattern is a literal or a literal followed by a final segment-crossing ``*``, else
    ``None``. Bit tables (bit ``p``: before token ``p``; bit ``len``: the end): a symbol
    advances the positions whose token consumes it and keeps the stars that admit it; an
    ordinary character (not ``:``, not a variable) advances ``?`` and its own literal and is
    admitted by every star; ``:`` and variables advance their own literal or variable and are
    admitted only by a segment-crossing ``*``.
    """

    facts: _Facts

    def __new__(cls, tokens: Sequence[Token]) -> Pattern:
        self = super().__new__(cls, tokens)
        self.facts = _Facts(self)
        return self

    def __hash__(self) -> int:
        return self.facts.hash


class _Facts:
    __slots__ = (
        "anchor",
        "any_stay",
        "chain",
        "form",
        "hash",
        "head",
        "length",
        "lit_adv",
        "literal",
        "moves",
        "ord_adv",
        "ord_stay",
        "pieces",
        "stars",
        "tail",
        "universal",
        "variables",
        "witnesses",
    )

    def __init__(self, pattern: tuple[Token, ...]) -> None:
        self.hash = tuple.__hash__(pattern)
        self.length = len(pattern)
        kinds = [kind for kind, _ in pattern]
        n_head = next((p for p, k in enumerate(kinds) if k != _LIT), len(kinds))
        n_tail = next((p for p, k in enumerate(reversed(kinds)) if k != _LIT), len(kinds))
        self.head = "".join(value for _, value in pattern[:n_head])
        self.tail = "".join(value for _, value in pattern[len(kinds) - n_tail :])
        self.literal = n_head == len(kinds)
        self.variables = _VAR in kinds
        self.universal = bool(kinds) and kinds[-1] == _STAR_ANY
        body = kinds[:-1] if self.universal else kinds
        self.form = (self.head, self.universal) if all(k == _LIT for k in body) else None
        self.pieces = _pieces(pattern, n_head, len(kinds) - n_tail)
        stars = ord_adv = ord_stay = any_stay = 0
        lit_adv: dict[str, int] = {}
        chain = run = 0
        for p, (kind, value) in enumerate(pattern):
            bit = 1 << p
            run = run + 1 if kind in (_STAR_SEG, _STAR_ANY) else 0
            chain = max(chain, run)
            if kind in (_LIT, _VAR):
                lit_adv[value] = lit_adv.get(value, 0) | bit
            elif kind == _ONE:
                ord_adv |= bit
            else:
                stars |= bit
                ord_stay |= bit
                if kind == _STAR_ANY:
                    any_stay |= bit
        self.stars, self.ord_adv, self.ord_stay, self.any_stay = stars, ord_adv, ord_stay, any_stay
        self.lit_adv = lit_adv
        self.chain = max(chain, 1)
        self.moves: dict[str, tuple[int, int]] = {}
        self.witnesses: list[str] | None = None
        self.anchor = _anchor(pattern, n_head)

    def move(self, symbol: str) -> tuple[int, int]:
        """``(advance, stay)`` bits of this pattern for one symbol."""
        found = self.moves.get(symbol)
        if found is None:
            if symbol == ":" or _is_var(symbol):
                found = (self.lit_adv.get(symbol, 0), self.any_stay)
            else:
                found = (self.ord_adv | self.lit_adv.get(symbol, 0), self.ord_stay)
            self.moves[symbol] = found
        return found


def _pieces(pattern: tuple[Token, ...], start: int, end: int) -> tuple[str, ...]:
    """The literal runs between wildcards of ``pattern[start:end]``, in order."""
    pieces: list[str] = []
    run: list[str] = []
    for kind, value in pattern[start:end]:
        if kind == _LIT:
            run.append(value)
        elif run:
            pieces.append("".join(run))
            run = []
    if run:
        pieces.append("".join(run))
    return tuple(pieces)


def _anchor(pattern: tuple[Token, ...], n_head: int) -> str | None:
    """The first characters of the longest literal run after a literal ``:`` past the head
    (``None`` when there is none: the head alone decides)."""
    anchor: str | None = None
    for p in range(n_head, len(pattern)):
        if pattern[p] != (_LIT, ":"):
            continue
        run = []
        for kind, value in pattern[p + 1 : p + 1 + _ANCHOR]:
            if kind != _LIT:
                break
            run.append(value)
        text = "".join(run)
        if anchor is None or len(text) > len(anchor):
            anchor = text
    return anchor


_ANCHOR = 48  # characters of a pattern's anchor that are indexed


@lru_cache(maxsize=1 << 16)  # bounded: a long-running process meets unboundedly many texts
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
                tokens.append(_LITERALS.setdefault(body, (_LIT, body)))
            else:
                tokens.append((_VAR, _vs(body.split(",")[0].strip().lower())))
            i = end + 1
            continue
        if char == "*":
            ends = i + 1 == n or text[i + 1] == ":"
            tokens.append(_STAR_ANY_T if ends else _STAR_SEG_T)
        else:
            literal = _LITERALS.get(char) or _LITERALS.setdefault(char, (_LIT, char))
            tokens.append(_ONE_T if char == "?" else literal)
        i += 1
    return Pattern(tokens)


# -- cheap facts about one pattern ----------------------------------------------------------


def head(pattern: Pattern) -> str:
    """The literal text every word of ``pattern`` starts with (up to its first wildcard)."""
    return _pattern(pattern).facts.head


def tail(pattern: Pattern) -> str:
    """The literal text every word of ``pattern`` ends with (after its last wildcard)."""
    return _pattern(pattern).facts.tail


def is_literal(pattern: Pattern) -> bool:
    """Whether ``pattern`` matches exactly one word, its text (no wildcard, no variable)."""
    return _pattern(pattern).facts.literal


def matches(pattern: Pattern, word: str) -> bool:
    """Whether ``pattern`` matches ``word`` (a string of ordinary characters and ``:``, such as
    a literal pattern's text or a witness), by running its automaton: ``O(len(word))``."""
    facts = _pattern(pattern).facts
    form = facts.form
    if form is not None:
        return word.startswith(form[0]) if form[1] else word == form[0]
    if not word.startswith(facts.head) or not word.endswith(facts.tail):
        return False
    at, end = len(facts.head), len(word) - len(facts.tail)
    for piece in facts.pieces:  # each literal run must occur, in order: a quick refusal
        at = word.find(piece, at, end)
        if at < 0:
            return False
        at += len(piece)
    stars, moves, move = facts.stars, facts.moves, facts.move
    chain = range(facts.chain)
    state = 1
    for _ in chain:
        state |= (state & stars) << 1
    for char in word:
        adv, stay = moves.get(char) or move(char)
        state = ((state & adv) << 1) | (state & stay)
        if not state:
            return False
        for _ in chain:
            state |= (state & stars) << 1
    return bool(state >> facts.length & 1)


def _compatible(a_head: str, a_tail: str, b_head: str, b_tail: str) -> bool:
    """A necessary condition for two patterns to share a word: their literal heads agree as
    far as both go, and so do their literal tails."""
    if not (a_head.startswith(b_head) or b_head.startswith(a_head)):
        return False
    return a_tail.endswith(b_tail) or b_tail.endswith(a_tail)


# -- the automata ---------------------------------------------------------------------------


class Machine:
    """The product automaton of several patterns: a state is one integer, the live positions
    of pattern ``i`` at bits ``base[i] .. base[i] + len(pattern i)``."""

    __slots__ = (
        "_chain",
        "_clear",
        "accept",
        "accepts",
        "base",
        "masks",
        "patterns",
        "stars",
        "start",
        "steps",
        "univ",
        "universal",
    )

    def __init__(self, patterns: Sequence[Pattern]) -> None:
        self.patterns = tuple(_pattern(p) for p in patterns)
        symbols = {":", _OTHER}
        for pattern in self.patterns:
            for kind, value in pattern:
                if kind in (_LIT, _VAR):
                    symbols.add(value)
        # explore the unnamed character last pushed, so first popped: it breaks literals soonest
        alphabet = [*sorted(symbols - {_OTHER}), _OTHER]
        adv = dict.fromkeys(alphabet, 0)
        stay = dict.fromkeys(alphabet, 0)
        base: list[int] = []
        accepts: list[int] = []
        masks: list[int] = []
        universal: list[int] = []
        stars = offset = 0
        chain = 1
        for pattern in self.patterns:
            facts = pattern.facts
            length = facts.length
            base.append(offset)
            accepts.append(1 << (offset + length))
            masks.append(((1 << (length + 1)) - 1) << offset)
            universal.append(1 << (offset + length - 1) if facts.universal else 0)
            stars |= facts.stars << offset
            chain = max(chain, facts.chain)
            for symbol in alphabet:
                a, s = facts.move(symbol)
                if a:
                    adv[symbol] |= a << offset
                if s:
                    stay[symbol] |= s << offset
            offset += length + 1
        self.base = tuple(base)
        self.accepts = tuple(accepts)
        self.masks = tuple(masks)
        self.universal = tuple(universal)
        self.accept = sum(accepts)
        self.univ = sum(universal)
        self.stars = stars
        self._chain = chain
        self._clear: dict[int, int] = {}
        # symbols that act alike on every pattern are one step
        self.steps = tuple(dict.fromkeys((adv[s], stay[s]) for s in alphabet))
        self.start = self._close(sum(1 << b for b in base))

    def _close(self, state: int) -> int:
        stars = self.stars
        for _ in range(self._chain):
            state |= (state & stars) << 1
        return self._canonical(state) if state & self.univ else state

    def _canonical(self, state: int) -> int:
        """A pattern whose final ``*`` is live matches every continuation: keep just that bit
        (and its end), so states that differ only in its other positions are one."""
        univ = state & self.univ
        if univ:
            clear = self._clear.get(univ)
            if clear is None:
                clear = 0
                for i, bit in enumerate(self.universal):
                    if bit & univ:
                        clear |= self.masks[i]
                self._clear[univ] = clear
            state = (state & ~clear) | univ | (univ << 1)
        return state

    def settled(self, state: int) -> bool:
        """Whether no continuation changes which patterns match (each is universal or dead)."""
        univ = state & self.univ
        return state == univ | (univ << 1)

    def vector(self, state: int) -> tuple[bool, ...]:
        return tuple(bool(state & a) for a in self.accepts)

    def search(
        self,
        accept: Callable[[int], bool],
        prune: Callable[[int], bool] | None = None,
        budget: int | Budget | None = None,
    ) -> bool:
        """Whether some word leads to a state ``accept`` holds for. ``prune(state)`` may say
        that no continuation of a state can be accepted (it is then not expanded).

        The budget counts transitions (states expanded times the symbol classes).

        :raises BudgetExceeded: when more than ``budget`` transitions would be taken (a
            :class:`Budget` is charged those taken, whatever the outcome).
        """
        start = self.start
        seen = {start}
        stack = [start]
        steps = self.steps
        width = len(steps)
        stars, univ_mask, chain = self.stars, self.univ, self._chain
        canonical = self._canonical
        limit = _limit(budget)
        work = 0
        try:
            while stack:
                state = stack.pop()
                if accept(state):
                    return True
                univ = state & univ_mask
                if state == univ | (univ << 1) or (prune is not None and prune(state)):
                    continue  # settled (each pattern universal or dead), or pruned
                work += width
                if 0 <= limit < work:
                    raise BudgetExceeded(f"more than {limit} transitions")
                for adv, stay in steps:
                    nxt = ((state & adv) << 1) | (state & stay)
                    for _ in range(chain):
                        nxt |= (nxt & stars) << 1
                    if nxt & univ_mask:
                        nxt = canonical(nxt)
                    if nxt not in seen:
                        seen.add(nxt)
                        stack.append(nxt)
            return False
        finally:
            if isinstance(budget, Budget):
                budget.left -= work


@lru_cache(maxsize=512)
def _machine(patterns: tuple[Pattern, ...]) -> Machine:
    return Machine(patterns)


# -- the questions --------------------------------------------------------------------------


def exists(
    patterns: Sequence[Pattern],
    accept: Callable[[tuple[bool, ...]], bool],
    *,
    budget: int | Budget | None = None,
) -> bool:
    """Whether some resource's membership vector (one bool per pattern) satisfies ``accept``.

    ``accept`` must be a pure function of the vector; it is called on the vectors of
    reachable product states. The search visits each product state once.

    :raises BudgetExceeded: when more than ``budget`` transitions would be taken.
    """
    if not patterns:
        return accept(())
    simple = _simple_forms(patterns)
    if simple is not None:
        return any(
            accept(tuple(i in members for i in range(len(patterns))))
            for members in _simple_member_sets(simple)
        )
    machine = _machine(tuple(_pattern(p) for p in patterns))
    return machine.search(lambda state: accept(machine.vector(state)), budget=budget)


def regions(
    patterns: Sequence[Pattern], *, budget: int | Budget | None = None
) -> list[frozenset[int]]:
    """Every distinct set of patterns (by index) that some resource is matched by exactly.

    Together they are all the regions the patterns carve out of the space of resources
    (including the region no pattern matches), each given by the patterns that match it.
    Their number can be exponential in the number of patterns.

    :raises BudgetExceeded: when more than ``budget`` transitions would be taken.
    """
    if not patterns:
        return [frozenset()]
    simple = _simple_forms(patterns)
    if simple is not None:
        return sorted(set(_simple_member_sets(simple)), key=sorted)
    machine = _machine(tuple(_pattern(p) for p in patterns))
    found: set[int] = set()

    def collect(state: int) -> bool:
        found.add(state & machine.accept)
        return False

    machine.search(collect, budget=budget)
    return sorted(
        (frozenset(i for i, a in enumerate(machine.accepts) if bits & a) for bits in found),
        key=sorted,
    )


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


def _simple_form(pattern: Pattern) -> tuple[str, bool] | None:
    return _pattern(pattern).facts.form


def is_simple(pattern: Pattern) -> bool:
    """Whether ``pattern`` is a literal, a literal followed by a final ``*``, or ``*``: then
    the words :func:`witnesses` gives for a set of such patterns, and a character no pattern
    names, meet every region the set carves out."""
    return _pattern(pattern).facts.form is not None


def is_subset(
    inner: Sequence[Pattern], outer: Sequence[Pattern], *, budget: int | Budget | None = None
) -> bool:
    """Whether every resource matched by some pattern of ``inner`` is matched by ``outer``.

    :raises BudgetExceeded: when more than ``budget`` transitions would be taken.
    """
    outer = [_pattern(p) for p in outer]
    inner = [_pattern(p) for p in inner]
    inner = [p for p in inner if not (is_literal(p) and any(matches(q, head(p)) for q in outer))]
    if not inner:
        return True
    if not outer:
        return False
    if len(inner) == 1 and len(outer) == 1:
        for stripped in _strip(inner[0], outer[0]):
            if is_subset([stripped[0]], [stripped[1]], budget=budget):
                return True  # X r within X q (r Y within q Y) when r within q: sufficient
    simple = _simple_forms([*inner, *outer])
    if simple is not None:
        k = len(inner)
        return not any(
            not members.isdisjoint(range(k)) and all(i < k for i in members)
            for members in _simple_member_sets(simple)
        )
    machine = _machine((*inner, *outer))
    k = len(inner)
    inner_bits = sum(machine.masks[:k])
    inner_accept = sum(machine.accepts[:k])
    outer_accept = sum(machine.accepts[k:])
    outer_univ = sum(machine.universal[k:])

    def escapes(state: int) -> bool:
        return bool(state & inner_accept) and not state & outer_accept

    def hopeless(state: int) -> bool:  # no inner word goes on, or an outer matches them all
        return not state & inner_bits or bool(state & outer_univ)

    return not machine.search(escapes, hopeless, budget)


def _strip(inner: Pattern, outer: Pattern) -> list[tuple[Pattern, Pattern]]:
    """The two patterns without the tokens they start with alike, and without those they end
    with alike (each when there are some)."""
    n = min(len(inner), len(outer))
    start = 0
    while start < n and inner[start] == outer[start]:
        start += 1
    end = 0
    while end < n and inner[-1 - end] == outer[-1 - end]:
        end += 1
    out = []
    if start:
        out.append((_sub(inner[start:]), _sub(outer[start:])))
    if end:
        out.append((_sub(inner[: len(inner) - end]), _sub(outer[: len(outer) - end])))
    return out


@lru_cache(maxsize=4096)
def _sub(tokens: tuple[Token, ...]) -> Pattern:
    return Pattern(tokens)


def _pattern(tokens: Sequence[Token]) -> Pattern:
    """``tokens`` as a :class:`Pattern` (callers may pass plain tuples of tokens)."""
    return tokens if isinstance(tokens, Pattern) else _sub(tuple(tokens))
