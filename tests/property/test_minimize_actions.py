"""``minimize_actions`` (the wildcard cover of an action list) against a brute-force oracle.

The oracle expands patterns by trying every action of a small fixture universe (plus the
unknown action names the input spells out) with the reference evaluator's own glob matcher
(``reference.action_matches``); nothing here calls lambda_perms to compute an expected value.
The universe's names share CamelCase words (``GetObject``/``GetObjectAcl``,
``*Configuration``, ``*RolePolicy``) so that covers have real choices to make.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterable, Sequence
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

import lambda_perms
from lambda_perms._universe import Universe
from lambda_perms.algebra.minimize import DEFAULT_PROTECTED, minimize_actions
from lambda_perms.errors import UsageError

from . import reference

pytestmark = pytest.mark.property

ACTIONS = (
    "s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectTagging", "s3:PutObject", "s3:PutObjectAcl",
    "s3:PutObjectTagging", "s3:DeleteObject", "s3:DeleteObjectTagging", "s3:ListBucket",
    "s3:ListAllMyBuckets", "s3:GetBucketTagging", "s3:PutBucketTagging",
    "iam:PassRole", "iam:GetRole", "iam:GetRolePolicy", "iam:PutRolePolicy",
    "iam:DeleteRolePolicy", "iam:CreateRole", "iam:DeleteRole", "iam:TagRole", "iam:UntagRole",
    "iam:ListRoles",
    "lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionCode",
    "lambda:UpdateFunctionConfiguration", "lambda:InvokeFunction", "lambda:AddPermission",
    "lambda:RemovePermission",
    "sts:AssumeRole", "sts:GetCallerIdentity",
)  # fmt: skip
UNIVERSE = Universe.from_actions(ACTIONS)
#: Concrete names the universe does not know (a new action, a new service): they count as
#: actions of their own once an input names them.
UNKNOWN = ("s3:MadeUpAction", "lambda:GetFunctionFuture", "newservice:DoThing")
STYLES: tuple[Literal["readable", "compact"], ...] = ("readable", "compact")


def is_wildcard(pattern: str) -> bool:
    return "*" in pattern or "?" in pattern


def domain(patterns: Iterable[str]) -> dict[str, str]:
    """Every action the input can mean (lower case -> spelling): the universe's, and the
    unknown concrete names it spells (the first spelling wins)."""
    known = {a.lower(): a for a in ACTIONS}
    for p in patterns:
        if not is_wildcard(p) and p.lower() not in known:
            known[p.lower()] = p
    return known


def expand(patterns: Iterable[str], space: dict[str, str]) -> frozenset[str]:
    patterns = list(patterns)
    return frozenset(a for a in space if any(reference.action_matches(p, a) for p in patterns))


def json_length(texts: Sequence[str]) -> int:
    return len(json.dumps(list(texts)))


def _recase(text: str, draw: st.DrawFn) -> str:
    shape = draw(st.sampled_from(["as is", "as is", "lower", "upper"]))
    return text if shape == "as is" else text.lower() if shape == "lower" else text.upper()


@st.composite
def action_inputs(draw: st.DrawFn) -> list[str]:
    """Action names and patterns as policies write them: exact names in any case, unknown
    names, and globs cut from a name (``Get*``, ``*Object``, ``*Function*``, ``G?tRole``,
    ``s3:*``, ``*``)."""
    out: list[str] = []
    for _ in range(draw(st.integers(0, 7))):
        action = draw(st.sampled_from(ACTIONS + UNKNOWN))
        prefix, _, name = action.partition(":")
        a = draw(st.integers(0, len(name) - 1))
        b = draw(st.integers(a + 1, len(name)))
        shape = draw(
            st.sampled_from(["exact", "exact", "exact", "start", "end", "any", "qmark", "service"])
        )
        if shape == "start":
            text = f"{prefix}:{name[:b]}*"
        elif shape == "end":
            text = f"{prefix}:*{name[a:]}"
        elif shape == "any":
            text = f"{prefix}:*{name[a:b]}*"
        elif shape == "qmark":
            text = f"{prefix}:{name[:a]}?{name[a + 1 :]}"
        elif shape == "service":
            text = f"{prefix}:*"
        else:
            text = action
        out.append(_recase(text, draw))
    if draw(st.integers(0, 19)) == 0:
        out.append("*")
    return out


#: Half patterns as policies write them, half lists of exact names (where folding does the work).
INPUTS = st.one_of(
    action_inputs(),
    st.lists(st.sampled_from(ACTIONS + UNKNOWN), max_size=len(ACTIONS)).map(sorted),
)
PROTECTED = st.one_of(
    st.just(DEFAULT_PROTECTED),
    st.lists(st.sampled_from(ACTIONS + UNKNOWN), max_size=5).map(frozenset),
)


@given(INPUTS, PROTECTED, st.sampled_from(STYLES))
def test_the_patterns_mean_exactly_the_input(
    actions: list[str], protected: frozenset[str], style: Literal["readable", "compact"]
) -> None:
    out = minimize_actions(actions, style=style, protected=protected, universe=UNIVERSE)
    space = domain(actions)
    assert expand(out, space) == expand(actions, space)


@given(INPUTS, PROTECTED, st.sampled_from(STYLES))
def test_protected_actions_are_never_inside_a_wildcard(
    actions: list[str], protected: frozenset[str], style: Literal["readable", "compact"]
) -> None:
    out = minimize_actions(actions, style=style, protected=protected, universe=UNIVERSE)
    space = domain(actions)
    guarded = {p.lower() for p in protected} & set(space)
    for pattern in out:
        if is_wildcard(pattern):
            assert not expand([pattern], space) & guarded, pattern
    # so a protected action the input means is named on its own
    wanted = expand(actions, space)
    assert {p.lower() for p in out} >= wanted & guarded


@given(INPUTS, PROTECTED, st.sampled_from(STYLES))
def test_never_longer_than_the_input(
    actions: list[str], protected: frozenset[str], style: Literal["readable", "compact"]
) -> None:
    """Never more patterns nor more JSON than the input's expansion listed name by name, and,
    for an input of exact names, than the input itself."""
    out = minimize_actions(actions, style=style, protected=protected, universe=UNIVERSE)
    space = domain(actions)
    listed = sorted(space[a] for a in expand(actions, space))
    assert len(out) <= len(listed)
    assert json_length(out) <= json_length(listed)
    if not any(is_wildcard(a) for a in actions):
        assert json_length(out) <= json_length(actions)


@given(INPUTS, PROTECTED, st.sampled_from(STYLES), st.randoms(use_true_random=False))
def test_sorted_without_duplicates_and_independent_of_input_order(
    actions: list[str],
    protected: frozenset[str],
    style: Literal["readable", "compact"],
    rng: random.Random,
) -> None:
    out = minimize_actions(actions, style=style, protected=protected, universe=UNIVERSE)
    keys = [p.lower() for p in out]
    assert keys == sorted(set(keys))
    shuffled = list(actions)
    rng.shuffle(shuffled)
    again = minimize_actions(shuffled, style=style, protected=protected, universe=UNIVERSE)
    # the same patterns (an unknown name keeps the spelling seen first)
    assert [p.lower() for p in again] == keys


# -- real cases, worked out by hand over the fixture universe -------------------------------------

S3 = [a for a in ACTIONS if a.startswith("s3:")]


@pytest.mark.parametrize(
    ("actions", "style", "protected", "expected"),
    [
        ([], "readable", (), ()),
        (["S3:getobject"], "readable", (), ("s3:GetObject",)),  # canonical spelling
        (["newservice:DoThing"], "readable", (), ("newservice:DoThing",)),  # unknown: kept
        (["s3:Nothing*"], "readable", (), ()),  # matches nothing
        (S3, "readable", (), ("s3:*",)),  # a complete prefix
        (list(ACTIONS), "compact", (), ("*",)),  # the complete universe
        # 'Get*' would take GetBucketTagging; 'GetObject*' is exactly the three
        (["s3:GetObject", "s3:GetObjectAcl", "s3:GetObjectTagging"], "readable", (), ("s3:GetObject*",)),
        # lambda's Get* are these two; UpdateFunctionCode keeps 'Update*' out
        (
            ["lambda:GetFunction", "lambda:GetFunctionConfiguration", "lambda:UpdateFunctionConfiguration"],
            "readable",
            (),
            ("lambda:*Configuration", "lambda:Get*"),
        ),
        # protected: 'iam:*' may not be written, PassRole is named on its own
        (["iam:PassRole", "iam:GetRole"], "readable", ["iam:passrole"], ("iam:GetRole", "iam:PassRole")),
    ],
)  # fmt: skip
def test_cases(
    actions: list[str],
    style: Literal["readable", "compact"],
    protected: list[str],
    expected: tuple[str, ...],
) -> None:
    assert (
        minimize_actions(actions, style=style, protected=protected, universe=UNIVERSE) == expected
    )


def test_every_action_with_the_default_protection_is_not_a_star() -> None:
    out = minimize_actions(ACTIONS, universe=UNIVERSE)
    assert "*" not in out
    for name in ("iam:PassRole", "iam:CreateRole", "sts:AssumeRole", "lambda:AddPermission"):
        assert name in out


def test_an_unknown_style_is_a_usage_error() -> None:
    with pytest.raises(UsageError, match="unknown style 'tight'"):
        minimize_actions(["s3:GetObject"], style="tight", universe=UNIVERSE)  # type: ignore[arg-type]


@pytest.mark.parametrize("style", STYLES)
def test_the_benchmark_sam_set_over_the_shipped_universe(
    style: Literal["readable", "compact"],
) -> None:
    """The 37-action SAM deploy set of benchmarks/bench_minimize.py, nothing protected, over
    the shipped universe: the brute-force expansion over every shipped action is the input."""
    sam = [
        *(f"cloudformation:{n}" for n in ("CreateChangeSet", "DeleteStack", "DescribeChangeSet",
          "DescribeStackEvents", "DescribeStacks", "ExecuteChangeSet", "GetTemplateSummary",
          "ListStackResources", "CreateStack", "UpdateStack", "DescribeStackResource", "GetTemplate")),
        *(f"iam:{n}" for n in ("AttachRolePolicy", "CreateRole", "DeleteRole", "DetachRolePolicy",
          "GetRole", "PassRole", "TagRole", "PutRolePolicy", "DeleteRolePolicy")),
        *(f"s3:{n}" for n in ("CreateBucket", "GetObject", "PutObject", "ListBucket", "GetBucketLocation")),
        *(f"lambda:{n}" for n in ("AddPermission", "CreateFunction", "DeleteFunction", "GetFunction",
          "GetFunctionConfiguration", "ListTags", "RemovePermission", "TagResource", "UntagResource",
          "UpdateFunctionCode", "UpdateFunctionConfiguration")),
    ]  # fmt: skip
    out = minimize_actions(sam, style=style, protected=())
    assert any(is_wildcard(p) for p in out)  # something was folded
    prefixes = {a.split(":")[0] for a in sam}
    space = {
        a.key: a.text for p in sorted(prefixes) for a in lambda_perms.universe().actions(p)
    }  # only these prefixes can match: every pattern names its prefix
    assert all(":" in p and not is_wildcard(p.split(":")[0]) for p in out)
    assert expand(out, space) == {a.lower() for a in sam}
    assert json_length(out) <= json_length(sam)
