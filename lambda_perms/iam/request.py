"""One request to AWS, as policies see it: :class:`Request`.

A request names one concrete action, one resource, the request context (condition keys and
their values, which also supply policy variables) and, optionally, the principal making it.
:meth:`lambda_perms.Policy.evaluate` accepts one, every exact diff entry carries one as its
witness, and :func:`lambda_perms.authorize` decides one against a whole set of policies.

>>> r = Request("s3:GetObject", "arn:aws:s3:::bucket/key", {"aws:SourceIp": "10.1.2.3"})
>>> r.describe()
's3:GetObject on arn:aws:s3:::bucket/key with {"aws:SourceIp": "10.1.2.3"}'
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

from lambda_perms.errors import InvalidActionError, UsageError
from lambda_perms.iam.conditions import Context, ContextScalar, ContextValue

__all__ = ["Request"]


def __dir__() -> list[str]:
    return __all__


_KINDS = ("AWS", "Service", "Federated", "CanonicalUser")


def _freeze_value(key: str, value: object) -> ContextValue:
    if isinstance(value, str | bool | int | float):
        return value
    if isinstance(value, Sequence):
        items: list[ContextScalar] = []
        for item in value:
            if not isinstance(item, str | bool | int | float):
                raise UsageError(
                    f"context key {key!r}: a value is a string, number or boolean, or a list of "
                    f"them, got {type(item).__name__}"
                )
            items.append(item)
        return tuple(items)
    raise UsageError(
        f"context key {key!r}: a value is a string, number or boolean, or a list of them, got "
        f"{type(value).__name__}"
    )


@dataclass(frozen=True, slots=True, eq=False)
class Request:
    """A request: ``action`` on ``resource`` with ``context``, made by ``principal``.

    ``context`` maps condition keys (any case) to a value or a list of values (a multivalued
    key); it is copied and frozen (lists become tuples). ``principal`` is ``(kind, value)``
    such as ``("AWS", "arn:aws:iam::111122223333:user/alice")``; a bare string means the
    ``AWS`` kind. Without a principal, ``Principal``/``NotPrincipal`` elements are not
    evaluated. Equal requests compare and hash equal.

    :raises InvalidActionError: when ``action`` is not one concrete ``prefix:Name``.
    :raises UsageError: for a context value or principal of the wrong shape.
    """

    action: str
    resource: str = "*"
    context: Context = field(default_factory=lambda: MappingProxyType({}))
    principal: tuple[str, str] | None = None

    def __post_init__(self) -> None:
        action: object = self.action
        if not isinstance(action, str) or ":" not in action or "*" in action or "?" in action:
            raise InvalidActionError(
                f"a request names one concrete action like 's3:GetObject', got {action!r}"
            )
        if not isinstance(self.resource, str):
            raise UsageError(f"a request's resource is a string, got {self.resource!r}")
        raw: object = self.context
        if not isinstance(raw, Mapping):
            raise UsageError(f"a request's context is a mapping, got {type(raw).__name__}")
        frozen = {str(k): _freeze_value(str(k), v) for k, v in raw.items()}
        object.__setattr__(self, "context", MappingProxyType(frozen))
        principal: object = self.principal
        if isinstance(principal, str):
            principal = ("AWS", principal)
        if principal is not None and (
            not isinstance(principal, tuple)
            or len(principal) != 2
            or principal[0] not in _KINDS
            or not isinstance(principal[1], str)
        ):
            raise UsageError(
                f"a principal is (kind, value) with kind one of {', '.join(_KINDS)}, "
                f"got {principal!r}"
            )
        object.__setattr__(self, "principal", principal)

    def _key(self) -> tuple[Any, ...]:
        return (self.action, self.resource, tuple(sorted(self.context.items())), self.principal)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Request):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return f"Request({self.action!r}, {self.resource!r}, {dict(self.context)!r}" + (
            f", principal={self.principal!r})" if self.principal is not None else ")"
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: ``action``, ``resource``, ``context`` (keys sorted) and ``principal``
        (``{kind: value}``) when there is one."""
        out: dict[str, Any] = {
            "action": self.action,
            "resource": self.resource,
            "context": {
                k: list(v) if isinstance(v, tuple) else v for k, v in sorted(self.context.items())
            },
        }
        if self.principal is not None:
            out["principal"] = {self.principal[0]: self.principal[1]}
        return out

    def describe(self) -> str:
        """One line: ``action on resource [with {context}] [by principal]``."""
        text = f"{self.action} on {self.resource}"
        if self.context:
            text += f" with {json.dumps(self.to_dict()['context'], sort_keys=True)}"
        if self.principal is not None:
            text += f" by {self.principal[0]} {self.principal[1]}"
        return text
