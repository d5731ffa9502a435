"""IAM policy documents: an immutable, typed, lossless model.

:class:`Policy` and :class:`Statement` parse every shape of policy JSON that AWS accepts
(``Statement`` as object or array, scalar-or-list elements, the ``Principal`` shapes, every
condition operator), reject what AWS rejects with an
:class:`~lambda_perms.errors.InvalidPolicyError` that names the JSON path of the bad
element, serialise canonically (stable key order; value order normalised where IAM gives
order no meaning) and evaluate requests as IAM does.

Canonical form, in one place:

* the document keys in the order ``Version, Id, Statement``; statement keys in the order
  ``Sid, Effect, Principal, NotPrincipal, Action, NotAction, Resource, NotResource, Condition``;
* ``Statement`` always an array, in the order given (statement order means nothing to IAM, but
  it is how people read a policy, and :meth:`Policy.split` keeps it stable);
* within ``Action``, ``Resource``, ``Principal`` lists and condition values: sorted,
  duplicates removed, a single value written as a scalar;
* conditions sorted by operator then key.

``Policy.from_json(p.to_json()) == p`` for every policy ``p``.

>>> p = Policy.from_json('{"Version": "2012-10-17", "Statement": {"Effect": "Allow",'
...                      ' "Action": ["s3:PutObject", "s3:GetObject"], "Resource": "*"}}')
>>> p.to_json()
'{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":["s3:GetObject","s3:PutObject"],"Resource":"*"}]}'
>>> p.allows("s3:getobject", "arn:aws:s3:::bucket/key")
True
"""

from __future__ import annotations

import json
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, Self, TypeAlias, TypeVar

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    PlainValidator,
    ValidationError,
    field_validator,
    model_validator,
)

from lambda_perms.errors import (
    InvalidActionError,
    InvalidArnError,
    InvalidPolicyError,
    UsageError,
)
from lambda_perms.iam import conditions as _conditions
from lambda_perms.iam._text import bad_character, describe_character
from lambda_perms.iam._value import order
from lambda_perms.iam.actions import ActionPattern
from lambda_perms.iam.arn import ResourcePattern
from lambda_perms.iam.request import Request

if TYPE_CHECKING:
    from lambda_perms._universe import Universe
    from lambda_perms.algebra.diff import PolicyDiff
    from lambda_perms.algebra.minimize import Minimized

__all__ = [
    "VERSIONS",
    "Condition",
    "ConditionEntry",
    "ConditionValue",
    "Context",
    "Decision",
    "Effect",
    "Evaluation",
    "Policy",
    "PolicyKind",
    "Principal",
    "Statement",
]


def __dir__() -> list[str]:
    return __all__


#: The policy language versions IAM accepts. Policy variables work only in ``2012-10-17``.
VERSIONS: tuple[str, ...] = ("2012-10-17", "2008-10-17")

ConditionValue: TypeAlias = str | int | float | bool
Context: TypeAlias = _conditions.Context


class Effect(StrEnum):
    """The ``Effect`` of a statement, in AWS's exact spelling."""

    ALLOW = "Allow"
    DENY = "Deny"


class PolicyKind(StrEnum):
    """Which rules a document follows.

    * ``identity``: attached to a user, group or role. ``Principal``/``NotPrincipal`` are
      forbidden; ``Resource``/``NotResource`` are required; ``Sid`` is alphanumeric and unique.
    * ``resource``: attached to a resource (bucket, queue, function, key ...).
      ``Principal``/``NotPrincipal`` and ``Resource``/``NotResource`` are required; the ``Sid``
      may be any string (SQS and SNS write ``__owner_statement``).
    * ``trust``: a role's trust policy. ``Principal`` is required, ``NotPrincipal`` and
      ``Resource``/``NotResource`` are forbidden; ``Sid`` as for identity policies.
    """

    IDENTITY = "identity"
    RESOURCE = "resource"
    TRUST = "trust"


class Decision(StrEnum):
    """The outcome of evaluating one request against one policy."""

    EXPLICIT_DENY = "explicit_deny"
    ALLOW = "allow"
    IMPLICIT_DENY = "implicit_deny"


@dataclass(frozen=True, slots=True)
class Evaluation:
    """A decision and the statements that decided it (indices into ``Policy.statements``).

    For an explicit deny, the matching Deny statements; for an allow, the matching Allow
    statements; for an implicit deny, none.
    """

    decision: Decision
    statements: tuple[int, ...] = ()

    @property
    def allowed(self) -> bool:
        return self.decision is Decision.ALLOW


_FROZEN = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=False)

_SID_IAM = re.compile(r"[A-Za-z0-9]*")


def _scalar_sort_key(value: ConditionValue) -> tuple[int, Any, str]:
    # bool before numbers before strings; the repr separates 1 from 1.0 so both survive.
    if isinstance(value, bool):
        return (0, int(value), "")
    if isinstance(value, int | float):
        return (1, value, repr(value))
    return (2, value, "")


def _sorted_unique_scalars(values: Iterable[ConditionValue]) -> tuple[ConditionValue, ...]:
    seen: dict[tuple[int, Any, str], ConditionValue] = {}
    for value in values:
        seen.setdefault(_scalar_sort_key(value), value)
    return tuple(seen[k] for k in sorted(seen))


def _sorted_unique_actions(values: Iterable[ActionPattern]) -> tuple[ActionPattern, ...]:
    # Among spellings of one action (case differs), keep the smallest, so the result does not
    # depend on input order.
    return tuple(dict.fromkeys(sorted(values, key=order)))


def _check_text(value: str, what: str) -> str:
    char = bad_character(value)
    if char is not None:
        raise ValueError(f"{what} {value!r} contains {describe_character(char)}, which IAM rejects")
    return value


def _condition_value(value: object) -> ConditionValue:
    if isinstance(value, bool | int) or (isinstance(value, float) and math.isfinite(value)):
        return value
    if isinstance(value, str):
        return _check_text(value, "a condition value")
    raise ValueError(
        f"a condition value must be a string, number or boolean, got {_describe(value)}"
    )


def _principal_value(value: str) -> str:
    if not value:
        raise ValueError("a principal must not be empty")
    return _check_text(value, "principal")


# Each value is checked where it stands, so that an error's location is its JSON path
# (Principal.AWS[1], Condition.StringEquals["aws:username"][0]).
_CheckedConditionValue = Annotated[ConditionValue, PlainValidator(_condition_value)]
_CheckedPrincipal = Annotated[str, AfterValidator(_principal_value)]


class _Model(BaseModel):
    model_config = _FROZEN


class Principal(_Model):
    """A ``Principal`` or ``NotPrincipal`` element.

    ``everyone`` is the bare ``"*"`` form; otherwise the four documented kinds, each a sorted
    tuple of values (``{"AWS": "*"}`` is kept apart from ``"*"``: lossless).
    """

    everyone: bool = False
    aws: tuple[_CheckedPrincipal, ...] = ()
    service: tuple[_CheckedPrincipal, ...] = ()
    federated: tuple[_CheckedPrincipal, ...] = ()
    canonical_user: tuple[_CheckedPrincipal, ...] = ()

    KINDS: ClassVar[dict[str, str]] = {
        "AWS": "aws",
        "Service": "service",
        "Federated": "federated",
        "CanonicalUser": "canonical_user",
    }

    @field_validator("aws", "service", "federated", "canonical_user", mode="before")
    @classmethod
    def _one_or_many(cls, values: object) -> object:
        # a single value as JSON writes it ("AWS": "..."); an error in it is at the kind itself
        return (_principal_value(values),) if isinstance(values, str) else values

    @field_validator("aws", "service", "federated", "canonical_user", mode="after")
    @classmethod
    def _normalise(cls, values: tuple[str, ...]) -> tuple[str, ...]:
        return tuple(sorted(set(values)))

    @model_validator(mode="after")
    def _shape(self) -> Self:
        has_values = any(getattr(self, field) for field in self.KINDS.values())
        if self.everyone and has_values:
            raise ValueError("the bare '*' principal cannot be combined with other principals")
        if not self.everyone and not has_values:
            raise ValueError(
                "a principal must not be empty: it needs at least one of AWS, Service, "
                "Federated, CanonicalUser"
            )
        return self

    @classmethod
    def anyone(cls) -> Principal:
        """The bare ``"*"`` principal: everyone, including anonymous callers."""
        return cls(everyone=True)

    @classmethod
    def of(
        cls,
        *,
        aws: Iterable[str] = (),
        service: Iterable[str] = (),
        federated: Iterable[str] = (),
        canonical_user: Iterable[str] = (),
    ) -> Principal:
        """A principal map, e.g. ``Principal.of(service=["lambda.amazonaws.com"])``.

        :raises InvalidPolicyError: when no principal is named.
        """
        return _validated(
            cls,
            {
                "aws": tuple(aws),
                "service": tuple(service),
                "federated": tuple(federated),
                "canonical_user": tuple(canonical_user),
            },
        )

    def to_document(self) -> str | dict[str, str | list[str]]:
        """The JSON value of the element."""
        if self.everyone:
            return "*"
        out: dict[str, str | list[str]] = {}
        for kind, field in self.KINDS.items():
            values: tuple[str, ...] = getattr(self, field)
            if values:
                out[kind] = _one_or_list(values)
        return out

    def matches(self, kind: str, value: str) -> bool:
        """Whether this element names principal ``value`` of ``kind`` (``AWS``, ``Service``, ...).

        ``*`` (bare or as a value) matches every principal of every kind. For ``AWS``, a
        12-digit account id or the account's ``:root`` ARN matches every principal of that
        account (IAM User Guide, "AWS account principals").
        """
        if self.everyone:
            return True
        field = self.KINDS.get(kind)
        if field is None:
            return False
        values: tuple[str, ...] = getattr(self, field)
        if "*" in values:
            return True
        if value in values:
            return True
        if kind == "AWS":
            account = _account_of(value)
            if account is not None:
                for named in values:
                    if named == account or (
                        named.startswith("arn:") and named.endswith(f":iam::{account}:root")
                    ):
                        return True
        return False


def _account_of(principal: str) -> str | None:
    if re.fullmatch(r"\d{12}", principal):
        return principal
    parts = principal.split(":", 5)
    if len(parts) == 6 and parts[0] == "arn" and re.fullmatch(r"\d{12}", parts[4]):
        return parts[4]
    return None


class ConditionEntry(_Model):
    """One ``operator → key → values`` triple of a ``Condition`` block (values are ORed)."""

    operator: str
    key: str
    values: tuple[_CheckedConditionValue, ...]

    @field_validator("operator", mode="after")
    @classmethod
    def _known_operator(cls, operator: str) -> str:
        _conditions.parse_operator(operator)  # raises ValueError with a suggestion
        return operator

    @field_validator("key", mode="after")
    @classmethod
    def _key(cls, key: str) -> str:
        if not key:
            raise ValueError("a condition key must not be empty")
        return _check_text(key, "condition key")

    @field_validator("values", mode="before")
    @classmethod
    def _one_or_many(cls, values: object) -> object:
        if isinstance(values, list | tuple):
            if not values:
                raise ValueError("a condition needs at least one value")
            return values
        if isinstance(values, str | int | float | bool):  # an error in it is at the key itself
            return (_condition_value(values),)
        raise ValueError(f"condition values must be a list or a scalar, got {_describe(values)}")

    @field_validator("values", mode="after")
    @classmethod
    def _values(cls, values: tuple[ConditionValue, ...]) -> tuple[ConditionValue, ...]:
        return _sorted_unique_scalars(values)

    def evaluate(self, context: Context, *, variables: bool = True) -> bool:
        """Whether the request ``context`` satisfies this entry."""
        return _conditions.evaluate(
            self.operator, self.key, self.values, context, variables=variables
        )


class Condition(_Model):
    """A ``Condition`` block: entries are ANDed. Empty means "no condition"."""

    entries: tuple[ConditionEntry, ...] = ()

    @field_validator("entries", mode="after")
    @classmethod
    def _sorted(cls, entries: tuple[ConditionEntry, ...]) -> tuple[ConditionEntry, ...]:
        by_slot: dict[tuple[str, str], ConditionEntry] = {}
        for entry in entries:
            slot = (entry.operator, entry.key)
            if slot in by_slot and by_slot[slot] != entry:
                raise ValueError(
                    f"condition key {entry.key!r} appears twice under {entry.operator!r}"
                )
            by_slot[slot] = entry
        return tuple(by_slot[slot] for slot in sorted(by_slot))

    @classmethod
    def of(
        cls, mapping: Mapping[str, Mapping[str, ConditionValue | Sequence[ConditionValue]]]
    ) -> Condition:
        """Build from the document shape ``{"StringEquals": {"aws:username": "alice"}}``."""
        return cls(
            entries=tuple(
                ConditionEntry.model_validate({"operator": op, "key": key, "values": value})
                for op, block in mapping.items()
                for key, value in block.items()
            )
        )

    def __bool__(self) -> bool:
        return bool(self.entries)

    def to_document(self) -> dict[str, dict[str, ConditionValue | list[ConditionValue]]]:
        out: dict[str, dict[str, ConditionValue | list[ConditionValue]]] = {}
        for entry in self.entries:
            out.setdefault(entry.operator, {})[entry.key] = _one_or_list(entry.values)
        return out

    def evaluate(self, context: Context, *, variables: bool = True) -> bool:
        """Whether every entry holds for ``context`` (an empty condition always holds)."""
        return all(entry.evaluate(context, variables=variables) for entry in self.entries)


_ELEMENTS = ("Sid", "Effect", "Principal", "NotPrincipal", "Action", "NotAction", "Resource",
             "NotResource", "Condition")  # fmt: skip
_FIELD_OF = {
    "Sid": "sid",
    "Effect": "effect",
    "Principal": "principal",
    "NotPrincipal": "not_principal",
    "Action": "action",
    "NotAction": "not_action",
    "Resource": "resource",
    "NotResource": "not_resource",
    "Condition": "condition",
}
_ELEMENT_OF = {field: element for element, field in _FIELD_OF.items()}


class Statement(_Model):
    """One statement. Exactly one of ``action``/``not_action``; at most one of each other
    Not-pair (which ones are required depends on the :class:`PolicyKind`)."""

    sid: str | None = None
    effect: Effect
    principal: Principal | None = None
    not_principal: Principal | None = None
    action: tuple[ActionPattern, ...] | None = None
    not_action: tuple[ActionPattern, ...] | None = None
    resource: tuple[ResourcePattern, ...] | None = None
    not_resource: tuple[ResourcePattern, ...] | None = None
    condition: Condition = Condition()

    @field_validator("sid", mode="after")
    @classmethod
    def _sid(cls, sid: str | None) -> str | None:
        return None if sid is None else _check_text(sid, "Sid")

    @field_validator("action", "not_action", mode="before")
    @classmethod
    def _action_list(cls, values: object) -> object:
        return _as_list(values)

    @field_validator("action", "not_action", mode="after")
    @classmethod
    def _actions(cls, values: tuple[ActionPattern, ...] | None) -> tuple[ActionPattern, ...] | None:
        if values is None:
            return None
        if not values:
            raise ValueError("must list at least one action")
        return _sorted_unique_actions(values)

    @field_validator("resource", "not_resource", mode="before")
    @classmethod
    def _resource_list(cls, values: object) -> object:
        return _as_list(values)

    @field_validator("resource", "not_resource", mode="after")
    @classmethod
    def _resources(
        cls, values: tuple[ResourcePattern, ...] | None
    ) -> tuple[ResourcePattern, ...] | None:
        if values is None:
            return None
        if not values:
            raise ValueError("must list at least one resource")
        return tuple(sorted(set(values), key=order))

    @model_validator(mode="after")
    def _pairs(self) -> Self:
        if (self.action is None) == (self.not_action is None):
            raise ValueError("a statement needs exactly one of Action and NotAction")
        if self.resource is not None and self.not_resource is not None:
            raise ValueError("a statement may have Resource or NotResource, not both")
        if self.principal is not None and self.not_principal is not None:
            raise ValueError("a statement may have Principal or NotPrincipal, not both")
        return self

    # -- named constructors -------------------------------------------------------------

    @classmethod
    def allow(
        cls,
        actions: str | Iterable[str | ActionPattern],
        resources: str | Iterable[str | ResourcePattern] = "*",
        *,
        sid: str | None = None,
        condition: Condition | None = None,
    ) -> Statement:
        """An ``Allow`` statement over ``actions`` and ``resources``."""
        return cls._build(Effect.ALLOW, actions, resources, sid=sid, condition=condition)

    @classmethod
    def deny(
        cls,
        actions: str | Iterable[str | ActionPattern],
        resources: str | Iterable[str | ResourcePattern] = "*",
        *,
        sid: str | None = None,
        condition: Condition | None = None,
    ) -> Statement:
        """A ``Deny`` statement over ``actions`` and ``resources``."""
        return cls._build(Effect.DENY, actions, resources, sid=sid, condition=condition)

    @classmethod
    def _build(
        cls,
        effect: Effect,
        actions: str | Iterable[str | ActionPattern],
        resources: str | Iterable[str | ResourcePattern],
        *,
        sid: str | None,
        condition: Condition | None,
    ) -> Statement:
        return _validated(
            cls,
            {
                "sid": sid,
                "effect": effect,
                "action": [actions] if isinstance(actions, str) else list(actions),
                "resource": [resources] if isinstance(resources, str) else list(resources),
                "condition": condition or Condition(),
            },
        )

    def replace(self, **changes: Any) -> Statement:
        """A validated copy with ``changes`` applied (field names as in the model)."""
        return _validated(type(self), {**self._fields(), **changes})

    def _fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in type(self).model_fields}

    # -- serialisation ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The statement as a JSON-ready dict in canonical form."""
        out: dict[str, Any] = {}
        if self.sid is not None:
            out["Sid"] = self.sid
        out["Effect"] = self.effect.value
        if self.principal is not None:
            out["Principal"] = self.principal.to_document()
        if self.not_principal is not None:
            out["NotPrincipal"] = self.not_principal.to_document()
        for element, values in (
            ("Action", self.action),
            ("NotAction", self.not_action),
            ("Resource", self.resource),
            ("NotResource", self.not_resource),
        ):
            if values is not None:
                out[element] = _one_or_list([str(v) for v in values])
        if self.condition:
            out["Condition"] = self.condition.to_document()
        return out

    # -- evaluation ---------------------------------------------------------------------

    def applies_to(
        self,
        action: str,
        resource: str,
        context: Context | None = None,
        *,
        principal: tuple[str, str] | None = None,
        variables: bool = True,
    ) -> bool:
        """Whether this statement matches the request (regardless of its effect).

        ``principal`` is ``(kind, value)`` such as ``("AWS", "arn:aws:iam::1:role/r")``; when
        it is ``None``, ``Principal``/``NotPrincipal`` are not evaluated.
        """
        ctx: Context = context or {}
        if self.action is not None:
            if not any(p.matches(action) for p in self.action):
                return False
        elif self.not_action is not None and any(p.matches(action) for p in self.not_action):
            return False
        if self.resource is not None:
            if not any(_resource_matches(p, resource, ctx, variables) for p in self.resource):
                return False
        elif self.not_resource is not None and any(
            _resource_matches(p, resource, ctx, variables) for p in self.not_resource
        ):
            return False
        if principal is not None:
            if self.principal is not None and not self.principal.matches(*principal):
                return False
            if self.not_principal is not None and self.not_principal.matches(*principal):
                return False
        return self.condition.evaluate(ctx, variables=variables)


def _resource_matches(
    pattern: ResourcePattern, resource: str, context: Context, variables: bool
) -> bool:
    if variables and pattern.has_variables:
        text = _conditions.substitute(pattern.text, context)
        if text is None:  # a variable with no value: the entry matches nothing
            return False
        try:
            return ResourcePattern(text).matches(resource)
        except InvalidArnError:
            return False
    return pattern.matches(resource)


class Policy(_Model):
    """An IAM policy document.

    Build one with :meth:`from_json`, :meth:`from_dict`, :meth:`of` or :meth:`empty`;
    serialise with :meth:`to_json` / :meth:`to_dict`; ask :meth:`allows` / :meth:`evaluate`.
    ``version`` is ``None`` when a parsed document had no ``Version`` (IAM then assumes
    ``2008-10-17``, where policy variables are literal text).
    """

    version: Literal["2012-10-17", "2008-10-17"] | None = "2012-10-17"
    id: str | None = None
    statements: tuple[Statement, ...] = ()
    kind: PolicyKind = PolicyKind.IDENTITY

    @field_validator("id", mode="after")
    @classmethod
    def _id(cls, value: str | None) -> str | None:
        return None if value is None else _check_text(value, "Id")

    @model_validator(mode="after")
    def _kind_rules(self) -> Self:
        for problem in _kind_problems(self.statements, self.kind):
            raise problem
        return self

    # -- constructors -------------------------------------------------------------------

    @classmethod
    def empty(cls, *, kind: PolicyKind | str = PolicyKind.IDENTITY) -> Policy:
        """The policy with no statements: it allows nothing."""
        return cls(kind=PolicyKind(kind))

    @classmethod
    def of(
        cls,
        *statements: Statement,
        version: Literal["2012-10-17", "2008-10-17"] | None = "2012-10-17",
        id: str | None = None,  # the element is called Id
        kind: PolicyKind | str = PolicyKind.IDENTITY,
    ) -> Policy:
        """A policy of the given statements.

        :raises InvalidPolicyError: when the statements break the rules of ``kind``.
        """
        return _validated(
            cls, {"version": version, "id": id, "statements": statements, "kind": PolicyKind(kind)}
        )

    @classmethod
    def from_json(
        cls, text: str | bytes, *, kind: PolicyKind | str = PolicyKind.IDENTITY
    ) -> Policy:
        """Parse a JSON policy document.

        :raises InvalidPolicyError: for anything IAM would reject, with the JSON path.
        """
        if isinstance(text, bytes | bytearray):
            try:
                text = bytes(text).decode("utf-8")
            except UnicodeDecodeError as e:
                raise InvalidPolicyError(f"the document is not valid UTF-8 ({e.reason})") from None
        if not isinstance(text, str):
            raise InvalidPolicyError(f"expected JSON text, got {_describe(text)}")
        if text.startswith("\ufeff"):
            text = text[1:]
        char = bad_character(text)
        if char is not None:
            line = text.count("\n", 0, text.index(char)) + 1
            raise InvalidPolicyError(
                f"the document contains {describe_character(char)} on line {line}; IAM accepts "
                "only tab, line feed, carriage return and U+0020 to U+00FF"
            )
        try:
            document = json.loads(
                text, object_pairs_hook=_JsonObject.from_pairs, parse_constant=_reject_constant
            )
        except json.JSONDecodeError as e:
            raise InvalidPolicyError(
                f"invalid JSON: {e.msg} at line {e.lineno} column {e.colno}"
            ) from None
        except RecursionError:
            raise InvalidPolicyError("invalid JSON: nested too deeply") from None
        except _ConstantError as e:
            raise InvalidPolicyError(f"invalid JSON: {e.args[0]} is not a JSON value") from None
        return cls.from_dict(document, kind=kind)

    @classmethod
    def from_dict(cls, document: object, *, kind: PolicyKind | str = PolicyKind.IDENTITY) -> Policy:
        """Build from an already-decoded JSON value (``dict``) in any shape AWS accepts.

        :raises InvalidPolicyError: for anything IAM would reject, with the JSON path.
        """
        try:
            policy_kind = PolicyKind(kind)
        except ValueError:
            raise InvalidPolicyError(
                f"unknown policy kind {kind!r}; expected one of "
                f"{', '.join(k.value for k in PolicyKind)}"
            ) from None
        return _Parser(policy_kind).policy(document)

    # -- serialisation ------------------------------------------------------------------

    def to_dict(self) -> dict[str, Any]:
        """The document as a JSON-ready dict in canonical form."""
        out: dict[str, Any] = {}
        if self.version is not None:
            out["Version"] = self.version
        if self.id is not None:
            out["Id"] = self.id
        out["Statement"] = [s.to_dict() for s in self.statements]
        return out

    def to_json(self, *, indent: int | None = None) -> str:
        """Canonical JSON: compact by default, or indented; deterministic either way."""
        if indent is None:
            return json.dumps(self.to_dict(), separators=(",", ":"), ensure_ascii=False)
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False)

    def size(self) -> int:
        """Characters IAM counts against its quotas (see :mod:`lambda_perms.algebra.size`)."""
        from lambda_perms.algebra.size import policy_size

        return policy_size(self)

    # -- algebra -----------------------------------------------------------------------
    # The one deliberate link back from the model to the operations: these convenience
    # methods import lambda_perms.algebra when called, never at module level.

    def merge(self, *others: Policy, universe: Universe | None = None) -> Policy:
        """The policy equivalent to attaching this one and ``others`` (also ``a | b``)."""
        from lambda_perms.algebra.merge import merge

        return merge(self, *others, universe=universe)

    def __or__(self, other: object) -> Policy:
        if not isinstance(other, Policy):
            return NotImplemented
        return self.merge(other)

    def diff(
        self, other: Policy, *, universe: Universe | None = None, exact: bool = False
    ) -> PolicyDiff:
        """What ``other`` allows that this policy does not (``added``) and the reverse.

        For "required vs current": ``required.diff(current)`` names ``missing`` and
        ``excess`` grants. ``exact=True`` reasons about what conditions mean (the ``exact``
        extra) and gives every entry a witness request (see
        :mod:`lambda_perms.algebra.exact`).
        """
        from lambda_perms.algebra.diff import diff

        return diff(self, other, universe=universe, exact=exact)

    def covers(
        self, other: Policy, *, universe: Universe | None = None, exact: bool = False
    ) -> bool:
        """Whether this policy allows every request ``other`` allows (also ``a >= b``).

        ``exact=True`` reasons about what conditions mean (the ``exact`` extra; see
        :mod:`lambda_perms.algebra.exact`)."""
        from lambda_perms.algebra.diff import covers

        return covers(self, other, universe=universe, exact=exact)

    def __ge__(self, other: object) -> bool:
        if not isinstance(other, Policy):
            return NotImplemented
        return self.covers(other)

    def __le__(self, other: object) -> bool:
        if not isinstance(other, Policy):
            return NotImplemented
        return other.covers(self)

    def minimize(
        self,
        *,
        wildcards: bool = False,
        style: Literal["readable", "compact"] = "readable",
        protected: Iterable[str] | None = None,
        universe: Universe | None = None,
    ) -> Minimized:
        """The same meaning in fewer characters (see
        :func:`lambda_perms.algebra.minimize.minimize`);
        ``.policy`` is the result and ``.universe`` the snapshot it is valid for."""
        from lambda_perms.algebra.minimize import DEFAULT_PROTECTED, minimize

        return minimize(
            self,
            wildcards=wildcards,
            style=style,
            protected=DEFAULT_PROTECTED if protected is None else protected,
            universe=universe,
        )

    def split(self, limit: int | str = "managed") -> tuple[Policy, ...]:
        """Parts that each fit ``limit`` (characters, or a quota name such as ``managed``).

        Deterministic and stable: statements keep their order and fill parts in turn, so
        appending a statement never moves existing statements between parts.
        """
        from lambda_perms.algebra.size import split

        return split(self, limit)

    # -- evaluation ---------------------------------------------------------------------

    def evaluate(
        self,
        action: str | Request,
        resource: str = "*",
        context: Context | None = None,
        *,
        principal: tuple[str, str] | None = None,
    ) -> Evaluation:
        """Evaluate one request as IAM does for a single policy.

        An explicit Deny wins; otherwise an Allow is needed; otherwise the request is
        implicitly denied. ``context`` maps condition keys (any case) to a value or a list of
        values and also supplies policy variables (``${aws:username}``), which are resolved
        only in ``2012-10-17`` documents. A :class:`~lambda_perms.iam.request.Request` may
        stand for all four arguments: ``policy.evaluate(request)``.

        :raises InvalidActionError: when ``action`` is not a concrete ``prefix:Name``.
        :raises UsageError: when a ``Request`` is given together with the other arguments.
        """
        if isinstance(action, Request):
            if resource != "*" or context is not None or principal is not None:
                raise UsageError("give either a Request or action, resource, context, principal")
            request = action
            action, resource = request.action, request.resource
            context, principal = request.context, request.principal
        _check_request_action(action)
        variables = self.version == "2012-10-17"
        allow: list[int] = []
        deny: list[int] = []
        for index, statement in enumerate(self.statements):
            if statement.applies_to(
                action, resource, context, principal=principal, variables=variables
            ):
                (deny if statement.effect is Effect.DENY else allow).append(index)
        if deny:
            return Evaluation(Decision.EXPLICIT_DENY, tuple(deny))
        if allow:
            return Evaluation(Decision.ALLOW, tuple(allow))
        return Evaluation(Decision.IMPLICIT_DENY)

    def allows(
        self,
        action: str | Request,
        resource: str = "*",
        context: Context | None = None,
        *,
        principal: tuple[str, str] | None = None,
    ) -> bool:
        """Whether this policy alone allows the request (see :meth:`evaluate`; a
        :class:`~lambda_perms.iam.request.Request` may stand for all four arguments)."""
        return self.evaluate(action, resource, context, principal=principal).allowed


def _check_request_action(action: object) -> None:
    if not isinstance(action, str) or ":" not in action or "*" in action or "?" in action:
        raise InvalidActionError(
            f"a request names one concrete action like 's3:GetObject', got {action!r}"
        )


def _kind_problems(
    statements: Sequence[Statement], kind: PolicyKind
) -> Iterable[InvalidPolicyError]:
    """The first rule of ``kind`` each statement breaks (as errors with JSON paths)."""
    seen_sids: dict[str, int] = {}
    for index, statement in enumerate(statements):
        at = f"Statement[{index}]"
        if kind is not PolicyKind.RESOURCE and statement.sid is not None:
            if not _SID_IAM.fullmatch(statement.sid):
                yield InvalidPolicyError(
                    f"Sid {statement.sid!r} may contain only letters A-Z, a-z and digits 0-9 "
                    f"in {kind.value} policies",
                    path=f"{at}.Sid",
                )
            if statement.sid:
                if statement.sid in seen_sids:
                    yield InvalidPolicyError(
                        f"Sid {statement.sid!r} is already used by "
                        f"Statement[{seen_sids[statement.sid]}]; Sids must be unique in a policy",
                        path=f"{at}.Sid",
                    )
                seen_sids[statement.sid] = index
        has_principal = statement.principal is not None or statement.not_principal is not None
        has_resource = statement.resource is not None or statement.not_resource is not None
        if kind is PolicyKind.IDENTITY:
            if has_principal:
                element = "Principal" if statement.principal is not None else "NotPrincipal"
                yield InvalidPolicyError(
                    f"{element} is not allowed in an identity policy (use kind='resource' or "
                    "'trust' for resource-based and trust policies)",
                    path=f"{at}.{element}",
                )
            if not has_resource:
                yield InvalidPolicyError(
                    "an identity policy statement needs Resource or NotResource", path=at
                )
        elif kind is PolicyKind.RESOURCE:
            if not has_principal:
                yield InvalidPolicyError(
                    "a resource-based policy statement needs Principal or NotPrincipal", path=at
                )
            if not has_resource:
                yield InvalidPolicyError(
                    "a resource-based policy statement needs Resource or NotResource", path=at
                )
        else:
            if statement.not_principal is not None:
                yield InvalidPolicyError(
                    "NotPrincipal is not allowed in a role trust policy", path=f"{at}.NotPrincipal"
                )
            elif statement.principal is None:
                yield InvalidPolicyError("a trust policy statement needs Principal", path=at)
            if has_resource:
                element = "Resource" if statement.resource is not None else "NotResource"
                yield InvalidPolicyError(
                    f"{element} is not allowed in a role trust policy", path=f"{at}.{element}"
                )


# -- helpers ------------------------------------------------------------------------------


def _one_or_list(values: Sequence[Any]) -> Any:
    return values[0] if len(values) == 1 else list(values)


def _as_list(values: object) -> object:
    return [values] if isinstance(values, str | ActionPattern | ResourcePattern) else values


def _describe(value: object) -> str:
    names = {dict: "an object", list: "an array", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}  # fmt: skip
    name = names.get(type(value))
    if name is None:
        return f"a Python {type(value).__name__}"
    if isinstance(value, str | int | float | bool):
        shown = repr(value) if len(repr(value)) <= 60 else repr(value)[:57] + "..."
        return f"{name} {shown}"
    return name


class _JsonObject(dict[str, Any]):
    """A decoded JSON object that remembers keys it saw more than once."""

    duplicates: tuple[str, ...] = ()

    @classmethod
    def from_pairs(cls, pairs: list[tuple[str, Any]]) -> _JsonObject:
        obj = cls(pairs)
        if len(obj) != len(pairs):
            seen: set[str] = set()
            repeated: list[str] = []
            for key, _ in pairs:
                if key in seen:
                    repeated.append(key)
                seen.add(key)
            obj.duplicates = tuple(repeated)
        return obj


class _ConstantError(Exception):
    pass


def _reject_constant(name: str) -> Any:
    raise _ConstantError(name)


_M = TypeVar("_M", bound=BaseModel)


def _validated(model: type[_M], data: Mapping[str, Any]) -> _M:
    """``model.model_validate(data)``, with pydantic's errors turned into InvalidPolicyError."""
    try:
        return model.model_validate(data)
    except ValidationError as e:
        raise _as_policy_error(e, model) from None


def _as_policy_error(error: ValidationError, model: type[Any]) -> InvalidPolicyError:
    first = error.errors(include_url=False)[0]
    original = (first.get("ctx") or {}).get("error")
    if isinstance(original, InvalidPolicyError):
        return original
    path = _path_from_loc(first["loc"])
    message = str(original) if isinstance(original, Exception) else first["msg"]
    return InvalidPolicyError(message, path=path)


#: A model field -> its name in the JSON document ("": none, the owner's path is the field's:
#: a condition entry is addressed by its key, ``Condition.StringEquals["aws:username"]``).
_JSON_NAME: dict[str, str] = {
    **_ELEMENT_OF,
    "version": "Version",
    "id": "Id",
    **{field: kind for kind, field in Principal.KINDS.items()},
    "key": "",
    "values": "",
}


def _path_from_loc(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        elif part == "statements":
            out += "Statement"
        elif name := _JSON_NAME.get(part, part):
            out += f".{name}" if out else name
    return out


def _join(path: str, key: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", key):
        return f"{path}.{key}" if path else key
    return f"{path}[{json.dumps(key)}]"


class _Parser:
    """Walks a decoded document, checks its shape and builds the models.

    Shape errors (wrong types, unknown or duplicate keys, empty arrays) are reported here with
    their JSON path. Everything else is checked once, by the models' validators (empty values,
    condition values, the rules of the policy kind), whose error locations become JSON paths.
    """

    def __init__(self, kind: PolicyKind) -> None:
        self.kind = kind

    def policy(self, document: object) -> Policy:
        obj = self._object(document, "", "the policy document")
        self._keys(obj, "", ("Version", "Id", "Statement"))
        version = obj.get("Version")
        if version is not None and version not in VERSIONS:
            raise InvalidPolicyError(
                f"Version must be one of {', '.join(map(repr, VERSIONS))}, "
                f"got {_describe(version)}",
                path="Version",
            )
        policy_id = obj.get("Id")
        if "Id" in obj:
            policy_id = self._string(policy_id, "Id", "Id")
        if "Statement" not in obj:
            raise InvalidPolicyError("the policy has no Statement element")
        raw = obj["Statement"]
        statements: list[Statement]
        if isinstance(raw, list):
            statements = [self.statement(s, f"Statement[{i}]") for i, s in enumerate(raw)]
        elif isinstance(raw, dict):
            statements = [self.statement(raw, "Statement")]
        else:
            raise InvalidPolicyError(
                f"Statement must be an object or an array of objects, got {_describe(raw)}",
                path="Statement",
            )
        try:  # the model checks the rules of the kind
            return _validated(
                Policy,
                {"version": version, "id": policy_id, "statements": statements, "kind": self.kind},
            )
        except InvalidPolicyError as e:
            if isinstance(raw, dict):  # a single statement object has no index in its path
                raise InvalidPolicyError(
                    e.message, path=e.path.replace("Statement[0]", "Statement", 1)
                ) from None
            raise

    def statement(self, raw: object, path: str) -> Statement:
        obj = self._object(raw, path, "a statement")
        self._keys(obj, path, _ELEMENTS)
        for first, second in (("Action", "NotAction"), ("Resource", "NotResource"),
                              ("Principal", "NotPrincipal")):  # fmt: skip
            if first in obj and second in obj:
                raise InvalidPolicyError(f"use either {first} or {second}, not both", path=path)
        if "Action" not in obj and "NotAction" not in obj:
            raise InvalidPolicyError("the statement needs Action or NotAction", path=path)
        if "Effect" not in obj:
            raise InvalidPolicyError("the statement needs Effect", path=path)
        effect = obj["Effect"]
        if effect not in ("Allow", "Deny"):
            raise InvalidPolicyError(
                f"Effect must be 'Allow' or 'Deny', got {_describe(effect)}", path=f"{path}.Effect"
            )
        fields: dict[str, Any] = {"effect": Effect(effect)}
        if "Sid" in obj:
            fields["sid"] = self._string(obj["Sid"], f"{path}.Sid", "Sid")
        for element in ("Principal", "NotPrincipal"):
            if element in obj:
                fields[_FIELD_OF[element]] = self.principal(obj[element], f"{path}.{element}")
        for element in ("Action", "NotAction"):
            if element in obj:
                fields[_FIELD_OF[element]] = self._patterns(
                    obj[element], f"{path}.{element}", ActionPattern, InvalidActionError
                )
        for element in ("Resource", "NotResource"):
            if element in obj:
                fields[_FIELD_OF[element]] = self._patterns(
                    obj[element], f"{path}.{element}", ResourcePattern, InvalidArnError
                )
        if "Condition" in obj:
            fields["condition"] = self.condition(obj["Condition"], f"{path}.Condition")
        return _with_path(Statement, fields, path)

    def principal(self, raw: object, path: str) -> Principal:
        if raw == "*":
            return Principal(everyone=True)
        if isinstance(raw, str):
            raise InvalidPolicyError(
                f"a principal string must be '*'; use an object such as {{\"AWS\": {raw!r}}}",
                path=path,
            )
        obj = self._object(raw, path, "'*' or an object of AWS, Service, Federated, CanonicalUser")
        self._keys(obj, path, tuple(Principal.KINDS))
        for kind, values in obj.items():
            self._string_list(values, _join(path, kind), f"{kind} principal")
        return _with_path(Principal, {Principal.KINDS[k]: v for k, v in obj.items()}, path)

    def condition(self, raw: object, path: str) -> Condition:
        obj = self._object(raw, path, "an object of operator → key → value")
        entries: list[ConditionEntry] = []
        for operator, block in obj.items():
            op_path = _join(path, operator)
            try:
                _conditions.parse_operator(operator)
            except ValueError as e:
                raise InvalidPolicyError(str(e), path=op_path) from None
            block_obj = self._object(block, op_path, "an object of condition key → value")
            for key, values in block_obj.items():
                entries.append(
                    _with_path(
                        ConditionEntry,
                        {"operator": operator, "key": key, "values": values},
                        _join(op_path, key),
                    )
                )
        return _with_path(Condition, {"entries": tuple(entries)}, path)

    # -- shape checks -------------------------------------------------------------------

    @staticmethod
    def _object(raw: object, path: str, what: str) -> dict[str, Any]:
        if not isinstance(raw, dict):
            raise InvalidPolicyError(f"expected {what}, got {_describe(raw)}", path=path)
        for key in raw:
            if not isinstance(key, str):
                raise InvalidPolicyError(f"object keys must be strings, got {key!r}", path=path)
        duplicates = getattr(raw, "duplicates", ())
        if duplicates:
            raise InvalidPolicyError(
                f"duplicate key {duplicates[0]!r}; IAM rejects documents with repeated keys",
                path=path,
            )
        return raw

    @staticmethod
    def _keys(obj: Mapping[str, Any], path: str, allowed: tuple[str, ...]) -> None:
        import difflib

        for key in obj:
            if key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1, cutoff=0.6) or [
                    a for a in allowed if a.lower() == key.lower()
                ]
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise InvalidPolicyError(
                    f"unknown element {key!r} (allowed: {', '.join(allowed)}){hint}",
                    path=_join(path, key),
                )

    @staticmethod
    def _string(raw: object, path: str, what: str) -> str:
        if not isinstance(raw, str):
            raise InvalidPolicyError(f"{what} must be a string, got {_describe(raw)}", path=path)
        char = bad_character(raw)
        if char is not None:
            raise InvalidPolicyError(
                f"{what} {raw!r} contains {describe_character(char)}, which IAM rejects", path=path
            )
        return raw

    def _string_list(self, raw: object, path: str, what: str) -> list[str]:
        if isinstance(raw, str):
            return [self._string(raw, path, what)]
        if not isinstance(raw, list):
            raise InvalidPolicyError(
                f"{what} must be a string or an array of strings, got {_describe(raw)}", path=path
            )
        if not raw:
            raise InvalidPolicyError(f"{what} must not be an empty array", path=path)
        return [self._string(item, f"{path}[{i}]", what) for i, item in enumerate(raw)]

    def _patterns(
        self, raw: object, path: str, cls: type[Any], error: type[Exception]
    ) -> list[Any]:
        what = "an action" if cls is ActionPattern else "a resource"
        items = self._string_list(raw, path, what)
        out = []
        for i, item in enumerate(items):
            try:
                out.append(cls(item))
            except error as e:
                raise InvalidPolicyError(str(e), path=_index(path, raw, i)) from None
        return out


def _index(path: str, raw: object, i: int) -> str:
    return f"{path}[{i}]" if isinstance(raw, list) else path


def _with_path(model: type[_M], fields: Mapping[str, Any], path: str) -> _M:
    try:
        return model.model_validate(fields)
    except ValidationError as e:
        inner = _as_policy_error(e, model)
        joined = path + (
            "." + inner.path if inner.path and not inner.path.startswith("[") else inner.path
        )
        raise InvalidPolicyError(inner.message, path=joined) from None
