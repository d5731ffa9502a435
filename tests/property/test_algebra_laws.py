"""Laws of merge, diff, covers, minimize and split, against a brute-force oracle.

The oracle is the reference evaluator (``reference.decide``) applied to every request of a
finite request space: the actions of a small fixture universe, a resource alphabet that holds
a witness for every region the generated patterns can carve out, and every combination of two
independent conditions. Nothing here calls the algebra to compute an expected value.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from lambda_perms import Policy, Statement
from lambda_perms._universe import Universe
from lambda_perms.iam.policy import Condition

from . import reference

pytestmark = pytest.mark.property

ACTIONS = (
    "s3:GetObject", "s3:GetObjectAcl", "s3:PutObject", "s3:ListBucket", "s3control:GetJob",
    "iam:PassRole", "iam:GetRole", "iam:GetRolePolicy", "lambda:GetFunction",
    "lambda:GetFunctionConfiguration", "cloudformation:CreateStack", "cloudformation:CreateResource",
)  # fmt: skip
UNIVERSE = Universe.from_actions(ACTIONS)

RESOURCES = (
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::bucket/a/b",
    "arn:aws:s3:::other",
    "arn:aws:iam::1:role/app",
    "arn:aws:iam::1:role/App",
    "arn:aws:lambda:r:1:function:fn",
    "arn:aws:lambda:r:1:function:fn:prod",
)


# patterns: exact pool members, '*', and prefixes of pool members followed by a final '*'
def _head(arn: str) -> int:
    """Length of 'arn:partition:service:region:account:' (a pattern keeps these intact)."""
    return len(":".join(arn.split(":", 5)[:5])) + 1


PREFIXES = sorted({r[:i] for r in RESOURCES for i in range(_head(r), len(r) + 1)})
PATTERNS = st.one_of(
    st.sampled_from(RESOURCES), st.just("*"), st.sampled_from(PREFIXES).map(lambda p: p + "*")
)
# one witness beyond the pool for every prefix pattern, and one that only '*' matches
WITNESSES = tuple(sorted({*RESOURCES, *(p + "\x01" for p in PREFIXES), "\x01"}))

CONDITIONS: tuple[dict[str, Any] | None, ...] = (
    None,
    {"StringEquals": {"aws:username": "alice"}},
    {"StringEquals": {"iam:PassedToService": "lambda.amazonaws.com"}},
)
CONTEXTS = tuple(
    {"aws:username": user, "iam:PassedToService": service}
    for user, service in itertools.product(("alice", "bob"), ("lambda.amazonaws.com", "x"))
)


def _pattern_from(action: str, draw: st.DrawFn) -> str:
    prefix, _, name = action.partition(":")
    cut = draw(st.integers(0, len(name)))
    shape = draw(st.sampled_from(["exact", "star", "qmark", "service"]))
    if shape == "star":
        return f"{prefix}:{name[:cut]}*"
    if shape == "qmark" and cut < len(name):
        return f"{prefix}:{name[:cut]}?{name[cut + 1 :]}"
    if shape == "service":
        return f"{prefix}:*"
    return action if draw(st.booleans()) else action.upper()


@st.composite
def statements(draw: st.DrawFn) -> dict[str, Any]:
    actions = [
        _pattern_from(draw(st.sampled_from(ACTIONS)), draw) for _ in range(draw(st.integers(1, 3)))
    ]
    if draw(st.integers(0, 9)) == 0:
        actions.append("*")
    statement: dict[str, Any] = {
        "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
        "NotAction" if draw(st.integers(0, 5)) == 0 else "Action": actions,
        "NotResource" if draw(st.integers(0, 5)) == 0 else "Resource": draw(
            st.lists(PATTERNS, min_size=1, max_size=3)
        ),
    }
    condition = draw(st.sampled_from(CONDITIONS))
    if condition is not None:
        statement["Condition"] = condition
    return statement


@st.composite
def documents(draw: st.DrawFn, max_statements: int = 4) -> dict[str, Any]:
    return {
        "Version": "2012-10-17",
        "Statement": draw(st.lists(statements(), max_size=max_statements)),
    }


def allow_only(document: dict[str, Any]) -> dict[str, Any]:
    return {**document, "Statement": [s for s in document["Statement"] if s["Effect"] == "Allow"]}


def meaning(document: dict[str, Any]) -> frozenset[tuple[str, str, int]]:
    """Every allowed request of the finite space."""
    return frozenset(
        (action, resource, c)
        for action in ACTIONS
        for resource in WITNESSES
        for c, context in enumerate(CONTEXTS)
        if reference.decide(document, action, resource, context) == "allow"
    )


def policy(document: dict[str, Any]) -> Policy:
    return Policy.from_dict(document)


def concat(*docs: dict[str, Any]) -> dict[str, Any]:
    return {"Version": "2012-10-17", "Statement": [s for d in docs for s in d["Statement"]]}


@given(documents(), documents())
def test_merge_means_attaching_both(a: dict[str, Any], b: dict[str, Any]) -> None:
    merged = policy(a).merge(policy(b), universe=UNIVERSE)
    assert meaning(merged.to_dict()) == meaning(concat(a, b))


@given(documents().map(allow_only), documents().map(allow_only))
def test_merge_of_allow_only_policies_allows_exactly_the_union(
    a: dict[str, Any], b: dict[str, Any]
) -> None:
    merged = policy(a).merge(policy(b), universe=UNIVERSE)
    assert meaning(merged.to_dict()) == meaning(a) | meaning(b)


@given(documents(), documents(), documents())
def test_merge_laws(a: dict[str, Any], b: dict[str, Any], c: dict[str, Any]) -> None:
    pa, pb, pc = policy(a), policy(b), policy(c)

    def m(*ps: Policy) -> Policy:
        return ps[0].merge(*ps[1:], universe=UNIVERSE)

    assert m(pa, pb) == m(pb, pa)  # commutative, even structurally
    assert meaning(m(m(pa, pb), pc).to_dict()) == meaning(m(pa, m(pb, pc)).to_dict())
    assert meaning(m(pa, pa).to_dict()) == meaning(a)  # idempotent
    assert meaning(m(pa, Policy.empty()).to_dict()) == meaning(a)  # identity
    assert m(m(pa, pa), pa) == m(pa, pa)


@given(documents(), documents())
def test_covers_and_diff_agree_with_the_oracle(a: dict[str, Any], b: dict[str, Any]) -> None:
    pa, pb = policy(a), policy(b)
    ma, mb = meaning(a), meaning(b)
    assert pa.covers(pb, universe=UNIVERSE) is (mb <= ma)
    difference = pa.diff(pb, universe=UNIVERSE)
    assert bool(difference.added) is bool(mb - ma)
    assert bool(difference.removed) is bool(ma - mb)
    assert difference.is_empty is (ma == mb)
    # every added entry names an action whose requests really differ
    added_actions = {e.action.key for e in difference.added}
    assert added_actions <= {act.lower() for act, _, _ in mb - ma}


@given(documents())
def test_diff_with_itself_is_empty(a: dict[str, Any]) -> None:
    assert policy(a).diff(policy(a), universe=UNIVERSE).is_empty
    assert policy(a).covers(policy(a), universe=UNIVERSE)


@given(documents(), st.booleans(), st.sampled_from(["readable", "compact"]))
def test_minimize_keeps_meaning_never_grows_and_is_idempotent(
    a: dict[str, Any], wildcards: bool, style: str
) -> None:
    original = policy(a)
    once = original.minimize(wildcards=wildcards, style=style, protected=(), universe=UNIVERSE)  # type: ignore[arg-type]
    assert meaning(once.policy.to_dict()) == meaning(a)
    assert once.policy.size() <= original.size()
    twice = once.policy.minimize(wildcards=wildcards, style=style, protected=(), universe=UNIVERSE)  # type: ignore[arg-type]
    assert twice.policy == once.policy
    assert once.universe == UNIVERSE.version


@given(documents(max_statements=6), st.integers(min_value=260, max_value=700))
def test_split_parts_fit_and_mean_the_original(a: dict[str, Any], limit: int) -> None:
    original = policy(a)
    parts = original.split(limit)
    assert all(p.size() <= limit for p in parts)
    assert meaning(concat(*(p.to_dict() for p in parts))) == meaning(a)
    # stable: appending a statement leaves the earlier parts as they were
    extra = Statement.allow("s3:GetObject", "arn:aws:s3:::bucket/key")
    grown = Policy.of(*original.statements, extra).split(limit)
    assert grown[: len(parts) - 1] == parts[:-1]


def test_conditions_are_atoms() -> None:
    # the same grant under different conditions is never merged into one statement
    a = Policy.of(Statement.allow("s3:GetObject", condition=Condition.of(CONDITIONS[1] or {})))
    b = Policy.of(Statement.allow("s3:GetObject", condition=Condition.of(CONDITIONS[2] or {})))
    assert len((a | b).statements) == 2
