"""Hypothesis strategies for IAM policies, for your own property tests.

Install the extra: ``pip install 'lambda-perms[strategies]'``. Every strategy draws from small,
overridable pools so that generated policies overlap (and so exercise merging, denying and
matching) and so that a test can brute-force the whole request space::

    from hypothesis import given
    from lambda_perms import strategies as lps

    @given(lps.policies())
    def test_round_trip(policy):
        assert Policy.from_json(policy.to_json()) == policy

Strategies:

* :func:`actions` (concrete ``prefix:Name``) and :func:`action_patterns` (with ``*``/``?``, any
  case) over an action pool;
* :func:`resources` (concrete ARNs) and :func:`resource_patterns` over a resource pool;
* :func:`condition_entries`, :func:`conditions`, :func:`principals`;
* :func:`statements` and :func:`policies` for a :class:`~lambda_perms.iam.policy.PolicyKind`;
* :func:`policy_documents`: raw JSON documents in every shape AWS accepts (scalar or list
  values, ``Statement`` as object or array, optional ``Version``), for parser tests;
* :func:`contexts`: request contexts for the condition keys the pools use.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

try:
    from hypothesis import strategies as st
except ImportError as e:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "lambda_perms.strategies needs Hypothesis: pip install 'lambda-perms[strategies]'"
    ) from e

from lambda_perms.iam.actions import Action, ActionPattern
from lambda_perms.iam.arn import ResourcePattern
from lambda_perms.iam.policy import (
    Condition,
    ConditionEntry,
    Effect,
    Policy,
    PolicyKind,
    Principal,
    Statement,
)

__all__ = [
    "ACTION_POOL",
    "CONDITION_KEYS",
    "RESOURCE_PATTERN_EXTRAS",
    "RESOURCE_POOL",
    "action_patterns",
    "actions",
    "condition_entries",
    "conditions",
    "contexts",
    "policies",
    "policy_documents",
    "principals",
    "resource_patterns",
    "resources",
    "statements",
]


def __dir__() -> list[str]:
    return __all__


#: A small action universe with the shapes that break naive tools: shared name prefixes
#: (``GetObject``/``GetObjectAcl``), a name that is a prefix of others, two services whose
#: prefixes share a prefix (``s3``/``s3control``), and an escalation-sensitive action.
ACTION_POOL: tuple[str, ...] = (
    "s3:GetObject",
    "s3:GetObjectAcl",
    "s3:PutObject",
    "s3:ListBucket",
    "s3control:GetJob",
    "iam:PassRole",
    "iam:GetRole",
    "iam:CreateRole",
    "lambda:CreateFunction",
    "lambda:GetFunction",
    "lambda:GetFunctionConfiguration",
    "cloudformation:CreateStack",
    "cloudformation:CreateResource",
)

#: Concrete resources covering ARN shapes with and without region/account and with colons
#: and slashes in the resource part.
RESOURCE_POOL: tuple[str, ...] = (
    "arn:aws:s3:::bucket",
    "arn:aws:s3:::bucket/key",
    "arn:aws:s3:::bucket/a/b",
    "arn:aws:s3:::other/key",
    "arn:aws:iam::123456789012:role/app",
    "arn:aws:iam::123456789012:role/App",
    "arn:aws:lambda:us-east-1:123456789012:function:fn",
    "arn:aws:lambda:us-east-1:123456789012:function:fn:prod",
    "arn:aws:lambda:us-east-1:123456789012:function:fn:fn",
    "arn:aws-cn:lambda:cn-north-1:123456789012:function:fn",
    "*",
)

#: Resource patterns that tell IAM's segment rule apart from a plain glob: a ``*`` inside a
#: segment does not cross ``:``; one that ends a segment does.
RESOURCE_PATTERN_EXTRAS: tuple[str, ...] = (
    "arn:aws:lambda:us-east-1:123456789012:function:f*n",
    "arn:aws:lambda:us-east-1:123456789012:function:fn*",
    "arn:aws:lambda:*:123456789012:function:fn",
    "arn:aws:lambda:us-east-1:123456789012:function:fn:?rod",
    "arn:aws:iam::123456789012:role/?pp",
    "arn:aws:s3:::b*t/*",
)

#: Condition keys and the values generated for them.
CONDITION_KEYS: dict[str, tuple[str, ...]] = {
    "aws:username": ("alice", "bob", "Alice"),
    "aws:TagKeys": ("env", "team", "cost"),
    "iam:PassedToService": ("lambda.amazonaws.com", "ec2.amazonaws.com"),
    "aws:SecureTransport": ("true", "false"),
    "s3:max-keys": ("5", "10", "20"),
}

_OPERATORS: dict[str, tuple[str, ...]] = {
    "aws:username": ("StringEquals", "StringNotEquals", "StringLike", "StringEqualsIgnoreCase",
                     "StringNotLike", "StringEqualsIfExists"),
    "aws:TagKeys": ("ForAllValues:StringEquals", "ForAnyValue:StringEquals",
                    "ForAnyValue:StringLike", "StringEquals"),
    "iam:PassedToService": ("StringEquals", "StringLike", "StringNotEquals"),
    "aws:SecureTransport": ("Bool", "BoolIfExists", "Null"),
    "s3:max-keys": ("NumericLessThan", "NumericGreaterThanEquals", "NumericEquals"),
}  # fmt: skip


def _random_case(text: str) -> st.SearchStrategy[str]:
    return st.lists(st.booleans(), min_size=len(text), max_size=len(text)).map(
        lambda flips: "".join(c.swapcase() if f else c for c, f in zip(text, flips, strict=True))
    )


def _wildcarded(text: str, keep: int) -> st.SearchStrategy[str]:
    """``text`` with one colon-free run after position ``keep`` replaced by ``*`` or ``?``s."""

    @st.composite
    def build(draw: st.DrawFn) -> str:
        if len(text) <= keep:
            return text
        start = draw(st.integers(keep, len(text)))
        end = draw(st.integers(start, len(text)))
        colon = text.find(":", start, end)  # never swallow a separator
        end = end if colon < 0 else colon
        if draw(st.booleans()):
            return text[:start] + "*" + text[end:]
        return text[:start] + "?" * (end - start) + text[end:]

    return build()


def actions(pool: Sequence[str] = ACTION_POOL) -> st.SearchStrategy[Action]:
    """Concrete actions from ``pool``, in random case (IAM names are case-insensitive)."""
    return st.sampled_from(tuple(pool)).flatmap(_random_case).map(Action.parse)


def action_patterns(pool: Sequence[str] = ACTION_POOL) -> st.SearchStrategy[ActionPattern]:
    """Action globs derived from ``pool``: exact names, ``*``, ``prefix:*``, cut names, ``?``."""

    def derive(action: str) -> st.SearchStrategy[str]:
        prefix, _, name = action.partition(":")
        return st.one_of(
            _wildcarded(name, 0).map(lambda n: f"{prefix}:{n}"),
            _wildcarded(prefix, 0).map(lambda p: f"{p}:{name}"),
        )

    derived = st.sampled_from(tuple(pool)).flatmap(derive)
    return (
        st.one_of(
            st.sampled_from(tuple(pool)),
            derived,
            st.sampled_from(tuple(pool)).map(lambda a: a.split(":")[0] + ":*"),
            st.just("*"),
        )
        .flatmap(_random_case)
        .map(ActionPattern.parse)
    )


def resources(pool: Sequence[str] = RESOURCE_POOL) -> st.SearchStrategy[str]:
    """Concrete resources (ARNs, or ``*`` for actions without resource-level scoping)."""
    return st.sampled_from(tuple(pool))


def resource_patterns(
    pool: Sequence[str] = RESOURCE_POOL, extras: Sequence[str] = RESOURCE_PATTERN_EXTRAS
) -> st.SearchStrategy[ResourcePattern]:
    """Resource globs derived from ``pool`` (wildcards only after ``arn:partition:service:``),
    plus the ``extras`` patterns as given."""

    def derive(arn: str) -> st.SearchStrategy[str]:
        if arn == "*":
            return st.just("*")
        head = len(":".join(arn.split(":", 3)[:3])) + 1  # keep 'arn:partition:service:'
        return _wildcarded(arn, head)

    options = [st.sampled_from(tuple(pool)), st.sampled_from(tuple(pool)).flatmap(derive)]
    if extras:
        options.append(st.sampled_from(tuple(extras)))
    return st.one_of(*options, st.just("*")).map(ResourcePattern.parse)


def condition_entries() -> st.SearchStrategy[ConditionEntry]:
    """One ``operator → key → values`` entry over :data:`CONDITION_KEYS`."""

    @st.composite
    def build(draw: st.DrawFn) -> ConditionEntry:
        key = draw(st.sampled_from(sorted(CONDITION_KEYS)))
        operator = draw(st.sampled_from(_OPERATORS[key]))
        if operator == "Null":
            values: list[Any] = [draw(st.sampled_from(["true", "false", True, False]))]
        else:
            candidates = CONDITION_KEYS[key]
            if operator.startswith("String") and "Like" in operator:
                candidates = (*candidates, "*", "a*", "?ob")
            values = draw(st.lists(st.sampled_from(candidates), min_size=1, max_size=3))
        return ConditionEntry(operator=operator, key=key, values=tuple(values))

    return build()


def conditions(max_entries: int = 2) -> st.SearchStrategy[Condition]:
    """Condition blocks with up to ``max_entries`` entries (distinct operator/key slots)."""
    return st.lists(
        condition_entries(),
        max_size=max_entries,
        unique_by=lambda e: (e.operator, e.key),
    ).map(lambda entries: Condition(entries=tuple(entries)))


def principals() -> st.SearchStrategy[Principal]:
    """``Principal`` elements in every documented shape."""
    values = {
        "aws": st.sampled_from(["*", "123456789012", "arn:aws:iam::123456789012:role/app",
                                "arn:aws:iam::999999999999:root"]),
        "service": st.sampled_from(["lambda.amazonaws.com", "cloudformation.amazonaws.com"]),
        "federated": st.just("cognito-identity.amazonaws.com"),
        "canonical_user": st.just(
            "79a59df900b949e55d96a1e698fbacedfd6e09d98eacf8f8d5218e7cd47ef2be"
        ),
    }  # fmt: skip

    @st.composite
    def mapping(draw: st.DrawFn) -> Principal:
        kinds = draw(st.lists(st.sampled_from(sorted(values)), min_size=1, unique=True))
        return Principal.of(
            **{kind: draw(st.lists(values[kind], min_size=1, max_size=2)) for kind in kinds}
        )

    return st.one_of(st.just(Principal.anyone()), mapping())


def statements(
    kind: PolicyKind | str = PolicyKind.IDENTITY,
    *,
    action_pool: Sequence[str] = ACTION_POOL,
    resource_pool: Sequence[str] = RESOURCE_POOL,
    max_conditions: int = 2,
) -> st.SearchStrategy[Statement]:
    """Statements valid in a policy of ``kind`` (without Sid; :func:`policies` adds Sids)."""
    policy_kind = PolicyKind(kind)
    patterns = st.lists(action_patterns(action_pool), min_size=1, max_size=4)
    resource_lists = st.lists(resource_patterns(resource_pool), min_size=1, max_size=3)

    @st.composite
    def build(draw: st.DrawFn) -> Statement:
        fields: dict[str, Any] = {"effect": draw(st.sampled_from(Effect))}
        fields["not_action" if draw(st.booleans()) else "action"] = tuple(draw(patterns))
        if policy_kind is not PolicyKind.TRUST:
            element = "not_resource" if draw(st.integers(0, 3)) == 0 else "resource"
            fields[element] = tuple(draw(resource_lists))
        if policy_kind is PolicyKind.TRUST:
            fields["principal"] = draw(principals())
        elif policy_kind is PolicyKind.RESOURCE:
            element = "not_principal" if draw(st.integers(0, 3)) == 0 else "principal"
            fields[element] = draw(principals())
        fields["condition"] = draw(conditions(max_conditions))
        return Statement.model_validate(fields)

    return build()


def policies(
    kind: PolicyKind | str = PolicyKind.IDENTITY,
    *,
    max_statements: int = 4,
    action_pool: Sequence[str] = ACTION_POOL,
    resource_pool: Sequence[str] = RESOURCE_POOL,
) -> st.SearchStrategy[Policy]:
    """Policies of ``kind`` with up to ``max_statements`` statements, some with unique Sids."""
    policy_kind = PolicyKind(kind)

    @st.composite
    def build(draw: st.DrawFn) -> Policy:
        drawn = draw(
            st.lists(
                statements(policy_kind, action_pool=action_pool, resource_pool=resource_pool),
                max_size=max_statements,
            )
        )
        with_sids = [
            s.replace(sid=f"S{i}") if draw(st.booleans()) else s for i, s in enumerate(drawn)
        ]
        version: Literal["2012-10-17", "2008-10-17"] | None = draw(
            st.sampled_from(["2012-10-17", "2012-10-17", "2008-10-17", None])
        )
        return Policy.of(*with_sids, version=version, kind=policy_kind)

    return build()


def policy_documents(
    kind: PolicyKind | str = PolicyKind.IDENTITY, **policy_options: Any
) -> st.SearchStrategy[dict[str, Any]]:
    """Raw JSON documents, each drawn in one of the shapes AWS accepts for its content.

    Values that may be a scalar or a list are written either way; a single statement may be
    written as an object; keys come in a random order.
    """

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, Any]:
        policy = draw(policies(kind, **policy_options))
        canonical = policy.to_dict()

        def loosen(value: Any) -> Any:
            # objects in a random key order; a scalar member may become a one-element list
            if not isinstance(value, dict):
                return value
            out: dict[str, Any] = {}
            for key, member in draw(st.permutations(list(value.items()))):
                if isinstance(member, dict):
                    out[key] = loosen(member)
                elif isinstance(member, str | bool | int | float) and draw(st.booleans()):
                    out[key] = [member]
                else:
                    out[key] = member
            return out

        statements_ = [loosen(s) for s in canonical["Statement"]]
        # a scalar that stood for a list may now be a one-element list, which AWS also accepts,
        # except where a scalar is the only shape: Effect, Sid and the bare "*" principal
        for statement in statements_:
            for element in ("Effect", "Sid"):
                if isinstance(statement.get(element), list):
                    statement[element] = statement[element][0]
            for element in ("Principal", "NotPrincipal"):
                if statement.get(element) == ["*"]:
                    statement[element] = "*"
        document: dict[str, Any] = {}
        if "Version" in canonical:
            document["Version"] = canonical["Version"]
        if len(statements_) == 1 and draw(st.booleans()):
            document["Statement"] = statements_[0]
        else:
            document["Statement"] = statements_
        return document

    return build()


def contexts() -> st.SearchStrategy[dict[str, str | list[str]]]:
    """Request contexts over :data:`CONDITION_KEYS` (keys in random case, some absent)."""

    @st.composite
    def build(draw: st.DrawFn) -> dict[str, str | list[str]]:
        out: dict[str, str | list[str]] = {}
        for key, values in CONDITION_KEYS.items():
            if draw(st.booleans()):
                continue
            name = draw(_random_case(key))
            if key == "aws:TagKeys":
                out[name] = draw(st.lists(st.sampled_from(values), max_size=3))
            else:
                out[name] = draw(st.sampled_from(values))
        return out

    return build()
