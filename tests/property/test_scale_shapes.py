"""The cliff shapes of the benchmark corpus keep their meaning, also on the fallback path.

The oracle is the reference evaluator (``reference.decide``) over a finite request space: the
actions of a small fixture universe, resources made by filling every wildcard of the policy's
own patterns in several ways (empty, one character, text across a ``:``) plus words that two
segment-star patterns share, and contexts that make each condition true and false. Nothing
here asks the algebra for an expected value. The fallback path is forced with a budget of
zero: the result must still mean the same (only be less minimal), and ``covers`` must never
claim a cover the oracle refutes.
"""

from __future__ import annotations

import itertools
import json
from pathlib import Path
from typing import Any

import _shapes
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lambda_perms import Policy
from lambda_perms._universe import Universe
from lambda_perms.algebra import diff as diff_module
from lambda_perms.algebra.minimize import minimize

from . import reference

pytestmark = pytest.mark.property

# the shapes' actions and neighbours that wildcards could wrongly take in
ACTIONS = tuple(
    sorted(
        {
            *_shapes.ACTION_POOL,
            *[
                "ec2:DescribeInstances",
                "ec2:DescribeVolumes",
                "ec2:DescribeImages",
                "ec2:RunInstances",
                "ec2:GetConsoleOutput",
                "s3:GetObject",
                "s3:GetObjectAcl",
                "s3:PutObject",
                "s3:DeleteObject",
                "s3:ListBucket",
                "lambda:InvokeFunction",
                "lambda:GetFunction",
                "lambda:UpdateFunctionCode",
                "dynamodb:GetItem",
                "dynamodb:Query",
                "dynamodb:PutItem",
                "logs:PutLogEvents",
                "logs:CreateLogGroup",
                "cloudformation:DescribeStackSet",
                "cloudformation:DeleteStackSet",
                "cloudformation:DescribeStacks",
                "iam:PassRole",
                "iam:GetRole",
                "sqs:SendMessage",
            ],
        }
    )
)
UNIVERSE = Universe.from_actions(ACTIONS)

FILLS = ("", "q", "q:q", "instance/q")


def _fill(pattern: str, fills: tuple[str, ...]) -> str:
    out, k = [], 0
    for char in pattern:
        if char == "*":
            out.append(fills[k])
            k += 1
        elif char == "?":
            out.append("q")
        else:
            out.append(char)
    return "".join(out)


def witnesses(document: dict[str, Any]) -> list[str]:
    """Resources for the oracle, made from the document's own patterns (by plain text)."""
    patterns = sorted(
        {
            r
            for s in document["Statement"]
            for r in reference.as_list(s.get("Resource", s.get("NotResource", [])))
        }
    )
    out = {"q", "arn:aws:ec2:::instance/q:volume/q"}
    for pattern in patterns:
        stars = pattern.count("*")
        for fill in FILLS:
            out.add(_fill(pattern, (fill,) * stars))
        if stars <= 3:
            for fills in itertools.product(("", "q:q"), repeat=stars):
                out.add(_fill(pattern, fills))
    # a word two segment-star patterns share (the region crossing ':' makes)
    for a, b in itertools.combinations(patterns[:8], 2):
        out.add(_fill(a, ("",) * a.count("*")) + ":" + _fill(b, ("",) * b.count("*")))
    return sorted(out)


def contexts(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The empty context, and for each condition entry one context that satisfies it."""
    out: list[dict[str, Any]] = [{}]
    for s in document["Statement"]:
        for block in s.get("Condition", {}).values():
            for key, value in block.items():
                out.append({key: reference.as_list(value)[0]})
    return out


def meaning(document: dict[str, Any], resources: list[str], ctxs: list[dict[str, Any]]) -> set[Any]:
    return {
        (action, resource, c)
        for action in ACTIONS
        for resource in resources
        for c, context in enumerate(ctxs)
        if reference.decide(document, action, resource, context) == "allow"
    }


SIZES = {
    "segment_stars": (1, 3, 8),
    "wildcard_arns": (2, 7),
    "literal_arns": (3,),
    "many_statements": (6,),
    "conditions": (4, 9),
    "read_only": (4,),
    "quick_setup": (2, 4),
}
CASES = [(name, n) for name, sizes in SIZES.items() for n in sizes]


@pytest.mark.parametrize(("name", "n"), CASES)
@pytest.mark.parametrize("budget", [None, 0])
def test_minimize_keeps_the_meaning_of_each_shape(name: str, n: int, budget: int | None) -> None:
    policy = _shapes.SHAPES[name](n)
    document = policy.to_dict()
    resources, ctxs = witnesses(document), contexts(document)
    expected = meaning(document, resources, ctxs)
    for wildcards in (False, True):
        options: dict[str, Any] = {"budget": budget} if budget is not None else {}
        result = minimize(policy, wildcards=wildcards, protected=(), universe=UNIVERSE, **options)
        assert meaning(result.policy.to_dict(), resources, ctxs) == expected
        assert result.policy.size() <= policy.size()
        if budget is None:
            assert result.undecided == ()
        else:  # what was not decided is still there
            kept = {r.text for s in result.policy.statements for r in s.resource or ()}
            assert set(result.undecided) <= kept


def test_the_fallback_is_taken_and_named() -> None:
    # three wildcards, none within another alone: deciding needs a search, which budget 0 refuses
    policy = _shapes.segment_stars(3)
    result = minimize(policy, budget=0, universe=UNIVERSE)
    assert result.undecided == ()  # each is refuted by a witness: no search needed
    covered = Policy.from_dict(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ec2:DescribeInstances",
                    "Resource": [
                        "arn:aws:ec2:*:*:instance/a*",
                        "arn:aws:ec2:*:*:instance/*",
                        "arn:aws:ec2:*:1:instance/?b",
                    ],
                }
            ],
        }
    )
    exact = minimize(covered, universe=UNIVERSE)
    assert [r.text for r in exact.policy.statements[0].resource or ()] == [
        "arn:aws:ec2:*:*:instance/*"
    ]
    assert exact.undecided == ()
    starved = minimize(covered, budget=0, universe=UNIVERSE)
    assert starved.undecided  # kept because the search was refused ...
    document = covered.to_dict()
    resources, ctxs = witnesses(document), contexts(document)
    # ... and the meaning is the same
    assert meaning(starved.policy.to_dict(), resources, ctxs) == meaning(document, resources, ctxs)


# random policies over segment-star families: the shape of the cliffs, mixed
FAMILIES = st.sampled_from(
    [
        "arn:aws:ec2:*:*:instance/*",
        "arn:aws:ec2:*:*:volume/*",
        "arn:aws:ec2:*:*:instance/a*",
        "arn:aws:ec2:*:1:instance/*",
        "arn:aws:ec2:r:1:instance/a",
        "arn:aws:ec2:*:*:*/*",
        "arn:aws:ec2:*:*:instance/?",
        "arn:aws:ec2:r:*:volume/*b",
        "arn:aws:s3:::b*/q*",
        "*",
        # together these hold every witness word of instance/* but not all of it: only a
        # search can tell
        "arn:aws:ec2:*:*:instance/",
        "arn:aws:ec2:*:*:instance/?",
        "arn:aws:ec2:*:*:instance/*:*",
    ]
)
CONDITION = st.sampled_from(
    [None, {"StringEquals": {"aws:username": "alice"}}, {"StringEquals": {"aws:username": "bob"}}]
)


@st.composite
def documents(draw: st.DrawFn) -> dict[str, Any]:
    statements = []
    for _ in range(draw(st.integers(1, 4))):
        statement: dict[str, Any] = {
            "Effect": draw(st.sampled_from(["Allow", "Allow", "Deny"])),
            "Action": draw(
                st.lists(
                    st.sampled_from(["ec2:Describe*", "ec2:RunInstances", "s3:GetObject"]),
                    min_size=1,
                    max_size=2,
                )
            ),
            "NotResource" if draw(st.integers(0, 6)) == 0 else "Resource": draw(
                st.lists(FAMILIES, min_size=1, max_size=5)
            ),
        }
        condition = draw(CONDITION)
        if condition is not None:
            statement["Condition"] = condition
        statements.append(statement)
    return {"Version": "2012-10-17", "Statement": statements}


def _space(*docs: dict[str, Any]) -> tuple[list[str], list[dict[str, Any]]]:
    merged = {"Statement": [s for d in docs for s in d["Statement"]]}
    return witnesses(merged), [{}, {"aws:username": "alice"}, {"aws:username": "bob"}]


@settings(max_examples=60)
@given(documents(), documents(), st.sampled_from([None, 0]))
def test_covers_and_diff_on_segment_stars(
    a: dict[str, Any], b: dict[str, Any], budget: int | None
) -> None:
    pa, pb = Policy.from_dict(a), Policy.from_dict(b)
    resources, ctxs = _space(a, b)
    ma, mb = meaning(a, resources, ctxs), meaning(b, resources, ctxs)
    saved = diff_module.SEARCH_BUDGET
    diff_module.SEARCH_BUDGET = saved if budget is None else budget
    try:
        covers = pa.covers(pb, universe=UNIVERSE)
        difference = pa.diff(pb, universe=UNIVERSE)
        covers_itself = pa.covers(pa, universe=UNIVERSE)
    finally:
        diff_module.SEARCH_BUDGET = saved
    if covers:  # never a cover the oracle refutes, whatever the budget
        assert mb <= ma
    if mb - ma:  # never a difference missed
        assert difference.added
    if ma - mb:
        assert difference.removed
    if budget is None:  # exact when the budget allows
        assert covers_itself


@settings(max_examples=60)
@given(documents(), st.booleans(), st.sampled_from([None, 0]))
def test_minimize_on_segment_stars(a: dict[str, Any], wildcards: bool, budget: int | None) -> None:
    original = Policy.from_dict(a)
    options: dict[str, Any] = {"budget": budget} if budget is not None else {}
    result = minimize(original, wildcards=wildcards, protected=(), universe=UNIVERSE, **options)
    resources, ctxs = _space(a)
    assert meaning(result.policy.to_dict(), resources, ctxs) == meaning(a, resources, ctxs)
    assert result.policy.size() <= original.size()


@pytest.mark.parametrize(
    ("others", "dropped"),
    [
        # (instance/* is looked at first: the others sort after it)
        # every witness word of instance/* is held, but not instance/ab: kept
        (["arn:aws:ec2:*:*:instance?", "arn:aws:ec2:*:*:instance/?", "arn:aws:ec2:*:*:instance/*:*"],
         False),
        # empty, starting with ':', starting with another character: all of instance/*
        (["arn:aws:ec2:*:*:instance?", "arn:aws:ec2:*:*:instance/:*", "arn:aws:ec2:*:*:instance/?*"],
         True),
    ],
)  # fmt: skip
def test_a_union_decided_by_the_search(others: list[str], dropped: bool) -> None:
    document = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": "ec2:DescribeInstances",
                "Resource": ["arn:aws:ec2:*:*:instance/*", *others],
            }
        ],
    }
    result = minimize(Policy.from_dict(document), universe=UNIVERSE)
    kept = [r.text for r in result.policy.statements[0].resource or ()]
    assert ("arn:aws:ec2:*:*:instance/*" not in kept) is dropped
    resources, ctxs = _space(document)
    assert meaning(result.policy.to_dict(), resources, ctxs) == meaning(document, resources, ctxs)


def test_the_fallbacks_are_said_in_the_result(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """Where a budget ran out, the result says so: ``PolicyDiff.notes`` (and its JSON) in the
    default mode, ``Minimized.undecided`` as a note of ``lambda-perms minimize`` and of
    ``merge --minimize``; nothing is said when every question was decided."""
    from lambda_perms.algebra import minimize as minimize_module
    from lambda_perms.cli import main

    wide = Policy.from_dict(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Action": "ec2:DescribeInstances",
                    "Resource": [
                        "arn:aws:ec2:*:*:instance/a*",
                        "arn:aws:ec2:*:*:instance/*",
                        "arn:aws:ec2:*:1:instance/?b",
                    ],
                }
            ],
        }
    )

    def one(*resources: str) -> Policy:
        statement = {
            "Effect": "Allow",
            "Action": "ec2:DescribeInstances",
            "Resource": list(resources),
        }
        return Policy.from_dict({"Version": "2012-10-17", "Statement": [statement]})

    star = one("arn:aws:ec2:*:*:instance/*")  # covered only by the union (a search) of
    union = one(
        "arn:aws:ec2:*:*:instance?", "arn:aws:ec2:*:*:instance/:*", "arn:aws:ec2:*:*:instance/?*"
    )
    decided = union.diff(star, universe=UNIVERSE)
    assert not decided.added  # star allows nothing union does not: decided by the search
    assert decided.notes == ()
    assert "notes" not in decided.to_dict()
    monkeypatch.setattr(diff_module, "SEARCH_BUDGET", 0)
    starved = union.diff(star, universe=UNIVERSE)
    assert starved.notes
    assert "over the search budget" in starved.notes[0]
    assert starved.added  # counted as differing: the sound side
    assert starved.to_dict()["notes"] == list(starved.notes)
    assert "note: " in starved.to_text()

    path = tmp_path / "p.json"
    path.write_text(json.dumps(wide.to_dict()))
    assert main(["minimize", str(path)]) == 0
    assert "kept without deciding" not in capsys.readouterr().err
    monkeypatch.setattr(minimize_module, "SEARCH_BUDGET", 0)
    for argv in (["minimize", str(path)], ["merge", "--minimize", str(path)]):
        assert main(argv) == 0
        err = capsys.readouterr().err
        assert "resource pattern(s) kept without deciding" in err, argv
        assert "arn:aws:ec2:*:1:instance/?b" in err
